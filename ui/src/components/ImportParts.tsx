// The shared pieces of every file import: the column mapping over a preview of the first rows,
// the dry-run / import buttons, and the report naming every record with a problem.
import type { ImportReport, LeadFilePreview } from "../bindings";
import { importSummary } from "../lib/leads";

export function MappingTable({ preview, mapping, onMap }: { preview: LeadFilePreview; mapping: [string, string][]; onMap: (m: [string, string][]) => void }) {
  return (
    <div className="table-wrap import-preview">
      <table className="grid" aria-label="Column mapping and preview">
        <thead>
          <tr>{preview.columns.map(([h]) => <th key={h}>{h}</th>)}</tr>
          <tr>{mapping.map(([h, f], i) => (
            <th key={h}>
              <select className="input compact-select" aria-label={`Field for column ${h}`} value={f}
                onChange={(e) => onMap(mapping.map((m, j) => (j === i ? [m[0], e.target.value] : m)))}>
                <option value="">Ignore</option>
                {preview.fields.map((x) => <option key={x} value={x}>{x.replace(/_/g, " ")}</option>)}
              </select>
            </th>
          ))}</tr>
        </thead>
        <tbody>{preview.sample.map((row, i) => <tr key={i}>{row.map((c, j) => <td key={j}>{c}</td>)}</tr>)}</tbody>
      </table>
    </div>
  );
}

export function ImportActions({ skip, onSkip, busy, onRun }: { skip: boolean; onSkip: (v: boolean) => void; busy: string; onRun: (dry: boolean) => void }) {
  return (
    <>
      <div className="row-actions" style={{ justifyContent: "flex-start" }}>
        <label className="check"><input type="checkbox" checked={skip} onChange={(e) => onSkip(e.target.checked)} /> Import the good records even if some are bad</label>
        <button className="btn" disabled={!!busy} onClick={() => onRun(true)}>Dry run</button>
        <button className="btn primary" disabled={!!busy} onClick={() => onRun(false)}>Import</button>
      </div>
      {busy && <div className="progress indeterminate" role="progressbar" aria-label={busy}><div /></div>}
    </>
  );
}

export function ImportReportView({ report, skip, children }: { report: ImportReport; skip: boolean; children?: React.ReactNode }) {
  const problems = report.rows.filter((r) => r.problems.length > 0);
  return (
    <section aria-label="Import report" className="card">
      <p className="strong" data-import-summary>{importSummary(report, skip)}</p>
      {problems.length > 0 && (
        <table className="grid" aria-label="Records with problems">
          <thead><tr><th>Line</th><th>Record</th><th>Problem</th></tr></thead>
          <tbody>{problems.slice(0, 200).map((r) => (
            <tr key={r.line}><td>{r.line}</td><td>{r.name || "—"}</td><td>{r.problems.map((p) => `${p.field}: ${p.message}`).join("; ")}</td></tr>
          ))}</tbody>
        </table>
      )}
      {children}
    </section>
  );
}
