// Importing a lead file in the app: CSV (each column mapped to a lead field, presets saved in
// Settings, a preview, a dry run) or ADF/XML (recognised by content). The report names every
// record with a problem; nothing is half-imported.
import { useEffect, useState } from "react";
import type { ImportReport, LeadFilePreview, LeadSettings } from "../bindings";
import { api } from "../api";
import { useToast } from "../components/Toasts";
import { ImportActions, ImportReportView, MappingTable } from "../components/ImportParts";
import { locale } from "../lib/locale";

export function ImportTab({ onDone }: { onDone: () => void }) {
  const [file, setFile] = useState<{ name: string; bytes: number[] } | null>(null);
  const [preview, setPreview] = useState<LeadFilePreview | null>(null);
  const [mapping, setMapping] = useState<[string, string][]>([]);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [skip, setSkip] = useState(true);
  const [busy, setBusy] = useState<string>("");
  const [error, setError] = useState("");
  const [settings, setSettings] = useState<LeadSettings | null>(null);
  const [presetName, setPresetName] = useState("");
  const toast = useToast();
  useEffect(() => { api.leadSettings().then(setSettings).catch(() => {}); }, []);

  const load = async (f: File) => {
    setError(""); setReport(null);
    const bytes = Array.from(new Uint8Array(await f.arrayBuffer()));
    setFile({ name: f.name, bytes });
    try {
      const p = await api.previewLeadFile(bytes, []);
      setPreview(p);
      setMapping(p.columns);
    } catch (e) {
      setPreview(null);
      setError((e as { message: string }).message);
    }
  };
  const remap = async (m: [string, string][]) => {
    setMapping(m);
    if (file) setPreview(await api.previewLeadFile(file.bytes, m));
  };
  const run = async (dry: boolean) => {
    if (!file) return;
    setBusy(dry ? "Checking every record…" : "Importing…");
    try {
      const r = await api.importLeads(file.bytes, { dry_run: dry, skip_invalid: skip }, mapping);
      setReport(r);
      if (r.committed) toast(`${r.created} lead${r.created === 1 ? "" : "s"} imported`);
    } catch (e) {
      setError((e as { message: string }).message);
    } finally {
      setBusy("");
    }
  };
  const savePreset = async () => {
    if (!settings || !presetName.trim()) return;
    const next = { ...settings, csv_presets: [...settings.csv_presets.filter((p) => p.name !== presetName.trim()), { name: presetName.trim(), columns: mapping }] };
    try { setSettings(await api.saveLeadSettings(next)); toast(`Preset ${presetName.trim()} saved`); } catch (e) { setError((e as { message: string }).message); }
  };
  return (
    <div className="lead-import">
      <div className="row-actions" style={{ justifyContent: "flex-start" }}>
        <label className="filter">CSV or ADF/XML file
          <input type="file" name="lead_file" accept=".csv,.txt,.xml,.adf" className="input file-input" onChange={(e) => { const f = e.target.files?.[0]; if (f) void load(f); }} />
        </label>
        {file && <span className="muted">{file.name} · {preview?.records.toLocaleString(locale()) ?? "?"} records · {preview?.format.toUpperCase()}</span>}
      </div>
      {error && <p className="field-error" role="alert">{error}</p>}
      {preview?.format === "csv" && (
        <>
          <div className="row-actions" style={{ justifyContent: "flex-start" }}>
            {settings && settings.csv_presets.length > 0 && (
              <label className="filter">Preset
                <select className="input" aria-label="Column preset" defaultValue="" onChange={(e) => {
                  const p = settings.csv_presets.find((x) => x.name === e.target.value);
                  if (p) void remap(preview.columns.map(([h]) => [h, p.columns.find(([ph]) => ph.toLowerCase() === h.toLowerCase())?.[1] ?? ""]));
                }}>
                  <option value="">Choose…</option>
                  {settings.csv_presets.map((p) => <option key={p.name}>{p.name}</option>)}
                </select>
              </label>
            )}
            <label className="filter">Save mapping as
              <input className="input" name="preset_name" value={presetName} onChange={(e) => setPresetName(e.target.value)} placeholder="Dealer website export" />
            </label>
            <button className="btn" onClick={() => void savePreset()} disabled={!presetName.trim()}>Save preset</button>
          </div>
          <MappingTable preview={preview} mapping={mapping} onMap={(m) => void remap(m)} />
        </>
      )}
      {preview && <ImportActions skip={skip} onSkip={setSkip} busy={busy} onRun={(dry) => void run(dry)} />}
      {report && (
        <ImportReportView report={report} skip={skip}>
          {report.committed && <button className="btn" onClick={onDone}>Open the inbox</button>}
        </ImportReportView>
      )}
    </div>
  );
}
