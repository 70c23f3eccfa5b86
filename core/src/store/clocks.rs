//! Field clocks: for every field of a synced row, the (HLC, change id, author) of the value the
//! store holds, which the merge rule compares an incoming change against. They are kept as ONE
//! record per row (`row_clocks`), not one per field: the fields written together share their HLC,
//! author and write id, so a row write stores its stamp once and each field only its name and its
//! index in the write (a 14-field customer: ~0.2 KB instead of ~3 KB as text rows, and one B-tree
//! write instead of 14).
//!
//! Invariant: a field appears in at most one stamp of its row (a newer write of it replaces it), so
//! the record never grows beyond the row's fields. The encoding is a version byte and postcard.
//! Version 3 names a field by its number ([`field_numbers`], one or two bytes) instead of spelling it
//! (~9 bytes: a third of a new customer's record); versions 1 (a full change id per field) and 2
//! (names spelt) are still read, and become version 3 when rewritten.

use super::field_numbers::{name_of, number_of};
use super::outbox_writes::{change_id, write_of};
use crate::error::{CoreError, Result};
use crate::sync::Hlc;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A field's winning clock as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clocked {
    pub hlc: Hlc,
    pub change_id: Uuid,
    /// The user who wrote the value (a user id), when known.
    pub author: Option<String>,
}

/// One row's clocks by field name.
pub type RowClocks = BTreeMap<String, Clocked>;

const VERSION: u8 = 3;

/// A field's name in a version-3 record.
#[derive(Serialize, Deserialize)]
enum Name {
    Number(u16),
    Spelt(String),
}

/// [`Name`] as it is written, a spelt name borrowed (postcard writes a `&str` exactly as a
/// `String`).
#[derive(Serialize)]
enum NameRef<'a> {
    Number(u16),
    Spelt(&'a str),
}

/// A clock record that cannot be written or read back: a storage error naming the problem.
fn unreadable(why: String) -> CoreError {
    let why: Box<dyn std::error::Error + Send + Sync> = format!("a row's clocks: {why}").into();
    CoreError::Db(rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, why))
}

#[derive(Serialize, Deserialize, PartialEq, Eq, Clone)]
enum Author {
    None,
    Id([u8; 16]),
    /// An author that is not a user id (kept as written).
    Text(String),
}

/// Version 1: what fields written together share, without their write id.
#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct StampV1 {
    ms: u64,
    counter: u32,
    node: [u8; 16],
    author: Author,
}

/// Version 1: (field, index of its stamp, change id).
#[derive(Serialize, Deserialize)]
struct PackedV1 {
    stamps: Vec<StampV1>,
    fields: Vec<(String, u32, [u8; 16])>,
}

/// What the fields of one write share: its clock, author and write id (a change id with its
/// last byte cleared, see [`write_of`]).
#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct Stamp {
    ms: u64,
    counter: u32,
    node: [u8; 16],
    author: Author,
    write: [u8; 16],
}

/// A field's change id: its index in its stamp's write (a laptop's ids), or the whole id when it
/// is not of that write (any unique id is accepted from a server).
#[derive(Serialize, Deserialize, PartialEq, Eq, Debug)]
enum Id {
    InWrite(u8),
    Own([u8; 16]),
}

/// Version 2: (field spelt, index of its stamp, change id).
#[derive(Serialize, Deserialize)]
struct PackedV2 {
    stamps: Vec<Stamp>,
    fields: Vec<(String, u32, Id)>,
}

/// (field, index of its stamp, change id)
#[derive(Deserialize)]
struct Packed {
    stamps: Vec<Stamp>,
    fields: Vec<(Name, u32, Id)>,
}

/// [`Packed`] as it is written, its spelt names borrowed from the row's clocks.
#[derive(Serialize)]
struct PackedRef<'a> {
    stamps: Vec<Stamp>,
    fields: Vec<(NameRef<'a>, u32, Id)>,
}

fn author_of(a: &Option<String>) -> Author {
    match a {
        None => Author::None,
        Some(s) => match s.parse::<Uuid>() {
            // A user id in its usual form is kept as 16 bytes; any other spelling as written.
            Ok(u) if u.hyphenated().encode_lower(&mut Uuid::encode_buffer()) == s.as_str() => Author::Id(*u.as_bytes()),
            _ => Author::Text(s.clone()),
        },
    }
}

fn author_text(a: &Author) -> Option<String> {
    match a {
        Author::None => None,
        Author::Id(b) => Some(Uuid::from_bytes(*b).to_string()),
        Author::Text(t) => Some(t.clone()),
    }
}

/// The stored form of a row's clocks.
pub fn encode(clocks: &RowClocks) -> Result<Vec<u8>> {
    let mut packed = PackedRef { stamps: Vec::new(), fields: Vec::with_capacity(clocks.len()) };
    // The fields of a row mostly share one author: its id is read once, not once a field.
    let mut last_author: Option<(&Option<String>, Author)> = None;
    for (field, c) in clocks {
        let (write, index) = write_of(c.change_id);
        let author = match &last_author {
            Some((text, author)) if *text == &c.author => author.clone(),
            _ => {
                let author = author_of(&c.author);
                last_author = Some((&c.author, author.clone()));
                author
            }
        };
        let same_clock = |s: &Stamp| {
            s.ms == c.hlc.ms && s.counter == c.hlc.counter && s.node == *c.hlc.node.as_bytes() && s.author == author
        };
        let (at, id) = if let Some(i) = packed.stamps.iter().position(|s| same_clock(s) && s.write == *write.as_bytes())
        {
            (i, Id::InWrite(index))
        } else if let Some(i) = packed.stamps.iter().position(same_clock) {
            (i, Id::Own(*c.change_id.as_bytes()))
        } else {
            packed.stamps.push(Stamp {
                ms: c.hlc.ms,
                counter: c.hlc.counter,
                node: *c.hlc.node.as_bytes(),
                author,
                write: *write.as_bytes(),
            });
            (packed.stamps.len() - 1, Id::InWrite(index))
        };
        let name = number_of(field).map_or(NameRef::Spelt(field), NameRef::Number);
        packed.fields.push((name, at as u32, id));
    }
    let mut out = vec![VERSION];
    out.extend(postcard::to_allocvec(&packed).map_err(|e| unreadable(e.to_string()))?);
    Ok(out)
}

/// Reads a row's clocks back from their stored form (any version).
pub fn decode(bytes: &[u8]) -> Result<RowClocks> {
    let bad = unreadable;
    let (&version, body) = bytes.split_first().ok_or_else(|| bad("empty".into()))?;
    let mut out = RowClocks::new();
    match version {
        1 => {
            let packed: PackedV1 = postcard::from_bytes(body).map_err(|e| bad(e.to_string()))?;
            for (field, at, id) in packed.fields {
                let s = packed.stamps.get(at as usize).ok_or_else(|| bad(format!("field {field} has no stamp")))?;
                let hlc = Hlc { ms: s.ms, counter: s.counter, node: Uuid::from_bytes(s.node) };
                out.insert(field, Clocked { hlc, change_id: Uuid::from_bytes(id), author: author_text(&s.author) });
            }
        }
        2 | VERSION => {
            let packed = if version == 2 {
                let v2: PackedV2 = postcard::from_bytes(body).map_err(|e| bad(e.to_string()))?;
                let fields = v2.fields.into_iter().map(|(f, at, id)| (Name::Spelt(f), at, id)).collect();
                Packed { stamps: v2.stamps, fields }
            } else {
                postcard::from_bytes(body).map_err(|e| bad(e.to_string()))?
            };
            for (name, at, id) in packed.fields {
                let field = match name {
                    Name::Spelt(f) => f,
                    Name::Number(n) => name_of(n).ok_or_else(|| bad(format!("unknown field number {n}")))?.to_string(),
                };
                let s = packed.stamps.get(at as usize).ok_or_else(|| bad(format!("field {field} has no stamp")))?;
                let hlc = Hlc { ms: s.ms, counter: s.counter, node: Uuid::from_bytes(s.node) };
                let change_id = match id {
                    Id::InWrite(i) => change_id(Uuid::from_bytes(s.write), i),
                    Id::Own(b) => Uuid::from_bytes(b),
                };
                out.insert(field, Clocked { hlc, change_id, author: author_text(&s.author) });
            }
        }
        other => return Err(bad(format!("unknown version {other}"))),
    }
    Ok(out)
}

/// The clocks of one row (empty when it has none).
pub fn load(conn: &Connection, table: &str, row: &str) -> Result<RowClocks> {
    let blob: Option<Vec<u8>> = conn
        .prepare_cached("SELECT clocks FROM row_clocks WHERE tbl = ?1 AND row_id = ?2")?
        .query_row(params![table, row], |r| r.get(0))
        .optional()?;
    blob.map(|b| decode(&b)).transpose().map(Option::unwrap_or_default)
}

/// Replaces the clocks of one row (removes the record when `clocks` is empty).
pub fn save(conn: &Connection, table: &str, row: &str, clocks: &RowClocks) -> Result<()> {
    if clocks.is_empty() {
        conn.prepare_cached("DELETE FROM row_clocks WHERE tbl = ?1 AND row_id = ?2")?.execute(params![table, row])?;
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO row_clocks (tbl, row_id, clocks) VALUES (?1, ?2, ?3)
         ON CONFLICT (tbl, row_id) DO UPDATE SET clocks = excluded.clocks",
    )?
    .execute(params![table, row, encode(clocks)?])?;
    Ok(())
}

/// Sets the clocks of some fields of a row, keeping the others.
pub fn set<'a>(
    conn: &Connection,
    table: &str,
    row: &str,
    fields: impl IntoIterator<Item = (&'a str, Clocked)>,
) -> Result<()> {
    let mut clocks = load(conn, table, row)?;
    for (f, c) in fields {
        clocks.insert(f.to_string(), c);
    }
    save(conn, table, row, &clocks)
}

/// One field's clock.
pub fn field(conn: &Connection, table: &str, row: &str, field: &str) -> Result<Option<Clocked>> {
    Ok(load(conn, table, row)?.remove(field))
}

/// The query [`of_rows`] runs: the clocks of `table`'s rows whose ids `rows_sql` selects (all
/// of them without it).
pub(super) fn of_rows_sql(table: &str, rows_sql: Option<&str>) -> String {
    match rows_sql {
        // A join, not `row_id IN (…)`: SQLite flattens it into indexed lookups instead of
        // building a temporary list (and its bloom filter) on every run. CROSS JOIN keeps the
        // partition's rows as the outer loop (left free, the planner may walk the table's clocks).
        Some(sub) => format!(
            "SELECT c.row_id, c.clocks FROM ({sub}) AS p CROSS JOIN row_clocks AS c ON c.tbl = '{table}' AND c.row_id = p.id"
        ),
        None => format!("SELECT row_id, clocks FROM row_clocks WHERE tbl = '{table}'"),
    }
}

/// Every (row, field, clock) of `table`'s rows chosen by `rows_sql` (a `SELECT id …` over the
/// table with its parameter `?1` bound to `arg`), or of all its rows without one.
pub fn of_rows(
    conn: &Connection,
    table: &str,
    rows_sql: Option<&str>,
    arg: Option<&str>,
) -> Result<Vec<(String, String, Clocked)>> {
    let mut stmt = conn.prepare_cached(&of_rows_sql(table, rows_sql))?;
    let mut rows = match arg {
        Some(a) => stmt.query([a])?,
        None => stmt.query([])?,
    };
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let (row, blob): (String, Vec<u8>) = (r.get(0)?, r.get(1)?);
        for (f, c) in decode(&blob)? {
            out.push((row.clone(), f, c));
        }
    }
    Ok(out)
}

/// Folds the per-field clock rows of a store written before schema 16 into one record per row,
/// then drops the old table. Runs inside that migration's transaction.
pub(super) fn fold_field_rows(conn: &Connection) -> Result<()> {
    let mut stmt = conn
        .prepare("SELECT tbl, row_id, field, hlc, change_id, user_id FROM field_clocks ORDER BY tbl, row_id, field")?;
    let mut rows = stmt.query([])?;
    let mut current: Option<(String, String)> = None;
    let mut clocks = RowClocks::new();
    while let Some(r) = rows.next()? {
        let (t, id, f, h, c, u): (String, String, String, String, Option<String>, Option<String>) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        if current.as_ref() != Some(&(t.clone(), id.clone())) {
            if let Some((t0, id0)) = current.take() {
                save(conn, &t0, &id0, &clocks)?;
            }
            clocks.clear();
            current = Some((t, id));
        }
        let Ok(hlc) = h.parse() else { continue };
        let change_id = c.and_then(|c| c.parse().ok()).unwrap_or(Uuid::nil());
        clocks.insert(f, Clocked { hlc, change_id, author: u });
    }
    if let Some((t0, id0)) = current {
        save(conn, &t0, &id0, &clocks)?;
    }
    drop(rows);
    drop(stmt);
    conn.execute_batch("DROP TABLE field_clocks")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(ms: u64, node: u128, id: u128, author: Option<&str>) -> Clocked {
        Clocked {
            hlc: Hlc { ms, counter: 3, node: Uuid::from_u128(node) },
            change_id: Uuid::from_u128(id),
            author: author.map(str::to_string),
        }
    }

    #[test]
    fn a_row_write_round_trips_and_shares_its_stamp() {
        let me = Uuid::from_u128(7).to_string();
        let mut row = RowClocks::new();
        for (i, f) in ["first_name", "last_name", "email", "phone", "city"].iter().enumerate() {
            row.insert(f.to_string(), clock(1_764_284_486_123, 9, 100 + i as u128, Some(&me)));
        }
        // A later edit by someone else, an author that is not an id, and none.
        row.insert("notes".into(), clock(1_764_284_999_000, 4, 200, Some("Lead intake")));
        row.insert("zip".into(), clock(1_764_284_999_001, 4, 201, None));
        let bytes = encode(&row).unwrap();
        assert_eq!(bytes[0], VERSION);
        assert_eq!(decode(&bytes).unwrap(), row);
        // Five fields share one stamp: 3 stamps stored, not 7; each field keeps only its index.
        let packed: Packed = postcard::from_bytes(&bytes[1..]).unwrap();
        assert_eq!(packed.stamps.len(), 3);
        assert!(packed.fields.iter().all(|(_, _, id)| matches!(id, Id::InWrite(_))));
        assert!(bytes.len() <= 220, "{} bytes", bytes.len());
    }

    #[test]
    fn a_new_customers_clocks_take_under_a_quarter_of_a_kilobyte() {
        // What a laptop writes for a new 14-field customer: one write, ids derived from it.
        let write = write_of(Uuid::now_v7()).0;
        let hlc = Hlc { ms: 1_795_186_800_008, counter: 0, node: Uuid::now_v7() };
        let author = Some(Uuid::now_v7().to_string());
        let fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "street",
            "city",
            "region",
            "postal_code",
            "language",
            "consent",
            "preferences",
            "notes",
            "created_at",
            "updated_at",
        ];
        let row: RowClocks = fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (f.to_string(), Clocked { hlc, change_id: change_id(write, i as u8), author: author.clone() })
            })
            .collect();
        let bytes = encode(&row).unwrap();
        assert_eq!(decode(&bytes).unwrap(), row);
        // Version 1 kept a 16-byte change id per field (~430 bytes), version 2 spelt each name
        // (~230); version 3 numbers them: the stamp and four bytes a field.
        assert!(bytes.len() < 130, "{} bytes", bytes.len());
    }

    #[test]
    fn ids_not_derived_from_one_write_are_kept_whole() {
        // A server may send any unique ids: two fields of one clock whose ids share no write.
        let mut row = RowClocks::new();
        row.insert("city".into(), clock(5, 1, 0x1111_0000_0000_0000_0000_0000_0000_0001, None));
        row.insert("zip".into(), clock(5, 1, 0x2222_0000_0000_0000_0000_0000_0000_0002, None));
        let bytes = encode(&row).unwrap();
        assert_eq!(decode(&bytes).unwrap(), row);
        let packed: Packed = postcard::from_bytes(&bytes[1..]).unwrap();
        assert_eq!(packed.stamps.len(), 1, "one clock, one stamp");
        assert!(packed.fields.iter().any(|(_, _, id)| matches!(id, Id::Own(_))));
    }

    #[test]
    fn version_1_records_are_still_read_and_rewritten_as_version_3() {
        // A record written before version 2 (a full change id per field).
        let me = Uuid::from_u128(7);
        let v1 = PackedV1 {
            stamps: vec![StampV1 {
                ms: 1_764_284_486_123,
                counter: 3,
                node: [9; 16],
                author: Author::Id(*me.as_bytes()),
            }],
            fields: vec![("city".into(), 0, [0x11; 16]), ("zip".into(), 0, [0x22; 16])],
        };
        let mut bytes = vec![1u8];
        bytes.extend(postcard::to_allocvec(&v1).unwrap());
        let row = decode(&bytes).unwrap();
        let hlc = Hlc { ms: 1_764_284_486_123, counter: 3, node: Uuid::from_bytes([9; 16]) };
        let author = Some(me.to_string());
        assert_eq!(row["city"], Clocked { hlc, change_id: Uuid::from_bytes([0x11; 16]), author: author.clone() });
        assert_eq!(row["zip"], Clocked { hlc, change_id: Uuid::from_bytes([0x22; 16]), author });
        let again = encode(&row).unwrap();
        assert_eq!(again[0], VERSION);
        assert_eq!(decode(&again).unwrap(), row);
    }

    #[test]
    fn unreadable_clocks_are_an_error_not_a_panic() {
        assert!(decode(&[]).is_err());
        assert!(decode(&[9, 0, 0]).is_err());
        assert!(decode(&[VERSION, 1, 0, 0]).is_err());
        // A field number past the list (a record from a newer build that appended names).
        let mut bytes = vec![VERSION];
        let stamp = Stamp { ms: 1, counter: 0, node: [1; 16], author: Author::None, write: [2; 16] };
        let packed = PackedRef { stamps: vec![stamp], fields: vec![(NameRef::Number(60_000), 0, Id::InWrite(0))] };
        bytes.extend(postcard::to_allocvec(&packed).unwrap());
        assert!(decode(&bytes).is_err());
    }

    #[test]
    fn version_2_records_are_still_read_and_rewritten_as_version_3() {
        let stamp =
            || Stamp { ms: 1_764_284_486_123, counter: 3, node: [9; 16], author: Author::None, write: [0x40; 16] };
        let v2 = PackedV2 {
            stamps: vec![stamp()],
            fields: vec![("city".into(), 0, Id::InWrite(1)), ("a_field_with_no_number".into(), 0, Id::Own([0x22; 16]))],
        };
        let mut bytes = vec![2u8];
        bytes.extend(postcard::to_allocvec(&v2).unwrap());
        let row = decode(&bytes).unwrap();
        let hlc = Hlc { ms: 1_764_284_486_123, counter: 3, node: Uuid::from_bytes([9; 16]) };
        let mut city_id = [0x40; 16];
        city_id[15] = 1;
        assert_eq!(row["city"], Clocked { hlc, change_id: Uuid::from_bytes(city_id), author: None });
        assert_eq!(
            row["a_field_with_no_number"],
            Clocked { hlc, change_id: Uuid::from_bytes([0x22; 16]), author: None }
        );
        let again = encode(&row).unwrap();
        assert_eq!(again[0], VERSION);
        assert_eq!(decode(&again).unwrap(), row);
        // The known name is numbered, the other spelt.
        let packed: Packed = postcard::from_bytes(&again[1..]).unwrap();
        let names: Vec<String> = packed
            .fields
            .iter()
            .map(|(n, _, _)| match n {
                Name::Number(i) => format!("#{i}"),
                Name::Spelt(s) => s.clone(),
            })
            .collect();
        assert_eq!(names, [String::from("a_field_with_no_number"), format!("#{}", number_of("city").unwrap())]);
    }
}
