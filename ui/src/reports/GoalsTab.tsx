// Goals & plans (managers): this month's goals per rep and for the team, commission plans
// (flat per unit, % of front-end gross, minimum per deal, retroactive unit tiers, CSAT bonus,
// who is on it). Each bad value is named next to it by the core.
import { useCallback, useEffect, useState } from "react";
import type { CommissionPlan, Goal, Staff } from "../bindings";
import { api, fieldErrors } from "../api";
import { MoneyInput } from "../components/Field";
import { useToast } from "../components/Toasts";
import { monthOf } from "../lib/ranges";
import { centsText } from "../lib/format";
import { useLatest } from "../lib/latest";

const NIL = "00000000-0000-0000-0000-000000000000";
const dollars = (cents: number) => centsText(cents);
// Typed amounts go through the core's money parser; an unreadable one becomes -1 for the core to
// refuse by name on save.
const cents = (text: string): Promise<number> => (text.trim() ? api.parseMoney(text, "amount").catch(() => -1) : Promise.resolve(0));

export function GoalsTab({ staff }: { staff: Staff }) {
  const [month, setMonth] = useState(monthOf());
  const [goals, setGoals] = useState<Goal[]>([]);
  const [plans, setPlans] = useState<CommissionPlan[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const toast = useToast();
  const reps = staff.users.filter((u) => u.role === "rep");
  const latestGoals = useLatest();
  const latestPlans = useLatest();
  const load = useCallback(() => {
    latestGoals(api.goals(month), setGoals, () => setGoals([]));
    latestPlans(api.commissionPlans(), setPlans, () => setPlans([]));
  }, [month, latestGoals, latestPlans]);
  useEffect(load, [load]);
  const goalFor = (user: string | null): Goal =>
    goals.find((g) => g.user_id === user) ?? { id: NIL, user_id: user, team_id: null, month, units: 0, gross_cents: 0, activities: 0 };
  const saveGoal = async (g: Goal, key: string) => {
    try { await api.saveGoal(g); setErrors({}); toast("Goal saved"); load(); } catch (e) { setErrors(Object.fromEntries(Object.entries(fieldErrors(e)).map(([f, m]) => [`${key}.${f}`, m]))); }
  };
  const plan: CommissionPlan = plans[0] ?? {
    id: NIL, name: "Standard", flat_per_unit_cents: 0, gross_percent_bp: 2000, minimum_per_deal_cents: 0, tiers: [], csat_bonus_cents: 0, csat_min_tenths: 45, user_ids: reps.map((r) => r.id),
  };
  const [draft, setDraft] = useState<CommissionPlan | null>(null);
  const p = draft ?? plan;
  const savePlan = async () => {
    try { await api.saveCommissionPlan(p); setDraft(null); setErrors({}); toast(`Plan ${p.name} saved`); load(); } catch (e) { setErrors(Object.fromEntries(Object.entries(fieldErrors(e)).map(([f, m]) => [`plan.${f}`, m]))); }
  };
  const err = (k: string) => errors[k] && <div className="field-error" role="alert" data-field-error={k}>{errors[k]}</div>;
  return (
    <div className="goals-tab">
      <section className="card" aria-label="Goals">
        <div className="row-actions" style={{ justifyContent: "space-between" }}>
          <h2 className="form-section" style={{ marginTop: 0 }}>Goals</h2>
          <label className="filter">Month<input className="input" type="month" name="goal_month" value={month} onChange={(e) => setMonth(e.target.value)} /></label>
        </div>
        <table className="grid goals-table" aria-label="Goals of the month">
          <thead><tr><th>Who</th><th>Units</th><th>Gross ($)</th><th>Activities</th><th /></tr></thead>
          <tbody>
            {[{ id: null as string | null, name: "Team" }, ...reps.map((r) => ({ id: r.id as string | null, name: r.name }))].map((who) => {
              const g = goalFor(who.id);
              const key = who.id ?? "team";
              return <GoalRow key={`${key}-${month}-${g.id}`} name={who.name} goal={g} onSave={(x) => void saveGoal(x, key)} error={Object.entries(errors).filter(([k]) => k.startsWith(`${key}.`)).map(([, v]) => v).join("; ")} />;
            })}
          </tbody>
        </table>
      </section>
      <section className="card" aria-label="Commission plan" key={plan.id}>
        <h2 className="form-section" style={{ marginTop: 0 }}>Commission plan</h2>
        <div className="weights">
          <label className="filter">Name<input className="input" name="plan_name" value={p.name} onChange={(e) => setDraft({ ...p, name: e.target.value })} />{err("plan.name")}</label>
          <label className="filter">Flat per unit ($)<MoneyInput className="input narrow" name="flat" defaultValue={dollars(p.flat_per_unit_cents)} onBlur={async (e) => setDraft({ ...p, flat_per_unit_cents: await cents(e.target.value) })} /></label>
          <label className="filter">% of front-end gross<input className="input narrow" name="gross_percent" defaultValue={(p.gross_percent_bp / 100).toString()} onBlur={async (e) => setDraft({ ...p, gross_percent_bp: Math.round(Number(e.target.value) * 100) || 0 })} />{err("plan.gross_percent_bp")}</label>
          <label className="filter">Minimum per deal ($)<MoneyInput className="input narrow" name="minimum" defaultValue={dollars(p.minimum_per_deal_cents)} onBlur={async (e) => setDraft({ ...p, minimum_per_deal_cents: await cents(e.target.value) })} /></label>
          <label className="filter">CSAT bonus ($)<MoneyInput className="input narrow" name="csat_bonus" defaultValue={dollars(p.csat_bonus_cents)} onBlur={async (e) => setDraft({ ...p, csat_bonus_cents: await cents(e.target.value) })} /></label>
          <label className="filter">at average CSAT ≥<input className="input narrow" name="csat_min" defaultValue={(p.csat_min_tenths / 10).toString()} onBlur={async (e) => setDraft({ ...p, csat_min_tenths: Math.round(Number(e.target.value) * 10) || 0 })} />{err("plan.csat_min_tenths")}</label>
        </div>
        <h3 className="form-section">Unit tiers (paid on every unit of the month once reached)</h3>
        <table className="grid rules" aria-label="Tiers">
          <thead><tr><th>From units</th><th>Extra per unit ($)</th><th /></tr></thead>
          <tbody>
            {p.tiers.map((t, i) => (
              <tr key={i}>
                <td><input className="input narrow" aria-label={`Tier ${i + 1} from units`} value={t.from_units} onChange={(e) => setDraft({ ...p, tiers: p.tiers.map((x, j) => (j === i ? { ...x, from_units: Number(e.target.value) || 0 } : x)) })} />{err(`plan.tiers[${i}].from_units`)}</td>
                <td><MoneyInput className="input narrow" aria-label={`Tier ${i + 1} per unit`} defaultValue={dollars(t.per_unit_cents)} onBlur={async (e) => { const c = await cents(e.target.value); setDraft({ ...p, tiers: p.tiers.map((x, j) => (j === i ? { ...x, per_unit_cents: c } : x)) }); }} /></td>
                <td><button className="btn ghost small" onClick={() => setDraft({ ...p, tiers: p.tiers.filter((_, j) => j !== i) })}>Remove</button></td>
              </tr>
            ))}
          </tbody>
        </table>
        <button className="btn" onClick={() => setDraft({ ...p, tiers: [...p.tiers, { from_units: (p.tiers[p.tiers.length - 1]?.from_units ?? 0) + 5, per_unit_cents: 5000 }] })}>Add tier</button>
        <fieldset className="days"><legend className="field-hint">Reps on this plan</legend>
          {reps.map((r) => (
            <label key={r.id} className="check"><input type="checkbox" checked={p.user_ids.includes(r.id)}
              onChange={(e) => setDraft({ ...p, user_ids: e.target.checked ? [...p.user_ids, r.id] : p.user_ids.filter((x) => x !== r.id) })} /> {r.name}</label>
          ))}
        </fieldset>
        <div className="row-actions" style={{ justifyContent: "flex-start" }}><button className="btn primary" onClick={() => void savePlan()}>Save plan</button></div>
      </section>
    </div>
  );
}

function GoalRow({ name, goal, onSave, error }: { name: string; goal: Goal; onSave: (g: Goal) => void; error: string }) {
  const [g, setG] = useState(goal);
  return (
    <tr data-goal-row={name}>
      <td className="strong">{name}</td>
      <td><input className="input narrow" aria-label={`Units goal of ${name}`} value={g.units} onChange={(e) => setG({ ...g, units: Number(e.target.value) || 0 })} /></td>
      <td><MoneyInput className="input narrow" aria-label={`Gross goal of ${name}`} defaultValue={dollars(g.gross_cents)} onBlur={async (e) => setG({ ...g, gross_cents: await cents(e.target.value) })} /></td>
      <td><input className="input narrow" aria-label={`Activities goal of ${name}`} value={g.activities} onChange={(e) => setG({ ...g, activities: Number(e.target.value) || 0 })} /></td>
      <td><button className="btn small" onClick={() => onSave(g)}>Save</button>{error && <div className="field-error" role="alert">{error}</div>}</td>
    </tr>
  );
}
