// The side panel for one customer: header card, tabs (Timeline, Deals, Tasks, Leads, Profile),
// and the edit form in place.
import { useCallback, useEffect, useRef, useState } from "react";
import { LogContactForm, NewDealForm, NewTaskForm, Relationships, TestDriveForm } from "./PanelForms";
import { MessageDialog, MessageLine } from "./MessageDialog";
import type { Customer, CustomerDetail, Interaction, OutgoingMessage, SearchHit, Staff, Vehicle, VehicleMatch } from "../bindings";
import { api } from "../api";
import { Icon, type IconName } from "../components/Icon";
import { useToast } from "../components/Toasts";
import { formatCents, formatPhone, fullName, groupByDay, shortDate, timeOfDay } from "../lib/format";
import { isTyping, useKeyLayer } from "../lib/keys";
import { CustomerForm } from "./CustomerForm";
import { DealCredit } from "./DealCredit";

type Tab = "timeline" | "deals" | "tasks" | "leads" | "matches" | "profile";
const CHANNEL_ICON: Record<Interaction["channel"], IconName> = {
  call: "phone", email: "mail", sms: "chat", visit: "pin", chat: "chat", event: "pin", note: "note", test_drive: "car", quote: "quotes",
};

type Props = {
  id: string; onClose: () => void; onSaved: (c: Customer) => void;
  onQuote: (customer: SearchHit, vehicle: Vehicle | null) => void;
  dataVersion?: number;
};

type Entry = { kind: "interaction"; at: string; i: Interaction } | { kind: "message"; at: string; m: OutgoingMessage };

/** Interactions and outgoing messages, newest first: one timeline. */
function timeline(d: CustomerDetail): Entry[] {
  const out: Entry[] = [
    ...d.interactions.map((i): Entry => ({ kind: "interaction", at: i.occurred_at, i })),
    ...d.messages.map((m): Entry => ({ kind: "message", at: m.sent_at ?? m.queued_at, m })),
  ];
  return out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

const hitOf = (c: Customer): SearchHit => ({
  kind: "customer", id: c.id, title: fullName(c), subtitle: c.email ?? formatPhone(c.phone), customer_id: c.id,
});

export function CustomerPanel({ id, onClose, onSaved, onQuote, dataVersion = 0 }: Props) {
  const [detail, setDetail] = useState<CustomerDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [tab, setTab] = useState<Tab>("timeline");
  const [matches, setMatches] = useState<VehicleMatch[] | null>(null);
  const [adding, setAdding] = useState<"contact" | "task" | "deal" | "drive" | null>(null);
  const [fromLead, setFromLead] = useState<{ id: string; interest: string } | null>(null);
  const [messaging, setMessaging] = useState(false);
  const [staff, setStaff] = useState<Staff | null>(null);
  useEffect(() => { api.staff().then(setStaff).catch(() => {}); }, []);
  const reload = useCallback(() => { api.customerDetail(id).then(setDetail).catch(() => {}); }, [id]);
  useEffect(() => {
    if (tab !== "matches") return;
    setMatches(null);
    api.vehicleMatches(id).then(setMatches).catch(() => setMatches([]));
  }, [tab, id]);
  const toast = useToast();

  useEffect(() => {
    let live = true;
    setDetail(null);
    setEditing(false);
    setError(null);
    api.customerDetail(id).then((d) => live && setDetail(d)).catch((e) => live && setError(e.message));
    return () => { live = false; };
  }, [id]);
  // Data arrived from other devices: reload in place unless the rep is editing.
  const seenVersion = useRef(dataVersion);
  useEffect(() => {
    if (dataVersion === seenVersion.current || editing) return;
    seenVersion.current = dataVersion;
    api.customerDetail(id).then(setDetail).catch(() => {});
  }, [dataVersion, editing, id]);

  useKeyLayer((e) => {
    if (isTyping(e)) return false;
    if (e.key === "Escape") { onClose(); return true; }
    if (e.key === "e" || e.key === "E") { e.preventDefault(); setEditing(true); return true; }
    return false;
  }, !editing);

  if (error) return <aside className="panel" aria-label="Customer"><div className="panel-body"><div className="banner" role="alert">{error}</div></div></aside>;
  if (!detail) return <aside className="panel" aria-label="Customer" aria-busy="true"><div className="panel-header"><span className="skeleton" /></div></aside>;
  const c = detail.customer;
  const openDeals = detail.opportunities.filter((o) => o.status === "open");

  return (
    <aside className="panel" aria-label={`Customer ${fullName(c)}`}>
      <div className="panel-header">
        <div className="panel-identity">
          <h2 className="panel-title" data-testid="customer-name">{fullName(c)}</h2>
          <div className="panel-sub">
            {c.phone && <span><Icon name="phone" size={14} /> {formatPhone(c.phone)}</span>}
            {c.email && <span><Icon name="mail" size={14} /> {c.email}</span>}
            {c.city && <span><Icon name="pin" size={14} /> {c.city}{c.region && `, ${c.region}`}</span>}
          </div>
          <div className="panel-sub" aria-label="Contact consent">
            {(["email", "sms", "phone"] as const).map((k) => (
              <span key={k} className={`chip ${c.consent[k] ? "on" : "off"}`}>
                {c.consent[k] ? "✓" : "✕"} {k === "sms" ? "Texts" : k === "email" ? "Email" : "Calls"}
              </span>
            ))}
          </div>
        </div>
        <div className="panel-actions">
          {!editing && <button className="btn" onClick={() => setMessaging(true)}><Icon name="mail" size={16} /> Message</button>}
          {!editing && <button className="btn" onClick={() => onQuote(hitOf(c), null)}><Icon name="quotes" size={16} /> Quote</button>}
          {!editing && <button className="btn" onClick={() => setEditing(true)}><Icon name="edit" size={16} /> Edit <span className="kbd">E</span></button>}
          <button className="btn ghost" onClick={onClose} aria-label="Close panel"><Icon name="close" /></button>
        </div>
      </div>
      {editing ? (
        <CustomerForm initial={c} onCancel={() => setEditing(false)} onSaved={(saved) => {
          setDetail({ ...detail, customer: saved });
          setEditing(false);
          onSaved(saved);
          toast(`Saved ${fullName(saved)}`);
        }} />
      ) : (
        <>
          {detail.next_step && <div className="next-step" role="note" data-testid="next-step"><Icon name="today" size={16} /> {detail.next_step}</div>}
          <div className="tabs" role="tablist">
            {([["timeline", `Timeline (${detail.interaction_count + detail.messages.length})`], ["deals", `Deals (${openDeals.length})`],
              ["tasks", `Tasks (${detail.activities.filter((a) => !a.done_at).length})`], ["leads", `Leads (${detail.leads.length})`], ["matches", "Vehicles"], ["profile", "Profile"]] as [Tab, string][])
              .map(([t, label]) => (
                <button key={t} role="tab" className="tab" aria-selected={tab === t} onClick={() => setTab(t)}>{label}</button>
              ))}
          </div>
          <div className="panel-body" role="tabpanel">
            {tab === "timeline" && (adding === "contact"
              ? <LogContactForm customer={c} onCancel={() => setAdding(null)} onDone={() => { setAdding(null); reload(); }} />
              : <div className="tab-actions"><button className="btn small" onClick={() => setAdding("contact")}>Log contact</button></div>)}
            {tab === "deals" && (adding === "deal"
              ? <NewDealForm customer={c} lead={fromLead} onCancel={() => { setAdding(null); setFromLead(null); }} onDone={() => { setAdding(null); setFromLead(null); reload(); }} />
              : <div className="tab-actions"><button className="btn small" onClick={() => setAdding("deal")}>New deal</button></div>)}
            {tab === "tasks" && (adding === "task"
              ? <NewTaskForm customer={c} deals={openDeals} onCancel={() => setAdding(null)} onDone={() => { setAdding(null); reload(); }} />
              : adding === "drive"
              ? <TestDriveForm customer={c} onCancel={() => setAdding(null)} onDone={() => { setAdding(null); reload(); }} />
              : <div className="tab-actions">
                  <button className="btn small" onClick={() => setAdding("drive")}>Book test drive</button>
                  <button className="btn small" onClick={() => setAdding("task")}>New task</button>
                </div>)}
            {tab === "timeline" && (detail.interactions.length === 0 && detail.messages.length === 0 ? (
              <p className="muted">No interactions yet. Calls, texts, visits and test drives will appear here, newest first.</p>
            ) : groupByDay(timeline(detail), (e) => e.at).map(([day, items]) => (
              <section key={day}>
                <div className="timeline-day">{day}</div>
                {items.map((e) => e.kind === "message" ? (
                  <div key={e.m.id} className="timeline-item" data-testid="timeline-message">
                    <span className="icon"><Icon name={e.m.channel === "email" ? "mail" : "chat"} size={16} /></span>
                    <MessageLine m={e.m} onChanged={reload} />
                    <span className="muted">{timeOfDay(e.at)}</span>
                  </div>
                ) : (
                  <div key={e.i.id} className="timeline-item">
                    <span className="icon"><Icon name={CHANNEL_ICON[e.i.channel]} size={16} /></span>
                    <span>{e.i.summary}{e.i.duration_s ? <span className="muted"> · {Math.round(e.i.duration_s / 60)} min</span> : null}
                      {(() => { const by = detail.authors.find(([u]) => u === e.i.author_id)?.[1]; return by ? <span className="muted"> · {by}</span> : null; })()}</span>
                    <span className="muted">{timeOfDay(e.at)}</span>
                  </div>
                ))}
              </section>
            )))}
            {tab === "deals" && (detail.quotes.length > 0 || detail.orders.length > 0) && (
              <div className="deal-docs">
                {detail.orders.map((o) => (
                  <div key={o.id} className="list-item"><span><span className="strong">Order {o.number}</span><br /><span className="muted">{o.status}{o.delivery_date ? ` · delivery ${shortDate(o.delivery_date)}` : ""}</span></span>
                    <span>{formatCents(o.deposit_cents)} deposit</span></div>
                ))}
                {detail.quotes.map((q) => (
                  <div key={q.id} className="list-item"><span><span className="strong">Quote {q.number}</span><br /><span className="muted">{q.status} · valid until {shortDate(q.valid_until)}</span></span></div>
                ))}
              </div>
            )}
            {tab === "deals" && (detail.opportunities.length === 0 ? <p className="muted">No deals yet.</p> : detail.opportunities.map((o) => (
              <div key={o.id} className="list-item deal-item" data-deal={o.title}>
                <span><span className="strong">{o.title}</span>{(() => { const st = detail.stages.find(([oid]) => oid === o.id)?.[1]; return st ? <span className="stage-pill">{st}</span> : null; })()}<br /><span className="muted">{o.status === "lost" ? `Lost: ${o.lost_reason}${o.competitor ? ` (${o.competitor})` : ""}` : o.status === "won" ? `Won ${shortDate(o.closed_at)}` : `Expected ${shortDate(o.expected_close)}`}</span></span>
                <span className="strong">{formatCents(o.amount_cents)}</span>
                {o.status === "won" && <DealCredit deal={o} staff={staff} onChanged={reload} />}
              </div>
            )))}
            {tab === "tasks" && (detail.activities.length === 0 ? <p className="muted">No tasks.</p> : detail.activities.map((a) => (
              <div key={a.id} className="list-item">
                <span>{a.done_at ? <s className="muted">{a.subject}</s> : a.subject}</span>
                <span className="muted">{a.done_at ? `Done · ${a.outcome}` : `Due ${shortDate(a.due_at)}`}</span>
              </div>
            )))}
            {tab === "leads" && (detail.leads.length === 0 ? <p className="muted">No leads.</p> : detail.leads.map((l) => (
              <div key={l.id} className="list-item">
                <span><span className="strong">{l.vehicle_interest || "General enquiry"}</span><br /><span className="muted">{l.source} · {l.channel.replace("_", " ")}</span></span>
                <span className="muted">{shortDate(l.received_at)} · {l.status}
                  {!detail.opportunities.some((o) => o.lead_id === l.id) && (
                    <button className="btn small" style={{ marginLeft: 8 }} onClick={() => { setFromLead({ id: l.id, interest: l.vehicle_interest }); setAdding("deal"); setTab("deals"); }}>Open deal</button>
                  )}</span>
              </div>
            )))}
            {tab === "matches" && (matches === null ? <p className="muted">Matching the lot against their preferences…</p>
              : matches.length === 0 ? <p className="muted">No vehicle in stock fits their preferences yet. Add makes, body types or a budget in the profile.</p>
              : matches.map((m) => (
                <div key={m.vehicle.id} className="match">
                  <div style={{ display: "flex", justifyContent: "space-between", gap: 8 }}>
                    <span><span className="strong">{m.vehicle.year} {m.vehicle.make} {m.vehicle.model} {m.vehicle.trim}</span> <span className="muted">· {m.vehicle.stock_no} · {formatCents(m.vehicle.price_cents)}</span></span>
                    <span className="score" title="Match score">{m.score}</span>
                  </div>
                  <ul>{m.reasons.map((r) => <li key={r}>{r}</li>)}</ul>
                  <button className="btn ghost" onClick={() => onQuote(hitOf(c), m.vehicle)}>Quote this vehicle</button>
                </div>
              )))}
            {tab === "profile" && (
              <dl className="settings" style={{ padding: 0 }}>
                <dl>
                  <dt>Address</dt><dd>{[c.street, c.city, c.region, c.postal_code].filter(Boolean).join(", ") || "—"}</dd>
                  <dt>Language</dt><dd>{c.language}</dd>
                  <dt>Date of birth</dt><dd>{c.birth_date ?? "—"}</dd>
                  <dt>Interested in</dt><dd>{[...c.preferences.makes, ...c.preferences.body_types].join(", ") || "—"}</dd>
                  <dt>Budget</dt><dd>{c.preferences.budget_max_cents ? `up to ${formatCents(c.preferences.budget_max_cents)}` : "—"}</dd>
                  <dt>Must-haves</dt><dd>{c.preferences.must_haves.join(", ") || "—"}</dd>
                  <dt>Notes</dt><dd>{c.notes || "—"}</dd>
                  <dt>Customer since</dt><dd>{shortDate(c.created_at)}</dd>
                </dl>
                <Relationships customer={c} onChanged={reload} />
              </dl>
            )}
          </div>
        </>
      )}
      {messaging && <MessageDialog customerId={c.id} onClose={() => setMessaging(false)} onSent={() => { setTab("timeline"); reload(); }} />}
    </aside>
  );
}
