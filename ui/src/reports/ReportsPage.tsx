// Reports: the manager dashboard (leaderboard, funnel, pipeline by stage, trends, source return,
// forecast against goal) and, for a rep, their own (my goals, my pipeline, my day). A date range,
// a click on a rep or a number drills down, export to CSV or PDF. Commissions and goals in tabs.
// Every number comes from the core (computed on this device, offline too); the UI only draws.
import { useCallback, useEffect, useMemo, useState } from "react";
import { Bar, Line } from "react-chartjs-2";
import {
  BarElement, CategoryScale, Chart as ChartJS, Filler, Legend, LinearScale, LineElement, PointElement, Tooltip,
} from "chart.js";
import type { AccuracyReport, Dashboard, DashboardQuery, Staff, Today } from "../bindings";
import { api } from "../api";
import { useToast } from "../components/Toasts";
import { formatDollars } from "../lib/format";
import { monthOf, pct, units } from "../lib/ranges";
import { RangeFilters, useRange } from "./RangeFilters";
import { CommissionsTab } from "./CommissionsTab";
import { GoalsTab } from "./GoalsTab";
import { DrillPanel, type Drill } from "./DrillPanel";
import { LostTab } from "./LostTab";
import { GroupTab } from "./GroupTab";
import { CoachingCard, CoachingTab } from "./CoachingTab";
import { now } from "../lib/clock";
import { useLatest } from "../lib/latest";

ChartJS.register(CategoryScale, LinearScale, BarElement, LineElement, PointElement, Tooltip, Legend, Filler);
// Charts appear drawn, not grown: a calm screen beside a customer, and no second of repaints.
ChartJS.defaults.animation = false;

type Tab = "dashboard" | "lost" | "commissions" | "goals" | "coaching" | "group";

/** Chart colours from the design tokens, read once per render so both themes work. */
function tokens() {
  const css = getComputedStyle(document.documentElement);
  const v = (n: string, fallback: string) => css.getPropertyValue(n).trim() || fallback;
  return { accent: v("--accent-9", "#2f6fdf"), green: v("--green-9", "#2f9e44"), amber: v("--amber-9", "#e0a100"), grid: v("--border-subtle", "#ddd"), text: v("--text-secondary", "#555") };
}

export function ReportsPage({ onOpenCustomer, dataVersion = 0 }: { onOpenCustomer: (id: string) => void; dataVersion?: number }) {
  const [tab, setTab] = useState<Tab>("dashboard");
  const [staff, setStaff] = useState<Staff | null>(null);
  const [signedIn, setSignedIn] = useState(false);
  useEffect(() => { api.staff().then(setStaff).catch(() => {}); }, [dataVersion]);
  useEffect(() => { api.syncAccount().then((a) => setSignedIn(a !== null)).catch(() => {}); }, [dataVersion]);
  const me = staff?.users.find((u) => u.id === staff.me);
  const manager = !me || me.role !== "rep";
  return (
    <>
      <header className="page-header">
        <h1 className="page-title">Reports</h1>
        <span className="page-count">Computed on this device from the synced team data</span>
      </header>
      <div className="tabs page-tabs" role="tablist" aria-label="Report views">
        {([["dashboard", manager ? "Dashboard" : "My dashboard"], ["lost", manager ? "Lost deals" : "My lost deals"], ["commissions", "Commissions"],
          ...(manager ? [["goals", "Goals & plans"], ["coaching", "Coaching"]] : []),
          ...(manager && signedIn ? [["group", "Group"]] : [])] as [Tab, string][]).map(([id, label]) => (
          <button key={id} role="tab" className="tab" aria-selected={tab === id} onClick={() => setTab(id)}>{label}</button>
        ))}
      </div>
      <div className="leads-body">
        {tab === "dashboard" && staff && <DashboardTab staff={staff} manager={manager} onOpenCustomer={onOpenCustomer} dataVersion={dataVersion} />}
        {tab === "commissions" && staff && <CommissionsTab staff={staff} manager={manager} />}
        {tab === "goals" && staff && <GoalsTab staff={staff} />}
        {tab === "lost" && staff && <LostTab staff={staff} manager={manager} onOpenCustomer={onOpenCustomer} dataVersion={dataVersion} />}
        {tab === "coaching" && staff && <CoachingTab staff={staff} />}
        {tab === "group" && <GroupTab dataVersion={dataVersion} />}
      </div>
    </>
  );
}

function DashboardTab({ staff, manager, onOpenCustomer, dataVersion }: { staff: Staff; manager: boolean; onOpenCustomer: (id: string) => void; dataVersion: number }) {
  const r = useRange("this_month");
  const [rep, setRep] = useState<string | null>(manager ? null : staff.me);
  const [d, setD] = useState<Dashboard | null>(null);
  const [error, setError] = useState("");
  const [drill, setDrill] = useState<Drill | null>(null);
  const [today, setToday] = useState<Today | null>(null);
  const toast = useToast();
  const span = r.span;
  const query: DashboardQuery = useMemo(() => ({ from: span.from, to: span.to, rep_id: rep }), [span.from, span.to, rep]);
  const latest = useLatest();
  const latestToday = useLatest();
  const load = useCallback(() => {
    latest(api.dashboard(query), (x) => { setD(x); setError(""); }, (e) => setError(e.message));
  }, [query, latest]);
  useEffect(load, [load, dataVersion]);
  useEffect(() => {
    if (!rep) return;
    const end = now(); end.setHours(23, 59, 59, 999);
    latestToday(api.today(end.toISOString(), rep ? { of: "rep", user: rep } : { of: "mine" }), setToday, () => setToday(null));
  }, [rep, latestToday]);
  const reps = staff.users.filter((u) => u.role === "rep");
  const repName = staff.users.find((u) => u.id === rep)?.name ?? "";
  const open = async (title: string, what: string, extra: { source?: string; stage_id?: string; rep_id?: string | null } = {}) => {
    try {
      const rows = await api.drill({ from: span.from, to: span.to, what, rep_id: extra.rep_id ?? rep, source: extra.source ?? null, stage_id: extra.stage_id ?? null, reason: null, competitor: null });
      setDrill({ title, rows });
    } catch (e) {
      toast((e as { message: string }).message, { kind: "error" });
    }
  };
  const exportAs = async (format: "csv" | "pdf") => {
    try { toast(`Saved ${await api.exportDashboard(query, format)}`); } catch (e) { toast((e as { message: string }).message, { kind: "error" }); }
  };
  const t = tokens();
  const last = d?.same_point_last_month ?? null;
  return (
    <div className="dashboard">
      <RangeFilters r={r} reps={manager ? reps : null} rep={rep} onRep={setRep}>
        <div className="page-actions">
          <button className="btn" onClick={() => void exportAs("csv")}>Export CSV</button>
          <button className="btn" onClick={() => void exportAs("pdf")}>Export PDF</button>
        </div>
      </RangeFilters>
      {error && <p className="field-error" role="alert">{error}</p>}
      {!d ? <p className="muted" aria-busy="true">Computing…</p> : (
        <>
          <section className="kpis" aria-label="Headline numbers">
            <Kpi label="Units sold" value={units(d.sales.units)} onClick={() => void open("Sold in the range", "sold")}
              hint={last ? `${d.sales.units === 0 ? "None yet · " : ""}last month by now: ${units(last.units)}` : undefined} />
            <Kpi label="Revenue" value={formatDollars(d.sales.revenue_cents)} hint={last ? `last month by now: ${formatDollars(last.revenue_cents)}` : undefined} />
            <Kpi label="Front-end gross" value={formatDollars(d.sales.gross_cents)}
              hint={last ? `last month by now: ${formatDollars(last.gross_cents)}` : `${d.sales.gross_known} deals with a known gross`} />
            <Kpi label="Average deal" value={d.sales.avg_deal_cents === null ? "–" : formatDollars(d.sales.avg_deal_cents)} />
            <Kpi label="Win rate" value={pct(d.sales.win_rate)} onClick={() => void open("Lost in the range", "lost")} hint="Click: the lost deals" />
            <Kpi label="Sales cycle" value={d.sales.cycle_median_days === null ? "–" : `${d.sales.cycle_median_days} d`} hint={d.sales.cycle_p75_days === null ? "median" : `median · p75 ${d.sales.cycle_p75_days} d`} />
            <Kpi label="Speed to lead" value={d.speed_to_lead.median_minutes === null ? "–" : `${d.speed_to_lead.median_minutes} min`}
              hint={d.speed_to_lead.leads === 0 ? "No leads yet in this range"
                : d.speed_to_lead.answered === 0 ? `${d.speed_to_lead.leads} waiting, none answered yet`
                : `${pct(d.speed_to_lead.within_goal)} within ${d.speed_to_lead.goal_minutes} min · ${d.speed_to_lead.leads - d.speed_to_lead.answered} unanswered`} />
            <Kpi label="Pipeline coverage" value={d.pipeline.coverage === null ? "–" : `${d.pipeline.coverage.toFixed(1)}×`} hint={`${d.pipeline.going_cold} deals going cold`} onClick={() => void open("Going cold", "cold")} />
          </section>
          {d.goals.length > 0 && (
            <section className="card" aria-label="Goals">
              <h2 className="form-section" style={{ marginTop: 0 }}>Goals for {d.goals[0].goal.month}</h2>
              <div className="goals">
                {d.goals.map((g) => (
                  <div key={g.goal.id} className="goal" data-goal={g.who}>
                    <div className="strong">{g.who}</div>
                    <Progress label="Units" value={g.units} pace={g.units_pace} goal={g.goal.units} fmt={units} judged={g.pace_known} />
                    <Progress label="Gross" value={g.gross_cents} pace={g.gross_pace_cents} goal={g.goal.gross_cents} fmt={formatDollars} judged={g.pace_known} />
                    <Progress label="Activities" value={g.activities} pace={g.activities_pace} goal={g.goal.activities} fmt={(v) => String(Math.round(v))} judged={g.pace_known} />
                  </div>
                ))}
              </div>
            </section>
          )}
          {rep && <CoachingCard rep={rep} dataVersion={dataVersion} title={manager ? `Coaching for ${repName}` : "From your manager"} />}
          {rep && today && (
            <section className="card" aria-label={manager ? `${repName}'s day` : "My day"}>
              <h2 className="form-section" style={{ marginTop: 0 }}>{manager ? `${repName}'s day` : "My day"}</h2>
              <p><strong>{today.overdue_total}</strong> overdue · <strong>{today.due_today.length}</strong> due today · <strong>{today.upcoming.length}</strong> in the next 7 days · <strong>{d.pipeline.open_deals}</strong> open deals worth {formatDollars(d.pipeline.open_value_cents)}</p>
            </section>
          )}
          <div className="charts">
            <section className="card chart" aria-label="Funnel">
              <h2 className="form-section" style={{ marginTop: 0 }}>Funnel</h2>
              <p className="field-hint" data-testid="funnel-cohort">{d.funnel_cohort}</p>
              <Bar data={{ labels: d.funnel.map((f) => f.step), datasets: [{ label: "Leads", data: d.funnel.map((f) => f.count), backgroundColor: t.accent }] }}
                options={{ indexAxis: "y", responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false }, tooltip: { callbacks: { afterLabel: (c) => { const r = d.funnel[c.dataIndex].rate; return r === null ? "" : `${pct(r)} of the step before`; } } } }, scales: { x: { grid: { color: t.grid }, ticks: { color: t.text } }, y: { grid: { display: false }, ticks: { color: t.text } } } }} />
            </section>
            <section className="card chart" aria-label="Pipeline by stage">
              <h2 className="form-section" style={{ marginTop: 0 }}>Pipeline by stage (open, weighted)</h2>
              <Bar data={{ labels: d.pipeline.stages.map((s) => s.name), datasets: [
                { label: "Value", data: d.pipeline.stages.map((s) => s.value_cents / 100), backgroundColor: d.pipeline.stages.map((s) => s.colour) },
                { label: "Weighted", data: d.pipeline.stages.map((s) => s.weighted_cents / 100), backgroundColor: t.grid },
              ] }}
                options={{ responsive: true, maintainAspectRatio: false, onClick: (_, els) => { const s = els[0] && d.pipeline.stages[els[0].index]; if (s) void open(`Open deals in ${s.name}`, "open", { stage_id: s.stage_id }); },
                  plugins: { legend: { labels: { color: t.text } }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${formatDollars(Math.round(Number(c.raw) * 100))}` } } },
                  scales: { x: { ticks: { color: t.text, maxRotation: 45 }, grid: { display: false } }, y: { ticks: { color: t.text, callback: (v) => compactDollars(Number(v)) }, grid: { color: t.grid } } } }} />
            </section>
            <section className="card chart" aria-label="Trends">
              <h2 className="form-section" style={{ marginTop: 0 }}>Twelve months</h2>
              {/* The month under way is only partly counted: labelled "so far" and drawn dashed, so its
                  dip is not read as a collapse. */}
              <Line data={{ labels: d.trends.map((m) => (m.month === monthOf() ? `${m.month} (so far)` : m.month)), datasets: [
                { label: "Units", data: d.trends.map((m) => m.units), borderColor: t.accent, backgroundColor: t.accent, yAxisID: "y", segment: { borderDash: (c) => (c.p1DataIndex === d.trends.findIndex((m) => m.month === monthOf()) ? [6, 4] : undefined) } },
                { label: "Leads", data: d.trends.map((m) => m.leads), borderColor: t.amber, backgroundColor: t.amber, yAxisID: "y1", segment: { borderDash: (c) => (c.p1DataIndex === d.trends.findIndex((m) => m.month === monthOf()) ? [6, 4] : undefined) } },
              ] }}
                options={{ responsive: true, maintainAspectRatio: false, plugins: { legend: { labels: { color: t.text } } },
                  scales: { x: { ticks: { color: t.text }, grid: { display: false } }, y: { position: "left", ticks: { color: t.text }, grid: { color: t.grid } }, y1: { position: "right", ticks: { color: t.text }, grid: { display: false } } } }} />
            </section>
            <section className="card chart" aria-label="Forecast against goal">
              <h2 className="form-section" style={{ marginTop: 0 }}>Forecast (units, 80% range)</h2>
              <Bar data={{ labels: ["This month", "Next month"], datasets: [
                { label: "Expected", data: [d.forecast.this_month.units, d.forecast.next_month.units], backgroundColor: t.accent },
                { label: "Low", data: [d.forecast.this_month.units_low, d.forecast.next_month.units_low], backgroundColor: t.grid },
                { label: "High", data: [d.forecast.this_month.units_high, d.forecast.next_month.units_high], backgroundColor: t.grid },
                ...(d.goals.find((g) => !g.goal.user_id || g.goal.user_id === rep) ? [{ label: "Goal", data: [d.goals.find((g) => !g.goal.user_id || g.goal.user_id === rep)?.goal.units ?? 0, 0], backgroundColor: t.green }] : []),
              ] }}
                options={{ responsive: true, maintainAspectRatio: false, plugins: { legend: { labels: { color: t.text } } }, scales: { x: { ticks: { color: t.text }, grid: { display: false } }, y: { ticks: { color: t.text }, grid: { color: t.grid } } } }} />
              <p className="field-hint">{units(d.forecast.won_so_far)} won so far; {d.forecast.open_deals} open deals weighed, {d.forecast.history_deals} closed deals of the past year learnt from. Revenue this month {formatDollars(d.forecast.this_month.revenue_cents)} ({formatDollars(d.forecast.this_month.revenue_low_cents)}–{formatDollars(d.forecast.this_month.revenue_high_cents)}).</p>
            </section>
          </div>
          {manager && !rep && <ForecastAccuracy dataVersion={dataVersion} />}
          {manager && !rep && (
            <section className="card" aria-label="Leaderboard">
              <h2 className="form-section" style={{ marginTop: 0 }}>Leaderboard</h2>
              <table className="grid leaderboard" aria-label="Leaderboard table">
                <thead><tr><th>Rep</th><th>Units</th><th>Revenue</th><th>Gross</th><th>Leads</th><th>Conversion</th><th>Win rate</th><th>Activities / day</th><th>Speed to lead</th><th>Open</th></tr></thead>
                <tbody>{d.leaderboard.map((r) => (
                  <tr key={r.rep_id} className="row" data-rep={r.name} onClick={() => setRep(r.rep_id)} title={`Open ${r.name}'s dashboard`}>
                    <td className="strong">{r.name}</td><td>{units(r.units)}</td><td>{formatDollars(r.revenue_cents)}</td><td>{formatDollars(r.gross_cents)}</td>
                    <td>{r.leads}</td><td>{pct(r.conversion)}</td><td>{pct(r.win_rate)}</td>
                    <td title={`${r.activities.calls} calls, ${r.activities.emails} emails, ${r.activities.texts} texts, ${r.activities.appointments} appointments, ${r.activities.test_drives} test drives`}>{r.activities_per_day.toFixed(1)}</td>
                    <td>{r.speed_to_lead_minutes === null ? "–" : `${r.speed_to_lead_minutes} min`}</td><td>{r.open_deals}</td>
                  </tr>
                ))}</tbody>
              </table>
            </section>
          )}
          <section className="card" aria-label="Sources">
            <h2 className="form-section" style={{ marginTop: 0 }}>Lead sources</h2>
            <table className="grid" aria-label="Source return">
              <thead><tr><th>Source</th><th>Leads</th><th>Sold leads</th><th>Units</th><th>Revenue</th><th>Gross</th><th>Spend</th><th>Cost per sale</th></tr></thead>
              <tbody>{d.sources.map((s) => (
                <tr key={s.source} className="row" data-source={s.source} onClick={() => void open(`Sold from ${s.source}`, "sold", { source: s.source })}>
                  <td className="strong">{s.source}</td><td>{s.leads}</td><td>{s.sold_leads}</td><td>{units(s.units)}</td><td>{formatDollars(s.revenue_cents)}</td>
                  <td>{formatDollars(s.gross_cents)}</td><td>{s.spend_cents ? formatDollars(s.spend_cents) : "–"}</td><td>{s.cost_per_sale_cents === null ? "–" : formatDollars(s.cost_per_sale_cents)}</td>
                </tr>
              ))}</tbody>
            </table>
          </section>
          <section className="kpis" aria-label="Customers">
            <Kpi label="CSAT" value={d.customers.csat === null ? "–" : d.customers.csat.toFixed(2)} hint={`${d.customers.csat_answers} answers`} />
            <Kpi label="NPS" value={d.customers.nps === null ? "–" : String(d.customers.nps)} hint={`${d.customers.nps_answers} answers`} />
            <Kpi label="Repeat buyers" value={pct(d.customers.repeat_rate)} />
            <Kpi label="Referred buyers" value={pct(d.customers.referral_rate)} />
            <Kpi label="Lifetime value" value={d.customers.lifetime_value_cents === null ? "–" : formatDollars(d.customers.lifetime_value_cents)} />
          </section>
        </>
      )}
      {drill && <DrillPanel drill={drill} onClose={() => setDrill(null)} onOpenCustomer={onOpenCustomer} />}
    </div>
  );
}

/** 2500000 → "$2.5M", 42000 → "$42k". */
function compactDollars(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `$${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `$${Math.round(v / 1e3)}k`;
  return `$${v}`;
}

function Kpi({ label, value, hint, onClick }: { label: string; value: string; hint?: string; onClick?: () => void }) {
  const body = (
    <>
      <span className="kpi-label">{label}</span>
      <span className="kpi-value">{value}</span>
      {hint && <span className="kpi-hint">{hint}</span>}
    </>
  );
  return onClick
    ? <button className="kpi clickable" onClick={onClick} data-kpi={label}>{body}</button>
    : <div className="kpi" data-kpi={label}>{body}</div>;
}

function Progress({ label, value, pace, goal, fmt, judged }: { label: string; value: number; pace: number; goal: number; fmt: (v: number) => string; judged: boolean }) {
  const share = goal > 0 ? Math.min(1, value / goal) : 0;
  const paceShare = goal > 0 ? Math.min(1, pace / goal) : 0;
  const onTrack = goal === 0 || pace >= goal;
  if (!judged) {
    // The first days of a month: a single sale swings the pace, so it is not judged yet.
    return (
      <div className="progress-row">
        <div className="progress-label"><span>{label}</span><span>{fmt(value)} of {fmt(goal)}</span></div>
        <div className="progress goal" role="progressbar" aria-label={`${label}: ${fmt(value)} of ${fmt(goal)}`} aria-valuemin={0} aria-valuemax={goal} aria-valuenow={value}>
          <div style={{ width: `${share * 100}%` }} />
        </div>
        <div className="field-hint">Too early in the month to judge the pace</div>
      </div>
    );
  }
  return (
    <div className="progress-row">
      <div className="progress-label"><span>{label}</span><span>{fmt(value)} of {fmt(goal)}</span></div>
      <div className={`progress goal ${onTrack ? "ok" : "behind"}`} role="progressbar" aria-label={`${label}: ${fmt(value)} of ${fmt(goal)}`}
        aria-valuemin={0} aria-valuemax={goal} aria-valuenow={value}>
        <div style={{ width: `${share * 100}%` }} />
        <span className="pace" style={{ left: `${paceShare * 100}%` }} title={`At this pace: ${fmt(pace)}`} />
      </div>
      <div className="field-hint">At this pace {fmt(pace)} {onTrack ? "· on track" : "· behind"}</div>
    </div>
  );
}

/** How far to trust the forecast: the backtest (the forecast replayed at the start of each of the
 *  last twelve months with only what was known then, against what sold) and, once months close,
 *  the stored forecasts' own record. */
function ForecastAccuracy({ dataVersion }: { dataVersion: number }) {
  const [bt, setBt] = useState<AccuracyReport | null>(null);
  const [stored, setStored] = useState<AccuracyReport | null>(null);
  useEffect(() => {
    api.forecastBacktest(12).then(setBt).catch(() => setBt(null));
    api.forecastAccuracy().then(setStored).catch(() => setStored(null));
  }, [dataVersion]);
  if (!bt) return null;
  const off = (m: AccuracyReport["months"][number]) => (m.ape === null ? "–" : pct(m.ape));
  return (
    <section className="card" aria-label="Forecast accuracy">
      <h2 className="form-section" style={{ marginTop: 0 }}>Forecast accuracy</h2>
      <p data-testid="backtest-mape">
        {bt.mape === null
          ? "Not enough history yet: the forecast is judged once a month with sales has closed."
          : <>Replayed at the start of each of the last {bt.months.length} months with only what was known then, it was off by <strong>{pct(bt.mape, 1)}</strong> on average (MAPE).</>}
        {stored && stored.mape !== null && <> Forecasts stored on this laptop: off by {pct(stored.mape, 1)} over {stored.months.length} closed months.</>}
      </p>
      <table className="grid" aria-label="Backtest by month">
        <thead><tr><th>Month</th><th>Forecast</th><th>Sold</th><th>Off by</th></tr></thead>
        <tbody>{bt.months.map((m) => (
          <tr key={m.month}><td>{m.month}</td><td>{units(m.forecast_units)}</td><td>{units(m.actual_units)}</td><td>{off(m)}</td></tr>
        ))}</tbody>
      </table>
    </section>
  );
}
