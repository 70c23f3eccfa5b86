//! The forecast, pure: expected units and revenue for this month and next, with an 80% range,
//! from the open pipeline (stage probability, adjusted by how the deal's source converts) and the
//! dealership's own history (win rate and time to close per source), plus the run rate of deals
//! that will be opened and won within the month. Also the backtest and forecast accuracy (MAPE).
//! Every formula is in `docs/metrics.md`.

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
    /// Mean monthly count of deals opened and won within the same month, and of deals won in the
    /// month after they opened, over the last 6 months.
    same_month_rate: f64,
    next_month_rate: f64,
    avg_won_amount: f64,
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

fn learn(deals: &[DealFact], as_of: i64) -> Model {
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
    // Run rate over the six full months before `as_of`.
    let mut same = 0u32;
    let mut next = 0u32;
    let six_ago = {
        let mut m = month_start(as_of);
        for _ in 0..6 {
            m = month_start(m - DAY);
        }
        m
    };
    let this_start = month_start(as_of);
    for d in deals.iter().filter(|d| d.won) {
        let (Some(c), o) = (d.closed_ms, d.created_ms) else { continue };
        if c < six_ago || c >= this_start {
            continue;
        }
        let (mo, mc) = (month_start(o), month_start(c));
        if mo == mc {
            same += 1;
        } else if next_month_start(o) == mc {
            next += 1;
        }
    }
    Model {
        overall_rate,
        rate,
        durations,
        all_durations,
        same_month_rate: f64::from(same) / 6.0,
        next_month_rate: f64::from(next) / 6.0,
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

/// The forecast as of `as_of` for its month and the next.
pub fn forecast(deals: &[DealFact], as_of: i64) -> Forecast {
    let m = learn(deals, as_of);
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
        let p_win = match d.stage_probability {
            Some(p) if m.overall_rate > 0.0 => (p * source_rate / m.overall_rate).clamp(0.0, 0.99),
            Some(p) => p.clamp(0.0, 0.99),
            None => source_rate,
        };
        weighted += d.amount_cents as f64 * d.stage_probability.unwrap_or(source_rate);
        let durations = m.durations.get(&d.source).filter(|v| v.len() >= 10).unwrap_or(&m.all_durations);
        let age = (as_of - d.created_ms) / DAY;
        let p1 = p_win * close_within(durations, age, 0, left_this);
        let p2 = p_win * close_within(durations, age, left_this, left_next);
        let a = d.amount_cents as f64;
        u1 += p1;
        v1 += p1 * (1.0 - p1);
        r1 += a * p1;
        rv1 += a * a * p1 * (1.0 - p1);
        u2 += p2;
        v2 += p2 * (1.0 - p2);
        r2 += a * p2;
        rv2 += a * a * p2 * (1.0 - p2);
    }
    // Deals not opened yet: the share of the month still to come of the same-month run rate;
    // next month, a whole month of it plus the wins that open this month and close next.
    let month_days = ((next_start - this_start) / DAY).max(1) as f64;
    let lambda1 = m.same_month_rate * (left_this as f64 / month_days);
    let lambda2 = m.same_month_rate + m.next_month_rate;
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
/// known then (no stage history is kept, so open deals weigh by their source's win rate), against
/// the units actually won in that month.
pub fn backtest(deals: &[DealFact], now: i64, months: usize) -> AccuracyReport {
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
                    let mut d = d.clone();
                    d.stage_probability = None;
                    d
                })
                .chain(deals.iter().filter(|d| d.created_ms >= start).cloned())
                .collect();
            let f = forecast(&then, start);
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
        let f = forecast(&deals, ms("2026-11-25"));
        assert_eq!(f.won_so_far, 1.0);
        assert_eq!(f.open_deals, 2);
        assert_eq!(f.history_deals, 11, "the ten, and the one won this month");
        // The won deals took 10 days (one took 3): the deals opened on the 19th and 20th (6 and 5
        // days old) close by the 30th, one with the source's win rate, 7 won of 11 (all web, so the
        // smoothing changes nothing), the 90% one with 0.9 × rate / overall rate = 0.9. Deals not
        // opened yet: 3 same-month wins in the six months before (May, June, July) = 0.5 a month,
        // times the 5 of 30 days left.
        let expected = 1.0 + 7.0 / 11.0 + 0.9 + 0.5 * 5.0 / 30.0;
        assert!((f.this_month.units - expected).abs() < 1e-9, "{} vs {expected}", f.this_month.units);
        assert!(f.this_month.units_low >= 1.0 && f.this_month.units_high > f.this_month.units);
        assert_eq!(f.weighted_pipeline_cents, (30_000_00.0 * 7.0 / 11.0 + 30_000_00.0 * 0.9_f64).round() as i64);
        assert!(f.next_month.units >= 0.0);
    }

    #[test]
    fn accuracy_is_undefined_for_a_month_without_sales_never_nan() {
        let rows = vec![accuracy("2026-09".into(), 8.0, 10.0), accuracy("2026-10".into(), 3.0, 0.0)];
        assert_eq!(rows[0].ape, Some(0.2));
        assert_eq!(rows[1].ape, None);
        assert_eq!(mape(&rows), Some(0.2));
        assert_eq!(mape(&rows[1..]), None);
        let empty = forecast(&[], ms("2026-11-25"));
        assert_eq!(empty.this_month.units, 0.0);
        assert!(!empty.this_month.units_high.is_nan());
    }
}
