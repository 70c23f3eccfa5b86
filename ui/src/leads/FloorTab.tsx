// The showroom floor: who is up (reps with overdue follow-ups are skipped), check in and out, a
// manager's reorder, and the traffic log of every walk-in (even anonymous), each of which can
// become a lead.
import { useCallback, useEffect, useState } from "react";
import type { Rotation, Staff } from "../bindings";
import { api, fieldErrors } from "../api";
import { Field } from "../components/Field";
import { useToast } from "../components/Toasts";
import { timeOfDay } from "../lib/format";

const OUTCOMES = ["lead", "be-back", "just looking", "service", "parts", "other"];

export function FloorTab({ staff, onCapture, dataVersion }: { staff: Staff | null; onCapture: (trafficId: string, name: string) => void; dataVersion: number }) {
  const [rot, setRot] = useState<Rotation | null>(null);
  const [name, setName] = useState("");
  const [interest, setInterest] = useState("");
  const [party, setParty] = useState("1");
  const [taker, setTaker] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const toast = useToast();
  const load = useCallback(() => { api.floor().then(setRot).catch((e) => toast(e.message, { kind: "error" })); }, [toast]);
  useEffect(load, [load, dataVersion]);
  const me = staff?.users.find((u) => u.id === staff.me);
  const manager = !me || me.role !== "rep";
  const act = async (p: Promise<Rotation>) => { try { setRot(await p); } catch (e) { toast((e as { message: string }).message, { kind: "error" }); } };
  const move = (i: number, j: number) => {
    if (!rot) return;
    const order = rot.queue.map((q) => q.user_id);
    [order[i], order[j]] = [order[j], order[i]];
    void act(api.reorderFloor(order));
  };
  const logWalkIn = async () => {
    try {
      const e = await api.walkIn({ name, interest, notes: "", party_size: Number(party) || 0, rep_id: taker || null });
      const who = staff?.users.find((u) => u.id === e.rep_id)?.name;
      toast(who ? `Walk-in logged: ${who} has the up` : "Walk-in logged (nobody checked in)");
      setName(""); setInterest(""); setParty("1"); setTaker(""); setErrors({});
      load();
    } catch (e) {
      setErrors(fieldErrors(e));
    }
  };
  const upName = rot?.queue.find((q) => q.user_id === rot.next_up)?.name;
  return (
    <div className="floor">
      <section className="card floor-queue" aria-label="Up rotation">
        <h2 className="form-section" style={{ marginTop: 0 }}>Up rotation</h2>
        <p className="next-up" aria-live="polite">{upName ? <>Next up: <strong>{upName}</strong></>
          : rot && rot.queue.length > 0
            // Checked in, but every one of them has overdue follow-ups: say so instead of "check in".
            ? `Nobody is up: ${rot.queue.map((q) => q.name).join(", ")} ${rot.queue.length === 1 ? "is" : "are"} checked in but skipped until overdue follow-ups are done.`
            : "Nobody is up: check reps in below."}</p>
        <ol className="queue">
          {rot?.queue.map((q, i) => (
            <li key={q.user_id} data-up={q.name} className={q.user_id === rot.next_up ? "up" : q.overdue_followups > 0 ? "skipped" : ""}>
              <span className="pos">{i + 1}</span>
              <span className="who">
                <span className="strong">{q.name}</span>
                <span className="muted">{q.ups_taken} up{q.ups_taken === 1 ? "" : "s"} today</span>
                {q.overdue_followups > 0 && <span className="chip warn" title="Finish overdue follow-ups to get back in the rotation">skipped: {q.overdue_followups} overdue</span>}
              </span>
              <span className="row-actions">
                {manager && <>
                  <button className="btn ghost small" aria-label={`Move ${q.name} up`} disabled={i === 0} onClick={() => move(i, i - 1)}>↑</button>
                  <button className="btn ghost small" aria-label={`Move ${q.name} down`} disabled={i === rot.queue.length - 1} onClick={() => move(i, i + 1)}>↓</button>
                </>}
                <button className="btn small" onClick={() => void act(api.checkIn(q.user_id, false))}>Check out</button>
              </span>
            </li>
          ))}
        </ol>
        {rot && rot.off_floor.length > 0 && (
          <div className="off-floor">
            <span className="muted">Off the floor:</span>
            {rot.off_floor.map(([id, n]) => (
              <button key={id} className="btn small" onClick={() => void act(api.checkIn(id, true))}>Check in {n}</button>
            ))}
          </div>
        )}
      </section>
      <section className="card floor-traffic" aria-label="Traffic log">
        <h2 className="form-section" style={{ marginTop: 0 }}>Log a walk-in</h2>
        <form className="walkin-form" noValidate onSubmit={(e) => { e.preventDefault(); void logWalkIn(); }}>
          <Field name="walkin_name" label="Name (if given)" value={name} onChange={setName} error={errors.name} />
          <Field name="walkin_interest" label="Looking at" value={interest} onChange={setInterest} error={errors.interest} />
          <Field name="party_size" label="Party size" inputMode="numeric" value={party} onChange={setParty} error={errors.party_size} />
          <label className="filter">Up goes to
            <select className="input" name="taker" value={taker} onChange={(e) => setTaker(e.target.value)}>
              <option value="">{upName ? `${upName} (next up)` : "Nobody up"}</option>
              {rot?.queue.map((q) => <option key={q.user_id} value={q.user_id}>{q.name}</option>)}
            </select>
          </label>
          <div className="submit"><button type="submit" className="btn primary">Log walk-in</button></div>
        </form>
        {errors.rep_id && <p className="field-error" role="alert">{errors.rep_id}</p>}
        <h2 className="form-section">Today's traffic <span className="badge">{rot?.traffic.length ?? 0}</span></h2>
        <div className="traffic-wrap">
        <table className="grid" aria-label="Today's walk-ins">
          <thead><tr><th>Arrived</th><th>Who</th><th>Looking at</th><th>Rep</th><th>Outcome</th><th /></tr></thead>
          <tbody>
            {rot?.traffic.map((t) => (
              <tr key={t.id} data-traffic={t.name || "anonymous"}>
                <td>{timeOfDay(t.arrived_at)}</td>
                <td>{t.name || <span className="muted">Anonymous</span>}{t.party_size > 1 && <span className="muted"> +{t.party_size - 1}</span>}</td>
                <td>{t.interest}</td>
                <td>{staff?.users.find((u) => u.id === t.rep_id)?.name ?? <span className="muted">—</span>}</td>
                <td>
                  <select className="input compact-select" aria-label={`Outcome of ${t.name || "walk-in"}`} value={t.outcome}
                    onChange={(e) => void api.walkInOutcome(t.id, e.target.value).then(load).catch((err) => toast(err.message, { kind: "error" }))}>
                    <option value="">On the floor</option>
                    {OUTCOMES.map((o) => <option key={o} value={o}>{o}</option>)}
                  </select>
                </td>
                <td>{!t.lead_id && <button className="btn small" onClick={() => onCapture(t.id, t.name)}>Capture lead</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      </section>
    </div>
  );
}
