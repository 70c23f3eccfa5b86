// Settings › Lock: lock the window after an idle time (or with Ctrl+L) behind this computer's
// PIN. The PIN's hash stays on this computer; nothing here syncs.
import { useEffect, useState } from "react";
import type { ApiError, LockSettings as Lock } from "../bindings";
import { api } from "../api";
import { Field } from "../components/Field";
import { useToast } from "../components/Toasts";

export const IDLE_CHOICES = [0, 1, 2, 5, 10, 15, 30, 60];

export function idleLabel(m: number) {
  return m === 0 ? "Never" : m === 1 ? "1 minute" : `${m} minutes`;
}

export function LockSettings({ onChanged }: { onChanged: (s: Lock) => void }) {
  const [lock, setLock] = useState<Lock | null>(null);
  const [idle, setIdle] = useState(0);
  const [pin, setPin] = useState("");
  const [again, setAgain] = useState("");
  const [current, setCurrent] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const toast = useToast();
  useEffect(() => {
    api.lockSettings().then((s) => { setLock(s); setIdle(s.idle_minutes); }).catch(() => {});
  }, []);

  const save = async (remove = false) => {
    if (!remove && pin !== again) {
      setErrors({ again: "does not match the PIN" });
      return;
    }
    try {
      const next = await api.configureLock(idle, remove ? "" : pin || null, lock?.has_pin ? current : null);
      setLock(next);
      setPin(""); setAgain(""); setCurrent(""); setErrors({});
      onChanged(next);
      toast(remove ? "PIN removed: this computer no longer locks"
        : next.has_pin && next.idle_minutes > 0 ? `Locks after ${idleLabel(next.idle_minutes).toLowerCase()} idle, and with Ctrl+L`
        : next.has_pin ? "PIN saved: Ctrl+L locks this computer" : "Saved");
    } catch (e) {
      const err = e as ApiError;
      setErrors(err.fields.length ? Object.fromEntries(err.fields.map((f) => [f.field, f.message])) : { pin: err.message });
    }
  };

  if (!lock) return null;
  return (
    <section aria-label="Lock">
      <h2 className="form-section">Lock</h2>
      <p className="field-hint">
        {lock.has_pin ? "A PIN is set. The window opens locked and locks with Ctrl+L." : "Set a PIN so this computer can lock while you are away from it."}
      </p>
      <form onSubmit={(e) => { e.preventDefault(); void save(); }} aria-label="Lock settings" noValidate>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="lock-idle">Lock when idle for</label>
            <select id="lock-idle" name="idle_minutes" className="input" value={idle} onChange={(e) => setIdle(Number(e.target.value))}
              aria-invalid={errors.idle_minutes ? true : undefined}>
              {IDLE_CHOICES.map((m) => <option key={m} value={m}>{idleLabel(m)}</option>)}
            </select>
            {errors.idle_minutes && <span className="field-error" role="alert">{errors.idle_minutes}</span>}
          </div>
          {lock.has_pin && (
            <Field name="current_pin" label="Current PIN" type="password" value={current} onChange={setCurrent}
              error={errors.current_pin} inputMode="numeric" autoComplete="off" hint="Needed to change or remove the PIN" />
          )}
          <Field name="pin" label={lock.has_pin ? "New PIN" : "PIN"} type="password" value={pin} onChange={setPin}
            error={errors.pin} inputMode="numeric" autoComplete="new-password" hint="At least 4 digits or characters" />
          <Field name="pin_again" label="PIN again" type="password" value={again} onChange={setAgain}
            error={errors.again} inputMode="numeric" autoComplete="new-password" />
        </div>
        <div className="form-actions">
          <button className="btn primary" type="submit">Save lock</button>
          {lock.has_pin && <button className="btn" type="button" onClick={() => void save(true)}>Remove PIN</button>}
        </div>
      </form>
    </section>
  );
}
