// Settings › Sync: the server this device syncs with, signing in and out, and "Sync now".
import { useEffect, useState } from "react";
import type { ApiError, AppStatus, SyncAccount } from "../bindings";
import { api } from "../api";
import { Field } from "../components/Field";
import { useToast } from "../components/Toasts";
import { syncSummary } from "../lib/sync";
import { locale } from "../lib/locale";

export function SyncSettings({ status, onChanged }: { status: AppStatus; onChanged: () => void }) {
  const [account, setAccount] = useState<SyncAccount | null>(null);
  const [server, setServer] = useState("");
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const toast = useToast();
  useEffect(() => {
    api.syncAccount().then((a) => {
      setAccount(a);
      if (a) { setServer(a.server); setUser(a.user); }
    }).catch(() => {});
  }, []);

  const signIn = async () => {
    setBusy(true);
    try {
      const a = await api.signIn(server, user, password);
      setAccount(a);
      setPassword("");
      setErrors({});
      toast(`Signed in as ${a.user}: syncing now`);
      onChanged();
    } catch (e) {
      const err = e as ApiError;
      setErrors(err.fields.length ? Object.fromEntries(err.fields.map((f) => [f.field, f.message])) : { server: err.message });
    } finally {
      setBusy(false);
    }
  };
  const signOut = async () => {
    setBusy(true);
    try {
      await api.signOut();
      setAccount(null);
      toast("Signed out: changes stay on this device until you sign in again");
      onChanged();
    } finally {
      setBusy(false);
    }
  };
  const summary = syncSummary(status.sync);
  const needsSignIn = !account || status.sync.state === "sign_in_needed";

  return (
    <section aria-label="Sync">
      <h2 className="form-section">Sync</h2>
      <p className="sync-state" data-testid="settings-sync-state"><span className={`dot ${summary.tone}`} /> {summary.text}</p>
      {account && (
        <dl>
          <dt>Server</dt><dd>{account.server}</dd>
          <dt>Signed in as</dt><dd>{account.user} ({account.role})</dd>
          <dt>Sign-in valid until</dt><dd>{new Date(account.expires_at).toLocaleString(locale())}</dd>
        </dl>
      )}
      {needsSignIn ? (
        <form onSubmit={(e) => { e.preventDefault(); void signIn(); }} aria-label="Sign in to the sync server" noValidate>
          <div className="form-grid">
            <Field name="server" label="Server address" required value={server} onChange={setServer} error={errors.server}
              placeholder="https://sync.lakeside-motors.example" hint="From your manager. http:// works only for a server on this computer" />
            <Field name="user" label="User" required value={user} onChange={setUser} error={errors.user} autoComplete="username" />
            <Field name="password" label="Password" required type="password" value={password} onChange={setPassword}
              error={errors.password} autoComplete="current-password" />
          </div>
          <div className="form-actions">
            <button className="btn primary" type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
          </div>
        </form>
      ) : (
        <div className="form-actions">
          <button className="btn primary" onClick={() => { void api.syncNow().then(() => { toast("Syncing now"); onChanged(); }); }}>Sync now</button>
          <button className="btn" onClick={() => void signOut()} disabled={busy}>Sign out</button>
        </div>
      )}
    </section>
  );
}
