// Settings › Pipeline stages: name, order, win probability, colour and the idle threshold after
// which a deal is "going cold"; several pipelines (new, used, fleet). Deleting a stage that still
// holds deals is refused by the core with the count.
import { useCallback, useEffect, useState } from "react";
import type { ApiError, PipelineStage } from "../bindings";
import { api } from "../api";
import { useToast } from "../components/Toasts";
import { now as clockNow } from "../lib/clock";
import { spell } from "../lib/locale";

function uuid(): string {
  return crypto.randomUUID();
}

export function PipelineSettings() {
  const [pipeline, setPipeline] = useState("Sales");
  const [pipelines, setPipelines] = useState<string[]>(["Sales"]);
  const [stages, setStages] = useState<PipelineStage[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [newName, setNewName] = useState("");
  const toast = useToast();
  const load = useCallback(() => {
    api.pipelineStages(pipeline).then(setStages).catch(() => setStages([]));
    api.board({ pipeline: null, owner_id: null, source: null, created_from: null, created_to: null, include_closed: false })
      .then((b) => setPipelines((p) => Array.from(new Set([...b.pipelines, ...p]))))
      .catch(() => {});
  }, [pipeline]);
  useEffect(load, [load]);

  const save = async (s: PipelineStage, message: string) => {
    try {
      await api.saveStage(s);
      setErrors({});
      toast(message);
      load();
    } catch (e) {
      const err = e as ApiError;
      setErrors({ [s.id]: err.fields.map((f) => `${f.field}: ${f.message}`).join("; ") || err.message });
    }
  };
  const edit = (id: string, patch: Partial<PipelineStage>) => setStages((all) => all.map((s) => (s.id === id ? { ...s, ...patch } : s)));
  const swap = (i: number, j: number) => {
    const a = stages[i], b = stages[j];
    if (!a || !b) return;
    void api.saveStage({ ...a, position: b.position }).then(() => api.saveStage({ ...b, position: a.position })).then(load);
  };
  const add = () => {
    const now = clockNow().toISOString();
    const last = stages[stages.length - 1];
    void save({
      id: uuid(), pipeline, name: "New stage", position: (last?.position ?? -1) + 1, probability: 50, colour: "#5e8bd6", idle_days: 5,
      created_at: now, updated_at: now, deleted_at: null,
    }, "Stage added");
  };
  const newPipeline = () => {
    const name = newName.trim();
    if (!name || pipelines.includes(name)) { setErrors({ pipeline: name ? `${name} exists already` : "type a name first" }); return; }
    setNewName("");
    const now = clockNow().toISOString();
    const base = ["New", "Contacted", "Proposal", "Negotiation", "Won", "Lost"];
    const probs = [10, 20, 50, 70, 100, 0];
    void Promise.all(base.map((n, i) => api.saveStage({
      id: uuid(), pipeline: name, name: n, position: i, probability: probs[i], colour: i === 4 ? "#2f9e44" : i === 5 ? "#c92a2a" : "#5e8bd6",
      idle_days: 5, created_at: now, updated_at: now, deleted_at: null,
    }))).then(() => { setPipelines((p) => [...p, name]); setPipeline(name); toast(`Pipeline ${name} created`); });
  };

  return (
    <section aria-label="Pipeline stages">
      <h2 className="form-section">Pipeline stages</h2>
      <div className="stage-toolbar">
        <label className="filter">Pipeline
          <select className="input" value={pipeline} onChange={(e) => setPipeline(e.target.value)} name="pipeline">
            {pipelines.map((p) => <option key={p}>{p}</option>)}
          </select>
        </label>
        <label className="filter">New pipeline
          <input className="input" name="new_pipeline" placeholder="Used, Fleet…" value={newName} onChange={(e) => setNewName(e.target.value)}
            onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); newPipeline(); } }} aria-invalid={errors.pipeline ? true : undefined} />
        </label>
        <button className="btn" onClick={newPipeline}>Create pipeline</button>
        <button className="btn" onClick={add}>Add stage</button>
      </div>
      {errors.pipeline && <p className="field-error" role="alert">{errors.pipeline}</p>}
      <table className="grid stages" aria-label={`Stages of ${pipeline}`}>
        <thead><tr><th>Order</th><th>Stage</th><th>Win %</th><th title="A deal idle longer than this is going cold">Cold after (days)</th><th>{spell("Colour")}</th><th /></tr></thead>
        <tbody>
          {stages.map((s, i) => (
            <tr key={s.id} data-stage-row={s.name}>
              <td className="order">
                <button className="btn ghost small" aria-label={`Move ${s.name} up`} disabled={i === 0} onClick={() => swap(i, i - 1)}>↑</button>
                <button className="btn ghost small" aria-label={`Move ${s.name} down`} disabled={i === stages.length - 1} onClick={() => swap(i, i + 1)}>↓</button>
              </td>
              <td><input className="input stage-name" aria-label="Stage name" value={s.name} onChange={(e) => edit(s.id, { name: e.target.value })} /></td>
              <td><input className="input narrow" aria-label={`Win probability of ${s.name}`} inputMode="numeric" value={s.probability}
                onChange={(e) => edit(s.id, { probability: Number(e.target.value.replace(/\D/g, "")) || 0 })} /></td>
              <td><input className="input narrow" aria-label={`Idle days of ${s.name}`} inputMode="numeric" value={s.idle_days}
                onChange={(e) => edit(s.id, { idle_days: Number(e.target.value.replace(/\D/g, "")) || 0 })} /></td>
              <td><input type="color" aria-label={`${spell("Colour")} of ${s.name}`} value={s.colour} onChange={(e) => edit(s.id, { colour: e.target.value })} /></td>
              <td className="stage-actions">
                <div className="row-actions">
                  <button className="btn small" onClick={() => void save(s, `Saved ${s.name}`)}>Save</button>
                  <button className="btn ghost small" onClick={() => void save({ ...s, deleted_at: clockNow().toISOString() }, `Deleted ${s.name}`)}>Delete</button>
                </div>
                {errors[s.id] && <div className="field-error" role="alert" data-stage-error={s.name}>{errors[s.id]}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
