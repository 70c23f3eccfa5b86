import { describe, expect, it } from "vitest";
import { channelLabel, minutesSince, scoreTone, waited } from "./leads";

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
