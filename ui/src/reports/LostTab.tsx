// Lost deals: how many deals were lost in a range and what they were worth, by reason, by where a
// "bought elsewhere" customer went, by rep and by lead source. A row opens the deals behind it.
// Every figure comes from the core (`lost_deals`, the same as `showroom report lost`).
import { useCallback, useEffect, useMemo, useState } from "react";
import type { LostGroup, LostReport, Staff } from "../bindings";
import { api } from "../api";
import { useToast } from "../components/Toasts";
import { formatDollars } from "../lib/format";
import { pct } from "../lib/ranges";
import { RangeFilters, useRange } from "./RangeFilters";
import { DrillPanel, type Drill } from "./DrillPanel";
import { useLatest } from "../lib/latest";

type Filter = { reason?: string; competitor?: string; rep_id?: string; source?: string };

export function LostTab({ staff, manager, onOpenCustomer, dataVersion }: { staff: Staff; manager: boolean; onOpenCustomer: (id: string) => void; dataVersion: number }) {
  const r0 = useRange("last_90");
  const [rep, setRep] = useState<string | null>(manager ? null : staff.me);
  const [r, setR] = useState<LostReport | null>(null);
  const [error, setError] = useState("");
  const [drill, setDrill] = useState<Drill | null>(null);
  const toast = useToast();
  const span = r0.span;
  const query = useMemo(() => ({ from: span.from, to: span.to, rep_id: rep }), [span.from, span.to, rep]);
  const latest = useLatest();
  const load = useCallback(() => {
    latest(api.lostDeals(query), (x) => { setR(x); setError(""); }, (e) => setError(e.message));
  }, [query, latest]);
  useEffect(load, [load, dataVersion]);
  const open = async (title: string, f: Filter) => {
    try {
      const rows = await api.drill({
        from: query.from, to: query.to, what: "lost", rep_id: f.rep_id ?? rep, stage_id: null,
        source: f.source ?? null, reason: f.reason ?? null, competitor: f.competitor ?? null,
      });
      setDrill({ title, rows });
    } catch (e) {
      toast((e as { message: string }).message, { kind: "error" });
    }
  };
  const reps = staff.users.filter((u) => u.role === "rep");
  return (
    <div className="dashboard">
      <RangeFilters r={r0} reps={manager ? reps : null} rep={rep} onRep={setRep} repName="lost_rep" />
      {error && <p className="field-error" role="alert">{error}</p>}
      {!r ? <p className="muted" aria-busy="true">Computing…</p> : (
        <>
          <section className="kpis" aria-label="Lost deals in the range">
            <button className="kpi clickable" data-kpi="Deals lost" onClick={() => void open("Every deal lost in the range", {})}>
              <span className="kpi-label">Deals lost</span><span className="kpi-value">{r.lost}</span>
              <span className="kpi-hint">{r.lost === 0 ? "None in this range" : `worth ${formatDollars(r.amount_cents)}`}</span>
            </button>
            <div className="kpi" data-kpi="Won in the range">
              <span className="kpi-label">Won in the range</span><span className="kpi-value">{r.won}</span>
              <span className="kpi-hint">win rate {r.won + r.lost === 0 ? "–" : pct(r.won / (r.won + r.lost))}</span>
            </div>
            <div className="kpi" data-kpi="Lost to competitors">
              <span className="kpi-label">Bought elsewhere</span>
              <span className="kpi-value">{r.by_competitor.reduce((n, g) => n + g.deals, 0)}</span>
              <span className="kpi-hint">{r.by_competitor[0] ? `most to ${r.by_competitor[0].label}` : "no customer lost to a competitor"}</span>
            </div>
          </section>
          <div className="charts lost-groups">
            <Groups title="By reason" label="Reason" rows={r.by_reason} onOpen={(g) => void open(`Lost: ${g.label}`, { reason: g.key })} />
            <Groups title="Bought elsewhere: where" label="Competitor or brand" rows={r.by_competitor} empty="Nobody lost to a competitor in this range."
              onOpen={(g) => void open(`Bought at ${g.label}`, { reason: "Bought elsewhere", competitor: g.key })} />
            {!rep && <Groups title="By rep" label="Rep" rows={r.by_rep} onOpen={(g) => void open(`Lost by ${g.label}`, { rep_id: g.key })} />}
            <Groups title="By lead source" label="Source" rows={r.by_source} onOpen={(g) => void open(`Lost from ${g.label}`, { source: g.key })} />
          </div>
        </>
      )}
      {drill && <DrillPanel drill={drill} onClose={() => setDrill(null)} onOpenCustomer={onOpenCustomer} />}
    </div>
  );
}

function Groups({ title, label, rows, onOpen, empty = "No lost deals in this range." }: { title: string; label: string; rows: LostGroup[]; onOpen: (g: LostGroup) => void; empty?: string }) {
  return (
    <section className="card" aria-label={title}>
      <h2 className="form-section" style={{ marginTop: 0 }}>{title}</h2>
      {rows.length === 0 ? <p className="muted">{empty}</p> : (
        <table className="grid" aria-label={`${title} table`}>
          <thead><tr><th>{label}</th><th className="num">Deals</th><th className="num">Share</th><th className="num">Worth</th></tr></thead>
          <tbody>{rows.map((g) => (
            <tr key={g.key} className="row" data-group={g.label} tabIndex={0} onClick={() => onOpen(g)}
              onKeyDown={(e) => { if (e.key === "Enter") onOpen(g); }} title={`Open the ${g.deals} deals`}>
              <td className="strong">{g.label}</td><td className="num">{g.deals}</td>
              <td className="num"><span className="share-bar" style={{ ["--share" as string]: `${g.share_tenths / 10}%` }}>{(g.share_tenths / 10).toFixed(1)}%</span></td>
              <td className="num">{formatDollars(g.amount_cents)}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </section>
  );
}
