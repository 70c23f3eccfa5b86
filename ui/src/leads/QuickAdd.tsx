// Quick add: a walk-in or a call taken in under 15 seconds, from any screen (Alt+N).
import type { Captured } from "../bindings";
import { useKeyLayer } from "../lib/keys";
import { CaptureForm, blankCapture } from "./CaptureForm";

export function QuickAdd({ trafficId = null, name = "", onClose, onSaved }: {
  trafficId?: string | null; name?: string; onClose: () => void; onSaved: (c: Captured) => void;
}) {
  useKeyLayer((e) => { if (e.key === "Escape") { onClose(); return true; } return false; });
  const [first, ...rest] = name.trim().split(/\s+/);
  const initial = { ...blankCapture("walk_in", null, trafficId), first_name: first ?? "", last_name: rest.join(" ") };
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog wide" role="dialog" aria-modal="true" aria-labelledby="quick-add-title">
        <div className="dialog-body">
          <h2 id="quick-add-title" style={{ marginTop: 0 }}>Quick add lead</h2>
          <CaptureForm initial={initial} onCancel={onClose} onSaved={(c) => { onSaved(c); onClose(); }} />
        </div>
      </div>
    </div>
  );
}
