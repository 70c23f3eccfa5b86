//! Lead scoring, transparent: a 0–100 score that is the sum of weighted signals, each shown with
//! its points (channel quality, purchase timeframe, trade-in, financing, engagement, recency,
//! budget fit with the inventory). Weights are configurable; the calibration report compares score
//! bands with what actually sold.

use crate::domain::Channel;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The most each signal can add; they sum to 100 by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Weights {
    pub channel: i32,
    pub timeframe: i32,
    pub trade_in: i32,
    pub financing: i32,
    pub engagement: i32,
    pub recency: i32,
    pub budget_fit: i32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { channel: 20, timeframe: 20, trade_in: 10, financing: 10, engagement: 15, recency: 15, budget_fit: 10 }
    }
}

/// What is known about a lead for scoring.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Signals {
    pub channel: Option<Channel>,
    /// Days until they plan to buy, when they said.
    pub timeframe_days: Option<i32>,
    pub has_trade_in: bool,
    pub wants_financing: bool,
    /// Replies, visits and appointments so far.
    pub engagements: i32,
    /// Hours since the lead arrived.
    pub age_hours: i32,
    /// How many vehicles in stock fit their budget and interest.
    pub matching_vehicles: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Reason {
    pub signal: String,
    pub points: i32,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Score {
    pub score: i32,
    pub reasons: Vec<Reason>,
}

/// How good a channel's leads usually are, as a fraction (per mille) of the channel weight.
fn channel_quality(c: Option<Channel>) -> (i32, &'static str) {
    match c {
        Some(Channel::WalkIn) => (1000, "walked in"),
        Some(Channel::Referral) => (950, "referred by a customer"),
        Some(Channel::Phone) => (800, "called in"),
        Some(Channel::Web) | Some(Channel::Chat) => (650, "asked online"),
        Some(Channel::Email) => (600, "emailed"),
        Some(Channel::Event) => (550, "met at an event"),
        Some(Channel::Marketplace) => (450, "marketplace lead"),
        Some(Channel::Social) | Some(Channel::Advertising) => (350, "answered an ad or post"),
        None => (300, "channel unknown"),
    }
}

/// Scales `weight` by a fraction in per mille, rounding half up.
fn part(weight: i32, per_mille: i32) -> i32 {
    (weight * per_mille + 500).div_euclid(1000)
}

pub fn score(s: &Signals, w: &Weights) -> Score {
    let mut reasons = Vec::new();
    let mut add = |signal: &str, points: i32, why: String| reasons.push(Reason { signal: signal.into(), points, why });
    let (q, label) = channel_quality(s.channel);
    add("channel", part(w.channel, q), label.to_string());
    let (t, why) = match s.timeframe_days {
        Some(d) if d <= 7 => (1000, "buying this week".to_string()),
        Some(d) if d <= 30 => (750, "buying this month".to_string()),
        Some(d) if d <= 90 => (400, format!("buying in {} months", (d + 29) / 30)),
        Some(_) => (100, "buying later".to_string()),
        None => (250, "no timeframe given".to_string()),
    };
    add("timeframe", part(w.timeframe, t), why);
    add(
        "trade_in",
        if s.has_trade_in { w.trade_in } else { 0 },
        if s.has_trade_in { "has a trade-in".into() } else { "no trade-in".into() },
    );
    add(
        "financing",
        if s.wants_financing { w.financing } else { 0 },
        if s.wants_financing { "wants financing".into() } else { "no financing asked".into() },
    );
    let e = (s.engagements.clamp(0, 4) * 250).min(1000);
    add("engagement", part(w.engagement, e), format!("{} replies or visits", s.engagements.max(0)));
    let r = match s.age_hours {
        h if h <= 24 => 1000,
        h if h <= 72 => 700,
        h if h <= 24 * 14 => 350,
        _ => 0,
    };
    add(
        "recency",
        part(w.recency, r),
        // The reason is kept with the score, so it says when it was true, not "today".
        if s.age_hours <= 24 {
            "under a day old when scored".into()
        } else {
            format!("{} days old when scored", s.age_hours / 24)
        },
    );
    let b = match s.matching_vehicles {
        0 => 0,
        1..=2 => 600,
        _ => 1000,
    };
    add("budget_fit", part(w.budget_fit, b), format!("{} vehicles in stock fit", s.matching_vehicles.max(0)));
    let total = reasons.iter().map(|r| r.points).sum::<i32>().clamp(0, 100);
    Score { score: total, reasons }
}

/// One score band of the calibration report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Band {
    pub from: i32,
    pub to: i32,
    #[ts(type = "number")]
    pub leads: i64,
    #[ts(type = "number")]
    pub sold: i64,
    /// sold / leads, or `None` for an empty band (never NaN).
    pub conversion: Option<f64>,
    /// Set when the scoring is inverted here: the first band below this one (its `from`) that
    /// converted better by more than chance explains (a one-sided two-proportion test at 2.5%),
    /// both with at least [`BAND_MIN_LEADS`] leads. The weights need a look.
    pub worse_than: Option<i32>,
}

/// Fewer leads than this in a band say too little to call it inverted.
pub const BAND_MIN_LEADS: i64 = 30;

/// Whether band `a` converted better than band `b` beyond chance: z of the difference of the two
/// proportions (pooled) at least 1.96.
fn clearly_better(a: &Band, b: &Band) -> bool {
    let (na, nb) = (a.leads as f64, b.leads as f64);
    let (pa, pb) = (a.sold as f64 / na, b.sold as f64 / nb);
    let pooled = (a.sold + b.sold) as f64 / (na + nb);
    let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    se > 0.0 && (pa - pb) / se >= 1.96
}

/// Compares score bands (0–19, 20–39, …) with what actually sold.
pub fn calibration(history: &[(i32, bool)]) -> Vec<Band> {
    (0..5)
        .map(|i| {
            let (from, to) = (i * 20, if i == 4 { 100 } else { i * 20 + 19 });
            let in_band: Vec<&(i32, bool)> = history.iter().filter(|(s, _)| (from..=to).contains(s)).collect();
            let leads = in_band.len() as i64;
            let sold = in_band.iter().filter(|(_, sold)| *sold).count() as i64;
            Band {
                from,
                to,
                leads,
                sold,
                conversion: (leads > 0).then(|| sold as f64 / leads as f64),
                worse_than: None,
            }
        })
        .collect::<Vec<Band>>()
        .into_iter()
        .scan(Vec::<Band>::new(), |below, mut b| {
            let enough = |x: &Band| x.leads >= BAND_MIN_LEADS;
            if enough(&b) {
                b.worse_than =
                    below.iter().find(|lower| enough(lower) && clearly_better(lower, &b)).map(|lower| lower.from);
            }
            below.push(b.clone());
            Some(b)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_is_the_sum_of_its_reasons_and_stays_in_range() {
        let hot = Signals {
            channel: Some(Channel::WalkIn),
            timeframe_days: Some(3),
            has_trade_in: true,
            wants_financing: true,
            engagements: 4,
            age_hours: 2,
            matching_vehicles: 5,
        };
        let s = score(&hot, &Weights::default());
        assert_eq!(s.score, 100);
        assert_eq!(s.reasons.iter().map(|r| r.points).sum::<i32>(), 100);
        let cold = score(&Signals { age_hours: 24 * 60, ..Default::default() }, &Weights::default());
        assert_eq!(cold.score, 6 + 5, "unknown channel 30% of 20, no timeframe 25% of 20");
        assert!(
            cold.reasons.iter().any(|r| r.signal == "recency" && r.points == 0 && r.why == "60 days old when scored")
        );
        assert!(s.reasons.iter().any(|r| r.signal == "recency" && r.why == "under a day old when scored"));
        // Weights change the balance; a silly weight cannot push past 100.
        let heavy = Weights { channel: 500, ..Weights::default() };
        assert_eq!(score(&hot, &heavy).score, 100);
    }

    #[test]
    fn an_inverted_band_is_flagged_with_the_band_that_did_better() {
        // 40 leads at 25 (10 sold), 40 at 45 (12 sold), 40 at 85 (3 sold), 5 at 65 (0 sold).
        let mut h: Vec<(i32, bool)> = Vec::new();
        h.extend((0..40).map(|i| (25, i < 10)));
        h.extend((0..40).map(|i| (45, i < 12)));
        h.extend((0..40).map(|i| (85, i < 3)));
        h.extend((0..5).map(|_| (65, false)));
        let bands = calibration(&h);
        let flags: Vec<Option<i32>> = bands.iter().map(|b| b.worse_than).collect();
        assert_eq!(
            flags,
            vec![None, None, None, None, Some(20)],
            "80–100 sold 7.5%, below 20–39's 25% (z 2.1); 60–79 has 5 leads"
        );
        // A difference chance explains is not called inverted: 40 at 85 with 8 sold (20%).
        let mut close: Vec<(i32, bool)> = h.iter().filter(|(s, _)| *s != 85).copied().collect();
        close.extend((0..40).map(|i| (85, i < 8)));
        assert!(calibration(&close).iter().all(|b| b.worse_than.is_none()));
    }

    #[test]
    fn calibration_bands_never_divide_by_zero() {
        let bands = calibration(&[(85, true), (90, false), (15, false), (100, true)]);
        assert_eq!(bands.len(), 5);
        assert_eq!((bands[4].leads, bands[4].sold, bands[4].conversion), (3, 2, Some(2.0 / 3.0)));
        assert_eq!(bands[2].conversion, None);
        assert_eq!(bands[0].conversion, Some(0.0));
        assert!(bands.iter().all(|b| b.worse_than.is_none()), "too few leads to call anything inverted");
    }
}
