//! Full-text search over customers, leads and vehicles (FTS5, prefix match as you type).

use crate::domain::{Customer, Lead, Vehicle};
use crate::error::Result;
use crate::store::record::{Entity, from_row};
use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

/// Turns what a person typed into an FTS5 query: every word must match as a prefix. A run that
/// looks like a phone number ("(415) 555-26") becomes one digit prefix. `None` when nothing is left.
pub fn fts_query(input: &str) -> Option<String> {
    let trimmed = input.trim();
    let phone_like = trimmed.chars().all(|c| c.is_ascii_digit() || " ()+-./".contains(c))
        && trimmed.chars().filter(char::is_ascii_digit).count() >= 3;
    let words: Vec<String> = if phone_like {
        vec![trimmed.chars().filter(char::is_ascii_digit).collect()]
    } else {
        trimmed.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
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
    let Some(q) = fts_query(input) else { return Ok(Vec::new()) };
    let broad = count_matches(conn, E::TABLE, &q, BROAD)? >= BROAD;
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
    }
}
