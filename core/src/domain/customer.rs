//! Customer: the person a dealership sells to, with contact data, consent per channel and buying
//! preferences. [`CustomerDraft`] is what a form or an import row supplies; validating it gives the
//! normalised fields of a [`Customer`].

use super::time::Timestamp;
use super::validate::{Checker, check_birth_date, parse_date, phone_search_tokens};
use crate::error::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// Consent to be contacted, per channel. Absent consent means no marketing on that channel: a
/// channel missing from the stored or received JSON reads as no consent (`#[serde(default)]`), so
/// that a later version may store and send consent without its empty channels
/// (`store::record::SHORT_FORM`) once every reader in the field accepts that.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Consent {
    pub email: bool,
    pub sms: bool,
    pub phone: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    New,
    Used,
    Cpo,
}

/// When the customer means to buy: how soon the next step should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Timeframe {
    ThisWeek,
    ThisMonth,
    ThreeMonths,
    JustLooking,
}

/// What the customer is looking for (the needs analysis): matched against inventory, read by the
/// next step, and checked against each arriving vehicle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Preferences {
    pub makes: Vec<String>,
    /// Models by name ("CR-V", "Tacoma"), any make.
    pub models: Vec<String>,
    pub body_types: Vec<String>,
    /// Budget range in whole cents.
    #[ts(type = "number | null")]
    pub budget_min_cents: Option<i64>,
    #[ts(type = "number | null")]
    pub budget_max_cents: Option<i64>,
    /// The monthly payment they aim for, in whole cents.
    #[ts(type = "number | null")]
    pub target_payment_cents: Option<i64>,
    pub fuel: Option<String>,
    pub condition: Option<Condition>,
    pub must_haves: Vec<String>,
    /// The car they would trade in, as they describe it ("2016 Civic, 90k miles").
    pub trade_in: String,
    pub timeframe: Option<Timeframe>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Customer {
    pub id: Uuid,
    /// The rep who owns this customer; `None` for house accounts.
    pub owner_id: Option<Uuid>,
    pub first_name: String,
    pub last_name: String,
    /// Lower-cased email address.
    pub email: Option<String>,
    /// E.164, e.g. `+14155552671`.
    pub phone: Option<String>,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub postal_code: String,
    /// BCP 47 language tag of the customer's preferred language, e.g. `en`, `es`.
    pub language: String,
    #[ts(type = "string | null")]
    pub birth_date: Option<NaiveDate>,
    pub consent: Consent,
    pub preferences: Preferences,
    #[serde(default)]
    pub notes: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// Set when this record was merged into another customer (the survivor).
    #[serde(default)]
    pub merged_into: Option<Uuid>,
}

impl Customer {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name).trim().to_string()
    }

    /// Words the search index holds for this customer.
    pub fn search_terms(&self) -> String {
        let mut t = vec![self.first_name.clone(), self.last_name.clone()];
        t.extend(crate::store::search::name_keys(&self.first_name, &self.last_name));
        t.extend(self.email.clone());
        if let Some(p) = &self.phone {
            t.extend(phone_search_tokens(p));
        }
        t.push(self.city.clone());
        t.join(" ")
    }
}

/// What a person or an import row supplies for a customer. Strings as typed; validation normalises.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CustomerDraft {
    pub owner_id: Option<Uuid>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub street: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub language: String,
    /// `YYYY-MM-DD`, or empty.
    pub birth_date: String,
    pub consent: Consent,
    pub preferences: Preferences,
    pub notes: String,
}

impl CustomerDraft {
    /// Validates every field, reporting all problems at once, and returns the normalised customer
    /// fields applied onto `base` (a new customer or the stored one). Warnings are returned too.
    pub fn apply(
        &self,
        base: &Customer,
        phone_region: &str,
        today: NaiveDate,
    ) -> Result<(Customer, Vec<FieldError>), Vec<FieldError>> {
        let mut c = Checker::default();
        let mut out = base.clone();
        out.owner_id = self.owner_id;
        out.first_name = c.required("first_name", &self.first_name, 80);
        out.last_name = c.required("last_name", &self.last_name, 80);
        out.email = c.email("email", &self.email);
        out.phone = c.phone("phone", &self.phone, phone_region);
        out.street = c.text("street", &self.street, 200);
        out.city = c.text("city", &self.city, 100);
        out.region = c.text("region", &self.region, 100);
        out.postal_code = c.text("postal_code", &self.postal_code, 20);
        let lang = c.text("language", &self.language, 35);
        out.language = if lang.is_empty() { "en".into() } else { lang.to_lowercase() };
        if !out.language.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-') {
            c.error("language", format!("{lang:?} is not a language tag such as en or es-MX"));
        }
        out.birth_date = None;
        if !self.birth_date.trim().is_empty() {
            match parse_date(&self.birth_date).and_then(|d| check_birth_date(d, today).map(|_| d)) {
                Ok(d) => out.birth_date = Some(d),
                Err(m) => c.error("birth_date", m),
            }
        }
        out.consent = self.consent;
        out.preferences = self.preferences.clone();
        check_preferences(&mut c, &out.preferences);
        out.notes = c.text("notes", &self.notes, 20_000);
        if out.email.is_none() && out.phone.is_none() && self.email.trim().is_empty() && self.phone.trim().is_empty() {
            c.warn("email", "no email or phone: this customer cannot be contacted");
        }
        if out.consent.email && out.email.is_none() && self.email.trim().is_empty() {
            c.error("consent.email", "email consent needs an email address");
        }
        if (out.consent.sms || out.consent.phone) && out.phone.is_none() && self.phone.trim().is_empty() {
            c.error("consent.sms", "SMS or phone consent needs a phone number");
        }
        c.finish().map(|warnings| (out, warnings))
    }

    /// A draft holding a stored customer's values, as an edit form starts.
    pub fn from_customer(c: &Customer) -> Self {
        CustomerDraft {
            owner_id: c.owner_id,
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone().unwrap_or_default(),
            phone: c.phone.clone().unwrap_or_default(),
            street: c.street.clone(),
            city: c.city.clone(),
            region: c.region.clone(),
            postal_code: c.postal_code.clone(),
            language: c.language.clone(),
            birth_date: c.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            consent: c.consent,
            preferences: c.preferences.clone(),
            notes: c.notes.clone(),
        }
    }
}

fn check_preferences(c: &mut Checker, p: &Preferences) {
    if let Some(v) = p.target_payment_cents
        && !(0..=10_000_000).contains(&v)
    {
        c.error("preferences.target_payment_cents", "must be between $0 and $100,000 a month");
    }
    if p.trade_in.chars().count() > 200 {
        c.error("preferences.trade_in", "at most 200 characters");
    }
    for (field, list) in [
        ("preferences.makes", &p.makes),
        ("preferences.models", &p.models),
        ("preferences.body_types", &p.body_types),
        ("preferences.must_haves", &p.must_haves),
    ] {
        if list.len() > 20 || list.iter().any(|x| x.chars().count() > 60) {
            c.error(field, "at most 20 entries of 60 characters");
        }
    }
    for (field, v) in
        [("preferences.budget_min_cents", p.budget_min_cents), ("preferences.budget_max_cents", p.budget_max_cents)]
    {
        if let Some(v) = v
            && !(0..=10_000_000_000).contains(&v)
        {
            c.error(field, "must be between $0 and $100,000,000");
        }
    }
    if let (Some(lo), Some(hi)) = (p.budget_min_cents, p.budget_max_cents)
        && lo > hi
    {
        c.error("preferences.budget_max_cents", "is below the minimum budget");
    }
}

impl Customer {
    /// An empty customer with a new id, stamped now; fill it through [`CustomerDraft::apply`].
    pub fn blank(id: Uuid, now: Timestamp) -> Self {
        Customer {
            id,
            owner_id: None,
            first_name: String::new(),
            last_name: String::new(),
            email: None,
            phone: None,
            street: String::new(),
            city: String::new(),
            region: String::new(),
            postal_code: String::new(),
            language: "en".into(),
            birth_date: None,
            consent: Consent::default(),
            preferences: Preferences::default(),
            notes: String::new(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
            merged_into: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn draft() -> CustomerDraft {
        CustomerDraft {
            first_name: " Ana ".into(),
            last_name: "García".into(),
            email: "Ana.Garcia@Example.com".into(),
            phone: "(415) 555-2671".into(),
            consent: Consent { email: true, sms: true, phone: false },
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_draft_is_normalised() {
        let base = Customer::blank(Uuid::nil(), Timestamp::from_millis(0));
        let (c, warnings) = draft().apply(&base, "US", today()).unwrap();
        assert_eq!(c.first_name, "Ana");
        assert_eq!(c.email.as_deref(), Some("ana.garcia@example.com"));
        assert_eq!(c.phone.as_deref(), Some("+14155552671"));
        assert_eq!(c.language, "en");
        assert!(warnings.is_empty());
        assert!(c.search_terms().contains("5552671"));
    }

    #[test]
    fn every_bad_field_is_named() {
        let base = Customer::blank(Uuid::nil(), Timestamp::from_millis(0));
        let d = CustomerDraft {
            first_name: "".into(),
            last_name: "Lee".into(),
            email: "lee@".into(),
            phone: "12".into(),
            birth_date: "2199-01-01".into(),
            preferences: Preferences {
                budget_min_cents: Some(5_000_000),
                budget_max_cents: Some(100),
                target_payment_cents: Some(-1),
                models: vec!["x".repeat(61)],
                ..Default::default()
            },
            ..Default::default()
        };
        let errs = d.apply(&base, "US", today()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "first_name",
                "email",
                "phone",
                "birth_date",
                "preferences.target_payment_cents",
                "preferences.models",
                "preferences.budget_max_cents"
            ]
        );
    }

    #[test]
    fn consent_needs_the_channel() {
        let base = Customer::blank(Uuid::nil(), Timestamp::from_millis(0));
        let d = CustomerDraft { email: "".into(), ..draft() };
        let errs = d.apply(&base, "US", today()).unwrap_err();
        assert_eq!(errs[0].field, "consent.email");
    }

    #[test]
    fn no_contact_is_a_warning() {
        let base = Customer::blank(Uuid::nil(), Timestamp::from_millis(0));
        let d = CustomerDraft { first_name: "Walk".into(), last_name: "In".into(), ..Default::default() };
        let (_, warnings) = d.apply(&base, "US", today()).unwrap();
        assert_eq!(warnings.len(), 1);
    }
}
