//! What the analytics write and judge: the month's forecast snapshot and its accuracy, the
//! backtest, goals, plans and marketing spend (a manager's, checked field by field).

use super::dashboard::month_of;
use super::load::{fact, lead_times, load_deals, load_paths};
use super::*;
use crate::domain::{CommissionPlan, Goal, Timestamp};
use crate::error::{CoreError, Result};
use crate::store::{Store, query};
use chrono::NaiveDate;
use rusqlite::Connection;

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
