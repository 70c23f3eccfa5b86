// The quote builder's form state and its translation into the core's Deal. Pure, unit-tested.
import type { Deal, Terms } from "../bindings";
import { groupMoneyInput } from "../lib/format";

export type DealType = "cash" | "loan" | "lease";

export type DealForm = {
  jurisdiction: string;
  type: DealType;
  description: string; vin: string; stock_no: string; msrp: string; invoice: string;
  price: string; discount: string; rebate: string; doc_fee: string; title_fee: string;
  trade_allowance: string; trade_payoff: string; down: string;
  apr: string; loan_term: string;
  lease_term: string; residual: string; money_factor: string; acquisition_fee: string; miles: string; excess_mile: string;
};

export const initialForm = (): DealForm => ({
  jurisdiction: "TX", type: "loan",
  description: "", vin: "", stock_no: "", msrp: "", invoice: "",
  price: "", discount: "0", rebate: "0", doc_fee: "150", title_fee: "33",
  trade_allowance: "0", trade_payoff: "0", down: "2000",
  apr: "6.9", loan_term: "60",
  lease_term: "36", residual: "58", money_factor: "0.00150", acquisition_fee: "650", miles: "12000", excess_mile: "0.25",
});

const money = (s: string) => (s.trim() === "" ? "0" : s.trim().replace(/[$,\s]/g, ""));
const int = (s: string) => Number.parseInt(s, 10) || 0;

/** The form as the core's Deal. Validation stays in the core: bad values come back as field errors. */
function loanTerms(f: DealForm): Terms {
  return { type: "loan", apr: f.apr.trim() || "0", term_months: int(f.loan_term) };
}

function leaseTerms(f: DealForm): Terms {
  return {
    type: "lease", term_months: int(f.lease_term), residual_percent: f.residual.trim() || "0",
    money_factor: f.money_factor.trim() || "0", acquisition_fee: money(f.acquisition_fee), acquisition_fee_capitalized: true,
    miles_per_year: int(f.miles), excess_mile_charge: money(f.excess_mile), security_deposit: "0",
  };
}

export function toDeal(f: DealForm): Deal {
  const terms: Terms = f.type === "cash" ? { type: "cash" } : f.type === "loan" ? loanTerms(f) : leaseTerms(f);
  // Finance and lease side by side: the other kind is priced on its own grid (a lease needs MSRP).
  const alternatives: Terms[] = f.type === "lease" ? [loanTerms(f)] : f.msrp.trim() ? [leaseTerms(f)] : [];
  const rebate = money(f.rebate);
  const allowance = money(f.trade_allowance);
  return {
    jurisdiction: f.jurisdiction, date: null,
    vehicle: {
      description: f.description, vin: f.vin, stock_no: f.stock_no,
      msrp: f.msrp.trim() ? money(f.msrp) : null, invoice: f.invoice.trim() ? money(f.invoice) : null, reconditioning: "0",
    },
    price: money(f.price), options: [], discount: money(f.discount),
    rebates: rebate === "0" ? [] : [{ name: "Manufacturer rebate", amount: rebate, taxable: true }],
    fees: [
      { name: "Documentary fee", kind: "doc", amount: money(f.doc_fee), taxable: true },
      { name: "Title and registration", kind: "title", amount: money(f.title_fee), taxable: false },
    ],
    trade_in: allowance === "0" && money(f.trade_payoff) === "0" ? null
      : { description: "", vin: "", allowance, payoff: money(f.trade_payoff) },
    down_payment: money(f.down), terms, grid: null, alternatives: f.type === "cash" ? [] : alternatives,
  };
}

/** Which form input a core error field belongs to. */
export function inputFor(field: string): keyof DealForm | null {
  const map: Record<string, keyof DealForm> = {
    price: "price", discount: "discount", down_payment: "down", jurisdiction: "jurisdiction",
    "vehicle.msrp": "msrp", "terms.apr": "apr", "trade_in.payoff": "trade_payoff", "trade_in.allowance": "trade_allowance",
    "terms.residual_percent": "residual", "terms.money_factor": "money_factor", "terms.miles_per_year": "miles",
    "terms.acquisition_fee": "acquisition_fee",
  };
  if (field === "terms.term_months") return null;
  if (field.startsWith("fees[0]")) return "doc_fee";
  if (field.startsWith("fees[1]")) return "title_fee";
  if (field.startsWith("rebates")) return "rebate";
  return map[field] ?? null;
}

/** A saved deal back in the form (reopening a quote): the inverse of `toDeal` for what the form holds. */
export function fromDeal(d: Deal): DealForm {
  const f = initialForm();
  const shown = (m: string | null | undefined) => (m ? groupMoneyInput(m.replace(/\.00$/, ""), 0).text : "");
  const loan = d.terms.type === "loan" ? d.terms : d.alternatives.find((t) => t.type === "loan");
  const lease = d.terms.type === "lease" ? d.terms : d.alternatives.find((t) => t.type === "lease");
  const fee = (kind: string) => d.fees.find((x) => x.kind === kind)?.amount ?? "0";
  return {
    ...f,
    jurisdiction: d.jurisdiction, type: d.terms.type,
    description: d.vehicle.description, vin: d.vehicle.vin, stock_no: d.vehicle.stock_no,
    msrp: shown(d.vehicle.msrp), invoice: shown(d.vehicle.invoice),
    price: shown(d.price), discount: shown(d.discount) || "0", rebate: shown(d.rebates[0]?.amount) || "0",
    doc_fee: shown(fee("doc")) || "0", title_fee: shown(fee("title")) || "0",
    trade_allowance: shown(d.trade_in?.allowance) || "0", trade_payoff: shown(d.trade_in?.payoff) || "0",
    down: shown(d.down_payment) || "0",
    apr: loan?.type === "loan" ? loan.apr : f.apr, loan_term: loan?.type === "loan" ? String(loan.term_months) : f.loan_term,
    ...(lease?.type === "lease" ? {
      lease_term: String(lease.term_months), residual: lease.residual_percent, money_factor: lease.money_factor,
      acquisition_fee: shown(lease.acquisition_fee) || "0", miles: String(lease.miles_per_year), excess_mile: lease.excess_mile_charge,
    } : {}),
  };
}
