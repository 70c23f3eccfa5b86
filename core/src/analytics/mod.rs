//! Manager analytics, computed from the local replica (so it works offline): sales volume,
//! conversion by step, source, channel and rep, deal size, cycle time, speed to lead, activity per
//! rep per day, pipeline health, customer metrics, cost per sale, goals with pace, the forecast
//! ([`forecast`]) and commissions ([`commissions`]). Every formula is written down in
//! `docs/metrics.md`; ratios with nothing to divide by are `None`, never NaN.
//!
//! One dashboard is a handful of indexed queries (deals once, leads and activities of the range
//! only) and arithmetic in memory.

pub mod commissions;
pub mod forecast;

use crate::domain::{CommissionPlan, Goal, Timestamp, User};
use crate::error::{CoreError, Result};
use crate::store::{Store, query};
use chrono::{Datelike, NaiveDate};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use ts_rs::TS;
use uuid::Uuid;

const DAY: i64 = 86_400_000;

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

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (the store's fixed form) to milliseconds, without a general parser.
pub fn fast_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return Timestamp::parse(s).map(|t| t.millis());
    }
    let n = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in b.get(r)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13)?, n(14..16)?, n(17..19)?);
    let milli = if b.len() >= 23 && b[19] == b'.' { n(20..23)? } else { 0 };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * DAY + hh * 3_600_000 + mm * 60_000 + ss * 1000 + milli)
}

/// A deal, as the numbers need it.
#[derive(Debug, Clone)]
pub struct Deal {
    pub id: Uuid,
    pub customer: Uuid,
    pub title: String,
    pub owner: Option<Uuid>,
    pub co_owner: Option<Uuid>,
    /// 0 open, 1 won, 2 lost.
    pub status: u8,
    pub amount: i64,
    pub gross: Option<i64>,
    pub created: i64,
    pub closed: Option<i64>,
    pub unwound: Option<i64>,
    pub stage: Uuid,
    pub stage_entered: i64,
    pub source: String,
    pub channel: String,
}

impl Deal {
    fn won_live(&self) -> bool {
        self.status == 1 && self.unwound.is_none()
    }
    /// The unit credit of `rep` on this deal, in halves.
    fn halves_for(&self, rep: Uuid) -> i64 {
        let owns = self.owner == Some(rep);
        let co = self.co_owner == Some(rep);
        match (owns, co, self.co_owner.is_some()) {
            (true, _, false) => 2,
            (true, _, true) | (false, true, _) => 1,
            _ => 0,
        }
    }
    fn involves(&self, rep: Uuid) -> bool {
        self.halves_for(rep) > 0
    }
}

/// Every live deal with its source and channel (titles only when asked: the dashboard does not
/// need them).
pub fn load_deals(conn: &Connection) -> Result<Vec<Deal>> {
    load_deals_with(conn, false)
}

pub fn load_deals_with(conn: &Connection, titles: bool) -> Result<Vec<Deal>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, customer_id, CASE WHEN ?1 THEN title ELSE '' END, owner_id, co_owner_id, status,
                amount_cents, gross_cents, created_at, closed_at, unwound_at, stage_id, stage_entered_at,
                source, coalesce(channel, '')
         FROM opportunities WHERE deleted_at IS NULL",
    )?;
    let mut rows = stmt.query([titles])?;
    let mut out = Vec::with_capacity(1024);
    let id = |v: rusqlite::types::ValueRef<'_>| v.as_str().ok().and_then(|s| Uuid::parse_str(s).ok());
    let ms = |v: rusqlite::types::ValueRef<'_>| v.as_str().ok().and_then(fast_ms);
    while let Some(r) = rows.next()? {
        let status = match r.get_ref(5)?.as_str().unwrap_or("") {
            "won" => 1,
            "lost" => 2,
            _ => 0,
        };
        out.push(Deal {
            id: id(r.get_ref(0)?).unwrap_or_default(),
            customer: id(r.get_ref(1)?).unwrap_or_default(),
            title: r.get(2)?,
            owner: id(r.get_ref(3)?),
            co_owner: id(r.get_ref(4)?),
            status,
            amount: r.get(6)?,
            gross: r.get(7)?,
            created: ms(r.get_ref(8)?).unwrap_or(0),
            closed: ms(r.get_ref(9)?),
            unwound: ms(r.get_ref(10)?),
            stage: id(r.get_ref(11)?).unwrap_or_default(),
            stage_entered: ms(r.get_ref(12)?).unwrap_or(0),
            source: r.get(13)?,
            channel: r.get(14)?,
        });
    }
    Ok(out)
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
    fn add(&mut self, kind: &str, n: u32) {
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

/// Nearest-rank percentile of sorted values.
fn percentile<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

fn month_of(ms: i64, offset_ms: i64) -> String {
    Timestamp::from_millis(ms + offset_ms).date().format("%Y-%m").to_string()
}

/// A lead of the range with how far it got.
struct LeadRow {
    assignee: Option<Uuid>,
    channel: String,
    source: String,
    /// 1 contacted, 2 appointment, 3 showed, 4 sold; 0 none.
    reached: u8,
    response_min: Option<i64>,
}

fn conversion(key: String, rows: &[&LeadRow]) -> Conversion {
    let at = |k: u8| rows.iter().filter(|r| r.reached >= k).count() as u32;
    let leads = rows.len() as u32;
    let sold = at(4);
    Conversion {
        key,
        leads,
        contacted: at(1),
        appointment: at(2),
        showed: at(3),
        sold,
        rate: ratio(f64::from(sold), f64::from(leads)),
    }
}

fn by_key(rows: &[LeadRow], key: impl Fn(&LeadRow) -> String) -> Vec<Conversion> {
    let mut groups: HashMap<String, Vec<&LeadRow>> = HashMap::new();
    for r in rows {
        groups.entry(key(r)).or_default().push(r);
    }
    let mut out: Vec<Conversion> = groups.into_iter().map(|(k, v)| conversion(k, &v)).collect();
    out.sort_by(|a, b| b.leads.cmp(&a.leads).then(a.key.cmp(&b.key)));
    out
}

/// Completed activities per rep done in `[from, to)`: whole UTC days from the `activity_days`
/// rollup, the part-days at either end from the activities themselves (so the count is exact
/// whatever the time zone).
pub fn activity_counts(conn: &Connection, from: i64, to: i64) -> Result<HashMap<Uuid, ActivityCounts>> {
    let mut out: HashMap<Uuid, ActivityCounts> = HashMap::new();
    let mut add = |sql: &str, a: String, b: String| -> Result<()> {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query([a, b])?;
        while let Some(r) = rows.next()? {
            let Some(o) = r.get_ref(0)?.as_str().ok().and_then(|s| Uuid::parse_str(s).ok()) else { continue };
            let n: i64 = r.get(2)?;
            out.entry(o).or_default().add(r.get_ref(1)?.as_str().unwrap_or(""), n.max(0) as u32);
        }
        Ok(())
    };
    let raw = "SELECT owner_id, kind, count(*) FROM activities
               WHERE done_at >= ?1 AND done_at < ?2 AND deleted_at IS NULL AND owner_id IS NOT NULL GROUP BY owner_id, kind";
    let stamp = |ms: i64| Timestamp::from_millis(ms).to_string();
    let first_full = from + (DAY - from.rem_euclid(DAY)) % DAY;
    let last_full = to - to.rem_euclid(DAY);
    if first_full >= last_full {
        add(raw, stamp(from), stamp(to))?;
        return Ok(out);
    }
    if from < first_full {
        add(raw, stamp(from), stamp(first_full))?;
    }
    let day = |ms: i64| Timestamp::from_millis(ms).date().to_string();
    add(
        "SELECT owner_id, kind, sum(n) FROM activity_days WHERE day >= ?1 AND day < ?2 GROUP BY owner_id, kind",
        day(first_full),
        day(last_full),
    )?;
    if last_full < to {
        add(raw, stamp(last_full), stamp(to))?;
    }
    Ok(out)
}

/// The dashboard for a range, for the team or one rep.
pub fn dashboard(conn: &Connection, q: &DashboardQuery, now: Timestamp, utc_offset_min: i32) -> Result<Dashboard> {
    let span = q.span(now, utc_offset_min)?;
    let deals = load_deals(conn)?;
    dashboard_from(conn, q, span, &deals)
}

pub fn dashboard_from(conn: &Connection, q: &DashboardQuery, span: Span, all_deals: &[Deal]) -> Result<Dashboard> {
    let rep = q.rep_id;
    let in_range = |t: i64| t >= span.from && t < span.to;
    let mine = |d: &Deal| rep.is_none_or(|r| d.involves(r));
    let deals: Vec<&Deal> = all_deals.iter().filter(|d| mine(d)).collect();
    let credit = |d: &Deal| match rep {
        Some(r) => d.halves_for(r) as f64 / 2.0,
        None => 1.0,
    };
    let share = |d: &Deal, cents: i64| match rep {
        Some(r) if d.halves_for(r) == 1 => (cents + 1).div_euclid(2),
        _ => cents,
    };
    let users: Vec<User> = query(conn, "ORDER BY name", [])?;
    let name_of: HashMap<String, String> = users.iter().map(|u| (u.id.to_string(), u.name.clone())).collect();
    let settings = crate::leads::settings(conn)?;

    // Sales volume and cycle time: won deals closed in the range.
    let won: Vec<&Deal> = deals.iter().copied().filter(|d| d.won_live() && d.closed.is_some_and(in_range)).collect();
    let lost = deals.iter().filter(|d| d.status == 2 && d.closed.is_some_and(in_range)).count();
    let units: f64 = won.iter().map(|d| credit(d)).sum();
    let revenue: i64 = won.iter().map(|d| share(d, d.amount)).sum();
    let gross: i64 = won.iter().map(|d| share(d, d.gross.unwrap_or(0))).sum();
    let mut cycle: Vec<f64> = won
        .iter()
        .map(|d| ((d.closed.unwrap_or(d.created) - d.created).max(0) as f64 / DAY as f64 * 10.0).round() / 10.0)
        .collect();
    cycle.sort_by(f64::total_cmp);
    let sales = Sales {
        units,
        revenue_cents: revenue,
        gross_cents: gross,
        gross_known: won.iter().filter(|d| d.gross.is_some()).count() as u32,
        avg_deal_cents: (units > 0.0).then(|| (revenue as f64 / units).round() as i64),
        win_rate: ratio(won.len() as f64, (won.len() + lost) as f64),
        cycle_median_days: percentile(&cycle, 0.5),
        cycle_p75_days: percentile(&cycle, 0.75),
    };

    // The leads of the range and how far each got.
    let mut lead_stmt = conn.prepare_cached(
        "SELECT customer_id, assignee_id, channel, source, received_at, first_response_at FROM leads
         WHERE received_at >= ?1 AND received_at < ?2 AND deleted_at IS NULL AND merged_into IS NULL",
    )?;
    let (from_text, to_text) =
        (Timestamp::from_millis(span.from).to_string(), Timestamp::from_millis(span.to).to_string());
    type Raw = (Option<Uuid>, Option<Uuid>, String, String, i64, Option<i64>);
    let mut raw: Vec<Raw> = Vec::new();
    let uuid = |v: Option<String>| v.and_then(|s| Uuid::parse_str(&s).ok());
    {
        let mut rows = lead_stmt.query([&from_text, &to_text])?;
        while let Some(r) = rows.next()? {
            let assignee = uuid(r.get(1)?);
            if rep.is_some() && assignee != rep {
                continue;
            }
            raw.push((
                uuid(r.get(0)?),
                assignee,
                r.get(2)?,
                r.get(3)?,
                fast_ms(r.get_ref(4)?.as_str().unwrap_or("")).unwrap_or(0),
                r.get::<_, Option<String>>(5)?.as_deref().and_then(fast_ms),
            ));
        }
    }
    // Appointments and shows of those customers: the latest booking and the latest held one.
    let mut booked: HashMap<Uuid, (i64, i64)> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT customer_id, max(created_at), max(done_at) FROM activities
             WHERE kind IN ('meeting', 'test_drive') AND deleted_at IS NULL AND customer_id IN
               (SELECT customer_id FROM leads WHERE received_at >= ?1 AND received_at < ?2 AND customer_id IS NOT NULL)
             GROUP BY customer_id",
        )?;
        let mut rows = stmt.query([&from_text, &to_text])?;
        while let Some(r) = rows.next()? {
            let Some(c) = uuid(r.get(0)?) else { continue };
            let made = r.get::<_, Option<String>>(1)?.as_deref().and_then(fast_ms).unwrap_or(0);
            let held = r.get::<_, Option<String>>(2)?.as_deref().and_then(fast_ms).unwrap_or(0);
            booked.insert(c, (made, held));
        }
    }
    let mut bought: HashMap<Uuid, i64> = HashMap::new();
    for d in all_deals.iter().filter(|d| d.won_live()) {
        let e = bought.entry(d.customer).or_insert(0);
        *e = (*e).max(d.closed.unwrap_or(0));
    }
    let leads: Vec<LeadRow> = raw
        .into_iter()
        .map(|(customer, assignee, channel, source, received, response)| {
            let c = customer.unwrap_or_default();
            let (made, held) = booked.get(&c).copied().unwrap_or((0, 0));
            let reached = if bought.get(&c).is_some_and(|t| *t >= received) {
                4
            } else if held >= received {
                3
            } else if made >= received {
                2
            } else if response.is_some() {
                1
            } else {
                0
            };
            LeadRow {
                assignee,
                channel,
                source: if source.is_empty() { "(none)".into() } else { source },
                reached,
                response_min: response.map(|r| (r - received).max(0) / 60_000),
            }
        })
        .collect();
    let all: Vec<&LeadRow> = leads.iter().collect();
    let total = conversion(String::new(), &all);
    let counts = [total.leads, total.contacted, total.appointment, total.showed, total.sold];
    let funnel = ["Leads", "Contacted", "Appointment", "Showed", "Sold"]
        .iter()
        .enumerate()
        .map(|(i, s)| FunnelStep {
            step: (*s).into(),
            count: counts[i],
            rate: if i == 0 { None } else { ratio(f64::from(counts[i]), f64::from(counts[i - 1])) },
        })
        .collect();
    let mut responses: Vec<i64> = leads.iter().filter_map(|l| l.response_min).collect();
    responses.sort_unstable();
    let goal = settings.response_minutes;
    let speed_to_lead = SpeedToLead {
        leads: leads.len() as u32,
        answered: responses.len() as u32,
        median_minutes: percentile(&responses, 0.5),
        p75_minutes: percentile(&responses, 0.75),
        within_goal: ratio(responses.iter().filter(|m| **m <= i64::from(goal)).count() as f64, responses.len() as f64),
        goal_minutes: goal,
    };

    // Sources: conversion, what sold, what it cost.
    let by_source = by_key(&leads, |l| l.source.clone());
    let by_channel = by_key(&leads, |l| l.channel.clone());
    let spend: Vec<Spend> = query(conn, "ORDER BY month", [])?;
    let months_in_range: HashSet<String> = {
        let mut m = HashSet::new();
        let mut t = span.from;
        while t < span.to {
            m.insert(month_of(t, span.offset_ms));
            t += DAY;
        }
        m
    };
    let mut source_rows: HashMap<String, SourceReturn> = HashMap::new();
    let blank = |s: &str| SourceReturn {
        source: s.to_string(),
        leads: 0,
        sold_leads: 0,
        units: 0.0,
        revenue_cents: 0,
        gross_cents: 0,
        spend_cents: 0,
        cost_per_sale_cents: None,
    };
    for c in &by_source {
        let e = source_rows.entry(c.key.clone()).or_insert_with(|| blank(&c.key));
        e.leads = c.leads;
        e.sold_leads = c.sold;
    }
    for d in &won {
        let s = if d.source.is_empty() { "(none)" } else { d.source.as_str() };
        let e = source_rows.entry(s.to_string()).or_insert_with(|| blank(s));
        e.units += credit(d);
        e.revenue_cents += share(d, d.amount);
        e.gross_cents += share(d, d.gross.unwrap_or(0));
    }
    if rep.is_none() {
        for s in spend.iter().filter(|s| months_in_range.contains(&s.month)) {
            source_rows.entry(s.source.clone()).or_insert_with(|| blank(&s.source)).spend_cents += s.amount_cents;
        }
    }
    let mut sources: Vec<SourceReturn> = source_rows
        .into_values()
        .map(|mut s| {
            s.cost_per_sale_cents =
                (s.units > 0.0 && s.spend_cents > 0).then(|| (s.spend_cents as f64 / s.units).round() as i64);
            s
        })
        .collect();
    sources.sort_by(|a, b| {
        b.revenue_cents.cmp(&a.revenue_cents).then(b.leads.cmp(&a.leads)).then(a.source.cmp(&b.source))
    });

    // Activity per rep in the range.
    let activity = activity_counts(conn, span.from, span.to)?;
    let days = (((span.to.min(span.now.max(span.from + DAY)) - span.from) + DAY - 1) / DAY).max(1) as u32;

    // Leaderboard: every active rep (or just the one).
    let reps: Vec<&User> = users
        .iter()
        .filter(|u| u.active && u.role == crate::domain::Role::Rep)
        .filter(|u| q.rep_id.is_none_or(|r| r == u.id))
        .collect();
    let mut leaderboard: Vec<RepRow> = reps
        .iter()
        .map(|u| {
            let id = u.id;
            let theirs: Vec<&&Deal> = won.iter().filter(|d| d.involves(id)).collect();
            let half = |d: &Deal, c: i64| if d.halves_for(id) == 1 { (c + 1).div_euclid(2) } else { c };
            let lost_n =
                all_deals.iter().filter(|d| d.status == 2 && d.involves(id) && d.closed.is_some_and(in_range)).count();
            let their_leads: Vec<&LeadRow> = leads.iter().filter(|l| l.assignee == Some(id)).collect();
            let sold_leads = their_leads.iter().filter(|l| l.reached >= 4).count() as u32;
            let mut resp: Vec<i64> = their_leads.iter().filter_map(|l| l.response_min).collect();
            resp.sort_unstable();
            let acts = activity.get(&id).cloned().unwrap_or_default();
            RepRow {
                rep_id: u.id,
                name: u.name.clone(),
                units: theirs.iter().map(|d| d.halves_for(id) as f64 / 2.0).sum(),
                revenue_cents: theirs.iter().map(|d| half(d, d.amount)).sum(),
                gross_cents: theirs.iter().map(|d| half(d, d.gross.unwrap_or(0))).sum(),
                leads: their_leads.len() as u32,
                sold_leads,
                conversion: ratio(f64::from(sold_leads), their_leads.len() as f64),
                activities_per_day: f64::from(acts.total()) / f64::from(days),
                activities: acts,
                speed_to_lead_minutes: percentile(&resp, 0.5),
                win_rate: ratio(theirs.len() as f64, (theirs.len() + lost_n) as f64),
                open_deals: all_deals.iter().filter(|d| d.status == 0 && d.involves(id)).count() as u32,
            }
        })
        .collect();
    leaderboard.sort_by(|a, b| {
        b.units.total_cmp(&a.units).then(b.revenue_cents.cmp(&a.revenue_cents)).then(a.name.cmp(&b.name))
    });

    // Pipeline health, as of now.
    let stages: Vec<crate::domain::PipelineStage> =
        query(conn, "WHERE deleted_at IS NULL ORDER BY pipeline, position", [])?;
    let mut stage_rows: Vec<StageHealth> = stages
        .iter()
        .filter(|s| !crate::pipeline::is_won(s) && !crate::pipeline::is_lost(s))
        .map(|s| StageHealth {
            stage_id: s.id,
            name: s.name.clone(),
            colour: s.colour.clone(),
            deals: 0,
            value_cents: 0,
            weighted_cents: 0,
            avg_days: None,
            going_cold: 0,
        })
        .collect();
    let stage_of: HashMap<Uuid, &crate::domain::PipelineStage> = stages.iter().map(|s| (s.id, s)).collect();
    let mut days_in: HashMap<Uuid, (f64, u32)> = HashMap::new();
    let paths = load_paths(conn, &stages)?;
    let (mut open_deals, mut open_value, mut weighted, mut expected_units, mut cold) = (0u32, 0i64, 0f64, 0f64, 0u32);
    let mut facts = Vec::new();
    for d in &deals {
        let prob = stage_of.get(&d.stage).map(|s| f64::from(s.probability) / 100.0);
        facts.push(forecast::DealFact {
            created_ms: d.created,
            closed_ms: if d.status == 0 { None } else { d.closed },
            won: d.status == 1 && d.unwound.is_none(),
            amount_cents: share(d, d.amount),
            source: d.source.clone(),
            stage_probability: if d.status == 0 { prob } else { None },
            path: paths.get(&d.id).cloned().unwrap_or_default(),
        });
        if d.status != 0 {
            continue;
        }
        open_deals += 1;
        open_value += share(d, d.amount);
        let p = prob.unwrap_or(0.0);
        weighted += share(d, d.amount) as f64 * p;
        expected_units += credit(d) * p;
        let Some(s) = stage_of.get(&d.stage) else { continue };
        let idle = (span.now - d.stage_entered).max(0) as f64 / DAY as f64;
        let is_cold = idle > f64::from(s.idle_days);
        cold += u32::from(is_cold);
        if let Some(row) = stage_rows.iter_mut().find(|r| r.stage_id == s.id) {
            row.deals += 1;
            row.value_cents += share(d, d.amount);
            row.weighted_cents += (share(d, d.amount) as f64 * p).round() as i64;
            row.going_cold += u32::from(is_cold);
            let e = days_in.entry(s.id).or_default();
            e.0 += idle;
            e.1 += 1;
        }
    }
    for r in &mut stage_rows {
        r.avg_days = days_in.get(&r.stage_id).map(|(sum, n)| (sum / f64::from(*n) * 10.0).round() / 10.0);
    }

    // Goals of the month the range ends in, with pace.
    let end_day = Timestamp::from_millis(span.to - 1 + span.offset_ms).date();
    let month = end_day.format("%Y-%m").to_string();
    let month_first = end_day.with_day(1).unwrap_or(end_day);
    let next_first = month_first.checked_add_months(chrono::Months::new(1)).unwrap_or(month_first);
    let mstart = month_first.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0) - span.offset_ms;
    let mend = next_first.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0) - span.offset_ms;
    let elapsed = ((span.now.clamp(mstart, mend) - mstart) as f64 / (mend - mstart).max(1) as f64).clamp(0.0, 1.0);
    let goal_rows: Vec<Goal> = query(conn, "WHERE month = ?1", [&month])?;
    let month_activity: HashMap<Uuid, u32> = if goal_rows.is_empty() {
        HashMap::new()
    } else {
        activity_counts(conn, mstart, mend)?.into_iter().map(|(k, v)| (k, v.total())).collect()
    };
    let team_coverage_goal = goal_rows.iter().find(|g| g.user_id.is_none()).map(|g| g.units);
    let goals: Vec<GoalProgress> = goal_rows
        .into_iter()
        .filter(|g| q.rep_id.is_none() || g.user_id == q.rep_id)
        .map(|g| {
            let who_id = g.user_id;
            let month_won =
                all_deals.iter().filter(|d| d.won_live() && d.closed.is_some_and(|c| c >= mstart && c < mend));
            let (units, gross) = match &who_id {
                Some(id) => month_won.filter(|d| d.involves(*id)).fold((0.0, 0i64), |(u, gr), d| {
                    let h = d.halves_for(*id);
                    let g2 = d.gross.unwrap_or(0);
                    (u + h as f64 / 2.0, gr + if h == 1 { (g2 + 1).div_euclid(2) } else { g2 })
                }),
                None => month_won.fold((0.0, 0i64), |(u, gr), d| (u + 1.0, gr + d.gross.unwrap_or(0))),
            };
            let acts = match &who_id {
                Some(id) => month_activity.get(id).copied().unwrap_or(0),
                None => month_activity.values().sum(),
            };
            let pace = |v: f64| if elapsed > 0.0 { v / elapsed } else { 0.0 };
            GoalProgress {
                who: who_id.and_then(|id| name_of.get(&id.to_string()).cloned()).unwrap_or_else(|| "Team".into()),
                units,
                gross_cents: gross,
                activities: acts,
                units_pace: pace(units),
                gross_pace_cents: pace(gross as f64).round() as i64,
                activities_pace: pace(f64::from(acts)),
                month_elapsed: elapsed,
                pace_known: span.now - mstart >= PACE_AFTER_DAYS * DAY,
                goal: g,
            }
        })
        .collect();
    let units_this_month: f64 = all_deals
        .iter()
        .filter(|d| d.won_live() && d.closed.is_some_and(|c| c >= mstart && c < mend))
        .filter(|d| mine(d))
        .map(&credit)
        .sum();
    let goal_units = match q.rep_id {
        Some(r) => goals.iter().find(|g| g.goal.user_id == Some(r)).map(|g| g.goal.units),
        None => team_coverage_goal,
    };
    let coverage = goal_units.and_then(|g| {
        let needed = f64::from(g) - units_this_month;
        (needed > 0.0).then(|| expected_units / needed)
    });
    let pipeline = PipelineHealth {
        open_deals,
        open_value_cents: open_value,
        weighted_cents: weighted.round() as i64,
        expected_units,
        going_cold: cold,
        coverage,
        stages: stage_rows,
    };

    // Customers.
    let mut csat = (0u32, 0i64);
    let mut nps = (0u32, 0i32, 0i32);
    {
        let mut stmt =
            conn.prepare_cached("SELECT kind, score FROM surveys WHERE answered_at >= ?1 AND answered_at < ?2")?;
        let mut rows = stmt.query([&from_text, &to_text])?;
        while let Some(r) = rows.next()? {
            let (k, s): (String, i64) = (r.get(0)?, r.get(1)?);
            if k == "csat" {
                csat.0 += 1;
                csat.1 += s;
            } else {
                nps.0 += 1;
                nps.1 += i32::from(s >= 9);
                nps.2 += i32::from(s <= 6);
            }
        }
    }
    let mut buys: HashMap<Uuid, (u32, i64)> = HashMap::new();
    for d in deals.iter().filter(|d| d.won_live()) {
        let e = buys.entry(d.customer).or_default();
        e.0 += 1;
        e.1 += share(d, d.amount);
    }
    let referred: HashSet<Uuid> = {
        let mut stmt = conn.prepare_cached("SELECT DISTINCT customer_id FROM referrals")?;
        let ids: Vec<String> = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<std::result::Result<_, _>>()?;
        ids.iter().filter_map(|s| Uuid::parse_str(s).ok()).collect()
    };
    let buyers_in_range: HashSet<Uuid> = won.iter().map(|d| d.customer).collect();
    let customers = CustomerMetrics {
        csat_answers: csat.0,
        csat: ratio(csat.1 as f64, f64::from(csat.0)).map(|v| (v * 100.0).round() / 100.0),
        nps_answers: nps.0,
        nps: (nps.0 > 0).then(|| (f64::from(100 * (nps.1 - nps.2)) / f64::from(nps.0)).round() as i32),
        repeat_rate: ratio(buys.values().filter(|b| b.0 >= 2).count() as f64, buys.len() as f64),
        referral_rate: ratio(
            buyers_in_range.iter().filter(|c| referred.contains(*c)).count() as f64,
            buyers_in_range.len() as f64,
        ),
        lifetime_value_cents: (!buys.is_empty())
            .then(|| (buys.values().map(|b| b.1).sum::<i64>() as f64 / buys.len() as f64).round() as i64),
    };

    // Trends: the 12 months up to the range's end.
    let mut trends: Vec<MonthTrend> = Vec::new();
    let mut m = month_first;
    for _ in 0..12 {
        trends.push(MonthTrend {
            month: m.format("%Y-%m").to_string(),
            units: 0.0,
            revenue_cents: 0,
            gross_cents: 0,
            leads: 0,
        });
        m = m.checked_sub_months(chrono::Months::new(1)).unwrap_or(m);
    }
    trends.reverse();
    let first_trend = trends.first().map(|t| t.month.clone()).unwrap_or_default();
    for d in deals.iter().filter(|d| d.won_live()) {
        let Some(c) = d.closed else { continue };
        let key = month_of(c, span.offset_ms);
        if key < first_trend {
            continue;
        }
        if let Some(t) = trends.iter_mut().find(|t| t.month == key) {
            t.units += credit(d);
            t.revenue_cents += share(d, d.amount);
            t.gross_cents += share(d, d.gross.unwrap_or(0));
        }
    }
    {
        let since = format!("{first_trend}-01");
        let sql = if rep.is_some() {
            "SELECT substr(received_at, 1, 7), count(*) FROM leads WHERE received_at >= ?1 AND deleted_at IS NULL AND assignee_id = ?2 GROUP BY 1"
        } else {
            "SELECT substr(received_at, 1, 7), count(*) FROM leads WHERE received_at >= ?1 AND deleted_at IS NULL AND ?2 IS NULL GROUP BY 1"
        };
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params![since, rep.map(|r| r.to_string())])?;
        while let Some(r) = rows.next()? {
            let (k, n): (String, i64) = (r.get(0)?, r.get(1)?);
            if let Some(t) = trends.iter_mut().find(|t| t.month == k) {
                t.leads = n as u32;
            }
        }
    }

    let forecast = forecast::forecast(&facts, &lead_times(conn, rep)?, span.now);

    // A range under way: last month up to the same point.
    let partial = span.now < span.to;
    let same_point_last_month = if partial && span.now >= span.from {
        let local = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms + span.offset_ms).map(|t| t.naive_utc()).unwrap_or_default()
        };
        let back = |t: chrono::NaiveDateTime| t.checked_sub_months(chrono::Months::new(1)).unwrap_or(t);
        let (a_local, b_local) = (back(local(span.from)), back(local(span.now)));
        let (a, b) = (
            a_local.and_utc().timestamp_millis() - span.offset_ms,
            b_local.and_utc().timestamp_millis() - span.offset_ms,
        );
        let then: Vec<&Deal> =
            deals.iter().copied().filter(|d| d.won_live() && d.closed.is_some_and(|c| c >= a && c < b)).collect();
        let leads_then: i64 = conn.query_row(
            "SELECT count(*) FROM leads WHERE received_at >= ?1 AND received_at < ?2 AND deleted_at IS NULL
               AND merged_into IS NULL AND (?3 IS NULL OR assignee_id = ?3)",
            rusqlite::params![
                Timestamp::from_millis(a).to_string(),
                Timestamp::from_millis(b).to_string(),
                rep.map(|r| r.to_string())
            ],
            |r| r.get(0),
        )?;
        Some(SamePoint {
            from: a_local.date().to_string(),
            until: b_local.format("%Y-%m-%d %H:%M").to_string(),
            units: then.iter().map(|d| credit(d)).sum(),
            revenue_cents: then.iter().map(|d| share(d, d.amount)).sum(),
            gross_cents: then.iter().map(|d| share(d, d.gross.unwrap_or(0))).sum(),
            leads: leads_then as u32,
        })
    } else {
        None
    };
    let funnel_cohort = format!(
        "Leads received {} to {}, each followed to today: contacted, booked, showed, and sold when its customer bought after it arrived",
        q.from, q.to
    );
    Ok(Dashboard {
        from: q.from.clone(),
        to: q.to.clone(),
        rep_id: q.rep_id,
        days,
        sales,
        funnel,
        by_source,
        by_channel,
        sources,
        speed_to_lead,
        leaderboard,
        pipeline,
        customers,
        trends,
        goals,
        forecast,
        partial,
        same_point_last_month,
        funnel_cohort,
    })
}

/// The records behind a number, for drill-down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DrillQuery {
    pub from: String,
    pub to: String,
    /// `sold` (won deals closed in the range), `open`, `cold`, `lost`, or `leads`.
    pub what: String,
    pub rep_id: Option<Uuid>,
    pub source: Option<String>,
    pub stage_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DrillRow {
    pub customer_id: Option<Uuid>,
    pub customer: String,
    pub title: String,
    #[ts(type = "number")]
    pub amount_cents: i64,
    pub date: String,
    pub rep: String,
}

pub fn drill(conn: &Connection, q: &DrillQuery, now: Timestamp, utc_offset_min: i32) -> Result<Vec<DrillRow>> {
    let span = DashboardQuery { from: q.from.clone(), to: q.to.clone(), rep_id: q.rep_id }.span(now, utc_offset_min)?;
    let users: Vec<User> = query(conn, "", [])?;
    let name = |id: Option<&str>| {
        users.iter().find(|u| Some(u.id.to_string().as_str()) == id).map(|u| u.name.clone()).unwrap_or_default()
    };
    let customer_name = |id: &str| -> String {
        conn.query_row("SELECT first_name || ' ' || last_name FROM customers WHERE id = ?1", [id], |r| r.get(0))
            .unwrap_or_default()
    };
    let rep = q.rep_id.map(|r| r.to_string());
    let stages: Vec<crate::domain::PipelineStage> = query(conn, "", [])?;
    if q.what == "leads" {
        let leads: Vec<crate::domain::Lead> = query(
            conn,
            "WHERE received_at >= ?1 AND received_at < ?2 AND deleted_at IS NULL AND merged_into IS NULL ORDER BY received_at DESC LIMIT 500",
            [Timestamp::from_millis(span.from).to_string(), Timestamp::from_millis(span.to).to_string()],
        )?;
        return Ok(leads
            .into_iter()
            .filter(|l| rep.is_none() || l.assignee_id.map(|a| a.to_string()) == rep)
            .filter(|l| q.source.as_ref().is_none_or(|s| &l.source == s || (s == "(none)" && l.source.is_empty())))
            .map(|l| DrillRow {
                customer_id: l.customer_id,
                customer: format!("{} {}", l.first_name, l.last_name),
                title: l.vehicle_interest.clone(),
                amount_cents: 0,
                date: l.received_at.to_string(),
                rep: name(l.assignee_id.map(|a| a.to_string()).as_deref()),
            })
            .collect());
    }
    let deals = load_deals_with(conn, true)?;
    let mut out: Vec<DrillRow> = deals
        .iter()
        .filter(|d| q.rep_id.is_none_or(|r| d.involves(r)))
        .filter(|d| q.source.as_ref().is_none_or(|s| &d.source == s || (s == "(none)" && d.source.is_empty())))
        .filter(|d| q.stage_id.is_none_or(|s| s == d.stage))
        .filter(|d| match q.what.as_str() {
            "sold" => d.won_live() && d.closed.is_some_and(|c| c >= span.from && c < span.to),
            "lost" => d.status == 2 && d.closed.is_some_and(|c| c >= span.from && c < span.to),
            "open" => d.status == 0,
            "cold" => {
                d.status == 0
                    && stages
                        .iter()
                        .find(|s| s.id == d.stage)
                        .is_some_and(|s| (span.now - d.stage_entered) as f64 / DAY as f64 > f64::from(s.idle_days))
            }
            _ => false,
        })
        .take(500)
        .map(|d| DrillRow {
            customer_id: Some(d.customer),
            customer: customer_name(&d.customer.to_string()),
            title: d.title.clone(),
            amount_cents: d.amount,
            date: Timestamp::from_millis(d.closed.unwrap_or(d.created)).to_string(),
            rep: name(d.owner.map(|o| o.to_string()).as_deref()),
        })
        .collect();
    out.sort_by(|a, b| b.date.cmp(&a.date));
    Ok(out)
}

/// The dashboard's tables as CSV (sections separated by a blank line).
pub fn dashboard_csv(d: &Dashboard) -> String {
    // Sections of different widths, quoted by the csv crate.
    let mut out = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    let mut w = |line: Vec<String>| {
        // Writing to memory cannot fail.
        let _ = if line.is_empty() { out.write_record([""]) } else { out.write_record(&line) };
    };
    let money = |c: i64| crate::desk::money::Money(c).to_string();
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_default();
    w(vec!["Range".into(), d.from.clone(), d.to.clone()]);
    w(vec!["Units".into(), format!("{}", d.sales.units)]);
    w(vec!["Revenue".into(), money(d.sales.revenue_cents)]);
    w(vec!["Front-end gross".into(), money(d.sales.gross_cents)]);
    w(vec!["Deals with a known gross".into(), d.sales.gross_known.to_string()]);
    w(vec!["Average deal".into(), d.sales.avg_deal_cents.map(money).unwrap_or_default()]);
    w(vec!["Win rate".into(), opt(d.sales.win_rate)]);
    w(vec!["Cycle time median (days)".into(), opt(d.sales.cycle_median_days)]);
    w(vec!["Cycle time 75th percentile (days)".into(), opt(d.sales.cycle_p75_days)]);
    let s = &d.speed_to_lead;
    w(vec!["Leads".into(), s.leads.to_string()]);
    w(vec!["Leads answered".into(), s.answered.to_string()]);
    w(vec!["Speed to lead median (min)".into(), s.median_minutes.map(|m| m.to_string()).unwrap_or_default()]);
    w(vec![format!("Answered within {} min", s.goal_minutes), opt(s.within_goal)]);
    let p = &d.pipeline;
    w(vec!["Open deals".into(), p.open_deals.to_string()]);
    w(vec!["Open pipeline".into(), money(p.open_value_cents)]);
    w(vec!["Weighted pipeline".into(), money(p.weighted_cents)]);
    w(vec!["Expected units in the pipeline".into(), format!("{:.2}", p.expected_units)]);
    w(vec!["Going cold".into(), p.going_cold.to_string()]);
    let f = &d.forecast.this_month;
    w(vec![
        "Forecast this month (units, low, high)".into(),
        format!("{:.1}", f.units),
        format!("{:.1}", f.units_low),
        format!("{:.1}", f.units_high),
    ]);
    w(vec!["Forecast this month (revenue)".into(), money(f.revenue_cents)]);
    w(vec![]);
    w(vec!["Funnel step".into(), "Count".into(), "Rate".into()]);
    for f in &d.funnel {
        w(vec![f.step.clone(), f.count.to_string(), opt(f.rate)]);
    }
    w(vec![]);
    w(vec![
        "Rep".into(),
        "Units".into(),
        "Revenue".into(),
        "Gross".into(),
        "Leads".into(),
        "Sold leads".into(),
        "Conversion".into(),
        "Activities per day".into(),
        "Speed to lead (min)".into(),
        "Win rate".into(),
    ]);
    for r in &d.leaderboard {
        w(vec![
            r.name.clone(),
            r.units.to_string(),
            money(r.revenue_cents),
            money(r.gross_cents),
            r.leads.to_string(),
            r.sold_leads.to_string(),
            opt(r.conversion),
            format!("{:.2}", r.activities_per_day),
            r.speed_to_lead_minutes.map(|m| m.to_string()).unwrap_or_default(),
            opt(r.win_rate),
        ]);
    }
    w(vec![]);
    w(vec!["Source".into(), "Leads".into(), "Units".into(), "Revenue".into(), "Spend".into(), "Cost per sale".into()]);
    for s in &d.sources {
        w(vec![
            s.source.clone(),
            s.leads.to_string(),
            s.units.to_string(),
            money(s.revenue_cents),
            money(s.spend_cents),
            s.cost_per_sale_cents.map(money).unwrap_or_default(),
        ]);
    }
    w(vec![]);
    w(vec!["Month".into(), "Units".into(), "Revenue".into(), "Gross".into(), "Leads".into()]);
    for t in &d.trends {
        w(vec![
            t.month.clone(),
            t.units.to_string(),
            money(t.revenue_cents),
            money(t.gross_cents),
            t.leads.to_string(),
        ]);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Saves this month's forecast once (the first time the dashboard is opened in the month on a
/// manager's or single-user device). Returns whether it wrote one.
pub fn snapshot_month(store: &mut Store, now: Timestamp, utc_offset_min: i32) -> Result<bool> {
    let month =
        Timestamp::from_millis(now.millis() + i64::from(utc_offset_min) * 60_000).date().format("%Y-%m").to_string();
    let have: Vec<forecast::Snapshot> = query(store.conn(), "WHERE month = ?1", [&month])?;
    if !have.is_empty() {
        return Ok(false);
    }
    if store.signed_in_as_rep() {
        return Ok(false);
    }
    let deals = load_deals(store.conn())?;
    let stages: Vec<crate::domain::PipelineStage> = query(store.conn(), "", [])?;
    let paths = load_paths(store.conn(), &stages)?;
    let facts: Vec<forecast::DealFact> = deals.iter().map(|d| fact(d, &stages, &paths)).collect();
    let f = forecast::forecast(&facts, &lead_times(store.conn(), None)?, now.millis()).this_month;
    let milli = |u: f64| (u * 1000.0).round() as i64;
    let snap = forecast::Snapshot {
        id: crate::domain::new_id(),
        month,
        made_at: now,
        units_milli: milli(f.units),
        units_low_milli: milli(f.units_low),
        units_high_milli: milli(f.units_high),
        revenue_cents: f.revenue_cents,
        revenue_low_cents: f.revenue_low_cents,
        revenue_high_cents: f.revenue_high_cents,
    };
    store.write(|w| w.insert(&snap))?;
    Ok(true)
}

/// When each live lead arrived (one rep's, or everyone's), for the forecast's seasons.
pub fn lead_times(conn: &Connection, rep: Option<Uuid>) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT received_at FROM leads WHERE deleted_at IS NULL AND merged_into IS NULL
           AND (?1 IS NULL OR assignee_id = ?1)",
    )?;
    let mut rows = stmt.query([rep.map(|r| r.to_string())])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        if let Some(t) = r.get_ref(0)?.as_str().ok().and_then(fast_ms) {
            out.push(t);
        }
    }
    Ok(out)
}

/// Every deal's stage history, oldest first, with each stage's configured probability.
pub fn load_paths(
    conn: &Connection,
    stages: &[crate::domain::PipelineStage],
) -> Result<HashMap<Uuid, Vec<forecast::Visit>>> {
    let by_id: HashMap<Uuid, &crate::domain::PipelineStage> = stages.iter().map(|s| (s.id, s)).collect();
    let mut out: HashMap<Uuid, Vec<forecast::Visit>> = HashMap::new();
    let mut stmt = conn.prepare_cached("SELECT opportunity_id, stage_id, at FROM stage_moves ORDER BY at")?;
    let mut rows = stmt.query([])?;
    let id = |v: rusqlite::types::ValueRef<'_>| v.as_str().ok().and_then(|s| Uuid::parse_str(s).ok());
    while let Some(r) = rows.next()? {
        let (Some(deal), Some(stage), Some(at)) =
            (id(r.get_ref(0)?), id(r.get_ref(1)?), r.get_ref(2)?.as_str().ok().and_then(fast_ms))
        else {
            continue;
        };
        let Some(s) = by_id.get(&stage) else { continue };
        out.entry(deal).or_default().push(forecast::Visit {
            at_ms: at,
            stage,
            probability: f64::from(s.probability) / 100.0,
            closing: crate::pipeline::is_won(s) || crate::pipeline::is_lost(s),
        });
    }
    Ok(out)
}

fn fact(
    d: &Deal,
    stages: &[crate::domain::PipelineStage],
    paths: &HashMap<Uuid, Vec<forecast::Visit>>,
) -> forecast::DealFact {
    forecast::DealFact {
        created_ms: d.created,
        closed_ms: if d.status == 0 { None } else { d.closed },
        won: d.status == 1 && d.unwound.is_none(),
        amount_cents: d.amount,
        source: d.source.clone(),
        stage_probability: (d.status == 0)
            .then(|| stages.iter().find(|s| s.id == d.stage).map(|s| f64::from(s.probability) / 100.0))
            .flatten(),
        path: paths.get(&d.id).cloned().unwrap_or_default(),
    }
}

/// Forecast accuracy: each stored month that has closed, forecast against actual units.
pub fn accuracy(conn: &Connection, now: Timestamp, utc_offset_min: i32) -> Result<forecast::AccuracyReport> {
    let offset = i64::from(utc_offset_min) * 60_000;
    let this = month_of(now.millis(), offset);
    let snaps: Vec<forecast::Snapshot> = query(conn, "WHERE month < ?1 ORDER BY month", [&this])?;
    let deals = load_deals(conn)?;
    let months = snaps
        .into_iter()
        .map(|s| {
            let actual = deals
                .iter()
                .filter(|d| d.won_live() && d.closed.is_some_and(|c| month_of(c, offset) == s.month))
                .count() as f64;
            forecast::accuracy(s.month, s.units_milli as f64 / 1000.0, actual)
        })
        .collect::<Vec<_>>();
    Ok(forecast::AccuracyReport { mape: forecast::mape(&months), months })
}

/// The backtest over the last `months` full months of this data.
pub fn backtest(conn: &Connection, now: Timestamp, months: usize) -> Result<forecast::AccuracyReport> {
    let deals = load_deals(conn)?;
    let stages: Vec<crate::domain::PipelineStage> = query(conn, "", [])?;
    let paths = load_paths(conn, &stages)?;
    let facts: Vec<forecast::DealFact> = deals.iter().map(|d| fact(d, &stages, &paths)).collect();
    Ok(forecast::backtest(&facts, &lead_times(conn, None)?, now.millis(), months))
}

/// Goals, plans and spend: saved one record per action, each checked field by field; only a
/// manager (or a single-user device) sets them.
pub(crate) fn require_manager(store: &Store, what: &str) -> Result<()> {
    store.require_manager("user_id", what)
}

pub fn save_goal(store: &mut Store, mut g: Goal) -> Result<Goal> {
    require_manager(store, "sets goals")?;
    g.validate().map_err(CoreError::Validation)?;
    g.month = g.month.trim().to_string();
    store.write(|w| {
        // One goal per rep (or team) and month: saving again replaces it.
        let same: Vec<Goal> = query(
            w.conn(),
            "WHERE month = ?1 AND coalesce(user_id, '') = ?2 AND coalesce(team_id, '') = ?3",
            rusqlite::params![
                g.month,
                g.user_id.map(|u| u.to_string()).unwrap_or_default(),
                g.team_id.map(|u| u.to_string()).unwrap_or_default()
            ],
        )?;
        w.put(same.into_iter().next(), &mut g, |g| &mut g.id)?;
        Ok(g.clone())
    })
}

pub fn save_plan(store: &mut Store, mut p: CommissionPlan) -> Result<CommissionPlan> {
    require_manager(store, "edits commission plans")?;
    p.validate().map_err(CoreError::Validation)?;
    store.write(|w| {
        let old = w.get::<CommissionPlan>(p.id).ok();
        w.put(old, &mut p, |p| &mut p.id)?;
        Ok(p.clone())
    })
}

pub fn save_spend(store: &mut Store, mut s: Spend) -> Result<Spend> {
    require_manager(store, "enters marketing spend")?;
    let mut errors = Vec::new();
    if NaiveDate::parse_from_str(&format!("{}-01", s.month.trim()), "%Y-%m-%d").is_err() {
        errors.push(crate::error::FieldError::new("month", format!("{:?} is not a month such as 2026-11", s.month)));
    }
    s.source = s.source.trim().to_string();
    if s.source.is_empty() {
        errors.push(crate::error::FieldError::new("source", "name the lead source the money went to"));
    }
    if s.amount_cents < 0 {
        errors.push(crate::error::FieldError::new("amount_cents", "must not be negative"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Validation(errors));
    }
    store.write(|w| {
        let same: Vec<Spend> = query(w.conn(), "WHERE month = ?1 AND source = ?2", [&s.month, &s.source])?;
        w.put(same.into_iter().next(), &mut s, |s| &mut s.id)?;
        Ok(s.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_timestamp_reader_agrees_with_chrono() {
        for s in [
            "2026-11-28T04:38:15.123Z",
            "2024-02-29T23:59:59.999Z",
            "1999-12-31T00:00:00.000Z",
            "2026-01-01T00:00:00.000Z",
        ] {
            assert_eq!(fast_ms(s), Timestamp::parse(s).map(|t| t.millis()), "{s}");
        }
        assert_eq!(fast_ms("not a date"), None);
    }

    #[test]
    fn percentiles_are_nearest_rank_and_empty_is_none() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(percentile(&v, 0.5), Some(4));
        assert_eq!(percentile(&v, 0.75), Some(6));
        assert_eq!(percentile::<i64>(&[], 0.5), None);
        assert_eq!(ratio(1.0, 0.0), None);
    }
}
