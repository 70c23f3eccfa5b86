// Lead helpers shared by the lead screens: channel names, the speed-to-lead clock, and the
// mapping between the import preview and the preset format.
import { now as clockNow } from "./clock";
import type { Channel, ImportReport } from "../bindings";

/** One line for an import's outcome where every record is counted once: the core counts a bad
 *  record left out (with "import the good ones") as skipped too, so it is taken out of "unchanged". */
export function importSummary(r: ImportReport, skipInvalid: boolean): string {
  const head = r.dry_run ? "Dry run: nothing stored." : r.committed ? "Imported." : "Nothing imported.";
  const unchanged = r.skipped - (skipInvalid ? r.invalid : 0);
  const parts = [`${r.created} ready`];
  if (r.updated) parts.push(`${r.updated} updated`);
  parts.push(`${r.invalid} with errors${r.invalid && skipInvalid ? " (left out)" : ""}`);
  if (unchanged > 0) parts.push(`${unchanged} unchanged`);
  return `${head} ${parts.join(", ")}.`;
}

export const CHANNELS: [Channel, string][] = [
  ["walk_in", "Walk-in"], ["phone", "Phone"], ["web", "Website"], ["email", "Email"], ["event", "Event"],
  ["referral", "Referral"], ["advertising", "Advertising"], ["social", "Social"], ["chat", "Chat"], ["marketplace", "Marketplace"],
];

export const channelLabel = (c: Channel): string => CHANNELS.find(([k]) => k === c)?.[1] ?? c;

/** "42 s", "4 min", "2 h 05 min", "3 d" — how long a lead waited (or has been waiting). */
export function waited(minutes: number, seconds?: number): string {
  if (minutes < 1) return `${Math.max(0, Math.floor(seconds ?? 0))} s`;
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m ? `${h} h ${String(m).padStart(2, "0")} min` : `${h} h`;
  }
  return `${Math.floor(minutes / 1440)} d`;
}

/** Minutes a lead has waited since `receivedIso`, at `now`. */
export function minutesSince(receivedIso: string, now: Date = clockNow()): number {
  return Math.max(0, Math.floor((now.getTime() - new Date(receivedIso).getTime()) / 60000));
}


/** Score band tone for the chip: hot, warm, cool. */
export function scoreTone(score: number): "hot" | "warm" | "cool" {
  return score >= 70 ? "hot" : score >= 40 ? "warm" : "cool";
}
