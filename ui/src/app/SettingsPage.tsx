import { useState } from "react";
import type { AppStatus, LockSettings as Lock } from "../bindings";
import { LockSettings } from "./LockSettings";
import { LetterheadSettings } from "./LetterheadSettings";
import { PlaceSettings } from "./PlaceSettings";
import { TaxSettings } from "./TaxSettings";
import { SyncSettings } from "./SyncSettings";
import { PipelineSettings } from "./PipelineSettings";
import { LeadSettings } from "./LeadSettings";
import { SpendSettings } from "./SpendSettings";
import { applyAppearance, loadAppearance, type Appearance } from "./appearance";
import { locale } from "../lib/locale";

export function SettingsPage({ status, onChanged, onLockChanged }: {
  status: AppStatus; onChanged: () => void; onLockChanged: (l: Lock) => void;
}) {
  const [a, setA] = useState<Appearance>(loadAppearance());
  const set = (next: Appearance) => { setA(next); applyAppearance(next); };
  return (
    <>
      <header className="page-header"><h1 className="page-title">Settings</h1></header>
      <div className="settings" style={{ maxWidth: 900 }}>
        <h2 className="form-section">Appearance</h2>
        <div style={{ display: "flex", gap: 24, flexWrap: "wrap" }}>
          <div className="field">
            <span id="theme-label" className="field-hint">Theme</span>
            <div className="segmented" role="group" aria-labelledby="theme-label">
              {(["light", "dark", "system"] as const).map((t) => (
                <button key={t} aria-pressed={a.theme === t} onClick={() => set({ ...a, theme: t })}>{t[0].toUpperCase() + t.slice(1)}</button>
              ))}
            </div>
          </div>
          <div className="field">
            <span id="density-label" className="field-hint">Density</span>
            <div className="segmented" role="group" aria-labelledby="density-label">
              {(["compact", "comfortable"] as const).map((d) => (
                <button key={d} aria-pressed={a.density === d} onClick={() => set({ ...a, density: d })}>{d[0].toUpperCase() + d.slice(1)}</button>
              ))}
            </div>
          </div>
        </div>
        <SyncSettings status={status} onChanged={onChanged} />
        <LockSettings onChanged={onLockChanged} />
        <LetterheadSettings onSaved={onChanged} />
        <PlaceSettings onSaved={onChanged} />
        <TaxSettings />
        <PipelineSettings />
        <LeadSettings />
        <SpendSettings />
        <h2 className="form-section">This device</h2>
        <dl>
          <dt>Data file</dt><dd>{status.data_file}</dd>
          <dt>Schema version</dt><dd>{status.schema_version}</dd>
          <dt>Device id</dt><dd>{status.device_id}</dd>
          <dt>Changes not yet on the server</dt><dd>{status.sync.pending.toLocaleString(locale())}</dd>
        </dl>
      </div>
    </>
  );
}
