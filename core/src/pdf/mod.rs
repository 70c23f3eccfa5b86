//! PDF documents with printpdf: the printed quote. Text is DejaVu Sans, embedded (subset), so
//! accents and the euro sign print. Layout is a simple top-down flow on US Letter pages that
//! breaks to a new page when full; every page gets "Page i of n".

mod layout;

use crate::desk::money::Money;
use crate::desk::{Deal, DealCalc, LineKind, Terms};
use crate::error::{CoreError, Result};
use layout::{Doc, Style};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Who prints the quote: shown in the header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Letterhead {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    /// The dealership's logo, base64 PNG (as stored).
    pub logo_png: Option<String>,
}

/// The largest logo accepted, decoded.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

impl Letterhead {
    /// Checks the letterhead as Settings saves it: a name, and a logo that is a real PNG of sane size.
    pub fn validate(&mut self) -> Result<()> {
        use base64::Engine;
        let mut errors = Vec::new();
        self.name = self.name.trim().to_string();
        if self.name.is_empty() {
            errors.push(crate::FieldError::new("name", "is required"));
        }
        if let Some(logo) = self.logo_png.as_deref().filter(|l| !l.is_empty()) {
            let payload = logo.split_once("base64,").map(|(_, b)| b).unwrap_or(logo);
            match base64::engine::general_purpose::STANDARD.decode(payload.trim()) {
                Ok(bytes) if bytes.len() > MAX_LOGO_BYTES => {
                    errors.push(crate::FieldError::new("logo_png", "is larger than 512 KB; use a smaller PNG"))
                }
                Ok(bytes) if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") => {
                    errors.push(crate::FieldError::new("logo_png", "must be a PNG image"))
                }
                Ok(bytes) => {
                    if printpdf::RawImage::decode_from_bytes(&bytes, &mut Vec::new()).is_err() {
                        errors.push(crate::FieldError::new("logo_png", "cannot be read as a PNG image"));
                    }
                    self.logo_png = Some(base64::engine::general_purpose::STANDARD.encode(&bytes));
                }
                Err(_) => errors.push(crate::FieldError::new("logo_png", "is not base64 data")),
            }
        } else {
            self.logo_png = None;
        }
        if errors.is_empty() { Ok(()) } else { Err(CoreError::Validation(errors)) }
    }

    fn logo_bytes(&self) -> Option<Vec<u8>> {
        use base64::Engine;
        self.logo_png.as_deref().and_then(|l| base64::engine::general_purpose::STANDARD.decode(l).ok())
    }
}

/// Who the quote is for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct QuoteParty {
    pub name: String,
    pub phone: String,
    pub email: String,
}

/// Everything printed on a quote besides the deal itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct QuoteHeader {
    pub letterhead: Letterhead,
    pub customer: QuoteParty,
    pub salesperson: String,
    /// e.g. `Q-2026-0042 v3`.
    pub quote_number: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub valid_until: String,
    pub show_grid: bool,
}

const DISCLOSURES: &str = "This is a quote, not a contract. Figures are estimates based on the information above \
and may change with credit approval, final taxes and fees, incentives in effect on the delivery date, and the \
vehicle's final condition. Taxes are computed at the statewide rate shown; county and city taxes, where they apply, \
are added at contracting. Annual percentage rate and money factor are subject to lender approval. A lease money \
factor multiplied by 2,400 approximates an annual percentage rate. Excess mileage and wear charges apply at lease end \
as stated. Monthly payments are rounded half-up to the cent; the final loan payment may differ by cents so the \
amount financed is repaid exactly.";

fn kind_label(deal: &Deal) -> &'static str {
    match deal.terms {
        Terms::Cash => "Cash purchase quote",
        Terms::Loan { .. } => "Finance purchase quote",
        Terms::Lease { .. } => "Lease quote",
    }
}

/// How a row of the sheet reads: plain, a total, or the figure the customer looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Body,
    Strong,
    Emphasis,
}

/// One piece of a quote, in reading order: what the PDF prints and the customer portal shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Section(String),
    Row {
        label: String,
        amount: String,
        weight: Weight,
    },
    /// A payment grid: the header row, then one row per down payment.
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A line of text in the body.
    Text(String),
    /// Small print (warnings, disclosures).
    Fine(String),
}

/// The quote as the customer reads it, computed once from the frozen deal and its figures, so
/// the printed page and the portal page cannot say different things.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteSheet {
    /// "Finance purchase quote".
    pub kind: &'static str,
    /// Quote number, date, validity.
    pub ident: Vec<String>,
    pub customer: Vec<String>,
    pub vehicle: Vec<String>,
    pub salesperson: String,
    pub blocks: Vec<Block>,
    /// The figure in one line: "$612.34 a month for 60 months" or "$31,250.00 due at delivery".
    pub headline: String,
}

/// The quote's content: every figure formatted as printed.
pub fn quote_sheet(header: &QuoteHeader, deal: &Deal, calc: &DealCalc) -> QuoteSheet {
    let mut b: Vec<Block> = Vec::new();
    let row = |b: &mut Vec<Block>, label: &str, amount: String, weight: Weight| {
        b.push(Block::Row { label: label.to_string(), amount, weight })
    };
    let ident = [
        (!header.quote_number.is_empty()).then(|| format!("Quote {}", header.quote_number)),
        (!header.date.is_empty()).then(|| format!("Date {}", header.date)),
        (!header.valid_until.is_empty()).then(|| format!("Valid until {}", header.valid_until)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let customer = [header.customer.name.clone(), header.customer.phone.clone(), header.customer.email.clone()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    let vehicle = [
        deal.vehicle.description.clone(),
        if deal.vehicle.vin.is_empty() { String::new() } else { format!("VIN {}", deal.vehicle.vin) },
        if deal.vehicle.stock_no.is_empty() { String::new() } else { format!("Stock no. {}", deal.vehicle.stock_no) },
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect();

    // Itemised build-up.
    b.push(Block::Section("Price build-up".into()));
    for l in &calc.lines {
        let weight = if l.kind == LineKind::Total { Weight::Strong } else { Weight::Body };
        row(&mut b, &l.label, l.amount.pretty(), weight);
    }
    if calc.lease.is_none() {
        row(&mut b, "Out-the-door price (price + fees + taxes − rebates)", calc.out_the_door.pretty(), Weight::Strong);
    }
    if let Some(t) = &deal.trade_in {
        row(
            &mut b,
            &format!("Trade-in equity (allowance {} − payoff {})", t.allowance.pretty(), t.payoff.pretty()),
            calc.trade_equity.pretty(),
            Weight::Body,
        );
    }

    // Taxes with their jurisdiction.
    b.push(Block::Section(format!("Taxes ({} rules in force on {})", calc.jurisdiction, calc.tax_date)));
    if calc.taxes.is_empty() {
        b.push(Block::Text("No tax applies in this jurisdiction.".into()));
    }
    for t in &calc.taxes {
        let when = match t.applies_to.as_str() {
            "lease_monthly" => "per monthly payment",
            "lease_upfront" => "due at signing",
            _ => "on the sale",
        };
        row(
            &mut b,
            &format!("{} {}% of {} ({when})", t.name, t.rate.normalize(), t.base.pretty()),
            t.amount.pretty(),
            Weight::Body,
        );
    }

    // Terms and payment.
    let headline = match (&calc.loan, &calc.lease) {
        (Some(l), _) => {
            b.push(Block::Section("Finance terms".into()));
            row(&mut b, "Annual percentage rate (APR)", format!("{}%", l.apr.normalize()), Weight::Body);
            row(&mut b, "Term", format!("{} months", l.term_months), Weight::Body);
            row(&mut b, "Amount financed", l.amount_financed.pretty(), Weight::Body);
            row(&mut b, "Finance charge", l.finance_charge.pretty(), Weight::Body);
            row(&mut b, "Total of payments", l.total_of_payments.pretty(), Weight::Body);
            if l.final_payment != l.payment {
                row(&mut b, "Final payment", l.final_payment.pretty(), Weight::Body);
            }
            row(&mut b, "Monthly payment", l.payment.pretty(), Weight::Emphasis);
            format!("{} a month for {} months", l.payment.pretty(), l.term_months)
        }
        (None, Some(l)) => {
            b.push(Block::Section("Lease terms".into()));
            row(&mut b, "MSRP", l.msrp.pretty(), Weight::Body);
            row(
                &mut b,
                &format!("Residual value ({}% of MSRP)", l.residual_percent.normalize()),
                l.residual.pretty(),
                Weight::Body,
            );
            row(
                &mut b,
                &format!("Money factor (≈ {}% APR)", l.apr_equivalent),
                l.money_factor.normalize().to_string(),
                Weight::Body,
            );
            if let Terms::Lease { acquisition_fee, acquisition_fee_capitalized: true, .. } = &deal.terms
                && *acquisition_fee > Money::ZERO
            {
                row(&mut b, "Acquisition fee (capitalized)", acquisition_fee.pretty(), Weight::Body);
            }
            row(&mut b, "Gross capitalized cost", l.gross_cap_cost.pretty(), Weight::Body);
            row(&mut b, "Capitalized cost reduction", (-l.cap_cost_reduction).pretty(), Weight::Body);
            row(&mut b, "Adjusted capitalized cost", l.adjusted_cap_cost.pretty(), Weight::Body);
            row(
                &mut b,
                &format!("Depreciation ((adjusted cap cost − residual) / {})", l.term_months),
                l.depreciation.pretty(),
                Weight::Body,
            );
            row(
                &mut b,
                "Rent charge ((adjusted cap cost + residual) × money factor)",
                l.rent_charge.pretty(),
                Weight::Body,
            );
            row(&mut b, "Base monthly payment", l.base_payment.pretty(), Weight::Body);
            row(&mut b, "Monthly tax", l.monthly_tax.pretty(), Weight::Body);
            row(&mut b, &format!("Monthly payment ({} payments)", l.term_months), l.payment.pretty(), Weight::Emphasis);
            b.push(Block::Section("Due at signing".into()));
            for x in &l.due_at_signing {
                row(&mut b, &x.label, x.amount.pretty(), Weight::Body);
            }
            row(&mut b, "Total due at signing", l.due_at_signing_total.pretty(), Weight::Strong);
            row(
                &mut b,
                &format!(
                    "Miles allowed: {} · excess miles at",
                    crate::desk::money::group_digits(u64::from(l.miles_allowed))
                ),
                format!("{}/mile", l.excess_mile_charge.pretty()),
                Weight::Body,
            );
            format!(
                "{} a month for {} months, {} due at signing",
                l.payment.pretty(),
                l.term_months,
                l.due_at_signing_total.pretty()
            )
        }
        _ => {
            b.push(Block::Section("Cash purchase".into()));
            row(&mut b, "Balance due at delivery", calc.balance_due.pretty(), Weight::Emphasis);
            format!("{} due at delivery", calc.balance_due.pretty())
        }
    };

    // Payment grid.
    if header.show_grid {
        for (name, grid) in [("Finance payment options", &calc.loan_grid), ("Lease payment options", &calc.lease_grid)]
        {
            if grid.is_empty() {
                continue;
            }
            let mut terms: Vec<u32> = grid.iter().map(|c| c.term_months).collect();
            terms.dedup();
            let mut downs: Vec<Money> = grid.iter().map(|c| c.down_payment).collect();
            downs.sort();
            downs.dedup();
            b.push(Block::Section(name.into()));
            let head = std::iter::once("Down payment".to_string())
                .chain(terms.iter().map(|t| format!("{t} months")))
                .collect();
            let rows = downs
                .iter()
                .map(|dp| {
                    std::iter::once(dp.pretty())
                        .chain(terms.iter().map(|t| {
                            grid.iter()
                                .find(|c| c.term_months == *t && c.down_payment == *dp)
                                .map(|c| c.payment.pretty())
                                .unwrap_or_default()
                        }))
                        .collect()
                })
                .collect();
            b.push(Block::Table { head, rows });
        }
    }

    for w in &calc.warnings {
        b.push(Block::Fine(format!("Note: {}", w.message)));
    }
    b.push(Block::Section("Disclosures".into()));
    b.push(Block::Fine(DISCLOSURES.into()));
    QuoteSheet {
        kind: kind_label(deal),
        ident,
        customer,
        vehicle,
        salesperson: header.salesperson.clone(),
        blocks: b,
        headline,
    }
}

/// Renders the quote as PDF bytes.
pub fn quote_pdf(header: &QuoteHeader, deal: &Deal, calc: &DealCalc) -> Result<Vec<u8>> {
    let sheet = quote_sheet(header, deal, calc);
    let mut d = Doc::new().map_err(|e| CoreError::Import(format!("PDF font: {e}")))?;
    let title = if header.letterhead.name.is_empty() { "Showroom".to_string() } else { header.letterhead.name.clone() };

    // Header: logo and dealership left, quote identity right.
    letterhead_block(&mut d, &header.letterhead, sheet.kind);
    d.text_right(&sheet.ident.join("   "), Style::Small);
    d.newline(Style::Small);
    d.rule();

    // Parties and vehicle.
    d.gap(2.0);
    let customer: Vec<&str> = sheet.customer.iter().map(String::as_str).collect();
    let vehicle: Vec<&str> = sheet.vehicle.iter().map(String::as_str).collect();
    d.pair_columns(("Customer", &customer), ("Vehicle", &vehicle));
    if !sheet.salesperson.is_empty() {
        d.text(&format!("Salesperson: {}", sheet.salesperson), Style::Small);
        d.newline(Style::Small);
    }
    for (i, block) in sheet.blocks.iter().enumerate() {
        match block {
            Block::Section(title) => {
                // A grid stays on one page with its title.
                if let Some(Block::Table { rows, .. }) = sheet.blocks.get(i + 1) {
                    d.keep_together(rows.len() + 4);
                }
                d.section(title)
            }
            Block::Row { label, amount, weight } => d.row(
                label,
                amount,
                match weight {
                    Weight::Body => Style::Body,
                    Weight::Strong => Style::Strong,
                    Weight::Emphasis => Style::Emphasis,
                },
            ),
            Block::Table { head, rows } => {
                d.table_row(head, Style::Strong);
                for r in rows {
                    d.table_row(r, Style::Body);
                }
            }
            Block::Text(t) => {
                d.text(t, Style::Body);
                d.newline(Style::Body);
            }
            Block::Fine(t) => {
                if !matches!(sheet.blocks.get(i.wrapping_sub(1)), Some(Block::Section(_))) {
                    d.gap(1.0);
                }
                d.paragraph(t, Style::Small);
            }
        }
    }
    d.signatures(&["Customer", "Sales manager"]);
    Ok(d.finish(&format!("{} — {}", title, kind_label(deal))))
}

/// Logo, dealership name and contact line on the left, `right` as the document's kind.
fn letterhead_block(d: &mut Doc, l: &Letterhead, right: &str) {
    if let Some(logo) = l.logo_bytes() {
        d.logo(&logo);
    }
    let title = if l.name.is_empty() { "Showroom".to_string() } else { l.name.clone() };
    d.text(&title, Style::Title);
    d.text_right(right, Style::Heading);
    d.newline(Style::Title);
    let contact = [l.address.as_str(), &l.phone, &l.email]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("  ·  ");
    if !contact.is_empty() {
        d.text(&contact, Style::Small);
        d.newline(Style::Small);
    }
}

/// A rep's monthly commission statement.
pub fn statement_pdf(
    l: &Letterhead,
    rep: &str,
    plan: &str,
    s: &crate::analytics::commissions::Statement,
    approver: Option<&str>,
) -> Result<Vec<u8>> {
    let mut d = Doc::new().map_err(|e| CoreError::Import(format!("PDF font: {e}")))?;
    letterhead_block(&mut d, l, "Commission statement");
    d.rule();
    d.row(&format!("{rep} · {}", s.month), &format!("Plan: {plan}"), Style::Strong);
    d.section("Lines");
    for line in &s.lines {
        d.row(&line.text, &Money(line.amount_cents).pretty(), Style::Body);
    }
    d.rule();
    d.row("Total", &Money(s.total_cents).pretty(), Style::Strong);
    d.gap(12.0);
    let status = match (&s.approved_at, approver) {
        (Some(at), Some(who)) => format!("Approved by {who} on {}", at.date()),
        (Some(at), None) => format!("Approved on {}", at.date()),
        _ => "Not approved yet: figures may change until a manager approves them.".to_string(),
    };
    d.paragraph(&status, Style::Small);
    Ok(d.finish(&format!("Commission statement {rep} {}", s.month)))
}

/// The manager dashboard on paper: headline numbers, funnel, leaderboard, sources, forecast.
pub fn dashboard_pdf(l: &Letterhead, who: &str, dash: &crate::analytics::Dashboard) -> Result<Vec<u8>> {
    let mut d = Doc::new().map_err(|e| CoreError::Import(format!("PDF font: {e}")))?;
    letterhead_block(&mut d, l, "Sales dashboard");
    d.rule();
    d.row(&format!("{who} · {} to {}", dash.from, dash.to), "", Style::Strong);
    let pct = |v: Option<f64>| v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "–".into());
    d.section("Sales");
    d.row("Units sold", &format!("{}", dash.sales.units), Style::Body);
    d.row("Revenue", &Money(dash.sales.revenue_cents).pretty(), Style::Body);
    d.row(
        &format!("Front-end gross ({} of the deals with a known gross)", dash.sales.gross_known),
        &Money(dash.sales.gross_cents).pretty(),
        Style::Body,
    );
    d.row(
        "Average deal",
        &dash.sales.avg_deal_cents.map(|c| Money(c).pretty()).unwrap_or_else(|| "–".into()),
        Style::Body,
    );
    d.row("Win rate", &pct(dash.sales.win_rate), Style::Body);
    d.section("Funnel (leads received in the range)");
    for f in &dash.funnel {
        d.row(
            &f.step,
            &format!("{}   {}", f.count, f.rate.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_default()),
            Style::Body,
        );
    }
    d.section("Leaderboard");
    d.table_row(&["Rep".into(), "Units".into(), "Revenue".into(), "Gross".into(), "Acts/day".into()], Style::Strong);
    for r in &dash.leaderboard {
        d.table_row(
            &[
                r.name.clone(),
                format!("{}", r.units),
                Money(r.revenue_cents).pretty(),
                Money(r.gross_cents).pretty(),
                format!("{:.1}", r.activities_per_day),
            ],
            Style::Body,
        );
    }
    d.section("Sources");
    d.table_row(&["Source".into(), "Leads".into(), "Units".into(), "Spend".into(), "Cost/sale".into()], Style::Strong);
    for s in dash.sources.iter().take(15) {
        d.table_row(
            &[
                s.source.clone(),
                s.leads.to_string(),
                format!("{}", s.units),
                Money(s.spend_cents).pretty(),
                s.cost_per_sale_cents.map(|c| Money(c).pretty()).unwrap_or_else(|| "–".into()),
            ],
            Style::Body,
        );
    }
    d.section("Forecast");
    let f = &dash.forecast;
    d.row(
        "This month (units, 80% range)",
        &format!("{:.1} ({:.1}–{:.1})", f.this_month.units, f.this_month.units_low, f.this_month.units_high),
        Style::Body,
    );
    d.row(
        "Next month (units, 80% range)",
        &format!("{:.1} ({:.1}–{:.1})", f.next_month.units, f.next_month.units_low, f.next_month.units_high),
        Style::Body,
    );
    Ok(d.finish("Sales dashboard"))
}
