//! Payment formulas. Loan: payment = P·r / (1 − (1+r)^−n), r = APR/12, rounded half-up to the cent;
//! the schedule then charges each month's interest rounded half-up and adjusts the last payment so
//! the principal is repaid to the cent. Lease: depreciation = (adjusted cap cost − residual) / n,
//! rent charge = (adjusted cap cost + residual) × money factor, each rounded half-up.

use crate::desk::money::{Money, round_cents};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// APR percent (e.g. 7.5) to the monthly rate (0.00625).
pub fn monthly_rate(apr_percent: Decimal) -> Decimal {
    apr_percent / Decimal::from(1200)
}

/// (1 + r)^n by repeated squaring, in 28-digit decimal arithmetic.
fn pow(base: Decimal, mut n: u32) -> Decimal {
    let mut result = Decimal::ONE;
    let mut b = base;
    while n > 0 {
        if n & 1 == 1 {
            result *= b;
        }
        b *= b;
        n >>= 1;
    }
    result
}

/// The level monthly payment of a loan of `principal` at `apr_percent` over `months`.
pub fn loan_payment(principal: Money, apr_percent: Decimal, months: u32) -> Money {
    if months == 0 || principal.cents() <= 0 {
        return Money::ZERO;
    }
    let p = principal.to_decimal();
    if apr_percent.is_zero() {
        return round_cents(p / Decimal::from(months));
    }
    let r = monthly_rate(apr_percent);
    let growth = pow(Decimal::ONE + r, months);
    // P·r / (1 − (1+r)^−n) = P·r·g / (g − 1), which avoids a division by a tiny number.
    round_cents(p * r * growth / (growth - Decimal::ONE))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScheduleRow {
    pub month: u32,
    pub payment: Money,
    pub interest: Money,
    pub principal: Money,
    pub balance: Money,
}

/// The month-by-month schedule of a loan; the last payment absorbs rounding so the balance ends at 0.
pub fn amortize(principal: Money, apr_percent: Decimal, months: u32) -> Vec<ScheduleRow> {
    let payment = loan_payment(principal, apr_percent, months);
    let r = monthly_rate(apr_percent);
    let mut balance = principal;
    let mut rows = Vec::with_capacity(months as usize);
    for month in 1..=months {
        let interest = round_cents(balance.to_decimal() * r);
        let mut principal_part = payment - interest;
        if month == months || principal_part > balance {
            principal_part = balance;
        }
        balance -= principal_part;
        rows.push(ScheduleRow {
            month,
            payment: principal_part + interest,
            interest,
            principal: principal_part,
            balance,
        });
        if balance == Money::ZERO {
            break;
        }
    }
    rows
}

/// Base monthly lease payment parts: (depreciation, rent charge).
pub fn lease_parts(adjusted_cap_cost: Money, residual: Money, money_factor: Decimal, months: u32) -> (Money, Money) {
    let depreciation = round_cents((adjusted_cap_cost - residual).to_decimal() / Decimal::from(months.max(1)));
    let rent = round_cents((adjusted_cap_cost + residual).to_decimal() * money_factor);
    (depreciation, rent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn published_examples_hold_to_the_cent() {
        // $20,000 at 7.5% APR for 60 months.
        assert_eq!(loan_payment(Money::from_dollars(20_000), dec("7.5"), 60), Money(40_076));
        // Lease: adjusted cap cost $20,000, residual $8,000, 48 months, money factor 0.004.
        let (dep, rent) = lease_parts(Money::from_dollars(20_000), Money::from_dollars(8_000), dec("0.004"), 48);
        assert_eq!((dep, rent), (Money(25_000), Money(11_200)));
        assert_eq!(dep + rent, Money(36_200));
        // 0% APR divides evenly, rounding half-up.
        assert_eq!(loan_payment(Money::from_dollars(10_000), Decimal::ZERO, 36), Money(27_778));
    }

    #[test]
    fn schedule_repays_exactly() {
        let rows = amortize(Money::from_dollars(20_000), dec("7.5"), 60);
        assert_eq!(rows.len(), 60);
        assert_eq!(rows.last().unwrap().balance, Money::ZERO);
        assert_eq!(rows.iter().map(|r| r.principal).sum::<Money>(), Money::from_dollars(20_000));
        assert_eq!(rows[0].interest, Money(12_500));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn payment_rises_with_price_and_rate(
            cents in 100_000i64..15_000_000,
            extra in 1i64..500_000,
            apr_bp in 0u32..2_500,
            more_bp in 1u32..500,
            months in 12u32..=96,
        ) {
            let apr = Decimal::new(i64::from(apr_bp), 2);
            let higher = Decimal::new(i64::from(apr_bp + more_bp), 2);
            let p = loan_payment(Money(cents), apr, months);
            prop_assert!(loan_payment(Money(cents + extra), apr, months) >= p);
            prop_assert!(loan_payment(Money(cents), higher, months) >= p);
            // Never below the interest-free payment.
            prop_assert!(p.cents() * i64::from(months) >= cents - i64::from(months));
        }

        #[test]
        fn amortization_repays_the_principal_to_the_cent(
            cents in 50_000i64..20_000_000,
            apr_bp in 0u32..3_000,
            months in 1u32..=96,
        ) {
            let apr = Decimal::new(i64::from(apr_bp), 2);
            let rows = amortize(Money(cents), apr, months);
            prop_assert_eq!(rows.iter().map(|r| r.principal).sum::<Money>(), Money(cents));
            prop_assert_eq!(rows.last().unwrap().balance, Money::ZERO);
            prop_assert!(rows.iter().all(|r| r.interest >= Money::ZERO && r.principal >= Money::ZERO));
            // The last payment differs from the level payment by the compounded rounding only:
            // the payment and each month's interest are rounded (half a cent each), grown at the rate.
            let level = loan_payment(Money(cents), apr, months);
            let last = rows.last().unwrap().payment;
            let r = f64::from(apr_bp) / 120_000.0;
            let growth = if r == 0.0 { f64::from(months) } else { ((1.0 + r).powi(months as i32) - 1.0) / r };
            let bound = growth.ceil() as i64 + 1;
            prop_assert!((last - level).abs().cents() <= bound, "last {} level {} bound {}", last, level, bound);
        }
    }
}
