//! Purging deleted rows, so the log does not grow with what was deleted. A row whose
//! `deleted_at` won is a tombstone: once every device of its dealership that still syncs has
//! pulled the deletion (and it is older than the compaction's cutoff), its state and history go,
//! and one `purge` entry in the log tells every replica to drop the row too (every device of the
//! dealership gets every purge note, whoever owns the row now: a device that held it before a
//! reassignment must drop it as well; a note names only the table and the row's id). A purge entry
//! every such device has pulled goes in turn, and the dealership's `resync_below` mark rises
//! past it: a device that was away longer (not seen since the away cutoff, so it held nothing
//! back) and comes back with an older cursor is told to re-sync from the state, and the
//! partition checksums of that full pull prove it holds what the server holds. The purged rows'
//! ids stay (`purged`, some 100 bytes a row) so a late edit to one is taken and dropped rather
//! than bringing a partial row back.

use super::db::{Db, DbExt, Dialect, Mode, begin, params};
use super::{Conn, DEALERSHIP_NO, Result, meta, set_meta};
use std::collections::HashSet;

/// What one dealership's purge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Deleted rows purged (their state, history and write ids).
    pub rows: u64,
    /// Purge entries every syncing device had pulled, forgotten.
    pub forgotten: u64,
}

/// `row_id IN (…)` over a JSON array of ids passed as one parameter.
fn in_ids(dialect: Dialect, param: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("row_id IN (SELECT value FROM json_each({param}))"),
        Dialect::Postgres => format!("row_id IN (SELECT json_array_elements_text(CAST({param} AS json)))"),
    }
}

impl Conn {
    /// Purges one dealership's tombstones (see the module's doc) in one transaction.
    pub(super) fn purge_dealership(
        &mut self,
        d: &str,
        before_ms: u64,
        away_before_ms: u64,
        now_ms: u64,
    ) -> Result<Purged> {
        let tx = begin(&*self.conn, Mode::Write)?;
        let top: i64 = tx.query_row(
            &format!("SELECT COALESCE(MAX(seq), 0) FROM log_entries WHERE dealership = {DEALERSHIP_NO}"),
            [d],
            |r| r.get(0),
        )?;
        // How far every device that still syncs has pulled (a device away since before the
        // cutoff does not hold purging back; it re-syncs when it returns).
        let horizon: Option<i64> = tx.query_row(
            "SELECT MIN(v.pulled_to) FROM devices v JOIN users u ON u.id = v.user_id
             WHERE u.dealership_id = ?1 AND v.seen_ms >= ?2",
            params![d, away_before_ms as i64],
            |r| r.get(0),
        )?;
        let horizon = horizon.unwrap_or(top);
        // Rows whose winning deletion every such device has, logged before the cutoff.
        let tombstones: Vec<(String, String, Option<String>)> = tx
            .prepare(
                "SELECT s.tbl, s.row_id, r.partition_id FROM state s
                 JOIN write_records wr ON wr.id = s.w / 256
                 JOIN seen w ON w.write_id = wr.write_id
                 JOIN log l ON l.seq = w.seq
                 JOIN rows r ON r.dealership_id = s.dealership_id AND r.tbl = s.tbl AND r.row_id = s.row_id
                 WHERE s.dealership_id = ?1 AND s.field = 'deleted_at' AND s.value <> 'null'
                   AND l.kind = 'change' AND l.dealership_id = s.dealership_id AND l.tbl = s.tbl
                   AND l.row_id = s.row_id AND l.seq <= ?2 AND l.received_ms < ?3",
            )?
            .query_map(params![d, horizon, before_ms as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let mut purged = Purged::default();
        if !tombstones.is_empty() {
            // A row another row still names (a deleted customer's quote) stays: replicas keep
            // foreign keys. Its children go first; it goes at a later compaction.
            let named: HashSet<String> = tx
                .prepare(
                    "SELECT DISTINCT value FROM state WHERE dealership_id = ?1 AND field LIKE '%\\_id' ESCAPE '\\'",
                )?
                .query_map([d], |r| r.get::<String>(0))?
                .collect::<std::result::Result<_, _>>()?;
            let gone: Vec<(String, String, Option<String>)> =
                tombstones.into_iter().filter(|(_, row, _)| !named.contains(&format!("\"{row}\""))).collect();
            if !gone.is_empty() {
                let ids = serde_json::to_string(&gone.iter().map(|(_, row, _)| row).collect::<Vec<_>>())?;
                let dialect = tx.dialect();
                // The rows' history and write ids, before the rows (an entry by reference finds
                // its row by number). Sequence numbers are never handed out again: AUTOINCREMENT
                // on SQLite, an identity on PostgreSQL.
                let history: Vec<(Option<String>, i64)> = tx
                    .prepare(&format!(
                        "DELETE FROM log_entries WHERE dealership = {DEALERSHIP_NO}
                           AND kind IN ('change', 'copy', 'refused', 'evict')
                           AND ({} OR (tbl = '' AND rid IN (SELECT id FROM rows WHERE dealership_id = ?1 AND {})))
                         RETURNING COALESCE(change_id, (SELECT write_id FROM writes WHERE id = log_entries.w_from / 256)), seq",
                        in_ids(dialect, "?2"),
                        in_ids(dialect, "?2")
                    ))?
                    .query_map(params![d, ids], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<std::result::Result<_, _>>()?;
                let mut forget = tx.prepare_cached("DELETE FROM seen WHERE write_id = ?1 AND seq = ?2")?;
                for (write, seq) in history.iter().filter_map(|(w, s)| w.as_ref().map(|w| (w, s))) {
                    forget.execute(params![super::write_key_of(write)?, seq])?;
                }
                drop(forget);
                tx.execute(
                    &format!(
                        "DELETE FROM state_fields WHERE rid IN (SELECT id FROM rows WHERE dealership_id = ?1 AND {})",
                        in_ids(dialect, "?2")
                    ),
                    params![d, ids],
                )?;
                tx.execute(
                    &format!(
                        "DELETE FROM row_records WHERE dealership = {DEALERSHIP_NO} AND {}",
                        in_ids(dialect, "?2")
                    ),
                    params![d, ids],
                )?;
                let mut announce = tx.prepare_cached(
                    "INSERT INTO log_entries (kind, tbl, row_id, dealership, partition_id, received_ms)
                     VALUES ('purge', ?1, ?2, (SELECT n FROM short_ids WHERE id = ?3), ?4, ?5)",
                )?;
                let mut remember = tx.prepare_cached(
                    "INSERT INTO purged (dealership_id, tbl, row_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                )?;
                for (table, row, partition) in &gone {
                    announce.execute(params![table, row, d, partition, now_ms as i64])?;
                    remember.execute(params![d, table, row])?;
                }
                drop((announce, remember));
                purged.rows = gone.len() as u64;
            }
        }
        // Purge entries every syncing device has pulled (and older than the cutoff) go; a device
        // with an older cursor re-syncs.
        let forgotten: Vec<(i64, Option<String>)> = tx
            .prepare(
                "DELETE FROM log_entries WHERE dealership = (SELECT n FROM short_ids WHERE id = ?1) AND kind = 'purge'
                   AND seq <= ?2 AND received_ms < ?3
                 RETURNING seq, partition_id",
            )?
            .query_map(params![d, horizon, before_ms as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        // A partition left without rows (a purged customer's own) goes with its grants and moves:
        // it was kept until now so its owner's devices got the purge note.
        let emptied: HashSet<&String> = forgotten.iter().filter_map(|(_, p)| p.as_ref()).collect();
        for p in emptied {
            let left: bool = tx
                .prepare_cached(&format!("SELECT EXISTS ({})", super::PARTITION_ROWS))?
                .query_row(params![d, p], |r| r.get(0))?;
            if !left {
                for sql in [
                    "DELETE FROM partitions WHERE dealership = (SELECT n FROM short_ids WHERE id = ?1) AND id = ?2",
                    "DELETE FROM grants WHERE dealership_id = ?1 AND partition_id = ?2",
                    "DELETE FROM moves WHERE dealership_id = ?1 AND partition_id = ?2",
                ] {
                    tx.prepare_cached(sql)?.execute(params![d, p])?;
                }
            }
        }
        if let Some(last) = forgotten.iter().map(|(seq, _)| *seq).max() {
            let key = format!("resync_below:{d}");
            let below = meta(&tx, &key)?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
            set_meta(&tx, &key, &last.max(below).to_string())?;
        }
        purged.forgotten = forgotten.len() as u64;
        tx.commit()?;
        Ok(purged)
    }

    /// Writes the pull cursors served from memory (SQLite keeps them there between a device's
    /// pushes) to `devices`, so a purge sees how far each device pulled and when.
    pub(super) fn save_cursors(&mut self) -> Result<()> {
        let cursors: Vec<((uuid::Uuid, uuid::Uuid), (i64, u64))> =
            super::lock(&self.cursors).iter().map(|(k, v)| (*k, *v)).collect();
        let tx = begin(&*self.conn, Mode::Write)?;
        for ((user, device), (cursor, seen)) in cursors {
            tx.prepare_cached(
                "INSERT INTO devices (user_id, device_id, pulled_to, seen_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, device_id) DO UPDATE SET
                   pulled_to = CASE WHEN excluded.pulled_to > devices.pulled_to THEN excluded.pulled_to ELSE devices.pulled_to END,
                   seen_ms = CASE WHEN excluded.seen_ms > devices.seen_ms THEN excluded.seen_ms ELSE devices.seen_ms END",
            )?
            .execute(params![user.to_string(), device.to_string(), cursor, seen as i64])?;
        }
        tx.commit()
    }
}
