//! Drill-down: the records behind a number of the dashboard.

use super::load::load_deals_with;
use super::*;
use crate::domain::OpportunityStatus;
use crate::domain::{Timestamp, User};
use crate::error::Result;
use crate::store::query;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

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
    /// Lost deals of this reason only.
    #[serde(default)]
    pub reason: Option<String>,
    /// Lost deals to this competitor only.
    #[serde(default)]
    pub competitor: Option<String>,
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
        .filter(|d| q.reason.as_ref().is_none_or(|r| d.lost_reason.eq_ignore_ascii_case(r)))
        .filter(|d| q.competitor.as_ref().is_none_or(|c| super::lost::competitor_key(&d.competitor) == *c))
        .filter(|d| match q.what.as_str() {
            "sold" => d.won_live() && d.closed.is_some_and(|c| c >= span.from && c < span.to),
            "lost" => d.status == OpportunityStatus::Lost && d.closed.is_some_and(|c| c >= span.from && c < span.to),
            "open" => d.status == OpportunityStatus::Open,
            "cold" => {
                d.status == OpportunityStatus::Open
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
            title: match (d.status, d.lost_reason.as_str(), d.competitor.as_str()) {
                (OpportunityStatus::Lost, "", _) => d.title.clone(),
                (OpportunityStatus::Lost, r, "") => format!("{} · {r}", d.title),
                (OpportunityStatus::Lost, r, c) => format!("{} · {r}: {c}", d.title),
                _ => d.title.clone(),
            },
            amount_cents: d.amount,
            date: Timestamp::from_millis(d.closed.unwrap_or(d.created)).to_string(),
            rep: name(d.owner.map(|o| o.to_string()).as_deref()),
        })
        .collect();
    out.sort_by(|a, b| b.date.cmp(&a.date));
    Ok(out)
}
