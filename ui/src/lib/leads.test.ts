import { describe, expect, it } from "vitest";
import { channelLabel, importSummary, minutesSince, scoreTone, waited } from "./leads";
import type { ImportReport } from "../bindings";

describe("lead helpers", () => {
  it("writes waiting times the way a rep reads them", () => {
    expect(waited(0, 42)).toBe("42 s");
    expect(waited(4)).toBe("4 min");
    expect(waited(125)).toBe("2 h 05 min");
    expect(waited(120)).toBe("2 h");
    expect(waited(3 * 1440 + 5)).toBe("3 d");
  });
  it("counts minutes since arrival and never goes negative", () => {
    const now = new Date("2026-11-28T10:00:00Z");
    expect(minutesSince("2026-11-28T09:55:30Z", now)).toBe(4);
    expect(minutesSince("2026-11-28T10:05:00Z", now)).toBe(0);
  });
  it("names channels and bands scores", () => {
    expect(channelLabel("walk_in")).toBe("Walk-in");
    expect(channelLabel("marketplace")).toBe("Marketplace");
    expect([scoreTone(85), scoreTone(55), scoreTone(12)]).toEqual(["hot", "warm", "cool"]);
  });
});

describe("import summary", () => {
  const report = (r: Partial<ImportReport>): ImportReport => ({
    dry_run: true, committed: false, created: 0, updated: 0, skipped: 0, invalid: 0, ignored_columns: [], rows: [], ...r,
  });
  it("counts each of three records once: 2 ready and 1 bad one left out", () => {
    expect(importSummary(report({ created: 2, invalid: 1, skipped: 1 }), true)).toBe("Dry run: nothing stored. 2 ready, 1 with errors (left out).");
  });
  it("names unchanged records apart from bad ones", () => {
    expect(importSummary(report({ dry_run: false, committed: true, created: 1, skipped: 3, invalid: 1 }), true))
      .toBe("Imported. 1 ready, 1 with errors (left out), 2 unchanged.");
    expect(importSummary(report({ created: 2, invalid: 1 }), false)).toBe("Dry run: nothing stored. 2 ready, 1 with errors.");
  });
});
