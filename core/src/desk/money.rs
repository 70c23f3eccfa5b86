//! Exact money: [`Money`] is whole cents in an `i64`; rates are [`Decimal`]. The only rounding is
//! [`round_cents`], half-up (away from zero) to the cent, applied at the points the desk documents.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use ts_rs::TS;

/// An amount of money in whole cents. In JSON it is a string with two decimals, `"27495.00"`;
/// input may also be a JSON number or a string with up to two decimals and optional `$` and `,`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, TS)]
#[ts(type = "string")]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn cents(self) -> i64 {
        self.0
    }

    pub fn from_dollars(d: i64) -> Money {
        Money(d * 100)
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn max(self, other: Money) -> Money {
        Money(self.0.max(other.0))
    }

    pub fn min(self, other: Money) -> Money {
        Money(self.0.min(other.0))
    }

    pub fn abs(self) -> Money {
        Money(self.0.abs())
    }

    /// `self × n`, exact.
    pub fn times(self, n: i64) -> Money {
        Money(self.0 * n)
    }

    /// Parses `"1234.5"`, `"$1,234.56"`, `"-20"`; more than two decimals is an error, not a rounding.
    pub fn parse(s: &str) -> Result<Money, String> {
        let cleaned: String = s.trim().chars().filter(|c| !matches!(c, '$' | ',' | ' ')).collect();
        let d: Decimal = cleaned.parse().map_err(|_| format!("{s:?} is not an amount of money"))?;
        if d.scale() > 2 && d != d.round_dp(2) {
            return Err(format!("{s:?} has more than two decimals"));
        }
        (d * Decimal::ONE_HUNDRED)
            .to_i64()
            .filter(|c| c.abs() <= 100_000_000_000)
            .map(Money)
            .ok_or_else(|| format!("{s:?} is out of range"))
    }
}

/// Rounds half-up (away from zero on .5) to whole cents.
pub fn round_cents(d: Decimal) -> Money {
    let r = (d * Decimal::ONE_HUNDRED).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    Money(r.to_i64().unwrap_or(i64::MAX))
}

impl fmt::Display for Money {
    /// `27495.00`, `-1.05`: plain, for JSON and CSV. [`Money::pretty`] adds `$` and separators.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:02}", self.0.abs() / 100, self.0.abs() % 100)
    }
}

impl Money {
    /// `$27,495.00`, `-$1.05`.
    pub fn pretty(&self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}${}.{:02}", group_digits(self.0.unsigned_abs() / 100), self.0.abs() % 100)
    }
}

/// `1234567` -> `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

impl Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0 + o.0)
    }
}
impl Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0 - o.0)
    }
}
impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}
impl AddAssign for Money {
    fn add_assign(&mut self, o: Money) {
        self.0 += o.0;
    }
}
impl SubAssign for Money {
    fn sub_assign(&mut self, o: Money) {
        self.0 -= o.0;
    }
}
impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A JSON number arrives as its shortest decimal text ("189.99"), never as a binary float sum.
        let v = serde_json::Value::deserialize(d)?;
        let text = match &v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            other => return Err(serde::de::Error::custom(format!("expected an amount, got {other}"))),
        };
        Money::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_exact_and_strict() {
        assert_eq!(Money::parse("27495").unwrap(), Money(2_749_500));
        assert_eq!(Money::parse("$1,234.5").unwrap(), Money(123_450));
        assert_eq!(Money::parse("-0.05").unwrap(), Money(-5));
        assert_eq!(Money::parse("10.100").unwrap(), Money(1_010));
        assert!(Money::parse("10.005").unwrap_err().contains("more than two decimals"));
        assert!(Money::parse("ten").is_err());
        let m: Money = serde_json::from_str("189.99").unwrap();
        assert_eq!(m, Money(18_999));
        assert_eq!(serde_json::to_string(&Money(-105)).unwrap(), "\"-1.05\"");
    }

    #[test]
    fn rounding_is_half_up_to_the_cent() {
        assert_eq!(round_cents("400.755".parse().unwrap()), Money(40_076));
        assert_eq!(round_cents("400.7549".parse().unwrap()), Money(40_075));
        assert_eq!(round_cents("-1.005".parse().unwrap()), Money(-101));
    }

    #[test]
    fn pretty() {
        assert_eq!(Money(123_456_789).pretty(), "$1,234,567.89");
        assert_eq!(Money(-5).pretty(), "-$0.05");
        assert_eq!(Money(100_000).pretty(), "$1,000.00");
    }
}
