//! The deal desk: from a deal's inputs (price, options, rebates, fees, trade-in, down payment,
//! jurisdiction, cash / loan / lease terms) to every line, tax, payment and a payment grid, exact to
//! the cent. Pure: no I/O. The order of operations and every rounding point are documented in
//! `docs/deal-json.md`.

pub mod finance;
pub mod money;
pub mod tax;

use crate::error::{CoreError, FieldError, Result};
use chrono::NaiveDate;
use finance::{amortize, lease_parts, loan_payment};
use money::{Money, round_cents};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tax::{Jurisdiction, LeaseTax, TaxTable};
use ts_rs::TS;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct DealVehicle {
    pub description: String,
    pub vin: String,
    pub stock_no: String,
    /// Needed for a lease (the residual is a percent of MSRP).
    pub msrp: Option<Money>,
    /// Dealer cost, for front-end gross (never printed for the customer).
    pub invoice: Option<Money>,
    pub reconditioning: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub name: String,
    pub amount: Money,
    /// Options and fees: whether sales tax applies. Ignored for rebates.
    #[serde(default = "yes")]
    pub taxable: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// The dealer's documentation fee: capped per jurisdiction.
    Doc,
    Title,
    Registration,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub name: String,
    pub kind: FeeKind,
    pub amount: Money,
    pub taxable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct TradeIn {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub vin: String,
    /// What the dealership pays for the trade.
    pub allowance: Money,
    /// What the customer still owes on it.
    #[serde(default)]
    pub payoff: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Terms {
    Cash,
    Loan {
        /// Percent, e.g. `"7.5"`.
        #[ts(type = "string")]
        apr: Decimal,
        term_months: u32,
    },
    Lease {
        term_months: u32,
        /// Percent of MSRP, e.g. `"58"`.
        #[ts(type = "string")]
        residual_percent: Decimal,
        /// E.g. `"0.00125"` (= 3.0% APR equivalent).
        #[ts(type = "string")]
        money_factor: Decimal,
        #[serde(default)]
        acquisition_fee: Money,
        /// True: added to the cap cost; false: paid at signing.
        #[serde(default = "yes")]
        acquisition_fee_capitalized: bool,
        #[serde(default = "default_miles")]
        miles_per_year: u32,
        #[serde(default)]
        excess_mile_charge: Money,
        #[serde(default)]
        security_deposit: Money,
    },
}

fn default_miles() -> u32 {
    12_000
}

/// What the payment grid varies: terms (months) × down payments (cash down for a loan, cap cost
/// reduction for a lease).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    pub terms: Vec<u32>,
    pub down_payments: Vec<Money>,
}

/// Everything the desk needs for one deal. This is the `DEAL.json` of `showroom quote calc`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Deal {
    /// A jurisdiction code, e.g. `"TX"`, or a custom one from Settings.
    pub jurisdiction: String,
    /// The date taxes are looked up for; default today.
    #[serde(default)]
    #[ts(type = "string | null")]
    pub date: Option<NaiveDate>,
    #[serde(default)]
    pub vehicle: DealVehicle,
    /// Selling price of the vehicle before options, discount and rebates.
    pub price: Money,
    #[serde(default)]
    pub options: Vec<Item>,
    #[serde(default)]
    pub discount: Money,
    /// Manufacturer rebates and incentives.
    #[serde(default)]
    pub rebates: Vec<Item>,
    #[serde(default)]
    pub fees: Vec<Fee>,
    #[serde(default)]
    pub trade_in: Option<TradeIn>,
    /// Cash down (loan) or cash cap cost reduction (lease).
    #[serde(default)]
    pub down_payment: Money,
    pub terms: Terms,
    #[serde(default)]
    pub grid: Option<GridSpec>,
    /// Other terms to price on a grid beside the chosen ones (a lease beside a loan, or the reverse).
    #[serde(default)]
    pub alternatives: Vec<Terms>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Price,
    Option,
    Discount,
    Rebate,
    Fee,
    Tax,
    Trade,
    Down,
    Deposit,
    Total,
}

/// One itemised line of the worksheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Line {
    pub kind: LineKind,
    pub label: String,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TaxLine {
    pub name: String,
    pub jurisdiction: String,
    #[ts(type = "string")]
    pub rate: Decimal,
    /// The amount the rate applies to.
    pub base: Money,
    pub amount: Money,
    /// `sale`, `lease_monthly` (per payment), or `lease_upfront`.
    pub applies_to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LoanResult {
    #[ts(type = "string")]
    pub apr: Decimal,
    pub term_months: u32,
    pub amount_financed: Money,
    pub payment: Money,
    /// The last payment, which absorbs rounding.
    pub final_payment: Money,
    pub total_of_payments: Money,
    pub finance_charge: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LeaseResult {
    pub term_months: u32,
    pub msrp: Money,
    #[ts(type = "string")]
    pub residual_percent: Decimal,
    pub residual: Money,
    #[ts(type = "string")]
    pub money_factor: Decimal,
    /// Money factor × 2400, for comparison with a loan APR.
    #[ts(type = "string")]
    pub apr_equivalent: Decimal,
    pub gross_cap_cost: Money,
    pub cap_cost_reduction: Money,
    pub adjusted_cap_cost: Money,
    pub depreciation: Money,
    pub rent_charge: Money,
    pub base_payment: Money,
    pub monthly_tax: Money,
    pub payment: Money,
    pub due_at_signing: Vec<Line>,
    pub due_at_signing_total: Money,
    pub total_of_payments: Money,
    pub miles_allowed: u32,
    pub excess_mile_charge: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GridCell {
    pub term_months: u32,
    pub down_payment: Money,
    pub payment: Money,
}

/// The computed deal: every line, tax and figure, plus warnings (a capped doc fee, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DealCalc {
    pub jurisdiction: String,
    #[ts(type = "string")]
    pub tax_date: NaiveDate,
    pub lines: Vec<Line>,
    pub taxes: Vec<TaxLine>,
    /// Vehicle price after options and discount.
    pub vehicle_price: Money,
    pub rebates_total: Money,
    pub fees_total: Money,
    pub tax_total: Money,
    /// Positive equity reduces what is owed; negative equity adds to it.
    pub trade_equity: Money,
    /// Price + fees + taxes − rebates, before trade and down payment.
    pub out_the_door: Money,
    /// What the customer still pays after trade equity and cash down (cash deals).
    pub balance_due: Money,
    pub loan: Option<LoanResult>,
    pub lease: Option<LeaseResult>,
    /// Loan and lease payments for the grid's terms × down payments.
    pub loan_grid: Vec<GridCell>,
    pub lease_grid: Vec<GridCell>,
    /// Manager-only: vehicle price − invoice − reconditioning. Never on customer documents.
    pub front_end_gross: Option<Money>,
    pub warnings: Vec<FieldError>,
}

/// Highest APR the desk accepts; above it the input is almost surely a typo (75 for 7.5).
pub const MAX_APR: i64 = 36;
/// Lenders rarely finance more than this share of the vehicle's price.
pub const MAX_LOAN_TO_VALUE_PERCENT: i64 = 150;

fn validate(deal: &Deal) -> Vec<FieldError> {
    let mut e = Vec::new();
    let mut non_negative = |field: String, m: Money| {
        if m.is_negative() {
            e.push(FieldError::new(field, "must not be negative"));
        }
    };
    non_negative("price".into(), deal.price);
    non_negative("discount".into(), deal.discount);
    non_negative("down_payment".into(), deal.down_payment);
    non_negative("vehicle.reconditioning".into(), deal.vehicle.reconditioning);
    for (i, o) in deal.options.iter().enumerate() {
        non_negative(format!("options[{i}].amount"), o.amount);
    }
    for (i, r) in deal.rebates.iter().enumerate() {
        non_negative(format!("rebates[{i}].amount"), r.amount);
    }
    for (i, f) in deal.fees.iter().enumerate() {
        non_negative(format!("fees[{i}].amount"), f.amount);
    }
    if let Some(t) = &deal.trade_in {
        non_negative("trade_in.allowance".into(), t.allowance);
        non_negative("trade_in.payoff".into(), t.payoff);
    }
    if let Some(m) = deal.vehicle.msrp {
        non_negative("vehicle.msrp".into(), m);
    }
    if deal.price == Money::ZERO {
        e.push(FieldError::new("price", "is required"));
    }
    if deal.price > Money::ZERO && deal.discount > deal.price {
        e.push(FieldError::new("discount", "is larger than the price"));
    }
    validate_terms(&mut e, &deal.terms, "terms", deal.vehicle.msrp.is_none());
    for (i, alt) in deal.alternatives.iter().enumerate() {
        validate_terms(&mut e, alt, &format!("alternatives[{i}]"), false);
    }
    if let Some(g) = &deal.grid {
        if g.terms.is_empty() || g.terms.len() > 6 || g.down_payments.is_empty() || g.down_payments.len() > 6 {
            e.push(FieldError::new("grid", "needs 1 to 6 terms and 1 to 6 down payments"));
        }
        for t in &g.terms {
            term_ok(&mut e, "grid.terms", *t);
        }
        for d in &g.down_payments {
            if d.is_negative() {
                e.push(FieldError::new("grid.down_payments", "must not be negative"));
            }
        }
    }
    e
}

fn term_ok(e: &mut Vec<FieldError>, field: &str, t: u32) {
    if !(1..=96).contains(&t) {
        e.push(FieldError::new(field, format!("{t} months: a term must be between 1 and 96 months")));
    }
}

fn validate_terms(e: &mut Vec<FieldError>, terms: &Terms, prefix: &str, msrp_missing: bool) {
    match terms {
        Terms::Cash => {}
        Terms::Loan { apr, term_months } => {
            if *apr < Decimal::ZERO || *apr > Decimal::from(MAX_APR) {
                e.push(FieldError::new(format!("{prefix}.apr"), format!("{apr}% is not between 0% and {MAX_APR}%")));
            }
            term_ok(e, &format!("{prefix}.term_months"), *term_months);
        }
        Terms::Lease {
            term_months,
            residual_percent,
            money_factor,
            acquisition_fee,
            excess_mile_charge,
            security_deposit,
            miles_per_year,
            ..
        } => {
            term_ok(e, &format!("{prefix}.term_months"), *term_months);
            if *residual_percent <= Decimal::ZERO || *residual_percent > Decimal::ONE_HUNDRED {
                e.push(FieldError::new(
                    format!("{prefix}.residual_percent"),
                    format!("{residual_percent}% must be above 0% and at most 100%"),
                ));
            }
            if *money_factor < Decimal::ZERO || *money_factor > Decimal::new(15, 3) {
                e.push(FieldError::new(
                    format!("{prefix}.money_factor"),
                    format!("{money_factor} is not between 0 and 0.015 (36% APR)"),
                ));
            }
            if msrp_missing {
                e.push(FieldError::new("vehicle.msrp", "is required for a lease: the residual is a percent of MSRP"));
            }
            if !(1_000..=50_000).contains(miles_per_year) {
                e.push(FieldError::new(format!("{prefix}.miles_per_year"), "must be between 1,000 and 50,000"));
            }
            for (f, m) in [
                (&format!("{prefix}.acquisition_fee"), acquisition_fee),
                (&format!("{prefix}.excess_mile_charge"), excess_mile_charge),
                (&format!("{prefix}.security_deposit"), security_deposit),
            ] {
                if m.is_negative() {
                    e.push(FieldError::new(f, "must not be negative"));
                }
            }
        }
    }
}

fn percent_of(base: Money, percent: Decimal) -> Money {
    round_cents(base.to_decimal() * percent / Decimal::ONE_HUNDRED)
}

/// Computes a deal. Errors name every bad field; warnings (a capped doc fee) come with the result.
pub fn calculate(deal: &Deal, taxes: &TaxTable, today: NaiveDate) -> Result<DealCalc> {
    let mut errors = validate(deal);
    let date = deal.date.unwrap_or(today);
    let jur = match taxes.lookup(&deal.jurisdiction, date) {
        Ok(j) => Some(j),
        Err(CoreError::Validation(mut f)) => {
            errors.append(&mut f);
            None
        }
        Err(other) => return Err(other),
    };
    if !errors.is_empty() {
        return Err(CoreError::Validation(errors));
    }
    let Some(jur) = jur else { return Err(CoreError::field("jurisdiction", "is required")) };
    let mut warnings = Vec::new();
    let mut lines = Vec::new();

    // 1. Vehicle price: price + options − discount.
    lines.push(Line { kind: LineKind::Price, label: "Vehicle selling price".into(), amount: deal.price });
    let mut vehicle_price = deal.price;
    let mut taxable_options = Money::ZERO;
    for o in &deal.options {
        lines.push(Line { kind: LineKind::Option, label: o.name.clone(), amount: o.amount });
        vehicle_price += o.amount;
        if o.taxable {
            taxable_options += o.amount;
        }
    }
    if deal.discount > Money::ZERO {
        lines.push(Line { kind: LineKind::Discount, label: "Dealer discount".into(), amount: -deal.discount });
        vehicle_price -= deal.discount;
    }
    let untaxed_options: Money = deal.options.iter().filter(|o| !o.taxable).map(|o| o.amount).sum();

    // 2. Fees, with the jurisdiction's doc-fee cap.
    let mut fees_total = Money::ZERO;
    let mut taxable_fees = Money::ZERO;
    for (i, f) in deal.fees.iter().enumerate() {
        let mut amount = f.amount;
        if f.kind == FeeKind::Doc
            && let Some(cap) = jur.doc_fee_cap.filter(|cap| amount > *cap)
        {
            warnings.push(FieldError::new(
                format!("fees[{i}].amount"),
                format!(
                    "{} documentation fee reduced from {} to {}'s cap of {}",
                    f.name,
                    amount.pretty(),
                    jur.name,
                    cap.pretty()
                ),
            ));
            amount = cap;
        }
        lines.push(Line { kind: LineKind::Fee, label: f.name.clone(), amount });
        fees_total += amount;
        if f.taxable {
            taxable_fees += amount;
        }
    }

    // 3. Rebates and trade-in.
    let rebates_total: Money = deal.rebates.iter().map(|r| r.amount).sum();
    for r in &deal.rebates {
        lines.push(Line { kind: LineKind::Rebate, label: r.name.clone(), amount: -r.amount });
    }
    let (allowance, payoff) = deal.trade_in.as_ref().map(|t| (t.allowance, t.payoff)).unwrap_or_default();
    let trade_equity = allowance - payoff;

    // 4. Sales tax (cash and loan): each rate on the taxable amount, rounded half-up per line.
    let mut sale_taxable = vehicle_price - untaxed_options + taxable_fees;
    if jur.trade_in_reduces_taxable {
        sale_taxable -= allowance;
    }
    if !jur.rebates_taxable {
        sale_taxable -= rebates_total;
    }
    let sale_taxable = sale_taxable.max(Money::ZERO);
    let is_lease = matches!(deal.terms, Terms::Lease { .. });
    let mut taxes_out = Vec::new();
    if !is_lease {
        for r in &jur.rates {
            taxes_out.push(TaxLine {
                name: r.name.clone(),
                jurisdiction: jur.code.clone(),
                rate: r.rate,
                base: sale_taxable,
                amount: percent_of(sale_taxable, r.rate),
                applies_to: "sale".into(),
            });
        }
    }
    let sale_tax: Money = taxes_out.iter().map(|t| t.amount).sum();
    // What the sale tax would be if bought rather than leased: for a loan grid beside a lease.
    let sale_tax_if_bought: Money = jur.rates.iter().map(|r| percent_of(sale_taxable, r.rate)).sum();
    for t in &taxes_out {
        lines.push(Line {
            kind: LineKind::Tax,
            label: format!("{} ({}%)", t.name, t.rate.normalize()),
            amount: t.amount,
        });
    }
    let out_the_door = vehicle_price + fees_total + sale_tax - rebates_total;
    if deal.trade_in.is_some() {
        lines.push(Line { kind: LineKind::Trade, label: "Trade-in allowance".into(), amount: -allowance });
        if payoff > Money::ZERO {
            lines.push(Line { kind: LineKind::Trade, label: "Trade-in payoff".into(), amount: payoff });
        }
    }
    if deal.down_payment > Money::ZERO {
        lines.push(Line {
            kind: LineKind::Down,
            label: if is_lease { "Cash cap cost reduction".into() } else { "Cash down".into() },
            amount: -deal.down_payment,
        });
    }
    let balance_due = out_the_door - trade_equity - deal.down_payment;

    let front_end_gross = deal.vehicle.invoice.map(|inv| vehicle_price - inv - deal.vehicle.reconditioning);
    let mut calc = DealCalc {
        jurisdiction: jur.code.clone(),
        tax_date: date,
        lines,
        taxes: taxes_out,
        vehicle_price,
        rebates_total,
        fees_total,
        tax_total: sale_tax,
        trade_equity,
        out_the_door,
        balance_due,
        loan: None,
        lease: None,
        loan_grid: Vec::new(),
        lease_grid: Vec::new(),
        front_end_gross,
        warnings,
    };

    let grid = deal.grid.clone().unwrap_or_else(|| default_grid(deal));
    match &deal.terms {
        Terms::Cash => {
            calc.lines.push(Line { kind: LineKind::Total, label: "Balance due".into(), amount: balance_due });
        }
        Terms::Loan { apr, term_months } => {
            let financed = out_the_door - trade_equity - deal.down_payment;
            check_ltv(financed, vehicle_price, trade_equity)?;
            calc.loan = Some(loan_result(financed.max(Money::ZERO), *apr, *term_months));
            calc.lines.push(Line {
                kind: LineKind::Total,
                label: "Amount financed".into(),
                amount: financed.max(Money::ZERO),
            });
            for &t in &grid.terms {
                for &d in &grid.down_payments {
                    let p = (out_the_door - trade_equity - d).max(Money::ZERO);
                    calc.loan_grid.push(GridCell {
                        term_months: t,
                        down_payment: d,
                        payment: loan_payment(p, *apr, t),
                    });
                }
            }
        }
        Terms::Lease { .. } => {
            let lease =
                lease_result(deal, jur, vehicle_price, fees_total, rebates_total, trade_equity, deal.down_payment)?;
            calc.taxes.extend(lease.1.clone());
            calc.tax_total = calc.taxes.iter().filter(|t| t.applies_to != "lease_monthly").map(|t| t.amount).sum();
            for &t in &grid.terms {
                for &d in &grid.down_payments {
                    let mut alt = deal.clone();
                    if let Terms::Lease { term_months, .. } = &mut alt.terms {
                        *term_months = t;
                    }
                    let cell = lease_result(&alt, jur, vehicle_price, fees_total, rebates_total, trade_equity, d)?;
                    calc.lease_grid.push(GridCell { term_months: t, down_payment: d, payment: cell.0.payment });
                }
            }
            calc.lease = Some(lease.0);
        }
    }
    // Alternatives: the other kind of financing on its own grid, same down payments.
    for (i, alt) in deal.alternatives.iter().enumerate() {
        let mut alt_deal = deal.clone();
        alt_deal.terms = alt.clone();
        alt_deal.alternatives.clear();
        let alt_grid = GridSpec { terms: default_grid(&alt_deal).terms, down_payments: grid.down_payments.clone() };
        match alt {
            Terms::Loan { apr, .. } if calc.loan_grid.is_empty() => {
                let otd = vehicle_price + fees_total + sale_tax_if_bought - rebates_total;
                for &t in &alt_grid.terms {
                    for &d in &alt_grid.down_payments {
                        let p = (otd - trade_equity - d).max(Money::ZERO);
                        calc.loan_grid.push(GridCell {
                            term_months: t,
                            down_payment: d,
                            payment: loan_payment(p, *apr, t),
                        });
                    }
                }
            }
            Terms::Lease { .. } if calc.lease_grid.is_empty() => {
                if deal.vehicle.msrp.is_none() {
                    calc.warnings.push(FieldError::new(
                        format!("alternatives[{i}]"),
                        "a lease comparison needs the vehicle's MSRP",
                    ));
                    continue;
                }
                for &t in &alt_grid.terms {
                    for &d in &alt_grid.down_payments {
                        if let Terms::Lease { term_months, .. } = &mut alt_deal.terms {
                            *term_months = t;
                        }
                        // A cell whose reductions fall below the residual is left out, not an error.
                        if let Ok(cell) =
                            lease_result(&alt_deal, jur, vehicle_price, fees_total, rebates_total, trade_equity, d)
                        {
                            calc.lease_grid.push(GridCell { term_months: t, down_payment: d, payment: cell.0.payment });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(calc)
}

fn check_ltv(financed: Money, vehicle_price: Money, equity: Money) -> Result<()> {
    if vehicle_price > Money::ZERO && financed.cents() * 100 > vehicle_price.cents() * MAX_LOAN_TO_VALUE_PERCENT {
        return Err(CoreError::field(
            "trade_in.payoff",
            format!(
                "the amount financed ({}) would be more than {MAX_LOAN_TO_VALUE_PERCENT}% of the vehicle's price ({}){}; no lender finances that",
                financed.pretty(),
                vehicle_price.pretty(),
                if equity.is_negative() {
                    format!(" because of {} negative equity", (-equity).pretty())
                } else {
                    String::new()
                }
            ),
        ));
    }
    Ok(())
}

fn loan_result(financed: Money, apr: Decimal, months: u32) -> LoanResult {
    let schedule = amortize(financed, apr, months);
    let payment = loan_payment(financed, apr, months);
    let total: Money = schedule.iter().map(|r| r.payment).sum();
    LoanResult {
        apr,
        term_months: months,
        amount_financed: financed,
        payment,
        final_payment: schedule.last().map(|r| r.payment).unwrap_or_default(),
        total_of_payments: total,
        finance_charge: total - financed,
    }
}

fn default_grid(deal: &Deal) -> GridSpec {
    let term = match deal.terms {
        Terms::Loan { term_months, .. } | Terms::Lease { term_months, .. } => term_months,
        Terms::Cash => 60,
    };
    let mut terms = vec![term.saturating_sub(12).max(12), term, (term + 12).min(96)];
    terms.dedup();
    let d = deal.down_payment;
    let step = Money::from_dollars(1_000).max(round_cents(d.to_decimal() / Decimal::TWO));
    GridSpec { terms, down_payments: vec![(d - step).max(Money::ZERO), d, d + step] }
}

#[allow(clippy::too_many_arguments)]
fn lease_result(
    deal: &Deal,
    jur: &Jurisdiction,
    vehicle_price: Money,
    fees_total: Money,
    rebates_total: Money,
    trade_equity: Money,
    cash_reduction: Money,
) -> Result<(LeaseResult, Vec<TaxLine>)> {
    let Terms::Lease {
        term_months,
        residual_percent,
        money_factor,
        acquisition_fee,
        acquisition_fee_capitalized,
        miles_per_year,
        excess_mile_charge,
        security_deposit,
    } = &deal.terms
    else {
        return Err(CoreError::field("terms", "not a lease"));
    };
    let n = *term_months;
    let msrp = deal.vehicle.msrp.unwrap_or_default();
    let residual = percent_of(msrp, *residual_percent);
    // Gross cap cost: selling price (+ acquisition fee when capitalised) + negative equity.
    let mut gross = vehicle_price;
    if *acquisition_fee_capitalized {
        gross += *acquisition_fee;
    }
    if trade_equity.is_negative() {
        gross += -trade_equity;
    }
    // Cap cost reduction: cash + rebates + positive trade equity.
    let reduction = cash_reduction + rebates_total + trade_equity.max(Money::ZERO);
    let adjusted = gross - reduction;
    if adjusted < residual {
        return Err(CoreError::field(
            "down_payment",
            format!(
                "the cap cost reductions bring the adjusted cap cost ({}) below the residual ({})",
                adjusted.pretty(),
                residual.pretty()
            ),
        ));
    }
    let (depreciation, rent) = lease_parts(adjusted, residual, *money_factor, n);
    let base = depreciation + rent;
    let rates: Vec<&tax::TaxRate> = jur.rates.iter().chain(&jur.lease_rates).collect();
    let mut taxes = Vec::new();
    let mut upfront_tax = Money::ZERO;
    let mut monthly_tax = Money::ZERO;
    // The base each rate applies to, by the jurisdiction's lease rule.
    let full_price_base = {
        let mut b = vehicle_price;
        if jur.trade_in_reduces_taxable {
            b -= deal.trade_in.as_ref().map(|t| t.allowance).unwrap_or_default();
        }
        if !jur.rebates_taxable {
            b -= rebates_total;
        }
        b.max(Money::ZERO)
    };
    let reduction_taxed = jur.lease_taxes_cap_reduction && cash_reduction > Money::ZERO;
    for r in &rates {
        let parts: Vec<(String, Money, &str)> = match jur.lease_tax {
            LeaseTax::Monthly => {
                let mut p = vec![(r.name.clone(), base, "lease_monthly")];
                if reduction_taxed {
                    p.push((format!("{} on cap cost reduction", r.name), cash_reduction, "lease_upfront"));
                }
                p
            }
            LeaseTax::TotalPaymentsUpfront => {
                let b = base.times(i64::from(n)) + if reduction_taxed { cash_reduction } else { Money::ZERO };
                vec![(r.name.clone(), b, "lease_upfront")]
            }
            LeaseTax::FullPriceUpfront => vec![(r.name.clone(), full_price_base, "lease_upfront")],
        };
        for (name, b, applies_to) in parts {
            let amount = percent_of(b, r.rate);
            if applies_to == "lease_monthly" {
                monthly_tax += amount;
            } else {
                upfront_tax += amount;
            }
            taxes.push(TaxLine {
                name,
                jurisdiction: jur.code.clone(),
                rate: r.rate,
                base: b,
                amount,
                applies_to: applies_to.into(),
            });
        }
    }
    let payment = base + monthly_tax;
    let mut due = vec![Line { kind: LineKind::Total, label: "First monthly payment".into(), amount: payment }];
    if cash_reduction > Money::ZERO {
        due.push(Line { kind: LineKind::Down, label: "Cash cap cost reduction".into(), amount: cash_reduction });
    }
    if !*acquisition_fee_capitalized && *acquisition_fee > Money::ZERO {
        due.push(Line { kind: LineKind::Fee, label: "Acquisition fee".into(), amount: *acquisition_fee });
    }
    if fees_total > Money::ZERO {
        due.push(Line { kind: LineKind::Fee, label: "Fees".into(), amount: fees_total });
    }
    if upfront_tax > Money::ZERO {
        due.push(Line { kind: LineKind::Tax, label: "Taxes due at signing".into(), amount: upfront_tax });
    }
    if *security_deposit > Money::ZERO {
        due.push(Line {
            kind: LineKind::Deposit,
            label: "Refundable security deposit".into(),
            amount: *security_deposit,
        });
    }
    let due_total = due.iter().map(|l| l.amount).sum();
    Ok((
        LeaseResult {
            term_months: n,
            msrp,
            residual_percent: *residual_percent,
            residual,
            money_factor: *money_factor,
            apr_equivalent: (*money_factor * Decimal::from(2400)).normalize(),
            gross_cap_cost: gross,
            cap_cost_reduction: reduction,
            adjusted_cap_cost: adjusted,
            depreciation,
            rent_charge: rent,
            base_payment: base,
            monthly_tax,
            payment,
            due_at_signing: due,
            due_at_signing_total: due_total,
            total_of_payments: payment.times(i64::from(n)),
            miles_allowed: miles_per_year * n / 12,
            excess_mile_charge: *excess_mile_charge,
        },
        taxes,
    ))
}
