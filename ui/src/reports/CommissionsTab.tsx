// Commissions: a rep's monthly statement under their plan, line by line; a manager approves it
// (then it never changes) and either can save it as a PDF.
import { useCallback, useEffect, useState } from "react";
import type { Staff, Statement } from "../bindings";
import { api } from "../api";
import { useToast } from "../components/Toasts";
import { formatCents, shortDate } from "../lib/format";
import { monthOf } from "../lib/ranges";
import { useLatest } from "../lib/latest";

export function CommissionsTab({ staff, manager }: { staff: Staff; manager: boolean }) {
  const reps = staff.users.filter((u) => u.role === "rep");
  const [rep, setRep] = useState<string>(manager ? reps[0]?.id ?? "" : staff.me ?? "");
  const [month, setMonth] = useState(monthOf());
  const [s, setS] = useState<Statement | null>(null);
  const [error, setError] = useState("");
  const toast = useToast();
  const latest = useLatest();
  const load = useCallback(() => {
    if (!rep) return;
    latest(api.commissionStatement(rep, month), (x) => { setS(x); setError(""); }, (e) => { setS(null); setError(e.message); });
  }, [rep, month, latest]);
  useEffect(load, [load]);
  const act = async (f: () => Promise<string | Statement>, done: (r: string | Statement) => string) => {
    try { const r = await f(); toast(done(r)); load(); } catch (e) { toast((e as { message: string }).message, { kind: "error" }); }
  };
  const name = (id: string | null) => staff.users.find((u) => u.id === id)?.name ?? "";
  return (
    <div className="commissions">
      <div className="filters inbox-filters">
        {manager && (
          <label className="filter">Rep
            <select className="input" name="statement_rep" value={rep} onChange={(e) => setRep(e.target.value)}>
              {reps.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
            </select>
          </label>
        )}
        <label className="filter">Month<input className="input" type="month" name="statement_month" value={month} onChange={(e) => setMonth(e.target.value)} /></label>
        <div className="page-actions">
          {s && <button className="btn" onClick={() => void act(() => api.saveStatementPdf(rep, month), (p) => `Saved ${p}`)}>Save PDF</button>}
          {s && manager && !s.approved_at && <button className="btn primary" onClick={() => void act(() => api.approveStatement(rep, month), () => "Statement approved")}>Approve</button>}
        </div>
      </div>
      {error && <p className="field-error" role="alert">{error}</p>}
      {s && (
        <section className="card" aria-label="Commission statement">
          <div className="row-actions" style={{ justifyContent: "space-between" }}>
            <h2 className="panel-title">{name(s.user_id)} · {s.month}</h2>
            <span className={`chip ${s.approved_at ? "on" : ""}`}>{s.approved_at ? `Approved${s.approved_by ? ` by ${name(s.approved_by)}` : ""} ${shortDate(s.approved_at)}` : "Not approved"}</span>
          </div>
          <table className="grid" aria-label="Statement lines">
            <thead><tr><th>Line</th><th>Units</th><th style={{ textAlign: "right" }}>Amount</th></tr></thead>
            <tbody>
              {s.lines.map((l, i) => (
                <tr key={i} data-line={l.kind}><td>{l.text}</td><td>{l.half_units ? l.half_units / 2 : ""}</td><td style={{ textAlign: "right" }}>{formatCents(l.amount_cents)}</td></tr>
              ))}
              <tr className="total"><td className="strong">Total</td><td /><td className="strong" style={{ textAlign: "right" }} data-total>{formatCents(s.total_cents)}</td></tr>
            </tbody>
          </table>
          {s.lines.length === 0 && <p className="muted">Nothing sold or unwound this month.</p>}
        </section>
      )}
    </div>
  );
}
