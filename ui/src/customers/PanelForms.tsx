// The customer panel's quick actions: log a contact, add a task, open a deal, and send a message
// from a template (opens the mail or messaging app, or copies the text when offline). Each is one
// call to the core; errors show next to their fields.
import { openUrl } from "@tauri-apps/plugin-opener";
import { useEffect, useState } from "react";
import type { ActivityKind, ApiError, Customer, Direction, InteractionChannel, Message, Opportunity } from "../bindings";
import { api } from "../api";
import { Field } from "../components/Field";
import { useToast } from "../components/Toasts";

type Errors = Record<string, string>;
const errorsOf = (e: unknown): Errors => {
  const err = e as ApiError;
  return err.fields?.length ? Object.fromEntries(err.fields.map((f) => [f.field, f.message])) : { form: err.message };
};

function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

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
  const [due, setDue] = useState(localInput(new Date(Date.now() + 3600 * 1000)));
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

export function NewDealForm({ customer, onDone, onCancel }: { customer: Customer; onDone: () => void; onCancel: () => void }) {
  const [title, setTitle] = useState("");
  const [amount, setAmount] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const toast = useToast();
  const save = async () => {
    try {
      const o = await api.createOpportunity({ customer_id: customer.id, lead_id: null, vehicle_id: null, title, amount, stage_id: null });
      toast(`New deal: ${o.title}`);
      onDone();
    } catch (e) { setErrors(errorsOf(e)); }
  };
  return (
    <form className="inline-form" aria-label="New deal" noValidate onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <div className="form-grid">
        <Field name="deal_title" label="Deal" autoFocus value={title} onChange={setTitle} placeholder="2024 Ford F-150 XLT" error={errors.title ?? errors.form} />
        <Field name="deal_amount" label="Amount" inputMode="numeric" value={amount} onChange={setAmount} placeholder="42,500" error={errors.amount} />
      </div>
      <div className="row-actions"><button type="button" className="btn" onClick={onCancel}>Cancel</button><button className="btn primary" type="submit">Open deal</button></div>
    </form>
  );
}

export function MessageDialog({ customer, onClose, onSent }: { customer: Customer; onClose: () => void; onSent: () => void }) {
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [chosen, setChosen] = useState(0);
  const toast = useToast();
  useEffect(() => { api.messages(customer.id).then(setMessages).catch(() => setMessages([])); }, [customer.id]);
  const m = messages?.[chosen];
  const log = async (how: string) => {
    if (!m) return;
    await api.logContact({ customer_id: customer.id, channel: m.channel === "email" ? "email" : "sms", direction: "outbound", summary: `${how}: ${m.template}${m.subject ? ` (${m.subject})` : ""}`, duration_min: null });
    onSent();
  };
  const open = async () => {
    if (!m) return;
    const url = m.channel === "email"
      ? `mailto:${encodeURIComponent(m.to)}?subject=${encodeURIComponent(m.subject)}&body=${encodeURIComponent(m.body)}`
      : `sms:${m.to}?body=${encodeURIComponent(m.body)}`;
    try {
      await openUrl(url);
      await log(m.channel === "email" ? "Email drafted" : "Text drafted");
      toast("Opened in your mail app and logged on the timeline");
      onClose();
    } catch {
      toast("No mail app answered; copy the text instead", { kind: "error" });
    }
  };
  const copy = async () => {
    if (!m) return;
    try {
      await navigator.clipboard.writeText(m.subject ? `${m.subject}\n\n${m.body}` : m.body);
      await log("Message copied");
      toast("Copied and logged on the timeline");
      onClose();
    } catch {
      toast("Could not copy", { kind: "error" });
    }
  };
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog wide" role="dialog" aria-modal="true" aria-labelledby="msg-title"
        onKeyDown={(e) => { if (e.key === "Escape") { e.stopPropagation(); onClose(); } }}>
        <div className="dialog-body">
          <h2 id="msg-title" style={{ marginTop: 0 }}>Message {customer.first_name}</h2>
          {messages === null ? <p className="muted">Loading…</p> : messages.length === 0 ? (
            <p className="muted" data-testid="no-templates">{customer.first_name} has not agreed to email or text messages, or has no address on file. Record consent in the profile first.</p>
          ) : (
            <div className="message-picker">
              <ul className="message-list" role="listbox" aria-label="Templates">
                {messages.map((x, i) => (
                  <li key={x.template} role="option" aria-selected={i === chosen} tabIndex={0}
                    onClick={() => setChosen(i)} onKeyDown={(e) => { if (e.key === "Enter") setChosen(i); }}>
                    <span className="strong">{x.template}</span><span className="muted"> · {x.channel === "email" ? "Email" : "Text"}</span>
                  </li>
                ))}
              </ul>
              {m && (
                <div className="message-preview" aria-label="Preview">
                  <div className="muted">To {m.to}</div>
                  {m.subject && <div className="strong">{m.subject}</div>}
                  <pre>{m.body}</pre>
                </div>
              )}
            </div>
          )}
          <div className="row-actions">
            <button className="btn" onClick={onClose}>Cancel</button>
            {m && <button className="btn" onClick={() => void copy()}>Copy text</button>}
            {m && <button className="btn primary" onClick={() => void open()}>{m.channel === "email" ? "Open in mail app" : "Open in messages"}</button>}
          </div>
        </div>
      </div>
    </div>
  );
}
