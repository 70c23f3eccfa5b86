//! What the dashboards answer with: the query, the range, and every figure's shape (each
//! documented where it is defined; the formulas in `docs/metrics.md`).

use super::DAY;
use super::forecast;
use crate::domain::{Goal, Timestamp};
use crate::error::{CoreError, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// Marketing spend of one source in one month (entered in Settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Spend {
    pub id: Uuid,
    /// `YYYY-MM`.
    pub month: String,
    pub source: String,
    #[ts(type = "number")]
    pub amount_cents: i64,
}

/// Which days (local calendar, inclusive) and whose numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DashboardQuery {
    /// `YYYY-MM-DD`.
    pub from: String,
    /// `YYYY-MM-DD`, inclusive.
    pub to: String,
    /// One rep's dashboard; the whole team when absent.
    pub rep_id: Option<Uuid>,
}

/// The range as UTC milliseconds `[from, to)`.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub from: i64,
    pub to: i64,
    pub now: i64,
    pub offset_ms: i64,
}

impl DashboardQuery {
    pub fn span(&self, now: Timestamp, utc_offset_min: i32) -> Result<Span> {
        let day = |f: &str, v: &str| {
            NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .map_err(|_| CoreError::field(f, format!("{v:?} is not a date such as 2026-11-01")))
        };
        let (a, b) = (day("from", &self.from)?, day("to", &self.to)?);
        if b < a {
            return Err(CoreError::field("to", "is before the first day"));
        }
        if (b - a).num_days() > 3 * 366 {
            return Err(CoreError::field("to", "a range spans at most three years"));
        }
        let offset_ms = i64::from(utc_offset_min) * 60_000;
        let ms = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0) - offset_ms;
        Ok(Span { from: ms(a), to: ms(b) + DAY, now: now.millis(), offset_ms })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Sales {
    /// Won deals closed in the range (a split deal counts half for each rep; the team counts 1).
    pub units: f64,
    #[ts(type = "number")]
    pub revenue_cents: i64,
    /// Front-end gross of those deals (deals without a known gross add nothing; see `gross_known`).
    #[ts(type = "number")]
    pub gross_cents: i64,
    pub gross_known: u32,
    #[ts(type = "number | null")]
    pub avg_deal_cents: Option<i64>,
    /// Won ÷ (won + lost) of deals closed in the range.
    pub win_rate: Option<f64>,
    /// Deals won and lost in the range (whole deals: a split deal is one), the win rate's terms.
    pub won: u32,
    pub lost: u32,
    /// Days from opening to winning: median and 75th percentile (nearest rank).
    pub cycle_median_days: Option<f64>,
    pub cycle_p75_days: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FunnelStep {
    pub step: String,
    pub count: u32,
    /// Share of the step before; `None` for the first or after an empty step.
    pub rate: Option<f64>,
}

/// Conversion of the leads received in the range, grouped by one key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Conversion {
    pub key: String,
    pub leads: u32,
    pub contacted: u32,
    pub appointment: u32,
    pub showed: u32,
    pub sold: u32,
    /// sold ÷ leads.
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SourceReturn {
    pub source: String,
    pub leads: u32,
    pub sold_leads: u32,
    pub units: f64,
    #[ts(type = "number")]
    pub revenue_cents: i64,
    #[ts(type = "number")]
    pub gross_cents: i64,
    #[ts(type = "number")]
    pub spend_cents: i64,
    /// Spend ÷ units sold from the source.
    #[ts(type = "number | null")]
    pub cost_per_sale_cents: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SpeedToLead {
    pub leads: u32,
    pub answered: u32,
    #[ts(type = "number | null")]
    pub median_minutes: Option<i64>,
    #[ts(type = "number | null")]
    pub p75_minutes: Option<i64>,
    /// Share answered within the first-response goal.
    pub within_goal: Option<f64>,
    pub goal_minutes: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ActivityCounts {
    pub calls: u32,
    pub emails: u32,
    pub texts: u32,
    pub appointments: u32,
    pub test_drives: u32,
    pub other: u32,
}

impl ActivityCounts {
    pub fn total(&self) -> u32 {
        self.calls + self.emails + self.texts + self.appointments + self.test_drives + self.other
    }
    pub(crate) fn add(&mut self, kind: &str, n: u32) {
        match kind {
            "call" => self.calls += n,
            "email" => self.emails += n,
            "sms" => self.texts += n,
            "meeting" => self.appointments += n,
            "test_drive" => self.test_drives += n,
            _ => self.other += n,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RepRow {
    pub rep_id: Uuid,
    pub name: String,
    pub units: f64,
    #[ts(type = "number")]
    pub revenue_cents: i64,
    #[ts(type = "number")]
    pub gross_cents: i64,
    pub leads: u32,
    pub sold_leads: u32,
    pub conversion: Option<f64>,
    pub activities: ActivityCounts,
    /// Completed activities per day of the range.
    pub activities_per_day: f64,
    #[ts(type = "number | null")]
    pub speed_to_lead_minutes: Option<i64>,
    pub win_rate: Option<f64>,
    pub open_deals: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StageHealth {
    pub stage_id: Uuid,
    pub name: String,
    pub colour: String,
    pub deals: u32,
    #[ts(type = "number")]
    pub value_cents: i64,
    #[ts(type = "number")]
    pub weighted_cents: i64,
    /// Mean days in the stage.
    pub avg_days: Option<f64>,
    /// Idle past the stage's threshold.
    pub going_cold: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PipelineHealth {
    pub open_deals: u32,
    #[ts(type = "number")]
    pub open_value_cents: i64,
    #[ts(type = "number")]
    pub weighted_cents: i64,
    /// Expected units in the open pipeline (Σ stage probability).
    pub expected_units: f64,
    pub going_cold: u32,
    /// Expected units ÷ units still needed for this month's goal; `None` without a goal or once
    /// it is met.
    pub coverage: Option<f64>,
    pub stages: Vec<StageHealth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CustomerMetrics {
    pub csat_answers: u32,
    /// Mean CSAT (1–5).
    pub csat: Option<f64>,
    pub nps_answers: u32,
    /// % promoters (9–10) − % detractors (0–6), −100…100.
    pub nps: Option<i32>,
    /// Buyers with two or more purchases ÷ buyers (all time).
    pub repeat_rate: Option<f64>,
    /// Buyers in the range who came by referral ÷ buyers in the range.
    pub referral_rate: Option<f64>,
    /// Revenue per buyer (all time).
    #[ts(type = "number | null")]
    pub lifetime_value_cents: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MonthTrend {
    /// `YYYY-MM`.
    pub month: String,
    pub units: f64,
    #[ts(type = "number")]
    pub revenue_cents: i64,
    #[ts(type = "number")]
    pub gross_cents: i64,
    pub leads: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GoalProgress {
    pub goal: Goal,
    /// The rep's name, or "Team".
    pub who: String,
    pub units: f64,
    #[ts(type = "number")]
    pub gross_cents: i64,
    pub activities: u32,
    /// At this pace, by the month's end.
    pub units_pace: f64,
    #[ts(type = "number")]
    pub gross_pace_cents: i64,
    pub activities_pace: f64,
    /// Share of the month gone (0–1).
    pub month_elapsed: f64,
    /// Whether enough of the month has gone to judge the pace ([`PACE_AFTER_DAYS`] days): a few
    /// hours in, one call or one sale makes the pace swing from "behind" to "on track".
    pub pace_known: bool,
}

/// Days of a month before its pace is judged.
pub const PACE_AFTER_DAYS: i64 = 3;

/// Last month up to the same point, for a range still under way: on the first days of a month the
/// figures are small, and this says whether they are small for the time of month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SamePoint {
    /// `YYYY-MM-DD` (the range's first day, a month earlier).
    pub from: String,
    /// Local `YYYY-MM-DD HH:MM`: now, a month earlier.
    pub until: String,
    pub units: f64,
    #[ts(type = "number")]
    pub revenue_cents: i64,
    #[ts(type = "number")]
    pub gross_cents: i64,
    pub leads: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Dashboard {
    pub from: String,
    pub to: String,
    pub rep_id: Option<Uuid>,
    pub days: u32,
    pub sales: Sales,
    pub funnel: Vec<FunnelStep>,
    pub by_source: Vec<Conversion>,
    pub by_channel: Vec<Conversion>,
    pub sources: Vec<SourceReturn>,
    pub speed_to_lead: SpeedToLead,
    pub leaderboard: Vec<RepRow>,
    pub pipeline: PipelineHealth,
    pub customers: CustomerMetrics,
    pub trends: Vec<MonthTrend>,
    pub goals: Vec<GoalProgress>,
    pub forecast: forecast::Forecast,
    /// The range ends after now: its figures are so far.
    pub partial: bool,
    /// For a range under way, the same stretch of last month.
    pub same_point_last_month: Option<SamePoint>,
    /// What the funnel and the conversion rates count, in words for the screen.
    pub funnel_cohort: String,
}
