//! Duplicates over the data already stored, and merging two customers field by field. A merge is
//! one transaction of ordinary recorded edits (so it syncs like any other change): the survivor
//! takes the fields the user chose from the other record, every lead, deal, task, timeline entry,
//! quote, order, test drive, survey, referral and walk-in of the other moves to the survivor, and
//! the other is marked deleted with `merged_into` pointing at the survivor.

use super::dedupe::{self, MatchReason, Person};
use crate::domain::*;
use crate::error::{CoreError, Result};
use crate::store::record::to_fields;
use crate::store::{Entity, Store, Writer, get, query};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DuplicatePair {
    pub a: Customer,
    pub b: Customer,
    pub reason: MatchReason,
}

/// Pairs of live customers that look like the same person, strongest evidence first.
///
/// Reads only the four match columns of every live customer (a dealership has thousands), and
/// loads whole records just for the pairs it returns.
pub fn possible_duplicates(conn: &rusqlite::Connection, region: &str, limit: usize) -> Result<Vec<DuplicatePair>> {
    let sql = format!(
        "SELECT id, first_name, last_name, email, phone FROM {} WHERE deleted_at IS NULL ORDER BY created_at",
        Customer::TABLE
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([])?;
    let (mut ids, mut keys) = (Vec::new(), Vec::new());
    while let Some(row) = rows.next()? {
        let Ok(id) = row.get::<_, String>(0)?.parse::<Uuid>() else { continue };
        ids.push(id);
        let text = |i: usize| row.get::<_, Option<String>>(i).map(Option::unwrap_or_default);
        let person = Person { first_name: text(1)?, last_name: text(2)?, email: text(3)?, phone: text(4)? };
        keys.push(dedupe::keys(&person, region));
    }
    let mut pairs = dedupe::find(&keys);
    drop(keys);
    let rank = |r: &MatchReason| match r {
        MatchReason::Email => 0,
        MatchReason::Phone => 1,
        MatchReason::NameAndContact => 2,
        MatchReason::Name => 3,
    };
    pairs.sort_by_key(|(a, b, r)| (rank(r), *a, *b));
    pairs
        .into_iter()
        .take(limit)
        .map(|(a, b, reason)| Ok(DuplicatePair { a: get(conn, ids[a])?, b: get(conn, ids[b])?, reason }))
        .collect()
}

/// The customer fields a merge lets the user pick from either record (notes are combined).
pub const MERGE_FIELDS: &[&str] = &[
    "owner_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "city",
    "region",
    "postal_code",
    "language",
    "birth_date",
    "consent",
    "preferences",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MergeRequest {
    /// The record that survives.
    pub keep: Uuid,
    /// The record merged into it.
    pub merge: Uuid,
    /// Fields whose value comes from `merge` instead of `keep`.
    pub take: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MergeReport {
    pub customer: Customer,
    /// Rows moved to the survivor, by kind ("2 leads", "14 timeline entries").
    pub moved: Vec<String>,
}

/// Points every `E` row whose `field` is `from` at `to`.
fn repoint<E: Entity>(w: &mut Writer<'_>, field: &str, from: Uuid, to: Uuid, now: Timestamp) -> Result<usize> {
    let rows: Vec<E> = query(w.conn(), &format!("WHERE {field} = ?1"), [from.to_string()])?;
    for old in &rows {
        let mut m = to_fields(old)?;
        m.insert(field.into(), Value::String(to.to_string()));
        if m.contains_key("updated_at") {
            m.insert("updated_at".into(), serde_json::to_value(now)?);
        }
        let new: E = serde_json::from_value(Value::Object(m))?;
        w.update(old, &new)?;
    }
    Ok(rows.len())
}

pub fn merge_customers(store: &mut Store, r: &MergeRequest) -> Result<MergeReport> {
    if r.keep == r.merge {
        return Err(CoreError::field("merge", "pick two different customers"));
    }
    if let Some(bad) = r.take.iter().find(|f| !MERGE_FIELDS.contains(&f.as_str())) {
        return Err(CoreError::field("take", format!("{bad:?} cannot be taken in a merge")));
    }
    let me = store.acting_user();
    store.write(|w| {
        let keep: Customer = w.get(r.keep).map_err(|_| CoreError::field("keep", "no such customer"))?;
        let other: Customer = w.get(r.merge).map_err(|_| CoreError::field("merge", "no such customer"))?;
        if keep.deleted_at.is_some() {
            return Err(CoreError::field("keep", "that customer was removed"));
        }
        if other.deleted_at.is_some() {
            return Err(CoreError::field("merge", "that customer was already removed or merged"));
        }
        let now = Timestamp::now_after(keep.updated_at.max(other.updated_at));
        let theirs = to_fields(&other)?;
        let mut fields = to_fields(&keep)?;
        for f in &r.take {
            fields.insert(f.clone(), theirs.get(f).cloned().unwrap_or(Value::Null));
        }
        let notes = match (keep.notes.trim(), other.notes.trim()) {
            (a, "") => a.to_string(),
            ("", b) => b.to_string(),
            (a, b) if a == b => a.to_string(),
            (a, b) => format!("{a}\n\n{b}"),
        };
        fields.insert("notes".into(), Value::String(notes));
        fields.insert("updated_at".into(), serde_json::to_value(now)?);
        let survivor: Customer = serde_json::from_value(Value::Object(fields))?;
        // The other gives up its contact first so two live records never share them.
        let mut gone = other.clone();
        gone.deleted_at = Some(now);
        gone.merged_into = Some(keep.id);
        gone.updated_at = now;
        w.update(&other, &gone)?;
        w.update(&keep, &survivor)?;
        let (from, to) = (other.id, keep.id);
        let mut moved = Vec::new();
        let mut note = |n: usize, one: &str, many: &str| {
            if n > 0 {
                moved.push(format!("{n} {}", if n == 1 { one } else { many }));
            }
        };
        note(repoint::<Lead>(w, "customer_id", from, to, now)?, "lead", "leads");
        note(repoint::<Opportunity>(w, "customer_id", from, to, now)?, "deal", "deals");
        repoint::<StageMove>(w, "customer_id", from, to, now)?;
        note(repoint::<Activity>(w, "customer_id", from, to, now)?, "task", "tasks");
        note(repoint::<Interaction>(w, "customer_id", from, to, now)?, "timeline entry", "timeline entries");
        note(repoint::<crate::quotes::Quote>(w, "customer_id", from, to, now)?, "quote", "quotes");
        note(repoint::<crate::quotes::SalesOrder>(w, "customer_id", from, to, now)?, "order", "orders");
        note(repoint::<TestDrive>(w, "customer_id", from, to, now)?, "test drive", "test drives");
        note(repoint::<Survey>(w, "customer_id", from, to, now)?, "survey answer", "survey answers");
        note(repoint::<Referral>(w, "customer_id", from, to, now)?, "referral", "referrals");
        repoint::<Referral>(w, "referrer_id", from, to, now)?;
        note(repoint::<super::floor::TrafficEntry>(w, "customer_id", from, to, now)?, "walk-in", "walk-ins");
        let kept: Vec<&str> = r.take.iter().map(String::as_str).collect();
        let summary = if kept.is_empty() {
            format!("Merged {} into this record", other.display_name())
        } else {
            format!(
                "Merged {} into this record, taking its {}",
                other.display_name(),
                kept.join(", ").replace('_', " ")
            )
        };
        w.insert(&Interaction::at(to, InteractionChannel::Note, Direction::Internal, summary, me, now))?;
        Ok(MergeReport { customer: survivor, moved })
    })
}
