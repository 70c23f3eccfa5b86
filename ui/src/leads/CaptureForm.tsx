// The lead capture form, shared by Quick add (a dialog from anywhere: Alt+N) and Event mode (the
// same fields, large, one after another). Name, phone or email, interest; Enter saves. The core
// links the customer with the same phone or email, scores the lead, assigns it to whoever
// captured it and starts the follow-up cadence.
import { useRef, useState } from "react";
import type { Capture, Captured, Channel } from "../bindings";
import { api, fieldErrors } from "../api";
import { Field, Checkbox } from "../components/Field";
import { CHANNELS } from "../lib/leads";

export const blankCapture = (channel: Channel, eventId: string | null = null, trafficId: string | null = null): Capture => ({
  first_name: "", last_name: "", phone: "", email: "", interest: "", channel, source: "", campaign: "", event_id: eventId, notes: "",
  timeframe_days: null, trade_in: false, financing: false, consent: { email: true, sms: false, phone: true }, traffic_id: trafficId,
});

export function CaptureForm({ initial, large = false, showChannel = true, onSaved, onCancel }: {
  initial: Capture; large?: boolean; showChannel?: boolean; onSaved: (c: Captured) => void; onCancel?: () => void;
}) {
  const [c, setC] = useState<Capture>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLDivElement>(null);
  const set = (patch: Partial<Capture>) => {
    setC((x) => ({ ...x, ...patch }));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !(k in patch))));
  };
  const submit = async () => {
    if (busy) return;
    setBusy(true);
    try {
      const saved = await api.captureLead(c);
      setC({ ...initial, event_id: c.event_id, channel: c.channel });
      setErrors({});
      onSaved(saved);
      first.current?.querySelector("input")?.focus();
    } catch (e) {
      setErrors(fieldErrors(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className={`capture ${large ? "large" : ""}`} aria-label="Capture a lead" noValidate
      onSubmit={(e) => { e.preventDefault(); void submit(); }}
      onKeyDown={(e) => { if (e.key === "Escape" && onCancel) { e.stopPropagation(); onCancel(); } }}>
      <div className="form-grid">
        <div ref={first}><Field name="first_name" label="First name" autoFocus value={c.first_name} onChange={(v) => set({ first_name: v })} error={errors.first_name} autoComplete="off" /></div>
        <Field name="last_name" label="Last name" required value={c.last_name} onChange={(v) => set({ last_name: v })} error={errors.last_name} />
        <Field name="phone" label="Mobile phone" type="tel" inputMode="tel" value={c.phone} onChange={(v) => set({ phone: v })} error={errors.phone}
          hint="Phone or email: one is enough" />
        <Field name="email" label="Email" type="email" inputMode="email" value={c.email} onChange={(v) => set({ email: v })} error={errors.email} />
        <Field name="interest" label="Interested in" className="span-2" value={c.interest} onChange={(v) => set({ interest: v })} error={errors.vehicle_interest}
          placeholder="2025 Toyota RAV4, a family SUV…" />
      </div>
      <div className="capture-options">
        {showChannel && (
          <label className="filter">Channel
            <select className="input" name="channel" value={c.channel ?? "walk_in"} onChange={(e) => set({ channel: e.target.value as Channel })}>
              {CHANNELS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
            </select>
          </label>
        )}
        <Checkbox name="consent_phone" label="OK to call" checked={c.consent.phone} onChange={(v) => set({ consent: { ...c.consent, phone: v } })} />
        <Checkbox name="consent_sms" label="OK to text" checked={c.consent.sms} onChange={(v) => set({ consent: { ...c.consent, sms: v } })} />
        <Checkbox name="consent_email" label="OK to email" checked={c.consent.email} onChange={(v) => set({ consent: { ...c.consent, email: v } })} />
        <Checkbox name="trade_in" label="Has a trade-in" checked={c.trade_in} onChange={(v) => set({ trade_in: v })} />
        <Checkbox name="financing" label="Wants financing" checked={c.financing} onChange={(v) => set({ financing: v })} />
      </div>
      {errors._ && <p className="field-error" role="alert">{errors._}</p>}
      {errors.event_id && <p className="field-error" role="alert" data-field-error="event_id">{errors.event_id}</p>}
      <div className="row-actions">
        {onCancel && <button type="button" className="btn" onClick={onCancel}>Cancel</button>}
        <button type="submit" className={`btn primary ${large ? "large" : ""}`} disabled={busy}>Save lead <span className="kbd">Enter</span></button>
      </div>
    </form>
  );
}
