//! The forecast, pure: expected units and revenue for this month and next, with an 80% range,
//! from the open pipeline and the dealership's own history, plus the run rate of deals that will
//! be opened and won within the month. A deal with stage history is weighed by what happened to
//! the deals that sat in its stage before (their win rate, how long they took to close, and how
//! that changes the longer a deal sits: a stale deal counts less); a deal without history by its
//! stage's configured probability adjusted by how its source converts. Also the backtest and
//! forecast accuracy (MAPE). Every formula is in `docs/metrics.md`.

use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;
use uuid::Uuid;

const DAY: i64 = 86_400_000;

/// What the forecast knows of one deal.
#[derive(Debug, Clone, PartialEq)]
pub struct DealFact {
    pub created_ms: i64,
    /// When it was won or lost; `None` while open.
    pub closed_ms: Option<i64>,
    pub won: bool,
    pub amount_cents: i64,
    pub source: String,
    /// The win probability of its current stage (0–1), when known.
    pub stage_probability: Option<f64>,
    /// Its stage history, oldest first (empty for deals from before stage history was kept).
    pub path: Vec<Visit>,
}

/// A deal entering a stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub at_ms: i64,
    pub stage: Uuid,
    /// The stage's configured win probability (0–1): the prior before there is history.
    pub probability: f64,
    /// Won or Lost: the deal closed.
    pub closing: bool,
}

impl DealFact {
    /// The open stage the deal sat in at `t`, from its history.
    fn stage_at(&self, t: i64) -> Option<&Visit> {
        self.path.iter().rev().find(|v| v.at_ms < t).filter(|v| !v.closing)
    }
}

/// How long a deal has sat in its stage, in buckets: under 3 days, a week, two weeks, a month,
/// longer (a stale deal weighs less because stale deals here rarely closed).
fn age_bucket(days: i64) -> u8 {
    match days {
        ..3 => 0,
        3..7 => 1,
        7..14 => 2,
        14..30 => 3,
        _ => 4,
    }
}

/// Learnt from the same point of each of the last twelve months: of the deals open then in a
/// stage (and an age bucket), how many were won by that month's end, and in the month after.
#[derive(Default, Clone, Copy)]
struct Tally {
    open: u32,
    won_this: u32,
    /// Counted only where the month after is over.
    open_next: u32,
    won_next: u32,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.open += o.open;
        self.won_this += o.won_this;
        self.open_next += o.open_next;
        self.won_next += o.won_next;
    }
}

/// How many deals' worth of weight the broader rate keeps against a narrower one.
const PRIOR_DEALS: f64 = 5.0;

struct Calibration {
    cells: HashMap<(Uuid, u8), Tally>,
    stages: HashMap<Uuid, Tally>,
    all: Tally,
}

impl Calibration {
    fn learn(deals: &[DealFact], as_of: i64) -> Self {
        let this_start = month_start(as_of);
        let offset = as_of - this_start;
        let mut cells: HashMap<(Uuid, u8), Tally> = HashMap::new();
        for k in 1..=12 {
            let start = months_before(this_start, k);
            let end = next_month_start(start);
            let after = next_month_start(end);
            let t = (start + offset).min(end - 1);
            for d in deals.iter().filter(|d| d.created_ms < t && d.closed_ms.is_none_or(|c| c >= t)) {
                let Some(v) = d.stage_at(t) else { continue };
                let cell = cells.entry((v.stage, age_bucket((t - v.at_ms) / DAY))).or_default();
                let won_by = |until: i64| d.won && d.closed_ms.is_some_and(|c| c < until && c < as_of);
                cell.open += 1;
                cell.won_this += u32::from(won_by(end));
                if after <= as_of {
                    cell.open_next += 1;
                    cell.won_next += u32::from(!won_by(end) && won_by(after));
                }
            }
        }
        let mut stages: HashMap<Uuid, Tally> = HashMap::new();
        let mut all = Tally::default();
        for ((stage, _), t) in &cells {
            stages.entry(*stage).or_default().add(*t);
            all.add(*t);
        }
        Calibration { cells, stages, all }
    }

    /// The chance a deal open now in `stage` for `days` is won this month and next month: its
    /// cell's history, leaning on its stage's and then on every stage's while the history is thin.
    fn chances(&self, stage: Uuid, days: i64) -> Option<(f64, f64)> {
        let cell = self.cells.get(&(stage, age_bucket(days)));
        let st = self.stages.get(&stage);
        if self.all.open == 0 {
            return None;
        }
        let shrink =
            |won: u32, n: u32, prior: f64| (f64::from(won) + PRIOR_DEALS * prior) / (f64::from(n) + PRIOR_DEALS);
        let pick = |t: Option<&Tally>, f: fn(&Tally) -> (u32, u32), prior: f64| match t {
            Some(t) => {
                let (w, n) = f(t);
                shrink(w, n, prior)
            }
            None => prior,
        };
        let this = |t: &Tally| (t.won_this, t.open);
        let next = |t: &Tally| (t.won_next, t.open_next);
        let all_this = shrink(self.all.won_this, self.all.open, 0.0);
        let all_next = shrink(self.all.won_next, self.all.open_next, 0.0);
        let p1 = pick(cell, this, pick(st, this, all_this));
        let p2 = pick(cell, next, pick(st, next, all_next));
        Some((p1, p2))
    }
}

/// Expected units and revenue with an 80% range (never negative).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct Expectation {
    pub units: f64,
    pub units_low: f64,
    pub units_high: f64,
    #[ts(type = "number")]
    pub revenue_cents: i64,
    #[ts(type = "number")]
    pub revenue_low_cents: i64,
    #[ts(type = "number")]
    pub revenue_high_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Forecast {
    /// Won so far this month (certain) plus what the model expects by the month's end.
    pub this_month: Expectation,
    pub next_month: Expectation,
    /// Units already won this month.
    pub won_so_far: f64,
    /// Open deals the forecast weighed.
    pub open_deals: u32,
    /// Probability-weighted open pipeline: Σ amount × stage probability.
    #[ts(type = "number")]
    pub weighted_pipeline_cents: i64,
    /// Closed deals of the past year the model learnt from.
    pub history_deals: u32,
}

/// A stored monthly forecast (what was expected when the month began), for accuracy later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Snapshot {
    pub id: Uuid,
    /// `YYYY-MM`.
    pub month: String,
    pub made_at: Timestamp,
    #[ts(type = "number")]
    pub units_milli: i64,
    #[ts(type = "number")]
    pub units_low_milli: i64,
    #[ts(type = "number")]
    pub units_high_milli: i64,
    #[ts(type = "number")]
    pub revenue_cents: i64,
    #[ts(type = "number")]
    pub revenue_low_cents: i64,
    #[ts(type = "number")]
    pub revenue_high_cents: i64,
}

/// One month's forecast against what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Accuracy {
    pub month: String,
    pub forecast_units: f64,
    pub actual_units: f64,
    /// |actual − forecast| / actual; `None` for a month with no sale (undefined).
    pub ape: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AccuracyReport {
    pub months: Vec<Accuracy>,
    /// Mean of the defined APEs (0.12 = 12%); `None` with no closed month to judge.
    pub mape: Option<f64>,
}

/// `z` of a two-sided 80% normal interval.
const Z80: f64 = 1.2816;

struct Model {
    overall_rate: f64,
    rate: HashMap<String, f64>,
    /// Days from opening to winning, sorted, per source and overall.
    durations: HashMap<String, Vec<i64>>,
    all_durations: Vec<i64>,
    /// Of the deals opened in a month (the last six full months), the share won within that
    /// month, and the share won in the month after.
    same_month_share: f64,
    next_month_share: f64,
    /// Deals opened and leads received per calendar month (keyed by the month's first instant).
    opened: HashMap<i64, u32>,
    leads: HashMap<i64, u32>,
    /// The first whole month of history.
    first_full: i64,
    avg_won_amount: f64,
}

/// The first instant of the month `k` months before the one starting at `m`.
fn months_before(m: i64, k: u32) -> i64 {
    (0..k).fold(m, |x, _| month_start(x - DAY))
}

fn days_in(m: i64) -> f64 {
    ((next_month_start(m) - m) / DAY) as f64
}

impl Model {
    /// Per day, over whole months, of a monthly count.
    fn per_day(counts: &HashMap<i64, u32>, months: &[i64]) -> f64 {
        let n: u32 = months.iter().map(|s| counts.get(s).copied().unwrap_or(0)).sum();
        let days: f64 = months.iter().map(|s| days_in(*s)).sum();
        if days > 0.0 { f64::from(n) / days } else { 0.0 }
    }

    /// The season of the month starting `m`, seen from `this_start`: how much busier (in leads a
    /// day) that month was than the three months before it, a year ago and two years ago (the
    /// mean of the years the history holds); 1 without a year of history.
    fn season(&self, this_start: i64, m: i64) -> f64 {
        let gap = {
            // Months from `this_start` to `m` (0 or 1).
            let mut k = 0;
            while months_before(m, k) > this_start {
                k += 1;
            }
            k
        };
        let ratios: Vec<f64> = (1..=2u32)
            .filter_map(|y| {
                let then = months_before(m, 12 * y);
                let before: Vec<i64> = (1..=3).map(|k| months_before(then, k + gap)).collect();
                if before.iter().any(|b| *b < self.first_full) {
                    return None;
                }
                let base = Self::per_day(&self.leads, &before);
                (base > 0.0).then(|| Self::per_day(&self.leads, &[then]) / base)
            })
            .collect();
        if ratios.is_empty() { 1.0 } else { ratios.iter().sum::<f64>() / ratios.len() as f64 }
    }

    /// Deals expected to open a day in the month starting `m`: leads a day over the last three
    /// full months times the season, times the share of leads that became deals (last six months).
    fn opened_per_day(&self, this_start: i64, m: i64) -> f64 {
        let recent: Vec<i64> = (1..=3).map(|k| months_before(this_start, k)).collect();
        let six: Vec<i64> = (1..=6).map(|k| months_before(this_start, k)).filter(|s| *s >= self.first_full).collect();
        let leads = Self::per_day(&self.leads, &six);
        let deals_per_lead = if leads > 0.0 { Self::per_day(&self.opened, &six) / leads } else { 0.0 };
        let level = Self::per_day(&self.leads, &recent);
        if level == 0.0 {
            // No lead history (deals entered by hand): the deals' own pace.
            return Self::per_day(&self.opened, &recent);
        }
        level * self.season(this_start, m) * deals_per_lead
    }
}

fn month_start(ms: i64) -> i64 {
    use chrono::Datelike;
    let d = Timestamp::from_millis(ms).date();
    let first = d.with_day(1).unwrap_or(d);
    first.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(ms)
}

/// The first instant of the month after the one holding `ms`.
pub fn next_month_start(ms: i64) -> i64 {
    use chrono::{Datelike, Months};
    let d = Timestamp::from_millis(month_start(ms)).date();
    d.checked_add_months(Months::new(1))
        .map(|n| n.with_day(1).unwrap_or(n))
        .and_then(|n| n.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(ms + 31 * DAY)
}

fn learn(deals: &[DealFact], leads: &[i64], as_of: i64) -> Model {
    let year_ago = as_of - 365 * DAY;
    let closed: Vec<&DealFact> =
        deals.iter().filter(|d| d.closed_ms.is_some_and(|c| c < as_of && c >= year_ago)).collect();
    let won = closed.iter().filter(|d| d.won).count();
    let overall_rate = if closed.is_empty() { 0.0 } else { won as f64 / closed.len() as f64 };
    let mut per: HashMap<&str, (u32, u32)> = HashMap::new();
    let mut durations: HashMap<String, Vec<i64>> = HashMap::new();
    let mut all_durations = Vec::new();
    let mut won_amount = (0i64, 0u32);
    for d in &closed {
        let e = per.entry(d.source.as_str()).or_default();
        e.1 += 1;
        if d.won {
            e.0 += 1;
            let days = (d.closed_ms.unwrap_or(d.created_ms) - d.created_ms).max(0) / DAY;
            durations.entry(d.source.clone()).or_default().push(days);
            all_durations.push(days);
            won_amount.0 += d.amount_cents;
            won_amount.1 += 1;
        }
    }
    // A source's rate leans on the overall rate until it has history of its own (5 deals' worth).
    let rate = per
        .into_iter()
        .map(|(s, (w, n))| (s.to_string(), (f64::from(w) + 5.0 * overall_rate) / (f64::from(n) + 5.0)))
        .collect();
    for v in durations.values_mut() {
        v.sort_unstable();
    }
    all_durations.sort_unstable();
    // Deals still to be opened: how many open a day (with the seasons, once there is a year of
    // history), and what share of a month's new deals is won within that month or the next.
    let this_start = month_start(as_of);
    let mut opened: HashMap<i64, u32> = HashMap::new();
    let mut won_in: HashMap<i64, (u32, u32)> = HashMap::new();
    for d in deals.iter().filter(|d| d.created_ms < as_of) {
        let mo = month_start(d.created_ms);
        *opened.entry(mo).or_default() += 1;
        if let Some(c) = d.closed_ms.filter(|c| d.won && *c < as_of) {
            let e = won_in.entry(mo).or_default();
            if month_start(c) == mo {
                e.0 += 1;
            } else if next_month_start(d.created_ms) == month_start(c) {
                e.1 += 1;
            }
        }
    }
    let first = deals.iter().map(|d| d.created_ms).chain(leads.iter().copied()).min();
    let first_full = first.map(next_month_start).unwrap_or(this_start);
    let share = |months: std::ops::RangeInclusive<u32>, pick: fn(&(u32, u32)) -> u32| -> f64 {
        let (mut won, mut all) = (0u32, 0u32);
        for k in months {
            let m = months_before(this_start, k);
            if m < first_full {
                continue;
            }
            won += won_in.get(&m).map(pick).unwrap_or(0);
            all += opened.get(&m).copied().unwrap_or(0);
        }
        if all == 0 { 0.0 } else { f64::from(won) / f64::from(all) }
    };
    let same_month_share = share(1..=6, |w| w.0);
    // The month just ended cannot tell yet what its deals do next month.
    let next_month_share = share(2..=7, |w| w.1);
    Model {
        overall_rate,
        rate,
        durations,
        all_durations,
        same_month_share,
        next_month_share,
        opened,
        leads: leads.iter().filter(|t| **t < as_of).fold(HashMap::new(), |mut m, t| {
            *m.entry(month_start(*t)).or_default() += 1;
            m
        }),
        first_full,
        avg_won_amount: if won_amount.1 == 0 { 0.0 } else { won_amount.0 as f64 / f64::from(won_amount.1) },
    }
}

/// P(close in (age + from, age + to] days | still open at `age`), from the won durations.
fn close_within(durations: &[i64], age: i64, from: i64, to: i64) -> f64 {
    // `durations` is sorted: counts by binary search.
    let upto = |x: i64| durations.partition_point(|d| *d <= x);
    let alive = durations.len() - upto(age);
    if alive == 0 {
        // Older than every deal ever won here: stale; it rarely closes now.
        return 0.02;
    }
    let hit = upto(age + to) - upto(age + from);
    hit as f64 / alive as f64
}

fn range(
    mean_units: f64,
    var_units: f64,
    mean_rev: f64,
    var_rev: f64,
    floor_units: f64,
    floor_rev: f64,
) -> Expectation {
    let su = var_units.max(0.0).sqrt();
    let sr = var_rev.max(0.0).sqrt();
    Expectation {
        units: mean_units,
        units_low: (mean_units - Z80 * su).max(floor_units),
        units_high: mean_units + Z80 * su,
        revenue_cents: mean_rev.round() as i64,
        revenue_low_cents: (mean_rev - Z80 * sr).max(floor_rev).round() as i64,
        revenue_high_cents: (mean_rev + Z80 * sr).round() as i64,
    }
}

/// The forecast as of `as_of` for its month and the next, from the deals and the instants leads
/// arrived (for the seasons).
pub fn forecast(deals: &[DealFact], leads: &[i64], as_of: i64) -> Forecast {
    let m = learn(deals, leads, as_of);
    let this_start = month_start(as_of);
    let next_start = next_month_start(as_of);
    let after_next = next_month_start(next_start);
    let left_this = (next_start - as_of).max(0) / DAY;
    let left_next = (after_next - as_of).max(0) / DAY;
    let mut won_units = 0.0;
    let mut won_rev = 0.0;
    let (mut u1, mut v1, mut r1, mut rv1) = (0.0, 0.0, 0.0, 0.0);
    let (mut u2, mut v2, mut r2, mut rv2) = (0.0, 0.0, 0.0, 0.0);
    let mut open = 0u32;
    let mut weighted = 0.0;
    let calibration = Calibration::learn(deals, as_of);
    for d in deals {
        if d.created_ms >= as_of {
            continue;
        }
        match d.closed_ms {
            Some(c) if c < as_of => {
                if d.won && c >= this_start {
                    won_units += 1.0;
                    won_rev += d.amount_cents as f64;
                }
                continue;
            }
            _ => {}
        }
        open += 1;
        let source_rate = m.rate.get(&d.source).copied().unwrap_or(m.overall_rate);
        let a = d.amount_cents as f64;
        let learnt =
            d.stage_at(as_of).and_then(|v| calibration.chances(v.stage, (as_of - v.at_ms) / DAY).map(|p| (v, p)));
        // The chance it is won this month and next month, and its weight on the board.
        let (p1, p2, weight) = match learnt {
            Some((v, (p1, p2))) => (p1, p2, v.probability),
            None => {
                let p_win = match d.stage_probability {
                    Some(p) if m.overall_rate > 0.0 => (p * source_rate / m.overall_rate).clamp(0.0, 0.99),
                    Some(p) => p.clamp(0.0, 0.99),
                    None => source_rate,
                };
                let durations = m.durations.get(&d.source).filter(|v| v.len() >= 10).unwrap_or(&m.all_durations);
                let age = (as_of - d.created_ms) / DAY;
                (
                    p_win * close_within(durations, age, 0, left_this),
                    p_win * close_within(durations, age, left_this, left_next),
                    d.stage_probability.unwrap_or(source_rate),
                )
            }
        };
        weighted += a * weight;
        u1 += p1;
        v1 += p1 * (1.0 - p1);
        r1 += a * p1;
        rv1 += a * a * p1 * (1.0 - p1);
        u2 += p2;
        v2 += p2 * (1.0 - p2);
        r2 += a * p2;
        rv2 += a * a * p2 * (1.0 - p2);
    }
    // Deals opened from now to the month's end are won within it at the month's share; next month,
    // its own new deals plus this month's late ones.
    let month_days = days_in(this_start).max(1.0);
    let left_share = left_this as f64 / month_days;
    let opening_now = m.opened_per_day(this_start, this_start) * month_days * left_share;
    let opening_next = m.opened_per_day(this_start, next_start) * days_in(next_start);
    let lambda1 = opening_now * m.same_month_share;
    let lambda2 = opening_next * m.same_month_share + opening_now * m.next_month_share;
    let amt = m.avg_won_amount;
    let this_month = range(
        won_units + u1 + lambda1,
        v1 + lambda1,
        won_rev + r1 + lambda1 * amt,
        rv1 + lambda1 * amt * amt,
        won_units,
        won_rev,
    );
    let next_month = range(u2 + lambda2, v2 + lambda2, r2 + lambda2 * amt, rv2 + lambda2 * amt * amt, 0.0, 0.0);
    let history = deals.iter().filter(|d| d.closed_ms.is_some_and(|c| c < as_of && c >= as_of - 365 * DAY)).count();
    Forecast {
        this_month,
        next_month,
        won_so_far: won_units,
        open_deals: open,
        weighted_pipeline_cents: weighted.round() as i64,
        history_deals: history as u32,
    }
}

/// Mean absolute percentage error over months with sales.
pub fn mape(months: &[Accuracy]) -> Option<f64> {
    let defined: Vec<f64> = months.iter().filter_map(|m| m.ape).collect();
    (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64)
}

pub fn accuracy(month: String, forecast_units: f64, actual_units: f64) -> Accuracy {
    let ape = (actual_units > 0.0).then(|| (actual_units - forecast_units).abs() / actual_units);
    Accuracy { month, forecast_units, actual_units, ape }
}

/// Replays the forecast at the start of each of the last `months` full months, with only what was
/// known then (a deal's stage then from its stage history; a deal without history weighs by its
/// source's win rate), against
/// the units actually won in that month.
pub fn backtest(deals: &[DealFact], leads: &[i64], now: i64, months: usize) -> AccuracyReport {
    let mut starts = Vec::new();
    let mut m = month_start(now);
    for _ in 0..months {
        m = month_start(m - DAY);
        starts.push(m);
    }
    starts.reverse();
    let rows: Vec<Accuracy> = starts
        .into_iter()
        .map(|start| {
            let then: Vec<DealFact> = deals
                .iter()
                .filter(|d| d.created_ms < start)
                .map(|d| {
                    // What stage a deal was in then is known only from its history.
                    let mut d = d.clone();
                    d.stage_probability = d.stage_at(start).map(|v| v.probability);
                    d
                })
                .chain(deals.iter().filter(|d| d.created_ms >= start).cloned())
                .collect();
            let f = forecast(&then, leads, start);
            let end = next_month_start(start);
            let actual =
                deals.iter().filter(|d| d.won && d.closed_ms.is_some_and(|c| c >= start && c < end)).count() as f64;
            let label = Timestamp::from_millis(start).date().format("%Y-%m").to_string();
            accuracy(label, f.this_month.units, actual)
        })
        .collect();
    AccuracyReport { mape: mape(&rows), months: rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        Timestamp::parse(&format!("{s}T12:00:00.000Z")).unwrap().millis()
    }

    fn deal(created: &str, closed: Option<&str>, won: bool, source: &str) -> DealFact {
        DealFact {
            created_ms: ms(created),
            closed_ms: closed.map(ms),
            won,
            amount_cents: 30_000_00,
            source: source.into(),
            stage_probability: None,
            path: Vec::new(),
        }
    }

    #[test]
    fn the_forecast_counts_what_is_won_and_weighs_what_is_open() {
        // History: 10 web deals, 6 won after 10 days; 4 lost.
        let mut deals: Vec<DealFact> = (0..10)
            .map(|i| {
                let c = format!("2026-0{}-0{}", 3 + i % 5, 1 + i % 8);
                let closed = Timestamp::from_millis(ms(&c) + 10 * DAY).date().to_string();
                deal(&c, Some(&closed), i < 6, "web")
            })
            .collect();
        // This month: one won already, two open (one at a 90% stage).
        deals.push(deal("2026-11-02", Some("2026-11-05"), true, "web"));
        deals.push(deal("2026-11-20", None, false, "web"));
        let mut hot = deal("2026-11-19", None, false, "web");
        hot.stage_probability = Some(0.9);
        deals.push(hot);
        let f = forecast(&deals, &[], ms("2026-11-25"));
        assert_eq!(f.won_so_far, 1.0);
        assert_eq!(f.open_deals, 2);
        assert_eq!(f.history_deals, 11, "the ten, and the one won this month");
        // The won deals took 10 days (one took 3): the deals opened on the 19th and 20th (6 and 5
        // days old) close by the 30th, one with the source's win rate, 7 won of 11 (all web, so the
        // smoothing changes nothing), the 90% one with 0.9 × rate / overall rate = 0.9. Deals not
        // opened yet: none opened in the last three months (August to October) and no leads are
        // known, so none are expected.
        let expected = 1.0 + 7.0 / 11.0 + 0.9;
        assert!((f.this_month.units - expected).abs() < 1e-9, "{} vs {expected}", f.this_month.units);
        assert!(f.this_month.units_low >= 1.0 && f.this_month.units_high > f.this_month.units);
        assert_eq!(f.weighted_pipeline_cents, (30_000_00.0 * 7.0 / 11.0 + 30_000_00.0 * 0.9_f64).round() as i64);
        assert!(f.next_month.units >= 0.0);
    }

    #[test]
    fn deals_with_stage_history_weigh_by_what_their_stage_did_and_leads_bring_the_seasons() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let visit = |at: i64, stage: Uuid, p: f64| Visit { at_ms: at, stage, probability: p, closing: false };
        let won = Uuid::from_u128(3);
        let as_of = ms("2026-11-01");
        let mut deals = Vec::new();
        // Each of the last twelve months: at its start, four deals sat in stage A (configured 10%)
        // and all four were won within the month; four sat in stage B (configured 90%) and none was.
        for k in 1..=12u32 {
            let start = months_before(as_of, k);
            for i in 0..8 {
                let (stage, p, wins) = if i < 4 { (a, 0.1, true) } else { (b, 0.9, false) };
                let opened = start - 2 * DAY;
                let closed = start + 10 * DAY;
                let mut d = deal("2026-01-01", None, wins, "web");
                d.created_ms = opened;
                d.closed_ms = Some(closed);
                d.path =
                    vec![visit(opened, stage, p), Visit { at_ms: closed, stage: won, probability: 1.0, closing: true }];
                deals.push(d);
            }
        }
        // Open now, two days in: one in A, one in B.
        for (stage, p) in [(a, 0.1), (b, 0.9)] {
            let mut d = deal("2026-10-30", None, false, "web");
            d.path = vec![visit(d.created_ms, stage, p)];
            d.stage_probability = Some(p);
            deals.push(d);
        }
        let f = forecast(&deals, &[], as_of);
        // 48 of 48 won in A → (48 + 5·prior) / 53 with the stage's own rate as the prior of its
        // age bucket; B: 0 of 48. The one in A counts nearly whole, the one in B nearly nothing.
        assert!(f.this_month.units > 0.9 && f.this_month.units < 1.1, "{:?}", f.this_month);
        // The weighted pipeline still reads the configured probabilities (it is the board's figure).
        assert_eq!(f.weighted_pipeline_cents, (30_000_00.0 * 0.1 + 30_000_00.0 * 0.9_f64).round() as i64);

        // Seasons: two years of leads, twice as many each March as in the three months before.
        let mut leads = Vec::new();
        for y in [2024, 2025] {
            for (m, n) in [(12, 30), (1, 30), (2, 30), (3, 60)] {
                let year = if m == 12 { y - 1 } else { y };
                leads.extend((0..n).map(|i| ms(&format!("{year}-{m:02}-{:02}", 1 + i % 28))));
            }
        }
        // This winter: 30 leads a month, a deal for every other lead, won the same month.
        for (m, year) in [(12, 2025), (1, 2026), (2, 2026)] {
            leads.extend((0..30).map(|i| ms(&format!("{year}-{m:02}-{:02}", 1 + i % 28))));
        }
        let mut history: Vec<DealFact> = Vec::new();
        for t in leads.iter().step_by(2) {
            history.push(DealFact {
                created_ms: *t,
                closed_ms: Some(*t + DAY / 24),
                won: true,
                ..deal("2026-01-01", None, true, "web")
            });
        }
        // March 2026: a lead a day this winter, March a year before 60/31 a day against 90 in
        // the 90 days before it (March 2024's winter began before the history), half the leads
        // became deals, all won within their month: 1.0 × 1.935 × 0.5 × 31 days = 30 units.
        let march = forecast(&history, &leads, ms("2026-03-01") - DAY / 2);
        assert!((march.this_month.units - 30.0).abs() < 0.5, "{:?}", march.this_month);
    }

    #[test]
    fn accuracy_is_undefined_for_a_month_without_sales_never_nan() {
        let rows = vec![accuracy("2026-09".into(), 8.0, 10.0), accuracy("2026-10".into(), 3.0, 0.0)];
        assert_eq!(rows[0].ape, Some(0.2));
        assert_eq!(rows[1].ape, None);
        assert_eq!(mape(&rows), Some(0.2));
        assert_eq!(mape(&rows[1..]), None);
        let empty = forecast(&[], &[], ms("2026-11-25"));
        assert_eq!(empty.this_month.units, 0.0);
        assert!(!empty.this_month.units_high.is_nan());
    }
}
