import { useKeyLayer } from "../lib/keys";

const KEYS: [string, string][] = [
  ["Ctrl K", "Search everything and run commands"],
  ["Ctrl L", "Lock this computer (when a PIN is set in Settings)"],
  ["/", "Search the current list"],
  ["N", "New customer"],
  ["Alt N", "Quick add a lead (walk-in or call), from anywhere"],
  ["↑ ↓", "Move through the list"],
  ["Enter", "Open the selected record"],
  ["E", "Edit the open customer"],
  ["Ctrl Enter", "Save the form"],
  ["Esc", "Cancel, close the panel or dialog"],
  ["Alt 1–9", "Go to Today, Leads, Customers, Pipeline, Quotes, Inventory, Reports, Settings, Sync & conflicts"],
  ["?", "This sheet"],
];

export function Shortcuts({ onClose }: { onClose: () => void }) {
  useKeyLayer((e) => {
    if (e.key === "Escape" || e.key === "?") {
      e.preventDefault();
      onClose();
    }
    return true;
  });
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title">
        <div className="dialog-body">
          <h2 id="shortcuts-title" style={{ marginTop: 0 }}>Keyboard shortcuts</h2>
          <div className="shortcuts">
            {KEYS.map(([k, d]) => [<span key={k} className="kbd" style={{ justifySelf: "start" }}>{k}</span>, <span key={d}>{d}</span>])}
          </div>
        </div>
      </div>
    </div>
  );
}
