// Asks why a deal was lost before it moves to Lost (the reason is required, from the list); a
// customer who bought elsewhere is asked where (the lost-deals report groups by it).
import { useState } from "react";
import { Field } from "../components/Field";
import { useKeyLayer } from "../lib/keys";

/** `competitorReason` is the reason that names a competitor (the core's rule, `Board::competitor_reason`). */
export function LostDialog({ deal, reasons, competitorReason, onCancel, onConfirm }: {
  deal: string; reasons: string[]; competitorReason: string; onCancel: () => void; onConfirm: (reason: string, competitor: string) => void;
}) {
  const [reason, setReason] = useState("");
  const [competitor, setCompetitor] = useState("");
  const [tried, setTried] = useState(false);
  useKeyLayer((e) => { if (e.key === "Escape") { onCancel(); return true; } return false; });
  const needsCompetitor = reason === competitorReason;
  const missing = needsCompetitor && !competitor.trim();
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onCancel()}>
      <form className="dialog" role="dialog" aria-modal="true" aria-labelledby="lost-title"
        onSubmit={(e) => { e.preventDefault(); setTried(true); if (reason && !missing) onConfirm(reason, needsCompetitor ? competitor.trim() : ""); }}>
        <div className="dialog-body">
          <h2 id="lost-title" style={{ marginTop: 0 }}>Why was it lost?</h2>
          <p className="muted">{deal}</p>
          <div className="lost-reasons" role="radiogroup" aria-label="Lost reason">
            {reasons.map((r) => (
              <label key={r} className="check"><input type="radio" name="lost_reason" value={r} checked={reason === r} onChange={() => setReason(r)} autoFocus={r === reasons[0]} /> {r}</label>
            ))}
          </div>
          {needsCompetitor && (
            <Field name="competitor" label="Where did they buy?" value={competitor} onChange={setCompetitor} required autoFocus
              placeholder="A dealer or a brand, e.g. Harbor Toyota" error={tried && missing ? "name where the customer bought (a dealer or a brand)" : undefined} />
          )}
          <div className="form-actions">
            <button type="button" className="btn" onClick={onCancel}>Cancel</button>
            <button type="submit" className="btn primary" disabled={!reason}>Mark lost</button>
          </div>
        </div>
      </form>
    </div>
  );
}
