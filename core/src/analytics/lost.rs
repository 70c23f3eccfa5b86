//! Lost deals: how many deals closed lost in a range, grouped by reason, by the competitor or
//! brand a "bought elsewhere" customer went to, by rep and by lead source, with what they were
//! worth. Each group's `key` drills down to its deals ([`super::drill`] with `what = "lost"`).

use super::load::load_deals;
use super::*;
use crate::domain::{OpportunityStatus, Timestamp, User};
use crate::error::Result;
use crate::store::query;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;
use uuid::Uuid;

/// One group of lost deals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LostGroup {
    /// What the drill-down filters on: the reason, the competitor key, the rep's id or the source.
    pub key: String,
    pub label: String,
    pub deals: u32,
    /// What the lost deals were worth (their amounts).
    #[ts(type = "number")]
    pub amount_cents: i64,
    /// Share of the lost deals, in tenths of a percent (rounded half-up).
    pub share_tenths: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LostReport {
    pub from: String,
    pub to: String,
    /// Deals closed lost in the range (a split deal counts once).
    pub lost: u32,
    #[ts(type = "number")]
    pub amount_cents: i64,
    /// Deals won in the range, for the win rate beside it.
    pub won: u32,
    /// Largest first, then by label.
    pub by_reason: Vec<LostGroup>,
    /// "Bought elsewhere" deals only, by where they went.
    pub by_competitor: Vec<LostGroup>,
    pub by_rep: Vec<LostGroup>,
    pub by_source: Vec<LostGroup>,
}

/// The grouping key of a competitor as typed: case and spacing do not split a group.
pub fn competitor_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[derive(Default)]
struct Tally {
    label: String,
    deals: u32,
    amount: i64,
}

fn groups(map: HashMap<String, Tally>, total: u32) -> Vec<LostGroup> {
    let mut out: Vec<LostGroup> = map
        .into_iter()
        .map(|(key, t)| LostGroup {
            key,
            label: t.label,
            deals: t.deals,
            amount_cents: t.amount,
            share_tenths: if total == 0 { 0 } else { (t.deals * 2000 + total) / (2 * total) },
        })
        .collect();
    out.sort_by(|a, b| b.deals.cmp(&a.deals).then_with(|| a.label.cmp(&b.label)));
    out
}

/// The lost-deals report of `q`'s range (and rep, when one is named).
pub fn lost_deals(conn: &Connection, q: &DashboardQuery, now: Timestamp, utc_offset_min: i32) -> Result<LostReport> {
    let span = q.span(now, utc_offset_min)?;
    let users: Vec<User> = query(conn, "", [])?;
    let name =
        |id: Uuid| users.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_else(|| "Former user".into());
    let deals = load_deals(conn)?;
    let in_range = |c: Option<i64>| c.is_some_and(|c| c >= span.from && c < span.to);
    let mine = |d: &&Deal| q.rep_id.is_none_or(|r| d.involves(r));
    let lost: Vec<&Deal> =
        deals.iter().filter(mine).filter(|d| d.status == OpportunityStatus::Lost && in_range(d.closed)).collect();
    let won = deals.iter().filter(mine).filter(|d| d.won_live() && in_range(d.closed)).count() as u32;
    let total = lost.len() as u32;
    let (mut reason, mut competitor, mut rep, mut source) =
        (HashMap::new(), HashMap::new(), HashMap::<String, Tally>::new(), HashMap::new());
    let add = |m: &mut HashMap<String, Tally>, key: String, label: String, amount: i64| {
        let t = m.entry(key).or_insert_with(|| Tally { label, ..Tally::default() });
        t.deals += 1;
        t.amount += amount;
    };
    for d in &lost {
        let r = if d.lost_reason.is_empty() { "Not recorded".to_string() } else { d.lost_reason.clone() };
        add(&mut reason, r.clone(), r, d.amount);
        if d.lost_reason.eq_ignore_ascii_case(crate::sync::rules::BOUGHT_ELSEWHERE.value) {
            let c = if d.competitor.trim().is_empty() { "Not recorded" } else { d.competitor.trim() };
            add(&mut competitor, competitor_key(c), c.to_string(), d.amount);
        }
        match d.owner {
            Some(o) => add(&mut rep, o.to_string(), name(o), d.amount),
            None => add(&mut rep, String::new(), "Nobody".into(), d.amount),
        }
        let s = if d.source.is_empty() { "(none)".to_string() } else { d.source.clone() };
        add(&mut source, s.clone(), s, d.amount);
    }
    let elsewhere: u32 = competitor.values().map(|t| t.deals).sum();
    Ok(LostReport {
        from: q.from.clone(),
        to: q.to.clone(),
        lost: total,
        amount_cents: lost.iter().map(|d| d.amount).sum(),
        won,
        by_reason: groups(reason, total),
        by_competitor: groups(competitor, elsewhere),
        by_rep: groups(rep, total),
        by_source: groups(source, total),
    })
}

/// The report as CSV: one line per group (`group,label,deals,amount,share`), for a spreadsheet.
pub fn lost_csv(r: &LostReport) -> String {
    let mut w = ::csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(["group", "label", "deals", "amount", "share_percent"]);
    for (group, list) in
        [("reason", &r.by_reason), ("competitor", &r.by_competitor), ("rep", &r.by_rep), ("source", &r.by_source)]
    {
        for g in list {
            let _ = w.write_record([
                group.to_string(),
                g.label.clone(),
                g.deals.to_string(),
                crate::desk::money::Money(g.amount_cents).to_string(),
                format!("{}.{}", g.share_tenths / 10, g.share_tenths % 10),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn competitor_names_group_whatever_their_case_and_spacing() {
        assert_eq!(competitor_key("  Harbor   Toyota "), "harbor toyota");
        assert_eq!(competitor_key("HARBOR TOYOTA"), competitor_key("harbor toyota"));
    }

    #[test]
    fn shares_round_half_up_in_tenths() {
        let mut m = HashMap::new();
        m.insert("a".to_string(), Tally { label: "A".into(), deals: 1, amount: 0 });
        m.insert("b".to_string(), Tally { label: "B".into(), deals: 2, amount: 0 });
        let g = groups(m, 3);
        assert_eq!((g[0].label.as_str(), g[0].share_tenths), ("B", 667));
        assert_eq!((g[1].label.as_str(), g[1].share_tenths), ("A", 333));
    }
}
