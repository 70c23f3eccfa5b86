// Sending an email or a text to a customer: pick a template (filled in by the core), edit it,
// attach a quote (its PDF goes with the email and its link replaces {quote_link}), and queue it.
// The message leaves from the dealership's server at the next sync, so this works offline; its
// status (queued, sent, bounced, failed) comes back to the customer's timeline.
import { useEffect, useMemo, useState } from "react";
import type { ApiError, CustomerDetail, Message, MessageStatus, OutgoingMessage, Quote } from "../bindings";
import { api } from "../api";
import { Field } from "../components/Field";
import { useToast } from "../components/Toasts";

type Errors = Record<string, string>;

/** What each delivery status reads as on the timeline. */
export const MESSAGE_STATUS: Record<MessageStatus, string> = {
  queued: "Waiting to sync", sent: "Sent", failed: "Not sent", bounced: "Bounced", cancelled: "Withdrawn",
};

/** The quotes a message can carry: not declined or expired. */
const sendable = (q: Quote) => q.status === "draft" || q.status === "presented" || q.status === "accepted";

export function MessageDialog({ customerId, quoteId = null, onClose, onSent }: {
  customerId: string; quoteId?: string | null; onClose: () => void; onSent: (m: OutgoingMessage) => void;
}) {
  const [detail, setDetail] = useState<CustomerDetail | null>(null);
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [chosen, setChosen] = useState(0);
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [quote, setQuote] = useState<string>(quoteId ?? "");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  // A laptop that never signed in to the dealership's server has nobody to hand the message to.
  const [local, setLocal] = useState(false);
  const toast = useToast();
  useEffect(() => {
    api.status().then((s) => setLocal(s.sync.state === "local")).catch(() => {});
    api.customerDetail(customerId).then(setDetail).catch(() => {});
    api.messages(customerId).then((ms) => {
      setMessages(ms);
      // Sending a quote opens on the template made for it.
      const start = quoteId ? Math.max(0, ms.findIndex((m) => m.needs_quote)) : 0;
      setChosen(start);
    }).catch(() => setMessages([]));
  }, [customerId, quoteId]);
  const m = messages?.[chosen];
  useEffect(() => { if (m) { setSubject(m.subject); setBody(m.body); setErrors({}); } }, [m]);
  const quotes = useMemo(() => (detail?.quotes ?? []).filter(sendable), [detail]);
  useEffect(() => { if (!quote && m?.needs_quote && quotes.length === 1) setQuote(quotes[0].id); }, [m, quote, quotes]);
  const name = detail?.customer.first_name ?? "";

  const send = async () => {
    if (!m) return;
    setBusy(true);
    try {
      const sent = await api.queueMessage({ customer_id: customerId, channel: m.channel, subject: m.channel === "email" ? subject : "", body, quote_id: quote || null });
      toast(`${m.channel === "email" ? "Email" : "Text"} to ${m.to} queued: it leaves from the dealership's server at the next sync`);
      onSent(sent);
      onClose();
    } catch (e) {
      const err = e as ApiError;
      setErrors(err.fields?.length ? Object.fromEntries(err.fields.map((f) => [f.field, f.message])) : { form: err.message });
    } finally { setBusy(false); }
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(m?.channel === "email" ? `${subject}\n\n${body}` : body);
      toast("Copied");
    } catch { toast("Could not copy", { kind: "error" }); }
  };

  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <form className="dialog wide" role="dialog" aria-modal="true" aria-labelledby="msg-title" noValidate
        onSubmit={(e) => { e.preventDefault(); void send(); }}
        onKeyDown={(e) => { if (e.key === "Escape") { e.stopPropagation(); onClose(); } }}>
        <div className="dialog-body">
          <h2 id="msg-title" style={{ marginTop: 0 }}>Message {name}</h2>
          {messages === null ? <p className="muted">Loading…</p> : messages.length === 0 ? (
            <p className="muted" data-testid="no-templates">{name || "This customer"} has not agreed to email or text messages, or has no address on file. Record consent in the profile first.</p>
          ) : (
            <div className="message-picker">
              <ul className="message-list" role="listbox" aria-label="Templates">
                {messages.map((x, i) => (
                  <li key={x.template} role="option" aria-selected={i === chosen} tabIndex={0}
                    onClick={() => setChosen(i)} onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); setChosen(i); } }}>
                    <span className="strong">{x.template}</span><span className="muted"> · {x.channel === "email" ? "Email" : "Text"}</span>
                  </li>
                ))}
              </ul>
              {m && (
                <div className="message-compose" aria-label="Message">
                  <div className="muted">To {m.to}</div>
                  {m.channel === "email" && <Field name="message_subject" label="Subject" value={subject} onChange={setSubject} error={errors.subject} />}
                  <Field name="message_body" label={m.channel === "email" ? "Message" : "Text"} multiline value={body} onChange={setBody} error={errors.body ?? errors.channel} />
                  {(m.channel === "email" || m.needs_quote) && (
                    <div className="field">
                      <label htmlFor="message-quote">{m.channel === "email" ? "Attach quote" : "Quote to link"}</label>
                      <select id="message-quote" name="message_quote" className="input" value={quote} onChange={(e) => setQuote(e.target.value)}
                        aria-invalid={errors.quote_id ? true : undefined}>
                        <option value="">{m.needs_quote ? "Pick a quote" : "No quote"}</option>
                        {quotes.map((q) => <option key={q.id} value={q.id}>{q.number} v{q.version} · {q.status}</option>)}
                      </select>
                      {errors.quote_id && <div className="field-error" role="alert" data-field-error="quote_id">{errors.quote_id}</div>}
                      {quote && <div className="muted small">The PDF is attached{body.includes("{quote_link}") ? "; {quote_link} becomes a private link to view and accept it" : ""}.</div>}
                    </div>
                  )}
                  {local && <div className="muted small" data-testid="not-syncing">This laptop is not signed in to the dealership's server: the message waits here until it is (Settings › Sync).</div>}
                  {errors.form && <div className="banner" role="alert">{errors.form}</div>}
                </div>
              )}
            </div>
          )}
          <div className="row-actions">
            <button type="button" className="btn" onClick={onClose}>Cancel</button>
            {m && <button type="button" className="btn" onClick={() => void copy()}>Copy text</button>}
            {m && <button type="submit" className="btn primary" disabled={busy}>{m.channel === "email" ? "Send email" : "Send text"}</button>}
          </div>
        </div>
      </form>
    </div>
  );
}

/** One queued or sent message as the timeline shows it, with Withdraw while it waits. */
export function MessageLine({ m, onChanged }: { m: OutgoingMessage; onChanged: () => void }) {
  const toast = useToast();
  const withdraw = async () => {
    try { await api.cancelMessage(m.id); toast("Withdrawn: it will not be sent"); onChanged(); }
    catch (e) { toast((e as ApiError).message, { kind: "error" }); onChanged(); }
  };
  const what = m.channel === "email" ? `Email: ${m.subject}` : `Text: ${m.body.length > 60 ? `${m.body.slice(0, 60)}…` : m.body}`;
  return (
    <span className="message-line" data-message-status={m.status}>
      <span>{what}{m.quote_id ? <span className="muted"> · quote attached</span> : null}</span>
      <span className={`chip message-${m.status}`} title={m.status_detail || undefined}>{MESSAGE_STATUS[m.status]}</span>
      {m.status_detail && m.status !== "sent" && <span className="muted small">{m.status_detail}</span>}
      {m.status === "queued" && <button className="btn ghost small" onClick={() => void withdraw()}>Withdraw</button>}
    </span>
  );
}
