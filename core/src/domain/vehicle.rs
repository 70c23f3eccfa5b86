//! Vehicle in inventory: identity (VIN, stock number), description, condition, money in cents, status.

use super::customer::Condition;
use super::time::Timestamp;
use super::validate::{Checker, VinCheck, check_vin};
use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VehicleStatus {
    Available,
    Reserved,
    InTransit,
    OnHold,
    Sold,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Vehicle {
    pub id: Uuid,
    pub vin: String,
    pub stock_no: String,
    pub year: i32,
    pub make: String,
    pub model: String,
    pub trim: String,
    pub body: String,
    pub colour: String,
    pub mileage: i32,
    pub condition: Condition,
    #[ts(type = "number")]
    pub msrp_cents: i64,
    #[ts(type = "number")]
    pub invoice_cents: i64,
    #[ts(type = "number")]
    pub price_cents: i64,
    pub status: VehicleStatus,
    pub location: String,
    pub received_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

impl Vehicle {
    pub fn title(&self) -> String {
        format!("{} {} {} {}", self.year, self.make, self.model, self.trim).trim().to_string()
    }

    pub fn search_terms(&self) -> String {
        [self.vin.as_str(), &self.stock_no, &self.year.to_string(), &self.make, &self.model, &self.trim, &self.colour]
            .join(" ")
    }

    /// Normalises in place and checks every field; returns warnings (e.g. a non-North-American VIN
    /// whose position 9 is not a check digit) or every error.
    pub fn validate(&mut self, this_year: i32) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        match check_vin(&self.vin) {
            Ok((vin, check)) => {
                self.vin = vin;
                if let VinCheck::CheckDigitNotUsed { expected, found } = check {
                    c.warn("vin", format!("position 9 is {found:?}, not the check digit {expected:?}; fine for VINs from outside North America"));
                }
            }
            Err(m) => c.error("vin", m),
        }
        self.stock_no = c.required("stock_no", &self.stock_no, 20).to_uppercase();
        if !(1981..=this_year + 2).contains(&self.year) {
            c.error("year", format!("must be between 1981 and {}", this_year + 2));
        }
        self.make = c.required("make", &self.make, 40);
        self.model = c.required("model", &self.model, 60);
        self.trim = c.text("trim", &self.trim, 60);
        self.body = c.text("body", &self.body, 40);
        self.colour = c.text("colour", &self.colour, 40);
        self.location = c.text("location", &self.location, 80);
        if !(0..=2_000_000).contains(&self.mileage) {
            c.error("mileage", "must be between 0 and 2,000,000");
        }
        for (f, v) in
            [("msrp_cents", self.msrp_cents), ("invoice_cents", self.invoice_cents), ("price_cents", self.price_cents)]
        {
            if !(0..=1_000_000_000).contains(&v) {
                c.error(f, "must be between $0 and $10,000,000");
            }
        }
        if self.condition == Condition::New && self.mileage > 1_000 {
            c.warn("mileage", "a new vehicle with more than 1,000 miles");
        }
        c.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Vehicle {
        let t = Timestamp::from_millis(0);
        Vehicle {
            id: Uuid::nil(),
            vin: "1g4ah59h45g118341".into(),
            stock_no: "a1234".into(),
            year: 2005,
            make: "Buick".into(),
            model: "LaCrosse".into(),
            trim: "CXS".into(),
            body: "Sedan".into(),
            colour: "Silver".into(),
            mileage: 98_000,
            condition: Condition::Used,
            msrp_cents: 0,
            invoice_cents: 250_000,
            price_cents: 399_500,
            status: VehicleStatus::Available,
            location: "Lot B".into(),
            received_at: t,
            created_at: t,
            updated_at: t,
            deleted_at: None,
        }
    }

    #[test]
    fn valid_vehicle_is_normalised() {
        let mut v = sample();
        assert!(v.validate(2026).unwrap().is_empty());
        assert_eq!(v.vin, "1G4AH59H45G118341");
        assert_eq!(v.stock_no, "A1234");
    }

    #[test]
    fn bad_fields_are_named() {
        let mut v = Vehicle { vin: "1G4AH59H45G11834Q".into(), year: 1970, price_cents: -1, ..sample() };
        let errs = v.validate(2026).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["vin", "year", "price_cents"]);
    }
}
