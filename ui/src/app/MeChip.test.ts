import { describe, expect, it } from "vitest";
import { initials } from "./MeChip";

describe("initials", () => {
  it("takes the first and last word's first letters", () => {
    expect(initials("Ana María Ruiz")).toBe("AR");
    expect(initials("bo")).toBe("B");
    expect(initials("  ")).toBe("?");
  });
});
