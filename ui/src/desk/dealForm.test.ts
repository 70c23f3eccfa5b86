import { describe, expect, it } from "vitest";
import { initialForm, inputFor, toDeal } from "./dealForm";

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
});
