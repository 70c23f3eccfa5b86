// Create or edit a customer. Errors from the core appear next to their fields; nothing is lost
// on an error: the form keeps what was typed.
import { useState } from "react";
import type { ApiError, Condition, Customer, CustomerDraft, Timeframe } from "../bindings";
import { api } from "../api";
import { Checkbox, Field, MoneyInput } from "../components/Field";
import { useKeyLayer } from "../lib/keys";
import { centsText, formatPhone } from "../lib/format";

export const emptyDraft = (): CustomerDraft => ({
  owner_id: null, first_name: "", last_name: "", email: "", phone: "", street: "", city: "", region: "",
  postal_code: "", language: "en", birth_date: "", notes: "",
  consent: { email: false, sms: false, phone: false },
  preferences: {
    makes: [], models: [], body_types: [], budget_min_cents: null, budget_max_cents: null, target_payment_cents: null,
    fuel: null, condition: null, must_haves: [], trade_in: "", timeframe: null,
  },
});

const TIMEFRAMES: [Timeframe, string][] = [["this_week", "This week"], ["this_month", "This month"], ["three_months", "In 1–3 months"], ["just_looking", "Just looking"]];
const BODIES = ["Sedan", "SUV", "Truck", "Hatchback", "Coupe", "Minivan", "Convertible", "Wagon"];
/** "Honda, Toyota" as a list; the list as "Honda, Toyota". */
const listOf = (text: string) => text.split(",").map((x) => x.trim()).filter(Boolean);
const textOf = (list: string[]) => list.join(", ");
/** The amounts of the needs analysis, as typed (the core parses them on save). */
type Amounts = { budget_min: string; budget_max: string; target_payment: string };

export function draftOf(c: Customer): CustomerDraft {
  return {
    owner_id: c.owner_id, first_name: c.first_name, last_name: c.last_name, email: c.email ?? "", phone: formatPhone(c.phone),
    street: c.street, city: c.city, region: c.region, postal_code: c.postal_code, language: c.language,
    birth_date: c.birth_date ?? "", notes: c.notes, consent: { ...c.consent }, preferences: { ...c.preferences },
  };
}

type Props = { initial?: Customer; onSaved: (c: Customer) => void; onCancel: () => void };

export function CustomerForm({ initial, onSaved, onCancel }: Props) {
  const [draft, setDraft] = useState<CustomerDraft>(initial ? draftOf(initial) : emptyDraft());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [banner, setBanner] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const p = draft.preferences;
  const [amounts, setAmounts] = useState<Amounts>(() => ({
    budget_min: centsText(p.budget_min_cents), budget_max: centsText(p.budget_max_cents), target_payment: centsText(p.target_payment_cents),
  }));
  // Lists are edited as comma-separated text and split on save.
  const [lists, setLists] = useState(() => ({ makes: textOf(p.makes), models: textOf(p.models), must_haves: textOf(p.must_haves) }));
  const setPref = (patch: Partial<CustomerDraft["preferences"]>) => setDraft((d) => ({ ...d, preferences: { ...d.preferences, ...patch } }));
  const set = <K extends keyof CustomerDraft>(k: K) => (v: CustomerDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const setConsent = (k: keyof CustomerDraft["consent"]) => (v: boolean) => setDraft((d) => ({ ...d, consent: { ...d.consent, [k]: v } }));

  const save = async () => {
    setSaving(true);
    try {
      // Amounts go through the core's money parser; one it cannot read is named by it.
      const money = async (text: string, field: string) => (text.trim() ? api.parseMoney(text, field) : null);
      const preferences = {
        ...draft.preferences,
        makes: listOf(lists.makes), models: listOf(lists.models), must_haves: listOf(lists.must_haves),
        budget_min_cents: await money(amounts.budget_min, "preferences.budget_min_cents"),
        budget_max_cents: await money(amounts.budget_max, "preferences.budget_max_cents"),
        target_payment_cents: await money(amounts.target_payment, "preferences.target_payment_cents"),
      };
      const full = { ...draft, preferences };
      const saved = initial ? await api.updateCustomer(initial.id, full) : await api.createCustomer(full);
      setErrors({});
      onSaved(saved);
    } catch (e) {
      const err = e as ApiError;
      const byField: Record<string, string> = {};
      for (const f of err.fields) byField[f.field] = f.message;
      setErrors(byField);
      setBanner(err.fields.length ? `Please fix ${err.fields.length === 1 ? "the highlighted field" : `the ${err.fields.length} highlighted fields`}.` : err.message);
      const first = err.fields[0]?.field.split(".")[0];
      if (first) (document.querySelector(`[name="${first}"]`) as HTMLElement | null)?.focus();
    } finally {
      setSaving(false);
    }
  };

  useKeyLayer((e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onCancel();
      return true;
    }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void save();
      return true;
    }
    return false;
  });

  return (
    <form className="panel-body" aria-label={initial ? "Edit customer" : "New customer"}
      onSubmit={(e) => { e.preventDefault(); void save(); }} noValidate>
      {banner && <div className="banner" role="alert">{banner}</div>}
      <div className="form-grid">
        <Field name="first_name" label="First name" required value={draft.first_name} onChange={set("first_name")} error={errors.first_name} autoFocus autoComplete="given-name" />
        <Field name="last_name" label="Last name" required value={draft.last_name} onChange={set("last_name")} error={errors.last_name} autoComplete="family-name" />
        <Field name="email" label="Email" type="email" inputMode="email" value={draft.email} onChange={set("email")} error={errors.email} placeholder="name@example.com" />
        <Field name="phone" label="Mobile phone" type="tel" inputMode="tel" value={draft.phone} onChange={set("phone")} error={errors.phone} placeholder="(512) 201-0000" hint="Saved in international format" />
      </div>
      <h3 className="form-section">Contact consent</h3>
      <div style={{ display: "flex", gap: 20, flexWrap: "wrap" }}>
        <Checkbox name="consent_email" label="Email" checked={draft.consent.email} onChange={setConsent("email")} />
        <Checkbox name="consent_sms" label="Text messages" checked={draft.consent.sms} onChange={setConsent("sms")} />
        <Checkbox name="consent_phone" label="Phone calls" checked={draft.consent.phone} onChange={setConsent("phone")} />
      </div>
      {(errors["consent.email"] || errors["consent.sms"]) && (
        <div className="field-error" role="alert">{errors["consent.email"] ?? errors["consent.sms"]}</div>
      )}
      <h3 className="form-section">Address</h3>
      <div className="form-grid">
        <Field name="street" label="Street" className="span-2" value={draft.street} onChange={set("street")} error={errors.street} autoComplete="street-address" />
        <Field name="city" label="City" value={draft.city} onChange={set("city")} error={errors.city} />
        <Field name="region" label="State" value={draft.region} onChange={set("region")} error={errors.region} />
        <Field name="postal_code" label="ZIP code" value={draft.postal_code} onChange={set("postal_code")} error={errors.postal_code} />
        <Field name="language" label="Language" value={draft.language} onChange={set("language")} error={errors.language} hint="e.g. en, es" />
        <Field name="birth_date" label="Date of birth" value={draft.birth_date} onChange={set("birth_date")} error={errors.birth_date} placeholder="YYYY-MM-DD" />
      </div>
      <h3 className="form-section">Needs</h3>
      <div className="form-grid needs">
        <label className="field"><span>Buying</span>
          <select className="input" name="timeframe" value={p.timeframe ?? ""} onChange={(e) => setPref({ timeframe: (e.target.value || null) as Timeframe | null })}>
            <option value="">Not asked yet</option>
            {TIMEFRAMES.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
          </select>
        </label>
        <label className="field"><span>New or used</span>
          <select className="input" name="condition" value={p.condition ?? ""} onChange={(e) => setPref({ condition: (e.target.value || null) as Condition | null })}>
            <option value="">Either</option><option value="new">New</option><option value="used">Used</option><option value="cpo">Certified pre-owned</option>
          </select>
        </label>
        <Field name="makes" label="Makes" value={lists.makes} onChange={(v) => setLists((l) => ({ ...l, makes: v }))} error={errors["preferences.makes"]} placeholder="Honda, Toyota" />
        <Field name="models" label="Models" value={lists.models} onChange={(v) => setLists((l) => ({ ...l, models: v }))} error={errors["preferences.models"]} placeholder="CR-V, RAV4" />
        <fieldset className="span-2 body-types"><legend>Body</legend>
          {BODIES.map((b) => (
            <Checkbox key={b} name={`body_${b}`} label={b} checked={p.body_types.includes(b)}
              onChange={(on) => setPref({ body_types: on ? [...p.body_types, b] : p.body_types.filter((x) => x !== b) })} />
          ))}
        </fieldset>
        <div className="field"><label htmlFor="budget_max">Budget up to</label>
          <MoneyInput id="budget_max" name="budget_max" value={amounts.budget_max} onValue={(v) => setAmounts((a) => ({ ...a, budget_max: v }))} placeholder="35,000" />
          {errors["preferences.budget_max_cents"] && <div className="field-error" role="alert">{errors["preferences.budget_max_cents"]}</div>}</div>
        <div className="field"><label htmlFor="target_payment">Target payment / month</label>
          <MoneyInput id="target_payment" name="target_payment" value={amounts.target_payment} onValue={(v) => setAmounts((a) => ({ ...a, target_payment: v }))} placeholder="450" />
          {errors["preferences.target_payment_cents"] && <div className="field-error" role="alert">{errors["preferences.target_payment_cents"]}</div>}</div>
        <Field name="must_haves" label="Must-haves" className="span-2" value={lists.must_haves} onChange={(v) => setLists((l) => ({ ...l, must_haves: v }))} error={errors["preferences.must_haves"]} placeholder="AWD, third row, CarPlay" />
        <Field name="trade_in" label="Trade-in" className="span-2" value={p.trade_in} onChange={(v) => setPref({ trade_in: v })} error={errors["preferences.trade_in"]} placeholder="2016 Civic, 90k miles" />
      </div>
      <h3 className="form-section">Notes</h3>
      <Field name="notes" label="Notes" multiline value={draft.notes} onChange={set("notes")} error={errors.notes} />
      <div className="form-actions">
        <button type="button" className="btn" onClick={onCancel}>Cancel <span className="kbd">Esc</span></button>
        <button type="submit" className="btn primary" disabled={saving}>
          {saving ? "Saving…" : initial ? "Save changes" : "Create customer"} <span className="kbd">Ctrl ↵</span>
        </button>
      </div>
    </form>
  );
}
