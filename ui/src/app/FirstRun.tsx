// First run on an empty database: load the demo dealership or start empty.
import { useState } from "react";
import type { AppStatus } from "../bindings";
import { api } from "../api";

export function FirstRun({ onDone }: { onDone: (s: AppStatus) => void }) {
  const [busy, setBusy] = useState<null | "demo" | "empty">(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (which: "demo" | "empty") => {
    setBusy(which);
    setError(null);
    try {
      if (which === "demo") await api.loadDemo();
      else await api.startEmpty();
      onDone(await api.status());
    } catch (e) {
      setError((e as { message: string }).message);
      setBusy(null);
    }
  };
  return (
    <div className="welcome">
      <div className="card">
        <img src="./logo.svg" width={56} height={56} alt="" />
        <h1>Welcome to Showroom</h1>
        <p className="muted">
          Everything you enter is saved on this computer first, so Showroom works with or without a network.
          Start with a demo dealership to look around, or with an empty one for real customers.
        </p>
        {error && <div className="banner" role="alert">{error}</div>}
        {busy === "demo" ? (
          <div aria-live="polite" style={{ marginTop: 24 }}>
            <p>Loading the demo dealership: 300 vehicles, 9 staff, 5,000 customers and three years of history…</p>
            <div className="progress" role="progressbar" aria-label="Loading demo data"><div /></div>
          </div>
        ) : (
          <div className="choices">
            <button className="btn primary large" onClick={() => run("demo")} disabled={busy !== null} autoFocus>
              Load demo dealership
            </button>
            <button className="btn large" onClick={() => run("empty")} disabled={busy !== null}>
              Start empty
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
