// Asks why a deal was lost before it moves to Lost (the reason is required, from the list).
import { useState } from "react";
import { useKeyLayer } from "../lib/keys";

export function LostDialog({ deal, reasons, onCancel, onConfirm }: { deal: string; reasons: string[]; onCancel: () => void; onConfirm: (reason: string) => void }) {
  const [reason, setReason] = useState("");
  useKeyLayer((e) => { if (e.key === "Escape") { onCancel(); return true; } return false; });
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onCancel()}>
      <form className="dialog" role="dialog" aria-modal="true" aria-labelledby="lost-title"
        onSubmit={(e) => { e.preventDefault(); if (reason) onConfirm(reason); }}>
        <div className="dialog-body">
          <h2 id="lost-title" style={{ marginTop: 0 }}>Why was it lost?</h2>
          <p className="muted">{deal}</p>
          <div className="lost-reasons" role="radiogroup" aria-label="Lost reason">
            {reasons.map((r) => (
              <label key={r} className="check"><input type="radio" name="lost_reason" value={r} checked={reason === r} onChange={() => setReason(r)} autoFocus={r === reasons[0]} /> {r}</label>
            ))}
          </div>
          <div className="form-actions">
            <button type="button" className="btn" onClick={onCancel}>Cancel</button>
            <button type="submit" className="btn primary" disabled={!reason}>Mark lost</button>
          </div>
        </div>
      </form>
    </div>
  );
}
