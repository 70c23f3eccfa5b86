//! Coaching: a manager's notes and goals for one rep, written after their 1:1s. The rep sees their
//! own on their dashboard; managers see every rep's. Entries live in the rep's own partition
//! (`coaching_notes`, [`crate::sync::rules`]), so the server sends them to that rep and the
//! managers only, and refuses a rep's write of one.

use crate::domain::{CoachingKind, CoachingNote, Role, Timestamp, User, new_id};
use crate::error::{CoreError, Result};
use crate::store::{Store, query};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// A new entry as the form sends it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CoachingDraft {
    pub rep_id: Option<Uuid>,
    /// `note` or `goal`.
    pub kind: String,
    pub body: String,
    /// A goal's date, `YYYY-MM-DD`, optional.
    pub due: String,
}

/// An entry as the screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CoachingRow {
    pub note: CoachingNote,
    pub author: String,
    /// A goal past its date and not met.
    pub overdue: bool,
}

fn kind_of(s: &str) -> Result<CoachingKind> {
    match s.trim().to_lowercase().as_str() {
        "note" | "" => Ok(CoachingKind::Note),
        "goal" => Ok(CoachingKind::Goal),
        other => Err(CoreError::field("kind", format!("{other:?} is neither a note nor a goal"))),
    }
}

/// A manager writes an entry for a rep. One transaction.
pub fn add(store: &mut Store, d: &CoachingDraft) -> Result<CoachingNote> {
    store.require_manager("rep_id", "writes coaching notes")?;
    let rep_id = d.rep_id.ok_or_else(|| CoreError::field("rep_id", "choose the rep this is for"))?;
    let rep: User = query::<User>(store.conn(), "WHERE id = ?1", [rep_id.to_string()])?
        .pop()
        .ok_or_else(|| CoreError::field("rep_id", "no such user"))?;
    if rep.role != Role::Rep {
        return Err(CoreError::field("rep_id", format!("{} is not a rep", rep.name)));
    }
    let kind = kind_of(&d.kind)?;
    let due = match d.due.trim() {
        "" => None,
        s => Some(
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| CoreError::field("due", format!("{s:?} is not a date such as 2026-12-15")))?,
        ),
    };
    let now = Timestamp::now();
    let mut note = CoachingNote {
        id: new_id(),
        rep_id,
        author_id: store.acting_user(),
        kind,
        body: d.body.clone(),
        due,
        done_at: None,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    note.validate().map_err(CoreError::Validation)?;
    store.write(|w| w.insert(&note))?;
    Ok(note)
}

/// A manager marks a goal met (or not yet).
pub fn set_done(store: &mut Store, id: Uuid, done: bool) -> Result<CoachingNote> {
    store.require_manager("done_at", "marks a coaching goal met")?;
    store.write(|w| {
        let old: CoachingNote = w.get(id).map_err(|_| CoreError::field("id", "no such coaching note"))?;
        if old.kind != CoachingKind::Goal {
            return Err(CoreError::field("done_at", "only a goal is met; a note is just kept"));
        }
        let now = Timestamp::now_after(old.updated_at);
        let new = CoachingNote {
            done_at: if done { old.done_at.or(Some(now)) } else { None },
            updated_at: now,
            ..old.clone()
        };
        if new != old {
            w.update(&old, &new)?;
        }
        Ok(new)
    })
}

/// A manager removes an entry (kept as deleted, so the removal syncs).
pub fn remove(store: &mut Store, id: Uuid) -> Result<()> {
    store.require_manager("id", "removes coaching notes")?;
    store.write(|w| {
        let old: CoachingNote = w.get(id).map_err(|_| CoreError::field("id", "no such coaching note"))?;
        let now = Timestamp::now_after(old.updated_at);
        w.update(&old, &CoachingNote { deleted_at: Some(now), updated_at: now, ..old.clone() })?;
        Ok(())
    })
}

/// The entries for `rep`, goals still open first (by date), then everything newest first. A rep
/// signed in on this device reads only their own.
pub fn list(store: &Store, rep: Uuid, today: NaiveDate) -> Result<Vec<CoachingRow>> {
    if store.signed_in_as_rep() && store.user_id() != Some(rep) {
        return Err(CoreError::field("rep_id", "a rep reads only their own coaching notes"));
    }
    let notes: Vec<CoachingNote> =
        query(store.conn(), "WHERE rep_id = ?1 AND deleted_at IS NULL ORDER BY created_at DESC", [rep.to_string()])?;
    let users: Vec<User> = query(store.conn(), "", [])?;
    let mut rows: Vec<CoachingRow> = notes
        .into_iter()
        .map(|n| CoachingRow {
            author: n
                .author_id
                .and_then(|a| users.iter().find(|u| u.id == a))
                .map(|u| u.name.clone())
                .unwrap_or_else(|| "A manager".into()),
            overdue: n.kind == CoachingKind::Goal && n.done_at.is_none() && n.due.is_some_and(|d| d < today),
            note: n,
        })
        .collect();
    let open_goal = |r: &CoachingRow| r.note.kind == CoachingKind::Goal && r.note.done_at.is_none();
    rows.sort_by(|a, b| {
        open_goal(b)
            .cmp(&open_goal(a))
            .then_with(|| match (open_goal(a), a.note.due, b.note.due) {
                (true, Some(x), Some(y)) => x.cmp(&y),
                (true, Some(_), None) => std::cmp::Ordering::Less,
                (true, None, Some(_)) => std::cmp::Ordering::Greater,
                _ => std::cmp::Ordering::Equal,
            })
            .then_with(|| b.note.created_at.cmp(&a.note.created_at))
    });
    Ok(rows)
}
