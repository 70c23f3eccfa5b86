// A sold deal's credit, on the customer's Deals tab: its gross, who shares it, whether it unwound.
// A manager splits it with a second rep or unwinds it (a chargeback on this month's statement, the
// car back in stock); a rep sees the same facts read-only. The rules are the core's.
import { useState } from "react";
import type { Opportunity, Staff } from "../bindings";
import { api, fieldErrors } from "../api";
import { Field } from "../components/Field";
import { useToast } from "../components/Toasts";
import { formatCents, shortDate } from "../lib/format";

export function DealCredit({ deal, staff, onChanged }: { deal: Opportunity; staff: Staff | null; onChanged: () => void }) {
  const [unwinding, setUnwinding] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState("");
  const toast = useToast();
  const me = staff?.users.find((u) => u.id === staff.me);
  const manager = !!staff && (!me || me.role !== "rep");
  const name = (id: string | null) => staff?.users.find((u) => u.id === id)?.name ?? "—";
  const reps = staff?.users.filter((u) => u.role === "rep" && u.active && u.id !== deal.owner_id) ?? [];
  const split = async (coOwner: string | null) => {
    try {
      await api.splitDeal(deal.id, coOwner);
      toast(coOwner ? `Split with ${name(coOwner)}` : "Split removed");
      onChanged();
    } catch (e) { toast(Object.values(fieldErrors(e))[0], { kind: "error" }); }
  };
  const unwind = async () => {
    try {
      await api.unwindDeal(deal.id, reason);
      toast(`${deal.title}: unwound`);
      setUnwinding(false); setReason(""); setError("");
      onChanged();
    } catch (e) { const f = fieldErrors(e); setError(f.unwind_reason ?? Object.values(f)[0]); }
  };
  return (
    <div className="deal-credit" data-deal-credit={deal.id}>
      <span className="muted">
        Gross {deal.gross_cents === null ? "not captured yet" : formatCents(deal.gross_cents)}
        {" · "}{deal.co_owner_id ? `split ${name(deal.owner_id)} / ${name(deal.co_owner_id)}` : `${name(deal.owner_id)} alone`}
        {deal.unwound_at && <strong className="unwound"> · Unwound {shortDate(deal.unwound_at)}</strong>}
      </span>
      {manager && !deal.unwound_at && (
        <span className="row-actions">
          <label className="filter">Split with
            <select className="input" name="co_owner" value={deal.co_owner_id ?? ""} onChange={(e) => void split(e.target.value || null)}>
              <option value="">Nobody</option>
              {reps.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
            </select>
          </label>
          {!unwinding && <button className="btn small" onClick={() => setUnwinding(true)}>Unwind…</button>}
        </span>
      )}
      {unwinding && (
        <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void unwind(); }}>
          <Field name="unwind_reason" label="Why did it unwind?" value={reason} onChange={setReason} required autoFocus error={error || undefined}
            placeholder="e.g. Financing fell through" />
          <div className="form-actions">
            <button type="button" className="btn" onClick={() => { setUnwinding(false); setError(""); }}>Keep the sale</button>
            <button type="submit" className="btn danger">Unwind the deal</button>
          </div>
        </form>
      )}
    </div>
  );
}
