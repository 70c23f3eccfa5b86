// "Now" for the whole UI: the core's clock (pinned in tests and demos by SHOWROOM_NOW), read from
// every AppStatus and running forward in real time between readings. Never call `new Date()` for
// the current time in a screen; call `now()`.
let offsetMs = 0;

/** Adopts the core's reading of the clock (an ISO instant). */
export function syncClock(coreNow: string): void {
  const t = Date.parse(coreNow);
  if (!Number.isNaN(t)) offsetMs = t - Date.now();
}

/** The current instant as the core sees it. */
export function now(): Date {
  return new Date(nowMs());
}

export function nowMs(): number {
  return Date.now() + offsetMs;
}
