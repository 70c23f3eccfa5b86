// Words for the sync state, shared by the status bar and Settings. Pure, so it is unit-tested.
import { now as clockNow } from "./clock";
import type { AppStatus, SyncStatus } from "../bindings";
import { locale } from "./locale";

export type Tone = "ok" | "warn" | "err" | "idle";

/** "3 changes" / "1 change". */
export function changes(n: number): string {
  return `${n.toLocaleString(locale())} ${n === 1 ? "change" : "changes"}`;
}

/** "just now", "4 min ago", "2 h ago", or the date for older times. */
export function ago(iso: string, now: Date = clockNow()): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return "";
  const s = Math.max(0, Math.round((now.getTime() - t.getTime()) / 1000));
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return t.toLocaleDateString(locale(), { month: "short", day: "numeric" });
}

function clock(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? "" : t.toLocaleTimeString(locale(), { hour: "numeric", minute: "2-digit" });
}

/** Whether a newer status shows the same window: equal but for the clock within one minute. The
 * status is asked for every 3 s; drawing the whole shell again each time kept the window busy while
 * nobody touched it, and relative times ("4 min ago", "due in 5 min") move by the minute. */
export function sameStatus(a: AppStatus, b: AppStatus): boolean {
  const shown = (s: AppStatus) => JSON.stringify({ ...s, now: String(s.now).slice(0, 16) });
  return shown(a) === shown(b);
}

/** The one-line summary, its tone, and whether a Retry/Sign-in action fits. */
export function syncSummary(s: SyncStatus, now: Date = clockNow()): { text: string; tone: Tone; action: "retry" | "sign-in" | null } {
  const waiting = s.pending > 0 ? ` · ${changes(s.pending)} waiting` : "";
  switch (s.state) {
    case "local":
      return { text: `Not signed in to a sync server · everything stays on this device${waiting}`, tone: "idle", action: "sign-in" };
    case "syncing":
      return { text: `Syncing…${waiting}`, tone: "ok", action: null };
    case "synced":
      return { text: s.pending > 0 ? `Synced ${ago(s.at, now)} · ${changes(s.pending)} to send` : `Synced ${ago(s.at, now)}`, tone: "ok", action: null };
    case "offline":
      return {
        text: `Offline since ${clock(s.since)}${waiting} · retrying${s.retry_in_s > 0 ? ` in ${s.retry_in_s} s` : ""}`,
        tone: "warn",
        action: "retry",
      };
    case "error":
      return { text: `Sync error: ${s.message}${waiting}`, tone: "err", action: "retry" };
    case "sign_in_needed":
      return { text: `Sign in again to keep syncing${waiting}`, tone: "err", action: "sign-in" };
  }
}
