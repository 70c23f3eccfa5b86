//! Store: the local SQLite database. Owns the connection, schema migrations and the version gate,
//! the device identity and clock, and [`Writer`], through which every user action runs as ONE
//! transaction that writes the rows, their search index entries and their outbox change records.

pub mod clocks;
mod columns;
pub mod customers;
mod field_numbers;
pub mod memory;
pub mod outbox_writes;
pub mod record;
pub mod remote;
pub mod search;
pub mod syncing;

use crate::domain::Timestamp;
use crate::error::{CoreError, Result};
use crate::sync::{Clock, Hlc};
pub use record::{Col, Entity, get, query};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};
use serde_json::Value;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// The schema migrations, embedded in the binary, in order. Append only.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_quotes.sql"),
    include_str!("../../migrations/0003_custom_jurisdictions.sql"),
    include_str!("../../migrations/0004_letterhead.sql"),
    include_str!("../../migrations/0005_sync_apply.sql"),
    include_str!("../../migrations/0006_sync_client.sql"),
    include_str!("../../migrations/0007_test_drives_surveys_referrals.sql"),
    include_str!("../../migrations/0008_leads.sql"),
    include_str!("../../migrations/0009_analytics.sql"),
    include_str!("../../migrations/0010_lead_intake.sql"),
    include_str!("../../migrations/0011_stage_history.sql"),
    include_str!("../../migrations/0012_order_lifecycle.sql"),
    include_str!("../../migrations/0013_lost_deals_coaching.sql"),
    include_str!("../../migrations/0014_portal_messages.sql"),
    include_str!("../../migrations/0015_portal_test_drives.sql"),
    include_str!("../../migrations/0016_row_clocks.sql"),
    include_str!("../../migrations/0017_outbox_writes.sql"),
    include_str!("../../migrations/0018_row_clocks_v2.sql"),
    include_str!("../../migrations/0019_status_indexes.sql"),
    include_str!("../../migrations/0020_partition_indexes.sql"),
    include_str!("../../migrations/0021_contentless_search.sql"),
    include_str!("../../migrations/0022_numbered_fields.sql"),
    include_str!("../../migrations/0023_outbox_ids_as_bytes.sql"),
];

/// The migration that folds `field_clocks` into `row_clocks` runs Rust after its SQL.
const FOLD_CLOCKS: usize = 15;

/// Meta key: who uses this laptop while nobody is signed in (a laptop that does not sync).
pub const LAPTOP_USER: &str = "laptop_user";

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    device_id: Uuid,
    user_id: Option<Uuid>,
    clock: Clock,
}

impl Store {
    /// Opens (creating if needed) an UNENCRYPTED database file, refusing one written by a newer
    /// build. For tests and tools; the app opens its data through [`Store::open_encrypted`] with the
    /// key from the [`crate::vault`].
    pub fn open(path: &Path) -> Result<Store> {
        Self::open_keyed(path, None)
    }

    /// Opens (creating if needed) the database file encrypted with `key` (SQLCipher).
    pub fn open_encrypted(path: &Path, key: &crate::vault::DbKey) -> Result<Store> {
        Self::open_keyed(path, Some(key))
    }

    fn open_keyed(path: &Path, key: Option<&crate::vault::DbKey>) -> Result<Store> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| CoreError::io(format!("cannot create {}", dir.display()), e))?;
        }
        let conn = Connection::open(path)?;
        if let Some(key) = key {
            key.apply(&conn)?;
        }
        // The first read tells whether the key opens the file.
        if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            return Err(match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) if key.is_some() => CoreError::Locked {
                    first_time: false,
                    message: "the passphrase is wrong: it does not open this laptop's data".into(),
                },
                Some(rusqlite::ErrorCode::NotADatabase) => CoreError::Locked {
                    first_time: false,
                    message: format!("{} is encrypted: open it with its key", path.display()),
                },
                _ => e.into(),
            });
        }
        // A new file reclaims the pages freed by pushed changes (the outbox) a piece at a time
        // (`Store::reclaim_space`); this must be set before the first table is created.
        let fresh: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if fresh == 0 {
            conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Checkpoint the WAL every ~16 MB instead of every 4 MB: a first sync writes hundreds of
        // pages a second, and each checkpoint waits for the disk.
        conn.pragma_update(None, "wal_autocheckpoint", 4000)?;
        // A 64 MiB page cache: a big import or first sync is one transaction, and with the default
        // 8 MB cache its dirty pages spill to the WAL (and are re-read) long before the commit.
        conn.pragma_update(None, "cache_size", -65_536)?;
        // ...and dirty pages are not written to the WAL before the commit until a transaction has
        // changed 256 MiB: a spilled page is written twice (and read back) when the transaction
        // changes it again. A 50k-customer import changes ~120 MB; spilling cost it ~3 %.
        conn.pragma_update(None, "cache_spill", -262_144)?;
        Self::init(conn, Some(path.to_path_buf()))
    }

    pub fn open_in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Store> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Room for every statement of a push or a write (the trust checks alone prepare dozens): a
        // statement evicted from this cache is parsed and planned again on its next use.
        conn.set_prepared_statement_cache_capacity(256);
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(CoreError::SchemaTooNew { found, supported: SCHEMA_VERSION });
        }
        let migrations = Migrations::new(
            MIGRATIONS
                .iter()
                .enumerate()
                .map(|(i, sql)| match i {
                    FOLD_CLOCKS => M::up_with_hook(sql, |tx: &Transaction<'_>| {
                        clocks::fold_field_rows(tx).map_err(|e| rusqlite_migration::HookError::Hook(e.to_string()))
                    }),
                    _ => M::up(sql),
                })
                .collect(),
        );
        migrations.to_latest(&mut conn).map_err(|e| CoreError::Migration(e.to_string()))?;
        search::reindex_if_stale(&mut conn)?;
        field_numbers::ensure_table(&conn)?;
        let device_id = match meta_get(&conn, "device_id")? {
            Some(s) => s.parse().map_err(|_| CoreError::Migration(format!("bad device id {s:?}")))?,
            None => {
                let id = Uuid::now_v7();
                meta_set(&conn, "device_id", &id.to_string())?;
                id
            }
        };
        let last = meta_get(&conn, "hlc")?.and_then(|s| s.parse::<Hlc>().ok());
        let user_id = meta_get(&conn, "user_id")?.and_then(|s| s.parse().ok());
        Ok(Store { conn, path, device_id, user_id, clock: Clock::new(device_id, last) })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    pub fn user_id(&self) -> Option<Uuid> {
        self.user_id
    }

    /// Who acts on this device: the signed-in user, else the user chosen for this laptop while
    /// nobody is signed in ([`LAPTOP_USER`]). What they create is theirs (owner, author).
    pub fn acting_user(&self) -> Option<Uuid> {
        self.user_id.or_else(|| {
            let id: Uuid = self.meta(LAPTOP_USER).ok().flatten()?.parse().ok()?;
            get::<crate::domain::User>(&self.conn, id).is_ok_and(|u| u.active).then_some(id)
        })
    }

    /// The user this device acts as; stamped on every change record.
    /// Whether the signed-in user is a rep. With nobody signed in (a single-user device) the person
    /// at the keyboard runs the dealership and counts as a manager.
    pub fn signed_in_as_rep(&self) -> bool {
        let Some(me) = self.user_id else { return false };
        get::<crate::domain::User>(&self.conn, me).is_ok_and(|u| u.role == crate::domain::Role::Rep)
    }

    /// Refuses a manager's action to a signed-in rep, naming `field`: "only a manager {what}".
    pub fn require_manager(&self, field: &str, what: &str) -> Result<()> {
        if self.signed_in_as_rep() {
            return Err(CoreError::field(field, format!("only a manager {what}")));
        }
        Ok(())
    }

    pub fn set_user(&mut self, user: Option<Uuid>) -> Result<()> {
        match user {
            Some(u) => meta_set(&self.conn, "user_id", &u.to_string())?,
            None => {
                self.conn.execute("DELETE FROM meta WHERE key = 'user_id'", [])?;
            }
        }
        self.user_id = user;
        Ok(())
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        meta_get(&self.conn, key)
    }

    /// Runs `f` as one user action: one IMMEDIATE transaction, committed only if `f` succeeds.
    /// Every write inside records its change set in the outbox.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        self.write_inner(true, f)
    }

    /// Like [`Store::write`] but records no outbox changes: for generated demo or benchmark data
    /// (local, never synced) and for changes that came from other devices (already on the server).
    pub fn write_unrecorded<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        self.write_inner(false, f)
    }

    /// Runs `f` in one transaction and commits only when it returns `Ok(true)`; `Ok(false)` rolls
    /// everything back (dry runs, all-or-nothing imports).
    pub fn write_if(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<bool>) -> Result<bool> {
        self.transact(true, |w| f(w).map(|commit| (commit, commit)))
    }

    fn write_inner<T>(&mut self, record: bool, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        self.transact(record, |w| f(w).map(|out| (out, true)))
    }

    fn transact<T>(&mut self, record: bool, f: impl FnOnce(&mut Writer<'_>) -> Result<(T, bool)>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut w = Writer { tx, clock: self.clock, device_id: self.device_id, user_id: self.user_id, record };
        let (out, commit) = f(&mut w)?;
        let Writer { tx, clock, .. } = w;
        if !commit {
            tx.rollback()?;
            return Ok(out);
        }
        if clock != self.clock {
            meta_set(&tx, "hlc", &clock.last().to_string())?;
        }
        tx.commit()?;
        self.clock = clock;
        Ok(out)
    }

    /// Sets a local, unsynced setting (onboarding state, UI preferences).
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        meta_set(&self.conn, key, value)
    }

    /// Removes a local setting.
    pub fn delete_meta(&self, key: &str) -> Result<()> {
        self.conn.execute("DELETE FROM meta WHERE key = ?1", [key])?;
        Ok(())
    }

    /// Drops the pages this connection caches (up to the 64 MiB set at open) back to the
    /// allocator: the window calls it when the rep stops clicking, so a walk through the reports
    /// does not keep ~18 MB of decrypted pages resident while the screen sits still. The next
    /// query reads its pages again (from the OS's file cache, decrypting them). Changes nothing
    /// stored; a transaction in progress keeps the pages it has written.
    pub fn release_memory(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA shrink_memory")?;
        Ok(())
    }

    /// Gives the disk back the pages that pushed changes left free, once they are worth it (more
    /// than [`RECLAIM_PAGES`] pages and a tenth of the file): a first sync of 50,000 customers
    /// frees ~180 MB of outbox. A file made before incremental vacuum existed here is converted
    /// once (a full VACUUM) the first time it has that much to give back. A write-ahead log grown
    /// past [`RECLAIM_PAGES`] pages by a big pull or import is written back and truncated. Returns
    /// the bytes freed.
    pub fn reclaim_space(&mut self) -> Result<u64> {
        // (SQLCipher answers `page_size` as text, in a column named cipher_page_size.)
        let pragma = |name: &str| {
            self.conn.query_row(&format!("PRAGMA {name}"), [], |r| match r.get::<_, rusqlite::types::Value>(0)? {
                rusqlite::types::Value::Integer(n) => Ok(n),
                rusqlite::types::Value::Text(t) => Ok(t.trim().parse().unwrap_or(4096)),
                _ => Ok(0),
            })
        };
        let (free, pages, page_size, mode) =
            (pragma("freelist_count")?, pragma("page_count")?, pragma("page_size")?, pragma("auto_vacuum")?);
        let Some(path) = self.path.clone() else { return Ok(0) };
        let mut wal = path.into_os_string();
        wal.push("-wal");
        let wal_bytes = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        let wal_big = wal_bytes > (RECLAIM_PAGES * page_size) as u64;
        if free < RECLAIM_PAGES || free * 10 < pages {
            if wal_big {
                self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                return Ok(wal_bytes.saturating_sub(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0)));
            }
            return Ok(0);
        }
        if mode == 2 {
            // Each step of this pragma frees one page: it runs until it has no more rows.
            let mut vacuum = self.conn.prepare("PRAGMA incremental_vacuum")?;
            let mut steps = vacuum.query([])?;
            while steps.next()?.is_some() {}
        } else {
            self.conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM")?;
        }
        // The file shrinks when the WAL is written back; an empty WAL is truncated too.
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(((pages - pragma("page_count")?).max(0) * page_size) as u64)
    }

    /// Number of change records waiting to be pushed.
    pub fn pending_changes(&self) -> Result<i64> {
        outbox_writes::pending(&self.conn)
    }

    pub fn count<E: Entity>(&self) -> Result<i64> {
        let sql = format!("SELECT count(*) FROM {} {}", E::TABLE, live_filter::<E>());
        Ok(self.conn.query_row(&sql, [], |r| r.get(0))?)
    }
}

fn live_filter<E: Entity>() -> &'static str {
    if E::COLUMNS.iter().any(|(n, _)| *n == "deleted_at") { "WHERE deleted_at IS NULL" } else { "" }
}

fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// A change of one field of one row, as the outbox holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    pub change_id: Uuid,
    pub table: String,
    pub row_id: Uuid,
    pub field: String,
    pub value: Value,
    pub hlc: Hlc,
    pub device_id: Uuid,
    pub user_id: Option<Uuid>,
}

impl From<ChangeRecord> for crate::sync::merge::FieldChange {
    /// The part of an outbox record that travels to other devices and that the merge rule reads.
    fn from(c: ChangeRecord) -> Self {
        crate::sync::merge::FieldChange {
            change_id: c.change_id,
            table: c.table,
            row_id: c.row_id,
            field: c.field,
            value: c.value,
            hlc: c.hlc,
            author: c.user_id,
        }
    }
}

/// Reads the outbox in push order.
pub fn outbox(conn: &Connection) -> Result<Vec<ChangeRecord>> {
    outbox_page(conn, usize::MAX >> 1)
}

/// Free pages below which [`Store::reclaim_space`] leaves the file alone (4 MB of 4 KB pages).
pub const RECLAIM_PAGES: i64 = 1024;

/// Reads the first `limit` outbox records in push order.
pub fn outbox_page(conn: &Connection, limit: usize) -> Result<Vec<ChangeRecord>> {
    outbox_writes::page(conn, limit)
}

/// Write access inside one transaction. Obtained from [`Store::write`].
pub struct Writer<'a> {
    tx: Transaction<'a>,
    clock: Clock,
    device_id: Uuid,
    user_id: Option<Uuid>,
    record: bool,
}

impl Writer<'_> {
    pub fn conn(&self) -> &Connection {
        &self.tx
    }

    pub fn get<E: Entity>(&self, id: Uuid) -> Result<E> {
        get(&self.tx, id)
    }

    /// Inserts a new row, indexes it for search and records every field as a change.
    pub fn insert<E: Entity>(&mut self, e: &E) -> Result<()> {
        self.insert_new(NewRow::new(e)?)
    }

    /// [`Writer::insert`] of a row whose database-free part was done beforehand (see [`NewRow`]).
    pub fn insert_new<E: Entity>(&mut self, row: NewRow<E>) -> Result<()> {
        let inserted =
            self.tx.prepare_cached(record::insert_sql::<E>())?.execute(rusqlite::params_from_iter(&row.values));
        match inserted {
            Err(rusqlite::Error::SqliteFailure(err, _)) if err.code == rusqlite::ErrorCode::ConstraintViolation => {
                return Err(CoreError::Conflict(format!("a {} with the same key already exists", E::NAME)));
            }
            other => other?,
        };
        if let Some(terms) = &row.terms {
            let rid = self.tx.last_insert_rowid();
            let sql = record::sql_once::<E>("index", || {
                format!("INSERT INTO {}_fts (rowid, terms) VALUES (?1, ?2)", E::TABLE)
            });
            self.tx.prepare_cached(sql)?.execute(params![rid, terms])?;
        }
        if !self.record {
            return Ok(());
        }
        self.record_write::<E>(row.id, &row.recorded, &row.entries, true)?;
        if E::TABLE == "opportunities" {
            self.remember_stage(&columns::as_map::<E>(&row.fields), None)?;
        }
        Ok(())
    }

    /// Stage history: a person's write that opens a deal or changes its stage also writes the
    /// [`crate::domain::StageMove`], in the same transaction. Synced rows and unrecorded writes
    /// (the demo, a restore) carry their own history.
    fn remember_stage(&mut self, deal: &serde_json::Map<String, Value>, from: Option<&Value>) -> Result<()> {
        if !self.record {
            return Ok(());
        }
        let id = |v: Option<&Value>| v.and_then(Value::as_str).and_then(|s| Uuid::parse_str(s).ok());
        let (Some(opportunity_id), Some(customer_id), Some(stage_id)) =
            (id(deal.get("id")), id(deal.get("customer_id")), id(deal.get("stage_id")))
        else {
            return Ok(());
        };
        let at = deal
            .get("stage_entered_at")
            .and_then(Value::as_str)
            .and_then(crate::domain::Timestamp::parse)
            .unwrap_or_else(crate::domain::Timestamp::now);
        let user = self.user_id;
        self.insert(&crate::domain::StageMove {
            id: crate::domain::new_id(),
            opportunity_id,
            customer_id,
            from_stage_id: id(from),
            stage_id,
            at,
            by_id: user,
        })
    }

    /// Saves `new` over `old` (taking its id) or, with no `old`, as a new row (with a fresh id when
    /// it has none). `id` reaches the entity's id field.
    pub fn put<E: Entity>(&mut self, old: Option<E>, new: &mut E, id: fn(&mut E) -> &mut Uuid) -> Result<()> {
        match old {
            Some(old) => {
                *id(new) = old.id();
                self.update(&old, new).map(|_| ())
            }
            None => {
                if id(new).is_nil() {
                    *id(new) = crate::domain::new_id();
                }
                self.insert(new)
            }
        }
    }

    /// Writes the fields of `new` that differ from `old` (the stored row), reindexes it, and records
    /// one change per changed field. Returns the names of the changed fields.
    pub fn update<E: Entity>(&mut self, old: &E, new: &E) -> Result<Vec<String>> {
        if old.id() != new.id() {
            return Err(CoreError::Conflict(format!("cannot change a {}'s id", E::NAME)));
        }
        let before = columns::to_columns(old)?;
        let after = columns::to_columns(new)?;
        const NULL: &Value = &Value::Null;
        let changed: Vec<(&str, &Value)> = E::COLUMNS
            .iter()
            .zip(before.iter().zip(&after))
            .filter_map(|((n, _), (b, a))| {
                let v = a.as_ref().unwrap_or(NULL);
                (b.as_ref().unwrap_or(NULL) != v).then_some((*n, v))
            })
            .collect();
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        let sets = changed.iter().enumerate().map(|(i, (n, _))| format!("{n} = ?{}", i + 2)).collect::<Vec<_>>();
        let sql = format!("UPDATE {} SET {} WHERE id = ?1", E::TABLE, sets.join(", "));
        let mut values = vec![SqlValue::Text(new.id().to_string())];
        for (name, v) in &changed {
            let col = E::COLUMNS.iter().find(|(n, _)| n == name).map(|(_, c)| *c).unwrap_or(Col::Text);
            values.push(record::to_sql(col, v)?);
        }
        let n = self.tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values))?;
        if n == 0 {
            return Err(CoreError::NotFound { entity: E::NAME, id: new.id().to_string() });
        }
        // The search entry is rewritten only when what it indexes changed (a note, a consent or a
        // stage leaves it alone: an FTS5 rewrite is most of an edit's cost).
        let terms = if E::SEARCHABLE { new.search_terms() } else { String::new() };
        if E::SEARCHABLE && terms != old.search_terms() {
            self.tx
                .prepare_cached(&format!(
                    "UPDATE {t}_fts SET terms = ?2 WHERE rowid = (SELECT rid FROM {t} WHERE id = ?1)",
                    t = E::TABLE
                ))?
                .execute(params![new.id().to_string(), terms])?;
        }
        self.record_changes::<E>(new.id(), &changed, false)?;
        if E::TABLE == "opportunities" && changed.iter().any(|(n, _)| *n == "stage_id") {
            let from = E::COLUMNS.iter().position(|(n, _)| *n == "stage_id").and_then(|at| before[at].as_ref());
            self.remember_stage(&columns::as_map::<E>(&after), from)?;
        }
        Ok(changed.iter().map(|(n, _)| n.to_string()).collect())
    }

    /// Records one write of `fields` (`new_row`: an insert, which writes every field the row has,
    /// so its clocks are written without reading what was there).
    fn record_changes<E: Entity>(&mut self, row_id: Uuid, fields: &[(&str, &Value)], new_row: bool) -> Result<()> {
        if !self.record || fields.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
        self.record_write::<E>(row_id, &names, &outbox_writes::entries(fields)?, new_row)
    }

    /// Records one write of the fields `names`, their values in the outbox's form (`entries`).
    fn record_write<E: Entity>(&mut self, row_id: Uuid, names: &[&str], entries: &str, new_row: bool) -> Result<()> {
        if !self.record || names.is_empty() {
            return Ok(());
        }
        let now = Timestamp::now().millis().max(0) as u64;
        let hlc = self.clock.tick(now);
        let row = row_id.to_string();
        let (device, user) = (self.device_id, self.user_id);
        let ids = outbox_writes::record(&self.tx, E::TABLE, row_id, &hlc, device, user, names.len(), entries)?;
        let user = self.user_id.map(|u| u.to_string());
        let written = names
            .iter()
            .zip(&ids)
            .map(|(field, &change_id)| (*field, clocks::Clocked { hlc, change_id, author: user.clone() }));
        match new_row {
            true => clocks::save(&self.tx, E::TABLE, &row, &written.map(|(f, c)| (f.to_string(), c)).collect())?,
            false => clocks::set(&self.tx, E::TABLE, &row, written)?,
        }
        Ok(())
    }
}

/// A new row as [`Writer::insert`] writes it, worked out without the database: its columns as SQL
/// values, its search terms, and the fields its insert records with their values in the outbox's
/// form. A large import makes these on a second thread while the first writes the rows before.
pub struct NewRow<E: Entity> {
    id: Uuid,
    values: Vec<SqlValue>,
    terms: Option<String>,
    recorded: Vec<&'static str>,
    /// The recorded fields' values as the outbox holds them (see [`outbox_writes::entries`]).
    entries: String,
    fields: Vec<Option<Value>>,
    entity: std::marker::PhantomData<fn() -> E>,
}

impl<E: Entity> NewRow<E> {
    pub fn new(e: &E) -> Result<Self> {
        let fields = columns::to_columns(e)?;
        let values = E::COLUMNS
            .iter()
            .zip(&fields)
            .map(|((_, col), v)| record::to_sql(*col, v.as_ref().unwrap_or(&Value::Null)))
            .collect::<Result<Vec<_>>>()?;
        // Empty fields are not recorded: a row arrives elsewhere without them and reads them as
        // empty (null for an optional field; "", false or [] for one marked `#[serde(default)]`).
        // That is a third of the changes of a typical new row.
        let recorded: Vec<(&'static str, &Value)> = E::COLUMNS
            .iter()
            .zip(&fields)
            .filter_map(|((n, _), v)| Some((*n, v.as_ref()?)))
            .filter(|(n, v)| *n != "id" && !record::travels_empty::<E>(n, v, || columns::as_map::<E>(&fields)))
            .collect();
        let entries = outbox_writes::entries(&recorded)?;
        let recorded = recorded.into_iter().map(|(n, _)| n).collect();
        let terms = E::SEARCHABLE.then(|| e.search_terms());
        Ok(NewRow { id: e.id(), values, terms, recorded, entries, fields, entity: std::marker::PhantomData })
    }
}
