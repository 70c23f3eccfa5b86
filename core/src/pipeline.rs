//! The opportunity pipeline: stages (configurable; the default Sales pipeline follows a
//! dealership's process), moving a deal between stages by hand with its rules, automatic
//! progression from what happens (a completed test drive, a presented or accepted quote, a
//! completed delivery) that never moves a deal backwards, and the board with per-column totals.
//! Every move is one transaction and leaves a line in the customer's timeline with its reason.

use crate::domain::*;
use crate::error::{CoreError, FieldError, Result};
use crate::store::{Store, Writer, query};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;
use uuid::Uuid;

/// The default pipeline: (name, probability %, colour, idle days).
pub const DEFAULT_STAGES: &[(&str, i32, &str, i32)] = &[
    ("New", 10, "#8e8e93", 2),
    ("Contacted", 15, "#5e8bd6", 3),
    ("Needs analysis", 20, "#4f9dc9", 5),
    ("Vehicle selected", 30, "#3fa7a0", 5),
    ("Test drive", 40, "#47a86a", 4),
    ("Proposal", 50, "#8aa43a", 4),
    ("Negotiation", 60, "#c99a2e", 3),
    ("Financing", 75, "#d9822b", 3),
    ("Documentation", 85, "#d0672f", 2),
    ("Delivery scheduled", 95, "#b8552f", 3),
    ("Won", 100, "#2f9e44", 30),
    ("Lost", 0, "#c92a2a", 30),
];

pub const DEFAULT_PIPELINE: &str = "Sales";

/// Why a deal was lost; the Lost move asks for one.
pub const LOST_REASONS: &[&str] = &[
    "Bought elsewhere",
    "Price too high",
    "Financing declined",
    "Went quiet",
    "Trade value too low",
    "Timing",
    "Other",
];

/// The default stages have the same ids on every device, so a deal's stage means the same
/// everywhere before any stage was ever synced.
pub fn default_stage_id(position: usize) -> Uuid {
    Uuid::from_u128(0x5eed_57a6_e000_7000_8000_0000_0000_0000 + position as u128)
}

/// The default stages as records (local reference data: written without outbox records).
pub fn default_stages(now: Timestamp) -> Vec<PipelineStage> {
    DEFAULT_STAGES
        .iter()
        .enumerate()
        .map(|(i, (name, probability, colour, idle))| PipelineStage {
            id: default_stage_id(i),
            pipeline: DEFAULT_PIPELINE.into(),
            name: (*name).into(),
            position: i as i32,
            probability: *probability,
            colour: (*colour).into(),
            idle_days: *idle,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        })
        .collect()
}

/// Inserts the default pipeline when no stage exists yet (unrecorded: every device has it).
pub fn ensure_default_stages(store: &mut Store) -> Result<()> {
    if store.count::<PipelineStage>()? > 0 {
        return Ok(());
    }
    store.write_unrecorded(|w| {
        for s in default_stages(Timestamp::now()) {
            w.insert(&s)?;
        }
        Ok(())
    })
}

/// A pipeline's live stages in order.
pub fn stages(conn: &rusqlite::Connection, pipeline: &str) -> Result<Vec<PipelineStage>> {
    query(conn, "WHERE pipeline = ?1 AND deleted_at IS NULL ORDER BY position", [pipeline])
}

pub fn pipelines(conn: &rusqlite::Connection) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT DISTINCT pipeline FROM pipeline_stages WHERE deleted_at IS NULL ORDER BY pipeline")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

pub(crate) fn is_won(s: &PipelineStage) -> bool {
    s.name.eq_ignore_ascii_case("won")
}

pub(crate) fn is_lost(s: &PipelineStage) -> bool {
    s.name.eq_ignore_ascii_case("lost")
}

/// What moved a deal automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    TestDriveCompleted,
    QuotePresented,
    QuoteAccepted,
    DeliveryCompleted,
}

impl Progress {
    /// The stage this event moves a deal to.
    pub fn stage_name(self) -> &'static str {
        match self {
            Progress::TestDriveCompleted => "Test drive",
            Progress::QuotePresented => "Proposal",
            Progress::QuoteAccepted => "Documentation",
            Progress::DeliveryCompleted => "Won",
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Progress::TestDriveCompleted => "test drive completed",
            Progress::QuotePresented => "quote presented",
            Progress::QuoteAccepted => "quote accepted",
            Progress::DeliveryCompleted => "delivery completed",
        }
    }
}

/// A manual move as the board or the keyboard asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct MoveRequest {
    pub stage_id: Uuid,
    /// Required when moving to Lost: one of [`LOST_REASONS`].
    pub lost_reason: String,
    /// Where the customer bought instead: required when the reason is "Bought elsewhere".
    pub competitor: String,
    /// Optional words for the timeline.
    pub note: String,
}

/// Applies a stage change to `old`, returning the new record, or why not. Pure: the rules.
pub fn plan_move(
    old: &Opportunity,
    from: &PipelineStage,
    to: &PipelineStage,
    lost_reason: &str,
    competitor: &str,
    now: Timestamp,
) -> std::result::Result<Opportunity, FieldError> {
    if old.status != OpportunityStatus::Open {
        let what = if old.status == OpportunityStatus::Won { "won" } else { "lost" };
        return Err(FieldError::new("stage_id", format!("this deal is {what}; reopen it before moving it")));
    }
    if from.pipeline != to.pipeline {
        return Err(FieldError::new("stage_id", format!("{} is a stage of the {} pipeline", to.name, to.pipeline)));
    }
    if to.deleted_at.is_some() {
        return Err(FieldError::new("stage_id", format!("the stage {} was deleted", to.name)));
    }
    let mut new = old.clone();
    new.stage_id = to.id;
    new.stage_entered_at = Timestamp::now_after(old.stage_entered_at).max(now);
    new.updated_at = Timestamp::now_after(old.updated_at).max(now);
    if is_lost(to) {
        let reason = lost_reason.trim();
        if reason.is_empty() {
            return Err(FieldError::new("lost_reason", "pick why the deal was lost"));
        }
        if !LOST_REASONS.iter().any(|r| r.eq_ignore_ascii_case(reason)) {
            return Err(FieldError::new("lost_reason", format!("choose one of: {}", LOST_REASONS.join(", "))));
        }
        let reason = LOST_REASONS.iter().find(|r| r.eq_ignore_ascii_case(reason)).copied().unwrap_or(reason);
        let competitor = competitor.trim();
        if crate::sync::rules::BOUGHT_ELSEWHERE.broken_by(|f| match f {
            "lost_reason" => Some(reason.to_string()),
            "competitor" => Some(competitor.to_string()),
            _ => None,
        }) {
            return Err(FieldError::new("competitor", crate::sync::rules::BOUGHT_ELSEWHERE.message));
        }
        if competitor.chars().count() > 80 {
            return Err(FieldError::new("competitor", "at most 80 characters"));
        }
        new.status = OpportunityStatus::Lost;
        new.lost_reason = reason.to_string();
        new.competitor = if reason.eq_ignore_ascii_case(crate::sync::rules::BOUGHT_ELSEWHERE.value) {
            competitor.to_string()
        } else {
            String::new()
        };
        new.closed_at = Some(new.updated_at);
    } else if is_won(to) {
        new.status = OpportunityStatus::Won;
        new.closed_at = Some(new.updated_at);
    }
    Ok(new)
}

/// The timeline line of a move.
fn log_move(w: &mut Writer<'_>, o: &Opportunity, text: String, author: Option<Uuid>) -> Result<()> {
    w.insert(&Interaction::at(
        o.customer_id,
        InteractionChannel::Note,
        Direction::Internal,
        text,
        author,
        Timestamp::now(),
    ))
}

fn stage_of(w: &Writer<'_>, id: Uuid) -> Result<PipelineStage> {
    w.get::<PipelineStage>(id)
}

/// Moves a deal by hand. One transaction: the deal and its timeline line.
pub fn move_opportunity(store: &mut Store, id: Uuid, req: &MoveRequest) -> Result<Opportunity> {
    let author = store.acting_user();
    store.write(|w| {
        let old: Opportunity = w.get(id)?;
        let from = stage_of(w, old.stage_id)?;
        let to = stage_of(w, req.stage_id).map_err(|_| CoreError::field("stage_id", "no such stage"))?;
        if from.id == to.id {
            return Ok(old);
        }
        let new = plan_move(&old, &from, &to, &req.lost_reason, &req.competitor, Timestamp::now())
            .map_err(|e| CoreError::Validation(vec![e]))?;
        w.update(&old, &new)?;
        let mut text = format!("{}: moved from {} to {}", old.title, from.name, to.name);
        if !new.lost_reason.is_empty() && new.status == OpportunityStatus::Lost {
            match new.competitor.as_str() {
                "" => text.push_str(&format!(" ({})", new.lost_reason)),
                c => text.push_str(&format!(" ({}: {c})", new.lost_reason)),
            }
        }
        if !req.note.trim().is_empty() {
            text.push_str(&format!(". {}", req.note.trim()));
        }
        log_move(w, &new, text, author)?;
        Ok(new)
    })
}

/// Moves a deal forward because of `event`, inside the caller's transaction: only an open deal,
/// only forwards, only when its pipeline has the stage. Returns whether it moved.
pub fn progress(w: &mut Writer<'_>, opportunity: Uuid, event: Progress, author: Option<Uuid>) -> Result<bool> {
    let Ok(old) = w.get::<Opportunity>(opportunity) else { return Ok(false) };
    if old.status != OpportunityStatus::Open {
        return Ok(false);
    }
    let from = stage_of(w, old.stage_id)?;
    let all = stages(w.conn(), &from.pipeline)?;
    let Some(to) = all.iter().find(|s| s.name.eq_ignore_ascii_case(event.stage_name())) else { return Ok(false) };
    if to.position <= from.position {
        return Ok(false);
    }
    let new = plan_move(&old, &from, to, "", "", Timestamp::now()).map_err(|e| CoreError::Validation(vec![e]))?;
    w.update(&old, &new)?;
    log_move(
        w,
        &new,
        format!("{}: moved from {} to {} automatically ({})", old.title, from.name, to.name, event.reason()),
        author,
    )?;
    Ok(true)
}

/// Board filters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct BoardFilter {
    pub pipeline: Option<String>,
    pub owner_id: Option<Uuid>,
    /// Lead source (e.g. "Website", "Walk-in") of the deal's lead.
    pub source: Option<String>,
    /// Deals created on or after this day (`YYYY-MM-DD`).
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    /// Include won and lost deals closed in the last 30 days (default: open only, plus recent closes).
    pub include_closed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Card {
    pub opportunity: Opportunity,
    pub customer: String,
    pub vehicle: Option<String>,
    #[ts(type = "number")]
    pub days_in_stage: i64,
    pub going_cold: bool,
    /// The next open activity: subject and due time.
    pub next_activity: Option<String>,
    pub next_due: Option<Timestamp>,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Column {
    pub stage: PipelineStage,
    #[ts(type = "number")]
    pub count: i64,
    #[ts(type = "number")]
    pub total_cents: i64,
    /// Sum of amount × stage probability over the column's open deals, rounded half-up to the cent
    /// (a closed deal shown with "include closed" adds to the count and total, not the weight).
    #[ts(type = "number")]
    pub weighted_cents: i64,
    pub cards: Vec<Card>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Board {
    pub pipeline: String,
    pub pipelines: Vec<String>,
    pub columns: Vec<Column>,
    pub owners: Vec<(Uuid, String)>,
    pub sources: Vec<String>,
    pub lost_reasons: Vec<String>,
    /// The lost reason that must name where the customer bought (rules::BOUGHT_ELSEWHERE): the
    /// Lost dialog asks for the competitor when this one is picked.
    pub competitor_reason: String,
}

/// amount × probability / 100, half-up to the cent.
pub fn weighted(amount_cents: i64, probability: i32) -> i64 {
    let p = i128::from(amount_cents) * i128::from(probability);
    ((p + 50).div_euclid(100)) as i64
}

/// The board: every stage of the pipeline with its deals, counts and totals.
pub fn board(conn: &rusqlite::Connection, f: &BoardFilter, now: Timestamp) -> Result<Board> {
    let pipeline = f.pipeline.clone().unwrap_or_else(|| DEFAULT_PIPELINE.to_string());
    let stage_list = stages(conn, &pipeline)?;
    let mut sql = String::from(
        "SELECT o.id FROM opportunities o LEFT JOIN leads l ON l.id = o.lead_id
         WHERE o.deleted_at IS NULL AND o.stage_id IN (SELECT id FROM pipeline_stages WHERE pipeline = ?1)",
    );
    let mut args: Vec<rusqlite::types::Value> = vec![pipeline.clone().into()];
    if let Some(owner) = f.owner_id {
        args.push(owner.to_string().into());
        sql.push_str(&format!(" AND o.owner_id = ?{}", args.len()));
    }
    if let Some(src) = f.source.as_ref().filter(|s| !s.is_empty()) {
        args.push(src.clone().into());
        sql.push_str(&format!(" AND l.source = ?{}", args.len()));
    }
    if let Some(from) = f.created_from.as_ref().filter(|s| !s.is_empty()) {
        args.push(from.clone().into());
        sql.push_str(&format!(" AND o.created_at >= ?{}", args.len()));
    }
    if let Some(to) = f.created_to.as_ref().filter(|s| !s.is_empty()) {
        args.push(format!("{to}T23:59:59.999Z").into());
        sql.push_str(&format!(" AND o.created_at <= ?{}", args.len()));
    }
    let recent = Timestamp::from_millis(now.millis() - 30 * 86_400_000).to_string();
    if f.include_closed {
        args.push(recent.into());
        sql.push_str(&format!(" AND (o.status = 'open' OR o.closed_at >= ?{})", args.len()));
    } else {
        sql.push_str(" AND o.status = 'open'");
    }
    let ids: Vec<String> = {
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(0))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let mut opps: Vec<Opportunity> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks = (1..=chunk.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(",");
        opps.extend(query::<Opportunity>(
            conn,
            &format!("WHERE id IN ({marks})"),
            rusqlite::params_from_iter(chunk.iter()),
        )?);
    }
    let names = lookup(conn, "SELECT id, first_name || ' ' || last_name FROM customers")?;
    let vehicles = lookup(conn, "SELECT id, year || ' ' || make || ' ' || model FROM vehicles")?;
    let users = lookup(conn, "SELECT id, name FROM users")?;
    let mut next: HashMap<String, (String, Timestamp)> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT opportunity_id, subject, MIN(due_at) FROM activities
             WHERE done_at IS NULL AND deleted_at IS NULL AND opportunity_id IS NOT NULL GROUP BY opportunity_id",
        )?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        for row in rows {
            let (o, subject, due) = row?;
            if let Some(due) = Timestamp::parse(&due) {
                next.insert(o, (subject, due));
            }
        }
    }
    let mut columns: Vec<Column> = stage_list
        .iter()
        .map(|s| Column { stage: s.clone(), count: 0, total_cents: 0, weighted_cents: 0, cards: Vec::new() })
        .collect();
    let index: HashMap<Uuid, usize> = stage_list.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    // Newest in the stage first: a card just moved lands at the top of its column, where the rep
    // sees it; the ones that sat longest are flagged "going cold" wherever they are.
    opps.sort_by_key(|o| std::cmp::Reverse(o.stage_entered_at));
    for o in opps {
        let Some(&ci) = index.get(&o.stage_id) else { continue };
        let col = &mut columns[ci];
        let days = (now.millis() - o.stage_entered_at.millis()).max(0) / 86_400_000;
        let going_cold = o.status == OpportunityStatus::Open && days > i64::from(col.stage.idle_days);
        let key = o.id.to_string();
        let (next_activity, next_due) = match next.get(&key) {
            Some((s, d)) => (Some(s.clone()), Some(*d)),
            None => (None, None),
        };
        col.count += 1;
        col.total_cents += o.amount_cents;
        // Weighted pipeline is what may still close: a won or lost deal shown on the board is not.
        if o.status == OpportunityStatus::Open {
            col.weighted_cents += weighted(o.amount_cents, col.stage.probability);
        }
        col.cards.push(Card {
            customer: names.get(&o.customer_id.to_string()).cloned().unwrap_or_default(),
            vehicle: o.vehicle_id.and_then(|v| vehicles.get(&v.to_string()).cloned()),
            owner: o.owner_id.and_then(|u| users.get(&u.to_string()).cloned()),
            days_in_stage: days,
            going_cold,
            next_activity,
            next_due,
            opportunity: o,
        });
    }
    let mut owners: Vec<(Uuid, String)> =
        users.iter().filter_map(|(id, n)| id.parse().ok().map(|u| (u, n.clone()))).collect();
    owners.sort_by(|a, b| a.1.cmp(&b.1));
    let sources = {
        let mut stmt = conn.prepare("SELECT DISTINCT source FROM leads WHERE source != '' ORDER BY source")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()?
    };
    Ok(Board {
        pipelines: pipelines(conn)?,
        pipeline,
        columns,
        owners,
        sources,
        lost_reasons: LOST_REASONS.iter().map(|s| s.to_string()).collect(),
        competitor_reason: crate::sync::rules::BOUGHT_ELSEWHERE.value.to_string(),
    })
}

fn lookup(conn: &rusqlite::Connection, sql: &str) -> Result<HashMap<String, String>> {
    let mut stmt = conn.prepare(sql)?;
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default())))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Saves a stage (new or edited) of a pipeline. Deleting a stage that holds deals is refused.
pub fn save_stage(store: &mut Store, mut stage: PipelineStage) -> Result<PipelineStage> {
    stage.validate().map_err(CoreError::Validation)?;
    store.write(|w| {
        match w.get::<PipelineStage>(stage.id) {
            Ok(old) => {
                if stage.deleted_at.is_some() && old.deleted_at.is_none() {
                    let n: i64 = w.conn().query_row(
                        "SELECT COUNT(*) FROM opportunities WHERE stage_id = ?1 AND deleted_at IS NULL",
                        [stage.id.to_string()],
                        |r| r.get(0),
                    )?;
                    if n > 0 {
                        return Err(CoreError::field(
                            "stage",
                            format!("{} holds {n} deals; move them to another stage first", old.name),
                        ));
                    }
                }
                stage.updated_at = Timestamp::now_after(old.updated_at);
                w.update(&old, &stage)?;
            }
            Err(CoreError::NotFound { .. }) => {
                let now = Timestamp::now();
                stage.created_at = now;
                stage.updated_at = now;
                w.insert(&stage)?;
            }
            Err(e) => return Err(e),
        }
        Ok(stage.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opp(stage: Uuid) -> Opportunity {
        let t = Timestamp::from_millis(1_000);
        Opportunity {
            id: Uuid::from_u128(1),
            customer_id: Uuid::from_u128(2),
            lead_id: None,
            vehicle_id: None,
            stage_id: stage,
            title: "2024 Ford F-150".into(),
            amount_cents: 5_000_000,
            owner_id: None,
            status: OpportunityStatus::Open,
            expected_close: None,
            lost_reason: String::new(),
            stage_entered_at: t,
            closed_at: None,
            created_at: t,
            updated_at: t,
            deleted_at: None,
            gross_cents: None,
            co_owner_id: None,
            unwound_at: None,
            competitor: String::new(),
            source: String::new(),
            channel: None,
        }
    }

    #[test]
    fn moves_follow_the_rules() {
        let s = default_stages(Timestamp::from_millis(0));
        let now = Timestamp::from_millis(10_000);
        let o = opp(s[0].id);
        let moved = plan_move(&o, &s[0], &s[4], "", "", now).unwrap();
        assert_eq!((moved.stage_id, moved.status), (s[4].id, OpportunityStatus::Open));
        assert!(moved.stage_entered_at >= now);
        // Lost needs a reason from the list.
        assert_eq!(plan_move(&o, &s[0], &s[11], "", "", now).unwrap_err().field, "lost_reason");
        assert!(plan_move(&o, &s[0], &s[11], "aliens", "", now).unwrap_err().message.contains("choose one of"));
        let lost = plan_move(&o, &s[0], &s[11], "price too high", "", now).unwrap();
        assert_eq!(lost.status, OpportunityStatus::Lost);
        assert!(lost.closed_at.is_some());
        // Won closes it; a won deal does not move.
        let won = plan_move(&o, &s[9], &s[10], "", "", now).unwrap();
        assert_eq!(won.status, OpportunityStatus::Won);
        let err = plan_move(&won, &s[10], &s[3], "", "", now).unwrap_err();
        assert!(err.message.contains("won; reopen"), "{err:?}");
        // Another pipeline's stage is refused.
        let mut fleet = s[2].clone();
        fleet.pipeline = "Fleet".into();
        assert!(plan_move(&o, &s[0], &fleet, "", "", now).unwrap_err().message.contains("Fleet pipeline"));
    }

    #[test]
    fn weighted_amounts_round_half_up_to_the_cent() {
        assert_eq!(weighted(5_000_000, 40), 2_000_000);
        assert_eq!(weighted(1, 50), 1); // 0.5 cent → 1
        assert_eq!(weighted(1, 49), 0);
        assert_eq!(weighted(0, 100), 0);
    }

    #[test]
    fn default_stage_ids_are_stable_and_distinct() {
        let a = default_stages(Timestamp::from_millis(0));
        let b = default_stages(Timestamp::from_millis(99));
        assert_eq!(a.iter().map(|s| s.id).collect::<Vec<_>>(), b.iter().map(|s| s.id).collect::<Vec<_>>());
        let mut ids: Vec<_> = a.iter().map(|s| s.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), DEFAULT_STAGES.len());
        for e in [
            Progress::TestDriveCompleted,
            Progress::QuotePresented,
            Progress::QuoteAccepted,
            Progress::DeliveryCompleted,
        ] {
            assert!(DEFAULT_STAGES.iter().any(|s| s.0 == e.stage_name()));
        }
    }
}

/// A new deal for a customer (from the customer panel or a converted lead).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct OpportunityDraft {
    pub customer_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub vehicle_id: Option<Uuid>,
    pub title: String,
    /// Dollars as typed ("42,500"); empty means the vehicle's price or 0.
    pub amount: String,
    /// The first stage of the default pipeline when absent.
    pub stage_id: Option<Uuid>,
}

pub fn create_opportunity(store: &mut Store, d: &OpportunityDraft) -> Result<Opportunity> {
    let owner = store.acting_user();
    store.write(|w| open_deal(w, d, owner))
}

/// Opens a deal inside the caller's transaction (a lead's conversion does it with the rest).
pub(crate) fn open_deal(w: &mut Writer<'_>, d: &OpportunityDraft, owner: Option<Uuid>) -> Result<Opportunity> {
    {
        let customer: Customer =
            w.get(d.customer_id).map_err(|_| CoreError::field("customer_id", "no such customer"))?;
        let vehicle = match d.vehicle_id {
            Some(v) => Some(w.get::<Vehicle>(v).map_err(|_| CoreError::field("vehicle_id", "no such vehicle"))?),
            None => None,
        };
        let stage = match d.stage_id {
            Some(s) => w.get::<PipelineStage>(s).map_err(|_| CoreError::field("stage_id", "no such stage"))?,
            None => stages(w.conn(), DEFAULT_PIPELINE)?
                .into_iter()
                .next()
                .ok_or_else(|| CoreError::field("stage_id", "the pipeline has no stages; add them in Settings"))?,
        };
        let amount_cents = if d.amount.trim().is_empty() {
            vehicle.as_ref().map(|v| v.price_cents).unwrap_or(0)
        } else {
            crate::desk::money::Money::parse(&d.amount).map_err(|e| CoreError::field("amount", e))?.cents()
        };
        let title = if d.title.trim().is_empty() {
            vehicle.as_ref().map(|v| v.title()).unwrap_or_else(|| "New deal".into())
        } else {
            d.title.trim().to_string()
        };
        let now = Timestamp::now();
        // Attribution: the deal's lead, else the customer's latest lead.
        let lead: Option<Lead> = match d.lead_id {
            Some(l) => w.get::<Lead>(l).ok(),
            None => query::<Lead>(
                w.conn(),
                "WHERE customer_id = ?1 AND deleted_at IS NULL ORDER BY received_at DESC LIMIT 1",
                [customer.id.to_string()],
            )?
            .pop(),
        };
        let mut o = Opportunity {
            id: new_id(),
            customer_id: customer.id,
            lead_id: d.lead_id,
            vehicle_id: d.vehicle_id,
            stage_id: stage.id,
            title,
            amount_cents,
            owner_id: customer.owner_id.or(owner),
            status: OpportunityStatus::Open,
            expected_close: Some(Timestamp::from_millis(now.millis() + 30 * 86_400_000).date()),
            lost_reason: String::new(),
            stage_entered_at: now,
            closed_at: None,
            created_at: now,
            updated_at: now,
            deleted_at: None,
            gross_cents: None,
            co_owner_id: None,
            unwound_at: None,
            competitor: String::new(),
            source: lead.as_ref().map(|l| l.source.clone()).unwrap_or_default(),
            channel: lead.as_ref().map(|l| l.channel),
        };
        o.validate().map_err(CoreError::Validation)?;
        w.insert(&o)?;
        log_move(w, &o, format!("{}: new deal in {}", o.title, stage.name), owner)?;
        Ok(o)
    }
}

/// A manager shares a deal with a second rep (each gets half the unit and half the commission),
/// or ends the split with `None`. One transaction: the deal and its timeline line.
pub fn set_split(store: &mut Store, id: Uuid, co_owner: Option<Uuid>) -> Result<Opportunity> {
    store.require_manager("co_owner_id", "splits a deal")?;
    let author = store.acting_user();
    store.write(|w| {
        let old: Opportunity = w.get(id).map_err(|_| CoreError::field("id", "no such deal"))?;
        if old.deleted_at.is_some() {
            return Err(CoreError::field("id", "this deal was deleted"));
        }
        if old.co_owner_id == co_owner {
            return Ok(old);
        }
        let named = match co_owner {
            Some(u) => {
                let user: User = w.get(u).map_err(|_| CoreError::field("co_owner_id", "no such user"))?;
                if !user.active {
                    return Err(CoreError::field("co_owner_id", format!("{} is no longer active", user.name)));
                }
                if old.owner_id == Some(u) {
                    return Err(CoreError::field("co_owner_id", format!("{} already owns this deal", user.name)));
                }
                Some(user.name)
            }
            None => None,
        };
        let new =
            Opportunity { co_owner_id: co_owner, updated_at: Timestamp::now_after(old.updated_at), ..old.clone() };
        w.update(&old, &new)?;
        let text = match named {
            Some(n) => format!("{}: split with {n} (half the unit and half the commission each)", new.title),
            None => format!("{}: split removed; the deal is its owner's alone", new.title),
        };
        log_move(w, &new, text, author)?;
        Ok(new)
    })
}

/// A manager unwinds a sold deal (financing fell through, the car came back): the deal reads
/// unwound from now (a chargeback on this month's statement, out of units sold), the vehicle is
/// back in stock, and the timeline says why. One transaction.
pub fn unwind(store: &mut Store, id: Uuid, reason: &str) -> Result<Opportunity> {
    store.require_manager("unwound_at", "unwinds a deal")?;
    let reason = crate::domain::validate::reason("unwind_reason", reason, "say why the deal unwound")?;
    let author = store.acting_user();
    store.write(|w| {
        let old: Opportunity = w.get(id).map_err(|_| CoreError::field("id", "no such deal"))?;
        if old.status != OpportunityStatus::Won {
            return Err(CoreError::field("unwound_at", "only a sold deal unwinds; lose an open deal instead"));
        }
        if let Some(at) = old.unwound_at {
            return Err(CoreError::field("unwound_at", format!("this deal already unwound on {}", at.date())));
        }
        let now = Timestamp::now_after(old.updated_at);
        let new = Opportunity { unwound_at: Some(now), updated_at: now, ..old.clone() };
        w.update(&old, &new)?;
        if let Some(vid) = old.vehicle_id
            && let Ok(v) = w.get::<Vehicle>(vid)
            && matches!(v.status, VehicleStatus::Sold | VehicleStatus::OnHold)
        {
            let back = Vehicle {
                status: VehicleStatus::Available,
                updated_at: Timestamp::now_after(v.updated_at),
                ..v.clone()
            };
            w.update(&v, &back)?;
        }
        log_move(w, &new, format!("{}: deal unwound ({reason})", new.title), author)?;
        Ok(new)
    })
}
