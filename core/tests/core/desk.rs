use chrono::NaiveDate;
use showroom_core::desk::money::Money;
use showroom_core::desk::tax::{Jurisdiction, LeaseTax, TaxTable};
use showroom_core::desk::{Deal, DealVehicle, Fee, FeeKind, Item, Terms, TradeIn, calculate};
use showroom_core::{CoreError, FieldError};

fn today() -> NaiveDate {
    "2026-11-27".parse().unwrap()
}

fn m(s: &str) -> Money {
    Money::parse(s).unwrap()
}

/// A tax-free jurisdiction, so the published payment examples can be checked alone.
fn untaxed() -> TaxTable {
    TaxTable::builtin()
        .with_custom(Jurisdiction {
            code: "NONE".into(),
            name: "No tax".into(),
            effective_from: "2000-01-01".parse().unwrap(),
            rates: vec![showroom_core::desk::tax::TaxRate { name: "None".into(), rate: "0".parse().unwrap() }],
            lease_rates: vec![],
            trade_in_reduces_taxable: true,
            rebates_taxable: true,
            lease_tax: LeaseTax::Monthly,
            lease_taxes_cap_reduction: false,
            doc_fee_cap: None,
            source: "test".into(),
        })
        .unwrap()
}

fn deal(json: serde_json::Value) -> Deal {
    serde_json::from_value(json).unwrap()
}

fn fields(e: CoreError) -> Vec<String> {
    match e {
        CoreError::Validation(f) => f.into_iter().map(|FieldError { field, .. }| field).collect(),
        other => panic!("{other}"),
    }
}

#[test]
fn the_published_loan_and_lease_examples_hold_exactly() {
    let loan = deal(serde_json::json!({
        "jurisdiction": "NONE", "price": "20000", "terms": {"type": "loan", "apr": "7.5", "term_months": 60}
    }));
    let c = calculate(&loan, &untaxed(), today()).unwrap();
    let l = c.loan.unwrap();
    assert_eq!((l.amount_financed, l.payment), (m("20000"), m("400.76")));
    assert_eq!(l.total_of_payments - l.finance_charge, l.amount_financed);

    let lease = deal(serde_json::json!({
        "jurisdiction": "NONE", "price": "20000", "vehicle": {"msrp": "20000"},
        "terms": {"type": "lease", "term_months": 48, "residual_percent": "40", "money_factor": "0.004"}
    }));
    let c = calculate(&lease, &untaxed(), today()).unwrap();
    let l = c.lease.unwrap();
    assert_eq!((l.adjusted_cap_cost, l.residual), (m("20000"), m("8000")));
    assert_eq!((l.depreciation, l.rent_charge, l.base_payment), (m("250.00"), m("112.00"), m("362.00")));
    assert_eq!(l.apr_equivalent.to_string(), "9.6");
}

#[test]
fn a_texas_loan_with_trade_rebate_and_capped_doc_fee() {
    let d = Deal {
        jurisdiction: "TX".into(),
        date: None,
        vehicle: DealVehicle { invoice: Some(m("26500")), reconditioning: m("0"), ..Default::default() },
        price: m("30000"),
        options: vec![Item { name: "All-weather mats".into(), amount: m("200"), taxable: true }],
        discount: m("1000"),
        rebates: vec![Item { name: "Customer cash".into(), amount: m("1500"), taxable: true }],
        fees: vec![
            Fee { name: "Documentary fee".into(), kind: FeeKind::Doc, amount: m("300"), taxable: true },
            Fee { name: "Title".into(), kind: FeeKind::Title, amount: m("33"), taxable: false },
            Fee { name: "Registration".into(), kind: FeeKind::Registration, amount: m("75"), taxable: false },
        ],
        trade_in: Some(TradeIn { allowance: m("10000"), payoff: m("12000"), ..Default::default() }),
        down_payment: m("2000"),
        terms: Terms::Loan { apr: "6.9".parse().unwrap(), term_months: 72 },
        grid: None,
        alternatives: vec![],
    };
    let c = calculate(&d, &TaxTable::builtin(), today()).unwrap();
    assert_eq!(c.vehicle_price, m("29200"));
    assert_eq!(c.fees_total, m("333"), "doc fee capped at $225");
    assert_eq!(c.warnings[0].field, "fees[0].amount");
    // Texas: trade-in reduces the taxable amount, rebates do not.
    assert_eq!(c.taxes[0].base, m("19425"));
    assert_eq!(c.taxes[0].amount, m("1214.06"));
    assert_eq!(c.out_the_door, m("29247.06"));
    assert_eq!(c.trade_equity, m("-2000"));
    let l = c.loan.as_ref().unwrap();
    assert_eq!(l.amount_financed, m("29247.06"), "negative equity rolls in");
    assert_eq!(l.payment, m("497.23"));
    assert_eq!(c.front_end_gross, Some(m("2700")));
    // Default grid: 3 terms × 3 down payments, the chosen cell included.
    assert_eq!(c.loan_grid.len(), 9);
    assert!(c.loan_grid.iter().any(|g| g.term_months == 72 && g.down_payment == m("2000") && g.payment == l.payment));
    assert!(c.lease_grid.is_empty());
}

#[test]
fn california_taxes_the_full_price_despite_a_trade() {
    let d = deal(serde_json::json!({
        "jurisdiction": "CA", "price": "25000", "trade_in": {"allowance": "5000"},
        "terms": {"type": "cash"}
    }));
    let c = calculate(&d, &TaxTable::builtin(), today()).unwrap();
    assert_eq!(c.taxes[0].base, m("25000"));
    assert_eq!(c.tax_total, m("1812.50"));
    assert_eq!(c.balance_due, m("21812.50"));
}

#[test]
fn lease_taxes_follow_the_jurisdiction() {
    let base = serde_json::json!({
        "jurisdiction": "IL", "price": "35000", "vehicle": {"msrp": "36000"},
        "rebates": [{"name": "Lease cash", "amount": "1000"}],
        "down_payment": "3000",
        "terms": {"type": "lease", "term_months": 36, "residual_percent": "60", "money_factor": "0.0015",
                  "acquisition_fee": "650", "acquisition_fee_capitalized": true}
    });
    // Illinois: monthly, and the cash cap cost reduction is taxed at signing.
    let c = calculate(&deal(base.clone()), &TaxTable::builtin(), today()).unwrap();
    let l = c.lease.as_ref().unwrap();
    assert_eq!((l.residual, l.adjusted_cap_cost), (m("21600"), m("31650")));
    assert_eq!((l.depreciation, l.rent_charge, l.base_payment), (m("279.17"), m("79.88"), m("359.05")));
    assert_eq!((l.monthly_tax, l.payment), (m("22.44"), m("381.49")));
    assert!(c.taxes.iter().any(|t| t.applies_to == "lease_upfront" && t.amount == m("187.50")));
    assert_eq!(l.due_at_signing_total, m("381.49") + m("3000") + m("187.50"));
    assert_eq!(c.lease_grid.len(), 9);

    // New York: tax on the total of payments, up front; the monthly payment carries none.
    let mut ny = base.clone();
    ny["jurisdiction"] = "NY".into();
    let c = calculate(&deal(ny), &TaxTable::builtin(), today()).unwrap();
    let l = c.lease.as_ref().unwrap();
    assert_eq!(l.monthly_tax, Money::ZERO);
    assert_eq!(c.taxes[0].base, m("359.05").times(36) + m("3000"));

    // Texas: tax on the full price at signing.
    let mut tx = base;
    tx["jurisdiction"] = "TX".into();
    let c = calculate(&deal(tx), &TaxTable::builtin(), today()).unwrap();
    assert_eq!(c.taxes[0].base, m("35000"));
    assert_eq!(c.taxes[0].amount, m("2187.50"));
}

#[test]
fn bad_input_names_every_field() {
    let d = deal(serde_json::json!({
        "jurisdiction": "ZZ", "price": "-5",
        "terms": {"type": "loan", "apr": "75", "term_months": 0}
    }));
    assert_eq!(
        fields(calculate(&d, &TaxTable::builtin(), today()).unwrap_err()),
        ["price", "terms.apr", "terms.term_months", "jurisdiction"]
    );

    let lease = deal(serde_json::json!({
        "jurisdiction": "TX", "price": "30000",
        "terms": {"type": "lease", "term_months": 36, "residual_percent": "120", "money_factor": "0.002"}
    }));
    assert_eq!(
        fields(calculate(&lease, &TaxTable::builtin(), today()).unwrap_err()),
        ["terms.residual_percent", "vehicle.msrp"]
    );

    let underwater = deal(serde_json::json!({
        "jurisdiction": "TX", "price": "20000", "trade_in": {"allowance": "5000", "payoff": "30000"},
        "terms": {"type": "loan", "apr": "9", "term_months": 72}
    }));
    let err = calculate(&underwater, &TaxTable::builtin(), today()).unwrap_err();
    assert!(err.to_string().contains("negative equity"), "{err}");
    assert_eq!(fields(err), ["trade_in.payoff"]);

    // Unknown fields and over-precise amounts are refused when the deal is read.
    assert!(
        serde_json::from_value::<Deal>(
            serde_json::json!({"jurisdiction": "TX", "price": "1", "terms": {"type": "cash"}, "colour": "red"})
        )
        .is_err()
    );
    let e = serde_json::from_value::<Deal>(
        serde_json::json!({"jurisdiction": "TX", "price": "1.005", "terms": {"type": "cash"}}),
    )
    .unwrap_err();
    assert!(e.to_string().contains("more than two decimals"), "{e}");
}

#[test]
fn zero_percent_financing_and_cash_deals() {
    let d = deal(serde_json::json!({
        "jurisdiction": "NONE", "price": "10000", "terms": {"type": "loan", "apr": "0", "term_months": 36}
    }));
    let c = calculate(&d, &untaxed(), today()).unwrap();
    let l = c.loan.unwrap();
    assert_eq!(l.payment, m("277.78"));
    assert_eq!(l.total_of_payments, m("10000"), "the last payment absorbs the rounding");
    assert_eq!(l.finance_charge, Money::ZERO);
}

#[test]
fn a_custom_jurisdiction_from_settings_prices_deals_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let rule: Jurisdiction = serde_json::from_value(serde_json::json!({
        "code": "tx-aus", "name": "Austin, TX (state + city + transit)", "effective_from": "2020-01-01",
        "rates": [{"name": "Texas", "rate": "6.25"}, {"name": "City of Austin", "rate": "1"}, {"name": "Capital Metro", "rate": "1"}],
        "trade_in_reduces_taxable": true, "rebates_taxable": true, "lease_tax": "full_price_upfront",
        "lease_taxes_cap_reduction": false, "doc_fee_cap": "225.00", "source": ""
    }))
    .unwrap();
    {
        let mut app = showroom_core::Showroom::open(
            dir.path(),
            &showroom_core::vault::Unlock::passphrase("desk test passphrase"),
        )
        .unwrap();
        let saved = app.save_custom_jurisdiction(rule.clone()).unwrap();
        assert_eq!(saved.code, "TX-AUS");
        assert!(saved.rule.source.contains("Settings"));
        // Saving the same code again edits it instead of adding a second one.
        let mut edited = rule.clone();
        edited.name = "Austin".into();
        app.save_custom_jurisdiction(edited).unwrap();
        assert_eq!(app.custom_jurisdictions().unwrap().len(), 1);
    }
    let app =
        showroom_core::Showroom::open(dir.path(), &showroom_core::vault::Unlock::passphrase("desk test passphrase"))
            .unwrap();
    let d = deal(serde_json::json!({"jurisdiction": "TX-AUS", "price": "10000", "terms": {"type": "cash"}}));
    let c = app.calculate_deal(&d).unwrap();
    assert_eq!(c.taxes.len(), 3);
    assert_eq!(c.tax_total, m("825.00"));
    assert!(app.jurisdictions().iter().any(|j| j.code == "TX-AUS" && j.name == "Austin"));

    let mut app = app;
    let shipped = Jurisdiction { code: "TX".into(), ..rule.clone() };
    assert_eq!(fields(app.save_custom_jurisdiction(shipped).unwrap_err()), ["code"]);
    let bad = Jurisdiction {
        code: "X 1".into(),
        name: " ".into(),
        rates: vec![showroom_core::desk::tax::TaxRate { name: "x".into(), rate: "45".parse().unwrap() }],
        ..rule
    };
    assert_eq!(fields(app.save_custom_jurisdiction(bad).unwrap_err()), ["code", "name", "rates"]);
}

#[test]
fn finance_and_lease_are_priced_side_by_side() {
    let d = deal(serde_json::json!({
        "jurisdiction": "IL", "price": "35000", "vehicle": {"msrp": "36000"}, "down_payment": "3000",
        "terms": {"type": "loan", "apr": "5.9", "term_months": 60},
        "alternatives": [{"type": "lease", "term_months": 36, "residual_percent": "60", "money_factor": "0.0015"}]
    }));
    let c = calculate(&d, &TaxTable::builtin(), today()).unwrap();
    assert_eq!(c.loan_grid.len(), 9);
    assert_eq!(c.lease_grid.len(), 9);
    // The lease cell for the alternative's own term and the same down equals pricing that lease directly.
    let mut as_lease = d.clone();
    as_lease.terms = d.alternatives[0].clone();
    as_lease.alternatives.clear();
    let direct = calculate(&as_lease, &TaxTable::builtin(), today()).unwrap().lease.unwrap().payment;
    let cell = c.lease_grid.iter().find(|g| g.term_months == 36 && g.down_payment == m("3000")).unwrap();
    assert_eq!(cell.payment, direct);

    // And a loan beside a lease carries the sale tax a purchase would pay.
    let mut lease_first = as_lease.clone();
    lease_first.alternatives = vec![d.terms.clone()];
    let c2 = calculate(&lease_first, &TaxTable::builtin(), today()).unwrap();
    let loan_cell = c2.loan_grid.iter().find(|g| g.term_months == 60 && g.down_payment == m("3000")).unwrap();
    assert_eq!(loan_cell.payment, c.loan.unwrap().payment);

    // Bad alternative terms are named with their index.
    let mut bad = d.clone();
    bad.alternatives =
        vec![serde_json::from_value(serde_json::json!({"type": "loan", "apr": "99", "term_months": 60})).unwrap()];
    assert_eq!(fields(calculate(&bad, &TaxTable::builtin(), today()).unwrap_err()), ["alternatives[0].apr"]);
}
