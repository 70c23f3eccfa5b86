// The gate before the app: where no OS keyring holds this laptop's database key, the data is
// encrypted with a passphrase, asked for here before anything is read (and set, typed twice, on
// first use). With a keyring the gate opens at once and is never seen.
import { useEffect, useRef, useState, type ReactNode } from "react";
import type { ApiError, DataLock } from "../bindings";
import { api } from "../api";

export function passphraseProblem(first: string, again: string, minLength: number, setting: boolean): string | null {
  if (first.length < minLength) return `Use at least ${minLength} characters.`;
  if (setting && first !== again) return "The two passphrases differ.";
  return null;
}

export function DataGate({ children }: { children: ReactNode }) {
  const [lock, setLock] = useState<DataLock | null>(null);
  useEffect(() => {
    api.dataLock().then(setLock).catch(() => setLock({ open: true, needs_passphrase: false, first_time: false, message: "", min_length: 8 }));
  }, []);
  if (!lock) return <div className="welcome" aria-busy="true" />;
  if (!lock.needs_passphrase) return <>{children}</>;
  return <PassphraseScreen lock={lock} onOpened={() => setLock({ ...lock, open: true, needs_passphrase: false })} />;
}

function PassphraseScreen({ lock, onOpened }: { lock: DataLock; onOpened: () => void }) {
  const setting = lock.first_time;
  const [first, setFirst] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => { input.current?.focus(); }, []);
  const submit = async () => {
    const problem = passphraseProblem(first, again, lock.min_length, setting);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    try {
      await api.openData(first);
      onOpened();
    } catch (e) {
      const message = (e as ApiError).fields[0]?.message ?? (e as ApiError).message;
      setError(message.charAt(0).toUpperCase() + message.slice(1));
      setFirst("");
      setAgain("");
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="lock-screen" role="dialog" aria-modal="true" aria-labelledby="gate-title" data-testid="data-gate">
      <form className="lock-card" onSubmit={(e) => { e.preventDefault(); void submit(); }} noValidate>
        <h1 id="gate-title" className="page-title">{setting ? "Protect this laptop's data" : "Open this laptop's data"}</h1>
        <p className="field-hint">
          {setting
            ? "No keyring on this computer holds a key, so Showroom encrypts its data with a passphrase you choose. Without it the data on this laptop cannot be read: keep it safe (synced data comes back from the server)."
            : "Showroom's data on this laptop is encrypted. Enter its passphrase to continue."}
        </p>
        <label htmlFor="gate-passphrase">Passphrase</label>
        <input id="gate-passphrase" ref={input} name="passphrase" className="input" type="password" autoComplete={setting ? "new-password" : "current-password"}
          value={first} onChange={(e) => setFirst(e.target.value)} aria-invalid={error ? true : undefined}
          aria-describedby={error ? "gate-error" : "gate-hint"} />
        {setting && (
          <>
            <label htmlFor="gate-again">Passphrase again</label>
            <input id="gate-again" name="passphrase_again" className="input" type="password" autoComplete="new-password"
              value={again} onChange={(e) => setAgain(e.target.value)} />
          </>
        )}
        <p id="gate-hint" className="field-hint">At least {lock.min_length} characters; a few words are easier to type than symbols.</p>
        {error && <p id="gate-error" className="field-error" role="alert">{error}</p>}
        <button className="btn primary" type="submit" disabled={busy || first.length === 0}>
          {busy ? "Opening…" : setting ? "Encrypt and open" : "Open"}
        </button>
      </form>
    </main>
  );
}
