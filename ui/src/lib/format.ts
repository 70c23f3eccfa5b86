// Display formatting. Pure functions, unit-tested in format.test.ts.
import { now as clockNow } from "./clock";
import { locale } from "./locale";

/** "+14155552671" -> "(415) 555-2671"; other countries keep E.164 with a space after the code. */
export function formatPhone(e164: string | null | undefined): string {
  if (!e164) return "";
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  if (m) return `(${m[1]}) ${m[2]}-${m[3]}`;
  return e164;
}

/** Whole cents -> "27,495.00" for a money input (integer arithmetic, thousands separators). */
export function centsText(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return "";
  return formatCents(cents).replace("$", "").replace(/^(-?[\d,]+)$/, "$1.00");
}

/** Whole cents -> "$27,495" (or "$27,495.50" when there are cents). Never goes through floats for the digits. */
export function formatCents(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return "";
  const negative = cents < 0;
  const abs = Math.abs(Math.trunc(cents));
  const dollars = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const rest = abs % 100;
  const body = rest === 0 ? `$${dollars}` : `$${dollars}.${rest.toString().padStart(2, "0")}`;
  return negative ? `-${body}` : body;
}

/** Short relative day label for timelines: "Today", "Yesterday", "Mon 3 Nov", "3 Nov 2025". */
export function dayLabel(iso: string, now: Date = clockNow()): string {
  const d = new Date(iso);
  const startOf = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((startOf(now) - startOf(d)) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  const opts: Intl.DateTimeFormatOptions =
    d.getFullYear() === now.getFullYear()
      ? { weekday: "short", day: "numeric", month: "short" }
      : { day: "numeric", month: "short", year: "numeric" };
  // One date style across the app (US: "Wed, Jan 7", "Jun 23, 2025"), as shortDate writes it.
  return d.toLocaleDateString(locale(), opts);
}

export function timeOfDay(iso: string): string {
  return new Date(iso).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
}

export function shortDate(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Date(iso).toLocaleDateString(locale(), { month: "short", day: "numeric", year: "numeric" });
}

export function fullName(p: { first_name: string; last_name: string }): string {
  return `${p.first_name} ${p.last_name}`.trim();
}

export function initials(p: { first_name: string; last_name: string }): string {
  return ((p.first_name[0] ?? "") + (p.last_name[0] ?? "")).toUpperCase();
}

/** Groups items by calendar day (newest first as given), keeping order. */
export function groupByDay<T>(items: T[], at: (t: T) => string, now: Date = clockNow()): [string, T[]][] {
  const out: [string, T[]][] = [];
  for (const it of items) {
    const label = dayLabel(at(it), now);
    const last = out[out.length - 1];
    if (last && last[0] === label) last[1].push(it);
    else out.push([label, [it]]);
  }
  return out;
}

/** Whole dollars for totals at a glance ("$198,237"); exact cents stay in the core. */
export function formatDollars(cents: number): string {
  return `${cents < 0 ? "-" : ""}$${Math.round(Math.abs(cents) / 100).toLocaleString(locale())}`;
}

/** `YYYY-MM-DDTHH:MM` in local time, for a datetime-local input. */
export function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * A money input as it is typed: thousands separators put in (or moved) in the whole-dollar part,
 * everything else left exactly as typed (the core parses and rounds the amount; nothing here
 * computes money). Returns the new text and where the caret goes: after the same digit as before.
 * "25000" -> "25,000"; "1,2345" -> "12,345"; "-1500.5" -> "-1,500.5"; "abc" stays "abc".
 */
export function groupMoneyInput(text: string, caret: number): { text: string; caret: number } {
  const m = /^(\s*[-(]?\$?\s*)([\d,]*)(.*)$/s.exec(text);
  if (!m || !/^\d/.test(m[2].replace(/,/g, "")) || /[^\d.\s)]/.test(m[3])) return { text, caret };
  const [, lead, whole, rest] = m;
  const digits = whole.replace(/,/g, "");
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const out = lead + grouped + rest;
  // Count the digits (and other non-comma characters) before the caret, then find that spot again.
  const before = text.slice(0, caret).replace(/,/g, "").length;
  let seen = 0;
  let at = 0;
  while (at < out.length && seen < before) {
    if (out[at] !== ",") seen++;
    at++;
  }
  return { text: out, caret: at };
}
