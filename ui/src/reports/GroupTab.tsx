// Group: a dealer group manager's rooftops side by side for a range, and the group's total. Every
// rooftop's figures come from that rooftop's own store on this laptop (the same code as its
// manager's dashboard); the total adds counts and amounts and recomputes the win rate, so it agrees
// with the rows. "Sync every rooftop" brings each sister store up to date (online); the figures
// themselves work offline, as of each rooftop's last sync.
import { useCallback, useEffect, useMemo, useState } from "react";
import type { GroupDashboard, RooftopFigures, RooftopSynced } from "../bindings";
import { api } from "../api";
import { useToast } from "../components/Toasts";
import { dayLabel, formatDollars, timeOfDay } from "../lib/format";
import { pct, units } from "../lib/ranges";
import { useLatest } from "../lib/latest";
import { RangeFilters, useRange } from "./RangeFilters";

function synced(at: string | null): string {
  return at ? `${dayLabel(at)} ${timeOfDay(at)}` : "never";
}

function Row({ f, total = false }: { f: RooftopFigures; total?: boolean }) {
  const Cell = total ? "th" : "td";
  return (
    <tr className={total ? "total-row" : undefined} data-rooftop={f.name}>
      <Cell className="strong" scope="row">{f.name}</Cell>
      <td>{units(f.units)}</td>
      <td>{formatDollars(f.revenue_cents)}</td>
      <td>{formatDollars(f.gross_cents)}</td>
      <td title={`${f.won} won, ${f.lost} lost`}>{pct(f.win_rate)}</td>
      <td>{f.leads}</td>
      <td>{f.speed_median_minutes === null ? "–" : `${f.speed_median_minutes} min`}</td>
      <td title={`${formatDollars(f.open_value_cents)} open, ${formatDollars(f.weighted_cents)} weighted by stage`}>{f.open_deals} · {formatDollars(f.weighted_cents)}</td>
      <td title={`${units(f.forecast_units)} units`}>{formatDollars(f.forecast_revenue_cents)}</td>
      <td className="muted">{total ? "" : synced(f.synced_at)}</td>
    </tr>
  );
}

export function GroupTab({ dataVersion }: { dataVersion: number }) {
  const r = useRange("this_month");
  const [g, setG] = useState<GroupDashboard | null>(null);
  const [error, setError] = useState("");
  const [syncing, setSyncing] = useState(false);
  const [last, setLast] = useState<RooftopSynced[] | null>(null);
  const [version, setVersion] = useState(0);
  const toast = useToast();
  const latest = useLatest();
  const { from, to } = r.span;
  const load = useCallback(() => {
    latest(api.groupDashboard(from, to), (x) => { setG(x); setError(""); }, (e) => setError(e.message));
  }, [from, to, latest]);
  useEffect(load, [load, dataVersion, version]);

  const syncAll = async () => {
    setSyncing(true);
    try {
      const out = await api.syncGroup();
      setLast(out);
      const failed = out.filter((x) => x.error);
      toast(failed.length ? `${failed.length} of ${out.length} rooftops could not sync` : `Synced ${out.length} rooftops`,
        { kind: failed.length ? "error" : "info" });
      setVersion((n) => n + 1);
    } catch (e) {
      toast((e as { message: string }).message, { kind: "error" });
    } finally {
      setSyncing(false);
    }
  };
  const exportCsv = async () => {
    try { toast(`Saved ${await api.exportGroupDashboard(from, to)}`); } catch (e) { toast((e as { message: string }).message, { kind: "error" }); }
  };
  const failures = useMemo(() => (last ?? []).filter((x) => x.error), [last]);
  const alone = g !== null && g.rooftops.length < 2;

  return (
    <div className="dashboard">
      <RangeFilters r={r} reps={null} rep={null} onRep={() => {}}>
        <div className="page-actions">
          <button className="btn primary" onClick={() => void syncAll()} disabled={syncing} aria-busy={syncing}>
            {syncing ? "Syncing rooftops…" : "Sync every rooftop"}
          </button>
          <button className="btn" onClick={() => void exportCsv()} disabled={!g}>Export CSV</button>
        </div>
      </RangeFilters>
      {error && <p className="field-error" role="alert">{error}</p>}
      {failures.length > 0 && (
        <ul className="field-error" role="alert" aria-label="Rooftops that did not sync">
          {failures.map((x) => <li key={x.name}>{x.name}: {x.error}</li>)}
        </ul>
      )}
      {!g ? <p className="muted" aria-busy="true">Computing…</p> : alone ? (
        <section className="card" data-testid="group-empty">
          <h2 className="form-section" style={{ marginTop: 0 }}>No sister rooftops on this laptop yet</h2>
          <p className="muted">
            A dealer group's manager sees every rooftop of the group here, side by side. Sign in with your group manager
            account in Settings, then choose "Sync every rooftop": each store is copied to this laptop and works offline
            from then on.
          </p>
        </section>
      ) : (
        <section className="card" aria-label="Rooftops">
          <h2 className="form-section" style={{ marginTop: 0 }}>
            {g.rooftops.length} rooftops · {g.from} to {g.to}{g.partial ? " · so far" : ""}
          </h2>
            <table className="grid group-table" aria-label="Rooftops table">
              <thead>
                <tr>
                  <th scope="col">Rooftop</th><th scope="col">Units</th><th scope="col">Revenue</th><th scope="col">Gross</th>
                  <th scope="col">Win rate</th><th scope="col">Leads</th><th scope="col">Speed to lead</th>
                  <th scope="col">Open · weighted</th><th scope="col">Month forecast</th><th scope="col">Synced</th>
                </tr>
              </thead>
              <tbody>{g.rooftops.map((f) => <Row key={f.dealership_id ?? "own"} f={f} />)}</tbody>
              <tfoot><Row f={g.total} total /></tfoot>
            </table>
          <p className="muted">
            The group total adds each rooftop's units, money and deals; its win rate is all won over all won and lost.
            Speed to lead is a median per rooftop and has no group total.
          </p>
        </section>
      )}
    </div>
  );
}
