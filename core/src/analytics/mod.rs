//! Manager analytics, computed from the local replica (so it works offline): sales volume,
//! conversion by step, source, channel and rep, deal size, cycle time, speed to lead, activity per
//! rep per day, pipeline health, customer metrics, cost per sale, goals with pace, the forecast
//! ([`forecast`]) and commissions ([`commissions`]). Every formula is written down in
//! `docs/metrics.md`; ratios with nothing to divide by are `None`, never NaN.
//!
//! One dashboard is a handful of indexed queries (deals once, leads and activities of the range
//! only) and arithmetic in memory. By responsibility: [`types`] (the figures' shapes), [`load`]
//! (reading the records), [`dashboard`] (the metric math), [`drill`], [`csv`] (rendering) and
//! [`records`] (what is written: snapshots, goals, plans, spend).

pub mod commissions;
pub mod csv;
pub mod dashboard;
pub mod drill;
pub mod forecast;
pub mod group;
pub mod load;
pub mod lost;
pub mod records;
pub mod types;

pub use csv::dashboard_csv;
pub use dashboard::{dashboard, dashboard_from};
pub use drill::{DrillQuery, DrillRow, drill};
pub use load::{Deal, activity_counts, fast_ms, lead_times, load_deals, load_deals_with, load_paths};
pub use lost::{LostGroup, LostReport, lost_deals};
pub(crate) use records::require_manager;
pub use records::{accuracy, backtest, save_goal, save_plan, save_spend, snapshot_month};
pub use types::*;

const DAY: i64 = 86_400_000;

#[cfg(test)]
mod tests {
    use super::dashboard::{percentile, ratio};
    use super::*;
    use crate::domain::Timestamp;

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
