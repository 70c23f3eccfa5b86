//! The dealership, its users and teams.

use super::time::Timestamp;
use super::validate::Checker;
use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Dealership {
    pub id: Uuid,
    pub name: String,
    /// ISO 3166 alpha-2 region for phone numbers dialled without a country code.
    pub country: String,
    /// IANA time zone, e.g. `America/Chicago`.
    pub timezone: String,
    /// Letterhead on printed documents.
    pub address: String,
    pub phone: String,
    pub email: String,
    /// The logo as a base64 PNG.
    pub logo_png: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Dealership {
    /// The record an empty database gets when a manager first saves a setting of it: a US
    /// dealership on Central time until they say otherwise.
    pub fn first(now: super::Timestamp) -> Dealership {
        Dealership {
            id: super::new_id(),
            name: String::new(),
            country: "US".into(),
            timezone: "America/Chicago".into(),
            address: String::new(),
            phone: String::new(),
            email: String::new(),
            logo_png: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Where the dealership is: its country (phone numbers dialled without a code, the locale) and
/// its IANA time zone (working hours; the server routes web leads by it at night).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DealershipPlace {
    /// ISO 3166 alpha-2, e.g. `US`.
    pub country: String,
    /// IANA, e.g. `America/Chicago`.
    pub timezone: String,
}

impl DealershipPlace {
    /// Checks both fields, each problem naming its field; normalises the country to upper case.
    pub fn validate(&mut self) -> Result<(), Vec<crate::error::FieldError>> {
        use crate::error::FieldError;
        let mut errors = Vec::new();
        self.country = self.country.trim().to_ascii_uppercase();
        self.timezone = self.timezone.trim().to_string();
        let known = self.country.len() == 2 && self.country.parse::<rlibphonenumber::Region>().is_ok();
        if !known {
            errors.push(FieldError::new("country", "must be a two-letter country code such as US or CA"));
        }
        if super::time::zone(&self.timezone).is_none() {
            errors.push(FieldError::new("timezone", "must be a time zone such as America/Chicago"));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Rep,
    Manager,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct User {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub team_id: Option<Uuid>,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl User {
    pub fn validate(&mut self) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        self.name = c.required("name", &self.name, 80);
        match c.email("email", &self.email) {
            Some(e) => self.email = e,
            None if self.email.trim().is_empty() => c.error("email", "is required"),
            None => {}
        }
        c.finish()
    }
}
