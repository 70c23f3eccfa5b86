// Importing customers or inventory from a CSV in the window: pick the file, see each column with
// the field it feeds (recognised by header, changeable), a dry run naming every bad record, then
// the import as one transaction. The same core importers as `showroom import`.
import { useState } from "react";
import type { ImportReport, LeadFilePreview } from "../bindings";
import { api } from "../api";
import { useKeyLayer } from "../lib/keys";
import { locale } from "../lib/locale";
import { useToast } from "./Toasts";
import { ImportActions, ImportReportView, MappingTable } from "./ImportParts";

const WHAT = { customers: ["customer", "customers"], vehicles: ["vehicle", "vehicles"] } as const;

export function CsvImportDialog({ kind, onClose, onDone }: { kind: "customers" | "vehicles"; onClose: () => void; onDone: () => void }) {
  const [file, setFile] = useState<{ name: string; bytes: number[] } | null>(null);
  const [preview, setPreview] = useState<LeadFilePreview | null>(null);
  const [mapping, setMapping] = useState<[string, string][]>([]);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [skip, setSkip] = useState(true);
  const [busy, setBusy] = useState("");
  const [error, setError] = useState("");
  const toast = useToast();
  const [one, many] = WHAT[kind];
  useKeyLayer((e) => { if (e.key === "Escape" && !busy) { onClose(); return true; } return false; });
  const load = async (f: File) => {
    setError(""); setReport(null);
    const bytes = Array.from(new Uint8Array(await f.arrayBuffer()));
    setFile({ name: f.name, bytes });
    try {
      const p = await api.previewImport(kind, bytes, []);
      setPreview(p); setMapping(p.columns);
    } catch (e) { setPreview(null); setError((e as { message: string }).message); }
  };
  const remap = async (m: [string, string][]) => {
    setMapping(m); setReport(null);
    if (file) {
      try { setPreview(await api.previewImport(kind, file.bytes, m)); setError(""); } catch (e) { setError((e as { message: string }).message); }
    }
  };
  const run = async (dry: boolean) => {
    if (!file) return;
    setBusy(dry ? "Checking every record…" : "Importing…");
    try {
      const r = await api.importFile(kind, file.bytes, { dry_run: dry, skip_invalid: skip }, mapping);
      setReport(r);
      if (r.committed) { toast(`${r.created} ${r.created === 1 ? one : many} added, ${r.updated} updated`); onDone(); }
    } catch (e) { setError((e as { message: string }).message); } finally { setBusy(""); }
  };
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <div className="dialog wide" role="dialog" aria-modal="true" aria-labelledby="csv-import-title">
        <div className="dialog-body lead-import">
          <h2 id="csv-import-title" style={{ marginTop: 0 }}>Import {many} from a CSV file</h2>
          <div className="row-actions" style={{ justifyContent: "flex-start" }}>
            <label className="filter">CSV file
              <input type="file" name={`${kind}_file`} accept=".csv,.txt" className="input file-input" autoFocus
                onChange={(e) => { const f = e.target.files?.[0]; if (f) void load(f); }} />
            </label>
            {file && <span className="muted">{file.name} · {preview?.records.toLocaleString(locale()) ?? "?"} records</span>}
          </div>
          {error && <p className="field-error" role="alert">{error}</p>}
          {preview && (
            <>
              <p className="field-hint">Each column feeds the field chosen under its name; choose “Ignore” to leave a column out.</p>
              <MappingTable preview={preview} mapping={mapping} onMap={(m) => void remap(m)} />
              <ImportActions skip={skip} onSkip={setSkip} busy={busy} onRun={(dry) => void run(dry)} />
            </>
          )}
          {report && <ImportReportView report={report} skip={skip} />}
          <div className="form-actions">
            <button className="btn" onClick={onClose} disabled={!!busy}>{report?.committed ? "Done" : "Close"}</button>
          </div>
        </div>
      </div>
    </div>
  );
}
