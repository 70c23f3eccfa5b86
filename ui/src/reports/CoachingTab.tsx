// Coaching (managers): notes and goals per rep from their 1:1s. The rep sees their own entries on
// their dashboard (CoachingCard, read-only); no other rep ever receives them (the core keeps them
// in the rep's own partition).
import { useCallback, useEffect, useState } from "react";
import type { CoachingRow, Staff } from "../bindings";
import { api, fieldErrors } from "../api";
import { Field } from "../components/Field";
import { useToast } from "../components/Toasts";
import { shortDate } from "../lib/format";
import { useLatest } from "../lib/latest";

export function CoachingTab({ staff }: { staff: Staff }) {
  const reps = staff.users.filter((u) => u.role === "rep" && u.active);
  const [rep, setRep] = useState<string>(reps[0]?.id ?? "");
  const [rows, setRows] = useState<CoachingRow[] | null>(null);
  const [kind, setKind] = useState<"note" | "goal">("note");
  const [body, setBody] = useState("");
  const [due, setDue] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const toast = useToast();
  const latest = useLatest();
  const load = useCallback(() => { if (rep) latest(api.coaching(rep), setRows, () => setRows([])); }, [rep, latest]);
  useEffect(load, [load]);
  const name = reps.find((r) => r.id === rep)?.name ?? "";
  const save = async () => {
    try {
      setRows(await api.addCoaching({ rep_id: rep, kind, body, due: kind === "goal" ? due : "" }));
      setBody(""); setDue(""); setErrors({});
      toast(`${kind === "goal" ? "Goal" : "Note"} saved for ${name}`);
    } catch (e) { setErrors(fieldErrors(e)); }
  };
  const act = async (f: () => Promise<CoachingRow[] | void>) => {
    try { const r = await f(); if (r) setRows(r); else load(); } catch (e) { toast((e as { message: string }).message, { kind: "error" }); }
  };
  if (reps.length === 0) return <p className="muted">No reps yet: add them in Settings › Team.</p>;
  return (
    <div className="goals-tab">
      <section className="card" aria-label="New coaching entry">
        <div className="row-actions" style={{ justifyContent: "space-between" }}>
          <h2 className="form-section" style={{ marginTop: 0 }}>Coaching</h2>
          <label className="filter">Rep
            <select className="input" name="coaching_rep" value={rep} onChange={(e) => setRep(e.target.value)}>
              {reps.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
            </select>
          </label>
        </div>
        <p className="field-hint">Only {name} and the managers see these.</p>
        <form className="coaching-form" onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <div className="segmented" role="group" aria-label="Kind">
            <button type="button" aria-pressed={kind === "note"} onClick={() => setKind("note")}>1:1 note</button>
            <button type="button" aria-pressed={kind === "goal"} onClick={() => setKind("goal")}>Goal</button>
          </div>
          <Field name="coaching_body" label={kind === "goal" ? "Goal" : "Note"} value={body} onChange={setBody} multiline required error={errors.body}
            placeholder={kind === "goal" ? "e.g. Book two test drives a day from internet leads" : "What you talked about, what to work on"} />
          {kind === "goal" && <Field name="coaching_due" label="By (optional)" type="date" className="coaching-due" value={due} onChange={setDue} error={errors.due} />}
          {errors._ && <div className="field-error" role="alert">{errors._}</div>}
          {errors.rep_id && <div className="field-error" role="alert">{errors.rep_id}</div>}
          <div className="form-actions"><button type="submit" className="btn primary">Save {kind === "goal" ? "goal" : "note"}</button></div>
        </form>
      </section>
      <section className="card" aria-label={`Coaching for ${name}`}>
        <h2 className="form-section" style={{ marginTop: 0 }}>{name}</h2>
        <CoachingList rows={rows} manage={{
          done: (id, done) => void act(() => api.coachingDone(id, done)),
          remove: (id) => void act(() => api.removeCoaching(id)),
        }} />
      </section>
    </div>
  );
}

/** A rep's coaching entries on their dashboard ("From your manager"; a manager viewing it reads whose). */
export function CoachingCard({ rep, dataVersion, title }: { rep: string; dataVersion: number; title: string }) {
  const [rows, setRows] = useState<CoachingRow[] | null>(null);
  const latest = useLatest();
  useEffect(() => { latest(api.coaching(rep), setRows, () => setRows([])); }, [rep, dataVersion, latest]);
  if (!rows || rows.length === 0) return null;
  return (
    <section className="card" aria-label="Coaching">
      <h2 className="form-section" style={{ marginTop: 0 }}>{title}</h2>
      <CoachingList rows={rows} />
    </section>
  );
}

function CoachingList({ rows, manage }: { rows: CoachingRow[] | null; manage?: { done: (id: string, done: boolean) => void; remove: (id: string) => void } }) {
  if (!rows) return <p className="muted" aria-busy="true">Loading…</p>;
  if (rows.length === 0) return <p className="muted">Nothing written yet.</p>;
  return (
    <ul className="coaching-list">
      {rows.map(({ note: n, author, overdue }) => (
        <li key={n.id} className={`coaching-item ${n.done_at ? "done" : ""} ${overdue ? "overdue" : ""}`} data-coaching={n.kind}>
          <span className="coaching-kind">{n.kind === "goal" ? (n.done_at ? "Goal met" : "Goal") : "Note"}</span>
          <span>
            <span className="coaching-body">{n.body}</span><br />
            <span className="muted">{author} · {shortDate(n.created_at)}{n.due ? ` · by ${shortDate(n.due)}` : ""}{overdue ? " · overdue" : ""}</span>
          </span>
          {manage && (
            <span className="row-actions">
              {n.kind === "goal" && <button className="btn small" onClick={() => manage.done(n.id, !n.done_at)}>{n.done_at ? "Reopen" : "Mark met"}</button>}
              <button className="btn ghost small" aria-label={`Remove: ${n.body.slice(0, 40)}`} onClick={() => manage.remove(n.id)}>Remove</button>
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
