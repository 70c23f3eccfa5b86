// Leads: the inbox (uncontacted first, each with its speed-to-lead clock; filters; bulk assign;
// one-click convert into customer + deal), the showroom floor (traffic log and up rotation),
// possible duplicates with a field-by-field merge, lead file import, and event mode.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Channel, Inbox, InboxFilter, InboxItem, LeadAssignment, Staff } from "../bindings";
import { api } from "../api";
import { useToast } from "../components/Toasts";
import { rowHeight, useVirtualList, VirtualRows } from "../components/VirtualRows";
import { CHANNELS, channelLabel, minutesSince, scoreTone, waited } from "../lib/leads";
import { formatPhone, shortDate, timeOfDay } from "../lib/format";
import { FloorTab } from "./FloorTab";
import { DuplicatesTab } from "./DuplicatesTab";
import { ImportTab } from "./ImportTab";
import { EventMode } from "./EventMode";
import { now as clockNow } from "../lib/clock";

type Tab = "inbox" | "floor" | "duplicates" | "import";
const TABS: [Tab, string][] = [["inbox", "Inbox"], ["floor", "Showroom floor"], ["duplicates", "Possible duplicates"], ["import", "Import"]];

export function LeadsPage({ onOpenCustomer, onQuickAdd, dataVersion = 0 }: {
  onOpenCustomer: (id: string) => void; onQuickAdd: (trafficId?: string, name?: string) => void; dataVersion?: number;
}) {
  const [tab, setTab] = useState<Tab>("inbox");
  const [eventMode, setEventMode] = useState(false);
  const [staff, setStaff] = useState<Staff | null>(null);
  useEffect(() => { api.staff().then(setStaff).catch(() => {}); }, [dataVersion]);
  if (eventMode) return <EventMode onExit={() => setEventMode(false)} />;
  return (
    <>
      <header className="page-header">
        <h1 className="page-title">Leads</h1>
        <div className="page-actions">
          <button className="btn" onClick={() => setEventMode(true)}>Event mode</button>
          <button className="btn primary" onClick={() => onQuickAdd()}>Quick add <span className="kbd">Alt+N</span></button>
        </div>
      </header>
      <div className="tabs page-tabs" role="tablist" aria-label="Lead views">
        {TABS.map(([id, label]) => (
          <button key={id} role="tab" className="tab" aria-selected={tab === id} onClick={() => setTab(id)}>{label}</button>
        ))}
      </div>
      <div className="leads-body">
        {tab === "inbox" && <InboxTab staff={staff} onOpenCustomer={onOpenCustomer} dataVersion={dataVersion} />}
        {tab === "floor" && <FloorTab staff={staff} onCapture={(id, name) => onQuickAdd(id, name)} dataVersion={dataVersion} />}
        {tab === "duplicates" && <DuplicatesTab onOpenCustomer={onOpenCustomer} />}
        {tab === "import" && <ImportTab onDone={() => setTab("inbox")} />}
      </div>
    </>
  );
}

const blankFilter: InboxFilter = { status: "open", channel: null, assignee_id: null, unassigned: false, event_id: null, search: "", min_score: null };

function InboxTab({ staff, onOpenCustomer, dataVersion }: { staff: Staff | null; onOpenCustomer: (id: string) => void; dataVersion: number }) {
  const [filter, setFilter] = useState<InboxFilter>(blankFilter);
  const [inbox, setInbox] = useState<Inbox | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const [rep, setRep] = useState("");
  const [open, setOpen] = useState<InboxItem | null>(null);
  const [now, setNow] = useState(clockNow());
  const toast = useToast();
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualList(inbox?.items.length ?? 0, scroller, rowHeight());
  const load = useCallback(() => {
    api.leadInbox(filter).then((i) => { setInbox(i); setPicked((p) => p.filter((id) => i.items.some((x) => x.lead.id === id))); })
      .catch((e) => toast(e.message, { kind: "error" }));
  }, [filter, toast]);
  useEffect(load, [load, dataVersion]);
  // The speed-to-lead clocks tick.
  useEffect(() => { const t = setInterval(() => setNow(clockNow()), 1000); return () => clearInterval(t); }, []);
  const reps = useMemo(() => (staff?.users ?? []).filter((u) => u.role === "rep"), [staff]);
  const set = (patch: Partial<InboxFilter>) => setFilter((f) => ({ ...f, ...patch }));

  const convert = async (item: InboxItem) => {
    try {
      const c = await api.convertLead(item.lead.id, null);
      toast(`${c.customer.first_name} ${c.customer.last_name}: ${c.new_customer ? "new customer" : "linked to the existing customer"}, deal opened`);
      load();
      onOpenCustomer(c.customer.id);
    } catch (e) {
      toast((e as { message: string }).message, { kind: "error" });
    }
  };
  const assign = async () => {
    if (!rep || !picked.length) return;
    try {
      const n = await api.assignLeads(picked, rep, "");
      toast(`${n} lead${n === 1 ? "" : "s"} assigned`);
      setPicked([]);
      load();
    } catch (e) {
      toast((e as { message: string }).message, { kind: "error" });
    }
  };
  const route = async () => {
    try {
      const r = await api.routeLeads();
      const done = r.filter((x) => x.rep_id).length;
      toast(r.length ? `${done} of ${r.length} routed${done < r.length ? `; ${r.find((x) => !x.rep_id)?.reason}` : ""}` : "Nothing to route");
      load();
    } catch (e) {
      toast((e as { message: string }).message, { kind: "error" });
    }
  };

  return (
    <div className="inbox">
      <div className="filters inbox-filters" role="search">
        <label className="filter">Show
          <select className="input" name="status" value={filter.status} onChange={(e) => set({ status: e.target.value })}>
            <option value="open">Open</option><option value="uncontacted">Not contacted yet</option><option value="converted">Converted</option>
            <option value="lost">Lost</option><option value="all">All</option>
          </select>
        </label>
        <label className="filter">Channel
          <select className="input" name="channel" value={filter.channel ?? ""} onChange={(e) => set({ channel: (e.target.value || null) as Channel | null })}>
            <option value="">Any</option>
            {CHANNELS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
          </select>
        </label>
        <label className="filter">Rep
          <select className="input" name="assignee" value={filter.unassigned ? "none" : filter.assignee_id ?? ""}
            onChange={(e) => set(e.target.value === "none" ? { unassigned: true, assignee_id: null } : { unassigned: false, assignee_id: e.target.value || null })}>
            <option value="">Anyone</option><option value="none">Unassigned</option>
            {reps.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
          </select>
        </label>
        <label className="filter">Search
          <input className="input" name="search" value={filter.search} onChange={(e) => set({ search: e.target.value })} placeholder="Name, phone, vehicle" />
        </label>
        <div className="inbox-stats" aria-live="polite">
          {inbox && <>
            <span><strong>{inbox.uncontacted}</strong> waiting</span>
            <span>Median first response <strong>{inbox.median_response_minutes === null ? "–" : waited(inbox.median_response_minutes)}</strong></span>
            <span className="muted">Goal {inbox.response_deadline_minutes} min</span>
          </>}
        </div>
        <button className="btn" onClick={() => void route()}>Route now</button>
      </div>
      {picked.length > 0 && (
        <div className="bulk-bar" role="region" aria-label="Bulk actions">
          <span>{picked.length} selected</span>
          <select className="input compact-select" aria-label="Assign to" value={rep} onChange={(e) => setRep(e.target.value)}>
            <option value="">Assign to…</option>
            {reps.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
          </select>
          <button className="btn primary small" disabled={!rep} onClick={() => void assign()}>Assign</button>
          <button className="btn ghost small" onClick={() => setPicked([])}>Clear</button>
        </div>
      )}
      <div className="table-wrap" ref={scroller}>
        <table className="grid leads" aria-label="Lead inbox">
          <thead><tr>
            <th><input type="checkbox" aria-label="Select all" checked={!!inbox?.items.length && picked.length === inbox.items.length}
              onChange={(e) => setPicked(e.target.checked ? inbox?.items.map((i) => i.lead.id) ?? [] : [])} /></th>
            <th>Waiting</th><th>Lead</th><th>Interest</th><th>Channel</th><th>Score</th><th>Rep</th><th />
          </tr></thead>
          <tbody>
            <VirtualRows items={inbox?.items ?? []} list={rows} columns={8} row={(it, i, measure) => {
              const live = !it.responded;
              const mins = live ? minutesSince(it.lead.received_at, now) : it.response_minutes;
              const secs = live ? (now.getTime() - new Date(it.lead.received_at).getTime()) / 1000 : 0;
              return (
                <tr key={it.lead.id} ref={measure} data-index={i} className="row" data-lead={`${it.lead.first_name} ${it.lead.last_name}`} aria-selected={open?.lead.id === it.lead.id}
                  onClick={() => setOpen(it)}>
                  <td onClick={(e) => e.stopPropagation()}>
                    <input type="checkbox" aria-label={`Select ${it.lead.first_name} ${it.lead.last_name}`} checked={picked.includes(it.lead.id)}
                      onChange={(e) => setPicked((p) => (e.target.checked ? [...p, it.lead.id] : p.filter((x) => x !== it.lead.id)))} />
                  </td>
                  <td><span className={`timer ${live ? (it.overdue ? "late" : "live") : "done"}`}
                    title={`Received ${shortDate(it.lead.received_at)} ${timeOfDay(it.lead.received_at)}`}>
                    {live ? waited(mins, secs) : <span aria-label={`answered in ${waited(mins)}`}>✓ {waited(mins)}</span>}</span></td>
                  <td className="strong">{it.lead.first_name} {it.lead.last_name}</td>
                  <td>{it.lead.vehicle_interest || <span className="muted">—</span>}</td>
                  <td>{channelLabel(it.lead.channel)}{it.lead.source && <span className="muted"> · {it.lead.source}</span>}</td>
                  <td><span className={`score ${scoreTone(it.lead.score)}`} title={it.lead.score_reasons.map((r) => `${r.why}: +${r.points}`).join("\n")}>{it.lead.score}</span></td>
                  <td>{it.assignee || <span className="muted">Unassigned</span>}</td>
                  <td onClick={(e) => e.stopPropagation()}>
                    {it.lead.status !== "converted" && <button className="btn small" onClick={() => void convert(it)}>Convert</button>}
                  </td>
                </tr>
              );
            }} />
          </tbody>
        </table>
        {inbox && inbox.items.length === 0 && <p className="empty muted">No leads match. Quick add one, import a file, or change the filters.</p>}
      </div>
      {open && <LeadDetail item={open} onClose={() => setOpen(null)} onConvert={() => void convert(open)} onOpenCustomer={onOpenCustomer} />}
    </div>
  );
}

/** What reading the lead from its feed repaired or could not read (an unreadable phone first),
 *  and the record exactly as the provider sent it. */
function IntakeNotes({ lead }: { lead: InboxItem["lead"] }) {
  if (lead.intake_warnings.length === 0 && !lead.original) return null;
  const flagged = [...lead.intake_warnings].sort((a, b) => Number(b.field === "phone") - Number(a.field === "phone"));
  return (
    <section aria-label="As received">
      {flagged.length > 0 && (
        <>
          <h3 className="form-section">Check when you call</h3>
          <ul className="reasons intake-warnings" aria-label="Read with repairs">
            {flagged.map((w, i) => (
              <li key={i} className={w.field === "phone" ? "warn" : undefined}>
                <span>{w.field === "phone" ? `Phone ${w.message}` : w.message}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {lead.original && (
        <details className="original-record">
          <summary>Original record as received</summary>
          <pre>{lead.original}</pre>
        </details>
      )}
    </section>
  );
}

function LeadDetail({ item, onClose, onConvert, onOpenCustomer }: { item: InboxItem; onClose: () => void; onConvert: () => void; onOpenCustomer: (id: string) => void }) {
  const [log, setLog] = useState<LeadAssignment[]>([]);
  const [staff, setStaff] = useState<Staff | null>(null);
  useEffect(() => { api.leadAssignments(item.lead.id).then(setLog).catch(() => setLog([])); api.staff().then(setStaff).catch(() => {}); }, [item.lead.id]);
  const l = item.lead;
  const name = (id: string | null) => staff?.users.find((u) => u.id === id)?.name ?? "Routing";
  return (
    <aside className="lead-detail card" aria-label={`Lead ${l.first_name} ${l.last_name}`}>
      <div className="row-actions" style={{ justifyContent: "space-between" }}>
        <h2 className="panel-title">{l.first_name} {l.last_name}</h2>
        <button className="btn ghost small" aria-label="Close lead" onClick={onClose}>✕</button>
      </div>
      <p className="muted">{[formatPhone(l.phone), l.email].filter(Boolean).join(" · ") || "No contact"} · {channelLabel(l.channel)}{l.source ? ` · ${l.source}` : ""}</p>
      {l.notes && <p className="notes">{l.notes}</p>}
      <IntakeNotes lead={l} />
      <h3 className="form-section">Score {l.score} / 100</h3>
      <ul className="reasons" aria-label="Why this score">
        {l.score_reasons.map((r) => <li key={r.signal}><span>{r.why}</span><strong>+{r.points}</strong></li>)}
      </ul>
      <h3 className="form-section">Assignments</h3>
      {log.length === 0 ? (
        // No logged assignment (an imported or synced lead can carry its rep without one): say who has it.
        <p className="muted">{l.assignee_id ? `Assigned to ${staff?.users.find((u) => u.id === l.assignee_id)?.name ?? "a rep no longer on staff"}.` : "Not assigned yet."}</p>
      ) : (
        <ul className="reasons" aria-label="Assignment log">
          {log.map((a) => <li key={a.id}><span>{shortDate(a.at)} {timeOfDay(a.at)} · {a.reason}</span><span className="muted">{name(a.by_id)}</span></li>)}
        </ul>
      )}
      {l.cadence && <p className="muted">Cadence: {l.cadence}{l.cadence_stopped ? ` (stopped: ${l.cadence_stopped.replace("_", " ")})` : ""}</p>}
      <div className="row-actions">
        {l.customer_id && <button className="btn" onClick={() => onOpenCustomer(l.customer_id as string)}>Open customer</button>}
        {l.status !== "converted" && <button className="btn primary" onClick={onConvert}>Convert to customer + deal</button>}
      </div>
    </aside>
  );
}

