// Sync & conflicts: values of yours that lost to a later edit by someone else (who, when, both
// values; "Keep mine" writes yours again as a new edit), notices from the server (a reservation
// that lost), and edits the server refused (kept here, never dropped silently).
import { useCallback, useEffect, useState } from "react";
import type { AppStatus, Conflict, RefusedChange, SyncNotice } from "../bindings";
import { api } from "../api";
import { useToast } from "../components/Toasts";
import { ago, syncSummary } from "../lib/sync";

function show(v: unknown): string {
  if (v === null || v === undefined || v === "") return "(empty)";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

const FIELD_LABELS: Record<string, string> = { first_name: "First name", last_name: "Last name", postal_code: "Postal code", owner_id: "Owner", price_cents: "Price" };
const label = (f: string) => FIELD_LABELS[f] ?? f.charAt(0).toUpperCase() + f.slice(1).replace(/_/g, " ");

export function SyncPage({ status, onChanged }: { status: AppStatus; onChanged: () => void }) {
  const [conflicts, setConflicts] = useState<Conflict[] | null>(null);
  const [notices, setNotices] = useState<SyncNotice[]>([]);
  const [refused, setRefused] = useState<RefusedChange[]>([]);
  const toast = useToast();
  const load = useCallback(() => {
    api.conflicts().then(setConflicts).catch(() => setConflicts([]));
    api.syncNotices().then(setNotices).catch(() => {});
    api.refusedChanges().then(setRefused).catch(() => {});
  }, []);
  useEffect(load, [load, status.sync_attention]);
  const after = (message: string) => { toast(message); load(); onChanged(); };
  const summary = syncSummary(status.sync);

  return (
    <>
      <header className="page-header">
        <h1 className="page-title">Sync &amp; conflicts</h1>
        <span className="sync-state"><span className={`dot ${summary.tone}`} /> {summary.text}</span>
        <div className="page-actions">
          {status.sync.state !== "local" && <button className="btn" onClick={() => void api.syncNow().then(() => after("Syncing now"))}>Sync now</button>}
        </div>
      </header>
      <div className="sync-page">
        {notices.length > 0 && (
          <section aria-label="Notices">
            <h2 className="form-section">Notices</h2>
            <ul className="notice-list">
              {notices.map((n) => (
                <li key={n.seq} className="notice" role="status">
                  <p>{n.message}</p>
                  <span className="muted">{ago(n.at)}</span>
                  <button className="btn small" onClick={() => void api.dismissNotice(n.seq).then(() => after("Notice dismissed"))}>Dismiss</button>
                </li>
              ))}
            </ul>
          </section>
        )}
        <section aria-label="Conflicts">
          <h2 className="form-section">Your values that lost</h2>
          {conflicts === null ? <p className="muted" aria-busy="true">Loading…</p> : conflicts.length === 0 ? (
            <p className="muted" data-testid="no-conflicts">No conflicts. When someone else changes a field you also changed, the later edit wins and yours shows up here.</p>
          ) : (
            <table className="grid conflicts" aria-label="Conflicts">
              <thead><tr><th>Record</th><th>Field</th><th>Yours</th><th>Now (theirs)</th><th>Changed by</th><th /></tr></thead>
              <tbody>
                {conflicts.map((c) => (
                  <tr key={c.id} data-conflict={c.id}>
                    <td>{c.record}</td>
                    <td>{label(c.field)}</td>
                    <td className="mine"><span className="value">{show(c.mine)}</span><span className="muted">{ago(c.mine_at)}</span></td>
                    <td className="theirs"><span className="value">{show(c.theirs)}</span><span className="muted">{ago(c.theirs_at)}</span></td>
                    <td>{c.theirs_by ?? "another device"}</td>
                    <td>
                      <div className="row-actions">
                        <button className="btn primary small" onClick={() => void api.keepMine(c.id).then(() => after(`Kept your ${label(c.field).toLowerCase()}: it syncs as a new edit`))}>Keep mine</button>
                        <button className="btn small" onClick={() => void api.dismissConflict(c.id).then(() => after("Kept theirs"))}>Keep theirs</button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        {refused.length > 0 && (
          <section aria-label="Refused edits">
            <h2 className="form-section">Edits the server refused</h2>
            <p className="muted">They stay on this device; the reason says what to do.</p>
            <table className="grid" aria-label="Refused edits">
              <thead><tr><th>Record</th><th>Field</th><th>Value</th><th>Reason</th><th /></tr></thead>
              <tbody>
                {refused.map((r) => (
                  <tr key={r.change_id}>
                    <td>{r.table.replace(/_/g, " ")} {r.row_id.slice(0, 8)}</td>
                    <td>{label(r.field)}</td>
                    <td>{show(r.value)}</td>
                    <td>{r.reason}</td>
                    <td><button className="btn small" onClick={() => void api.dismissRefused(r.change_id).then(() => after("Removed from the list"))}>Dismiss</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </div>
    </>
  );
}
