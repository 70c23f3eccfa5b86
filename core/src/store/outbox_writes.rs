//! The outbox: local changes the server has not acknowledged yet, in push order. It keeps ONE
//! record per row write (`outbox_writes`): the fields written together share their table, row,
//! HLC, device and user, stored once. Each field's change id is the write id (a v7 uuid) with the
//! field's index in its last byte, so an acknowledgement or a refusal, which names change ids, finds
//! its write by the write id's unique key without an index entry per field. A write leaves once
//! every one of its fields was acknowledged or refused. `outbox` is a view of one row per change
//! (for reading by hand and by tests).

use super::ChangeRecord;
use crate::error::{CoreError, Result};
use crate::sync::Hlc;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The most fields one write can hold (its index is one byte).
pub const MAX_FIELDS: usize = 256;

/// The write a change id belongs to, and the field's index in it.
pub fn write_of(change_id: Uuid) -> (Uuid, u8) {
    let mut bytes = *change_id.as_bytes();
    let index = bytes[15];
    bytes[15] = 0;
    (Uuid::from_bytes(bytes), index)
}

/// The change id of the field at `index` of `write`.
pub fn change_id(write: Uuid, index: u8) -> Uuid {
    let mut bytes = *write.as_bytes();
    bytes[15] = index;
    Uuid::from_bytes(bytes)
}

/// A write's fields and values in the form the outbox stores them (`fields`): `[[index, field,
/// value], ...]`, a field named by its number ([`super::field_numbers`]) or spelt.
pub(super) fn entries(fields: &[(&str, &Value)]) -> Result<String> {
    let entries: Vec<(usize, Field, &Value)> =
        fields.iter().enumerate().map(|(i, (f, v))| (i, Field::of(f), *v)).collect();
    Ok(serde_json::to_string(&entries)?)
}

/// A field's name as an outbox entry holds it.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    Number(u16),
    Spelt(String),
}

impl Field {
    fn of(name: &str) -> Field {
        super::field_numbers::number_of(name).map_or_else(|| Field::Spelt(name.to_string()), Field::Number)
    }

    fn name(self) -> Result<String> {
        match self {
            Field::Spelt(s) => Ok(s),
            Field::Number(n) => {
                super::field_numbers::name_of(n).map(str::to_string).ok_or_else(|| bad("field number", &n.to_string()))
            }
        }
    }
}

impl serde::Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Field::Number(n) => s.serialize_u16(*n),
            Field::Spelt(name) => s.serialize_str(name),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Field, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Field;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field's number or name")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> std::result::Result<Field, E> {
                u16::try_from(n).map(Field::Number).map_err(|_| E::custom(format!("field number {n}")))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<Field, E> {
                Ok(Field::Spelt(s.to_string()))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Records one write of `count` fields of one row, their values already in the outbox's form
/// ([`entries`]); returns each field's change id, in order.
#[allow(clippy::too_many_arguments)]
pub(super) fn record(
    conn: &Connection,
    table: &str,
    row: Uuid,
    hlc: &Hlc,
    device: Uuid,
    user: Option<Uuid>,
    count: usize,
    entries: &str,
) -> Result<Vec<Uuid>> {
    if count > MAX_FIELDS {
        return Err(CoreError::field(table, format!("one write holds at most {MAX_FIELDS} fields")));
    }
    let write = write_of(Uuid::now_v7()).0;
    conn.prepare_cached(
        "INSERT INTO outbox_writes
           (write_id, tbl, row_id, hlc_ms, hlc_counter, hlc_node, device_id, user_id, fields, pending)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        write.as_bytes().as_slice(),
        table,
        row.as_bytes().as_slice(),
        hlc.ms as i64,
        hlc.counter,
        hlc.node.as_bytes().as_slice(),
        device.as_bytes().as_slice(),
        user.as_ref().map(|u| u.as_bytes().as_slice()),
        entries,
        count as i64
    ])?;
    Ok((0..count).map(|i| change_id(write, i as u8)).collect())
}

type Entries = Vec<(u8, Field, Value)>;

fn bad(what: &str, v: &str) -> CoreError {
    CoreError::Migration(format!("outbox holds a bad {what}: {v:?}"))
}

/// What a write's fields share: its table, row, HLC, device and user.
struct Header {
    table: String,
    row_id: Uuid,
    hlc: Hlc,
    device_id: Uuid,
    user_id: Option<Uuid>,
}

/// The columns [`Header::read`] reads, in its order.
const HEADER: &str = "tbl, row_id, hlc_ms, hlc_counter, hlc_node, device_id, user_id";

/// A stored 16-byte id.
fn id_at(r: &rusqlite::Row<'_>, i: usize, what: &str) -> Result<Uuid> {
    let bytes: Vec<u8> = r.get(i)?;
    Uuid::from_slice(&bytes).map_err(|_| bad(what, &format!("{bytes:02x?}")))
}

impl Header {
    /// The header from the columns of [`HEADER`], the first at `at`.
    fn read(r: &rusqlite::Row<'_>, at: usize) -> Result<Header> {
        let user: Option<Vec<u8>> = r.get(at + 6)?;
        Ok(Header {
            table: r.get(at)?,
            row_id: id_at(r, at + 1, "row id")?,
            hlc: Hlc { ms: r.get::<_, i64>(at + 2)? as u64, counter: r.get(at + 3)?, node: id_at(r, at + 4, "hlc")? },
            device_id: id_at(r, at + 5, "device id")?,
            user_id: user.and_then(|u| Uuid::from_slice(&u).ok()),
        })
    }
}

/// The changes of `entries` of `write`, whose shared columns are `header`.
fn changes(write: Uuid, header: Header, entries: Entries) -> Result<Vec<ChangeRecord>> {
    let Header { table, row_id, hlc, device_id, user_id } = header;
    entries
        .into_iter()
        .map(|(index, field, value)| {
            Ok(ChangeRecord {
                change_id: change_id(write, index),
                table: table.clone(),
                row_id,
                field: field.name()?,
                value,
                hlc,
                device_id,
                user_id,
            })
        })
        .collect()
}

/// The first `limit` changes in push order (a write's fields in their order).
pub fn page(conn: &Connection, limit: usize) -> Result<Vec<ChangeRecord>> {
    page_after(conn, limit, &[])
}

/// The first `limit` changes after `in_flight`, a push on its way to the server that was read
/// as the outbox's first changes: what [`page`] returns once that push is acknowledged. Writes
/// before the last in-flight change's are not read again (they are all in flight).
pub fn page_after(conn: &Connection, limit: usize, in_flight: &[Uuid]) -> Result<Vec<ChangeRecord>> {
    let from: i64 = match in_flight.last() {
        Some(last) => conn
            .prepare_cached("SELECT seq FROM outbox_writes WHERE write_id = ?1")?
            .query_row([write_of(*last).0.as_bytes().as_slice()], |r| r.get(0))
            .optional()?
            .unwrap_or(i64::MIN),
        None => i64::MIN,
    };
    let skip: std::collections::HashSet<Uuid> = in_flight.iter().copied().collect();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT write_id, {HEADER}, fields FROM outbox_writes WHERE seq >= ?1 ORDER BY seq"
    ))?;
    let mut rows = stmt.query([from])?;
    let mut out = Vec::new();
    while out.len() < limit
        && let Some(r) = rows.next()?
    {
        let write = id_at(r, 0, "write id")?;
        let header = Header::read(r, 1)?;
        let entries: Entries = serde_json::from_str(&r.get::<_, String>(8)?)?;
        let mut found = changes(write, header, entries)?;
        if !skip.is_empty() {
            found.retain(|c| !skip.contains(&c.change_id));
        }
        out.extend(found);
    }
    out.truncate(limit);
    Ok(out)
}

/// The field indexes `ids` name, by the write each belongs to.
fn by_write(ids: &[Uuid]) -> BTreeMap<Uuid, Vec<u8>> {
    let mut by_write: BTreeMap<Uuid, Vec<u8>> = BTreeMap::new();
    for id in ids {
        let (write, index) = write_of(*id);
        by_write.entry(write).or_default().push(index);
    }
    by_write
}

/// Takes the changes `ids` out of the outbox (acknowledged or refused); returns those it held.
pub(super) fn take(conn: &Connection, ids: &[Uuid]) -> Result<Vec<ChangeRecord>> {
    let mut taken = Vec::new();
    for (write, indexes) in by_write(ids) {
        let key = write.as_bytes().as_slice();
        let found = conn
            .prepare_cached(&format!("SELECT {HEADER}, fields FROM outbox_writes WHERE write_id = ?1"))?
            .query_row([key], |r| Ok((Header::read(r, 0), r.get::<_, String>(7)?)))
            .optional()?;
        let Some((header, fields)) = found else { continue };
        let header = header?;
        let entries: Entries = serde_json::from_str(&fields)?;
        let (gone, kept): (Entries, Entries) = entries.into_iter().partition(|(i, _, _)| indexes.contains(i));
        if gone.is_empty() {
            continue;
        }
        if kept.is_empty() {
            conn.prepare_cached("DELETE FROM outbox_writes WHERE write_id = ?1")?.execute([key])?;
        } else {
            conn.prepare_cached("UPDATE outbox_writes SET fields = ?2, pending = ?3 WHERE write_id = ?1")?
                .execute(params![key, serde_json::to_string(&kept)?, kept.len() as i64])?;
        }
        taken.extend(changes(write, header, gone)?);
    }
    Ok(taken)
}

/// Drops the changes `ids` from the outbox (acknowledged); returns how many it held. Unlike
/// [`take`], a write whose every field is named is deleted after reading only its fields' indexes:
/// the values are not parsed or copied (a first push of 50,000 customers acknowledges 700,000
/// of them; reading them all cost the laptop ~0.15 s of CPU in that sync).
pub(super) fn drop_acknowledged(conn: &Connection, ids: &[Uuid]) -> Result<usize> {
    let mut dropped = 0;
    for (write, indexes) in by_write(ids) {
        let key = write.as_bytes().as_slice();
        let fields: Option<String> = conn
            .prepare_cached("SELECT fields FROM outbox_writes WHERE write_id = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        let Some(fields) = fields else { continue };
        let held: Vec<(u8, serde::de::IgnoredAny, serde::de::IgnoredAny)> = serde_json::from_str(&fields)?;
        let gone = held.iter().filter(|(i, _, _)| indexes.contains(i)).count();
        if gone == held.len() {
            conn.prepare_cached("DELETE FROM outbox_writes WHERE write_id = ?1")?.execute([key])?;
            dropped += gone;
        } else if gone > 0 {
            let ids: Vec<Uuid> = indexes.iter().map(|i| change_id(write, *i)).collect();
            dropped += take(conn, &ids)?.len();
        }
    }
    Ok(dropped)
}

/// How many changes wait to be pushed.
pub fn pending(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce(sum(pending), 0) FROM outbox_writes", [], |r| r.get(0))?)
}

/// The rows with changes waiting to be pushed, by table: one read of the outbox (which has no
/// index by row: it would cost every write a B-tree insert), for callers that ask of many rows.
pub fn pending_rows(conn: &Connection) -> Result<std::collections::HashSet<(String, Uuid)>> {
    let mut stmt = conn.prepare_cached("SELECT DISTINCT tbl, row_id FROM outbox_writes")?;
    let mut rows = stmt.query([])?;
    let mut out = std::collections::HashSet::new();
    while let Some(r) = rows.next()? {
        out.insert((r.get(0)?, id_at(r, 1, "row id")?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_id_names_its_write_and_its_field() {
        let write = write_of(Uuid::now_v7()).0;
        for i in [0u8, 1, 13, 255] {
            let id = change_id(write, i);
            assert_eq!(write_of(id), (write, i));
            assert_eq!(id.get_version_num(), 7, "still a v7 uuid");
        }
        // Two writes in the same millisecond get different ids.
        assert_ne!(write_of(Uuid::now_v7()).0, write_of(Uuid::now_v7()).0);
    }
}
