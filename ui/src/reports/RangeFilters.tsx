// The filter row every report shares: a date range (presets or custom days) and, for a manager,
// whose figures. The children sit at the row's end (export buttons).
import { useState, type ReactNode } from "react";
import type { User } from "../bindings";
import { RANGES, rangeOf, type RangeId } from "../lib/ranges";

/** A report's range: the preset chosen, the custom days, and the days it means. */
export function useRange(initial: RangeId) {
  const [range, setRange] = useState<RangeId>(initial);
  const [custom, setCustom] = useState(rangeOf(initial));
  const span = range === "custom" ? custom : rangeOf(range);
  return { range, setRange, custom, setCustom, span };
}

export function RangeFilters({ r, reps, rep, onRep, repName = "rep", children }: {
  r: ReturnType<typeof useRange>;
  /** The reps to choose from; none for a rep's own report. */
  reps: User[] | null;
  rep: string | null;
  onRep: (id: string | null) => void;
  repName?: string;
  children?: ReactNode;
}) {
  return (
    <div className="filters inbox-filters" role="search">
      <div className="segmented" role="group" aria-label="Date range">
        {RANGES.map(([id, label]) => <button key={id} aria-pressed={r.range === id} onClick={() => r.setRange(id)}>{label}</button>)}
      </div>
      {r.range === "custom" && (
        <>
          <label className="filter">From<input className="input" type="date" name="from" value={r.custom.from} onChange={(e) => r.setCustom({ ...r.custom, from: e.target.value })} /></label>
          <label className="filter">To<input className="input" type="date" name="to" value={r.custom.to} onChange={(e) => r.setCustom({ ...r.custom, to: e.target.value })} /></label>
        </>
      )}
      {reps && (
        <label className="filter">Who
          <select className="input" name={repName} value={rep ?? ""} onChange={(e) => onRep(e.target.value || null)}>
            <option value="">Whole team</option>
            {reps.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
          </select>
        </label>
      )}
      {children}
    </div>
  );
}
