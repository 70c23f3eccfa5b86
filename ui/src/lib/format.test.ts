import { describe, expect, it } from "vitest";
import { centsText, dayLabel, formatCents, formatPhone, groupByDay } from "./format";

describe("format", () => {
  it("formats North American numbers and leaves others in E.164", () => {
    expect(formatPhone("+14155552671")).toBe("(415) 555-2671");
    expect(formatPhone("+442079460958")).toBe("+442079460958");
    expect(formatPhone(null)).toBe("");
  });

  it("formats cents exactly", () => {
    expect(formatCents(2749500)).toBe("$27,495");
    expect(formatCents(40076)).toBe("$400.76");
    expect(formatCents(-105)).toBe("-$1.05");
    expect(formatCents(123456789012)).toBe("$1,234,567,890.12");
  });

  it("labels days relative to now", () => {
    const now = new Date(2026, 10, 27, 15, 0);
    expect(dayLabel(new Date(2026, 10, 27, 9, 0).toISOString(), now)).toBe("Today");
    expect(dayLabel(new Date(2026, 10, 26, 23, 0).toISOString(), now)).toBe("Yesterday");
    expect(dayLabel(new Date(2025, 0, 3).toISOString(), now)).toContain("2025");
  });

  it("groups a newest-first list by day", () => {
    const now = new Date(2026, 10, 27, 15, 0);
    const items = [new Date(2026, 10, 27, 10), new Date(2026, 10, 27, 8), new Date(2026, 10, 26, 9)].map((d) => d.toISOString());
    const groups = groupByDay(items, (s) => s, now);
    expect(groups.map(([label, xs]) => [label, xs.length])).toEqual([["Today", 2], ["Yesterday", 1]]);
  });
});

import { formatDollars } from "./format";
describe("formatDollars", () => {
  it("rounds totals to whole dollars", () => {
    expect(formatDollars(19823650)).toBe("$198,237");
    expect(formatDollars(49)).toBe("$0");
    expect(formatDollars(-150)).toBe("-$2");
  });
});

describe("money inputs", () => {
  it("write cents with thousands separators and two decimals, without floating point", () => {
    expect(centsText(2_589_500)).toBe("25,895.00");
    expect(centsText(2_589_550)).toBe("25,895.50");
    expect(centsText(-1_005)).toBe("-10.05");
    expect(centsText(0)).toBe("0.00");
    expect(centsText(90_071_992_547_409)).toBe("900,719,925,474.09");
    expect(centsText(null)).toBe("");
  });
});
