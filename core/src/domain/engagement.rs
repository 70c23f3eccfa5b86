//! The rest of the domain: test drives, events (auto shows), surveys, referrals, goals and
//! commission plans, with their validation. Test drives, surveys and referrals are stored (see
//! `crate::engagement`); events, goals and plans arrive with the lead and analytics work.

use super::time::Timestamp;
use super::validate::Checker;
use crate::error::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TestDriveStatus {
    Scheduled,
    Completed,
    Cancelled,
    NoShow,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TestDrive {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub vehicle_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub licence_number: String,
    pub licence_region: String,
    #[ts(type = "string")]
    pub licence_expiry: NaiveDate,
    pub status: TestDriveStatus,
    pub feedback: String,
    /// The Today item that reminds the rep (completing either completes both).
    pub activity_id: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl TestDrive {
    /// Errors, or warnings (an expired licence is the manager's call, not a hard stop).
    pub fn validate(&mut self, today: NaiveDate) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        self.licence_number = c.required("licence_number", &self.licence_number, 30).to_uppercase();
        self.licence_region = c.text("licence_region", &self.licence_region, 40);
        self.feedback = c.text("feedback", &self.feedback, 5_000);
        let minutes = (self.ends_at.millis() - self.starts_at.millis()) / 60_000;
        if minutes <= 0 {
            c.error("ends_at", "must be after the start");
        } else if minutes > 240 {
            c.error("ends_at", "a test drive lasts at most 4 hours");
        }
        if self.licence_expiry < today {
            c.warn("licence_expiry", format!("the driver's licence expired on {}", self.licence_expiry));
        }
        c.finish()
    }

    /// Whether two bookings of the same vehicle overlap in time.
    pub fn overlaps(&self, other: &TestDrive) -> bool {
        self.vehicle_id == other.vehicle_id
            && self.id != other.id
            && self.status == TestDriveStatus::Scheduled
            && other.status == TestDriveStatus::Scheduled
            && self.starts_at < other.ends_at
            && other.starts_at < self.ends_at
    }
}

/// An auto show or other event where leads are captured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Event {
    pub id: Uuid,
    pub name: String,
    pub venue: String,
    #[ts(type = "string")]
    pub starts_on: NaiveDate,
    #[ts(type = "string")]
    pub ends_on: NaiveDate,
}

impl Event {
    pub fn validate(&mut self) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        self.name = c.required("name", &self.name, 120);
        self.venue = c.text("venue", &self.venue, 200);
        if self.ends_on < self.starts_on {
            c.error("ends_on", "is before the first day");
        } else if (self.ends_on - self.starts_on).num_days() > 31 {
            c.error("ends_on", "an event lasts at most 31 days");
        }
        c.finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SurveyKind {
    /// Customer satisfaction, 1-5.
    Csat,
    /// Net promoter score, 0-10.
    Nps,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Survey {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub order_id: Option<Uuid>,
    pub kind: SurveyKind,
    pub score: i32,
    pub comment: String,
    pub answered_at: Timestamp,
}

impl Survey {
    pub fn validate(&mut self) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        let range = match self.kind {
            SurveyKind::Csat => 1..=5,
            SurveyKind::Nps => 0..=10,
        };
        if !range.contains(&self.score) {
            c.error("score", format!("must be between {} and {}", range.start(), range.end()));
        }
        self.comment = c.text("comment", &self.comment, 5_000);
        c.finish()
    }
}

/// A customer who came on another customer's word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Referral {
    pub id: Uuid,
    /// The customer who was referred.
    pub customer_id: Uuid,
    /// The customer who referred them.
    pub referrer_id: Uuid,
    pub note: String,
    pub created_at: Timestamp,
}

/// A monthly target for a rep, a team, or (with neither) the whole dealership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Goal {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    /// `YYYY-MM`.
    pub month: String,
    pub units: i32,
    #[ts(type = "number")]
    pub gross_cents: i64,
    pub activities: i32,
}

impl Goal {
    pub fn validate(&mut self) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        if NaiveDate::parse_from_str(&format!("{}-01", self.month.trim()), "%Y-%m-%d").is_err() {
            c.error("month", format!("{:?} is not a month such as 2026-11", self.month));
        }
        for (f, v) in [
            ("units", i64::from(self.units)),
            ("gross_cents", self.gross_cents),
            ("activities", i64::from(self.activities)),
        ] {
            if v < 0 {
                c.error(f, "must not be negative");
            }
        }
        c.finish()
    }
}

/// A unit-count tier: from this many units in the month, every unit earns `per_unit_cents` extra
/// (applied retroactively to all units of the month).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Tier {
    pub from_units: i32,
    #[ts(type = "number")]
    pub per_unit_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CommissionPlan {
    pub id: Uuid,
    pub name: String,
    #[ts(type = "number")]
    pub flat_per_unit_cents: i64,
    /// Percent of front-end gross in basis points (2500 = 25%).
    pub gross_percent_bp: i32,
    #[ts(type = "number")]
    pub minimum_per_deal_cents: i64,
    pub tiers: Vec<Tier>,
    #[ts(type = "number")]
    pub csat_bonus_cents: i64,
    /// The month's average CSAT (in tenths: 45 = 4.5 of 5) that earns the bonus.
    #[serde(default)]
    pub csat_min_tenths: i32,
    /// The reps paid on this plan.
    #[serde(default)]
    pub user_ids: Vec<Uuid>,
}

impl CommissionPlan {
    pub fn validate(&mut self) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        self.name = c.required("name", &self.name, 80);
        if !(0..=10_000).contains(&self.gross_percent_bp) {
            c.error("gross_percent_bp", "must be between 0% and 100%");
        }
        for (f, v) in [
            ("flat_per_unit_cents", self.flat_per_unit_cents),
            ("minimum_per_deal_cents", self.minimum_per_deal_cents),
            ("csat_bonus_cents", self.csat_bonus_cents),
        ] {
            if v < 0 {
                c.error(f, "must not be negative");
            }
        }
        if !(0..=50).contains(&self.csat_min_tenths) {
            c.error("csat_min_tenths", "is an average CSAT from 0.0 to 5.0");
        }
        let mut last = 0;
        for (i, t) in self.tiers.iter().enumerate() {
            if t.from_units <= last {
                c.error(
                    &format!("tiers[{i}].from_units"),
                    "tiers must start at increasing unit counts, above 0, without overlap",
                );
            }
            last = t.from_units;
        }
        c.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn drive(start_min: i64, end_min: i64) -> TestDrive {
        TestDrive {
            id: Uuid::now_v7(),
            customer_id: Uuid::nil(),
            vehicle_id: Uuid::nil(),
            opportunity_id: None,
            starts_at: Timestamp::from_millis(start_min * 60_000),
            ends_at: Timestamp::from_millis(end_min * 60_000),
            licence_number: "tx1234567".into(),
            licence_region: "TX".into(),
            licence_expiry: d("2027-01-01"),
            status: TestDriveStatus::Scheduled,
            feedback: String::new(),
            activity_id: None,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    #[test]
    fn test_drives_check_times_licence_and_overlap() {
        let mut a = drive(0, 30);
        assert!(a.validate(d("2026-11-27")).unwrap().is_empty());
        assert_eq!(a.licence_number, "TX1234567");
        let mut expired = TestDrive { licence_expiry: d("2026-01-01"), ..drive(0, 30) };
        assert_eq!(expired.validate(d("2026-11-27")).unwrap()[0].field, "licence_expiry");
        assert_eq!(drive(30, 0).validate(d("2026-11-27")).unwrap_err()[0].field, "ends_at");
        assert!(a.overlaps(&drive(20, 50)));
        assert!(!a.overlaps(&drive(30, 60)), "back-to-back bookings do not overlap");
    }

    #[test]
    fn events_surveys_goals_and_plans_validate() {
        let mut e = Event {
            id: Uuid::nil(),
            name: "Austin Auto Show".into(),
            venue: "".into(),
            starts_on: d("2026-03-05"),
            ends_on: d("2026-03-01"),
        };
        assert_eq!(e.validate().unwrap_err()[0].field, "ends_on");
        let mut s = Survey {
            id: Uuid::nil(),
            customer_id: Uuid::nil(),
            order_id: None,
            kind: SurveyKind::Csat,
            score: 6,
            comment: "".into(),
            answered_at: Timestamp::from_millis(0),
        };
        assert_eq!(s.validate().unwrap_err()[0].message, "must be between 1 and 5");
        s.kind = SurveyKind::Nps;
        assert!(s.validate().is_ok());
        let mut g = Goal {
            id: Uuid::nil(),
            user_id: None,
            team_id: None,
            month: "2026-13".into(),
            units: 10,
            gross_cents: -1,
            activities: 0,
        };
        let fields: Vec<_> = g.validate().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["month", "gross_cents"]);
        let mut p = CommissionPlan {
            id: Uuid::nil(),
            name: "Standard".into(),
            flat_per_unit_cents: 10_000,
            gross_percent_bp: 2_500,
            minimum_per_deal_cents: 15_000,
            tiers: vec![Tier { from_units: 10, per_unit_cents: 5_000 }, Tier { from_units: 8, per_unit_cents: 2_500 }],
            csat_bonus_cents: 0,
            csat_min_tenths: 0,
            user_ids: vec![],
        };
        assert_eq!(p.validate().unwrap_err()[0].field, "tiers[1].from_units");
    }
}

/// What a coaching entry is: a note from a 1:1, or a goal the rep works towards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CoachingKind {
    Note,
    Goal,
}

/// A manager's coaching entry for one rep. It lives in the rep's own partition: the rep and the
/// managers receive it, no other rep does; only a manager writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CoachingNote {
    pub id: Uuid,
    pub rep_id: Uuid,
    pub author_id: Option<Uuid>,
    pub kind: CoachingKind,
    pub body: String,
    /// A goal's date.
    #[ts(type = "string | null")]
    pub due: Option<NaiveDate>,
    /// When the manager marked the goal met.
    pub done_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

impl CoachingNote {
    pub fn validate(&mut self) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        self.body = c.required("body", &self.body, 4000);
        if self.kind == CoachingKind::Note && self.due.is_some() {
            c.error("due", "only a goal has a date");
        }
        c.finish()
    }
}
