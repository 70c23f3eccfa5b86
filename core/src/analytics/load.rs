//! Reading the records the numbers need, once and fast: deals (one scan), stage history, lead
//! arrival times, and completed activities per rep from the per-day rollup.

use super::{ActivityCounts, DAY, forecast};
use crate::domain::{OpportunityStatus, Timestamp};
use crate::error::Result;
use rusqlite::Connection;
use std::collections::HashMap;
use uuid::Uuid;

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
    pub status: OpportunityStatus,
    pub amount: i64,
    pub gross: Option<i64>,
    pub created: i64,
    pub closed: Option<i64>,
    pub unwound: Option<i64>,
    pub stage: Uuid,
    pub stage_entered: i64,
    pub source: String,
    pub channel: String,
    /// Why it was lost and where the customer bought instead (empty unless lost).
    pub lost_reason: String,
    pub competitor: String,
}

impl Deal {
    pub(crate) fn won_live(&self) -> bool {
        self.status == OpportunityStatus::Won && self.unwound.is_none()
    }
    /// The unit credit of `rep` on this deal, in halves.
    pub(crate) fn halves_for(&self, rep: Uuid) -> i64 {
        let owns = self.owner == Some(rep);
        let co = self.co_owner == Some(rep);
        match (owns, co, self.co_owner.is_some()) {
            (true, _, false) => 2,
            (true, _, true) | (false, true, _) => 1,
            _ => 0,
        }
    }
    pub(crate) fn involves(&self, rep: Uuid) -> bool {
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
                source, coalesce(channel, ''),
                CASE WHEN status = 'lost' THEN lost_reason ELSE '' END,
                CASE WHEN status = 'lost' THEN competitor ELSE '' END
         FROM opportunities WHERE deleted_at IS NULL",
    )?;
    let mut rows = stmt.query([titles])?;
    let mut out = Vec::with_capacity(1024);
    let id = |v: rusqlite::types::ValueRef<'_>| v.as_str().ok().and_then(|s| Uuid::parse_str(s).ok());
    let ms = |v: rusqlite::types::ValueRef<'_>| v.as_str().ok().and_then(fast_ms);
    while let Some(r) = rows.next()? {
        let status = match r.get_ref(5)?.as_str().unwrap_or("") {
            "won" => OpportunityStatus::Won,
            "lost" => OpportunityStatus::Lost,
            _ => OpportunityStatus::Open,
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
            lost_reason: r.get(15)?,
            competitor: r.get(16)?,
        });
    }
    Ok(out)
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

/// When each live lead of a known customer arrived (one rep's, or everyone's), for the forecast's
/// seasons. Cards collected at a show without a customer are prospects: a burst of them says
/// little about the month's buyers, so they are left out.
pub fn lead_times(conn: &Connection, rep: Option<Uuid>) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT received_at FROM leads WHERE deleted_at IS NULL AND merged_into IS NULL
           AND customer_id IS NOT NULL AND (?1 IS NULL OR assignee_id = ?1)",
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

pub(crate) fn fact(
    d: &Deal,
    stages: &[crate::domain::PipelineStage],
    paths: &HashMap<Uuid, Vec<forecast::Visit>>,
) -> forecast::DealFact {
    forecast::DealFact {
        created_ms: d.created,
        closed_ms: if d.status == OpportunityStatus::Open { None } else { d.closed },
        won: d.status == OpportunityStatus::Won && d.unwound.is_none(),
        amount_cents: d.amount,
        source: d.source.clone(),
        stage_probability: (d.status == OpportunityStatus::Open)
            .then(|| stages.iter().find(|s| s.id == d.stage).map(|s| f64::from(s.probability) / 100.0))
            .flatten(),
        path: paths.get(&d.id).cloned().unwrap_or_default(),
    }
}
