// Settings › Tax jurisdictions: the shipped state rules (read-only, with their sources) and the
// dealership's own, e.g. state + county + city for the store's address.
import { useEffect, useState } from "react";
import type { ApiError, Jurisdiction, LeaseTax } from "../bindings";
import { api } from "../api";
import { Checkbox, Field } from "../components/Field";
import { useToast } from "../components/Toasts";
import { now } from "../lib/clock";

type RateRow = { name: string; rate: string };
const blank = () => ({
  code: "", name: "", effective_from: now().toISOString().slice(0, 10), doc_fee_cap: "", source: "",
  trade_in_reduces_taxable: true, rebates_taxable: true, lease_tax: "monthly" as LeaseTax, lease_taxes_cap_reduction: true,
  rates: [{ name: "", rate: "" }, { name: "", rate: "" }, { name: "", rate: "" }] as RateRow[],
});

const total = (j: Jurisdiction) => j.rates.reduce((s, r) => s + Number(r.rate), 0).toFixed(3).replace(/\.?0+$/, "");

export function TaxSettings() {
  const [rules, setRules] = useState<Jurisdiction[]>([]);
  const [form, setForm] = useState(blank);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const toast = useToast();
  const load = () => api.jurisdictions().then(setRules).catch(() => setRules([]));
  useEffect(() => { void load(); }, []);

  const save = async () => {
    const rule: Jurisdiction = {
      code: form.code, name: form.name, effective_from: form.effective_from, source: form.source,
      rates: form.rates.filter((r) => r.name.trim() || r.rate.trim()).map((r) => ({ name: r.name || "Tax", rate: r.rate.trim() || "0" })),
      lease_rates: [], trade_in_reduces_taxable: form.trade_in_reduces_taxable, rebates_taxable: form.rebates_taxable,
      lease_tax: form.lease_tax, lease_taxes_cap_reduction: form.lease_taxes_cap_reduction,
      doc_fee_cap: form.doc_fee_cap.trim() ? form.doc_fee_cap.trim() : null,
    };
    try {
      const saved = await api.saveCustomJurisdiction(rule);
      toast(`Saved ${saved.code}: the desk can use it now`);
      setErrors({});
      setForm(blank());
      void load();
    } catch (e) {
      const err = e as ApiError;
      setErrors(Object.fromEntries(err.fields.map((f) => [f.field, f.message])));
      if (!err.fields.length) toast(err.message, { kind: "error" });
    }
  };

  const setRate = (i: number, k: keyof RateRow) => (v: string) =>
    setForm((f) => ({ ...f, rates: f.rates.map((r, j) => (j === i ? { ...r, [k]: v } : r)) }));

  return (
    <>
      <h2 className="form-section">Tax jurisdictions</h2>
      <table className="worksheet" aria-label="Tax jurisdictions">
        <tbody>
          {rules.map((j) => (
            <tr key={`${j.code}-${j.effective_from}`}>
              <td><span className="strong">{j.code}</span> {j.name} <span className="muted">from {j.effective_from}</span>
                <div className="field-hint">{j.source}</div></td>
              <td>{total(j)}%</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2 className="form-section">Add or edit a custom jurisdiction</h2>
      <form onSubmit={(e) => { e.preventDefault(); void save(); }} aria-label="Custom jurisdiction" noValidate>
        <div className="form-grid three">
          <Field name="code" label="Code" value={form.code} onChange={(v) => setForm({ ...form, code: v })} error={errors.code} placeholder="TX-AUSTIN" required />
          <Field name="name" label="Name" value={form.name} onChange={(v) => setForm({ ...form, name: v })} error={errors.name} required />
          <Field name="effective_from" label="Effective from" value={form.effective_from} onChange={(v) => setForm({ ...form, effective_from: v })} />
          {form.rates.map((r, i) => [
            <Field key={`n${i}`} name={`rate_name_${i}`} label={`Rate ${i + 1} name`} value={r.name} onChange={setRate(i, "name")} />,
            <Field key={`r${i}`} name={`rate_${i}`} label="Percent" inputMode="numeric" value={r.rate} onChange={setRate(i, "rate")} error={i === 0 ? errors.rates : undefined} />,
            <span key={`s${i}`} />,
          ])}
          <Field name="doc_fee_cap" label="Doc fee cap" inputMode="numeric" value={form.doc_fee_cap} onChange={(v) => setForm({ ...form, doc_fee_cap: v })} error={errors.doc_fee_cap} hint="Empty: no cap" />
          <div className="field">
            <label htmlFor="lease_tax">Leases are taxed</label>
            <select id="lease_tax" className="input" value={form.lease_tax} onChange={(e) => setForm({ ...form, lease_tax: e.target.value as LeaseTax })}>
              <option value="monthly">on each monthly payment</option>
              <option value="total_payments_upfront">on all payments, up front</option>
              <option value="full_price_upfront">on the full price, up front</option>
            </select>
          </div>
          <Field name="source" label="Source" value={form.source} onChange={(v) => setForm({ ...form, source: v })} hint="Where the rates come from" />
        </div>
        <div style={{ display: "flex", gap: 20, flexWrap: "wrap", marginTop: 8 }}>
          <Checkbox name="trade" label="Trade-in reduces the taxable amount" checked={form.trade_in_reduces_taxable} onChange={(v) => setForm({ ...form, trade_in_reduces_taxable: v })} />
          <Checkbox name="rebates" label="Rebates are taxed" checked={form.rebates_taxable} onChange={(v) => setForm({ ...form, rebates_taxable: v })} />
          <Checkbox name="capred" label="Lease cap cost reduction is taxed" checked={form.lease_taxes_cap_reduction} onChange={(v) => setForm({ ...form, lease_taxes_cap_reduction: v })} />
        </div>
        <div className="form-actions" style={{ position: "static" }}>
          <button type="submit" className="btn primary">Save jurisdiction</button>
        </div>
      </form>
    </>
  );
}
