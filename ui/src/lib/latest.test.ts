import { describe, expect, it } from "vitest";
import { latestOnly } from "./latest";

const later = <T,>() => {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void;
  const p = new Promise<T>((a, b) => { resolve = a; reject = b; });
  return { p, resolve, reject };
};
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("latestOnly", () => {
  it("draws only the newest request's answer, whatever order the answers arrive in", async () => {
    const latest = latestOnly();
    const drawn: string[] = [];
    const first = later<string>(), second = later<string>();
    latest(first.p, (v) => drawn.push(v));
    latest(second.p, (v) => drawn.push(v));
    second.resolve("Ben Carter");
    await settle();
    first.resolve("Ana Morales");
    await settle();
    expect(drawn).toEqual(["Ben Carter"]);
  });

  it("reports the newest request's failure and ignores an older one's", async () => {
    const latest = latestOnly();
    const errors: string[] = [];
    const first = later<string>(), second = later<string>();
    latest(first.p, () => {}, (e) => errors.push(e.message));
    latest(second.p, () => {}, (e) => errors.push(e.message));
    first.reject({ message: "old" });
    second.reject({ message: "rep: not found" });
    await settle();
    expect(errors).toEqual(["rep: not found"]);
  });

  it("keeps separate screens apart: each has its own latest", async () => {
    const a = latestOnly(), b = latestOnly();
    const drawn: string[] = [];
    a(Promise.resolve("a"), (v) => drawn.push(v));
    b(Promise.resolve("b"), (v) => drawn.push(v));
    await settle();
    expect(drawn.sort()).toEqual(["a", "b"]);
  });
});
