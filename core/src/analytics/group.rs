//! A dealer group's figures on its manager's laptop: each rooftop's dashboard, computed from that
//! rooftop's own store by the same code as the rooftop manager's screen, side by side, and the
//! group's total built from their terms: counts and amounts add up; a rate is recomputed from the
//! added terms (win rate = Σ won ÷ Σ (won + lost)), never averaged; a median does not add, so the
//! total has none.

use super::types::Dashboard;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// One rooftop's headline figures for a range (or the group's total).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct RooftopFigures {
    /// `None` for the group's total.
    pub dealership_id: Option<Uuid>,
    pub name: String,
    /// When this laptop last synced the rooftop's store (`None`: never, or the total).
    pub synced_at: Option<String>,
    /// Units sold (won deals closed in the range).
    pub units: f64,
    #[ts(type = "number")]
    pub revenue_cents: i64,
    #[ts(type = "number")]
    pub gross_cents: i64,
    #[ts(type = "number | null")]
    pub avg_deal_cents: Option<i64>,
    pub won: u32,
    pub lost: u32,
    pub win_rate: Option<f64>,
    /// Leads received in the range.
    pub leads: u32,
    /// Median minutes to the first response (per rooftop only).
    #[ts(type = "number | null")]
    pub speed_median_minutes: Option<i64>,
    pub open_deals: u32,
    #[ts(type = "number")]
    pub open_value_cents: i64,
    #[ts(type = "number")]
    pub weighted_cents: i64,
    /// The forecast of this month's units and revenue (won so far plus expected).
    pub forecast_units: f64,
    #[ts(type = "number")]
    pub forecast_revenue_cents: i64,
}

/// The group's rooftops for one range, and their total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GroupDashboard {
    pub from: String,
    pub to: String,
    /// By name.
    pub rooftops: Vec<RooftopFigures>,
    pub total: RooftopFigures,
    /// The range ends after now: its figures are so far.
    pub partial: bool,
}

/// A rooftop's headline figures from its dashboard.
pub fn figures(dealership_id: Option<Uuid>, name: &str, synced_at: Option<String>, d: &Dashboard) -> RooftopFigures {
    RooftopFigures {
        dealership_id,
        name: name.to_string(),
        synced_at,
        units: d.sales.units,
        revenue_cents: d.sales.revenue_cents,
        gross_cents: d.sales.gross_cents,
        avg_deal_cents: d.sales.avg_deal_cents,
        won: d.sales.won,
        lost: d.sales.lost,
        win_rate: d.sales.win_rate,
        leads: d.speed_to_lead.leads,
        speed_median_minutes: d.speed_to_lead.median_minutes,
        open_deals: d.pipeline.open_deals,
        open_value_cents: d.pipeline.open_value_cents,
        weighted_cents: d.pipeline.weighted_cents,
        forecast_units: d.forecast.this_month.units,
        forecast_revenue_cents: d.forecast.this_month.revenue_cents,
    }
}

/// The group's total of `rooftops`' figures.
pub fn total(rooftops: &[RooftopFigures]) -> RooftopFigures {
    let mut t = RooftopFigures { name: "Group total".into(), ..Default::default() };
    for r in rooftops {
        t.units += r.units;
        t.revenue_cents += r.revenue_cents;
        t.gross_cents += r.gross_cents;
        t.won += r.won;
        t.lost += r.lost;
        t.leads += r.leads;
        t.open_deals += r.open_deals;
        t.open_value_cents += r.open_value_cents;
        t.weighted_cents += r.weighted_cents;
        t.forecast_units += r.forecast_units;
        t.forecast_revenue_cents += r.forecast_revenue_cents;
    }
    // Units are rounded to the tenth as each rooftop's are (half units come from split deals).
    t.units = (t.units * 10.0).round() / 10.0;
    t.forecast_units = (t.forecast_units * 10.0).round() / 10.0;
    t.avg_deal_cents = (t.units > 0.0).then(|| (t.revenue_cents as f64 / t.units).round() as i64);
    let closed = t.won + t.lost;
    t.win_rate = (closed > 0).then(|| f64::from(t.won) / f64::from(closed));
    t
}

/// The group's dashboard from each rooftop's (id, name, last sync, dashboard), listed by name.
pub fn group_dashboard(
    from: &str,
    to: &str,
    parts: Vec<(Option<Uuid>, String, Option<String>, Dashboard)>,
) -> GroupDashboard {
    let partial = parts.iter().any(|p| p.3.partial);
    let mut rooftops: Vec<RooftopFigures> =
        parts.iter().map(|(id, name, synced, d)| figures(*id, name, synced.clone(), d)).collect();
    rooftops.sort_by_key(|a| a.name.to_lowercase());
    let total = total(&rooftops);
    GroupDashboard { from: from.into(), to: to.into(), rooftops, total, partial }
}

/// The group's dashboard as CSV: one line per rooftop and the total (amounts as the dashboard's CSV).
pub fn group_csv(g: &GroupDashboard) -> String {
    let dollars = |c: i64| crate::desk::money::Money(c).to_string();
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_default();
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "rooftop",
        "synced_at",
        "units",
        "revenue",
        "gross",
        "avg_deal",
        "won",
        "lost",
        "win_rate",
        "leads",
        "speed_median_minutes",
        "open_deals",
        "open_value",
        "weighted_pipeline",
        "forecast_units",
        "forecast_revenue",
    ]);
    for r in g.rooftops.iter().chain(std::iter::once(&g.total)) {
        let _ = w.write_record([
            r.name.clone(),
            r.synced_at.clone().unwrap_or_default(),
            format!("{}", r.units),
            dollars(r.revenue_cents),
            dollars(r.gross_cents),
            r.avg_deal_cents.map(dollars).unwrap_or_default(),
            r.won.to_string(),
            r.lost.to_string(),
            opt(r.win_rate),
            r.leads.to_string(),
            r.speed_median_minutes.map(|m| m.to_string()).unwrap_or_default(),
            r.open_deals.to_string(),
            dollars(r.open_value_cents),
            dollars(r.weighted_cents),
            format!("{}", r.forecast_units),
            dollars(r.forecast_revenue_cents),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rooftop(name: &str, units: f64, revenue: i64, won: u32, lost: u32) -> RooftopFigures {
        RooftopFigures {
            name: name.into(),
            units,
            revenue_cents: revenue,
            won,
            lost,
            win_rate: (won + lost > 0).then(|| f64::from(won) / f64::from(won + lost)),
            ..Default::default()
        }
    }

    #[test]
    fn the_total_adds_terms_and_recomputes_rates_rather_than_averaging_them() {
        // 1 of 1 won (100%) and 1 of 9 won (11%): the group won 2 of 10, not the mean 55.6%.
        let t = total(&[rooftop("A", 1.0, 3_000_000, 1, 0), rooftop("B", 1.5, 4_500_000, 1, 8)]);
        assert_eq!(t.win_rate, Some(0.2));
        assert_eq!((t.won, t.lost, t.units, t.revenue_cents), (2, 8, 2.5, 7_500_000));
        assert_eq!(t.avg_deal_cents, Some(3_000_000));
        assert_eq!(t.speed_median_minutes, None, "medians do not add");
        assert_eq!(total(&[]).win_rate, None);
    }
}
