//! The store's side of syncing, used by the client executor: reading the next push along the
//! planner's cut, dropping acknowledged changes, keeping refused ones, evicting rows whose
//! partition moved away, notices, partition checksums, the pull cursor, and the conflicts a user
//! can review ("keep mine" makes a new edit).

use super::record::{self, Entity, to_fields};
use super::{ChangeRecord, Store, Writer};
use super::{clocks, outbox_writes};
use crate::domain::Timestamp;
use crate::error::{CoreError, Result};
use crate::sync::partition::{self, Checksum, Home};
use crate::sync::plan::{Planned, push_batches};
use crate::sync::protocol::{Notice, RowRef};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;
use uuid::Uuid;

/// A value of this user's that lost to someone else's later edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Conflict {
    #[ts(type = "number")]
    pub id: i64,
    pub table: String,
    pub row_id: Uuid,
    pub field: String,
    /// What the record is ("Dana Whitfield", "2024 Ford F-150").
    pub record: String,
    #[ts(type = "unknown")]
    pub mine: Value,
    #[ts(type = "unknown")]
    pub theirs: Value,
    /// Who made the winning value, when known.
    pub theirs_by: Option<String>,
    /// When the winning value was made (UTC, RFC 3339).
    pub theirs_at: String,
    pub mine_at: String,
}

/// A change the server refused, kept so it is never lost silently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RefusedChange {
    pub change_id: Uuid,
    pub table: String,
    pub row_id: Uuid,
    pub field: String,
    #[ts(type = "unknown")]
    pub value: Value,
    pub reason: String,
    pub refused_at: String,
}

/// A message from the server for this user (a reservation that lost).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncNotice {
    #[ts(type = "number")]
    pub seq: i64,
    pub kind: String,
    pub message: String,
    pub table: String,
    pub row_id: Uuid,
    pub at: String,
}

impl SyncNotice {
    /// The heading of its desktop notification.
    pub fn title(&self) -> &'static str {
        match self.kind.as_str() {
            "lead_assigned" => "New lead",
            "portal_response" => "Customer portal",
            "message_failed" | "message_bounced" => "Message not delivered",
            _ => "Sync",
        }
    }
}

use super::remote::with_entity as by_table;

/// Sets one field of a row as a local edit (recorded in the outbox like any other).
fn edit_field<E: Entity>(w: &mut Writer<'_>, row: Uuid, field: &str, value: &Value) -> Result<()> {
    let old: E = w.get(row)?;
    let mut fields = to_fields(&old)?;
    fields.insert(field.to_string(), value.clone());
    let new: E = serde_json::from_value(Value::Object(fields))
        .map_err(|e| CoreError::field(field, format!("the kept value no longer fits ({e})")))?;
    w.update(&old, &new)?;
    Ok(())
}

fn delete_row<E: Entity>(w: &mut Writer<'_>, row: Uuid) -> Result<()> {
    if E::SEARCHABLE {
        let sql = format!("DELETE FROM {t}_fts WHERE rowid = (SELECT rid FROM {t} WHERE id = ?1)", t = E::TABLE);
        w.tx.prepare_cached(&sql)?.execute([row.to_string()])?;
    }
    w.tx.prepare_cached(&format!("DELETE FROM {} WHERE id = ?1", E::TABLE))?.execute([row.to_string()])?;
    Ok(())
}

fn describe<E: Entity>(w: &Writer<'_>, row: Uuid) -> Result<String> {
    match record::get::<E>(&w.tx, row) {
        Ok(e) => {
            let terms = e.search_terms();
            let name = record::to_fields(&e)?;
            let pick = |f: &str| name.get(f).and_then(Value::as_str).map(str::to_string);
            Ok(match (pick("first_name"), pick("last_name"), pick("make"), pick("model")) {
                (Some(f), Some(l), _, _) => format!("{f} {l}"),
                (_, _, Some(m), Some(o)) => format!("{} {m} {o}", name.get("year").cloned().unwrap_or(Value::Null)),
                _ => {
                    let t: String = terms.chars().take(40).collect();
                    if t.trim().is_empty() { format!("{} {}", E::NAME, &row.to_string()[..8]) } else { t }
                }
            })
        }
        Err(_) => Ok(format!("{} {}", E::NAME, &row.to_string()[..8])),
    }
}

fn hlc_time(hlc: &str) -> String {
    hlc.parse::<crate::sync::Hlc>()
        .ok()
        .and_then(|h| chrono::DateTime::from_timestamp_millis(h.ms as i64))
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Tables holding customer data (every partitioned table, and the walk-in log, which names
/// people), erased when the server says this device was reported lost or its user disabled.
fn customer_tables() -> impl Iterator<Item = &'static str> {
    crate::sync::rules::TABLES.iter().rev().filter(|t| t.home != Home::Shared || t.table == "traffic").map(|t| t.table)
}

impl Store {
    /// Erases every customer record from this device (rows, search entries, clocks, history,
    /// pending and refused changes, unpushed edits) and the sync sign-in, overwriting the freed
    /// pages (`secure_delete`) and compacting the file, so nothing can be read back from it.
    /// Reference data (inventory, staff, settings) stays. Returns how many rows were erased.
    pub fn erase_customer_data(&mut self) -> Result<usize> {
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        let tx = self.conn.transaction()?;
        let mut erased = 0;
        for t in customer_tables() {
            if matches!(t, "customers" | "leads") {
                // Drops the index's segments whole (a row-by-row delete leaves its words in
                // older segments until a merge).
                tx.execute(&format!("INSERT INTO {t}_fts ({t}_fts) VALUES ('delete-all')"), [])?;
            }
            erased += tx.execute(&format!("DELETE FROM {t}"), [])?;
            for side in ["row_clocks", "field_history", "sync_pending", "sync_refused", "outbox_writes"] {
                tx.execute(&format!("DELETE FROM {side} WHERE tbl = ?1"), [t])?;
            }
        }
        tx.execute("DELETE FROM sync_notices", [])?;
        tx.execute("DELETE FROM meta WHERE key IN ('sync_session', 'sync_cursor')", [])?;
        tx.commit()?;
        self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(erased)
    }

    /// The next push: up to `max` outbox changes, cut where the planner says.
    pub fn next_push(&self, max: usize) -> Result<Vec<ChangeRecord>> {
        self.next_push_after(max, &[])
    }

    /// The push after `in_flight` (the changes of a push the server has not answered yet, which
    /// were the outbox's first): what [`Store::next_push`] returns once it is acknowledged, read
    /// while the server is still working on it.
    pub fn next_push_after(&self, max: usize, in_flight: &[Uuid]) -> Result<Vec<ChangeRecord>> {
        let mut records = outbox_writes::page_after(&self.conn, max + 64, in_flight)?;
        let planned: Vec<Planned<'_>> =
            records.iter().map(|r| Planned { table: &r.table, row_id: r.row_id, hlc: r.hlc }).collect();
        let first = push_batches(&planned, max).into_iter().next().unwrap_or(0..0);
        records.truncate(first.end);
        Ok(records)
    }

    /// Drops acknowledged changes from the outbox (never before the server has them).
    pub fn acknowledge(&mut self, ids: &[Uuid]) -> Result<usize> {
        self.write_unrecorded(|w| outbox_writes::drop_acknowledged(&w.tx, ids))
    }

    /// Moves changes the server refused out of the outbox into `sync_refused`, with the reason.
    pub fn refuse(&mut self, ids: &[(Uuid, String)]) -> Result<usize> {
        self.write_unrecorded(|w| {
            let now = Timestamp::now().to_string();
            let just_ids: Vec<Uuid> = ids.iter().map(|(id, _)| *id).collect();
            let taken = outbox_writes::take(&w.tx, &just_ids)?;
            for c in &taken {
                let reason = ids.iter().find(|(id, _)| *id == c.change_id).map(|(_, r)| r.as_str()).unwrap_or_default();
                w.tx.prepare_cached(
                    "INSERT OR REPLACE INTO sync_refused (change_id, tbl, row_id, field, value, hlc, reason, refused_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![
                    c.change_id.to_string(),
                    c.table,
                    c.row_id.to_string(),
                    c.field,
                    serde_json::to_string(&c.value)?,
                    c.hlc.to_string(),
                    reason,
                    now
                ])?;
            }
            Ok(taken.len())
        })
    }

    pub fn refused_changes(&self) -> Result<Vec<RefusedChange>> {
        let mut stmt = self.conn.prepare(
            "SELECT change_id, tbl, row_id, field, value, reason, refused_at FROM sync_refused ORDER BY refused_at DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, table, row_id, field, value, reason, refused_at) = row?;
            out.push(RefusedChange {
                change_id: id.parse().unwrap_or_default(),
                table,
                row_id: row_id.parse().unwrap_or_default(),
                field,
                value: serde_json::from_str(&value)?,
                reason,
                refused_at,
            });
        }
        Ok(out)
    }

    /// The server's cursor this device has pulled to.
    pub fn sync_cursor(&self) -> Result<i64> {
        Ok(self.meta("sync_cursor")?.and_then(|s| s.parse().ok()).unwrap_or(0))
    }

    pub fn set_sync_cursor(&self, cursor: i64) -> Result<()> {
        self.set_meta("sync_cursor", &cursor.to_string())
    }

    /// Removes rows whose partition moved to another rep, unless they still hold edits not yet
    /// pushed (those wait for the next round). Returns (removed, deferred).
    pub fn evict(&mut self, rows: &[RowRef]) -> Result<(usize, usize)> {
        let mut rows = rows.to_vec();
        // Children before parents.
        let rank = |t: &str| match t {
            "quote_versions" | "sales_orders" | "lead_assignments" | "stage_moves" => 0,
            "quotes" | "interactions" | "activities" | "opportunities" => 1,
            "leads" => 2,
            _ => 3,
        };
        rows.sort_by_key(|r| rank(&r.table));
        self.write_unrecorded(|w| {
            let (mut removed, mut deferred) = (0, 0);
            let waiting = outbox_writes::pending_rows(&w.tx)?;
            for r in &rows {
                if waiting.contains(&(r.table.clone(), r.row_id)) {
                    w.tx.prepare_cached("INSERT OR IGNORE INTO sync_evict_later (tbl, row_id) VALUES (?1, ?2)")?
                        .execute(params![r.table, r.row_id.to_string()])?;
                    deferred += 1;
                    continue;
                }
                by_table!(r.table.as_str(), delete_row(w, r.row_id))?;
                for t in ["row_clocks", "sync_pending", "field_history", "sync_evict_later"] {
                    w.tx.prepare_cached(&format!("DELETE FROM {t} WHERE tbl = ?1 AND row_id = ?2"))?
                        .execute(params![r.table, r.row_id.to_string()])?;
                }
                removed += 1;
            }
            Ok((removed, deferred))
        })
    }

    /// The server said this device was away longer than it keeps what it purged: from now
    /// until [`Store::finish_resync`], the round pulls everything from 0 (kept across a crash).
    pub fn begin_resync(&self) -> Result<()> {
        self.set_meta("sync_resync", "1")?;
        self.set_sync_cursor(0)
    }

    /// Whether a re-sync from the server's state is under way.
    pub fn resync_pending(&self) -> Result<bool> {
        Ok(self.meta("sync_resync")?.as_deref() == Some("1"))
    }

    /// Ends a re-sync: every synced row the server did not send (`received`) was purged or moved
    /// away while this device was gone, and goes, except rows holding edits not pushed yet.
    /// Returns how many rows went.
    pub fn finish_resync(&mut self, received: &std::collections::HashSet<(String, Uuid)>) -> Result<usize> {
        let mut stale = Vec::new();
        // Read once: asked of every synced row, a lookup each scanned the outbox (it has no index
        // by row), rows × writes in all.
        let waiting = outbox_writes::pending_rows(&self.conn)?;
        for table in crate::sync::rules::synced_tables() {
            let mut stmt = self.conn.prepare(&format!("SELECT id FROM {table}"))?;
            let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for id in ids {
                let Ok(row_id) = id?.parse::<Uuid>() else { continue };
                if !received.contains(&(table.to_string(), row_id)) && !waiting.contains(&(table.to_string(), row_id)) {
                    stale.push(RowRef { table: table.to_string(), row_id });
                }
            }
        }
        let (removed, _) = self.evict(&stale)?;
        self.set_meta("sync_resync", "0")?;
        Ok(removed)
    }

    /// Evictions that waited for pending edits; the round retries them after pushing.
    pub fn evictions_waiting(&self) -> Result<Vec<RowRef>> {
        let mut stmt = self.conn.prepare("SELECT tbl, row_id FROM sync_evict_later")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (table, id) = row?;
            out.push(RowRef { table, row_id: id.parse().map_err(|_| CoreError::field("row_id", "not an id"))? });
        }
        Ok(out)
    }

    pub fn add_notices(&mut self, notices: &[Notice]) -> Result<()> {
        self.write_unrecorded(|w| {
            for n in notices {
                w.tx.prepare_cached(
                    "INSERT OR IGNORE INTO sync_notices (seq, kind, message, tbl, row_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![n.seq, n.kind, n.message, n.table, n.row_id.to_string(), n.at])?;
            }
            Ok(())
        })
    }

    /// Notices not dismissed yet, newest first.
    pub fn notices(&self) -> Result<Vec<SyncNotice>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, kind, message, tbl, row_id, at FROM sync_notices WHERE dismissed = 0 ORDER BY seq DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SyncNotice {
                seq: r.get(0)?,
                kind: r.get(1)?,
                message: r.get(2)?,
                table: r.get(3)?,
                row_id: r.get::<_, String>(4)?.parse().unwrap_or_default(),
                at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn dismiss_notice(&self, seq: i64) -> Result<()> {
        self.conn.execute("UPDATE sync_notices SET dismissed = 1 WHERE seq = ?1", [seq])?;
        Ok(())
    }

    /// This replica's checksum of a partition (`shared` or a customer's / lone lead's id), over
    /// the same winners the server sums. A round checks every partition its last pull page
    /// touched (thousands after a big first pull), so each table's query is prepared once per
    /// connection and finds the partition's rows by an index ([`partition_queries`]).
    pub fn partition_checksum(&self, name: &str) -> Result<Checksum> {
        let mut sum = Checksum::default();
        for (table, rows_sql) in partition_queries(name == "shared") {
            let arg = rows_sql.is_some().then_some(name);
            for (row, field, c) in clocks::of_rows(&self.conn, table, rows_sql.as_deref(), arg)? {
                sum.add(table, &row, &field, &c.change_id.to_string());
            }
        }
        Ok(sum)
    }

    /// [`Self::partition_checksum`] of each of `names`, read in one transaction: thousands of
    /// partitions after a big first pull, and each query on its own would begin and end a read
    /// of its own.
    pub fn partition_checksums(&self, names: &[String]) -> Result<Vec<Checksum>> {
        let tx = self.conn.unchecked_transaction()?;
        let sums = names.iter().map(|n| self.partition_checksum(n)).collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(sums)
    }

    /// Values of this user's (or this device's) that lost and were not dealt with, newest first.
    pub fn conflicts(&mut self, limit: usize) -> Result<Vec<Conflict>> {
        let me = self.user_id.map(|u| u.to_string()).unwrap_or_default();
        let device = self.device_id.to_string();
        let raw: Vec<(i64, String, String, String, String, String)> = {
            let mut stmt = self.conn.prepare(
                "SELECT id, tbl, row_id, field, value, hlc FROM field_history
                 WHERE resolved_at IS NULL AND (user_id = ?1 OR substr(hlc, 26) = ?2)
                 ORDER BY id DESC LIMIT ?3",
            )?;
            stmt.query_map(params![me, device, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })?
            .collect::<std::result::Result<_, _>>()?
        };
        self.write_unrecorded(|w| {
            let mut out = Vec::new();
            for (id, table, row, field, value, hlc) in raw {
                let row_id: Uuid = row.parse().unwrap_or_default();
                let Some(fields) = by_table!(table.as_str(), current_fields(w, row_id)).unwrap_or_default() else {
                    continue;
                };
                let winner = clocks::field(&w.tx, &table, &row, &field)?.map(|c| (c.hlc.to_string(), c.author));
                let (win_hlc, win_user) = winner.unwrap_or_default();
                // Only values that lost to someone else: my own later edit is not a conflict (and
                // leaves the list for good).
                if win_user.as_deref() == Some(me.as_str()) && !me.is_empty() || win_hlc.ends_with(&device) {
                    w.tx.prepare_cached("UPDATE field_history SET resolved_at = ?2 WHERE id = ?1")?
                        .execute(params![id, Timestamp::now().to_string()])?;
                    continue;
                }
                let by = match win_user {
                    Some(u) => {
                        w.tx.prepare_cached("SELECT name FROM users WHERE id = ?1")?
                            .query_row([u], |r| r.get::<_, String>(0))
                            .optional()?
                    }
                    None => None,
                };
                out.push(Conflict {
                    id,
                    record: by_table!(table.as_str(), describe(w, row_id))?,
                    theirs: fields.get(&field).cloned().unwrap_or(Value::Null),
                    mine: serde_json::from_str(&value)?,
                    theirs_by: by,
                    theirs_at: hlc_time(&win_hlc),
                    mine_at: hlc_time(&hlc),
                    table,
                    row_id,
                    field,
                });
            }
            Ok(out)
        })
    }

    /// How many things need the user's eye: unresolved lost values of theirs, notices, refused edits.
    pub fn sync_attention(&self) -> Result<i64> {
        let me = self.user_id.map(|u| u.to_string()).unwrap_or_default();
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM field_history WHERE resolved_at IS NULL AND (user_id = ?1 OR substr(hlc, 26) = ?2))
                  + (SELECT COUNT(*) FROM sync_notices WHERE dismissed = 0)
                  + (SELECT COUNT(*) FROM sync_refused)",
            params![me, self.device_id.to_string()],
            |r| r.get(0),
        )?)
    }

    /// Forgets a refused edit the user has seen (its value stays in this device's data).
    pub fn dismiss_refused(&self, change_id: Uuid) -> Result<()> {
        self.conn.execute("DELETE FROM sync_refused WHERE change_id = ?1", [change_id.to_string()])?;
        Ok(())
    }

    /// "Keep mine": writes the lost value again as a new edit (which syncs and now wins), and
    /// marks the conflict dealt with. One transaction.
    pub fn keep_mine(&mut self, conflict_id: i64) -> Result<()> {
        self.resolve_conflict(conflict_id, true)
    }

    /// Accepts the winning value; the conflict leaves the list.
    pub fn dismiss_conflict(&mut self, conflict_id: i64) -> Result<()> {
        self.resolve_conflict(conflict_id, false)
    }

    fn resolve_conflict(&mut self, conflict_id: i64, keep: bool) -> Result<()> {
        let found: Option<(String, String, String, String)> = self
            .conn
            .query_row(
                "SELECT tbl, row_id, field, value FROM field_history WHERE id = ?1 AND resolved_at IS NULL",
                [conflict_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((table, row, field, value)) = found else {
            return Err(CoreError::NotFound { entity: "conflict", id: conflict_id.to_string() });
        };
        let row_id: Uuid = row.parse().map_err(|_| CoreError::field("row_id", "not an id"))?;
        let value: Value = serde_json::from_str(&value)?;
        self.write(|w| {
            if keep {
                by_table!(table.as_str(), edit_field(w, row_id, &field, &value))?;
            }
            w.tx.prepare_cached("UPDATE field_history SET resolved_at = ?2 WHERE id = ?1")?
                .execute(params![conflict_id, Timestamp::now().to_string()])?;
            Ok(())
        })
    }
}

fn current_fields<E: Entity>(w: &Writer<'_>, row: Uuid) -> Result<Option<serde_json::Map<String, Value>>> {
    match record::get::<E>(&w.tx, row) {
        Ok(e) => Ok(Some(to_fields(&e)?)),
        Err(CoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// For each synced table with rows in a partition: the query of its rows' ids in the partition
/// `?1` (a customer's or a lone lead's id), or `None` for a table of the shared partition (all
/// its rows) when `shared`.
pub(crate) fn partition_queries(shared: bool) -> Vec<(&'static str, Option<String>)> {
    let ids = |table: &str, filter: &str| Some(format!("SELECT id FROM {table} {filter}"));
    let lead = "customer_id = ?1 OR (customer_id IS NULL AND id = ?1)";
    crate::sync::rules::synced_tables()
        .filter_map(|table| {
            let home = partition::home(table)?;
            if shared {
                return (home == Home::Shared).then_some((table, None));
            }
            let rows = match home {
                Home::Shared => return None,
                Home::Own => ids(table, "WHERE id = ?1"),
                Home::Lead => ids(table, &format!("WHERE {lead}")),
                Home::Field(f) => ids(table, &format!("WHERE {f} = ?1")),
                Home::Parent { table: pt, field } => {
                    let parent = if partition::home(pt) == Some(Home::Lead) {
                        "p.customer_id = ?1 OR (p.customer_id IS NULL AND p.id = ?1)"
                    } else {
                        "p.customer_id = ?1"
                    };
                    Some(format!(
                        "SELECT t.id FROM {pt} AS p CROSS JOIN {table} AS t ON t.{field} = p.id WHERE {parent}"
                    ))
                }
            };
            Some((table, rows))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A round checks every partition its last pull page touched (thousands after a big first
    /// pull): each table's rows of a partition and their clocks must be found through an index,
    /// never by walking a table (or all its clocks) once per partition.
    #[test]
    fn a_partitions_rows_are_found_by_an_index_in_every_table() {
        let store = Store::open_in_memory().unwrap();
        let queries = partition_queries(false);
        assert!(queries.iter().any(|(t, _)| *t == "test_drives"), "{queries:?}");
        for (table, rows) in queries {
            let sql = format!("EXPLAIN QUERY PLAN {}", clocks::of_rows_sql(table, rows.as_deref()));
            let plan: Vec<String> = store
                .conn
                .prepare(&sql)
                .unwrap()
                .query_map(["01a24f16-8ac9-722c-ae77-e1c52b2bd46d"], |r| r.get(3))
                .unwrap()
                .collect::<std::result::Result<_, _>>()
                .unwrap();
            // Every step looks rows up by a key of the partition (not a whole table's range of
            // clocks), and nothing is built per run (no temporary list of ids).
            let keyed = |step: &String| step.starts_with("SEARCH") && !step.ends_with("(tbl=?)");
            assert!(
                plan.iter().all(|step| keyed(step) || step == "MULTI-INDEX OR" || step.starts_with("INDEX ")),
                "{table}: {plan:?}"
            );
        }
        for (table, rows) in partition_queries(true) {
            assert!(rows.is_none() && partition::home(table) == Some(Home::Shared), "{table}");
        }
    }

    /// Each partition's checksum on the laptop sums exactly the clocks of the rows that belong to
    /// it, worked out here row by row from the placement columns (a quote version through its
    /// quote, a lead's assignment through its lead) rather than by the queries under test.
    #[test]
    fn a_partitions_checksum_sums_the_clocks_of_exactly_its_rows() {
        use std::collections::HashMap;
        // The demo is written unrecorded (it never syncs): copy it into a store that records
        // every row write, as a rep's edits would be.
        let mut demo = Store::open_in_memory().unwrap();
        let size = crate::demo::DemoSize {
            vehicles: 20,
            reps: 3,
            customers: 60,
            leads: 80,
            interactions: 150,
            days: 200,
            seasons: [100; 12],
        };
        crate::demo::load(&mut demo, size, 11, Timestamp::parse("2026-11-27T12:00:00Z").unwrap()).unwrap();
        fn copy<E: Entity>(from: &Store, to: &mut Writer<'_>) -> Result<()> {
            for e in record::query::<E>(from.conn(), "", [])? {
                to.insert(&e)?;
            }
            Ok(())
        }
        let mut store = Store::open_in_memory().unwrap();
        store
            .write(|w| {
                for table in crate::sync::rules::synced_tables() {
                    super::super::remote::with_entity!(table, copy(&demo, w))?;
                }
                // Assignments follow their lead: one of a customer's lead, one of a lone lead.
                let at = Timestamp::parse("2026-11-27T12:00:00Z").unwrap();
                let rep: crate::domain::User = record::query(w.conn(), "LIMIT 1", [])?.remove(0);
                let known: crate::domain::Lead =
                    record::query(w.conn(), "WHERE customer_id IS NOT NULL LIMIT 1", [])?.remove(0);
                let lone =
                    crate::domain::Lead { id: Uuid::now_v7(), customer_id: None, ..crate::demo::sample_lead(at) };
                w.insert(&lone)?;
                for lead in [known.id, lone.id] {
                    let a = crate::leads::LeadAssignment {
                        id: Uuid::now_v7(),
                        lead_id: lead,
                        rep_id: rep.id,
                        reason: "test".into(),
                        by_id: None,
                        at,
                    };
                    w.insert(&a)?;
                }
                Ok(())
            })
            .unwrap();
        let column = |table: &str, col: &str| -> Vec<(String, Option<String>)> {
            let sql = format!("SELECT id, {col} FROM {table}");
            let mut stmt = store.conn.prepare(&sql).unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect()
        };
        // Roots and direct fields first, then the rows that follow a parent (placed by then).
        let mut tables: Vec<&str> = crate::sync::rules::synced_tables().collect();
        tables.sort_by_key(|t| matches!(partition::home(t), Some(Home::Parent { .. })));
        let mut home_of: HashMap<(&str, String), String> = HashMap::new();
        for &table in &tables {
            let placed: Vec<(String, Option<String>)> = match partition::home(table).unwrap() {
                Home::Shared => continue,
                Home::Own => column(table, "id").into_iter().map(|(id, _)| (id.clone(), Some(id))).collect(),
                Home::Field(f) => column(table, f),
                Home::Lead => column(table, "customer_id")
                    .into_iter()
                    .map(|(id, c)| (id.clone(), Some(c.unwrap_or(id))))
                    .collect(),
                Home::Parent { table: pt, field } => column(table, field)
                    .into_iter()
                    .map(|(id, parent)| (id, parent.and_then(|p| home_of.get(&(pt, p)).cloned())))
                    .collect(),
            };
            for (id, p) in placed {
                if let Some(p) = p {
                    home_of.insert((table, id), p);
                }
            }
        }
        let mut expected: HashMap<String, Checksum> = HashMap::new();
        let mut per_table: HashMap<&str, usize> = HashMap::new();
        for &table in &tables {
            for (row, field, c) in clocks::of_rows(&store.conn, table, None, None).unwrap() {
                if let Some(p) = home_of.get(&(table, row.clone())) {
                    expected.entry(p.clone()).or_default().add(table, &row, &field, &c.change_id.to_string());
                    *per_table.entry(table).or_default() += 1;
                }
            }
        }
        for table in
            ["customers", "leads", "opportunities", "quotes", "quote_versions", "activities", "lead_assignments"]
        {
            assert!(per_table.get(table).copied().unwrap_or(0) > 0, "the demo has no {table}: {per_table:?}");
        }
        let names: Vec<String> = expected.keys().cloned().collect();
        assert!(names.len() >= 60, "{}", names.len());
        let got = store.partition_checksums(&names).unwrap();
        for (name, sum) in names.iter().zip(got) {
            assert_eq!(sum, expected[name], "partition {name}");
            assert_eq!(sum, store.partition_checksum(name).unwrap(), "partition {name}, read alone");
        }
    }
}
