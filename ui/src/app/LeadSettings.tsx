// Settings › Leads: scoring weights (with the calibration report over this dealership's
// history), routing rules and distribution, the first-response deadline, working hours, and the
// follow-up cadences. Saved as one record that syncs; each bad value is named next to it.
import { useEffect, useState } from "react";
import type { ActivityKind, Band, Distribution, LeadSettings as Settings, Staff, Weights } from "../bindings";
import { api, fieldErrors } from "../api";
import { useToast } from "../components/Toasts";
import { CHANNELS } from "../lib/leads";
import { locale } from "../lib/locale";

const WEIGHTS: [keyof Weights, string][] = [
  ["channel", "Channel quality"], ["timeframe", "Purchase timeframe"], ["trade_in", "Trade-in"], ["financing", "Financing"],
  ["engagement", "Engagement"], ["recency", "Recency"], ["budget_fit", "Budget fit with stock"],
];
const KINDS: [ActivityKind, string][] = [["call", "Call"], ["sms", "Text"], ["email", "Email"], ["follow_up", "Follow-up"]];
const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

export function LeadSettings() {
  const [s, setS] = useState<Settings | null>(null);
  const [bands, setBands] = useState<Band[]>([]);
  const [staff, setStaff] = useState<Staff | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [which, setWhich] = useState(0);
  const toast = useToast();
  useEffect(() => {
    api.leadSettings().then(setS).catch(() => {});
    api.leadCalibration().then(setBands).catch(() => {});
    api.staff().then(setStaff).catch(() => {});
  }, []);
  if (!s) return null;
  const set = (patch: Partial<Settings>) => setS({ ...s, ...patch });
  const num = (v: string) => Number(v.replace(/[^\d]/g, "")) || 0;
  const err = (f: string) => errors[f] && <div className="field-error" role="alert" data-field-error={f}>{errors[f]}</div>;
  const save = async () => {
    try { setS(await api.saveLeadSettings(s)); setErrors({}); toast("Lead settings saved"); } catch (e) { setErrors(fieldErrors(e)); }
  };
  const reps = (staff?.users ?? []).filter((u) => u.role === "rep");
  const ci = Math.min(which, s.cadences.length - 1);
  const cadence = s.cadences[ci];
  return (
    <section aria-label="Lead settings">
      <h2 className="form-section">Lead scoring</h2>
      <div className="weights">
        {WEIGHTS.map(([k, label]) => (
          <label key={k} className="filter">{label}
            <input className="input narrow" inputMode="numeric" aria-label={`Weight of ${label}`} value={s.weights[k]}
              onChange={(e) => set({ weights: { ...s.weights, [k]: num(e.target.value) } })} aria-invalid={errors[`weights.${k}`] ? true : undefined} />
            {err(`weights.${k}`)}
          </label>
        ))}
      </div>
      <p className="field-hint">The most each signal adds; a lead's score is the sum, capped at 100.</p>
      {bands.length > 0 && (
        <table className="grid calibration" aria-label="Score calibration">
          <thead><tr><th>Score band</th><th>Leads</th><th>Sold</th><th>Conversion</th></tr></thead>
          <tbody>{bands.map((b) => (
            <tr key={b.from}><td>{b.from}–{b.to}</td><td>{b.leads.toLocaleString(locale())}</td><td>{b.sold.toLocaleString(locale())}</td>
              <td>{b.conversion === null ? "—" : `${(b.conversion * 100).toFixed(1)} %`}
                {b.worse_than !== null && <span className="badge attention" data-inverted style={{ marginLeft: 8 }}>Converts less than {b.worse_than}–{b.worse_than + 19}: check the weights</span>}</td></tr>
          ))}</tbody>
        </table>
      )}
      {bands.some((b) => b.worse_than !== null) && (
        <p className="field-error" role="status">The score is inverted here: higher-scored leads sold less often than lower ones. Lower the weight of the signals they share.</p>
      )}
      <h2 className="form-section">Routing</h2>
      <div className="row-actions" style={{ justifyContent: "flex-start", flexWrap: "wrap" }}>
        <label className="filter">Distribution
          <select className="input" name="distribution" value={s.distribution} onChange={(e) => set({ distribution: e.target.value as Distribution })}>
            <option value="round_robin">Round robin</option><option value="fewest_open">Fewest open leads</option><option value="up_rotation">Up rotation</option>
          </select>
        </label>
        <label className="filter">First response within (min)
          <input className="input narrow" name="response_minutes" inputMode="numeric" value={s.response_minutes} onChange={(e) => set({ response_minutes: num(e.target.value) })}
            aria-invalid={errors.response_minutes ? true : undefined} />
          {err("response_minutes")}
        </label>
        <label className="filter">Opens
          <input className="input narrow" aria-label="Opening hour" inputMode="numeric" value={s.working_hours.open_hour}
            onChange={(e) => set({ working_hours: { ...s.working_hours, open_hour: num(e.target.value) } })} />
        </label>
        <label className="filter">Closes
          <input className="input narrow" aria-label="Closing hour" inputMode="numeric" value={s.working_hours.close_hour}
            onChange={(e) => set({ working_hours: { ...s.working_hours, close_hour: num(e.target.value) } })} />
          {err("working_hours.close_hour")}
        </label>
        <fieldset className="days"><legend className="field-hint">Open on</legend>
          {DAYS.map((d, i) => (
            <label key={d} className="check"><input type="checkbox" checked={s.working_hours.days.includes(i + 1)}
              onChange={(e) => set({ working_hours: { ...s.working_hours, days: e.target.checked ? [...s.working_hours.days, i + 1] : s.working_hours.days.filter((x) => x !== i + 1) } })} /> {d}</label>
          ))}
          {err("working_hours.days")}
        </fieldset>
      </div>
      <table className="grid rules" aria-label="Routing rules">
        <thead><tr><th>Rule</th><th>Make</th><th>Language</th><th>Channel</th><th>ZIP prefixes</th><th>Reps</th><th /></tr></thead>
        <tbody>
          {s.rules.map((r, i) => {
            const edit = (patch: Partial<typeof r>) => set({ rules: s.rules.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
            return (
              <tr key={i}>
                <td><input className="input" aria-label="Rule name" value={r.name} onChange={(e) => edit({ name: e.target.value })} />{err(`rules[${i}].name`)}</td>
                <td><input className="input" aria-label="Make" value={r.make ?? ""} onChange={(e) => edit({ make: e.target.value || null })} /></td>
                <td><input className="input narrow" aria-label="Language" value={r.language ?? ""} onChange={(e) => edit({ language: e.target.value || null })} /></td>
                <td><select className="input" aria-label="Channel" value={r.channel ?? ""} onChange={(e) => edit({ channel: (e.target.value || null) as typeof r.channel })}>
                  <option value="">Any</option>{CHANNELS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}</select></td>
                <td><input className="input" aria-label="ZIP prefixes" value={r.territory.join(", ")} onChange={(e) => edit({ territory: e.target.value.split(/[,\s]+/).filter(Boolean) })} /></td>
                <td><select className="input" multiple aria-label="Reps of the rule" value={r.reps} onChange={(e) => edit({ reps: Array.from(e.target.selectedOptions).map((o) => o.value) })}>
                  {reps.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}</select></td>
                <td><button className="btn ghost small" onClick={() => set({ rules: s.rules.filter((_, j) => j !== i) })}>Remove</button></td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button className="btn" onClick={() => set({ rules: [...s.rules, { name: "", make: null, model: null, language: null, channel: null, territory: [], condition: null, reps: [] }] })}>Add rule</button>
      <h2 className="form-section">Follow-up cadences</h2>
      <p className="field-hint">{cadence?.name}: runs for {cadence && cadence.channels.length ? cadence.channels.map((c) => CHANNELS.find(([k]) => k === c)?.[1] ?? c).join(", ") : "every channel not matched above"}.</p>
      {s.cadences.length > 1 && (
        <div className="segmented" role="group" aria-label="Cadence">
          {s.cadences.map((c, i) => <button key={i} aria-pressed={i === ci} onClick={() => setWhich(i)}>{c.name}</button>)}
        </div>
      )}
      {cadence && (
        <table className="grid cadence" aria-label="Cadence steps">
          <thead><tr><th>After (hours)</th><th>Step</th><th>What</th><th>Prepared message</th></tr></thead>
          <tbody>{cadence.steps.map((st, i) => {
            const edit = (patch: Partial<typeof st>) => set({
              cadences: s.cadences.map((c, k) => (k === ci ? { ...c, steps: c.steps.map((x, j) => (j === i ? { ...x, ...patch } : x)) } : c)),
            });
            return (
              <tr key={i}>
                <td><input className="input narrow" inputMode="numeric" aria-label={`Hours before step ${i + 1}`} value={Math.round(st.after_minutes / 60)}
                  onChange={(e) => edit({ after_minutes: num(e.target.value) * 60 })} /></td>
                <td><select className="input" aria-label={`Kind of step ${i + 1}`} value={st.kind} onChange={(e) => edit({ kind: e.target.value as ActivityKind })}>
                  {KINDS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}</select></td>
                <td><input className="input" aria-label={`Subject of step ${i + 1}`} value={st.subject} onChange={(e) => edit({ subject: e.target.value })} />{err(`cadences[${ci}].steps[${i}].subject`)}</td>
                <td><textarea className="input" aria-label={`Message of step ${i + 1}`} rows={2} value={st.message} onChange={(e) => edit({ message: e.target.value })} />{err(`cadences[${ci}].steps[${i}].message`)}</td>
              </tr>
            );
          })}</tbody>
        </table>
      )}
      <p className="field-hint">Quiet hours {cadence?.quiet_from}:00–{cadence?.quiet_to}:00: steps due then wait until morning. Steps on channels the customer did not agree to are skipped; a reply or a booked appointment stops the cadence.</p>
      {errors._ && <p className="field-error" role="alert">{errors._}</p>}
      <div className="row-actions" style={{ justifyContent: "flex-start" }}><button className="btn primary" onClick={() => void save()}>Save lead settings</button></div>
    </section>
  );
}
