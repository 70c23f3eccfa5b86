//! The showroom floor: the traffic log (every walk-in, even anonymous) and the up rotation. Reps
//! check in for the day and queue; the next up is the first checked-in rep without overdue
//! follow-ups; whoever takes an up goes to the back; a manager can reorder the queue. Shared with
//! the whole floor through sync (reps may write these two tables).

use super::inbox::Clock;
use crate::domain::{Timestamp, User, new_id};
use crate::error::{CoreError, FieldError, Result};
use crate::store::{Store, Writer, query};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// One walk-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TrafficEntry {
    pub id: Uuid,
    pub arrived_at: Timestamp,
    /// Who took the up.
    pub rep_id: Option<Uuid>,
    /// Empty when they did not give a name.
    pub name: String,
    pub party_size: i32,
    pub interest: String,
    pub customer_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    /// `""` while on the floor, then `lead`, `be-back`, `just looking`, `service`, `parts`...
    pub outcome: String,
    pub notes: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A rep's place in today's rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Checkin {
    pub id: Uuid,
    pub user_id: Uuid,
    #[ts(type = "string")]
    pub day: chrono::NaiveDate,
    /// Lower goes first; `None` once checked out.
    pub position: Option<i32>,
    pub checked_in_at: Timestamp,
    pub ups_taken: i32,
    pub updated_at: Timestamp,
}

/// The id of a rep's check-in on a day: derived from both, so two devices make the same row.
pub fn checkin_id(user: Uuid, day: chrono::NaiveDate) -> Uuid {
    Uuid::new_v5(&super::SETTINGS_ID, format!("checkin/{user}/{day}").as_bytes())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UpRep {
    pub user_id: Uuid,
    pub name: String,
    pub position: i32,
    pub ups_taken: i32,
    /// Open tasks due before today: the rotation skips them until those are done.
    #[ts(type = "number")]
    pub overdue_followups: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Rotation {
    #[ts(type = "string")]
    pub day: chrono::NaiveDate,
    /// Checked-in reps in order; the first without overdue follow-ups is up.
    pub queue: Vec<UpRep>,
    pub next_up: Option<Uuid>,
    /// Active reps not checked in (or checked out).
    pub off_floor: Vec<(Uuid, String)>,
    /// Today's walk-ins, newest first.
    pub traffic: Vec<TrafficEntry>,
}

fn today_checkins(conn: &rusqlite::Connection, day: chrono::NaiveDate) -> Result<Vec<Checkin>> {
    query(conn, "WHERE day = ?1", [day.to_string()])
}

/// Today's rotation and traffic.
pub fn rotation(conn: &rusqlite::Connection, clock: Clock) -> Result<Rotation> {
    let day = clock.local_day();
    let reps: Vec<User> = query(conn, "WHERE active = 1 AND role = 'rep' ORDER BY name", [])?;
    let checkins = today_checkins(conn, day)?;
    let mut queue = Vec::new();
    let mut off_floor = Vec::new();
    for u in &reps {
        match checkins.iter().find(|c| c.user_id == u.id).and_then(|c| c.position.map(|p| (p, c.ups_taken))) {
            Some((position, ups_taken)) => {
                let overdue_followups: i64 = conn.query_row(
                    "SELECT count(*) FROM activities WHERE owner_id = ?1 AND done_at IS NULL AND deleted_at IS NULL AND due_at < ?2",
                    rusqlite::params![u.id.to_string(), clock.start_of_day().to_string()],
                    |r| r.get(0),
                )?;
                queue.push(UpRep { user_id: u.id, name: u.name.clone(), position, ups_taken, overdue_followups });
            }
            None => off_floor.push((u.id, u.name.clone())),
        }
    }
    queue.sort_by_key(|r| (r.position, r.name.clone()));
    let next_up = queue.iter().find(|r| r.overdue_followups == 0).map(|r| r.user_id);
    let start = clock.start_of_day().to_string();
    let traffic = query(conn, "WHERE arrived_at >= ?1 ORDER BY arrived_at DESC", [start])?;
    Ok(Rotation { day, queue, next_up, off_floor, traffic })
}

fn back_of_queue(checkins: &[Checkin]) -> i32 {
    checkins.iter().filter_map(|c| c.position).max().unwrap_or(0) + 1
}

fn rep(w: &Writer<'_>, id: Uuid) -> Result<User> {
    let u: User = w.get(id).map_err(|_| CoreError::field("user_id", "no such rep"))?;
    if !u.active {
        return Err(CoreError::field("user_id", format!("{} is not active", u.name)));
    }
    Ok(u)
}

/// A rep may move only themselves; a manager moves anyone (and reorders the queue).
fn may_act_for(store: &Store, user: Uuid) -> Result<()> {
    if store.user_id() == Some(user) {
        return Ok(());
    }
    store.require_manager("user_id", "checks in or moves another rep")
}

/// Checks a rep in (to the back of the queue) or out for today.
pub fn check_in(store: &mut Store, user: Uuid, on_floor: bool, clock: Clock) -> Result<Rotation> {
    may_act_for(store, user)?;
    let day = clock.local_day();
    store.write(|w| {
        rep(w, user)?;
        let all = today_checkins(w.conn(), day)?;
        let back = back_of_queue(&all);
        match all.into_iter().find(|c| c.user_id == user) {
            Some(old) => {
                let mut new = old.clone();
                new.position = if on_floor { old.position.or(Some(back)) } else { None };
                if new != old {
                    new.updated_at = Timestamp::now_after(old.updated_at);
                    w.update(&old, &new)?;
                }
            }
            None if on_floor => w.insert(&Checkin {
                id: checkin_id(user, day),
                user_id: user,
                day,
                position: Some(back),
                checked_in_at: clock.now,
                ups_taken: 0,
                updated_at: clock.now,
            })?,
            None => {}
        }
        Ok(())
    })?;
    rotation(store.conn(), clock)
}

/// A manager's override: the queue in this order (every rep listed must be checked in).
pub fn reorder(store: &mut Store, order: &[Uuid], clock: Clock) -> Result<Rotation> {
    store.require_manager("order", "reorders the up rotation")?;
    let day = clock.local_day();
    store.write(|w| {
        let all = today_checkins(w.conn(), day)?;
        for (i, id) in order.iter().enumerate() {
            let Some(old) = all.iter().find(|c| c.user_id == *id && c.position.is_some()) else {
                return Err(CoreError::field(format!("order[{i}]"), "that rep is not checked in"));
            };
            let mut new = old.clone();
            new.position = Some(i as i32 + 1);
            if new != *old {
                new.updated_at = Timestamp::now_after(old.updated_at);
                w.update(old, &new)?;
            }
        }
        Ok(())
    })?;
    rotation(store.conn(), clock)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct WalkIn {
    pub name: String,
    pub party_size: i32,
    pub interest: String,
    pub notes: String,
    /// The rep taking the up; the next up when absent.
    pub rep_id: Option<Uuid>,
}

/// Logs a walk-in and gives the up to `rep_id` or the next up, who goes to the back of the queue.
/// Anyone may log traffic; with nobody checked in the walk-in is logged without a rep.
pub fn walk_in(store: &mut Store, d: &WalkIn, clock: Clock) -> Result<TrafficEntry> {
    let mut errors = Vec::new();
    let party_size = if d.party_size == 0 { 1 } else { d.party_size };
    if !(1..=20).contains(&party_size) {
        errors.push(FieldError::new("party_size", "must be between 1 and 20"));
    }
    if d.name.chars().count() > 120 {
        errors.push(FieldError::new("name", "is longer than 120 characters"));
    }
    if d.interest.chars().count() > 120 {
        errors.push(FieldError::new("interest", "is longer than 120 characters"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Validation(errors));
    }
    let rot = rotation(store.conn(), clock)?;
    let taker = match d.rep_id {
        Some(r) => {
            if !rot.queue.iter().any(|q| q.user_id == r) {
                let name: String = store
                    .conn()
                    .query_row("SELECT name FROM users WHERE id = ?1", [r.to_string()], |x| x.get(0))
                    .map_err(|_| CoreError::field("rep_id", "no such rep"))?;
                return Err(CoreError::field("rep_id", format!("{name} is not checked in on the floor")));
            }
            Some(r)
        }
        None => rot.next_up,
    };
    // A rep takes only their own up, and only when next (the server holds the same rule); a
    // manager (or the front desk signed in as one) gives it to anyone.
    if store.signed_in_as_rep()
        && let Some(t) = taker
        && (Some(t) != store.user_id() || rot.next_up != Some(t))
    {
        let next = rot.queue.iter().find(|q| Some(q.user_id) == rot.next_up).map(|q| q.name.clone());
        return Err(CoreError::field(
            "rep_id",
            match next {
                Some(n) if Some(t) != store.user_id() || rot.next_up != store.user_id() => {
                    format!("{n} is up; a rep takes only their own up when next (a manager gives out any up)")
                }
                _ => "a rep takes only their own up when next (a manager gives out any up)".to_string(),
            },
        ));
    }
    let day = clock.local_day();
    store.write(|w| {
        let e = TrafficEntry {
            id: new_id(),
            arrived_at: clock.now,
            rep_id: taker,
            name: d.name.trim().to_string(),
            party_size,
            interest: d.interest.trim().to_string(),
            customer_id: None,
            lead_id: None,
            outcome: String::new(),
            notes: d.notes.trim().to_string(),
            created_at: clock.now,
            updated_at: clock.now,
        };
        w.insert(&e)?;
        if let Some(t) = taker {
            let all = today_checkins(w.conn(), day)?;
            let back = back_of_queue(&all);
            if let Some(old) = all.iter().find(|c| c.user_id == t) {
                let mut new = old.clone();
                new.position = Some(back);
                new.ups_taken += 1;
                new.updated_at = Timestamp::now_after(old.updated_at);
                w.update(old, &new)?;
            }
        }
        Ok(e)
    })
}

/// Records how a walk-in ended (`lead`, `be-back`, `just looking`, `service`, `parts`, `other`).
pub fn set_outcome(store: &mut Store, id: Uuid, outcome: &str) -> Result<TrafficEntry> {
    const OUTCOMES: &[&str] = &["lead", "be-back", "just looking", "service", "parts", "other"];
    if !OUTCOMES.contains(&outcome) {
        return Err(CoreError::field("outcome", format!("choose one of: {}", OUTCOMES.join(", "))));
    }
    store.write(|w| {
        let old: TrafficEntry = w.get(id).map_err(|_| CoreError::field("id", "no such walk-in"))?;
        let mut new = old.clone();
        new.outcome = outcome.into();
        new.updated_at = Timestamp::now_after(old.updated_at);
        w.update(&old, &new)?;
        Ok(new)
    })
}
