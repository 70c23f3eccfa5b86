// Sister stores: the other rooftops of the dealer group, searched through the sync server (online
// only; the server answers with the units each sister store has for sale or in transit). A rep asks
// for a unit with a note; the owning rooftop's manager (or the group manager) approves or declines
// it here, and an approved unit arrives in this store's inventory "In transit" at the next sync.
import { useCallback, useEffect, useState } from "react";
import type { GroupVehicle, Transfer } from "../bindings";
import { api } from "../api";
import { useKeyLayer } from "../lib/keys";
import { dayLabel, formatCents } from "../lib/format";
import { useToast } from "../components/Toasts";

const TRANSFER: Record<string, string> = { requested: "Waiting for approval", approved: "Approved", declined: "Declined" };

function vehicleLine(g: GroupVehicle): string {
  const v = g.vehicle;
  return `${v.year} ${v.make} ${v.model}${v.trim ? ` ${v.trim}` : ""}`;
}

export function SisterStockDialog({ manager, onClose, onMoved }: { manager: boolean; onClose: () => void; onMoved: () => void }) {
  const [q, setQ] = useState("");
  const [found, setFound] = useState<GroupVehicle[] | null>(null);
  const [transfers, setTransfers] = useState<Transfer[]>([]);
  const [asking, setAsking] = useState<GroupVehicle | null>(null);
  const [note, setNote] = useState("");
  const [declining, setDeclining] = useState<Transfer | null>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const toast = useToast();
  useKeyLayer((e) => { if (e.key === "Escape" && !busy) { onClose(); return true; } return false; });

  const loadTransfers = useCallback(() => {
    api.groupTransfers().then(setTransfers).catch((e) => setError((e as { message: string }).message));
  }, []);
  useEffect(loadTransfers, [loadTransfers]);
  useEffect(() => {
    const t = setTimeout(() => {
      api.groupInventory(q).then((x) => { setFound(x); setError(""); }).catch((e) => setError((e as { message: string }).message));
    }, 250);
    return () => clearTimeout(t);
  }, [q]);

  const ask = async () => {
    if (!asking) return;
    setBusy(true);
    try {
      const t = await api.requestTransfer(asking.vehicle.id, note);
      toast(`Asked ${t.from_dealership} for ${t.vehicle}`);
      setAsking(null); setNote("");
      setFound((f) => f?.map((g) => (g.vehicle.id === t.vehicle_id ? { ...g, requested: true } : g)) ?? null);
      loadTransfers();
    } catch (e) { setError((e as { message: string }).message); } finally { setBusy(false); }
  };
  const decide = async (t: Transfer, approve: boolean) => {
    setBusy(true);
    try {
      const d = await api.decideTransfer(t.id, approve, approve ? "" : reason);
      toast(approve ? `Approved: ${d.vehicle} goes to ${d.to_dealership}` : `Declined ${d.vehicle}`);
      setDeclining(null); setReason("");
      loadTransfers();
      if (approve) onMoved();
    } catch (e) { setError((e as { message: string }).message); } finally { setBusy(false); }
  };

  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <div className="dialog wide" role="dialog" aria-modal="true" aria-labelledby="sister-title">
        <div className="dialog-body">
          <h2 id="sister-title" style={{ marginTop: 0 }}>Sister stores</h2>
          <p className="muted" style={{ marginTop: 0 }}>Units for sale at the other rooftops of your group (needs the network).</p>
          <label className="filter" style={{ width: "100%" }}>
            <span className="sr-only">Search the group's stock</span>
            <input className="input" type="search" name="group_query" autoFocus placeholder="Model, trim, stock, VIN…"
              aria-label="Search the group's stock" value={q} onChange={(e) => setQ(e.target.value)} />
          </label>
          {error && <p className="field-error" role="alert">{error}</p>}
          <div className="sister-results">
            {found === null ? <p className="muted" aria-busy="true">Searching…</p> : found.length === 0 ? (
              <p className="muted" data-testid="sister-none">No unit at a sister store matches{q ? ` "${q}"` : ""}.</p>
            ) : (
              <table className="grid" aria-label="Sister stores' vehicles">
                <thead><tr><th scope="col">Store</th><th scope="col">Vehicle</th><th scope="col">Stock</th><th scope="col">Price</th><th scope="col"><span className="sr-only">Request</span></th></tr></thead>
                <tbody>{found.map((g) => (
                  <tr key={g.vehicle.id} data-sister-stock={g.vehicle.stock_no}>
                    <td>{g.dealership}</td>
                    <td className="strong">{vehicleLine(g)} <span className="muted">{g.vehicle.colour}</span></td>
                    <td>{g.vehicle.stock_no}</td>
                    <td>{formatCents(g.vehicle.price_cents)}</td>
                    <td>{g.requested ? <span className="chip">Requested</span>
                      : <button className="btn" onClick={() => { setAsking(g); setNote(""); }} aria-label={`Request ${g.vehicle.stock_no}`}>Request</button>}</td>
                  </tr>
                ))}</tbody>
              </table>
            )}
          </div>
          {asking && (
            <div className="card" role="group" aria-label="Request a transfer" style={{ marginTop: "var(--space-3)" }}>
              <p style={{ marginTop: 0 }}>Ask <strong>{asking.dealership}</strong> for the {vehicleLine(asking)} (stock {asking.vehicle.stock_no}).</p>
              <label className="field">Note for their manager
                <input className="input" name="transfer_note" value={note} onChange={(e) => setNote(e.target.value)}
                  placeholder="Customer, deal, when you need it" onKeyDown={(e) => { if (e.key === "Enter") void ask(); }} />
              </label>
              <div className="row-actions">
                <button className="btn ghost" onClick={() => setAsking(null)}>Cancel</button>
                <button className="btn primary" onClick={() => void ask()} disabled={busy}>Send request</button>
              </div>
            </div>
          )}
          <h3 className="form-section">Transfers</h3>
          {transfers.length === 0 ? <p className="muted" data-testid="no-transfers">No transfer requests yet.</p> : (
            <table className="grid transfers" aria-label="Transfers">
              <thead><tr><th scope="col">Vehicle</th><th scope="col">Asked by</th><th scope="col">Status</th><th scope="col"><span className="sr-only">Decision</span></th></tr></thead>
              <tbody>{transfers.map((t) => (
                <tr key={t.id} data-transfer={t.vehicle}>
                  <td title={t.note || undefined}><span className="strong">{t.vehicle}</span><br />
                    <span className="muted">{t.from_dealership} → {t.to_dealership}</span></td>
                  <td>{t.requested_by}<br /><span className="muted">{dayLabel(t.requested_at)}</span></td>
                  <td title={t.reason || undefined}>{TRANSFER[t.status] ?? t.status}{t.decided_by ? ` · ${t.decided_by}` : ""}</td>
                  <td>{manager && t.status === "requested" && (
                    <span className="row-actions">
                      <button className="btn" onClick={() => { setDeclining(t); setReason(""); }} disabled={busy}>Decline</button>
                      <button className="btn primary" onClick={() => void decide(t, true)} disabled={busy} aria-label={`Approve ${t.vehicle}`}>Approve</button>
                    </span>
                  )}</td>
                </tr>
              ))}</tbody>
            </table>
          )}
          {declining && (
            <div className="card" role="group" aria-label="Decline a transfer" style={{ marginTop: "var(--space-3)" }}>
              <label className="field">Why not (the requester sees it)
                <input className="input" name="decline_reason" autoFocus value={reason} onChange={(e) => setReason(e.target.value)} />
              </label>
              <div className="row-actions">
                <button className="btn ghost" onClick={() => setDeclining(null)}>Cancel</button>
                <button className="btn danger" onClick={() => void decide(declining, false)} disabled={busy}>Decline request</button>
              </div>
            </div>
          )}
          <div className="row-actions" style={{ marginTop: "var(--space-4)" }}>
            <button className="btn" onClick={onClose}>Close</button>
          </div>
        </div>
      </div>
    </div>
  );
}
