// Quotes: the deal desk and the list of saved quotes side by side as two views. The list filters
// by status, rep and text; a quote opens in a panel with its versions and what can happen next:
// reopen it on the desk (a change makes a new version), print its PDF, decline it with a reason,
// copy it to another vehicle, and, once accepted, its sales order's life: F&I products, funded,
// delivered (the vehicle is sold and the deal won) or cancelled (the hold is released). Every rule
// is the core's; this screen shows what the core answers.
import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiError, OrderStatus, ProductDraft, QuoteDetail, QuoteFilter, QuoteRow, QuoteStatus, SearchHit, Staff, Vehicle } from "../bindings";
import { api } from "../api";
import { Field, MoneyInput } from "../components/Field";
import { Icon } from "../components/Icon";
import { useToast } from "../components/Toasts";
import { rowHeight, useVirtualList, VirtualRows } from "../components/VirtualRows";
import { centsText, formatCents, groupMoneyInput, shortDate } from "../lib/format";
import { locale, spell } from "../lib/locale";
import { DeskPage, type Reopen } from "./DeskPage";
import { useLatest } from "../lib/latest";
import { MessageDialog } from "../customers/MessageDialog";
import { QuoteShareSection } from "./QuoteShare";

type View = "desk" | "list";

/** The core's money text ("27495.00") as shown: "$27,495.00". */
const moneyText = (m: string) => `$${groupMoneyInput(m, 0).text}`;

export const QUOTE_STATUS: Record<QuoteStatus, string> = {
  draft: "Draft", presented: "Presented", accepted: "Accepted", declined: "Declined", expired: "Expired",
};
export const ORDER_STATUS: Record<OrderStatus, string> = {
  open: "Order open", funded: "Funded", delivered: "Delivered", cancelled: "Order cancelled",
};

export function QuotesPage({ seed, dataVersion = 0 }: {
  seed: { key: number; vehicle: Vehicle | null; customer: SearchHit | null };
  dataVersion?: number;
}) {
  const [view, setView] = useState<View>("desk");
  const [reopen, setReopen] = useState<{ key: number; at: Reopen | null }>({ key: 0, at: null });
  // A new seed (Quote from a vehicle or a customer) opens the desk on it.
  useEffect(() => {
    if (seed.key === 0) return;
    setView("desk");
    // A reopened quote gives way to the seed (the desk's key then changes once, not twice).
    setReopen((r) => (r.at ? { key: r.key + 1, at: null } : r));
  }, [seed.key]);
  const switcher = (
    <div className="segmented" role="group" aria-label="Quotes view">
      <button aria-pressed={view === "desk"} onClick={() => setView("desk")}>Desk</button>
      <button aria-pressed={view === "list"} onClick={() => setView("list")}>Saved quotes</button>
    </div>
  );
  return (
    <>
      <div className="view-switch">{switcher}</div>
      {view === "desk" ? (
        <DeskPage key={`${seed.key}-${reopen.key}`} initialVehicle={reopen.at ? null : seed.vehicle}
          initialCustomer={reopen.at ? null : seed.customer} reopen={reopen.at} />
      ) : (
        <QuoteList dataVersion={dataVersion} onReopen={(at) => { setReopen((r) => ({ key: r.key + 1, at })); setView("desk"); }} />
      )}
    </>
  );
}

function QuoteList({ onReopen, dataVersion }: { onReopen: (r: Reopen) => void; dataVersion: number }) {
  const [filter, setFilter] = useState<QuoteFilter>({ status: null, owner_id: null, text: "" });
  const [rows, setRows] = useState<QuoteRow[] | null>(null);
  const [staff, setStaff] = useState<Staff | null>(null);
  const [open, setOpen] = useState<QuoteRow | null>(null);
  const toast = useToast();
  const scroller = useRef<HTMLDivElement>(null);
  const list = useVirtualList(rows?.length ?? 0, scroller, rowHeight());
  // Only the answer to the latest filter is drawn: an earlier, slower answer (the unfiltered list
  // asked for on opening) must not replace the rows of the search typed since.
  const latest = useLatest();
  const load = useCallback(() => {
    latest(api.quotes(filter), setRows, (e) => toast(e.message, { kind: "error" }));
  }, [filter, toast, latest]);
  useEffect(() => { const t = setTimeout(load, 60); return () => clearTimeout(t); }, [load, dataVersion]);
  useEffect(() => { api.staff().then(setStaff).catch(() => {}); }, []);
  const reps = staff?.users.filter((u) => u.active) ?? [];

  return (
    <>
      <header className="page-header">
        <h1 className="page-title">Saved quotes</h1>
        <span className="page-count">{rows ? `${rows.length.toLocaleString(locale())}${rows.length === 500 ? "+" : ""} ${rows.length === 1 ? "quote" : "quotes"}` : "Loading…"}</span>
      </header>
      <div className="pipeline-filters" role="group" aria-label="Filters">
        <div className="search">
          <Icon name="search" size={16} />
          <input className="input" type="search" placeholder="Customer, quote number, vehicle or stock…" aria-label="Search quotes"
            value={filter.text} onChange={(e) => setFilter((f) => ({ ...f, text: e.target.value }))} />
        </div>
        <label className="filter">Status
          <select className="input" name="quote_status" value={filter.status ?? ""} onChange={(e) => setFilter((f) => ({ ...f, status: (e.target.value || null) as QuoteStatus | null }))}>
            <option value="">Any status</option>
            {Object.entries(QUOTE_STATUS).map(([k, l]) => <option key={k} value={k}>{l}</option>)}
          </select>
        </label>
        <label className="filter">Rep
          <select className="input" name="quote_owner" value={filter.owner_id ?? ""} onChange={(e) => setFilter((f) => ({ ...f, owner_id: e.target.value || null }))}>
            <option value="">Everyone</option>
            {reps.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
          </select>
        </label>
      </div>
      <div className="page-body">
        <div className="table-wrap" ref={scroller}>
          {rows && rows.length === 0 ? (
            <div className="empty">
              <Icon name="quotes" size={36} />
              <h2>No quote matches</h2>
              <p>Save a quote from the desk, or change the filters.</p>
            </div>
          ) : (
            <table className={`grid quotes${open ? " beside-panel" : ""}`} aria-label="Quotes">
              <thead><tr><th>Quote</th><th>Customer</th><th>Vehicle</th><th>Payment</th><th>Out the door</th><th>Status</th><th>Age</th></tr></thead>
              <tbody>
                <VirtualRows items={rows ?? []} list={list} columns={7} row={(r, i, measure) => (
                  <tr key={r.quote.id} ref={measure} data-index={i} data-quote={r.quote.number} className="row"
                    aria-selected={open?.quote.id === r.quote.id} onClick={() => setOpen(r)}>
                    <td className="strong">{r.quote.number} <span className="muted">v{r.quote.version}</span></td>
                    <td>{r.customer}</td>
                    <td>{r.vehicle || <span className="muted">—</span>}</td>
                    <td>{r.payment_cents === null ? <span className="muted">cash</span> : `${formatCents(r.payment_cents)}/mo`}</td>
                    <td>{formatCents(r.out_the_door_cents)}</td>
                    <td><span className={`chip quote-${r.status}`}>{QUOTE_STATUS[r.status]}</span>{r.order && <span className="muted"> · {spell(ORDER_STATUS[r.order])}</span>}</td>
                    <td className="muted">{r.age_days} d</td>
                  </tr>
                )} />
              </tbody>
            </table>
          )}
        </div>
        {open && <QuotePanel key={open.quote.id} row={open} onClose={() => setOpen(null)} onChanged={load} onReopen={onReopen} />}
      </div>
    </>
  );
}

function QuotePanel({ row, onClose, onChanged, onReopen }: { row: QuoteRow; onClose: () => void; onChanged: () => void; onReopen: (r: Reopen) => void }) {
  const [d, setD] = useState<QuoteDetail | null>(null);
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState("");
  const [cancelling, setCancelling] = useState(false);
  const [copyTo, setCopyTo] = useState("");
  const [vehicles, setVehicles] = useState<Vehicle[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [sending, setSending] = useState(false);
  const toast = useToast();
  useEffect(() => { api.quoteDetail(row.quote.id).then(setD).catch((e: ApiError) => toast(e.message, { kind: "error" })); }, [row.quote.id, toast]);
  useEffect(() => { const t = setTimeout(() => api.findVehicles(copyTo).then(setVehicles).catch(() => setVehicles([])), 80); return () => clearTimeout(t); }, [copyTo]);

  const act = async (what: () => Promise<QuoteDetail>, done: string) => {
    try {
      const next = await what();
      setD(next); setErrors({}); setDeclining(false); setCancelling(false); setReason("");
      toast(done); onChanged();
      return next;
    } catch (e) {
      const err = e as ApiError;
      setErrors(Object.fromEntries(err.fields.map((f) => [f.field, f.message])));
      if (!err.fields.length) toast(err.message, { kind: "error" });
      return null;
    }
  };
  if (!d) return <aside className="panel" aria-label="Quote" aria-busy="true" />;
  const order = d.order;
  const live = d.status === "draft" || d.status === "presented" || d.status === "expired";
  const last = d.versions[d.versions.length - 1];
  const print = async () => {
    try { const path = await api.openQuotePdf(d.quote.id); setD(await api.quoteDetail(d.quote.id)); toast(`Opened ${path.split("/").pop()} to print`); onChanged(); }
    catch (e) { toast((e as ApiError).message, { kind: "error" }); }
  };

  return (
    <aside className="panel quote-panel" aria-label={`Quote ${d.quote.number}`}>
      <div className="panel-header">
        <div className="panel-identity">
          <h2 className="panel-title">{d.quote.number}</h2>
          <div className="panel-sub">{row.customer} · {row.vehicle || "no vehicle"} · valid until {shortDate(`${d.quote.valid_until}T12:00:00Z`)}</div>
        </div>
        <div className="panel-actions">
          {live && <button className="btn primary" onClick={() => onReopen({ detail: d, customer: row.customer })}>Reopen on the desk</button>}
          <button className="btn" onClick={() => void print()} disabled={d.status === "expired" || d.status === "declined"}>Print PDF</button>
          <button className="btn" onClick={() => setSending(true)} disabled={d.status === "expired" || d.status === "declined"}>Send…</button>
          {live && <button className="btn" onClick={() => setDeclining((v) => !v)} aria-expanded={declining}>Decline…</button>}
          <button className="btn ghost" onClick={onClose} aria-label="Close panel"><Icon name="close" /></button>
        </div>
      </div>
      <div className="panel-body">
        <p><span className={`chip quote-${d.status}`}>{QUOTE_STATUS[d.status]}</span>
          {d.quote.decline_reason && <span className="muted"> · {d.quote.decline_reason}</span>}</p>
        {declining && (
          <form className="inline-form" aria-label="Decline quote" onSubmit={(e) => { e.preventDefault(); void act(() => api.declineQuote(d.quote.id, reason), `${d.quote.number} declined`); }}>
            <Field name="decline_reason" label="Why did the customer decline?" value={reason} onChange={setReason} error={errors.decline_reason} placeholder="Payment too high" autoFocus />
            <button className="btn primary" type="submit">Decline quote</button>
          </form>
        )}

        <h3 className="form-section">Copy to another vehicle</h3>
        <div className="inline-form">
          <input className="input" type="search" aria-label="Find a vehicle to copy this quote to" placeholder="Stock, make or model…" value={copyTo} onChange={(e) => setCopyTo(e.target.value)} />
          <ul className="plain-list picker-results">
            {vehicles.filter((v) => v.id !== d.quote.vehicle_id && v.status !== "sold").slice(0, 4).map((v) => (
              <li key={v.id}>
                <span>{v.year} {v.make} {v.model} <span className="muted">{v.stock_no} · {formatCents(v.price_cents)}</span></span>
                <button className="btn small" onClick={() => void act(() => api.duplicateQuote(d.quote.id, v.id), `Copied to ${v.stock_no} as a new quote`).then((q) => q && onReopen({ detail: q, customer: row.customer }))}>Copy</button>
              </li>
            ))}
          </ul>
        </div>

        <h3 className="form-section">Versions</h3>
        <ul className="plain-list" aria-label="Versions">
          {d.versions.slice().reverse().map((v) => (
            <li key={v.id}>v{v.version} · {moneyText(v.calc.out_the_door)} out the door
              {v.calc.loan ? ` · ${moneyText(v.calc.loan.payment)}/mo` : v.calc.lease ? ` · ${moneyText(v.calc.lease.payment)}/mo lease` : ""}
              <span className="muted"> · {v.frozen ? "presented" : "draft"} {shortDate(v.updated_at)}</span></li>
          ))}
        </ul>
        {last && <p className="muted">Current: version {last.version}.</p>}

        <QuoteShareSection quoteId={d.quote.id} open={d.status === "draft" || d.status === "presented"}
          onChanged={() => { api.quoteDetail(d.quote.id).then(setD).catch(() => {}); onChanged(); }} />

        {order && <OrderSection detail={d} errors={errors} cancelling={cancelling} setCancelling={setCancelling} act={act} />}
      </div>
      {sending && <MessageDialog customerId={d.quote.customer_id} quoteId={d.quote.id} onClose={() => setSending(false)}
        onSent={() => { api.quoteDetail(d.quote.id).then(setD).catch(() => {}); onChanged(); }} />}
    </aside>
  );
}

function OrderSection({ detail, errors, cancelling, setCancelling, act }: {
  detail: QuoteDetail; errors: Record<string, string>; cancelling: boolean; setCancelling: (v: boolean) => void;
  act: (what: () => Promise<QuoteDetail>, done: string) => Promise<QuoteDetail | null>;
}) {
  const order = detail.order!;
  const [products, setProducts] = useState<ProductDraft[]>(() => order.products.map((p) => ({ name: p.name, price: centsText(p.price_cents), cost: centsText(p.cost_cents) })));
  const [reason, setReason] = useState("");
  const live = order.status === "open" || order.status === "funded";
  const g = detail.gross;
  const edit = (i: number, patch: Partial<ProductDraft>) => setProducts((ps) => ps.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  return (
    <section aria-label="Sales order">
      <h3 className="form-section">Sales order {order.number} <span className={`chip order-${order.status}`}>{spell(ORDER_STATUS[order.status])}</span></h3>
      <p className="muted">Deposit {formatCents(order.deposit_cents)}{order.delivery_date ? ` · delivery ${order.delivery_date}` : ""}
        {order.funded_at ? ` · funded ${shortDate(order.funded_at)}` : ""}{order.delivered_at ? ` · delivered ${shortDate(order.delivered_at)}` : ""}
        {order.cancel_reason ? ` · ${spell("cancelled")}: ${order.cancel_reason}` : ""}</p>
      {g && (
        <dl className="gross" aria-label="Gross">
          <dt>Front-end gross</dt><dd>{g.front_cents === null ? "vehicle cost unknown" : formatCents(g.front_cents)}</dd>
          <dt>Back-end gross (F&amp;I)</dt><dd>{formatCents(g.back_cents)}</dd>
          <dt>Total gross</dt><dd className="strong">{formatCents(g.total_cents)}</dd>
        </dl>
      )}
      <h4 className="form-section">F&amp;I products</h4>
      <table className="grid products" aria-label="F&I products">
        <thead><tr><th>Product</th><th>Price</th><th>Cost</th><th /></tr></thead>
        <tbody>
          {products.map((p, i) => (
            <tr key={i}>
              <td><input className="input" aria-label={`Product ${i + 1}`} value={p.name} disabled={!live} onChange={(e) => edit(i, { name: e.target.value })} />
                {errors[`products[${i}].name`] && <div className="field-error" role="alert">{errors[`products[${i}].name`]}</div>}</td>
              <td><MoneyInput aria-label={`Price of product ${i + 1}`} value={p.price} disabled={!live} onValue={(v) => edit(i, { price: v })} />
                {errors[`products[${i}].price`] && <div className="field-error" role="alert">{errors[`products[${i}].price`]}</div>}</td>
              <td><MoneyInput aria-label={`Cost of product ${i + 1}`} value={p.cost} disabled={!live} onValue={(v) => edit(i, { cost: v })} />
                {errors[`products[${i}].cost`] && <div className="field-error" role="alert">{errors[`products[${i}].cost`]}</div>}</td>
              <td>{live && <button className="btn ghost small" aria-label={`Remove product ${i + 1}`} onClick={() => setProducts((ps) => ps.filter((_, j) => j !== i))}>×</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {live && (
        <div className="row-actions wrap">
          <button className="btn small" onClick={() => setProducts((ps) => [...ps, { name: ps.length ? "" : "Service contract", price: "", cost: "" }])}>Add product</button>
          <button className="btn small" onClick={() => void act(() => api.setOrderProducts(order.id, products), "Products saved")}>Save products</button>
        </div>
      )}
      {live && (
        <div className="row-actions wrap">
          {order.status === "open" && <button className="btn" onClick={() => void act(() => api.fundOrder(order.id), `${order.number} funded`)}>Mark funded</button>}
          <button className="btn primary" onClick={() => void act(() => api.deliverOrder(order.id), `${order.number} delivered: the vehicle is sold and the deal won`)}>Deliver</button>
          <button className="btn" onClick={() => setCancelling(!cancelling)} aria-expanded={cancelling}>{spell("Cancel")} order…</button>
        </div>
      )}
      {cancelling && (
        <form className="inline-form" aria-label="Cancel order" onSubmit={(e) => { e.preventDefault(); void act(() => api.cancelOrder(order.id, reason), `${order.number} ${spell("cancelled")}; the vehicle is available again`); }}>
          <Field name="cancel_reason" label="Why is the order cancelled?" value={reason} onChange={setReason} error={errors.cancel_reason} placeholder="Financing fell through" autoFocus />
          <button className="btn primary" type="submit">{spell("Cancel")} the order</button>
        </form>
      )}
    </section>
  );
}
