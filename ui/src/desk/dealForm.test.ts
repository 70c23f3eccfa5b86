import { describe, expect, it } from "vitest";
import { fromDeal, initialForm, inputFor, toDeal } from "./dealForm";

describe("deal form", () => {
  it("turns the form into the core's deal with money as strings", () => {
    const f = { ...initialForm(), price: "$29,500", rebate: "1000", trade_allowance: "8000", trade_payoff: "5000.50" };
    const d = toDeal(f);
    expect(d.price).toBe("29500");
    expect(d.rebates).toEqual([{ name: "Manufacturer rebate", amount: "1000", taxable: true }]);
    expect(d.trade_in).toEqual({ description: "", vin: "", allowance: "8000", payoff: "5000.50" });
    expect(d.terms).toEqual({ type: "loan", apr: "6.9", term_months: 60 });
    expect(d.alternatives).toEqual([]); // no lease beside the loan without an MSRP
  });

  it("prices a lease beside a loan when the MSRP is known, and a loan beside a lease", () => {
    const loan = toDeal({ ...initialForm(), msrp: "36000" });
    expect(loan.alternatives.map((t) => t.type)).toEqual(["lease"]);
    const lease = toDeal({ ...initialForm(), type: "lease", msrp: "36000" });
    expect(lease.alternatives).toEqual([{ type: "loan", apr: "6.9", term_months: 60 }]);
  });

  it("builds lease terms and leaves out an empty trade", () => {
    const d = toDeal({ ...initialForm(), type: "lease", msrp: "36000" });
    expect(d.terms.type).toBe("lease");
    expect(d.vehicle.msrp).toBe("36000");
    expect(d.trade_in).toBeNull();
  });

  it("maps core error fields back to inputs", () => {
    expect(inputFor("terms.apr")).toBe("apr");
    expect(inputFor("fees[0].amount")).toBe("doc_fee");
    expect(inputFor("trade_in.payoff")).toBe("trade_payoff");
    expect(inputFor("unknown")).toBeNull();
  });

  it("reopens a saved deal into the same form, so saving it again changes nothing", () => {
    const forms = [
      { ...initialForm(), description: "2025 Honda CR-V EX", stock_no: "H1234", price: "32,450", discount: "500", rebate: "1,000",
        trade_allowance: "8,000", trade_payoff: "5,000.50", down: "3,000", msrp: "34,000", invoice: "30,100" },
      { ...initialForm(), type: "lease" as const, msrp: "36,000", price: "35,000", lease_term: "39", residual: "55", money_factor: "0.00210" },
      { ...initialForm(), type: "cash" as const, price: "18,995" },
    ];
    for (const f of forms) {
      const saved = toDeal(f);
      // The core hands amounts back with two decimals.
      const money = new Set(["price", "discount", "amount", "allowance", "payoff", "down_payment", "msrp", "invoice", "acquisition_fee", "reconditioning"]);
      const fromCore = JSON.parse(JSON.stringify(saved), (k, v) => (money.has(k) && typeof v === "string" && /^\d+$/.test(v) ? `${v}.00` : v));
      expect(toDeal(fromDeal(fromCore))).toEqual(toDeal(fromDeal(saved)));
      expect(toDeal(fromDeal(saved))).toEqual(saved);
    }
    expect(fromDeal(toDeal(forms[0])).price).toBe("32,450");
  });
});
