// Date ranges for the dashboards, in local calendar days (YYYY-MM-DD, inclusive).
import { now as clockNow } from "./clock";
export type RangeId = "this_month" | "last_month" | "last_90" | "this_year" | "custom";

/** The ranges a report offers, with their labels. */
export const RANGES: [RangeId, string][] = [["this_month", "This month"], ["last_month", "Last month"], ["last_90", "Last 90 days"], ["this_year", "This year"], ["custom", "Custom"]];

const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

export function rangeOf(id: RangeId, now: Date = clockNow()): { from: string; to: string } {
  const y = now.getFullYear();
  const m = now.getMonth();
  switch (id) {
    case "last_month":
      return { from: iso(new Date(y, m - 1, 1)), to: iso(new Date(y, m, 0)) };
    case "last_90":
      return { from: iso(new Date(y, m, now.getDate() - 89)), to: iso(now) };
    case "this_year":
      return { from: iso(new Date(y, 0, 1)), to: iso(now) };
    default:
      return { from: iso(new Date(y, m, 1)), to: iso(now) };
  }
}

/** "YYYY-MM" of a date. */
export const monthOf = (d: Date = clockNow()) => iso(d).slice(0, 7);

/** 0.4235 → "42%"; null → "–". */
export const pct = (v: number | null | undefined, digits = 0) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(digits)}%`);

/** 1.5 → "1.5", 2 → "2". */
export const units = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
