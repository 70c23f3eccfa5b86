//! Tax rules as data, per jurisdiction and effective date (`core/data/tax_jurisdictions.json`),
//! plus custom jurisdictions a dealership defines itself.

use crate::desk::money::Money;
use crate::error::{CoreError, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TaxRate {
    pub name: String,
    /// Percent, e.g. `"6.25"`.
    #[ts(type = "string")]
    pub rate: Decimal,
}

/// How a jurisdiction taxes a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LeaseTax {
    /// Tax on each monthly payment.
    Monthly,
    /// Tax on the total of all payments, due at signing.
    TotalPaymentsUpfront,
    /// Tax on the vehicle's full selling price, due at signing.
    FullPriceUpfront,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Jurisdiction {
    pub code: String,
    pub name: String,
    #[ts(type = "string")]
    pub effective_from: NaiveDate,
    pub rates: Vec<TaxRate>,
    /// Extra rates that apply to leases only (e.g. Pennsylvania's 3% lease tax).
    #[serde(default)]
    pub lease_rates: Vec<TaxRate>,
    /// Whether the trade-in allowance reduces the taxable amount.
    pub trade_in_reduces_taxable: bool,
    /// Whether tax is charged on the price before manufacturer rebates.
    pub rebates_taxable: bool,
    pub lease_tax: LeaseTax,
    /// With monthly lease tax: whether the cash cap cost reduction is taxed at signing.
    pub lease_taxes_cap_reduction: bool,
    pub doc_fee_cap: Option<Money>,
    /// Where the rule comes from.
    pub source: String,
}

impl Jurisdiction {
    pub fn validate(&self) -> Result<()> {
        let mut errors = Vec::new();
        if self.code.trim().is_empty() || self.code.len() > 12 {
            errors.push(crate::FieldError::new("code", "must be 1-12 characters"));
        }
        if !self.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            errors.push(crate::FieldError::new("code", "use letters, digits and '-' only, e.g. TX-AUSTIN"));
        }
        if self.name.trim().is_empty() {
            errors.push(crate::FieldError::new("name", "is required"));
        }
        if self.rates.is_empty() {
            errors.push(crate::FieldError::new("rates", "add at least one rate (0% is allowed)"));
        }
        for r in self.rates.iter().chain(&self.lease_rates) {
            if r.rate < Decimal::ZERO || r.rate > Decimal::from(30) {
                errors.push(crate::FieldError::new(
                    "rates",
                    format!("{}: {}% is not between 0% and 30%", r.name, r.rate),
                ));
            }
        }
        if self.doc_fee_cap.is_some_and(|c| c.is_negative()) {
            errors.push(crate::FieldError::new("doc_fee_cap", "must not be negative"));
        }
        if errors.is_empty() { Ok(()) } else { Err(CoreError::Validation(errors)) }
    }
}

/// A jurisdiction defined in Settings, stored and synced like any record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CustomJurisdiction {
    pub id: uuid::Uuid,
    /// Upper-case code the desk looks the rule up by (same as `rule.code`).
    pub code: String,
    pub rule: Jurisdiction,
    pub created_at: crate::domain::Timestamp,
    pub updated_at: crate::domain::Timestamp,
    pub deleted_at: Option<crate::domain::Timestamp>,
}

#[derive(Deserialize)]
struct TaxFile {
    jurisdictions: Vec<Jurisdiction>,
}

/// Every jurisdiction the desk knows, shipped ones and custom ones.
#[derive(Debug, Clone)]
pub struct TaxTable {
    rules: Vec<Jurisdiction>,
}

impl TaxTable {
    /// The rules shipped in the binary.
    pub fn builtin() -> TaxTable {
        let file: TaxFile = serde_json::from_str(include_str!("../../data/tax_jurisdictions.json"))
            .unwrap_or(TaxFile { jurisdictions: Vec::new() });
        TaxTable { rules: file.jurisdictions }
    }

    /// Adds (or, for the same code and date, replaces) a custom jurisdiction.
    pub fn with_custom(mut self, j: Jurisdiction) -> Result<TaxTable> {
        j.validate()?;
        self.rules.retain(|r| !(r.code == j.code && r.effective_from == j.effective_from));
        self.rules.push(j);
        Ok(self)
    }

    /// The rule for `code` in force on `date`: the latest entry that took effect on or before it.
    pub fn lookup(&self, code: &str, date: NaiveDate) -> Result<&Jurisdiction> {
        let code_upper = code.trim().to_uppercase();
        let candidates: Vec<&Jurisdiction> =
            self.rules.iter().filter(|r| r.code.to_uppercase() == code_upper).collect();
        if candidates.is_empty() {
            let mut known: Vec<&str> = self.rules.iter().map(|r| r.code.as_str()).collect();
            known.sort();
            known.dedup();
            return Err(CoreError::field(
                "jurisdiction",
                format!("unknown jurisdiction {code:?}; known: {}", known.join(", ")),
            ));
        }
        candidates.into_iter().filter(|r| r.effective_from <= date).max_by_key(|r| r.effective_from).ok_or_else(|| {
            CoreError::field(
                "jurisdiction",
                format!("no {code} tax rule is in force on {date} (the earliest takes effect later)"),
            )
        })
    }

    /// Every rule, shipped and custom.
    pub fn rules(&self) -> &[Jurisdiction] {
        &self.rules
    }

    pub fn codes(&self) -> Vec<String> {
        let mut c: Vec<String> = self.rules.iter().map(|r| r.code.clone()).collect();
        c.sort();
        c.dedup();
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ships_at_least_ten_states_each_with_a_source() {
        let t = TaxTable::builtin();
        assert!(t.codes().len() >= 10, "{:?}", t.codes());
        for r in &t.rules {
            assert!(r.source.len() > 20, "{} has no source", r.code);
            r.validate().unwrap();
        }
    }

    #[test]
    fn effective_dates_pick_the_rule_in_force() {
        let t = TaxTable::builtin();
        assert_eq!(t.lookup("md", d("2025-06-30")).unwrap().rates[0].rate.to_string(), "6.0");
        assert_eq!(t.lookup("MD", d("2025-07-01")).unwrap().rates[0].rate.to_string(), "6.5");
        let err = t.lookup("ZZ", d("2025-07-01")).unwrap_err().to_string();
        assert!(err.contains("unknown jurisdiction") && err.contains("TX"), "{err}");
        assert!(t.lookup("MD", d("2000-01-01")).is_err());
    }

    #[test]
    fn custom_jurisdictions_are_validated_and_found() {
        let custom = Jurisdiction {
            code: "TX-AUS".into(),
            name: "Austin, TX (state + city + transit)".into(),
            effective_from: d("2024-01-01"),
            rates: vec![TaxRate { name: "Texas".into(), rate: "6.25".parse().unwrap() }],
            lease_rates: vec![],
            trade_in_reduces_taxable: true,
            rebates_taxable: true,
            lease_tax: LeaseTax::FullPriceUpfront,
            lease_taxes_cap_reduction: false,
            doc_fee_cap: None,
            source: "dealership".into(),
        };
        let t = TaxTable::builtin().with_custom(custom.clone()).unwrap();
        assert_eq!(t.lookup("tx-aus", d("2026-01-01")).unwrap().name, custom.name);
        let bad = Jurisdiction { rates: vec![TaxRate { name: "x".into(), rate: "45".parse().unwrap() }], ..custom };
        assert!(TaxTable::builtin().with_custom(bad).is_err());
    }
}
