import { describe, expect, it } from "vitest";
import type { AppStatus } from "../bindings";
import { ago, changes, sameStatus, syncSummary } from "./sync";

const now = new Date("2026-11-28T15:00:00Z");

describe("sync summary", () => {
  it("counts changes in words", () => {
    expect(changes(1)).toBe("1 change");
    expect(changes(1200)).toBe("1,200 changes");
  });

  it("says how long ago", () => {
    expect(ago("2026-11-28T14:59:30Z", now)).toBe("just now");
    expect(ago("2026-11-28T14:56:00Z", now)).toBe("4 min ago");
    expect(ago("2026-11-28T12:00:00Z", now)).toBe("3 h ago");
    expect(ago("not a date", now)).toBe("");
  });

  it("names each state with its tone and action", () => {
    expect(syncSummary({ state: "local", pending: 0 }, now)).toMatchObject({ tone: "idle", action: "sign-in" });
    expect(syncSummary({ state: "synced", pending: 0, server: "s", at: "2026-11-28T14:58:00Z" }, now).text).toBe("Synced 2 min ago");
    const off = syncSummary({ state: "offline", pending: 3, server: "s", since: "2026-11-28T14:00:00Z", retry_in_s: 20 }, now);
    expect(off.text).toMatch(/^Offline since .* · 3 changes waiting · retrying in 20 s$/);
    expect(off).toMatchObject({ tone: "warn", action: "retry" });
    expect(syncSummary({ state: "error", pending: 0, server: "s", message: "boom" }, now)).toMatchObject({ text: "Sync error: boom", tone: "err" });
    expect(syncSummary({ state: "sign_in_needed", pending: 1, server: "s", message: "expired" }, now).action).toBe("sign-in");
  });

  it("takes a status that differs only in the clock's seconds as the same window", () => {
    const status = {
      data_file: "/data/showroom.sqlite3", schema_version: 23, device_id: "d", dealership: "Harbor Motors", customers: 12,
      onboarded: true, sync: { state: "synced", pending: 0, server: "s", at: "2026-11-28T14:58:00Z" }, sync_attention: 0,
      data_version: 4, now: "2026-11-28T15:00:05Z", locale: { tag: "en-US" }, respell: [],
    } as unknown as AppStatus;
    expect(sameStatus(status, { ...status, now: "2026-11-28T15:00:55Z" })).toBe(true);
    expect(sameStatus(status, { ...status, now: "2026-11-28T15:01:00Z" })).toBe(false);
    expect(sameStatus(status, { ...status, data_version: 5 })).toBe(false);
    expect(sameStatus(status, { ...status, sync: { ...status.sync, pending: 1 } as AppStatus["sync"] })).toBe(false);
  });
});
