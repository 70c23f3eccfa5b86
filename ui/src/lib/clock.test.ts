import { describe, expect, it } from "vitest";
import { now, nowMs, syncClock } from "./clock";

describe("clock", () => {
  it("follows the core's pinned clock and runs forward from it", () => {
    syncClock("2026-11-18T16:30:00.000Z");
    const t = now().getTime();
    expect(t).toBeGreaterThanOrEqual(Date.parse("2026-11-18T16:30:00.000Z"));
    expect(t - Date.parse("2026-11-18T16:30:00.000Z")).toBeLessThan(5_000);
    expect(nowMs()).toBeGreaterThanOrEqual(t);
  });

  it("ignores a reading that is not an instant", () => {
    syncClock("2026-11-18T16:30:00.000Z");
    const before = nowMs();
    syncClock("yesterday");
    expect(Math.abs(nowMs() - before)).toBeLessThan(5_000);
  });
});
