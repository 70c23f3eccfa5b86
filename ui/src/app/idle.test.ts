import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { idleTimer } from "./LockScreen";

describe("the idle lock timer", () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it("fires after the idle time, and activity starts the wait again", () => {
    const target = new EventTarget();
    const onIdle = vi.fn();
    const stop = idleTimer(target, 60_000, onIdle);
    vi.advanceTimersByTime(59_000);
    target.dispatchEvent(new Event("keydown"));
    vi.advanceTimersByTime(59_000);
    expect(onIdle).not.toHaveBeenCalled();
    target.dispatchEvent(new Event("pointermove"));
    vi.advanceTimersByTime(60_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    stop();
  });

  it("stops when disposed", () => {
    const target = new EventTarget();
    const onIdle = vi.fn();
    idleTimer(target, 1_000, onIdle)();
    vi.advanceTimersByTime(5_000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
