// The customer panel's quick actions: log a contact, add a task, open a deal, book a test drive.
// Each is one call to the core; errors show next to their fields. Messages: MessageDialog.tsx.
import { useEffect, useState } from "react";
import type { ActivityKind, ApiError, Customer, Direction, InteractionChannel, Opportunity } from "../bindings";
import { api } from "../api";
import { Field } from "../components/Field";
import { useToast } from "../components/Toasts";
import { localInput } from "../lib/format";
import { nowMs } from "../lib/clock";
import { locale } from "../lib/locale";

type Errors = Record<string, string>;
const errorsOf = (e: unknown): Errors => {
  const err = e as ApiError;
  return err.fields?.length ? Object.fromEntries(err.fields.map((f) => [f.field, f.message])) : { form: err.message };
};


const CHANNELS: [InteractionChannel, string][] = [["call", "Call"], ["email", "Email"], ["sms", "Text"], ["visit", "Walk-in visit"], ["chat", "Chat"], ["event", "Event contact"], ["note", "Note"]];

export function LogContactForm({ customer, onDone, onCancel }: { customer: Customer; onDone: () => void; onCancel: () => void }) {
  const [channel, setChannel] = useState<InteractionChannel>("call");
  const [direction, setDirection] = useState<Direction>("outbound");
  const [summary, setSummary] = useState("");
  const [minutes, setMinutes] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const toast = useToast();
  const save = async () => {
    try {
      await api.logContact({
        customer_id: customer.id, channel, direction: channel === "note" ? "internal" : direction, summary,
        duration_min: minutes.trim() ? Number(minutes) : null,
      });
      toast("Logged on the timeline");
      onDone();
    } catch (e) { setErrors(errorsOf(e)); }
  };
  return (
    <form className="inline-form" aria-label="Log a contact" noValidate onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <div className="form-grid three">
        <div className="field"><label htmlFor="contact-channel">Channel</label>
          <select id="contact-channel" name="channel" className="input" value={channel} onChange={(e) => setChannel(e.target.value as InteractionChannel)}>
            {CHANNELS.map(([c, l]) => <option key={c} value={c}>{l}</option>)}
          </select></div>
        <div className="field"><label htmlFor="contact-direction">Direction</label>
          <select id="contact-direction" name="direction" className="input" value={direction} disabled={channel === "note"} onChange={(e) => setDirection(e.target.value as Direction)}>
            <option value="outbound">Outgoing</option><option value="inbound">Incoming</option>
          </select></div>
        <Field name="duration_min" label="Minutes" inputMode="numeric" value={minutes} onChange={setMinutes} error={errors.duration_min} />
      </div>
      <Field name="summary" label="What happened" required multiline autoFocus value={summary} onChange={setSummary} error={errors.summary ?? errors.form} />
      <div className="row-actions"><button type="button" className="btn" onClick={onCancel}>Cancel</button><button className="btn primary" type="submit">Log it</button></div>
    </form>
  );
}

const KINDS: [ActivityKind, string][] = [["call", "Call"], ["email", "Email"], ["sms", "Text"], ["meeting", "Meeting"], ["test_drive", "Test drive"], ["follow_up", "Follow-up"], ["delivery", "Delivery"]];

export function NewTaskForm({ customer, deals, onDone, onCancel }: { customer: Customer; deals: Opportunity[]; onDone: () => void; onCancel: () => void }) {
  const [kind, setKind] = useState<ActivityKind>("call");
  const [subject, setSubject] = useState("");
  const [due, setDue] = useState(localInput(new Date(nowMs() + 3600 * 1000)));
  const [deal, setDeal] = useState(deals[0]?.id ?? "");
  const [errors, setErrors] = useState<Errors>({});
  const toast = useToast();
  const save = async () => {
    const when = new Date(due);
    try {
      await api.createActivity({ customer_id: customer.id, opportunity_id: deal || null, kind, subject, due_at: Number.isNaN(when.getTime()) ? due : when.toISOString(), owner_id: null });
      toast(`Scheduled: ${subject}`);
      onDone();
    } catch (e) { setErrors(errorsOf(e)); }
  };
  return (
    <form className="inline-form" aria-label="New task" noValidate onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <div className="form-grid">
        <div className="field"><label htmlFor="task-kind">Type</label>
          <select id="task-kind" className="input" value={kind} onChange={(e) => setKind(e.target.value as ActivityKind)}>
            {KINDS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
          </select></div>
        <Field name="task_due" label="When" type="datetime-local" required value={due} onChange={setDue} error={errors.due_at} />
        <Field name="task_subject" label="What" required autoFocus value={subject} onChange={setSubject} error={errors.subject ?? errors.form} className="span-2" />
        {deals.length > 0 && (
          <div className="field span-2"><label htmlFor="task-deal">Deal</label>
            <select id="task-deal" className="input" value={deal} onChange={(e) => setDeal(e.target.value)}>
              <option value="">No deal</option>
              {deals.map((d) => <option key={d.id} value={d.id}>{d.title}</option>)}
            </select></div>
        )}
      </div>
      <div className="row-actions"><button type="button" className="btn" onClick={onCancel}>Cancel</button><button className="btn primary" type="submit">Schedule</button></div>
    </form>
  );
}

export function NewDealForm({ customer, onDone, onCancel, lead }: {
  customer: Customer; onDone: () => void; onCancel: () => void; lead?: { id: string; interest: string } | null;
}) {
  const [title, setTitle] = useState(lead?.interest ?? "");
  const [amount, setAmount] = useState("");
  const [pipelines, setPipelines] = useState<string[]>([]);
  const [pipeline, setPipeline] = useState("Sales");
  const [errors, setErrors] = useState<Errors>({});
  const toast = useToast();
  useEffect(() => { api.pipelines().then(setPipelines).catch(() => {}); }, []);
  const save = async () => {
    try {
      const stages = pipelines.length > 1 ? await api.pipelineStages(pipeline) : [];
      const o = await api.createOpportunity({
        customer_id: customer.id, lead_id: lead?.id ?? null, vehicle_id: null, title, amount, stage_id: stages[0]?.id ?? null,
      });
      toast(`New deal: ${o.title}`);
      onDone();
    } catch (e) { setErrors(errorsOf(e)); }
  };
  return (
    <form className="inline-form" aria-label="New deal" noValidate onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <div className="form-grid">
        <Field name="deal_title" label="Deal" autoFocus value={title} onChange={setTitle} placeholder="2024 Ford F-150 XLT" error={errors.title ?? errors.form} />
        <Field name="deal_amount" label="Amount" inputMode="numeric" value={amount} onChange={setAmount} placeholder="42,500" error={errors.amount} />
        {pipelines.length > 1 && (
          <div className="field"><label htmlFor="deal-pipeline">Pipeline</label>
            <select id="deal-pipeline" className="input" value={pipeline} onChange={(e) => setPipeline(e.target.value)}>
              {pipelines.map((p) => <option key={p}>{p}</option>)}
            </select></div>
        )}
      </div>
      <div className="row-actions"><button type="button" className="btn" onClick={onCancel}>Cancel</button><button className="btn primary" type="submit">Open deal</button></div>
    </form>
  );
}

function nextHour(): Date {
  const d = new Date(nowMs() + 3600 * 1000);
  d.setMinutes(0, 0, 0);
  return d;
}

/** Books a test drive against a vehicle; the core refuses a double booking and warns about an expired licence. */
export function TestDriveForm({ customer, onDone, onCancel }: { customer: Customer; onDone: () => void; onCancel: () => void }) {
  const [text, setText] = useState("");
  const [found, setFound] = useState<import("../bindings").Vehicle[]>([]);
  const [vehicle, setVehicle] = useState<import("../bindings").Vehicle | null>(null);
  const [start, setStart] = useState(localInput(nextHour()));
  const [minutes, setMinutes] = useState("30");
  const [licence, setLicence] = useState("");
  const [region, setRegion] = useState(customer.region);
  const [expiry, setExpiry] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const toast = useToast();
  useEffect(() => {
    if (!text.trim() || vehicle) { setFound([]); return; }
    const t = setTimeout(() => { api.findVehicles(text).then((v) => setFound(v.slice(0, 6))).catch(() => setFound([])); }, 80);
    return () => clearTimeout(t);
  }, [text, vehicle]);
  const save = async () => {
    if (!vehicle) { setErrors({ vehicle_id: "pick the vehicle" }); return; }
    const when = new Date(start);
    try {
      const b = await api.scheduleTestDrive({
        customer_id: customer.id, vehicle_id: vehicle.id, opportunity_id: null, starts_at: Number.isNaN(when.getTime()) ? start : when.toISOString(),
        minutes: Number(minutes) || 0, licence_number: licence, licence_region: region, licence_expiry: expiry,
      });
      toast(b.warnings.length ? `Booked. Note: ${b.warnings.map((w) => w.message).join("; ")}` : `Test drive booked: ${vehicle.year} ${vehicle.make} ${vehicle.model}`,
        b.warnings.length ? { kind: "error" } : undefined);
      onDone();
    } catch (e) { setErrors(errorsOf(e)); }
  };
  return (
    <form className="inline-form" aria-label="Book a test drive" noValidate onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <div className="field picker">
        <label htmlFor="td-vehicle">Vehicle</label>
        <input id="td-vehicle" name="td_vehicle" className="input" autoFocus placeholder="Stock, VIN, make or model" autoComplete="off"
          value={vehicle ? `${vehicle.year} ${vehicle.make} ${vehicle.model} · ${vehicle.stock_no}` : text}
          onChange={(e) => { setVehicle(null); setText(e.target.value); }} aria-invalid={errors.vehicle_id ? true : undefined} />
        {found.length > 0 && (
          <ul className="picker-list" role="listbox">
            {found.map((v) => (
              <li key={v.id} role="option" aria-selected={false} tabIndex={0} onClick={() => setVehicle(v)}
                onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); setVehicle(v); } }}>
                {v.year} {v.make} {v.model} {v.trim} <span className="muted">· {v.stock_no} · {v.status.replace("_", " ")}</span>
              </li>
            ))}
          </ul>
        )}
        {errors.vehicle_id && <div className="field-error" role="alert" data-field-error="vehicle_id">{errors.vehicle_id}</div>}
      </div>
      <div className="form-grid">
        <Field name="td_start" label="Starts" type="datetime-local" required value={start} onChange={setStart} error={errors.starts_at} />
        <Field name="td_minutes" label="Minutes" inputMode="numeric" value={minutes} onChange={setMinutes} error={errors.ends_at} />
        <Field name="td_licence" label="Driver's licence number" required value={licence} onChange={setLicence} error={errors.licence_number} />
        <Field name="td_region" label="Issued by (state)" value={region} onChange={setRegion} error={errors.licence_region} />
        <Field name="td_expiry" label="Licence expires" type="date" required value={expiry} onChange={setExpiry} error={errors.licence_expiry} />
      </div>
      <div className="row-actions"><button type="button" className="btn" onClick={onCancel}>Cancel</button><button className="btn primary" type="submit">Book test drive</button></div>
    </form>
  );
}

/** Profile extras: referrals both ways, survey answers, test drives and owned vehicles. */
export function Relationships({ customer, onChanged }: { customer: Customer; onChanged: () => void }) {
  const [rel, setRel] = useState<import("../bindings").Relations | null>(null);
  const [kind, setKind] = useState<"csat" | "nps">("csat");
  const [score, setScore] = useState("");
  const [comment, setComment] = useState("");
  const [refText, setRefText] = useState("");
  const [hits, setHits] = useState<import("../bindings").SearchHit[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const toast = useToast();
  const load = () => { api.relations(customer.id).then(setRel).catch(() => {}); };
  useEffect(load, [customer.id]);
  useEffect(() => {
    if (refText.trim().length < 2) { setHits([]); return; }
    const t = setTimeout(() => { api.search(refText).then((h) => setHits(h.filter((x) => x.kind === "customer" && x.id !== customer.id).slice(0, 6))).catch(() => {}); }, 80);
    return () => clearTimeout(t);
  }, [refText, customer.id]);
  const survey = async () => {
    try {
      await api.recordSurvey({ customer_id: customer.id, order_id: null, kind, score: score.trim() === "" ? -1 : Number(score), comment });
      setScore(""); setComment(""); setErrors({});
      toast("Answer recorded");
      load(); onChanged();
    } catch (e) { setErrors(errorsOf(e)); }
  };
  const refer = async (id: string, name: string) => {
    try {
      await api.addReferral(customer.id, id, "");
      setRefText(""); setHits([]);
      toast(`Referred by ${name}`);
      load(); onChanged();
    } catch (e) { setErrors(errorsOf(e)); }
  };
  if (!rel) return null;
  return (
    <section aria-label="Relationships" className="relationships">
      <h3 className="form-section">Household and referrals</h3>
      <dl>
        <dt>Household</dt><dd>{rel.household.map(([, n]) => n).join(", ") || "—"}</dd>
        <dt>Referred by</dt><dd>{rel.referred_by.map(([, n]) => n).join(", ") || "—"}</dd>
        <dt>Referred</dt><dd>{rel.referred.map(([, n]) => n).join(", ") || "—"}</dd>
      </dl>
      {rel.referred_by.length === 0 && (
        <div className="field picker">
          <label htmlFor="ref-search">Add who referred them</label>
          <input id="ref-search" name="referrer" className="input" placeholder="Search customers" value={refText} onChange={(e) => setRefText(e.target.value)} />
          {hits.length > 0 && (
            <ul className="picker-list" role="listbox">
              {hits.map((h) => <li key={h.id} role="option" aria-selected={false} tabIndex={0} onClick={() => void refer(h.id, h.title)}
                onKeyDown={(e) => { if (e.key === "Enter") void refer(h.id, h.title); }}>{h.title} <span className="muted">{h.subtitle}</span></li>)}
            </ul>
          )}
          {errors.referrer_id && <div className="field-error" role="alert">{errors.referrer_id}</div>}
        </div>
      )}
      <h3 className="form-section">Satisfaction</h3>
      {rel.surveys.length === 0 ? <p className="muted">No answers yet.</p> : (
        <ul className="plain-list">{rel.surveys.map((s) => <li key={s.id}>{s.kind === "csat" ? "CSAT" : "NPS"} {s.score}/{s.kind === "csat" ? 5 : 10}{s.comment && ` · “${s.comment}”`} <span className="muted">{new Date(s.answered_at).toLocaleDateString(locale())}</span></li>)}</ul>
      )}
      <form className="survey-form" aria-label="Record a survey answer" noValidate onSubmit={(e) => { e.preventDefault(); void survey(); }}>
        <div className="field"><label htmlFor="survey-kind">Survey</label>
          <select id="survey-kind" className="input" value={kind} onChange={(e) => setKind(e.target.value as "csat" | "nps")}>
            <option value="csat">CSAT (1–5)</option><option value="nps">NPS (0–10)</option>
          </select></div>
        <Field name="survey_score" label="Score" inputMode="numeric" value={score} onChange={setScore} error={errors.score} />
        <Field name="survey_comment" label="Comment" value={comment} onChange={setComment} error={errors.comment} />
        <button className="btn" type="submit">Record</button>
      </form>
      <h3 className="form-section">Test drives</h3>
      {rel.test_drives.length === 0 ? <p className="muted">None yet.</p> : (
        <ul className="plain-list">{rel.test_drives.map((t) => <li key={t.id}>{new Date(t.starts_at).toLocaleString(locale(), { dateStyle: "medium", timeStyle: "short" })} · {t.status.replace("_", " ")}{t.feedback && ` · ${t.feedback}`}</li>)}</ul>
      )}
      <h3 className="form-section">Owns</h3>
      {rel.owned.length === 0 ? <p className="muted">No delivered vehicle yet.</p> : <ul className="plain-list">{rel.owned.map((o) => <li key={o}>{o}</li>)}</ul>}
    </section>
  );
}
