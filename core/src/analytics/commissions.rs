//! Commissions, pure: a rep's monthly statement under a plan. Per deal: flat per unit plus a
//! percentage of front-end gross (never negative), at least the plan's minimum; a split deal pays
//! each rep half (and counts half a unit). Unit tiers pay their per-unit bonus on every unit of the
//! month once reached (retroactive; the highest tier reached applies). A CSAT bonus when the month's
//! average reaches the plan's bar. A deal that unwinds takes back what it paid, in the month it
//! unwound. Rounding: half-up to the cent where a percentage or a half is taken.

use crate::domain::{CommissionPlan, Timestamp};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// A deal as a commission sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoldDeal {
    pub id: Uuid,
    pub title: String,
    /// Front-end gross; a deal without one pays no percentage.
    pub gross_cents: Option<i64>,
    /// Shared with another rep.
    pub split: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "CommissionLineKind")]
pub enum LineKind {
    Deal,
    Tier,
    Csat,
    Chargeback,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "CommissionLine")]
pub struct Line {
    pub kind: LineKind,
    pub opportunity_id: Option<Uuid>,
    pub text: String,
    /// Units credited, in halves (a split deal is 1).
    pub half_units: i32,
    #[ts(type = "number")]
    pub amount_cents: i64,
}

/// A rep's statement for a month: computed, or as approved (then frozen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Statement {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `YYYY-MM`.
    pub month: String,
    pub plan_id: Uuid,
    #[ts(type = "number")]
    pub total_cents: i64,
    pub lines: Vec<Line>,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// `a × bp / 10,000`, half-up to the cent.
fn percent(a: i64, bp: i32) -> i64 {
    let n = i128::from(a) * i128::from(bp);
    ((n + 5_000).div_euclid(10_000)) as i64
}

/// Half of an amount, half-up to the cent.
fn half(a: i64) -> i64 {
    (a + 1).div_euclid(2)
}

/// What one deal pays a rep under the plan (before any split).
pub fn per_deal(plan: &CommissionPlan, gross_cents: Option<i64>) -> i64 {
    let pct = gross_cents.map(|g| percent(g.max(0), plan.gross_percent_bp)).unwrap_or(0);
    (plan.flat_per_unit_cents + pct).max(plan.minimum_per_deal_cents)
}

fn deal_pay(plan: &CommissionPlan, d: &SoldDeal) -> i64 {
    let full = per_deal(plan, d.gross_cents);
    if d.split { half(full) } else { full }
}

/// The month's lines and total. `sold`: deals won this month; `unwound`: deals won earlier that
/// unwound this month; `csat_tenths`: the rep's average CSAT this month in tenths, if any answers.
pub fn lines(plan: &CommissionPlan, sold: &[SoldDeal], unwound: &[SoldDeal], csat_tenths: Option<i32>) -> Vec<Line> {
    let money = |c: i64| crate::desk::money::Money(c).pretty();
    let mut out: Vec<Line> = sold
        .iter()
        .map(|d| {
            let amount = deal_pay(plan, d);
            let gross = d.gross_cents.map(|g| format!(", gross {}", money(g))).unwrap_or_default();
            Line {
                kind: LineKind::Deal,
                opportunity_id: Some(d.id),
                text: format!("{}{}{}", d.title, gross, if d.split { " (split 50/50)" } else { "" }),
                half_units: if d.split { 1 } else { 2 },
                amount_cents: amount,
            }
        })
        .collect();
    let half_units: i32 = out.iter().map(|l| l.half_units).sum();
    if let Some(t) = plan.tiers.iter().filter(|t| half_units >= t.from_units * 2).max_by_key(|t| t.from_units) {
        // Every unit of the month, halves included, earns the tier.
        let amount = (t.per_unit_cents * i64::from(half_units) + 1).div_euclid(2);
        out.push(Line {
            kind: LineKind::Tier,
            opportunity_id: None,
            text: format!(
                "Tier from {} units: {} on each of {} units",
                t.from_units,
                money(t.per_unit_cents),
                f64::from(half_units) / 2.0
            ),
            half_units: 0,
            amount_cents: amount,
        });
    }
    if plan.csat_bonus_cents > 0
        && let Some(c) = csat_tenths
        && c >= plan.csat_min_tenths
    {
        out.push(Line {
            kind: LineKind::Csat,
            opportunity_id: None,
            text: format!(
                "CSAT bonus: average {:.1} (bar {:.1})",
                f64::from(c) / 10.0,
                f64::from(plan.csat_min_tenths) / 10.0
            ),
            half_units: 0,
            amount_cents: plan.csat_bonus_cents,
        });
    }
    for d in unwound {
        out.push(Line {
            kind: LineKind::Chargeback,
            opportunity_id: Some(d.id),
            text: format!("Chargeback: {} unwound", d.title),
            half_units: if d.split { -1 } else { -2 },
            amount_cents: -deal_pay(plan, d),
        });
    }
    out
}

pub fn total(lines: &[Line]) -> i64 {
    lines.iter().map(|l| l.amount_cents).sum()
}

/// The rep's statement for `month` (`YYYY-MM`): as approved when it was, else computed now.
pub fn statement(
    conn: &rusqlite::Connection,
    rep: Uuid,
    month: &str,
    offset_ms: i64,
) -> crate::error::Result<Statement> {
    use crate::error::CoreError;
    use crate::store::query;
    let first = chrono::NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d")
        .map_err(|_| CoreError::field("month", format!("{month:?} is not a month such as 2026-11")))?;
    let approved: Vec<Statement> = query(
        conn,
        "WHERE user_id = ?1 AND month = ?2 AND approved_at IS NOT NULL",
        [rep.to_string(), month.to_string()],
    )?;
    if let Some(s) = approved.into_iter().next() {
        return Ok(s);
    }
    let plans: Vec<CommissionPlan> = query(conn, "ORDER BY name", [])?;
    let plan = plans
        .into_iter()
        .find(|p| p.user_ids.contains(&rep))
        .ok_or_else(|| CoreError::field("plan", "this rep is on no commission plan; add them to one in Settings"))?;
    let ms =
        |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0) - offset_ms;
    let start = ms(first);
    let end = ms(first.checked_add_months(chrono::Months::new(1)).unwrap_or(first));
    let id = rep;
    let deals = super::load_deals_with(conn, true)?;
    let as_sold = |d: &super::Deal| SoldDeal {
        id: d.id,
        title: d.title.clone(),
        gross_cents: d.gross,
        split: d.halves_for(id) == 1,
    };
    let sold: Vec<SoldDeal> = deals
        .iter()
        .filter(|d| {
            d.status == crate::domain::OpportunityStatus::Won
                && d.involves(id)
                && d.closed.is_some_and(|c| c >= start && c < end)
        })
        .filter(|d| d.unwound.is_none_or(|u| u >= end))
        .map(as_sold)
        .collect();
    let unwound: Vec<SoldDeal> = deals
        .iter()
        .filter(|d| {
            d.status == crate::domain::OpportunityStatus::Won
                && d.involves(id)
                && d.unwound.is_some_and(|u| u >= start && u < end)
        })
        .filter(|d| d.closed.is_some_and(|c| c < start))
        .map(as_sold)
        .collect();
    let (n, sum): (i64, i64) = conn.query_row(
        "SELECT count(*), coalesce(sum(s.score), 0) FROM surveys s JOIN customers c ON c.id = s.customer_id
         WHERE s.kind = 'csat' AND c.owner_id = ?1 AND s.answered_at >= ?2 AND s.answered_at < ?3",
        rusqlite::params![
            id.to_string(),
            Timestamp::from_millis(start).to_string(),
            Timestamp::from_millis(end).to_string()
        ],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    // Average in tenths, half-up.
    let csat_tenths = (n > 0).then(|| ((sum * 10 * 2 + n) / (2 * n)) as i32);
    let lines = lines(&plan, &sold, &unwound, csat_tenths);
    Ok(Statement {
        id: Uuid::nil(),
        user_id: rep,
        month: month.trim().to_string(),
        plan_id: plan.id,
        total_cents: total(&lines),
        lines,
        approved_by: None,
        approved_at: None,
        created_at: Timestamp::now(),
    })
}

/// A manager approves a statement: it is stored as computed now and never changes after.
pub fn approve(
    store: &mut crate::store::Store,
    rep: Uuid,
    month: &str,
    offset_ms: i64,
) -> crate::error::Result<Statement> {
    super::require_manager(store, "approves commission statements")?;
    let mut s = statement(store.conn(), rep, month, offset_ms)?;
    if s.approved_at.is_some() {
        return Err(crate::error::CoreError::field("month", format!("the {month} statement is already approved")));
    }
    s.id = crate::domain::new_id();
    s.approved_by = store.acting_user();
    s.approved_at = Some(Timestamp::now());
    store.write(|w| w.insert(&s))?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Tier;

    fn plan() -> CommissionPlan {
        CommissionPlan {
            id: Uuid::nil(),
            name: "Standard".into(),
            flat_per_unit_cents: 100_00,
            gross_percent_bp: 2_500,
            minimum_per_deal_cents: 150_00,
            tiers: vec![Tier { from_units: 3, per_unit_cents: 50_00 }, Tier { from_units: 5, per_unit_cents: 100_00 }],
            csat_bonus_cents: 200_00,
            csat_min_tenths: 45,
            user_ids: vec![],
        }
    }

    fn d(n: u128, gross: Option<i64>, split: bool) -> SoldDeal {
        SoldDeal { id: Uuid::from_u128(n), title: format!("Deal {n}"), gross_cents: gross, split }
    }

    #[test]
    fn a_worked_month() {
        // Deal 1: $100 + 25% of $2,000.02 = $100 + $500.005 → $500.01 (half-up) = $600.01.
        // Deal 2: $100 + 25% of $100 = $125, below the $150 minimum → $150.
        // Deal 3: negative gross pays no percentage: $100 → minimum $150.
        // Deal 4: split: ($100 + 25% of $1,000) / 2 = $175.
        // Units: 1 + 1 + 1 + 0.5 = 3.5 → tier from 3 units: $50 × 3.5 = $175 on every unit.
        // CSAT 4.6 ≥ 4.5: $200. Total $600.01 + $150 + $150 + $175 + $175 + $200 = $1,450.01.
        let sold = vec![
            d(1, Some(2_000_02), false),
            d(2, Some(100_00), false),
            d(3, Some(-500_00), false),
            d(4, Some(1_000_00), true),
        ];
        let l = lines(&plan(), &sold, &[], Some(46));
        let amounts: Vec<i64> = l.iter().map(|x| x.amount_cents).collect();
        assert_eq!(amounts, [600_01, 150_00, 150_00, 175_00, 175_00, 200_00]);
        assert_eq!(total(&l), 1_450_01);
        assert_eq!(l[4].kind, LineKind::Tier);
        assert!(l[4].text.contains("3.5 units"), "{}", l[4].text);
    }

    #[test]
    fn tiers_are_retroactive_and_the_highest_reached_applies_chargebacks_take_back() {
        let sold: Vec<SoldDeal> = (0..5).map(|i| d(i, None, false)).collect();
        let l = lines(&plan(), &sold, &[d(9, Some(4_000_00), false)], Some(44));
        // 5 deals × $150 minimum; tier from 5: $100 × 5; no CSAT bonus at 4.4; chargeback of a
        // $1,100 deal ($100 + 25% of $4,000).
        assert_eq!(total(&l), 5 * 150_00 + 500_00 - 1_100_00);
        assert!(l.iter().all(|x| x.kind != LineKind::Csat));
        assert_eq!(l.last().unwrap().kind, LineKind::Chargeback);
        // No deals, no answers: an empty, zero statement.
        assert_eq!(total(&lines(&plan(), &[], &[], None)), 0);
    }
}
