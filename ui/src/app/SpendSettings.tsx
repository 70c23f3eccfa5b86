// Settings › Marketing spend: what each lead source cost per month, for cost per sale.
import { useEffect, useState } from "react";
import type { Spend } from "../bindings";
import { api, fieldErrors } from "../api";
import { useToast } from "../components/Toasts";
import { formatDollars } from "../lib/format";
import { monthOf } from "../lib/ranges";
import { MoneyInput } from "../components/Field";

export function SpendSettings() {
  const [rows, setRows] = useState<Spend[]>([]);
  const [month, setMonth] = useState(monthOf());
  const [source, setSource] = useState("");
  const [amount, setAmount] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const toast = useToast();
  const load = () => { api.marketingSpend().then(setRows).catch(() => setRows([])); };
  useEffect(load, []);
  const save = async () => {
    try {
      const amount_cents = await api.parseMoney(amount, "amount_cents");
      await api.saveMarketingSpend({ id: "00000000-0000-0000-0000-000000000000", month, source, amount_cents });
      setErrors({}); setSource(""); setAmount(""); toast("Spend saved"); load();
    } catch (e) { setErrors(fieldErrors(e)); }
  };
  return (
    <section aria-label="Marketing spend">
      <h2 className="form-section">Marketing spend</h2>
      <form className="row-actions" style={{ justifyContent: "flex-start", alignItems: "flex-start", flexWrap: "wrap" }} noValidate onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <label className="filter">Month<input className="input" type="month" name="spend_month" value={month} onChange={(e) => setMonth(e.target.value)} />{errors.month && <span className="field-error" role="alert">{errors.month}</span>}</label>
        <label className="filter">Lead source<input className="input" name="spend_source" value={source} onChange={(e) => setSource(e.target.value)} placeholder="Cars.com" />{errors.source && <span className="field-error" role="alert">{errors.source}</span>}</label>
        <label className="filter">Amount ($)<MoneyInput className="input narrow" name="spend_amount" value={amount} onValue={setAmount} />{errors.amount_cents && <span className="field-error" role="alert">{errors.amount_cents}</span>}</label>
        <button type="submit" className="btn" style={{ marginTop: 18 }}>Save spend</button>
      </form>
      {rows.length > 0 && (
        <table className="grid calibration" aria-label="Spend per source">
          <thead><tr><th>Month</th><th>Source</th><th>Amount</th></tr></thead>
          <tbody>{rows.slice(0, 24).map((r) => <tr key={r.id}><td>{r.month}</td><td>{r.source}</td><td>{formatDollars(r.amount_cents)}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  );
}
