// The records behind a number: a list beside the report, each customer one click away.
import type { DrillRow } from "../bindings";
import { formatDollars, shortDate } from "../lib/format";

export type Drill = { title: string; rows: DrillRow[] };

export function DrillPanel({ drill, onClose, onOpenCustomer }: { drill: Drill; onClose: () => void; onOpenCustomer: (id: string) => void }) {
  return (
    <aside className="lead-detail card drill" aria-label={drill.title}>
      <div className="row-actions" style={{ justifyContent: "space-between" }}>
        <h2 className="panel-title">{drill.title}</h2>
        <button className="btn ghost small" aria-label="Close list" onClick={onClose}>✕</button>
      </div>
      <p className="muted">{drill.rows.length === 500 ? "The first 500" : `${drill.rows.length} records`}</p>
      <ul className="reasons">
        {drill.rows.map((r, i) => (
          <li key={i}>
            <span>{r.customer_id ? <button className="link" onClick={() => onOpenCustomer(r.customer_id as string)}>{r.customer}</button> : r.customer}
              <span className="muted"> · {r.title || "—"} · {shortDate(r.date)}{r.rep ? ` · ${r.rep}` : ""}</span></span>
            <strong>{r.amount_cents ? formatDollars(r.amount_cents) : ""}</strong>
          </li>
        ))}
      </ul>
    </aside>
  );
}
