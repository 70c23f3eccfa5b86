// The quote builder: every input on the left, the payments on the right, recomputed by the core
// as you type (offline: it is all local). Grid cells apply their term and down payment.
import { useEffect, useMemo, useRef, useState } from "react";
import type { ApiError, DealCalc, QuoteDetail, SearchHit, Vehicle } from "../bindings";
import { api } from "../api";
import { Field } from "../components/Field";
import { Icon } from "../components/Icon";
import { useToast } from "../components/Toasts";
import { centsText, formatCents } from "../lib/format";
import { fromDeal, initialForm, inputFor, toDeal, type DealForm, type DealType } from "./dealForm";

const cents = (money: string) => {
  const negative = money.startsWith("-");
  const [d, c = "0"] = money.replace("-", "").split(".");
  const v = Number(d) * 100 + Number(c.padEnd(2, "0").slice(0, 2));
  return negative ? -v : v;
};
const show = (money: string | null | undefined) => (money == null ? "—" : formatCents(cents(money)));

function Picker<T>(p: {
  label: string; placeholder: string; find: (q: string) => Promise<T[]>; render: (t: T) => [string, string];
  onPick: (t: T) => void; picked: string | null; name: string;
}) {
  const [q, setQ] = useState("");
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<T[]>([]);
  useEffect(() => {
    if (!open) return;
    let live = true;
    const t = setTimeout(() => p.find(q).then((r) => live && setItems(r)).catch(() => live && setItems([])), 80);
    return () => { live = false; clearTimeout(t); };
  }, [q, open, p]);
  return (
    <div className="field picker">
      <label htmlFor={`pick-${p.name}`}>{p.label}</label>
      <input id={`pick-${p.name}`} name={p.name} className="input" value={open ? q : p.picked ?? ""} placeholder={p.placeholder}
        onFocus={() => { setOpen(true); setQ(""); }} onBlur={() => setTimeout(() => setOpen(false), 150)}
        onChange={(e) => setQ(e.target.value)} autoComplete="off" role="combobox" aria-expanded={open} />
      {open && items.length > 0 && (
        <ul className="picker-list" role="listbox">
          {items.slice(0, 8).map((it, i) => {
            const [title, sub] = p.render(it);
            return (
              <li key={i} role="option" aria-selected={false} onMouseDown={(e) => { e.preventDefault(); p.onPick(it); setOpen(false); }}>
                <span>{title}</span><span className="muted">{sub}</span>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function withVehicle(f: DealForm, v: Vehicle): DealForm {
  return {
    ...f, description: `${v.year} ${v.make} ${v.model} ${v.trim}`.trim(), vin: v.vin, stock_no: v.stock_no,
    msrp: v.msrp_cents ? centsText(v.msrp_cents) : "", invoice: centsText(v.invoice_cents),
    price: centsText(v.price_cents),
  };
}

/** A saved quote opened on the desk: its current version's deal, its customer by name. */
export type Reopen = { detail: QuoteDetail; customer: string };

export function DeskPage({ initialVehicle = null, initialCustomer = null, reopen = null, onSaved }: {
  initialVehicle?: Vehicle | null; initialCustomer?: SearchHit | null; reopen?: Reopen | null; onSaved?: () => void;
}) {
  const [form, setForm] = useState<DealForm>(() => {
    const last = reopen?.detail.versions[reopen.detail.versions.length - 1];
    if (last) return fromDeal(last.deal);
    return initialVehicle ? withVehicle(initialForm(), initialVehicle) : initialForm();
  });
  const [calc, setCalc] = useState<DealCalc | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [other, setOther] = useState<string[]>([]);
  const [codes, setCodes] = useState<string[]>([]);
  const [customer, setCustomer] = useState<SearchHit | null>(() => (reopen
    ? { kind: "customer", id: reopen.detail.quote.customer_id, title: reopen.customer, subtitle: "", customer_id: reopen.detail.quote.customer_id }
    : initialCustomer));
  const [vehicle, setVehicle] = useState<Vehicle | null>(initialVehicle);
  const [quote, setQuote] = useState<QuoteDetail | null>(reopen?.detail ?? null);
  const [busy, setBusy] = useState(false);
  // Front-end gross is for managers; it stays hidden while the screen faces a customer.
  const [showGross, setShowGross] = useState(false);
  const [accepting, setAccepting] = useState(false);
  const [deposit, setDeposit] = useState("500");
  const [delivery, setDelivery] = useState("");
  const [acceptErrors, setAcceptErrors] = useState<Record<string, string>>({});
  const toast = useToast();
  const gen = useRef(0);
  const set = (k: keyof DealForm) => (v: string) => setForm((f) => ({ ...f, [k]: v }));

  useEffect(() => { api.taxJurisdictions().then(setCodes).catch(() => setCodes([])); }, []);

  const deal = useMemo(() => toDeal(form), [form]);
  useEffect(() => {
    if (!form.price.trim()) { setCalc(null); setErrors({}); setOther([]); return; }
    const g = ++gen.current;
    const t = setTimeout(() => {
      api.calculateDeal(deal).then((c) => {
        if (g !== gen.current) return;
        setCalc(c); setErrors({}); setOther([]);
      }).catch((e: ApiError) => {
        if (g !== gen.current) return;
        const byInput: Record<string, string> = {};
        const rest: string[] = [];
        for (const f of e.fields) {
          const input = inputFor(f.field);
          if (input) byInput[input] = f.message; else rest.push(`${f.field}: ${f.message}`);
        }
        if (!e.fields.length) rest.push(e.message);
        setErrors(byInput); setOther(rest); setCalc(null);
      });
    }, 60);
    return () => clearTimeout(t);
  }, [deal, form.price]);

  const pickVehicle = (v: Vehicle) => {
    setVehicle(v);
    setForm((f) => withVehicle(f, v));
  };

  const save = async () => {
    setBusy(true);
    try {
      const q = quote ? await api.reviseQuote(quote.quote.id, deal)
        : await api.createQuote({ customer_id: customer?.customer_id ?? null, opportunity_id: null, vehicle_id: vehicle?.id ?? null, valid_days: 7 }, deal);
      setQuote(q);
      toast(`Saved quote ${q.quote.number} (version ${q.quote.version})`);
      onSaved?.();
      return q;
    } catch (e) {
      toast((e as ApiError).message, { kind: "error" });
      return null;
    } finally { setBusy(false); }
  };
  const savePdf = async () => {
    const q = await save();
    if (!q) return;
    try {
      const path = await api.saveQuotePdf(q.quote.id);
      setQuote(await api.quoteDetail(q.quote.id));
      toast(`PDF saved: ${path}`);
    } catch (e) { toast((e as ApiError).message, { kind: "error" }); }
  };
  // Print: the itemized quote PDF (saved first, which presents and freezes this version) in the
  // system viewer, where the rep prints it.
  const printPdf = async () => {
    const q = await save();
    if (!q) return;
    try {
      const path = await api.openQuotePdf(q.quote.id);
      setQuote(await api.quoteDetail(q.quote.id));
      toast(`Opened ${path.split("/").pop()} to print`);
    } catch (e) { toast((e as ApiError).message, { kind: "error" }); }
  };

  const accept = async () => {
    if (!quote) return;
    try {
      const q = await api.acceptQuote(quote.quote.id, { deposit: deposit.trim() || "0", delivery_date: delivery.trim() || null });
      setQuote(q);
      setAccepting(false);
      setAcceptErrors({});
      toast(`Accepted: sales order ${q.order?.number ?? ""} created${vehicle ? `, ${vehicle.stock_no} is on hold` : ""}`);
    } catch (e) {
      const err = e as ApiError;
      setAcceptErrors(Object.fromEntries(err.fields.map((f) => [f.field, f.message])));
      if (!err.fields.length) toast(err.message, { kind: "error" });
    }
  };

  const payment = calc?.loan?.payment ?? calc?.lease?.payment ?? null;
  const chosenTerm = form.type === "lease" ? Number(form.lease_term) : Number(form.loan_term);
  const chosenDown = cents(form.down.replace(/[$,]/g, "") || "0");

  return (
    <>
      <header className="page-header">
        <h1 className="page-title">Deal desk</h1>
        {quote && <span className="badge">{quote.quote.number} · v{quote.quote.version} · {quote.status}</span>}
        <div className="page-actions">
          <button className="btn" onClick={() => { setForm(initialForm()); setQuote(null); setVehicle(null); setCustomer(null); }}>New deal</button>
          <button className="btn" onClick={() => void printPdf()} disabled={busy || !calc || !customer} title="Opens the quote PDF to print">Print</button>
          {quote && quote.status !== "accepted" && quote.status !== "declined" && (
            <button className="btn" onClick={() => setAccepting((v) => !v)} aria-expanded={accepting}>Accept…</button>
          )}
          <button className="btn" onClick={save} disabled={busy || !calc || !customer}>Save quote</button>
          <button className="btn primary" onClick={savePdf} disabled={busy || !calc || !customer}>
            <Icon name="quotes" size={16} /> Save PDF
          </button>
        </div>
      </header>
      {accepting && quote && (
        <form className="accept-bar" aria-label="Accept quote" onSubmit={(e) => { e.preventDefault(); void accept(); }}>
          <Field money name="deposit" label="Deposit" value={deposit} onChange={setDeposit} error={acceptErrors.deposit} />
          <Field name="delivery_date" label="Delivery date" placeholder="YYYY-MM-DD" value={delivery} onChange={setDelivery} error={acceptErrors.delivery_date} />
          <button type="submit" className="btn primary">Accept and create the sales order</button>
          <button type="button" className="btn ghost" onClick={() => setAccepting(false)}>Cancel</button>
        </form>
      )}
      <div className="page-body desk">
        <form className="desk-inputs" onSubmit={(e) => e.preventDefault()} aria-label="Deal inputs">
          <div className="form-grid">
            <Picker<SearchHit> name="customer" label="Customer" placeholder="Search customers…" picked={customer?.title ?? null}
              find={(q) => api.search(q || "a").then((h) => h.filter((x) => x.kind === "customer"))}
              render={(h) => [h.title, h.subtitle]} onPick={setCustomer} />
            <Picker<Vehicle> name="vehicle" label="Vehicle" placeholder="Search stock, VIN, model…" picked={vehicle ? `${vehicle.stock_no} · ${vehicle.year} ${vehicle.make} ${vehicle.model}` : null}
              find={api.findVehicles} render={(v) => [`${v.year} ${v.make} ${v.model} ${v.trim}`, `${v.stock_no} · ${formatCents(v.price_cents)}`]}
              onPick={pickVehicle} />
          </div>
          <div className="segmented deal-type" role="group" aria-label="Deal type">
            {(["cash", "loan", "lease"] as DealType[]).map((t) => (
              <button key={t} type="button" aria-pressed={form.type === t} onClick={() => set("type")(t)}>
                {t === "loan" ? "Finance" : t[0].toUpperCase() + t.slice(1)}
              </button>
            ))}
          </div>
          <h3 className="form-section">Price</h3>
          <div className="form-grid three">
            <Field money name="price" label="Selling price" value={form.price} onChange={set("price")} error={errors.price} required />
            <Field money name="discount" label="Dealer discount" value={form.discount} onChange={set("discount")} error={errors.discount} />
            <Field money name="rebate" label="Rebates" value={form.rebate} onChange={set("rebate")} error={errors.rebate} />
            <Field money name="doc_fee" label="Doc fee (taxable)" value={form.doc_fee} onChange={set("doc_fee")} error={errors.doc_fee} />
            <Field money name="title_fee" label="Title & registration" value={form.title_fee} onChange={set("title_fee")} error={errors.title_fee} />
            <div className="field">
              <label htmlFor="jur">Tax jurisdiction</label>
              <select id="jur" name="jurisdiction" className="input" value={form.jurisdiction} onChange={(e) => set("jurisdiction")(e.target.value)}>
                {codes.map((c) => <option key={c} value={c}>{c}</option>)}
              </select>
            </div>
          </div>
          <h3 className="form-section">Trade-in and down payment</h3>
          <div className="form-grid three">
            <Field money name="trade_allowance" label="Trade allowance" value={form.trade_allowance} onChange={set("trade_allowance")} error={errors.trade_allowance} />
            <Field money name="trade_payoff" label="Payoff" value={form.trade_payoff} onChange={set("trade_payoff")} error={errors.trade_payoff} />
            <Field money name="down" label={form.type === "lease" ? "Cap cost reduction" : "Cash down"} value={form.down} onChange={set("down")} error={errors.down} />
          </div>
          {form.type === "loan" && (<>
            <h3 className="form-section">Finance</h3>
            <div className="form-grid three">
              <Field name="apr" label="APR %" inputMode="numeric" value={form.apr} onChange={set("apr")} error={errors.apr} />
              <Field name="loan_term" label="Term (months)" inputMode="numeric" value={form.loan_term} onChange={set("loan_term")} />
            </div>
          </>)}
          {form.type === "lease" && (<>
            <h3 className="form-section">Lease</h3>
            <div className="form-grid three">
              <Field money name="msrp" label="MSRP" value={form.msrp} onChange={set("msrp")} error={errors.msrp} />
              <Field name="residual" label="Residual % of MSRP" inputMode="numeric" value={form.residual} onChange={set("residual")} error={errors.residual} />
              <Field name="money_factor" label="Money factor" inputMode="numeric" value={form.money_factor} onChange={set("money_factor")} error={errors.money_factor}
                hint={calc?.lease ? `≈ ${calc.lease.apr_equivalent}% APR` : undefined} />
              <Field name="lease_term" label="Term (months)" inputMode="numeric" value={form.lease_term} onChange={set("lease_term")} />
              <Field money name="acquisition_fee" label="Acquisition fee" value={form.acquisition_fee} onChange={set("acquisition_fee")} error={errors.acquisition_fee} />
              <Field name="miles" label="Miles per year" inputMode="numeric" value={form.miles} onChange={set("miles")} error={errors.miles} />
            </div>
          </>)}
          {other.length > 0 && <div className="banner" role="alert">{other.map((o) => <div key={o}>{o}</div>)}</div>}
        </form>

        <section className="desk-results" aria-label="Payments" aria-live="polite">
          {!calc ? (
            <div className="empty">
              <Icon name="quotes" size={36} />
              <h2>{form.price ? "Fix the highlighted inputs" : "Pick a vehicle or type a price"}</h2>
              <p>Payments, taxes and the payment grid update as you type. Everything is computed on this computer.</p>
            </div>
          ) : (<>
            <div className="four-square">
              <div><span>Price</span><strong>{show(calc.vehicle_price)}</strong></div>
              <div><span>Trade equity</span><strong>{show(calc.trade_equity)}</strong></div>
              <div><span>{form.type === "lease" ? "Due at signing" : "Down"}</span><strong>{form.type === "lease" ? show(calc.lease?.due_at_signing_total) : show(deal.down_payment)}</strong></div>
              <div className="pay"><span>{form.type === "cash" ? "Balance due" : "Monthly payment"}</span><strong data-testid="payment">{form.type === "cash" ? show(calc.balance_due) : show(payment)}</strong></div>
            </div>
            <dl className="desk-facts">
              <dt>Out the door</dt><dd>{show(calc.out_the_door)}</dd>
              {calc.loan && (<><dt>Amount financed</dt><dd>{show(calc.loan.amount_financed)}</dd>
                <dt>Total of payments</dt><dd>{show(calc.loan.total_of_payments)}</dd>
                <dt>Finance charge</dt><dd>{show(calc.loan.finance_charge)}</dd></>)}
              {calc.lease && (<><dt>Residual</dt><dd>{show(calc.lease.residual)}</dd>
                <dt>Adjusted cap cost</dt><dd>{show(calc.lease.adjusted_cap_cost)}</dd>
                <dt>Depreciation + rent</dt><dd>{show(calc.lease.depreciation)} + {show(calc.lease.rent_charge)}</dd></>)}
              <dt>Taxes</dt><dd>{show(calc.tax_total)} <span className="muted">({calc.jurisdiction})</span></dd>
              {calc.front_end_gross && (<><dt>Front-end gross</dt><dd className="muted">
                {showGross ? show(calc.front_end_gross) : "hidden"}{" "}
                <button type="button" className="btn ghost" style={{ height: 24, padding: "0 6px" }} onClick={() => setShowGross((v) => !v)}
                  aria-pressed={showGross}>{showGross ? "Hide" : "Show"}</button></dd></>)}
            </dl>
            {calc.warnings.map((w) => <div key={w.field} className="banner warn">{w.message}</div>)}
            {(calc.loan_grid.length > 0 || calc.lease_grid.length > 0) && (
              <div className="grids">
                {([["loan", "Finance", calc.loan_grid], ["lease", "Lease", calc.lease_grid]] as const).map(([kind, title, g]) => {
                  if (g.length === 0) return null;
                  const gTerms = [...new Set(g.map((c) => c.term_months))];
                  const gDowns = [...new Set(g.map((c) => c.down_payment))];
                  const active = form.type === kind;
                  return (
                    <table key={kind} className="pay-grid" aria-label={`${title} payment grid`}>
                      <caption>{title}{active ? "" : " (compare)"}</caption>
                      <thead><tr><th title={kind === "lease" ? "Cash cap cost reduction" : "Cash down"}>Down</th>{gTerms.map((t) => <th key={t}>{t} mo</th>)}</tr></thead>
                      <tbody>
                        {gDowns.map((d) => (
                          <tr key={d}><th>{show(d)}</th>
                            {gTerms.map((t) => {
                              const cell = g.find((c) => c.term_months === t && c.down_payment === d);
                              const chosen = active && t === chosenTerm && cents(d) === chosenDown;
                              return (
                                <td key={t}>
                                  {cell ? (
                                    <button type="button" className={chosen ? "cell chosen" : "cell"} aria-pressed={chosen}
                                      onClick={() => setForm((f) => ({ ...f, type: kind, down: d, [kind === "lease" ? "lease_term" : "loan_term"]: String(t) }))}>
                                      {show(cell.payment)}
                                    </button>
                                  ) : <span className="muted">—</span>}
                                </td>
                              );
                            })}
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  );
                })}
              </div>
            )}
            <h3 className="form-section">Worksheet</h3>
            <table className="worksheet">
              <tbody>
                {calc.lines.map((l, i) => <tr key={i} className={l.kind}><td>{l.label}</td><td>{show(l.amount)}</td></tr>)}
                {calc.taxes.map((t, i) => <tr key={`t${i}`} className="tax"><td>{t.name} {t.rate}% of {show(t.base)}</td><td>{show(t.amount)}</td></tr>)}
              </tbody>
            </table>
          </>)}
        </section>
      </div>
    </>
  );
}
