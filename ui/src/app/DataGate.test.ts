import { describe, expect, it } from "vitest";
import { passphraseProblem } from "./DataGate";

describe("passphraseProblem", () => {
  it("asks for the minimum length first", () => {
    expect(passphraseProblem("short", "short", 8, true)).toBe("Use at least 8 characters.");
  });
  it("asks for the same passphrase twice only when setting one", () => {
    expect(passphraseProblem("long enough", "long enougH", 8, true)).toBe("The two passphrases differ.");
    expect(passphraseProblem("long enough", "", 8, false)).toBeNull();
    expect(passphraseProblem("long enough", "long enough", 8, true)).toBeNull();
  });
});
