import { describe, expect, it } from "vitest";
import { monthOf, pct, rangeOf, units } from "./ranges";

describe("dashboard ranges", () => {
  const now = new Date(2026, 10, 28); // 28 Nov 2026, local
  it("names whole local days", () => {
    expect(rangeOf("this_month", now)).toEqual({ from: "2026-11-01", to: "2026-11-28" });
    expect(rangeOf("last_month", now)).toEqual({ from: "2026-10-01", to: "2026-10-31" });
    expect(rangeOf("last_90", now)).toEqual({ from: "2026-08-31", to: "2026-11-28" });
    expect(rangeOf("this_year", now)).toEqual({ from: "2026-01-01", to: "2026-11-28" });
    expect(rangeOf("last_month", new Date(2026, 0, 15))).toEqual({ from: "2025-12-01", to: "2025-12-31" });
    expect(monthOf(now)).toBe("2026-11");
  });
  it("formats ratios without NaN", () => {
    expect(pct(0.4235)).toBe("42%");
    expect(pct(null)).toBe("–");
    expect(units(1.5)).toBe("1.5");
    expect(units(2)).toBe("2");
  });
});
