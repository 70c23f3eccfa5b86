import { describe, expect, it } from "vitest";
import { centsText, dayLabel, formatCents, formatPhone, groupByDay, groupMoneyInput } from "./format";

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

describe("groupMoneyInput", () => {
  it("puts thousands separators in as digits are typed and keeps the caret after the same digit", () => {
    expect(groupMoneyInput("25000", 5)).toEqual({ text: "25,000", caret: 6 });
    expect(groupMoneyInput("1,2345", 6)).toEqual({ text: "12,345", caret: 6 });
    expect(groupMoneyInput("1234567.5", 9)).toEqual({ text: "1,234,567.5", caret: 11 });
    expect(groupMoneyInput("$27495", 6)).toEqual({ text: "$27,495", caret: 7 });
    expect(groupMoneyInput("-1500", 5)).toEqual({ text: "-1,500", caret: 6 });
    // Caret in the middle: typing "9" after "12" in "12,000" -> "129,000", caret after the 9.
    expect(groupMoneyInput("129,000", 3)).toEqual({ text: "129,000", caret: 3 });
    expect(groupMoneyInput("12,9000", 4)).toEqual({ text: "129,000", caret: 3 });
    // Deleting a digit regroups.
    expect(groupMoneyInput("1,00", 4)).toEqual({ text: "100", caret: 3 });
  });

  it("leaves anything it cannot read as a plain amount to the core's parser", () => {
    expect(groupMoneyInput("", 0)).toEqual({ text: "", caret: 0 });
    expect(groupMoneyInput("abc", 3)).toEqual({ text: "abc", caret: 3 });
    expect(groupMoneyInput("12k", 3)).toEqual({ text: "12k", caret: 3 });
    expect(groupMoneyInput("12.345", 6)).toEqual({ text: "12.345", caret: 6 });
  });
});
