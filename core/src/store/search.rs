//! Full-text search over customers, leads and vehicles (FTS5, prefix match as you type).
//!
//! Every word typed must match the start of a word of the record. A person's name is also indexed
//! as name keys (first and last name run together, both ways round: "robertlopez", "lopezrobert"),
//! so that a name typed as people type it ("Robert L", "Noah O'B") is one prefix lookup of one key
//! instead of the intersection of a common first name with every word starting with "l" (the
//! slow case: ~20 ms at 100k customers). A search of two or more words of letters uses the name
//! keys when any record's name starts that way, and falls back to matching every word otherwise
//! ("Ana Austin": a name and a city).

use crate::domain::{Customer, Lead, Vehicle};
use crate::error::Result;
use crate::store::record::{Entity, from_row};
use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

/// A name's keys for search: first and last name run together both ways, and each word of a
/// two-word first or last name with the other name ("Ana Maria" "Garcia" → "anagarcia" too).
pub fn name_keys(first: &str, last: &str) -> Vec<String> {
    let squash = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
    let (f, l) = (squash(first), squash(last));
    if f.is_empty() || l.is_empty() {
        return Vec::new();
    }
    let mut keys = vec![format!("{f}{l}"), format!("{l}{f}")];
    let parts = |s: &str| {
        s.split(|c: char| c.is_whitespace() || c == '-').map(squash).filter(|w| !w.is_empty()).collect::<Vec<_>>()
    };
    let (fw, lw) = (parts(first), parts(last));
    if fw.len() > 1 {
        keys.extend(fw.iter().map(|w| format!("{w}{l}")));
    }
    if lw.len() > 1 {
        keys.extend(lw.iter().map(|w| format!("{f}{w}")));
    }
    keys.dedup();
    keys
}

/// The name-key query for a search of two or more words of letters ("Robert L" → `"robertl"*`).
pub fn name_query(input: &str) -> Option<String> {
    let words: Vec<&str> = input.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    if words.len() < 2 || words.len() > MAX_WORDS || words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit())) {
        return None;
    }
    let joined: String = words.concat().chars().flat_map(char::to_lowercase).take(2 * MAX_WORD).collect();
    Some(format!("\"{joined}\"*"))
}

/// The FTS5 query a search runs on a table: the name keys when the table has them and some name
/// starts that way, else every word as a prefix.
pub fn effective_query(conn: &Connection, table: &str, input: &str) -> Result<Option<String>> {
    let Some(all) = fts_query(input) else { return Ok(None) };
    if matches!(table, "customers" | "leads")
        && let Some(name) = name_query(input)
        && count_matches(conn, table, &name, 1)? > 0
    {
        return Ok(Some(name));
    }
    Ok(Some(all))
}

/// Which search terms the index holds; bumped when `search_terms` changes, so an existing
/// database is reindexed once when opened (2: name keys).
const TERMS_VERSION: &str = "2";

/// Rebuilds the search entries of customers and leads when they were written by an older
/// `search_terms` (one transaction; ~2 s for 100k customers and 200k leads, once).
pub(crate) fn reindex_if_stale(conn: &mut Connection) -> Result<()> {
    let seen: Option<String> = rusqlite::OptionalExtension::optional(conn.query_row(
        "SELECT value FROM meta WHERE key = 'search_terms'",
        [],
        |r| r.get(0),
    ))?;
    if seen.as_deref() == Some(TERMS_VERSION) {
        return Ok(());
    }
    let tx = conn.transaction()?;
    fn reindex<E: Entity>(tx: &rusqlite::Transaction<'_>) -> Result<()> {
        let rows: Vec<E> = crate::store::query(tx, "", [])?;
        let mut update = tx.prepare(&format!(
            "UPDATE {t}_fts SET terms = ?2 WHERE rowid = (SELECT rid FROM {t} WHERE id = ?1)",
            t = E::TABLE
        ))?;
        for e in rows {
            update.execute(rusqlite::params![e.id().to_string(), e.search_terms()])?;
        }
        Ok(())
    }
    reindex::<Customer>(&tx)?;
    reindex::<Lead>(&tx)?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('search_terms', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [TERMS_VERSION],
    )?;
    tx.commit()?;
    Ok(())
}

/// The most words of a search that count, and the most characters of a word.
const MAX_WORDS: usize = 6;
const MAX_WORD: usize = 40;

/// Turns what a person typed into an FTS5 query: every word must match as a prefix. A run that
/// looks like a phone number ("(415) 555-26") becomes one digit prefix. `None` when nothing is left.
pub fn fts_query(input: &str) -> Option<String> {
    let trimmed = input.trim();
    let phone_like = trimmed.chars().all(|c| c.is_ascii_digit() || " ()+-./".contains(c))
        && trimmed.chars().filter(char::is_ascii_digit).count() >= 3;
    let words: Vec<String> = if phone_like {
        vec![trimmed.chars().filter(char::is_ascii_digit).collect()]
    } else {
        // A paste (a whole email, a signature) stays a short query: its first distinct words.
        let mut words: Vec<String> = Vec::new();
        for w in trimmed.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            let w: String = w.to_lowercase().chars().take(MAX_WORD).collect();
            if !words.contains(&w) {
                words.push(w);
            }
            if words.len() == MAX_WORDS {
                break;
            }
        }
        words
    };
    if words.is_empty() {
        return None;
    }
    // Quoted, so FTS5 operators typed by the user (AND, NEAR, *) are plain words.
    Some(words.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" "))
}

/// Above this many matches a query is "broad" (one or two letters typed): ranking every match
/// would cost tens of milliseconds, so broad queries list the newest matches instead.
pub const BROAD: i64 = 1_000;

/// How many rows match, counting no further than `cap`.
pub fn count_matches(conn: &Connection, table: &str, fts: &str, cap: i64) -> Result<i64> {
    let sql = format!("SELECT count(*) FROM (SELECT 1 FROM {table}_fts WHERE {table}_fts MATCH ?1 LIMIT ?2)");
    Ok(conn.prepare_cached(&sql)?.query_row(rusqlite::params![fts, cap], |r| r.get(0))?)
}

/// Matching live rows of one entity: best match (BM25) first, or newest first for broad queries.
pub fn matching<E: Entity>(conn: &Connection, input: &str, limit: usize, offset: usize) -> Result<Vec<E>> {
    match effective_query(conn, E::TABLE, input)? {
        Some(q) => rows_matching(conn, &q, limit, offset),
        None => Ok(Vec::new()),
    }
}

/// Live rows of one entity matching an FTS5 query (from [`effective_query`]).
pub fn rows_matching<E: Entity>(conn: &Connection, q: &str, limit: usize, offset: usize) -> Result<Vec<E>> {
    let broad = count_matches(conn, E::TABLE, q, BROAD)? >= BROAD;
    let order = if broad { "f.rowid DESC" } else { "f.rank" };
    let cols = E::COLUMNS.iter().map(|(n, _)| format!("e.{n}")).collect::<Vec<_>>().join(", ");
    let live = if E::COLUMNS.iter().any(|(n, _)| *n == "deleted_at") { "AND e.deleted_at IS NULL" } else { "" };
    let sql = format!(
        "SELECT {cols} FROM {t}_fts f JOIN {t} e ON e.rid = f.rowid
         WHERE {t}_fts MATCH ?1 {live} ORDER BY {order} LIMIT ?2 OFFSET ?3",
        t = E::TABLE
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params![q, limit as i64, offset as i64])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Customer,
    Lead,
    Vehicle,
}

/// One result of the global search (Ctrl+K).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
pub struct SearchHit {
    pub kind: HitKind,
    pub id: Uuid,
    pub title: String,
    pub subtitle: String,
    /// The customer record this hit opens (a customer itself, or a lead's linked customer).
    pub customer_id: Option<Uuid>,
}

/// Global search: the best customers, leads and vehicles for what was typed.
pub fn search_all(conn: &Connection, input: &str, per_kind: usize) -> Result<Vec<SearchHit>> {
    let mut hits = Vec::new();
    for c in matching::<Customer>(conn, input, per_kind, 0)? {
        let subtitle = [c.email.clone(), c.phone.clone(), Some(c.city.clone()).filter(|s| !s.is_empty())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        hits.push(SearchHit {
            kind: HitKind::Customer,
            id: c.id,
            title: c.display_name(),
            subtitle,
            customer_id: Some(c.id),
        });
    }
    for l in matching::<Lead>(conn, input, per_kind, 0)? {
        let title = format!("{} {}", l.first_name, l.last_name).trim().to_string();
        let subtitle = [Some(l.vehicle_interest.clone()).filter(|s| !s.is_empty()), l.email.clone(), l.phone.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        hits.push(SearchHit { kind: HitKind::Lead, id: l.id, title, subtitle, customer_id: l.customer_id });
    }
    for v in matching::<Vehicle>(conn, input, per_kind, 0)? {
        hits.push(SearchHit {
            kind: HitKind::Vehicle,
            id: v.id,
            title: v.title(),
            subtitle: format!("Stock {} · VIN {}", v.stock_no, v.vin),
            customer_id: None,
        });
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_prefixes_and_safe() {
        assert_eq!(fts_query("Ana Gar").unwrap(), "\"ana\"* \"gar\"*");
        assert_eq!(fts_query("(415) 555-26").unwrap(), "\"41555526\"*");
        assert_eq!(fts_query("ana@example.com").unwrap(), "\"ana\"* \"example\"* \"com\"*");
        assert_eq!(fts_query("NEAR(\"x\" AND *").unwrap(), "\"near\"* \"x\"* \"and\"*");
        assert_eq!(fts_query("  -- "), None);
        assert_eq!(fts_query("José").unwrap(), "\"josé\"*");
        assert_eq!(fts_query(&"Noah O'Brien ".repeat(40)).unwrap(), "\"noah\"* \"o\"* \"brien\"*");
        assert_eq!(fts_query("a b c d e f g h").unwrap().matches('*').count(), 6);
        assert_eq!(fts_query(&"x".repeat(500)).unwrap().len(), 40 + 3);
        assert_eq!(name_query("Noah O'B").unwrap(), "\"noahob\"*");
        assert_eq!(name_query("Robert"), None);
        assert_eq!(name_query("Ana 512"), None);
    }

    #[test]
    fn names_are_keyed_both_ways_and_by_each_part() {
        assert_eq!(name_keys("Robert", "Lopez"), ["robertlopez", "lopezrobert"]);
        assert_eq!(name_keys("Noah", "O'Brien"), ["noahobrien", "obriennoah"]);
        assert_eq!(name_keys("Ana María", "García"), ["anamaríagarcía", "garcíaanamaría", "anagarcía", "maríagarcía"]);
        assert!(name_keys("", "Lopez").is_empty());
    }
}
