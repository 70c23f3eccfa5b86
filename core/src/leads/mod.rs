//! Leads: the pure parts (ADF/XML reader and writer, duplicate detection, routing, scoring,
//! follow-up cadences) and the store-backed work built on them: capture and conversion
//! ([`inbox`]), the showroom floor ([`floor`]: traffic log and up rotation), merging duplicates
//! ([`merge`]), leads arriving at the server ([`intake`]) and the dealership's lead settings
//! (this module).

pub mod adf;
pub mod cadence;
pub mod dedupe;
pub mod floor;
pub mod inbox;
pub mod intake;
pub mod merge;
pub mod routing;
pub mod scoring;

use crate::domain::{Channel, Timestamp};
use crate::error::{CoreError, FieldError, Result};
use crate::store::{Store, Writer, get};
use cadence::Cadence;
use routing::{Distribution, Rule};
use scoring::Weights;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// One assignment of a lead to a rep, with why. Kept for every assignment, never edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LeadAssignment {
    pub id: Uuid,
    pub lead_id: Uuid,
    pub rep_id: Uuid,
    pub reason: String,
    /// Who assigned it (a manager, or the rep who captured it); `None` for automatic routing.
    pub by_id: Option<Uuid>,
    pub at: Timestamp,
}

/// A saved CSV column mapping: which column of a file holds which lead field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CsvPreset {
    pub name: String,
    /// `(column header as in the file, lead field)`; an empty field ignores the column.
    pub columns: Vec<(String, String)>,
}

/// The dealership's lead settings: one row, shared and synced, edited by a manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LeadSettings {
    pub id: Uuid,
    pub weights: Weights,
    pub rules: Vec<Rule>,
    pub distribution: Distribution,
    /// First-response deadline: a lead not answered this many minutes after it was assigned goes
    /// to the next rep.
    pub response_minutes: i32,
    /// Tried in order; the first whose channels include the lead's (or that lists none) runs.
    pub cadences: Vec<Cadence>,
    pub csv_presets: Vec<CsvPreset>,
    /// When routing may hand a rep a lead.
    pub working_hours: WorkingHours,
    pub updated_at: Timestamp,
}

/// Opening hours, local time: from `open_hour` until `close_hour` on the listed ISO weekdays
/// (1 = Monday ... 7 = Sunday).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WorkingHours {
    pub open_hour: u32,
    pub close_hour: u32,
    pub days: Vec<u32>,
}

impl Default for WorkingHours {
    fn default() -> Self {
        WorkingHours { open_hour: 9, close_hour: 20, days: vec![1, 2, 3, 4, 5, 6] }
    }
}

impl WorkingHours {
    /// Whether local `minute` (of the day) on `day` is within the hours.
    pub fn contains(&self, day: chrono::NaiveDate, minute: i64) -> bool {
        use chrono::Datelike;
        let hour = (minute / 60) as u32;
        self.days.contains(&day.weekday().number_from_monday()) && hour >= self.open_hour && hour < self.close_hour
    }
}

impl WorkingHours {
    /// When the first-response clock of a lead assigned at `at` starts: at once within working
    /// hours, else at the next opening (a lead routed at 3 AM is not late at 3:06 AM).
    pub fn clock_starts(&self, at: Timestamp, utc_offset_min: i32) -> Timestamp {
        let offset_ms = i64::from(utc_offset_min) * 60_000;
        let local = at.millis() + offset_ms;
        let day_ms = 86_400_000;
        let midnight = local - local.rem_euclid(day_ms);
        let minute = local.rem_euclid(day_ms) / 60_000;
        let day = Timestamp::from_millis(midnight).date();
        if self.contains(day, minute) {
            return at;
        }
        for ahead in 0..8i64 {
            let start = midnight + ahead * day_ms;
            let d = Timestamp::from_millis(start).date();
            let open = start + i64::from(self.open_hour) * 3_600_000;
            if open > local && self.contains(d, i64::from(self.open_hour) * 60) {
                return Timestamp::from_millis(open - offset_ms);
            }
        }
        at
    }
}

/// The settings row's id, the same on every device so edits from two managers merge field by field.
pub const SETTINGS_ID: Uuid = Uuid::from_u128(0x5e77_1465_1ead_7000_8000_0000_0000_0001);

impl Default for LeadSettings {
    fn default() -> Self {
        LeadSettings {
            id: SETTINGS_ID,
            weights: Weights::default(),
            rules: Vec::new(),
            distribution: Distribution::RoundRobin,
            response_minutes: 5,
            cadences: vec![Cadence::default(), Cadence::showroom_visit()],
            csv_presets: Vec::new(),
            working_hours: WorkingHours::default(),
            updated_at: Timestamp::from_millis(0),
        }
    }
}

impl LeadSettings {
    /// The cadence for a lead that came in on `channel`.
    pub fn cadence_for(&self, channel: Channel) -> Option<&Cadence> {
        self.cadences.iter().find(|c| c.channels.is_empty() || c.channels.contains(&channel))
    }

    /// Checks every setting; each problem names its field (`weights.channel`, `cadences[1].steps[2].subject`).
    pub fn validate(&mut self) -> std::result::Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let w = &self.weights;
        for (name, v) in [
            ("channel", w.channel),
            ("timeframe", w.timeframe),
            ("trade_in", w.trade_in),
            ("financing", w.financing),
            ("engagement", w.engagement),
            ("recency", w.recency),
            ("budget_fit", w.budget_fit),
        ] {
            if !(0..=100).contains(&v) {
                errors.push(FieldError::new(format!("weights.{name}"), "must be between 0 and 100"));
            }
        }
        if !(1..=24 * 60).contains(&self.response_minutes) {
            errors.push(FieldError::new("response_minutes", "must be between 1 minute and 24 hours"));
        }
        for (i, r) in self.rules.iter_mut().enumerate() {
            r.name = r.name.trim().to_string();
            if r.name.is_empty() {
                errors.push(FieldError::new(format!("rules[{i}].name"), "a rule needs a name"));
            }
        }
        let h = &self.working_hours;
        if h.open_hour > 23 || h.close_hour > 24 || h.open_hour >= h.close_hour {
            errors.push(FieldError::new("working_hours.close_hour", "closing must be after opening, within the day"));
        }
        if h.days.is_empty() || h.days.iter().any(|d| !(1..=7).contains(d)) {
            errors.push(FieldError::new("working_hours.days", "pick at least one day of the week"));
        }
        if self.cadences.is_empty() {
            errors.push(FieldError::new("cadences", "keep at least one cadence"));
        }
        for (i, c) in self.cadences.iter_mut().enumerate() {
            errors.extend(
                c.validate().into_iter().map(|e| FieldError::new(format!("cadences[{i}].{}", e.field), e.message)),
            );
        }
        for (i, p) in self.csv_presets.iter_mut().enumerate() {
            p.name = p.name.trim().to_string();
            if p.name.is_empty() {
                errors.push(FieldError::new(format!("csv_presets[{i}].name"), "a preset needs a name"));
            }
            for (j, (_, field)) in p.columns.iter().enumerate() {
                if !field.is_empty() && !crate::io::LEAD_FIELDS.contains(&field.as_str()) {
                    errors.push(FieldError::new(
                        format!("csv_presets[{i}].columns[{j}]"),
                        format!("{field:?} is not a lead field"),
                    ));
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// The stored settings, or the defaults when nobody saved any.
pub fn settings(conn: &rusqlite::Connection) -> Result<LeadSettings> {
    match get::<LeadSettings>(conn, SETTINGS_ID) {
        Ok(s) => Ok(s),
        Err(CoreError::NotFound { .. }) => Ok(LeadSettings::default()),
        Err(e) => Err(e),
    }
}

/// Saves the settings (one transaction); only a manager's edit reaches the other devices.
pub fn save_settings(store: &mut Store, mut s: LeadSettings) -> Result<LeadSettings> {
    s.id = SETTINGS_ID;
    s.validate().map_err(CoreError::Validation)?;
    store.write(|w| {
        s.updated_at = Timestamp::now();
        write_settings(w, &s)?;
        Ok(s)
    })
}

fn write_settings(w: &mut Writer<'_>, s: &LeadSettings) -> Result<()> {
    match w.get::<LeadSettings>(SETTINGS_ID) {
        Ok(old) => {
            let mut new = s.clone();
            new.updated_at = Timestamp::now_after(old.updated_at);
            w.update(&old, &new).map(|_| ())
        }
        Err(CoreError::NotFound { .. }) => w.insert(s),
        Err(e) => Err(e),
    }
}
