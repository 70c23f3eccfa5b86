// The lock screen: covers the window (nothing of the page underneath is rendered) until this
// computer's PIN is entered. Keyboard first: the PIN field has focus, Enter unlocks.
import { useEffect, useRef, useState } from "react";
import type { ApiError } from "../bindings";
import { api } from "../api";

export function LockScreen({ onUnlocked, who }: { onUnlocked: () => void; who: string | null }) {
  const [pin, setPin] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => { input.current?.focus(); }, []);
  const submit = async () => {
    setBusy(true);
    try {
      await api.unlock(pin);
      onUnlocked();
    } catch (e) {
      setError((e as ApiError).fields[0]?.message ?? (e as ApiError).message);
      setPin("");
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="lock-screen" role="dialog" aria-modal="true" aria-labelledby="lock-title" data-testid="lock-screen">
      <form className="lock-card" onSubmit={(e) => { e.preventDefault(); void submit(); }} noValidate>
        <h1 id="lock-title" className="page-title">Showroom is locked</h1>
        <p className="field-hint">{who ? `Signed in as ${who}. ` : ""}Enter this computer's PIN to continue.</p>
        <label htmlFor="unlock-pin" className="sr-only">PIN</label>
        <input id="unlock-pin" ref={input} name="unlock_pin" className="input lock-pin" type="password" inputMode="numeric"
          autoComplete="off" value={pin} onChange={(e) => setPin(e.target.value)} aria-invalid={error ? true : undefined}
          aria-describedby={error ? "unlock-error" : undefined} />
        {error && <p id="unlock-error" className="field-error" role="alert">{error}</p>}
        <button className="btn primary" type="submit" disabled={busy || pin.length === 0}>{busy ? "Checking…" : "Unlock"}</button>
      </form>
    </main>
  );
}

const ACTIVITY = ["keydown", "pointermove", "pointerdown", "wheel", "touchstart"] as const;

// Calls `onIdle` once `ms` pass without activity on `target`; returns the function that stops it.
export function idleTimer(target: EventTarget, ms: number, onIdle: () => void): () => void {
  let timer = setTimeout(onIdle, ms);
  const reset = () => {
    clearTimeout(timer);
    timer = setTimeout(onIdle, ms);
  };
  ACTIVITY.forEach((ev) => target.addEventListener(ev, reset, { passive: true }));
  return () => {
    clearTimeout(timer);
    ACTIVITY.forEach((ev) => target.removeEventListener(ev, reset));
  };
}

// Calls `onIdle` after `minutes` without a key press, pointer movement or touch (0 = never).
export function useIdle(minutes: number, onIdle: () => void) {
  const cb = useRef(onIdle);
  cb.current = onIdle;
  useEffect(() => {
    if (minutes <= 0) return;
    return idleTimer(window, minutes * 60_000, () => cb.current());
  }, [minutes]);
}
