//! The server's storage: accounts and tokens, the change log with its monotonic sequence, the
//! current state of every field (`state_fields`, keyed by the row's number in `row_records`;
//! readers use the `state` view joining the two), and where every row lives. Long ids a push
//! would repeat in every table (dealerships, users, devices, clock nodes) are numbered once in
//! `short_ids`; the log, rows, writes and partitions hold the numbers, and the `log`, `rows` and
//! `writes` views spell them out for readers (migrations 0015–0019). [`Storage`] is what the HTTP layer
//! calls, shared by every request at once. Its rules are written once, in [`Conn`], over the SQL
//! facade [`db::Db`]; [`SqliteStorage`] runs them on one SQLite file (one writer connection and a
//! pool of read-only ones), [`pg::PgStorage`] on a pooled PostgreSQL database that several server
//! processes may share. Every push is checked whole (shape, types, placement, authorization)
//! before anything is written, then applied in one transaction. [`Storage::compact`] folds old
//! superseded history into the state; [`migrate`] moves a SQLite store into PostgreSQL.

use db::{Db, DbExt, Dialect, Mode, OptionalExt, Row, begin, params};
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};
use serde_json::{Map, Value};
use showroom_core::error::FieldError;
use showroom_core::store::outbox_writes::{change_id as field_change_id, write_of};
use showroom_core::store::record::Col;
use showroom_core::store::remote::check_row;
use showroom_core::sync::merge::{Decision, FieldChange, decide};
use showroom_core::sync::partition::{self, Checksum, Home};
use showroom_core::sync::protocol::{
    CustomerMove, GroupVehicle, Moved, Notice, PartitionChecksum, PullPage, Push, PushAck, Refused, Rooftop, RowRef,
    Transfer, TransferDecision, TransferRequest, WireWrite,
};
use showroom_core::sync::rules::{self, Actor, RowWrite, Standing};
use showroom_core::sync::{Clock, Hlc, plan};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Changes whose HLC is further ahead of the server's clock than this are refused.
pub const MAX_SKEW_MS: u64 = 5 * 60 * 1000;

/// A field's winning value and its write (`writes` row id * 256 + the field's index in it),
/// under its row's number (the row's `rows` record is written first) and its name's number
/// (`?3`, see [`WriteRefs::field`]).
const SET_STATE: &str = "INSERT INTO state_fields (rid, fid, value, w)
     VALUES ((SELECT id FROM row_records
              WHERE dealership = (SELECT n FROM short_ids WHERE id = ?6) AND tbl = ?1 AND row_id = ?2), ?3, ?4, ?5)
     ON CONFLICT (rid, fid) DO UPDATE SET value = excluded.value, w = excluded.w";

/// The fields the state's partial indexes cover, by the fixed numbers migration 0014 gave them:
/// the indexes' conditions, and the lookups that use them, name these numbers.
#[cfg(test)]
const INDEXED_FIELDS: [(&str, i64); 7] =
    [("email", 1), ("phone", 2), ("token_hash", 3), ("quote_id", 4), ("customer_id", 5), ("lead_id", 6), ("status", 7)];

/// The maps and sets a push keeps of its own changes (by write id, row, field): foldhash, seeded
/// once a process, instead of SipHash, which hashed every field change several times over (about
/// a tenth of a first push's server time, with the key clones). Their sizes are bounded by one push.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// The columns a field's clock, change id and author are read back from (see [`current`]), for
/// `state s JOIN writes wr ON wr.id = s.w / 256`.
const STATE_WRITE: &str = "wr.hlc, wr.write_id, s.w % 256, wr.user_id";

/// The rows of a child table linked to one parent row (by `state_links`, whose condition this
/// repeats as written). Lookups by a value compare `dealership_id || ''` and `tbl || ''`,
/// expressions no index of `rows` serves: without them SQLite (no statistics) walks every row of
/// the dealership's table and probes the value index once for each, instead of reading the few
/// rows that hold the value.
const CHILDREN: &str = "SELECT row_id FROM state
     WHERE (fid = 3 OR fid = 4 OR fid = 5 OR fid = 6)
     AND dealership_id || '' = ?1 AND tbl || '' = ?2 AND fid = (SELECT id FROM field_names WHERE name = ?3)
     AND value = ?4";

/// A log entry's fields as `[[index, field, value], ...]` (JSON text), for `FROM log`: stored in
/// `fields`, or, for an entry logged by reference (migration 0011), read from the state. An entry
/// stays by reference only while every field of it is the state's value: before a value is
/// overwritten, [`Conn::set_state`] gives its entry its values back ([`materialize`]), so an entry
/// serves the same fields either way, and its write stays named (never forgotten nor reused).
fn logged_fields(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "CASE WHEN log.w_from IS NULL THEN log.fields ELSE (
               SELECT json_group_array(json_array(f.w % 256, n.name, json(f.value)))
               FROM state_fields f JOIN field_names n ON n.id = f.fid
               WHERE f.rid = log.rid AND f.w BETWEEN log.w_from AND log.w_to)
             END"
        }
        Dialect::Postgres => {
            "CASE WHEN log.w_from IS NULL THEN log.fields ELSE (
               SELECT COALESCE(json_agg(json_build_array(f.w % 256, n.name, f.value::json)), '[]'::json)::text
               FROM state_fields f JOIN field_names n ON n.id = f.fid
               WHERE f.rid = log.rid AND f.w BETWEEN log.w_from AND log.w_to)
             END"
        }
    }
}

/// A log entry's clock and author, for `FROM log LEFT JOIN writes wr ON wr.id = log.w_from / 256`:
/// an entry logged by reference keeps them once, in its write's `writes` row.
const LOGGED_HLC: &str = "COALESCE(log.hlc, wr.hlc)";
const LOGGED_AUTHOR: &str = "COALESCE(log.user_id, wr.user_id)";

/// Gives the log entries that name a field's current value by reference (`?1` dealership, `?2`
/// table, `?3` row, `?4` the field's number) their values, clock and author back, before the
/// value is overwritten.
fn materialize(dialect: Dialect) -> &'static str {
    static SQL: std::sync::LazyLock<[String; 2]> = std::sync::LazyLock::new(|| {
        [Dialect::Sqlite, Dialect::Postgres].map(|d| {
            format!(
                "UPDATE log_entries AS log SET fields = {}, rid = NULL, w_from = NULL, w_to = NULL,
                   tbl = CASE WHEN tbl = '' THEN (SELECT tbl FROM rows WHERE id = log.rid) ELSE tbl END,
                   row_id = CASE WHEN tbl = '' THEN (SELECT row_id FROM rows WHERE id = log.rid) ELSE row_id END,
                   partition_id = CASE WHEN tbl = ''
                     THEN (SELECT partition_id FROM rows WHERE id = log.rid) ELSE partition_id END,
                   change_id = (SELECT write_id FROM writes WHERE id = log.w_from / 256),
                   hlc = (SELECT hlc FROM writes WHERE id = log.w_from / 256),
                   user_id = (SELECT user_id FROM writes WHERE id = log.w_from / 256)
                 WHERE w_from IS NOT NULL AND seq IN (
                   SELECT s.seq FROM state_fields f JOIN write_records wr ON wr.id = f.w / 256
                   JOIN seen s ON s.write_id = wr.write_id
                   WHERE f.rid = (SELECT id FROM row_records
                                  WHERE dealership = (SELECT n FROM short_ids WHERE id = ?1) AND tbl = ?2 AND row_id = ?3)
                     AND f.fid = ?4)",
                logged_fields(d)
            )
        })
    });
    &SQL[usize::from(dialect == Dialect::Postgres)]
}

/// The inserts a push makes for each row it writes, run through [`Db::insert_id`] (which reads
/// the new key without a `RETURNING` clause on SQLite).
/// A write's clock is its milliseconds and counter as one number (`?2`, see [`clock_at`]) and its
/// node's number; its author is a number too (migration 0016).
const INSERT_WRITE: &str = "INSERT INTO write_records (write_id, at, node, author)
     VALUES (?1, ?2, (SELECT n FROM short_ids WHERE id = ?3), (SELECT n FROM short_ids WHERE id = ?4))";

/// A write id as `write_records` and `seen` keep it: its 16 bytes (migration 0019).
fn write_key(write: Uuid) -> db::Val {
    db::Val::Blob(write.as_bytes().to_vec())
}

/// A write id from the bytes [`write_key`] stored.
fn write_of_key(bytes: &[u8]) -> Result<Uuid> {
    Uuid::from_slice(bytes).map_err(|_| StorageError::Internal(format!("bad write id in the database: {bytes:?}")))
}

/// [`write_key`] of a write id's text, as the log and `writes` spell it.
pub(super) fn write_key_of(text: &str) -> Result<db::Val> {
    parse_id(text).map(write_key)
}

/// A clock's milliseconds and counter as one number that sorts as the clock does
/// (`write_records.at`: the text form's two fixed-width fields, `ms * 100000 + counter`).
fn clock_at(hlc: Hlc) -> Result<i64> {
    hlc.ms
        .checked_mul(100_000)
        .and_then(|v| v.checked_add(u64::from(hlc.counter)))
        .and_then(|v| i64::try_from(v).ok())
        .ok_or_else(|| invalid(vec![FieldError::new("hlc", format!("{hlc} is out of range"))]))
}
/// A log entry names its dealership and device by their numbers in `short_ids` (migration 0015):
/// a dealership's is given when it is made ([`SHORT_ID`]), a device's when it pushes.
const INSERT_LOG: &str =
    "INSERT INTO log_entries (kind, tbl, row_id, value, dealership, partition_id, audience, user_id,
                                      device, received_ms)
     VALUES (?1, ?2, ?3, ?4, (SELECT n FROM short_ids WHERE id = ?5), ?6, ?7, ?8,
             (SELECT n FROM short_ids WHERE id = ?9), ?10)";
const INSERT_LOG_WRITE: &str =
    "INSERT INTO log_entries (kind, change_id, tbl, row_id, fields, hlc, dealership, partition_id,
                                      audience, user_id, device, received_ms, rid, w_from, w_to)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT n FROM short_ids WHERE id = ?7), ?8, ?9, ?10,
             (SELECT n FROM short_ids WHERE id = ?11), ?12, ?13, ?14, ?15)";
/// Gives the id `?1` a number in `short_ids` (nothing when it has one).
pub(super) const SHORT_ID: &str = "INSERT INTO short_ids (id) VALUES (?1) ON CONFLICT (id) DO NOTHING";
/// The number of dealership `?1`, for `log_entries.dealership`.
pub(super) const DEALERSHIP_NO: &str = "(SELECT n FROM short_ids WHERE id = ?1)";
/// Gives the log entries that name row `?3` of table `?2` of dealership `?1` by reference their
/// table, row id and partition, before the row moves to another partition: an entry keeps the
/// partition it was written in. An entry by reference names at least one of the row's current
/// values (see [`materialize`]), which finds it through its write.
pub(super) const NAME_ENTRIES: &str = "UPDATE log_entries SET
       tbl = (SELECT tbl FROM rows WHERE id = log_entries.rid),
       row_id = (SELECT row_id FROM rows WHERE id = log_entries.rid),
       partition_id = (SELECT partition_id FROM rows WHERE id = log_entries.rid)
     WHERE tbl = '' AND seq IN (
       SELECT s.seq FROM row_records r JOIN state_fields f ON f.rid = r.id
       JOIN write_records wr ON wr.id = f.w / 256 JOIN seen s ON s.write_id = wr.write_id
       WHERE r.dealership = (SELECT n FROM short_ids WHERE id = ?1) AND r.tbl = ?2 AND r.row_id = ?3)";
/// The rows of partition `?2` (NULL: the shared one) of dealership `?1` (`tbl`, `row_id`). The
/// partition index leaves out a partition's root (a row of a root table whose partition is its
/// own id, migration 0013), which the second half finds by its key; the first half repeats the
/// index's condition as written, which SQLite needs to use a partial index. A row of any other table is in the index, so a
/// client that gives a quote its customer's id (a client can send anything) is still found.
pub(super) const PARTITION_ROWS: &str = "SELECT tbl, row_id FROM row_records
     WHERE dealership = (SELECT n FROM short_ids WHERE id = ?1) AND partition_id IS NOT DISTINCT FROM ?2
       AND partition_id IS DISTINCT FROM ''
     UNION ALL
     SELECT tbl, row_id FROM row_records
     WHERE dealership = (SELECT n FROM short_ids WHERE id = ?1)
       AND tbl IN ('customers', 'leads', 'commission_statements', 'coaching_notes')
       AND row_id = ?2 AND partition_id = ''";

/// The partition a row stores (`?4` for row `?2` of table `?1`): '' for a partition's root,
/// whose partition is its own id (migration 0018). Readers of `row_records` read
/// [`READ_PARTITION`]; `rows` does. (ORs rather than `IN`: a list makes SQLite build a temporary
/// table in every insert.)
pub(super) const ROW_PARTITION: &str = "CASE WHEN ?4 = ?2
       AND (?1 = 'customers' OR ?1 = 'leads' OR ?1 = 'commission_statements' OR ?1 = 'coaching_notes')
     THEN '' ELSE ?4 END";
/// Moves row `?2` of table `?1` of dealership `?3` to partition `?4`.
static MOVE_ROW: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "UPDATE row_records SET partition_id = {ROW_PARTITION}
         WHERE dealership = (SELECT n FROM short_ids WHERE id = ?3) AND tbl = ?1 AND row_id = ?2"
    )
});
/// The partition of a `row_records` row, as [`ROW_PARTITION`] stored it.
const READ_PARTITION: &str = "CASE WHEN partition_id = '' THEN row_id ELSE partition_id END";

/// The tables whose rows [`PARTITION_ROWS`] finds by key when they are their own partition.
#[cfg(test)]
const ROOT_TABLES: [&str; 4] = ["customers", "leads", "commission_statements", "coaching_notes"];

/// Every winning field of partition `?2` of dealership `?1`, for its checksum: table, row, field,
/// write id (its bytes, [`write_of_key`]) and the field's index in the write.
static PARTITION_STATE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT s.tbl, s.row_id, s.field, wr.write_id, s.w % 256 FROM ({PARTITION_ROWS}) r
         CROSS JOIN state s JOIN write_records wr ON wr.id = s.w / 256
         WHERE s.dealership_id = ?1 AND s.tbl = r.tbl AND s.row_id = r.row_id"
    )
});

/// A row names its dealership and creator by number (migration 0017).
static INSERT_ROW: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO row_records (tbl, row_id, dealership, partition_id, creator)
         VALUES (?1, ?2, (SELECT n FROM short_ids WHERE id = ?3), {ROW_PARTITION}, (SELECT n FROM short_ids WHERE id = ?5))
         ON CONFLICT (dealership, tbl, row_id) DO NOTHING"
    )
});

/// `sql`, an `INSERT` of several rows, as `dialect` should run it: `INSERT OR FAIL` on SQLite.
///
/// SQLite runs an `INSERT` of several rows, each of which may fail a constraint, inside a
/// statement journal: it copies every page the statement is about to change, so that the
/// statement alone can be undone while the transaction goes on. A push never goes on after a
/// failed statement (any error rolls its whole transaction back), so the copies are wasted.
/// `OR FAIL` keeps the statement's rows up to the failure, which the rollback then undoes.
fn or_fail(dialect: Dialect, sql: &str) -> std::borrow::Cow<'_, str> {
    match dialect {
        Dialect::Sqlite => std::borrow::Cow::Owned(sql.replacen("INSERT INTO", "INSERT OR FAIL INTO", 1)),
        Dialect::Postgres => std::borrow::Cow::Borrowed(sql),
    }
}

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_tenants_and_trust.sql"),
    include_str!("../../migrations/sqlite/0003_lead_intake.sql"),
    include_str!("../../migrations/sqlite/0004_portal_outbox.sql"),
    include_str!("../../migrations/sqlite/0005_log_writes.sql"),
    include_str!("../../migrations/sqlite/0006_purge.sql"),
    include_str!("../../migrations/sqlite/0007_groups.sql"),
    include_str!("../../migrations/sqlite/0008_state_links_or.sql"),
    include_str!("../../migrations/sqlite/0009_state_writes.sql"),
    include_str!("../../migrations/sqlite/0010_state_by_row.sql"),
    include_str!("../../migrations/sqlite/0011_log_by_reference.sql"),
    include_str!("../../migrations/sqlite/0012_unused_owner_index.sql"),
    include_str!("../../migrations/sqlite/0013_partition_roots_unindexed.sql"),
    include_str!("../../migrations/sqlite/0014_field_names.sql"),
    include_str!("../../migrations/sqlite/0015_log_short_names.sql"),
    include_str!("../../migrations/sqlite/0016_partition_and_write_numbers.sql"),
    include_str!("../../migrations/sqlite/0017_row_numbers.sql"),
    include_str!("../../migrations/sqlite/0018_root_partition_implied.sql"),
    include_str!("../../migrations/sqlite/0019_write_ids_as_bytes.sql"),
];

mod checkpoint;
pub mod db;
mod group;
mod intake;
pub mod pg;
pub mod portal;
mod purge;
pub use group::as_rooftop;
pub use intake::{IntakeOutcome, IntakeReceipt, LeadSource, intake_user, utc_offset_min};
pub use purge::Purged;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Rep,
    Manager,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Rep => "rep",
            Role::Manager => "manager",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "rep" => Some(Role::Rep),
            "manager" => Some(Role::Manager),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub dealership_id: Uuid,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// The dealer group a group manager manages (every rooftop of it); `None` for everyone else.
    pub group_id: Option<Uuid>,
}

/// What went wrong, in the terms the HTTP layer answers with.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// 422: the request is well-formed JSON but its content is not acceptable.
    #[error("{message}")]
    Invalid { message: String, fields: Vec<FieldError> },
    /// 403: the user may not touch these rows.
    #[error("{message}")]
    Forbidden { message: String, fields: Vec<FieldError> },
    /// 409: a change id already names a different change.
    #[error("{message}")]
    Conflict { message: String, fields: Vec<FieldError> },
    #[error("{0}")]
    NotFound(String),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("database: {}", pg::describe(.0))]
    Pg(#[from] postgres::Error),
    /// A query that must find one row found none (see [`db::OptionalExt`]).
    #[error("no such row")]
    NoRows,
    #[error("{0}")]
    Internal(String),
}

impl From<serde_json::Error> for StorageError {
    fn from(e: serde_json::Error) -> Self {
        StorageError::Internal(format!("bad JSON in the database: {e}"))
    }
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// The server's storage, whatever the database: what the HTTP layer, the outbox and the mail
/// intake call. Shared by every request at once (`&self`, `Sync`): an implementation serializes
/// what it must (SQLite: one writer) and nothing more, so reads never wait for writes.
pub trait Storage: Send + Sync {
    fn create_dealership(&self, name: &str) -> Result<Uuid>;
    fn dealerships(&self) -> Result<Vec<(Uuid, String)>>;
    /// Adds a user to the dealership named `dealership` (or the only one when `None`).
    fn add_user(
        &self,
        dealership: Option<&str>,
        login: &str,
        name: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<User>;
    /// Replaces the password and revokes every token of the user.
    fn set_password(&self, login: &str, password_hash: &str) -> Result<()>;
    /// Disables (or re-enables) a user; disabling revokes every token.
    fn set_disabled(&self, login: &str, disabled: bool) -> Result<()>;
    fn credentials(&self, login: &str) -> Result<Option<(User, String)>>;
    /// Records a token of `user` for `device`; `rooftop` names the dealership it serves when not
    /// the user's own (a group manager's sister store, checked by the caller with [`Storage::rooftops`]).
    fn add_token(
        &self,
        hash: &str,
        user: Uuid,
        device: Uuid,
        rooftop: Option<Uuid>,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()>;
    /// The enabled user of a valid, unexpired, unrevoked token, and the device it was issued to.
    fn token_user(&self, hash: &str, now_ms: i64) -> Result<Option<(User, Uuid)>>;
    fn revoke_token(&self, hash: &str) -> Result<bool>;
    /// Orders `login`'s devices (or the one named) to erase their customer data at their next
    /// contact, and revokes their tokens. Returns the devices ordered.
    fn request_wipe(&self, login: &str, device: Option<Uuid>, reason: &str, now_ms: i64) -> Result<Vec<Uuid>>;
    /// Whether the device of this token (valid or not) has a wipe waiting; marks it told.
    fn take_wipe(&self, hash: &str, now_ms: i64) -> Result<Option<String>>;
    /// Applies a push from `push.device_id` (the HTTP layer checks it is the token's device).
    fn push(&self, user: &User, push: &Push, now_ms: u64) -> Result<PushAck>;
    /// A page of what `user` may see after `since`, one [`WireChange`] per field; the server
    /// remembers how far `device` got.
    fn pull(&self, user: &User, device: Uuid, since: i64, limit: usize) -> Result<PullPage> {
        self.pull_shaped(user, device, since, limit, PullShape::Changes)
    }
    /// [`Storage::pull`] with the page's row writes in the shape the client asked for.
    fn pull_shaped(&self, user: &User, device: Uuid, since: i64, limit: usize, shape: PullShape) -> Result<PullPage>;
    /// The highest sequence number handed out.
    fn server_seq(&self) -> Result<i64>;
    /// Folds history older than `before_ms` into the state: removes every write entry received
    /// before it whose every field lost to a later value (the winners stay in the log, so a device
    /// pulling from any cursor, however long away, still receives every winning value: a
    /// last-writer-wins merge never needs the losers). A replay of a removed write is decided again
    /// and loses again. Works in batches so pushes go on meanwhile.
    /// Also purges deleted rows every device that still syncs (seen since `away_before_ms`) has
    /// pulled the deletion of (see `purge`).
    fn compact(&self, before_ms: u64, away_before_ms: u64) -> Result<Compacted>;
    /// The log's entries and the database's size.
    fn log_size(&self) -> Result<LogSize>;
    /// Every partition's checksum over the current state, as pulls report them, keyed
    /// `dealership/partition` (proves two stores, or a store and a laptop, hold the same values).
    fn partition_checksums(&self) -> Result<BTreeMap<String, String>>;
    /// Adds a lead source whose API key hashes to `key_hash`.
    fn add_lead_source(
        &self,
        dealership: Option<&str>,
        name: &str,
        channel: showroom_core::domain::Channel,
        key_hash: &str,
        now_ms: i64,
    ) -> Result<LeadSource>;
    /// Revokes the live source of that name: its key stops working at once.
    fn revoke_lead_source(&self, dealership: Option<&str>, name: &str, now_ms: i64) -> Result<()>;
    fn lead_sources(&self) -> Result<Vec<LeadSource>>;
    /// The source of an API key (revoked ones too: the caller tells them apart).
    fn lead_source(&self, key_hash: &str) -> Result<Option<LeadSource>>;
    /// The source of an email intake mailbox (the address's local part, lowercase).
    fn lead_source_by_mailbox(&self, mailbox: &str) -> Result<Option<LeadSource>>;
    /// Stores, routes and announces a post's leads in one transaction.
    fn take_leads(
        &self,
        source: &LeadSource,
        leads: Vec<showroom_core::leads::intake::Incoming>,
        now_ms: u64,
    ) -> Result<IntakeReceipt>;
    /// The share link whose token hashes to `hash`, with its quote, customer and dealership;
    /// `None` for an unknown link.
    fn portal_load(&self, hash: &str, now_ms: u64) -> Result<Option<portal::PortalLoad>>;
    /// Decides and stores a customer's portal action in one transaction; `None` for an unknown link.
    fn portal_act(
        &self,
        hash: &str,
        action: &showroom_core::portal::Action,
        now_ms: u64,
    ) -> Result<Option<portal::Acted>>;
    /// Queued messages whose turn has come.
    fn outbox_due(&self, now_ms: u64, limit: usize) -> Result<Vec<portal::OutboxItem>>;
    /// Records how a send went (status written back as a synced change, or the next try).
    fn outbox_done(&self, item: &portal::OutboxItem, sent: &portal::Sent, now_ms: u64) -> Result<()>;
    /// A delivery report (bounce) for the email whose token hashes to `hash`: marks it bounced.
    fn message_bounced(&self, hash: &str, detail: &str, now_ms: u64) -> Result<Option<String>>;
    /// Keeps an email's unsubscribe token (its hash).
    fn add_unsubscribe(&self, item: &portal::OutboxItem, hash: &str, now_ms: u64) -> Result<()>;
    /// The letterhead, the customer's name and whether they still take email, for an unsubscribe link.
    fn unsubscribe_view(&self, hash: &str) -> Result<Option<(showroom_core::pdf::Letterhead, String, bool)>>;
    /// Withdraws the customer's email consent; their name, or `None` for an unknown link.
    fn unsubscribe(&self, hash: &str, now_ms: u64) -> Result<Option<String>>;
    /// Returns the space compaction freed (SQLite: rewrites the file, holding the writer;
    /// PostgreSQL: `VACUUM`, pages reusable).
    fn vacuum(&self) -> Result<()>;

    // Dealer groups (storage/group.rs).
    /// A new dealer group.
    fn create_group(&self, name: &str) -> Result<Uuid>;
    /// Puts the dealership named `dealership` in the group named `group`.
    fn join_group(&self, dealership: &str, group: &str) -> Result<()>;
    /// Makes a manager a group manager of the group their dealership is in.
    fn make_group_manager(&self, login: &str, group: &str) -> Result<()>;
    /// Every group with its rooftops' names.
    fn groups(&self) -> Result<Vec<(Uuid, String, Vec<String>)>>;
    /// `user` acting in rooftop `d` when they may sign in there.
    fn rooftop_user(&self, user: &User, d: Uuid) -> Result<Option<User>>;
    /// The caller's rooftop and its group's others.
    fn rooftops(&self, user: &User) -> Result<Vec<Rooftop>>;
    /// The sister rooftops' vehicles for sale matching `query`.
    fn group_inventory(&self, user: &User, query: &str) -> Result<Vec<GroupVehicle>>;
    fn request_transfer(&self, user: &User, req: &TransferRequest, now_ms: u64) -> Result<Transfer>;
    fn transfers(&self, user: &User) -> Result<Vec<Transfer>>;
    fn decide_transfer(&self, user: &User, id: Uuid, decision: &TransferDecision, now_ms: u64) -> Result<Transfer>;
    /// Moves a customer to another rooftop of the group (`by`: a group manager; `None`: the admin).
    fn move_customer(&self, by: Option<&User>, customer: Uuid, mv: &CustomerMove, now_ms: u64) -> Result<Moved>;
}

/// One connection to the server's SQLite file and what its writes need: the writer's HLC clock
/// and the pull cursors served (shared by the writer and every reader).
struct Conn {
    conn: Box<dyn Db + Send>,
    /// The process's HLC clock, shared by its connections.
    clock: Arc<Mutex<Clock>>,
    /// Each device's pull cursor as served (user, device); written to `devices` by its next push.
    cursors: Cursors,
}

/// Each (user, device)'s pull cursor served and when it was served (ms).
type Cursors = Arc<Mutex<HashMap<(Uuid, Uuid), (i64, u64)>>>;

/// [`Storage`] on one SQLite file in WAL mode: one writer connection (SQLite takes one writer at a
/// time) behind a lock, and a pool of read connections (`query_only`) that pulls, sign-in checks
/// and page loads use without waiting for a push: a reader sees the last committed push. An
/// in-memory database (tests) has no readers; everything goes through the writer.
pub struct SqliteStorage {
    writer: Mutex<Conn>,
    /// Checkpoints the file's WAL off the writer's path (none in memory).
    checkpointer: Option<checkpoint::Checkpointer>,
    path: Option<PathBuf>,
    /// Idle read connections; one is opened when none is idle, and at most `IDLE_READERS` are kept.
    readers: Mutex<Vec<Conn>>,
    /// The writer's pull cursors, handed to each new reader without taking the writer's lock.
    cursors: Cursors,
}

/// Read connections kept open between requests.
const IDLE_READERS: usize = 8;

/// Log sequence numbers a compaction transaction covers.
const COMPACT_BATCH: i64 = 20_000;

/// The log's entries and the database's size: pages in use, and the whole file (freed pages are
/// reused by later writes; `VACUUM` returns them to the disk).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogSize {
    pub entries: u64,
    pub live_bytes: u64,
    pub file_bytes: u64,
}

/// What a compaction did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compacted {
    /// Write entries removed.
    pub removed: u64,
    /// Deleted rows purged, and purge entries forgotten.
    pub purged: Purged,
    /// `writes` rows removed: no field's winning value named them any more.
    pub writes: u64,
    pub before: LogSize,
    pub after: LogSize,
}

/// What every connection (writer or reader) waits for a busy file, and room for every statement
/// of a push or a write (the trust checks alone prepare dozens): a statement evicted from this
/// cache is parsed and planned again on its next use.
fn tune(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(())
}

/// A lock whose holder panicked still guards consistent data: SQLite rolled its transaction back.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SqliteStorage {
    pub fn open(path: &Path) -> Result<Self> {
        let writer = Conn::open(path)?;
        let checkpointer = checkpoint::Checkpointer::start(path)?;
        Ok(Self::with_writer(writer, Some(path.to_path_buf()), Some(checkpointer)))
    }

    pub fn open_in_memory() -> Result<Self> {
        Ok(Self::with_writer(Conn::open_in_memory()?, None, None))
    }

    fn with_writer(writer: Conn, path: Option<PathBuf>, checkpointer: Option<checkpoint::Checkpointer>) -> Self {
        let cursors = writer.cursors.clone();
        SqliteStorage { writer: Mutex::new(writer), checkpointer, path, readers: Mutex::default(), cursors }
    }

    fn write<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let out = f(&mut lock(&self.writer));
        if let Some(c) = &self.checkpointer {
            c.after_write();
        }
        out
    }

    fn read<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let Some(path) = &self.path else { return self.write(f) };
        let idle = lock(&self.readers).pop();
        let mut conn = match idle {
            Some(c) => c,
            None => Conn::reader(path, self.cursors.clone())?,
        };
        let out = f(&mut conn);
        let mut idle = lock(&self.readers);
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        out
    }

    #[cfg(test)]
    fn conn(&self) -> std::sync::MutexGuard<'_, Conn> {
        lock(&self.writer)
    }
}

/// [`Storage`] over a store that lends a [`Conn`] for a write and one for a read: every rule
/// lives in `Conn`, written once for both dialects.
macro_rules! storage_over_conns {
    ($store:ty) => {
        impl Storage for $store {
            fn create_dealership(&self, name: &str) -> Result<Uuid> {
                self.write(|c| c.create_dealership(name))
            }
            fn dealerships(&self) -> Result<Vec<(Uuid, String)>> {
                self.read(|c| c.dealerships())
            }
            fn add_user(
                &self,
                dealership: Option<&str>,
                login: &str,
                name: &str,
                role: Role,
                hash: &str,
            ) -> Result<User> {
                self.write(|c| c.add_user(dealership, login, name, role, hash))
            }
            fn set_password(&self, login: &str, password_hash: &str) -> Result<()> {
                self.write(|c| c.set_password(login, password_hash))
            }
            fn set_disabled(&self, login: &str, disabled: bool) -> Result<()> {
                self.write(|c| c.set_disabled(login, disabled))
            }
            fn credentials(&self, login: &str) -> Result<Option<(User, String)>> {
                self.read(|c| c.credentials(login))
            }
            fn add_token(
                &self,
                hash: &str,
                user: Uuid,
                device: Uuid,
                rooftop: Option<Uuid>,
                now_ms: i64,
                expires_ms: i64,
            ) -> Result<()> {
                self.write(|c| c.add_token(hash, user, device, rooftop, now_ms, expires_ms))
            }
            fn token_user(&self, hash: &str, now_ms: i64) -> Result<Option<(User, Uuid)>> {
                self.read(|c| c.token_user(hash, now_ms))
            }
            fn revoke_token(&self, hash: &str) -> Result<bool> {
                self.write(|c| c.revoke_token(hash))
            }
            fn request_wipe(&self, login: &str, device: Option<Uuid>, reason: &str, now_ms: i64) -> Result<Vec<Uuid>> {
                self.write(|c| c.request_wipe(login, device, reason, now_ms))
            }
            fn take_wipe(&self, hash: &str, now_ms: i64) -> Result<Option<String>> {
                self.write(|c| c.take_wipe(hash, now_ms))
            }
            fn push(&self, user: &User, push: &Push, now_ms: u64) -> Result<PushAck> {
                self.write(|c| c.push(user, push, now_ms))
            }
            fn pull_shaped(
                &self,
                user: &User,
                device: Uuid,
                since: i64,
                limit: usize,
                shape: PullShape,
            ) -> Result<PullPage> {
                self.read(|c| c.pull(user, device, since, limit, shape))
            }
            fn server_seq(&self) -> Result<i64> {
                self.read(|c| c.server_seq())
            }
            fn compact(&self, before_ms: u64, away_before_ms: u64) -> Result<Compacted> {
                let before = self.read(|c| c.log_size())?;
                let top = self.server_seq()?;
                let mut removed = 0;
                let mut from = 0;
                // One short transaction per batch: the writer lock is free between them.
                while from <= top {
                    removed += self.write(|c| c.compact_range(before_ms, from, from + COMPACT_BATCH))?;
                    from += COMPACT_BATCH;
                }
                self.write(|c| c.save_cursors())?;
                let now_ms = showroom_core::domain::Timestamp::now().millis().max(0) as u64;
                let mut purged = Purged::default();
                for (id, _) in self.dealerships()? {
                    let p = self.write(|c| c.purge_dealership(&id.to_string(), before_ms, away_before_ms, now_ms))?;
                    purged.rows += p.rows;
                    purged.forgotten += p.forgotten;
                }
                // Read on a snapshot, then removed in short batches: a write no field names is
                // never named again (a field names only the write that set it, made in its push).
                let unnamed = self.read(|c| c.unnamed_writes())?;
                let mut writes = 0;
                for batch in unnamed.chunks(COMPACT_BATCH as usize) {
                    writes += self.write(|c| c.forget_writes(batch))?;
                }
                let after = self.read(|c| c.log_size())?;
                Ok(Compacted { removed, purged, writes, before, after })
            }
            fn log_size(&self) -> Result<LogSize> {
                self.read(|c| c.log_size())
            }
            fn partition_checksums(&self) -> Result<BTreeMap<String, String>> {
                self.read(|c| checksums_in(&*c.conn))
            }
            fn add_lead_source(
                &self,
                dealership: Option<&str>,
                name: &str,
                channel: showroom_core::domain::Channel,
                key_hash: &str,
                now_ms: i64,
            ) -> Result<LeadSource> {
                self.write(|c| c.add_lead_source(dealership, name, channel, key_hash, now_ms))
            }
            fn revoke_lead_source(&self, dealership: Option<&str>, name: &str, now_ms: i64) -> Result<()> {
                self.write(|c| c.revoke_lead_source(dealership, name, now_ms))
            }
            fn lead_sources(&self) -> Result<Vec<LeadSource>> {
                self.read(|c| c.lead_sources())
            }
            fn lead_source(&self, key_hash: &str) -> Result<Option<LeadSource>> {
                self.read(|c| c.lead_source(key_hash))
            }
            fn lead_source_by_mailbox(&self, mailbox: &str) -> Result<Option<LeadSource>> {
                self.read(|c| c.lead_source_by_mailbox(mailbox))
            }
            fn take_leads(
                &self,
                source: &LeadSource,
                leads: Vec<showroom_core::leads::intake::Incoming>,
                now_ms: u64,
            ) -> Result<IntakeReceipt> {
                self.write(|c| c.take_leads(source, leads, now_ms))
            }
            fn portal_load(&self, hash: &str, now_ms: u64) -> Result<Option<portal::PortalLoad>> {
                self.read(|c| c.portal_load(hash, now_ms))
            }
            fn portal_act(
                &self,
                hash: &str,
                action: &showroom_core::portal::Action,
                now_ms: u64,
            ) -> Result<Option<portal::Acted>> {
                self.write(|c| c.portal_act(hash, action, now_ms))
            }
            fn outbox_due(&self, now_ms: u64, limit: usize) -> Result<Vec<portal::OutboxItem>> {
                self.write(|c| c.outbox_due(now_ms, limit))
            }
            fn outbox_done(&self, item: &portal::OutboxItem, sent: &portal::Sent, now_ms: u64) -> Result<()> {
                self.write(|c| c.outbox_done(item, sent, now_ms))
            }
            fn message_bounced(&self, hash: &str, detail: &str, now_ms: u64) -> Result<Option<String>> {
                self.write(|c| c.message_bounced(hash, detail, now_ms))
            }
            fn add_unsubscribe(&self, item: &portal::OutboxItem, hash: &str, now_ms: u64) -> Result<()> {
                self.write(|c| c.add_unsubscribe(item, hash, now_ms))
            }
            fn unsubscribe_view(&self, hash: &str) -> Result<Option<(showroom_core::pdf::Letterhead, String, bool)>> {
                self.read(|c| c.unsubscribe_view(hash))
            }
            fn unsubscribe(&self, hash: &str, now_ms: u64) -> Result<Option<String>> {
                self.write(|c| c.unsubscribe(hash, now_ms))
            }
            fn create_group(&self, name: &str) -> Result<Uuid> {
                self.write(|c| c.create_group(name))
            }
            fn join_group(&self, dealership: &str, group: &str) -> Result<()> {
                self.write(|c| c.join_group(dealership, group))
            }
            fn make_group_manager(&self, login: &str, group: &str) -> Result<()> {
                self.write(|c| c.make_group_manager(login, group))
            }
            fn groups(&self) -> Result<Vec<(Uuid, String, Vec<String>)>> {
                self.read(|c| c.groups())
            }
            fn rooftop_user(&self, user: &User, d: Uuid) -> Result<Option<User>> {
                self.read(|c| c.as_rooftop_of(user, d))
            }
            fn rooftops(&self, user: &User) -> Result<Vec<Rooftop>> {
                self.read(|c| c.rooftops(user))
            }
            fn group_inventory(&self, user: &User, query: &str) -> Result<Vec<GroupVehicle>> {
                self.read(|c| c.group_inventory(user, query))
            }
            fn request_transfer(&self, user: &User, req: &TransferRequest, now_ms: u64) -> Result<Transfer> {
                self.write(|c| c.request_transfer(user, req, now_ms))
            }
            fn transfers(&self, user: &User) -> Result<Vec<Transfer>> {
                self.read(|c| c.transfers(user))
            }
            fn decide_transfer(
                &self,
                user: &User,
                id: Uuid,
                decision: &TransferDecision,
                now_ms: u64,
            ) -> Result<Transfer> {
                self.write(|c| c.decide_transfer(user, id, decision, now_ms))
            }
            fn move_customer(
                &self,
                by: Option<&User>,
                customer: Uuid,
                mv: &CustomerMove,
                now_ms: u64,
            ) -> Result<Moved> {
                self.write(|c| c.move_customer(by, customer, mv, now_ms))
            }
            fn vacuum(&self) -> Result<()> {
                self.write(|c| c.conn.execute_batch("VACUUM"))
            }
        }
    };
}
storage_over_conns!(SqliteStorage);
storage_over_conns!(pg::PgStorage);

/// How a pull page carries its row writes: one [`WireChange`] per field (what every client
/// understands), or one [`WireWrite`] per row write (asked for with
/// [`showroom_core::sync::protocol::PULL_SHAPE_HEADER`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullShape {
    Changes,
    Writes,
}

/// A pull page stops once its values reach about this many bytes.
pub const PAGE_BYTES: usize = 4 * 1024 * 1024;

fn invalid(fields: Vec<FieldError>) -> StorageError {
    let message = summary("the push was refused; nothing was stored", &fields);
    StorageError::Invalid { message, fields }
}

fn summary(head: &str, fields: &[FieldError]) -> String {
    match fields.first() {
        Some(f) if fields.len() == 1 => format!("{head}: {}: {}", f.field, f.message),
        Some(f) => format!("{head}: {}: {} (and {} more)", f.field, f.message, fields.len() - 1),
        None => head.to_string(),
    }
}

fn now_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|d| d.to_rfc3339()).unwrap_or_default()
}

impl Conn {
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: an acknowledged push survives a crash or power loss.
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Checkpoints are the background thread's (`SqliteStorage::open` starts it); the log file
        // is cut back when it starts over.
        conn.wal_hook(Some(checkpoint::wal_grew));
        conn.pragma_update(None, "journal_size_limit", checkpoint::KEEP_BYTES)?;
        Self::init(conn)
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    /// A read connection to a file the writer has opened (and migrated): `query_only`, so a read
    /// path that tried to write would fail loudly; its clock is never ticked.
    fn reader(path: &Path, cursors: Cursors) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "query_only", true)?;
        tune(&conn)?;
        Ok(Conn { conn: Box::new(conn), clock: Arc::new(Mutex::new(Clock::new(Uuid::nil(), None))), cursors })
    }

    fn init(mut conn: Connection) -> Result<Self> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        tune(&conn)?;
        let found: i64 = conn.query_row("PRAGMA user_version", (), |r| r.get(0))?;
        if found > MIGRATIONS.len() as i64 {
            return Err(StorageError::Internal(format!(
                "the database has schema {found}; this server knows {}: upgrade the server",
                MIGRATIONS.len()
            )));
        }
        Migrations::new(MIGRATIONS.iter().map(|s| M::up(s)).collect())
            .to_latest(&mut conn)
            .map_err(|e| StorageError::Internal(e.to_string()))?;
        let node = match meta(&conn, "server_id")? {
            Some(s) => s.parse().map_err(|_| StorageError::Internal(format!("bad server id {s:?}")))?,
            None => {
                let id = Uuid::now_v7();
                set_meta(&conn, "server_id", &id.to_string())?;
                id
            }
        };
        let last = meta(&conn, "hlc")?.and_then(|s| s.parse::<Hlc>().ok());
        Ok(Conn {
            conn: Box::new(conn),
            clock: Arc::new(Mutex::new(Clock::new(node, last))),
            cursors: Cursors::default(),
        })
    }

    fn user_by(&self, clause: &str, arg: &str) -> Result<Option<(User, String)>> {
        let sql = format!(
            "SELECT id, dealership_id, login, name, role, disabled, password_hash, group_id FROM users WHERE {}",
            if clause == "login" { "lower(login) = lower(?1)" } else { "id = ?1" }
        );
        let row = self
            .conn
            .query_row(&sql, [arg], |r| {
                Ok((
                    r.get::<String>(0)?,
                    r.get::<String>(1)?,
                    r.get::<String>(2)?,
                    r.get::<String>(3)?,
                    r.get::<String>(4)?,
                    r.get::<bool>(5)?,
                    r.get::<String>(6)?,
                    r.get::<Option<String>>(7)?,
                ))
            })
            .optional()?;
        row.map(|(id, d, login, name, role, disabled, hash, group)| {
            Ok((
                User {
                    id: parse_id(&id)?,
                    dealership_id: parse_id(&d)?,
                    login,
                    name,
                    role: Role::parse(&role).ok_or_else(|| StorageError::Internal(format!("bad role {role:?}")))?,
                    disabled,
                    group_id: group.as_deref().map(parse_id).transpose()?,
                },
                hash,
            ))
        })
        .transpose()
    }
}

fn parse_id(s: &str) -> Result<Uuid> {
    s.parse().map_err(|_| StorageError::Internal(format!("bad id in the database: {s:?}")))
}

fn meta(conn: &dyn Db, key: &str) -> Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()
}

fn set_meta(conn: &dyn Db, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// One field's winning value on the server.
#[derive(Debug, Clone)]
struct Current {
    value: Value,
    hlc: Hlc,
    change_id: Uuid,
    user: Option<String>,
}

fn load_state(tx: &dyn Db, d: &str, table: &str, row: Uuid) -> Result<HashMap<String, Current>> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT s.field, s.value, {STATE_WRITE} FROM state s JOIN writes wr ON wr.id = s.w / 256
         WHERE s.dealership_id = ?1 AND s.tbl = ?2 AND s.row_id = ?3"
    ))?;
    let rows = stmt.query_map(params![d, table, row.to_string()], |r| Ok((r.get::<String>(0)?, stored(r, 1)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (field, s) = row?;
        out.insert(field, current(s)?);
    }
    Ok(out)
}

/// A state row as stored: value, then [`STATE_WRITE`]'s clock, write id, index and author.
type Stored = (String, String, String, i64, Option<String>);

/// Reads a [`Stored`] from the row's columns `at..at + 5`.
fn stored(r: &Row, at: usize) -> Result<Stored> {
    Ok((r.get(at)?, r.get(at + 1)?, r.get(at + 2)?, r.get(at + 3)?, r.get(at + 4)?))
}

/// A field's change id: its write's id with the field's index in the last byte.
fn field_change(write_id: &str, index: i64) -> Result<Uuid> {
    Ok(field_change_id(parse_id(write_id)?, index as u8))
}

/// A state row's stored text read back.
fn current((value, hlc, write_id, index, user): Stored) -> Result<Current> {
    Ok(Current {
        value: serde_json::from_str(&value)?,
        hlc: hlc.parse().map_err(StorageError::Internal)?,
        change_id: field_change(&write_id, index)?,
        user,
    })
}

/// One field's winning value (a point lookup: applying a push reads each changed field once, not
/// the whole row per change, which cost a new 14-field row 196 reads instead of 14).
fn load_field(tx: &dyn Db, d: &str, table: &str, row: &str, field: &str) -> Result<Option<Current>> {
    let found = tx
        .prepare_cached(&format!(
            "SELECT s.value, {STATE_WRITE} FROM state s JOIN writes wr ON wr.id = s.w / 256
             WHERE s.dealership_id = ?1 AND s.tbl = ?2 AND s.row_id = ?3 AND s.field = ?4"
        ))?
        .query_row(params![d, table, row, field], |r| stored(r, 0))
        .optional()?;
    found.map(current).transpose()
}

/// A clock reading for the server's own change to existing rows: past every value those rows
/// hold. The server's clock does not follow the laptops' (a laptop's may run ahead, and another
/// server process may have taken the push), so without this a "sent" status could lose, by
/// last-writer-wins, to the "queued" a laptop wrote a moment before with a clock ahead of ours.
pub(super) fn tick_past(tx: &dyn Db, clock: &mut Clock, d: &str, rows: &[(&str, Uuid)], now_ms: u64) -> Result<Hlc> {
    for (table, row) in rows {
        let latest: Option<String> = tx
            .prepare_cached(
                "SELECT MAX(wr.hlc) FROM state s JOIN writes wr ON wr.id = s.w / 256
                 WHERE s.dealership_id = ?1 AND s.tbl = ?2 AND s.row_id = ?3",
            )?
            .query_row(params![d, *table, row.to_string()], |r| r.get(0))?;
        if let Some(h) = latest {
            clock.observe(h.parse().map_err(StorageError::Internal)?, now_ms);
        }
    }
    Ok(clock.tick(now_ms))
}

#[derive(Debug, Clone, PartialEq)]
struct RowMeta {
    partition: Option<String>,
    creator: Option<String>,
}

fn load_row(tx: &dyn Db, d: &str, table: &str, row: Uuid) -> Result<Option<RowMeta>> {
    tx.prepare_cached(&format!(
        "SELECT {READ_PARTITION}, (SELECT id FROM short_ids WHERE n = creator) FROM row_records
             WHERE dealership = (SELECT n FROM short_ids WHERE id = ?1) AND tbl = ?2 AND row_id = ?3"
    ))?
    .query_row(params![d, table, row.to_string()], |r| Ok(RowMeta { partition: r.get(0)?, creator: r.get(1)? }))
    .optional()
}

#[derive(Debug, Clone, PartialEq)]
struct PartitionRec {
    owner: Option<String>,
    creator: String,
}

fn load_partition(tx: &dyn Db, d: &str, id: &str) -> Result<Option<PartitionRec>> {
    tx.prepare_cached(
        "SELECT (SELECT id FROM short_ids WHERE n = p.owner), (SELECT id FROM short_ids WHERE n = p.creator)
         FROM partitions p WHERE p.dealership = (SELECT n FROM short_ids WHERE id = ?1) AND p.id = ?2",
    )?
    .query_row([d, id], |r| Ok(PartitionRec { owner: r.get(0)?, creator: r.get(1)? }))
    .optional()
}

/// Why one row of a push is refused: malformed (422) or not allowed (403).
enum Refuse {
    Invalid(FieldError),
    Forbidden(FieldError),
}

/// A row of the push, checked: where it lives and what its values would be.
#[derive(Debug, Clone)]
struct Placed {
    partition: Option<String>,
    /// The row's partition before this push, when it moves.
    moved_from: Option<Option<String>>,
}

fn as_id(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).and_then(|s| s.parse::<Uuid>().ok()).map(|u| u.to_string())
}

/// A log entry that is not a write: an eviction or a notice (writes are [`WriteEntry`]).
struct LogEntry<'a> {
    kind: &'a str,
    table: &'a str,
    row_id: &'a str,
    value: Option<String>,
    partition: Option<&'a str>,
    audience: Option<&'a str>,
    /// The author when not the pushing user (a copy keeps its original author).
    author: Option<String>,
}

/// One log entry for the fields of one row written together (one write id, one HLC, one author).
struct WriteEntry<'a> {
    kind: &'a str,
    write: Uuid,
    table: &'a str,
    row_id: &'a str,
    fields: Fields,
    hlc: String,
    partition: Option<&'a str>,
    audience: Option<&'a str>,
    author: Option<String>,
    /// Whether the write id is recorded as taken (a pushed or server-made write, not a copy).
    seen: bool,
    /// Logged by reference: the fields are the state's values of row `rid` whose `w` lies in
    /// `w_from..=w_to` (every field won on arrival); `fields`, the clock and the author are not
    /// stored (the write's `writes` row holds the clock and author).
    by_ref: Option<ByRef>,
}

/// Where the state holds a log entry's fields: row number and the range of `state_fields.w`.
#[derive(Clone, Copy)]
struct ByRef {
    rid: i64,
    w_from: i64,
    w_to: i64,
}

/// A log entry's fields: (index in the write, field, value).
type Fields = Vec<(u8, String, Value)>;

/// The fields of a push being logged: consecutive changes of one write of one row.
struct Group {
    write: Uuid,
    table: String,
    row_id: Uuid,
    hlc: Hlc,
    partition: Option<String>,
    fields: Fields,
    /// The row's number when this push created the row.
    rid: Option<i64>,
    /// Whether every field so far won (and is the state's value under this write).
    won: bool,
}

/// The first values of rows a push creates, stored together: one INSERT of up to
/// [`FreshState::MAX`] fields instead of one upsert a field (nothing reads them before
/// [`FreshState::store`], which the push calls before any read of the state).
#[derive(Default)]
struct FreshState {
    vals: Vec<db::Val>,
}

impl FreshState {
    const MAX: usize = 64;
    const COLUMNS: usize = 4;

    /// Adds `c`, a field of the row numbered `rid`.
    fn add(&mut self, tx: &dyn Db, writes: &mut WriteRefs, rid: i64, c: &FieldChange, user: &str) -> Result<()> {
        let (write, index) = write_of(c.change_id);
        let w = writes.id(tx, write, c.hlc, user)?;
        let fid = writes.field(tx, &c.field)?;
        self.vals.extend([
            db::Val::Int(rid),
            db::Val::Int(fid),
            db::Val::Text(serde_json::to_string(&c.value)?),
            db::Val::Int(w * 256 + i64::from(index)),
        ]);
        if self.vals.len() >= Self::MAX * Self::COLUMNS {
            self.store(tx)?;
        }
        Ok(())
    }

    /// The insert of `n` fields (`INSERT OR FAIL` on SQLite: see [`or_fail`]).
    fn insert(dialect: Dialect, n: usize) -> String {
        let sql =
            format!("INSERT INTO state_fields (rid, fid, value, w) VALUES {}", vec!["(?, ?, ?, ?)"; n].join(", "));
        or_fail(dialect, &sql).into_owned()
    }

    fn store(&mut self, tx: &dyn Db) -> Result<()> {
        let n = self.vals.len() / Self::COLUMNS;
        if n == 0 {
            return Ok(());
        }
        tx.exec(&Self::insert(tx.dialect(), n), &self.vals)?;
        self.vals.clear();
        Ok(())
    }
}

/// The `writes` rows one transaction made (the fields of one write share one; keyed by write and
/// clock, then author, one in all but a re-issued reservation, so a lookup allocates nothing), and
/// the numbers of the field names it stored. Both live as long as the transaction: a number is
/// never kept past a rollback that undid it.
#[derive(Default)]
struct WriteRefs {
    writes: FastMap<(Uuid, Hlc), Vec<(String, i64)>>,
    fields: FastMap<String, i64>,
    /// The ids this transaction gave a number in `short_ids` (or found one for).
    numbered: FastSet<String>,
}

impl WriteRefs {
    /// The number of the field name `name` (`field_names`), given on first use.
    fn field(&mut self, tx: &dyn Db, name: &str) -> Result<i64> {
        if let Some(id) = self.fields.get(name) {
            return Ok(*id);
        }
        let find = |tx: &dyn Db| -> Result<Option<i64>> {
            tx.prepare_cached("SELECT id FROM field_names WHERE name = ?1")?.query_row([name], |r| r.get(0)).optional()
        };
        let id = match find(tx)? {
            Some(id) => id,
            None => {
                // Another server process may name it at the same moment: the later insert does
                // nothing and both read the one number.
                tx.prepare_cached("INSERT INTO field_names (name) VALUES (?1) ON CONFLICT (name) DO NOTHING")?
                    .execute([name])?;
                find(tx)?.ok_or_else(|| StorageError::Internal(format!("field name {name:?} has no number")))?
            }
        };
        self.fields.insert(name.to_string(), id);
        Ok(id)
    }

    /// The id of the `writes` row for `write` at `hlc` by `user`, made on first use.
    fn id(&mut self, tx: &dyn Db, write: Uuid, hlc: Hlc, user: &str) -> Result<i64> {
        let made = self.writes.entry((write, hlc)).or_default();
        if let Some((_, id)) = made.iter().find(|(u, _)| u == user) {
            return Ok(*id);
        }
        let node = hlc.node.to_string();
        for id in [node.as_str(), user] {
            if !self.numbered.contains(id) {
                tx.prepare_cached(SHORT_ID)?.execute([id])?;
                self.numbered.insert(id.to_string());
            }
        }
        let made = self.writes.entry((write, hlc)).or_default();
        let id = tx.insert_key(INSERT_WRITE, "id", params![write_key(write), clock_at(hlc)?, node, user])?;
        made.push((user.to_string(), id));
        Ok(id)
    }
}

impl Conn {
    fn log(tx: &dyn Db, user: &User, device: Option<Uuid>, now_ms: u64, e: LogEntry<'_>) -> Result<i64> {
        tx.insert_key(
            INSERT_LOG,
            "seq",
            params![
                e.kind,
                e.table,
                e.row_id,
                e.value,
                user.dealership_id.to_string(),
                e.partition,
                e.audience,
                e.author.unwrap_or_else(|| user.id.to_string()),
                device.map(|d| d.to_string()),
                now_ms as i64
            ],
        )
    }

    /// Logs one row write as one entry (see migration 0005).
    fn log_write(tx: &dyn Db, user: &User, device: Option<Uuid>, now_ms: u64, e: WriteEntry<'_>) -> Result<i64> {
        let write = e.write.to_string();
        let seq = tx.insert_key(
            INSERT_LOG_WRITE,
            "seq",
            params![
                e.kind,
                // An entry by reference names its write through its `writes` row (`w_from / 256`).
                e.by_ref.is_none().then_some(&write),
                // And its row through `rows` ('': the row's; see migration 0015).
                if e.by_ref.is_some() { "" } else { e.table },
                if e.by_ref.is_some() { "" } else { e.row_id },
                match e.by_ref {
                    Some(_) => None,
                    None => Some(serde_json::to_string(&e.fields)?),
                },
                e.by_ref.is_none().then_some(e.hlc),
                user.dealership_id.to_string(),
                if e.by_ref.is_some() { None } else { e.partition },
                e.audience,
                e.by_ref.is_none().then(|| e.author.unwrap_or_else(|| user.id.to_string())),
                device.map(|d| d.to_string()),
                now_ms as i64,
                e.by_ref.map(|b| b.rid),
                e.by_ref.map(|b| b.w_from),
                e.by_ref.map(|b| b.w_to)
            ],
        )?;
        if e.seen {
            tx.prepare_cached("INSERT INTO seen (write_id, seq) VALUES (?1, ?2) ON CONFLICT DO NOTHING")?
                .execute(params![write_key(e.write), seq])?;
        }
        Ok(seq)
    }

    /// Logs a push's group of fields (nothing when empty).
    fn flush(
        tx: &dyn Db,
        user: &User,
        device: Uuid,
        now_ms: u64,
        group: Option<Group>,
        writes: &mut WriteRefs,
    ) -> Result<()> {
        let Some(g) = group else { return Ok(()) };
        let row = g.row_id.to_string();
        // Every field won, each field once (a second value of a field in one write overwrote
        // the first, which the state no longer holds), and their indexes run without a gap: the
        // state holds them, and the entry names them by range instead of repeating them.
        let from = g.fields.first().map_or(0, |f| f.0);
        let by_ref = if g.won
            && !g.fields.is_empty()
            && g.fields.iter().enumerate().all(|(k, f)| usize::from(f.0) == usize::from(from) + k)
            && g.fields.iter().enumerate().all(|(k, f)| g.fields[..k].iter().all(|e| e.1 != f.1))
        {
            let rid = match g.rid {
                Some(rid) => Some(rid),
                None => tx
                    .prepare_cached(
                        "SELECT id FROM row_records
                         WHERE dealership = (SELECT n FROM short_ids WHERE id = ?1) AND tbl = ?2 AND row_id = ?3",
                    )?
                    .query_row(params![user.dealership_id.to_string(), g.table, row], |r| r.get(0))
                    .optional()?,
            };
            let w = writes.id(tx, g.write, g.hlc, &user.id.to_string())? * 256;
            let to = i64::from(from) + g.fields.len() as i64 - 1;
            rid.map(|rid| ByRef { rid, w_from: w + i64::from(from), w_to: w + to })
        } else {
            None
        };
        let e = WriteEntry {
            kind: "change",
            write: g.write,
            table: &g.table,
            row_id: &row,
            fields: g.fields,
            hlc: g.hlc.to_string(),
            partition: g.partition.as_deref(),
            audience: None,
            author: None,
            seen: true,
            by_ref,
        };
        Self::log_write(tx, user, Some(device), now_ms, e)?;
        Ok(())
    }

    /// Stores `c` as its field's winning value, written by `user`.
    fn set_state(tx: &dyn Db, writes: &mut WriteRefs, d: &str, c: &FieldChange, user: &str) -> Result<()> {
        let (write, index) = write_of(c.change_id);
        let w = writes.id(tx, write, c.hlc, user)?;
        let fid = writes.field(tx, &c.field)?;
        let row = c.row_id.to_string();
        tx.prepare_cached(materialize(tx.dialect()))?.execute(params![d, c.table, row, fid])?;
        tx.prepare_cached(SET_STATE)?.execute(params![
            c.table,
            c.row_id.to_string(),
            fid,
            serde_json::to_string(&c.value)?,
            w * 256 + i64::from(index),
            d
        ])?;
        Ok(())
    }

    /// Hands every row of `rows` (in `partition`) to its new audience: an eviction for the former
    /// owner when they are a rep, and a copy of every field's winning change under the partition
    /// so the new owner (who may have pulled past them) receives the whole row.
    /// With `only_for`, the copies go to that user alone (a rep a lead is newly assigned to).
    #[allow(clippy::too_many_arguments)]
    fn hand_over(
        tx: &dyn Db,
        user: &User,
        now_ms: u64,
        rows: &[(String, String)],
        partition: Option<&str>,
        evict_for: Option<&str>,
        only_for: Option<&str>,
    ) -> Result<()> {
        let d = user.dealership_id.to_string();
        let mut rows = rows.to_vec();
        rows.sort_by_key(|(t, r)| (rules::rank(t), r.clone()));
        for (table, row) in &rows {
            if let Some(old) = evict_for {
                let e = LogEntry {
                    kind: "evict",
                    table,
                    row_id: row,
                    value: None,
                    partition,
                    audience: Some(old),
                    author: None,
                };
                Self::log(tx, user, None, now_ms, e)?;
            }
        }
        for (table, row) in &rows {
            let fields: Vec<(String, Stored)> = tx
                .prepare_cached(&format!(
                    "SELECT s.field, s.value, {STATE_WRITE} FROM state s JOIN writes wr ON wr.id = s.w / 256
                     WHERE s.dealership_id = ?1 AND s.tbl = ?2 AND s.row_id = ?3"
                ))?
                .query_map([&d, table, row], |r| Ok((r.get(0)?, stored(r, 1)?)))?
                .collect::<std::result::Result<_, _>>()?;
            // The fields of one write (same write id, HLC and author) travel as one entry.
            let mut writes: Vec<(Uuid, String, Option<String>, Fields)> = Vec::new();
            for (field, (value, hlc, write_id, index, author)) in fields {
                let (write, index) = write_of(field_change(&write_id, index)?);
                let value: Value = serde_json::from_str(&value)?;
                match writes.iter_mut().find(|(w, h, a, _)| *w == write && *h == hlc && *a == author) {
                    Some((_, _, _, f)) => f.push((index, field, value)),
                    None => writes.push((write, hlc, author, vec![(index, field, value)])),
                }
            }
            for (write, hlc, author, fields) in writes {
                let e = WriteEntry {
                    kind: if only_for.is_some() { "copy" } else { "change" },
                    write,
                    table,
                    row_id: row,
                    fields,
                    hlc,
                    partition,
                    audience: only_for,
                    author,
                    seen: false,
                    by_ref: None,
                };
                Self::log_write(tx, user, None, now_ms, e)?;
            }
        }
        Ok(())
    }

    /// Writes fields of a row as the server's own changes (staff list entries; a moved customer's
    /// owner): a row not stored yet is a shared one (`partition` is where an existing row lives).
    fn server_write(
        tx: &dyn Db,
        clock: &mut Clock,
        user: &User,
        table: &str,
        row: Uuid,
        partition: Option<&str>,
        fields: Map<String, Value>,
    ) -> Result<()> {
        let now_ms = showroom_core::domain::Timestamp::now().millis().max(0) as u64;
        let d = user.dealership_id.to_string();
        let hlc = tick_past(tx, clock, &d, &[(table, row)], now_ms)?;
        let row_text = row.to_string();
        tx.prepare_cached(
            "INSERT INTO row_records (tbl, row_id, dealership, partition_id)
             VALUES (?1, ?2, (SELECT n FROM short_ids WHERE id = ?3), NULL)
             ON CONFLICT (dealership, tbl, row_id) DO NOTHING",
        )?
        .execute(params![table, row_text, d])?;
        let write = write_of(Uuid::now_v7()).0;
        let mut writes = WriteRefs::default();
        let mut logged = Vec::new();
        for (i, (field, value)) in fields.into_iter().filter(|(f, _)| f != "id").enumerate() {
            let c = FieldChange {
                change_id: field_change_id(write, i as u8),
                table: table.into(),
                row_id: row,
                field: field.clone(),
                value,
                hlc,
                author: None,
            };
            Self::set_state(tx, &mut writes, &d, &c, &user.id.to_string())?;
            logged.push((i as u8, field, c.value));
        }
        let e = WriteEntry {
            kind: "change",
            write,
            table,
            row_id: &row_text,
            fields: logged,
            hlc: hlc.to_string(),
            partition,
            audience: None,
            author: None,
            seen: true,
            by_ref: None,
        };
        Self::log_write(tx, user, None, now_ms, e)?;
        Ok(())
    }

    fn is_rep(tx: &dyn Db, user: &str) -> Result<bool> {
        Ok(tx
            .prepare_cached("SELECT role FROM users WHERE id = ?1")?
            .query_row([user], |r| r.get::<String>(0))
            .optional()?
            .is_some_and(|r| Role::parse(&r) == Some(Role::Rep)))
    }

    /// Checks one row's changes of a push (`idx` into `changes`): shape, where the row lives
    /// after the push, and the rule book. Writes nothing; a partition the push creates is noted in
    /// `new_partitions`.
    #[allow(clippy::too_many_arguments)]
    fn check_row_write(
        tx: &dyn Db,
        user: &User,
        device: Uuid,
        changes: &[FieldChange],
        idx: &[usize],
        placed: &FastMap<(&str, Uuid), Placed>,
        new_partitions: &mut FastMap<String, Option<String>>,
    ) -> Result<std::result::Result<Placed, Refuse>> {
        let dealership = &user.dealership_id.to_string();
        let me = user.id.to_string();
        let rep = user.role == Role::Rep;
        let actor = Actor { id: user.id, manager: !rep };
        let facts = ServerFacts { tx, dealership: dealership.clone() };
        let first = &changes[idx[0]];
        let (table, row) = (first.table.as_str(), first.row_id);
        let Some(table_rules) = rules::table(table) else {
            return Ok(Err(Refuse::Invalid(FieldError::new(
                format!("changes[{}].table", idx[0]),
                format!("unknown table {table:?}"),
            ))));
        };
        let home = table_rules.home;
        if let Some(i) = idx.iter().find(|i| changes[**i].field == "id") {
            return Ok(Err(Refuse::Invalid(FieldError::new(
                format!("changes[{i}].field"),
                "a row's id cannot change",
            ))));
        }
        let meta = load_row(tx, dealership, table, row)?;
        let state = load_state(tx, dealership, table, row)?;
        // The values the row would hold: what wins of the state and this push.
        let before: Map<String, Value> = state.iter().map(|(f, c)| (f.clone(), c.value.clone())).collect();
        let mut merged = before.clone();
        let mut best: HashMap<&str, (Hlc, Uuid)> =
            state.iter().map(|(f, c)| (f.as_str(), (c.hlc, c.change_id))).collect();
        for i in idx {
            let c = &changes[*i];
            if best.get(c.field.as_str()).is_none_or(|b| *b < (c.hlc, c.change_id)) {
                best.insert(c.field.as_str(), (c.hlc, c.change_id));
                merged.insert(c.field.clone(), c.value.clone());
            }
        }
        let at = |field: Option<&str>| -> usize {
            field.and_then(|f| idx.iter().find(|i| changes[**i].field == f).copied()).unwrap_or(idx[0])
        };
        if let Err(e) = check_row(table, row, &merged) {
            return Ok(Err(Refuse::Invalid(FieldError::new(
                format!("changes[{}].value", at(Some(&e.field))),
                e.message,
            ))));
        }
        // Where the row lives after this push.
        let named = |f: &str| -> std::result::Result<String, FieldError> {
            as_id(merged.get(f))
                .ok_or_else(|| FieldError::new(format!("changes[{}].{f}", idx[0]), format!("a {table} row needs {f}")))
        };
        let target: Option<String> = match home {
            Home::Shared => None,
            Home::Own => Some(row.to_string()),
            Home::Lead => Some(as_id(merged.get("customer_id")).unwrap_or_else(|| row.to_string())),
            Home::Field(f) => match named(f) {
                Ok(p) => Some(p),
                Err(e) => {
                    return Ok(Err(Refuse::Invalid(e)));
                }
            },
            Home::Parent { table: pt, field } => {
                let parent = match named(field) {
                    Ok(p) => p,
                    Err(e) => {
                        return Ok(Err(Refuse::Invalid(e)));
                    }
                };
                let parent_id: Uuid = parent.parse().unwrap_or_default();
                let from_push = placed.get(&(pt, parent_id)).map(|p| p.partition.clone());
                let from_db = load_row(tx, dealership, pt, parent_id)?.map(|m| m.partition);
                match from_push.or(from_db) {
                    Some(p) => p,
                    None => {
                        return Ok(Err(Refuse::Invalid(FieldError::new(
                            format!("changes[{}].{field}", idx[0]),
                            format!("names {pt} row {parent} that the server does not have"),
                        ))));
                    }
                }
            }
        };
        let moved_from = meta.as_ref().filter(|m| m.partition != target).map(|m| m.partition.clone());
        // A partition this push creates: owned by its root's owner field, else by the rep.
        if let Some(p) = &target
            && load_partition(tx, dealership, p)?.is_none()
            && !new_partitions.contains_key(p)
        {
            let owner = partition::owner_field(table)
                .filter(|_| p == &row.to_string())
                .and_then(|f| as_id(merged.get(f)))
                .or_else(|| rep.then(|| me.clone()));
            new_partitions.insert(p.clone(), owner);
        }
        let from = match &moved_from {
            Some(old) => old.as_deref(),
            None => target.as_deref(),
        };
        let standing = Self::standing(tx, user, device, from, new_partitions)?;
        let moving_to = match &moved_from {
            Some(_) => Some(Self::standing(tx, user, device, target.as_deref(), new_partitions)?),
            None => None,
        };
        let writes: Vec<(&str, &Value, Hlc)> =
            idx.iter().map(|i| (changes[*i].field.as_str(), &changes[*i].value, changes[*i].hlc)).collect();
        let creator = meta.as_ref().and_then(|m| m.creator.as_deref()).and_then(|c| c.parse().ok());
        let write = RowWrite {
            rules: table_rules,
            row_id: row,
            before: &before,
            exists: meta.is_some(),
            after: &merged,
            writes: &writes,
            creator,
            standing,
            moving_to,
        };
        let columns = showroom_core::store::remote::columns_of(table).unwrap_or(&[]);
        let col = |f: &str| columns.iter().find(|(n, _)| *n == f).map(|(_, c)| *c).unwrap_or(Col::Text);
        let decided = rules::check_sizes(&write, col).and_then(|()| rules::authorize(actor, &write, &facts));
        if let Err(d) = decided {
            let e = FieldError::new(format!("changes[{}].value", at(d.field.as_deref())), d.message);
            return Ok(Err(if d.too_large { Refuse::Invalid(e) } else { Refuse::Forbidden(e) }));
        }
        Ok(Ok(Placed { partition: target, moved_from }))
    }

    /// Gives partition `p` to `to`: records the move (and when), evicts it from a rep who owned
    /// it, and re-delivers its rows under the new owner.
    fn move_partition(tx: &dyn Db, user: &User, now_ms: u64, p: &str, to: Option<&str>) -> Result<()> {
        let d = user.dealership_id.to_string();
        let Some(rec) = load_partition(tx, &d, p)? else { return Ok(()) };
        if rec.owner.as_deref() == to {
            return Ok(());
        }
        if let Some(to) = to {
            tx.prepare_cached(SHORT_ID)?.execute([to])?;
        }
        tx.prepare_cached(
            "UPDATE partitions SET owner = (SELECT n FROM short_ids WHERE id = ?3)
             WHERE dealership = (SELECT n FROM short_ids WHERE id = ?1) AND id = ?2",
        )?
        .execute(params![d, p, to])?;
        let rows = Self::partition_rows(tx, &d, p)?;
        let evict = match &rec.owner {
            Some(old) if Self::is_rep(tx, old)? => Some(old.as_str()),
            _ => None,
        };
        Self::hand_over(tx, user, now_ms, &rows, Some(p), evict, None)?;
        let seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM log_entries", (), |r| r.get(0))?;
        tx.prepare_cached(
            "INSERT INTO moves (seq, partition_id, from_user, to_user, dealership_id, moved_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![seq, p, rec.owner, to, d, now_ms as i64])?;
        Ok(())
    }

    /// The rows placed by their parent `table`/`row` (a lead's assignments), and theirs in turn.
    fn children(tx: &dyn Db, d: &str, table: &str, row: &str) -> Result<Vec<(String, String)>> {
        let mut found = Vec::new();
        for child in rules::TABLES {
            let Home::Parent { table: parent, field } = child.home else { continue };
            if parent != table {
                continue;
            }
            let ids: Vec<String> = tx
                .prepare_cached(CHILDREN)?
                .query_map(params![d, child.table, field, serde_json::to_string(row)?], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?;
            for id in ids {
                let grand = Self::children(tx, d, child.table, &id)?;
                found.push((child.table.to_string(), id));
                found.extend(grand);
            }
        }
        Ok(found)
    }

    fn partition_rows(tx: &dyn Db, d: &str, p: &str) -> Result<Vec<(String, String)>> {
        tx.prepare_cached(PARTITION_ROWS)?
            .query_map([d, p], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()
    }

    /// Shares partition `p` with every rep a lead in it is assigned to (other than its owner), and
    /// stops sharing it with a rep no lead in it is assigned to any more: a newly shared rep
    /// receives the partition's rows, a rep it is no longer shared with has them removed.
    fn sync_grants(tx: &dyn Db, user: &User, now_ms: u64, p: &str) -> Result<()> {
        let d = user.dealership_id.to_string();
        let owner = load_partition(tx, &d, p)?.and_then(|r| r.owner);
        let assignees: Vec<String> = tx
            .prepare_cached(&format!(
                "SELECT DISTINCT s.value FROM ({PARTITION_ROWS}) r CROSS JOIN state s
                     WHERE s.dealership_id = ?1 AND s.tbl = r.tbl AND s.row_id = r.row_id
                       AND r.tbl = 'leads' AND s.field = 'assignee_id'"
            ))?
            .query_map([&d, p], |r| r.get::<String>(0))?
            .collect::<std::result::Result<_, _>>()?;
        let mut wanted = BTreeSet::new();
        for v in assignees {
            if let Some(a) = as_id(serde_json::from_str::<Value>(&v).ok().as_ref())
                && Some(&a) != owner.as_ref()
                && Self::is_rep(tx, &a)?
            {
                wanted.insert(a);
            }
        }
        let current: BTreeSet<String> = tx
            .prepare_cached("SELECT user_id FROM grants WHERE dealership_id = ?1 AND partition_id = ?2")?
            .query_map([&d, p], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        if wanted == current {
            return Ok(());
        }
        let rows = Self::partition_rows(tx, &d, p)?;
        for gone in current.difference(&wanted) {
            tx.prepare_cached("DELETE FROM grants WHERE dealership_id = ?1 AND partition_id = ?2 AND user_id = ?3")?
                .execute([&d, p, gone])?;
            if owner.as_deref() != Some(gone.as_str()) {
                let mut rows = rows.clone();
                rows.sort_by_key(|(t, r)| (rules::rank(t), r.clone()));
                for (table, row) in &rows {
                    let e = LogEntry {
                        kind: "evict",
                        table,
                        row_id: row,
                        value: None,
                        partition: Some(p),
                        audience: Some(gone),
                        author: None,
                    };
                    Self::log(tx, user, None, now_ms, e)?;
                }
            }
        }
        for new in wanted.difference(&current) {
            tx.prepare_cached("INSERT INTO grants (dealership_id, partition_id, user_id) VALUES (?1, ?2, ?3)")?
                .execute([&d, p, new])?;
            Self::hand_over(tx, user, now_ms, &rows, Some(p), None, Some(new))?;
        }
        Ok(())
    }

    fn owner_of(tx: &dyn Db, d: &str, partition: Option<&str>) -> Result<Option<String>> {
        match partition {
            None => Ok(None),
            Some(p) => Ok(load_partition(tx, d, p)?.and_then(|r| r.owner)),
        }
    }

    /// The caller's standing in partition `p` (see [`rules::Standing`]).
    fn standing(
        tx: &dyn Db,
        user: &User,
        device: Uuid,
        p: Option<&str>,
        new_partitions: &FastMap<String, Option<String>>,
    ) -> Result<Standing> {
        let Some(p) = p else { return Ok(Standing::Shared) };
        if let Some(owner) = new_partitions.get(p) {
            return Ok(Standing::New { owner: owner.as_deref().and_then(|o| o.parse().ok()) });
        }
        let d = user.dealership_id.to_string();
        let me = user.id.to_string();
        let Some(rec) = load_partition(tx, &d, p)? else { return Ok(Standing::New { owner: None }) };
        if rec.owner.as_deref() == Some(me.as_str()) || rec.owner.is_none() && rec.creator == me {
            return Ok(Standing::Owner);
        }
        let granted = tx
            .prepare_cached("SELECT 1 FROM grants WHERE dealership_id = ?1 AND partition_id = ?2 AND user_id = ?3")?
            .query_row([&d, p, &me], |_| Ok(()))
            .optional()?
            .is_some();
        if granted {
            return Ok(Standing::Assignee);
        }
        // A former owner whose device had not pulled the move yet (the server keeps the cursor).
        let pulled_to: i64 = tx
            .prepare_cached("SELECT pulled_to FROM devices WHERE user_id = ?1 AND device_id = ?2")?
            .query_row([&me, &device.to_string()], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        let moved: Option<i64> = tx
            .prepare_cached(
                "SELECT MIN(moved_ms) FROM moves WHERE dealership_id = ?1 AND partition_id = ?2 AND from_user = ?3
                 AND seq > ?4",
            )?
            .query_row(params![d, p, me, pulled_to], |r| r.get(0))?;
        Ok(match moved {
            Some(ms) => Standing::FormerOwner { until_ms: ms.max(0) as u64 + MAX_SKEW_MS },
            None => Standing::Other,
        })
    }
}

/// What the server's records say beyond one row, for [`rules::authorize`].
struct ServerFacts<'a> {
    tx: &'a dyn Db,
    dealership: String,
}

impl rules::Facts for ServerFacts<'_> {
    fn is_member(&self, user: Uuid) -> bool {
        self.tx
            .prepare_cached("SELECT 1 FROM users WHERE id = ?1 AND dealership_id = ?2")
            .and_then(|mut s| s.query_row(params![user.to_string(), self.dealership], |_| Ok(())).optional())
            .is_ok_and(|r| r.is_some())
    }

    fn queue(&self, day: &str, except: Uuid) -> Vec<(Uuid, i64, bool)> {
        let run = || -> Result<Vec<(Uuid, i64, bool)>> {
            let day_json = serde_json::to_string(day)?;
            let rows: Vec<(String, String, i64)> = self
                .tx
                .prepare_cached(
                    "SELECT u.value, p.value, 0 FROM state dd
                     JOIN state u ON u.dealership_id = dd.dealership_id AND u.tbl = dd.tbl AND u.row_id = dd.row_id
                          AND u.field = 'user_id'
                     JOIN state p ON p.dealership_id = dd.dealership_id AND p.tbl = dd.tbl AND p.row_id = dd.row_id
                          AND p.field = 'position'
                     WHERE dd.dealership_id = ?1 AND dd.tbl = 'floor_checkins' AND dd.field = 'day' AND dd.value = ?2
                       AND p.value != 'null'",
                )?
                .query_map(params![self.dealership, day_json], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<std::result::Result<_, _>>()?;
            // Overdue follow-ups: open tasks due before the end of the day (the server does not
            // know the dealership's time zone, so it gives the benefit of the doubt).
            let next_day = day
                .parse::<chrono::NaiveDate>()
                .ok()
                .and_then(|d| d.succ_opt())
                .map(|d| format!("\"{d}"))
                .unwrap_or_default();
            let mut out = Vec::new();
            for (u, p, _) in rows {
                let Some(user) = serde_json::from_str::<Value>(&u).ok().as_ref().and_then(|v| as_id(Some(v))) else {
                    continue;
                };
                let Ok(id) = user.parse::<Uuid>() else { continue };
                if id == except {
                    continue;
                }
                let overdue = self
                    .tx
                    .prepare_cached(
                        "SELECT 1 FROM state o
                         JOIN state due ON due.dealership_id = o.dealership_id AND due.tbl = o.tbl
                              AND due.row_id = o.row_id AND due.field = 'due_at'
                         WHERE o.dealership_id = ?1 AND o.tbl = 'activities' AND o.field = 'owner_id' AND o.value = ?2
                           AND due.value != 'null' AND due.value < ?3
                           AND NOT EXISTS (SELECT 1 FROM state x WHERE x.dealership_id = o.dealership_id
                                AND x.tbl = o.tbl AND x.row_id = o.row_id AND x.field IN ('done_at', 'deleted_at')
                                AND x.value != 'null')
                         LIMIT 1",
                    )?
                    .query_row(params![self.dealership, u, next_day], |_| Ok(()))
                    .optional()?
                    .is_some();
                out.push((id, serde_json::from_str::<Value>(&p)?.as_i64().unwrap_or(0), overdue));
            }
            Ok(out)
        };
        run().unwrap_or_default()
    }

    fn custom_taxes(&self) -> Vec<showroom_core::desk::tax::Jurisdiction> {
        let run = || -> Result<Vec<showroom_core::desk::tax::Jurisdiction>> {
            let rules: Vec<String> = self
                .tx
                .prepare_cached(
                    "SELECT r.value FROM state r
                     WHERE r.dealership_id = ?1 AND r.tbl = 'custom_jurisdictions' AND r.field = 'rule'
                       AND NOT EXISTS (SELECT 1 FROM state x WHERE x.dealership_id = r.dealership_id
                            AND x.tbl = r.tbl AND x.row_id = r.row_id AND x.field = 'deleted_at' AND x.value != 'null')",
                )?
                .query_map(params![self.dealership], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?;
            // A rule is stored as JSON, or as JSON text inside JSON; one that does not read is skipped
            // (the desk skips it too).
            Ok(rules
                .iter()
                .filter_map(|text| {
                    let v: Value = serde_json::from_str(text).ok()?;
                    match v {
                        Value::String(inner) => serde_json::from_str(&inner).ok(),
                        other => serde_json::from_value(other).ok(),
                    }
                })
                .collect())
        };
        run().unwrap_or_default()
    }
}

impl Conn {
    /// Applies a push inside the caller's transaction (`served`: how far the device was served);
    /// an error leaves the transaction to be rolled back.
    fn push_in(tx: &dyn Db, clock: &mut Clock, served: i64, user: &User, push: &Push, now_ms: u64) -> Result<PushAck> {
        let changes = push.validate(now_ms, MAX_SKEW_MS).map_err(|e| match e {
            showroom_core::error::CoreError::Validation(f) => invalid(f),
            other => invalid(vec![FieldError::new("changes", other.to_string())]),
        })?;
        let me = user.id.to_string();
        let dealership = user.dealership_id.to_string();
        let rep = user.role == Role::Rep;
        // The push's entries name its device, and its new rows their creator, by number.
        tx.prepare_cached(SHORT_ID)?.execute([push.device_id.to_string()])?;
        tx.prepare_cached(SHORT_ID)?.execute([&me])?;
        if served > 0 {
            tx.prepare_cached(
                "INSERT INTO devices (user_id, device_id, pulled_to, seen_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, device_id) DO UPDATE SET pulled_to = CASE WHEN excluded.pulled_to > devices.pulled_to THEN excluded.pulled_to ELSE devices.pulled_to END, seen_ms = excluded.seen_ms",
            )?
            .execute(params![me, push.device_id.to_string(), served, now_ms as i64])?;
        }

        // 1. Check everything; write nothing.
        let mut bad: Vec<FieldError> = Vec::new();
        let mut forbidden: Vec<FieldError> = Vec::new();
        let mut forged: Vec<FieldError> = Vec::new();
        let mut already: FastSet<Uuid> = FastSet::with_capacity_and_hasher(changes.len(), Default::default());
        type Logged = (String, String, String, String, Option<String>, String);
        let mut logged_writes: FastMap<Uuid, Vec<Logged>> = FastMap::default();
        let replayed = format!(
            "SELECT log.tbl, log.row_id, {}, {LOGGED_HLC}, {LOGGED_AUTHOR}, log.dealership_id
             FROM seen s JOIN log ON log.seq = s.seq LEFT JOIN writes wr ON wr.id = log.w_from / 256
             WHERE s.write_id = ?1",
            logged_fields(tx.dialect())
        );
        for (i, c) in changes.iter().enumerate() {
            let (write, index) = write_of(c.change_id);
            if let std::collections::hash_map::Entry::Vacant(slot) = logged_writes.entry(write) {
                let entries: Vec<Logged> = tx
                    .prepare_cached(&replayed)?
                    .query_map(params![write_key(write)], |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get::<Option<String>>(2)?.unwrap_or_default(),
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                        ))
                    })?
                    .collect::<std::result::Result<_, _>>()?;
                slot.insert(entries);
            }
            for (t, r, fields, h, u, d) in &logged_writes[&write] {
                let fields: Fields = serde_json::from_str(fields).unwrap_or_default();
                let Some((_, f, v)) = fields.iter().find(|(at, _, _)| *at == index) else { continue };
                let same = *t == c.table
                    && *r == c.row_id.to_string()
                    && *f == c.field
                    && *v == c.value
                    && *h == c.hlc.to_string()
                    && u.as_deref() == Some(me.as_str())
                    && *d == dealership;
                if same {
                    already.insert(c.change_id);
                } else {
                    forged.push(FieldError::new(
                        format!("changes[{i}].change_id"),
                        "already names a different change; change ids cannot be reused",
                    ));
                }
                break;
            }
        }
        // A change to a purged row (deleted, every syncing device had the deletion) is taken and
        // dropped: the deletion won it, and the device's next pull drops the row.
        let purges: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM purged WHERE dealership_id = ?1)")?
            .query_row([&dealership], |r| r.get(0))?;
        let mut purged_rows: BTreeSet<(String, Uuid)> = BTreeSet::new();
        if purges {
            let mut gone: FastMap<(&str, Uuid), bool> = FastMap::default();
            for c in &changes {
                let key = (c.table.as_str(), c.row_id);
                let purged = match gone.get(&key) {
                    Some(p) => *p,
                    None => {
                        let p = tx
                            .prepare_cached(
                                "SELECT EXISTS (SELECT 1 FROM purged WHERE dealership_id = ?1 AND tbl = ?2 AND row_id = ?3)",
                            )?
                            .query_row(params![dealership, c.table, c.row_id.to_string()], |r| r.get(0))?;
                        *gone.entry(key).or_insert(p)
                    }
                };
                if purged {
                    already.insert(c.change_id);
                    purged_rows.insert((c.table.clone(), c.row_id));
                }
            }
        }
        let fresh: Vec<usize> = (0..changes.len()).filter(|i| !already.contains(&changes[*i].change_id)).collect();
        let keys: Vec<(&str, Uuid)> = fresh.iter().map(|i| (changes[*i].table.as_str(), changes[*i].row_id)).collect();
        let groups = plan::group_by_row(&keys, |k| *k);
        // Keys borrow the push's own strings: a first sync applies 700,000 changes, and cloning the
        // table and field names into keys (and the row id into text) for each was ~2% of its CPU.
        let mut placed: FastMap<(&str, Uuid), Placed> = FastMap::default();
        let mut new_partitions: FastMap<String, Option<String>> = FastMap::default();
        for group in groups {
            let idx: Vec<usize> = group.iter().map(|g| fresh[*g]).collect();
            let key = (changes[idx[0]].table.as_str(), changes[idx[0]].row_id);
            match Self::check_row_write(tx, user, push.device_id, &changes, &idx, &placed, &mut new_partitions)? {
                Ok(p) => {
                    placed.insert(key, p);
                }
                Err(Refuse::Invalid(e)) => bad.push(e),
                Err(Refuse::Forbidden(e)) => forbidden.push(e),
            }
        }
        if !forged.is_empty() {
            let message = summary("the push was refused; nothing was stored", &forged);
            return Err(StorageError::Conflict { message, fields: forged });
        }
        if !bad.is_empty() {
            return Err(invalid(bad));
        }
        if !forbidden.is_empty() {
            let message = summary("the push was refused; nothing was stored", &forbidden);
            return Err(StorageError::Forbidden { message, fields: forbidden });
        }

        // 2. Apply, in push order.
        let mut numbered: FastSet<&str> = FastSet::default();
        for (p, owner) in &new_partitions {
            // A partition names its owner and creator by number.
            for id in [Some(me.as_str()), owner.as_deref()].into_iter().flatten() {
                if numbered.insert(id) {
                    tx.prepare_cached(SHORT_ID)?.execute([id])?;
                }
            }
            tx.prepare_cached(
                "INSERT INTO partitions (id, dealership, owner, creator)
                 VALUES (?1, (SELECT n FROM short_ids WHERE id = ?2), (SELECT n FROM short_ids WHERE id = ?3),
                         (SELECT n FROM short_ids WHERE id = ?4))
                 ON CONFLICT (dealership, id) DO NOTHING",
            )?
            .execute(params![p, dealership, owner, me])?;
        }
        let mut refused = Vec::new();
        let mut acknowledged = Vec::with_capacity(changes.len());
        let mut rows_done: FastSet<(&str, Uuid)> = FastSet::with_capacity_and_hasher(changes.len(), Default::default());
        // Partitions whose leads changed hands: who they are shared with is decided again.
        let mut share: BTreeSet<String> = BTreeSet::new();
        let mut group: Option<Group> = None;
        let mut writes = WriteRefs::default();
        let mut fresh_state = FreshState::default();
        // Rows this push created, and the fields of them it wrote so far.
        let mut new_rows: FastMap<(&str, Uuid), i64> =
            FastMap::with_capacity_and_hasher(changes.len(), Default::default());
        let mut written: FastSet<(&str, Uuid, &str)> =
            FastSet::with_capacity_and_hasher(changes.len(), Default::default());
        // The row id as text, made once for the consecutive changes of one row.
        let mut row_text = String::new();
        let mut row_text_of = None;
        for c in &changes {
            acknowledged.push(c.change_id);
            if already.contains(&c.change_id) {
                continue;
            }
            let key = (c.table.as_str(), c.row_id);
            let Some(place) = placed.get(&key) else {
                return Err(StorageError::Internal(format!("change {} was not placed", c.change_id)));
            };
            if row_text_of != Some(c.row_id) {
                row_text = c.row_id.to_string();
                row_text_of = Some(c.row_id);
            }
            if rows_done.insert(key) {
                let inserted = tx.insert_returning(
                    &INSERT_ROW,
                    "id",
                    params![c.table, row_text, dealership, place.partition, me],
                )?;
                if let Some(rid) = inserted {
                    new_rows.insert(key, rid);
                }
            }
            // A row this push created has no state but what this push wrote (a first sync of
            // 50,000 customers skips 700,000 lookups that would find nothing). `fresh` is the
            // row's number when this is the first write of the field in a row this push created.
            let fresh = new_rows.get(&key).copied().filter(|_| written.insert((key.0, key.1, c.field.as_str())));
            let current = match fresh {
                Some(_) => None,
                None => {
                    fresh_state.store(tx)?;
                    load_field(tx, &dealership, &c.table, &row_text, &c.field)?
                }
            };
            let (write, index) = write_of(c.change_id);
            // A vehicle held by someone else is not reserved again: first arrival wins.
            if partition::is_reservation(&c.table, &c.field)
                && rep
                && let Some(cur) = current.as_ref().filter(|cur| partition::is_held(&cur.value))
                && cur.user.as_deref() != Some(me.as_str())
            {
                let refused_entry = WriteEntry {
                    kind: "refused",
                    write,
                    table: &c.table,
                    row_id: &row_text,
                    fields: vec![(index, c.field.clone(), c.value.clone())],
                    hlc: c.hlc.to_string(),
                    partition: place.partition.as_deref(),
                    audience: None,
                    author: None,
                    seen: true,
                    by_ref: None,
                };
                Self::log_write(tx, user, Some(push.device_id), now_ms, refused_entry)?;
                // Re-issue the holder's value with a clock past the request so every replica,
                // the requester's included, goes back to it.
                clock.observe(c.hlc.max(cur.hlc), now_ms);
                let restore = FieldChange {
                    change_id: Uuid::now_v7(),
                    table: c.table.clone(),
                    row_id: c.row_id,
                    field: c.field.clone(),
                    value: cur.value.clone(),
                    hlc: clock.tick(now_ms),
                    author: None,
                };
                Self::set_state(tx, &mut writes, &dealership, &restore, cur.user.as_deref().unwrap_or(""))?;
                let (restore_write, restore_index) = write_of(restore.change_id);
                let restore_entry = WriteEntry {
                    kind: "change",
                    write: restore_write,
                    table: &c.table,
                    row_id: &row_text,
                    fields: vec![(restore_index, c.field.clone(), restore.value.clone())],
                    hlc: restore.hlc.to_string(),
                    partition: None,
                    audience: None,
                    author: cur.user.clone(),
                    seen: true,
                    by_ref: None,
                };
                Self::log_write(tx, user, None, now_ms, restore_entry)?;
                let holder: String = match &cur.user {
                    Some(u) => tx
                        .prepare_cached("SELECT name FROM users WHERE id = ?1")?
                        .query_row([u], |r| r.get(0))
                        .optional()?
                        .unwrap_or_else(|| "another user".into()),
                    None => "another user".into(),
                };
                let title = vehicle_title(tx, &dealership, &row_text)?;
                let status = cur.value.as_str().unwrap_or("held").replace('_', " ");
                let reason = format!(
                    "{title} was already {status} by {holder} when your request arrived; your reservation was not applied"
                );
                let notice = serde_json::json!({"kind": "reservation_lost", "message": reason});
                Self::log(
                    tx,
                    user,
                    None,
                    now_ms,
                    LogEntry {
                        kind: "notice",
                        table: &c.table,
                        row_id: &row_text,
                        value: Some(notice.to_string()),
                        partition: None,
                        audience: Some(&me),
                        author: None,
                    },
                )?;
                refused.push(Refused { change_id: c.change_id, reason });
                continue;
            }
            let decision = decide(false, (c.hlc, c.change_id), current.as_ref().map(|cur| (cur.hlc, cur.change_id)));
            // Consecutive fields of one write of one row are logged as one entry.
            let same_write =
                |g: &Group| g.write == write && g.table == c.table && g.row_id == c.row_id && g.hlc == c.hlc;
            if !group.as_ref().is_some_and(same_write) {
                Self::flush(tx, user, push.device_id, now_ms, group.take(), &mut writes)?;
                group = Some(Group {
                    write,
                    table: c.table.clone(),
                    row_id: c.row_id,
                    hlc: c.hlc,
                    partition: place.partition.clone(),
                    fields: Vec::new(),
                    rid: new_rows.get(&key).copied(),
                    won: true,
                });
            }
            if let Some(g) = group.as_mut() {
                g.fields.push((index, c.field.clone(), c.value.clone()));
                g.won &= decision == Decision::Wins;
            }
            if decision != Decision::Wins {
                continue;
            }
            if let Some(rid) = fresh {
                fresh_state.add(tx, &mut writes, rid, c, &me)?;
            } else {
                Self::set_state(tx, &mut writes, &dealership, c, &me)?;
            }
            if c.table == "leads" {
                share.extend(place.partition.iter().cloned());
                share.extend(place.moved_from.iter().flatten().cloned());
            }
            // A new owner moves the partition; a new placement field moves the row.
            if partition::owner_field(&c.table) == Some(c.field.as_str())
                && place.partition.as_deref() == Some(row_text.as_str())
            {
                fresh_state.store(tx)?;
                let to = as_id(Some(&c.value));
                let existing_owner = Self::owner_of(tx, &dealership, Some(&row_text))?;
                let to = to.or(if existing_owner.is_none() { None } else { existing_owner.clone() });
                if to != existing_owner {
                    Self::move_partition(tx, user, now_ms, &row_text, to.as_deref())?;
                    share.insert(row_text.clone());
                }
            }
            if partition::placement_fields(&c.table).contains(&c.field.as_str())
                && let Some(from) = &place.moved_from
            {
                fresh_state.store(tx)?;
                let now_in: Option<String> = load_row(tx, &dealership, &c.table, c.row_id)?.and_then(|m| m.partition);
                if now_in != place.partition {
                    tx.prepare_cached(NAME_ENTRIES)?.execute(params![dealership, c.table, row_text])?;
                    tx.prepare_cached(&MOVE_ROW)?.execute(params![c.table, row_text, dealership, place.partition])?;
                    let old_owner = Self::owner_of(tx, &dealership, from.as_deref())?;
                    let new_owner = Self::owner_of(tx, &dealership, place.partition.as_deref())?;
                    // Rows living with this one (a lead's assignments) move with it, as every
                    // device places them by their parent.
                    let mut moving = vec![(c.table.clone(), row_text.clone())];
                    moving.extend(Self::children(tx, &dealership, &c.table, &row_text)?);
                    for (t, r) in &moving[1..] {
                        tx.prepare_cached(NAME_ENTRIES)?.execute(params![dealership, t, r])?;
                        tx.prepare_cached(&MOVE_ROW)?.execute(params![t, r, dealership, place.partition])?;
                    }
                    if let Some(p) = &place.partition {
                        let evict = match &old_owner {
                            Some(o) if old_owner != new_owner && Self::is_rep(tx, o)? => Some(o.as_str()),
                            _ => None,
                        };
                        Self::hand_over(tx, user, now_ms, &moving, Some(p), evict, None)?;
                    }
                }
            }
        }
        Self::flush(tx, user, push.device_id, now_ms, group.take(), &mut writes)?;
        fresh_state.store(tx)?;
        for p in &share {
            Self::sync_grants(tx, user, now_ms, p)?;
        }
        // On PostgreSQL a push persists the clock under its dealership's key: pushes of different
        // rooftops run at once and would otherwise queue on one row until each commits.
        let key = match tx.dialect() {
            Dialect::Sqlite => "hlc".to_string(),
            Dialect::Postgres => format!("hlc:{dealership}"),
        };
        set_meta(tx, &key, &clock.last().to_string())?;
        let server_seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM log_entries", (), |r| r.get(0))?;
        let purged = purged_rows.into_iter().map(|(table, row_id)| RowRef { table, row_id }).collect();
        Ok(PushAck { acknowledged, acknowledged_writes: Vec::new(), server_seq, refused, purged })
    }
}

impl Conn {
    fn create_dealership(&mut self, name: &str) -> Result<Uuid> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StorageError::Invalid {
                message: "dealership: a name is required".into(),
                fields: vec![FieldError::new("dealership", "a name is required")],
            });
        }
        let id = Uuid::now_v7();
        let tx = begin(&*self.conn, Mode::Write)?;
        tx.execute("INSERT INTO dealerships (id, name) VALUES (?1, ?2)", params![id.to_string(), name])?;
        // Its log entries name it by number.
        tx.execute(SHORT_ID, [id.to_string()])?;
        tx.commit()?;
        Ok(id)
    }

    fn dealerships(&self) -> Result<Vec<(Uuid, String)>> {
        let mut stmt = self.conn.prepare("SELECT id, name FROM dealerships ORDER BY name")?;
        let rows = stmt.query_map((), |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?)))?;
        rows.map(|r| {
            let (id, name) = r?;
            Ok((parse_id(&id)?, name))
        })
        .collect()
    }

    fn add_user(
        &mut self,
        dealership: Option<&str>,
        login: &str,
        name: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<User> {
        let dealership_id = self.dealership_id(dealership)?;
        let login = login.trim();
        if login.is_empty() {
            return Err(StorageError::Invalid {
                message: "login: a login is required".into(),
                fields: vec![FieldError::new("login", "a login is required")],
            });
        }
        if self.user_by("login", login)?.is_some() {
            return Err(StorageError::Conflict {
                message: format!("login: {login:?} is taken"),
                fields: vec![FieldError::new("login", "is taken")],
            });
        }
        let user = User {
            id: Uuid::now_v7(),
            dealership_id,
            login: login.to_string(),
            name: name.trim().to_string(),
            role,
            disabled: false,
            group_id: None,
        };
        let tx = begin(&*self.conn, Mode::Write)?;
        tx.execute(
            "INSERT INTO users (id, dealership_id, login, name, role, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                user.id.to_string(),
                user.dealership_id.to_string(),
                user.login,
                user.name,
                role.as_str(),
                password_hash,
                now_text(showroom_core::domain::Timestamp::now().millis())
            ],
        )?;
        // The staff list is shared reference data: every device of the dealership gets the user.
        let now = showroom_core::domain::Timestamp::now();
        let staff = showroom_core::domain::User {
            id: user.id,
            name: user.name.clone(),
            email: user.login.clone(),
            role: match role {
                Role::Rep => showroom_core::domain::Role::Rep,
                Role::Manager => showroom_core::domain::Role::Manager,
            },
            team_id: None,
            active: true,
            created_at: now,
            updated_at: now,
        };
        let Value::Object(fields) = serde_json::to_value(&staff)? else {
            return Err(StorageError::Internal("a user is not an object".into()));
        };
        Self::server_write(&tx, &mut lock(&self.clock), &user, "users", user.id, None, fields)?;
        set_meta(&tx, "hlc", &lock(&self.clock).last().to_string())?;
        tx.commit()?;
        Ok(user)
    }

    fn set_password(&mut self, login: &str, password_hash: &str) -> Result<()> {
        let Some((user, _)) = self.user_by("login", login)? else {
            return Err(StorageError::NotFound(format!("login: no user {login:?}")));
        };
        let tx = begin(&*self.conn, Mode::Write)?;
        tx.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user.id.to_string(), password_hash])?;
        tx.execute("UPDATE tokens SET revoked = 1 WHERE user_id = ?1", [user.id.to_string()])?;
        tx.commit()?;
        Ok(())
    }

    fn set_disabled(&mut self, login: &str, disabled: bool) -> Result<()> {
        let Some((user, _)) = self.user_by("login", login)? else {
            return Err(StorageError::NotFound(format!("login: no user {login:?}")));
        };
        if disabled {
            // Every device the user signed in from erases its customer data at its next contact.
            let now = showroom_core::domain::Timestamp::now().millis();
            self.request_wipe(login, None, "the account was disabled", now)?;
        }
        let tx = begin(&*self.conn, Mode::Write)?;
        tx.execute("UPDATE users SET disabled = ?2 WHERE id = ?1", params![user.id.to_string(), disabled])?;
        if disabled {
            tx.execute("UPDATE tokens SET revoked = 1 WHERE user_id = ?1", [user.id.to_string()])?;
        }
        let mut fields = Map::new();
        fields.insert("active".into(), Value::Bool(!disabled));
        Self::server_write(&tx, &mut lock(&self.clock), &user, "users", user.id, None, fields)?;
        set_meta(&tx, "hlc", &lock(&self.clock).last().to_string())?;
        tx.commit()?;
        Ok(())
    }

    fn credentials(&self, login: &str) -> Result<Option<(User, String)>> {
        self.user_by("login", login.trim())
    }

    fn add_token(
        &mut self,
        hash: &str,
        user: Uuid,
        device: Uuid,
        rooftop: Option<Uuid>,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO tokens (hash, user_id, device_id, created_ms, expires_ms, dealership_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![hash, user.to_string(), device.to_string(), now_ms, expires_ms, rooftop.map(|d| d.to_string())],
        )?;
        Ok(())
    }

    fn token_user(&self, hash: &str, now_ms: i64) -> Result<Option<(User, Uuid)>> {
        let found: Option<(String, String, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT user_id, device_id, dealership_id FROM tokens
                 WHERE hash = ?1 AND revoked = 0 AND expires_ms > ?2",
            )?
            .query_row(params![hash, now_ms], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((id, device, rooftop)) = found else { return Ok(None) };
        let device = parse_id(&device)?;
        let Some(user) = self.user_by("id", &id)?.map(|(u, _)| u).filter(|u| !u.disabled) else { return Ok(None) };
        // A sister rooftop's token serves only while its user manages that rooftop's group.
        match rooftop {
            Some(d) if d != user.dealership_id.to_string() => {
                Ok(self.as_rooftop_of(&user, parse_id(&d)?)?.map(|u| (u, device)))
            }
            _ => Ok(Some((user, device))),
        }
    }

    fn revoke_token(&mut self, hash: &str) -> Result<bool> {
        Ok(self.conn.execute("UPDATE tokens SET revoked = 1 WHERE hash = ?1 AND revoked = 0", [hash])? > 0)
    }

    fn request_wipe(&mut self, login: &str, device: Option<Uuid>, reason: &str, now_ms: i64) -> Result<Vec<Uuid>> {
        let Some((user, _)) = self.user_by("login", login)? else {
            return Err(StorageError::NotFound(format!("login: no user {login:?}")));
        };
        let tx = begin(&*self.conn, Mode::Write)?;
        let known: Vec<String> = tx
            .prepare("SELECT DISTINCT device_id FROM tokens WHERE user_id = ?1")?
            .query_map([user.id.to_string()], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        let devices: Vec<String> = match device {
            Some(d) if known.contains(&d.to_string()) => vec![d.to_string()],
            Some(d) => {
                return Err(StorageError::NotFound(format!("device: {login} never signed in from {d}")));
            }
            None => known,
        };
        let mut out = Vec::new();
        for d in &devices {
            tx.execute(
                "INSERT INTO wipes (user_id, device_id, reason, requested_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, device_id) DO UPDATE SET reason = excluded.reason,
                 requested_ms = excluded.requested_ms, done_ms = NULL",
                params![user.id.to_string(), d, reason, now_ms],
            )?;
            tx.execute(
                "UPDATE tokens SET revoked = 1 WHERE user_id = ?1 AND device_id = ?2",
                [&user.id.to_string(), d],
            )?;
            out.push(parse_id(d)?);
        }
        tx.commit()?;
        Ok(out)
    }

    fn take_wipe(&mut self, hash: &str, now_ms: i64) -> Result<Option<String>> {
        let found: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT w.reason, w.device_id FROM tokens t JOIN wipes w ON w.user_id = t.user_id AND w.device_id = t.device_id
                 WHERE t.hash = ?1 AND t.created_ms <= w.requested_ms",
                [hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((reason, device)) = found else { return Ok(None) };
        // Told (again, if it did not finish last time): recorded once, at the first telling.
        self.conn.execute(
            "UPDATE wipes SET done_ms = ?2 WHERE device_id = ?1 AND done_ms IS NULL",
            params![device, now_ms],
        )?;
        Ok(Some(reason))
    }

    fn server_seq(&self) -> Result<i64> {
        self.conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM log_entries", (), |r| r.get(0))
    }

    /// Removes the write entries with seq in `[from, to)` received before `before_ms` whose every
    /// field lost to a later value (see [`Storage::compact`]). Returns how many.
    fn compact_range(&mut self, before_ms: u64, from: i64, to: i64) -> Result<u64> {
        let tx = begin(&*self.conn, Mode::Write)?;
        let gone: Vec<(String, i64)> = tx
            .prepare_cached(match tx.dialect() {
                Dialect::Sqlite => {
                    "DELETE FROM log_entries AS log
                 WHERE seq >= ?1 AND seq < ?2 AND kind = 'change' AND fields IS NOT NULL AND received_ms < ?3
                   AND seq < (SELECT MAX(seq) FROM log_entries)
                   AND NOT EXISTS (
                     SELECT 1 FROM json_each(log.fields) f JOIN state s
                       ON s.dealership_id = (SELECT id FROM short_ids WHERE n = log.dealership)
                      AND s.tbl = log.tbl AND s.row_id = log.row_id
                      AND s.field = json_extract(f.value, '$[1]') AND s.w % 256 = json_extract(f.value, '$[0]')
                     JOIN writes wr ON wr.id = s.w / 256 AND wr.write_id = log.change_id)
                 RETURNING change_id, seq"
                }
                Dialect::Postgres => {
                    "DELETE FROM log_entries AS log
                 WHERE seq >= ?1 AND seq < ?2 AND kind = 'change' AND fields IS NOT NULL AND received_ms < ?3
                   AND seq < (SELECT MAX(seq) FROM log_entries)
                   AND NOT EXISTS (
                     SELECT 1 FROM json_array_elements(log.fields::json) f JOIN state s
                       ON s.dealership_id = (SELECT id FROM short_ids WHERE n = log.dealership)
                      AND s.tbl = log.tbl AND s.row_id = log.row_id
                      AND s.field = f.value ->> 1 AND s.w % 256 = (f.value ->> 0)::int
                     JOIN writes wr ON wr.id = s.w / 256 AND wr.write_id = log.change_id)
                 RETURNING change_id, seq"
                }
            })?
            .query_map(params![from, to, before_ms as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        // Their write ids go too, or the log's index of taken ids would grow with history. A
        // device replaying one (its push unacknowledged for longer than the kept history) gets it
        // decided again: it loses again to the same winner, and is logged as a loser.
        let mut forget = tx.prepare_cached("DELETE FROM seen WHERE write_id = ?1 AND seq = ?2")?;
        for (write, seq) in &gone {
            forget.execute(params![write_key_of(write)?, seq])?;
        }
        drop(forget);
        tx.commit()?;
        Ok(gone.len() as u64)
    }

    /// The `writes` rows no field's winning value names (overwritten, purged or moved away).
    fn unnamed_writes(&self) -> Result<Vec<i64>> {
        self.conn
            .prepare("SELECT id FROM write_records EXCEPT SELECT w / 256 FROM state_fields")?
            .query_map((), |r| r.get(0))?
            .collect()
    }

    fn forget_writes(&mut self, ids: &[i64]) -> Result<u64> {
        let tx = begin(&*self.conn, Mode::Write)?;
        let sql = match tx.dialect() {
            Dialect::Sqlite => "DELETE FROM write_records WHERE id IN (SELECT value FROM json_each(?1))",
            Dialect::Postgres => {
                "DELETE FROM write_records WHERE id IN (SELECT json_array_elements_text(CAST(?1 AS json))::bigint)"
            }
        };
        let n = tx.execute(sql, [serde_json::to_string(ids)?])?;
        tx.commit()?;
        Ok(n as u64)
    }

    /// Entries, and the database's pages in use and free.
    fn log_size(&self) -> Result<LogSize> {
        let entries = self.conn.query_row("SELECT COUNT(*) FROM log", (), |r| r.get::<i64>(0))? as u64;
        if self.conn.dialect() == Dialect::Postgres {
            let (live, file): (i64, i64) = self.conn.query_row(
                "SELECT CAST(COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS BIGINT),
                        pg_database_size(current_database())
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind = 'r' AND n.nspname = current_schema()",
                (),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            return Ok(LogSize { entries, live_bytes: live as u64, file_bytes: file as u64 });
        }
        let page: i64 = self.conn.query_row("PRAGMA page_size", (), |r| r.get(0))?;
        let pages: i64 = self.conn.query_row("PRAGMA page_count", (), |r| r.get(0))?;
        let free: i64 = self.conn.query_row("PRAGMA freelist_count", (), |r| r.get(0))?;
        Ok(LogSize { entries, live_bytes: ((pages - free) * page) as u64, file_bytes: (pages * page) as u64 })
    }

    fn add_lead_source(
        &mut self,
        dealership: Option<&str>,
        name: &str,
        channel: showroom_core::domain::Channel,
        key_hash: &str,
        now_ms: i64,
    ) -> Result<LeadSource> {
        self.add_source(dealership, name, channel, key_hash, now_ms)
    }

    fn revoke_lead_source(&mut self, dealership: Option<&str>, name: &str, now_ms: i64) -> Result<()> {
        self.revoke_source(dealership, name, now_ms)
    }

    fn lead_sources(&self) -> Result<Vec<LeadSource>> {
        self.sources()
    }

    fn lead_source(&self, key_hash: &str) -> Result<Option<LeadSource>> {
        self.source_by("key_hash", key_hash)
    }

    fn lead_source_by_mailbox(&self, mailbox: &str) -> Result<Option<LeadSource>> {
        self.source_by("mailbox", mailbox)
    }

    fn take_leads(
        &mut self,
        source: &LeadSource,
        leads: Vec<showroom_core::leads::intake::Incoming>,
        now_ms: u64,
    ) -> Result<IntakeReceipt> {
        self.take(source, leads, now_ms)
    }

    fn push(&mut self, user: &User, push: &Push, now_ms: u64) -> Result<PushAck> {
        let served = lock(&self.cursors).get(&(user.id, push.device_id)).map_or(0, |c| c.0);
        let tx = begin(&*self.conn, Mode::WriteIn(user.dealership_id))?;
        let ack = Self::push_in(&tx, &mut lock(&self.clock), served, user, push, now_ms)?;
        tx.commit()?;
        Ok(ack)
    }

    fn pull(&mut self, user: &User, device: Uuid, since: i64, limit: usize, shape: PullShape) -> Result<PullPage> {
        let tx = begin(&*self.conn, Mode::Read)?;
        let me = user.id.to_string();
        let manager = user.role == Role::Manager;
        let limit = limit.clamp(1, showroom_core::sync::protocol::PAGE * 5);
        // A device never receives the changes it pushed (it has them), except when it pulls from
        // the start after having pulled before: that is a laptop healing a checksum mismatch, which
        // re-reads everything. A device's first pull leaves its own changes out too.
        let healing = since == 0
            && (lock(&self.cursors).get(&(user.id, device)).map_or(0, |c| c.0) > 0
                || tx
                    .prepare_cached("SELECT pulled_to FROM devices WHERE user_id = ?1 AND device_id = ?2")?
                    .query_row([&me, &device.to_string()], |r| r.get::<i64>(0))
                    .optional()?
                    .is_some_and(|p| p > 0));
        type Raw = (
            i64,
            String,
            Option<String>,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
            Option<String>,
        );
        // A device away for longer than the purged rows' evictions were kept cannot learn from
        // the log what was purged while it was away: it re-syncs from the state.
        if since > 0 {
            let below = meta(&tx, &format!("resync_below:{}", user.dealership_id))?
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0);
            if since < below {
                // The full pull that follows includes the device's own changes (it pulled before).
                drop(tx);
                self.served(user, device, since)?;
                return Ok(PullPage {
                    changes: Vec::new(),
                    writes: Vec::new(),
                    evict: Vec::new(),
                    notices: Vec::new(),
                    checksums: Vec::new(),
                    next_cursor: 0,
                    more: false,
                    resync: true,
                });
            }
        }
        let raw: Vec<Raw> = tx
            .prepare_cached(&format!(
                // The tables, not the `log` and `writes` views: an entry by reference reads its
                // row once (its partition is tested three times), and its write's id and clock
                // as stored, spelt here.
                "SELECT log.seq, log.kind, log.change_id, wr.write_id,
                        CASE WHEN log.tbl = '' THEN r.tbl ELSE log.tbl END,
                        CASE WHEN log.tbl = '' THEN r.row_id ELSE log.row_id END,
                        {fields}, log.value, log.hlc, wr.at, (SELECT id FROM short_ids WHERE n = wr.node),
                        {part}, log.received_ms, log.user_id, (SELECT id FROM short_ids WHERE n = wr.author)
                 FROM log_entries log
                 LEFT JOIN row_records r ON log.tbl = '' AND r.id = log.rid
                 LEFT JOIN write_records wr ON wr.id = log.w_from / 256
                 WHERE log.seq > ?1 AND log.dealership = (SELECT n FROM short_ids WHERE id = ?2) AND (
                   (log.kind = 'change'
                    AND (?7 OR log.device IS NULL OR log.device <> COALESCE((SELECT n FROM short_ids WHERE id = ?6), 0))
                    AND (?4 OR {part} IS NULL
                      OR EXISTS (SELECT 1 FROM partitions p WHERE p.dealership = log.dealership
                                 AND p.id = {part}
                                 AND (p.owner = (SELECT n FROM short_ids WHERE id = ?3)
                                      OR (p.owner IS NULL AND p.creator = (SELECT n FROM short_ids WHERE id = ?3))))
                      OR EXISTS (SELECT 1 FROM grants g WHERE g.dealership_id = ?2
                                 AND g.partition_id = {part} AND g.user_id = ?3)))
                   OR log.kind = 'purge'
                   OR (log.kind IN ('evict', 'notice', 'copy') AND log.audience = ?3))
                 ORDER BY log.seq LIMIT ?5",
                fields = logged_fields(tx.dialect()),
                part =
                    "CASE WHEN log.tbl = '' THEN (CASE WHEN r.partition_id = '' THEN r.row_id ELSE r.partition_id END)
                          ELSE log.partition_id END"
            ))?
            .query_map(
                params![
                    since,
                    user.dealership_id.to_string(),
                    me,
                    manager,
                    (limit + 1) as i64,
                    device.to_string(),
                    healing
                ],
                |r| {
                    // An entry by reference names its write, clock and author through its
                    // write's record; one with values holds them.
                    let write: Option<String> = match (r.get::<Option<String>>(2)?, r.get::<Option<Vec<u8>>>(3)?) {
                        (Some(id), _) => Some(id),
                        (None, Some(key)) => Some(write_of_key(&key)?.to_string()),
                        (None, None) => None,
                    };
                    let hlc: Option<String> = match (r.get::<Option<String>>(8)?, r.get::<Option<i64>>(9)?) {
                        (Some(hlc), _) => Some(hlc),
                        (None, Some(at)) => {
                            let node: String = r.get::<Option<String>>(10)?.unwrap_or_default();
                            Some(format!("{:018}-{:05}-{node}", at / 100_000, at % 100_000))
                        }
                        (None, None) => None,
                    };
                    let author: Option<String> = r.get::<Option<String>>(13)?.or(r.get(14)?);
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        write,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        hlc,
                        r.get(11)?,
                        r.get(12)?,
                        author,
                    ))
                },
            )?
            .collect::<std::result::Result<_, _>>()?;
        let mut more = raw.len() > limit;
        let mut page = PullPage {
            changes: Vec::new(),
            writes: Vec::new(),
            evict: Vec::new(),
            notices: Vec::new(),
            checksums: Vec::new(),
            next_cursor: since,
            more,
            resync: false,
        };
        let mut touched: BTreeSet<Option<String>> = BTreeSet::new();
        // Each eviction with the number of changes before it in the page.
        let mut evict_at: Vec<(RowRef, usize)> = Vec::new();
        let mut bytes = 0usize;
        for (seq, kind, change_id, table, row_id, fields, value, hlc, partition_id, received_ms, author) in
            raw.into_iter().take(limit)
        {
            let text_len = fields.as_ref().map_or(0, String::len);
            let mut fields: Fields = match &fields {
                Some(f) => serde_json::from_str(f)?,
                None => Vec::new(),
            };
            // Read back by reference, they come in the state's order.
            fields.sort_by_key(|f| f.0);
            // A page stops at about PAGE_BYTES, however many changes that is: an entry adds its
            // values and names, and a change's envelope (ids, clock, table and row, ~200 bytes),
            // once per field in the one-change-per-field shape and once per write in the writes
            // shape (where a field adds only its index, ~16).
            let envelope = match shape {
                PullShape::Changes => 200 * fields.len().max(1),
                PullShape::Writes => 200 + 16 * fields.len(),
            };
            bytes += value.as_ref().map_or(0, String::len) + text_len + envelope;
            if bytes > PAGE_BYTES && page.next_cursor > since {
                more = true;
                break;
            }
            page.next_cursor = seq;
            let row_id = parse_id(&row_id)?;
            match kind.as_str() {
                "change" | "copy" => {
                    let write = parse_id(change_id.as_deref().unwrap_or(""))?;
                    let author: Option<Uuid> = author.and_then(|a| a.parse().ok());
                    let hlc = hlc.unwrap_or_default();
                    match shape {
                        // An entry without fields sends nothing, as in the other shape (where
                        // it would not void an eviction of its row either).
                        PullShape::Writes if fields.is_empty() => {}
                        PullShape::Writes => {
                            page.writes.push(WireWrite { table, row_id, write_id: write, hlc, author, fields })
                        }
                        PullShape::Changes => page
                            .changes
                            .extend(WireWrite { table, row_id, write_id: write, hlc, author, fields }.into_changes()),
                    }
                    touched.insert(partition_id);
                }
                // A deleted row purged from the server (every device had its deletion): every
                // replica drops it too.
                "evict" | "purge" => {
                    let r = RowRef { table, row_id };
                    // (One of `changes` and `writes` is empty: the count is of the other.)
                    evict_at.push((r.clone(), page.changes.len() + page.writes.len()));
                    page.evict.push(r);
                }
                "notice" => {
                    let v: Value = serde_json::from_str(value.as_deref().unwrap_or("{}"))?;
                    page.notices.push(Notice {
                        seq,
                        kind: v["kind"].as_str().unwrap_or("notice").to_string(),
                        message: v["message"].as_str().unwrap_or("").to_string(),
                        table,
                        row_id,
                        at: now_text(received_ms),
                    });
                }
                _ => {}
            }
        }
        page.more = more;
        // An eviction followed in the same page by changes to the row (it came back) is void.
        if !page.evict.is_empty() {
            let rows = page.changes.iter().map(|c| (&c.table, c.row_id));
            let last_change: HashMap<(String, Uuid), usize> = rows
                .chain(page.writes.iter().map(|w| (&w.table, w.row_id)))
                .enumerate()
                .map(|(i, (t, r))| ((t.clone(), r), i))
                .collect();
            let evict_pos = std::mem::take(&mut evict_at);
            page.evict = evict_pos
                .into_iter()
                .filter(|(r, before)| last_change.get(&(r.table.clone(), r.row_id)).is_none_or(|i| i < before))
                .map(|(r, _)| r)
                .collect();
        }
        if !more {
            // The dealership's last entry, not the log's: another dealership's push may commit
            // a later sequence number before this dealership's earlier one (PostgreSQL).
            let max: i64 = tx.query_row(
                &format!("SELECT COALESCE(MAX(seq), 0) FROM log_entries WHERE dealership = {DEALERSHIP_NO}"),
                [user.dealership_id.to_string()],
                |r| r.get(0),
            )?;
            page.next_cursor = page.next_cursor.max(max.max(since));
            for p in touched {
                let mut sum = Checksum::default();
                let mut stmt = tx.prepare_cached(&PARTITION_STATE)?;
                let mut rows = stmt.query(params![user.dealership_id.to_string(), p])?;
                while let Some(r) = rows.next()? {
                    let (t, id, f, w, i): (String, String, String, Vec<u8>, i64) =
                        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
                    sum.add(&t, &id, &f, &field_change_id(write_of_key(&w)?, i as u8).to_string());
                }
                page.checksums.push(PartitionChecksum {
                    partition: partition::partition_name(p.and_then(|p| p.parse().ok())),
                    checksum: sum.text(),
                });
            }
        }
        drop(tx);
        self.served(user, device, page.next_cursor)?;
        Ok(page)
    }

    /// Remembers how far a device has been served: in memory, and on PostgreSQL in `devices` too.
    fn served(&mut self, user: &User, device: Uuid, cursor: i64) -> Result<()> {
        {
            let mut cursors = lock(&self.cursors);
            let kept = cursors.entry((user.id, device)).or_insert((0, 0));
            *kept = (kept.0.max(cursor), showroom_core::domain::Timestamp::now().millis().max(0) as u64);
        }
        // Several PostgreSQL servers share the clients: the device's next push may reach another
        // process, so the cursor served is kept in the database now (one row, not the log's lock).
        // SQLite's one process keeps it in memory until the device's next push writes it.
        if self.conn.dialect() == Dialect::Postgres && cursor > 0 {
            self.conn.execute(
                "INSERT INTO devices (user_id, device_id, pulled_to, seen_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, device_id) DO UPDATE SET pulled_to = CASE WHEN excluded.pulled_to > devices.pulled_to THEN excluded.pulled_to ELSE devices.pulled_to END, seen_ms = excluded.seen_ms",
                params![user.id.to_string(), device.to_string(), cursor, showroom_core::domain::Timestamp::now().millis()],
            )?;
        }
        Ok(())
    }
}

fn vehicle_title(tx: &dyn Db, d: &str, row: &str) -> Result<String> {
    let fields: HashMap<String, String> = tx
        .prepare_cached("SELECT field, value FROM state WHERE dealership_id = ?1 AND tbl = 'vehicles' AND row_id = ?2 AND field IN ('year', 'make', 'model', 'stock_no')")?
        .query_map([d, row], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    let get = |f: &str| {
        fields.get(f).and_then(|v| serde_json::from_str::<Value>(v).ok()).map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
    };
    let title = [get("year"), get("make"), get("model")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    Ok(match get("stock_no") {
        Some(s) if !title.is_empty() => format!("{title} (stock {s})"),
        _ if !title.is_empty() => title,
        _ => "The vehicle".into(),
    })
}

/// A read-only query's rows as text (`None` for NULL), for tests and tools that check a store
/// from outside its rules; parameters are text.
fn inspect_in(db: &dyn Db, sql: &str, params: &[&str]) -> Result<Vec<Vec<Option<String>>>> {
    let vals: Vec<db::Val> = params.iter().map(|p| db::Val::Text((*p).to_owned())).collect();
    Ok(db
        .rows(sql, &vals)?
        .into_iter()
        .map(|r| {
            r.0.into_iter()
                .map(|v| match v {
                    db::Val::Null => None,
                    db::Val::Int(i) => Some(i.to_string()),
                    db::Val::Real(f) => Some(f.to_string()),
                    db::Val::Text(t) => Some(t),
                    db::Val::Blob(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                })
                .collect()
        })
        .collect())
}

impl SqliteStorage {
    #[doc(hidden)]
    pub fn inspect(&self, sql: &str, params: &[&str]) -> Result<Vec<Vec<Option<String>>>> {
        self.read(|c| inspect_in(&*c.conn, sql, params))
    }
}

impl pg::PgStorage {
    #[doc(hidden)]
    pub fn inspect(&self, sql: &str, params: &[&str]) -> Result<Vec<Vec<Option<String>>>> {
        self.read(|c| inspect_in(&*c.conn, sql, params))
    }
}

/// Whether `--db` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// Opens the store `db` names: a `postgres://` URL, or a SQLite file (created when missing).
pub fn open(db: &str) -> Result<Box<dyn Storage>> {
    Ok(if is_postgres(db) { Box::new(pg::PgStorage::open(db)?) } else { Box::new(SqliteStorage::open(Path::new(db))?) })
}

/// Every partition's checksum over the state in `db`, keyed `dealership/partition`.
fn checksums_in(db: &dyn Db) -> Result<BTreeMap<String, String>> {
    let mut sums: BTreeMap<String, Checksum> = BTreeMap::new();
    let rows = db.rows(
        "SELECT r.dealership_id, r.partition_id, s.tbl, s.row_id, s.field, wr.write_id, s.w % 256 FROM rows r
         CROSS JOIN state s JOIN writes wr ON wr.id = s.w / 256
         WHERE s.dealership_id = r.dealership_id AND s.tbl = r.tbl AND s.row_id = r.row_id",
        &[],
    )?;
    for r in rows {
        let (d, p): (String, Option<String>) = (r.get(0)?, r.get(1)?);
        let key = format!("{d}/{}", partition::partition_name(p.and_then(|p| p.parse().ok())));
        let (t, id, f, w, i): (String, String, String, String, i64) =
            (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?);
        sums.entry(key).or_default().add(&t, &id, &f, &field_change(&w, i)?.to_string());
    }
    Ok(sums.into_iter().map(|(k, v)| (k, v.text())).collect())
}

/// Every table of a store, parents before children.
const TABLES: &[&str] = &[
    "meta",
    "dealer_groups",
    "dealerships",
    "short_ids",
    "users",
    "tokens",
    "partitions",
    "moves",
    "row_records",
    "write_records",
    "field_names",
    "state_fields",
    "log_entries",
    "seen",
    "grants",
    "devices",
    "wipes",
    "lead_sources",
    "intake",
    "unsubscribes",
    "outbox_attempts",
    "purged",
    "transfers",
];

/// Rows per INSERT when copying (PostgreSQL takes at most 65,535 parameters a statement).
const COPY_BATCH: usize = 400;

/// What [`migrate`] moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Migrated {
    /// Each table with its rows.
    pub tables: Vec<(String, u64)>,
    /// Partition checksums compared equal, source against target.
    pub partitions: usize,
}

/// Copies a SQLite store into an empty PostgreSQL one: every table from one read snapshot of
/// the source, in one PostgreSQL transaction that commits only when every partition's checksum
/// and every table's row count equal the source's (nothing is half-written). Log sequence
/// numbers are kept, so laptops keep their pull cursors. Stop the SQLite server first: writes
/// after the snapshot would not be copied.
pub fn migrate(from: &SqliteStorage, to: &pg::PgStorage, mut progress: impl FnMut(&str, u64)) -> Result<Migrated> {
    from.read(|src| {
        to.write(|dst| {
            let rtx = begin(&*src.conn, Mode::Read)?;
            let wtx = begin(&*dst.conn, Mode::Write)?;
            let held: i64 = wtx.query_row("SELECT COUNT(*) FROM dealerships", (), |r| r.get(0))?;
            if held > 0 {
                return Err(StorageError::Invalid {
                    message: "--to: the database holds dealerships already; migrate into an empty one".into(),
                    fields: vec![FieldError::new("to", "the database holds dealerships already")],
                });
            }
            // The target's own meta and field numbers (the fixed ones its migrations wrote) give
            // way to the source's.
            wtx.execute("DELETE FROM meta", ())?;
            wtx.execute("DELETE FROM field_names", ())?;
            let mut out = Migrated::default();
            for table in TABLES {
                let cols: Vec<String> =
                    rtx.prepare(&format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"))?
                        .query_map((), |r| r.get(0))?
                        .collect::<Result<_>>()?;
                let list = cols.join(", ");
                let rows = rtx.rows(&format!("SELECT {list} FROM {table}"), &[])?;
                for chunk in rows.chunks(COPY_BATCH) {
                    let one = format!("({})", vec!["?"; cols.len()].join(", "));
                    let sql = format!("INSERT INTO {table} ({list}) VALUES {}", vec![one; chunk.len()].join(", "));
                    let vals: Vec<db::Val> = chunk.iter().flat_map(|r| r.0.iter().cloned()).collect();
                    wtx.exec(&sql, &vals)?;
                }
                let copied: i64 = wtx.query_row(&format!("SELECT COUNT(*) FROM {table}"), (), |r| r.get(0))?;
                if copied as usize != rows.len() {
                    return Err(StorageError::Internal(format!(
                        "{table}: {copied} rows arrived of {}; nothing was written",
                        rows.len()
                    )));
                }
                progress(table, rows.len() as u64);
                out.tables.push((table.to_string(), rows.len() as u64));
            }
            // The copied sequence numbers stay; new ones continue after them.
            for (table, column) in
                [
                ("log_entries", "seq"),
                ("moves", "seq"),
                ("write_records", "id"),
                ("row_records", "id"),
                ("field_names", "id"),
                ("short_ids", "n"),
            ]
            {
                wtx.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT COALESCE(MAX({column}), 0) + 1 FROM {table}), false)"
                    ),
                    (),
                )?;
            }
            let (before, after) = (checksums_in(&rtx)?, checksums_in(&wtx)?);
            if before != after {
                let differ = before.keys().chain(after.keys()).filter(|k| before.get(*k) != after.get(*k)).count();
                return Err(StorageError::Internal(format!(
                    "{differ} partition checksums differ after the copy; nothing was written"
                )));
            }
            out.partitions = before.len();
            wtx.commit()?;
            Ok(out)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use showroom_core::sync::protocol::MAX_PUSH;
    use showroom_core::sync::protocol::WireChange;
    use std::collections::BTreeMap;

    /// A store of either dialect for the suite below (one generic suite; see `both_stores!`).
    enum Store {
        Sqlite(SqliteStorage),
        /// The store first: it is dropped before its database's server.
        Pg(pg::PgStorage, #[allow(dead_code)] crate::testpg::TestPostgres),
    }

    impl Store {
        fn sqlite() -> Self {
            Store::Sqlite(SqliteStorage::open_in_memory().unwrap())
        }

        fn postgres() -> Self {
            let server = crate::testpg::TestPostgres::start().unwrap();
            let url = server.database().unwrap();
            Store::Pg(pg::PgStorage::open(&url).unwrap(), server)
        }

        /// Runs `f` on a writing connection.
        fn write<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> T {
            match self {
                Store::Sqlite(s) => s.write(f),
                Store::Pg(s, _) => s.write(f),
            }
            .unwrap()
        }

        /// SQL for the lower-case hex digits of the bytes in column `col`, in the store's dialect.
        fn hex(&self, col: &str) -> String {
            match self {
                Store::Sqlite(_) => format!("lower(hex({col}))"),
                Store::Pg(..) => format!("encode({col}, 'hex')"),
            }
        }

        /// A number from raw SQL (what the trait does not tell: sizes of internal tables).
        fn count(&self, sql: &str) -> i64 {
            let f = |c: &mut Conn| c.conn.query_row(sql, (), |r| r.get(0));
            match self {
                Store::Sqlite(s) => s.read(f),
                Store::Pg(s, _) => s.read(f),
            }
            .unwrap()
        }
    }

    impl std::ops::Deref for Store {
        type Target = dyn Storage;
        fn deref(&self) -> &(dyn Storage + 'static) {
            match self {
                Store::Sqlite(s) => s,
                Store::Pg(s, _) => s,
            }
        }
    }

    /// Column `i` of each row of `sql` (an `EXPLAIN`) on a migrated store file; its parameters
    /// stay unbound: only the program or the plan is read.
    fn explained(sql: &str, i: usize) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.sqlite3");
        drop(SqliteStorage::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next().unwrap() {
            out.push(r.get(i).unwrap());
        }
        out
    }

    /// Storing a field checks each partial index's condition: none may build a temporary table
    /// (as a long IN list does, a fifth of the insert), and the lookups by link still use the
    /// index whose condition they repeat.
    #[test]
    fn storing_a_field_builds_no_temporary_table_and_link_lookups_use_their_index() {
        let ops = explained(&format!("EXPLAIN {SET_STATE}"), 1);
        assert!(ops.iter().any(|o| o == "IdxInsert"), "{ops:?}");
        assert!(!ops.iter().any(|o| o == "OpenEphemeral"), "{ops:?}");
        // Lookups by value start from the value's index and read each found row by its number,
        // never walking a table's rows.
        for (query, index) in [
            (CHILDREN, "state_links"),
            (portal::ROWS_WHERE, "state_links"),
            (intake::BY_CONTACT, "state_contacts"),
            (portal::SCHEDULED_DRIVES, "state_statuses"),
        ] {
            let plan = explained(&format!("EXPLAIN QUERY PLAN {query}"), 3);
            assert!(
                plan.iter().any(|p| p.contains(&format!("INDEX {index} (fid=? AND value=?)"))),
                "{query}: {plan:?}"
            );
            // Each found value's row and name are read by their numbers; nothing is walked.
            assert!(plan.iter().any(|p| p.starts_with("SEARCH r USING INTEGER PRIMARY KEY")), "{query}: {plan:?}");
            assert!(plan.iter().any(|p| p.starts_with("SEARCH n USING INTEGER PRIMARY KEY")), "{query}: {plan:?}");
            assert!(!plan.iter().any(|p| p.starts_with("SCAN")), "{query}: {plan:?}");
        }
    }

    /// A page of row writes holds as many as the client asks for (up to `PAGE * 5`) while
    /// their bytes stay small: a write's envelope counts once, not once per field as in the
    /// one-change-per-field shape, where the same customers fill a page three times sooner.
    #[test]
    fn a_page_of_row_writes_counts_each_writes_envelope_once() {
        const MOST: usize = showroom_core::sync::protocol::PAGE * 5;
        let (s, ana, mia) = setup_in(Store::sqlite());
        let n = 2_000;
        let all: Vec<WireChange> = (0..n).flat_map(|_| customer_write(ana.id, Uuid::now_v7())).collect();
        for chunk in all.chunks(MAX_PUSH) {
            s.push(&ana, &push(chunk.to_vec()), now()).unwrap();
        }
        let by_write = s.pull_shaped(&mia, Uuid::from_u128(40), 0, MOST, PullShape::Writes).unwrap();
        let pulled: BTreeSet<Uuid> = by_write.writes.iter().map(|w| w.row_id).collect();
        assert!(all.iter().all(|c| pulled.contains(&c.row_id)), "every customer in the first page");
        assert!(!by_write.more, "one page of {n} customers");
        let bytes = serde_json::to_vec(&by_write).unwrap().len();
        assert!(bytes < PAGE_BYTES, "{bytes} bytes");
        let by_field = s.pull_shaped(&mia, Uuid::from_u128(41), 0, MOST, PullShape::Changes).unwrap();
        assert!(by_field.more, "the same customers one change per field fill more than a page");
    }

    /// A move to PostgreSQL copies every table a store has (a table left out loses its rows, or,
    /// for `field_names`, every value that names it).
    #[test]
    fn the_move_to_postgresql_copies_every_table() {
        let names = explained("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'", 0);
        for name in &names {
            assert!(TABLES.contains(&name.as_str()), "{name} is not copied by `migrate`");
        }
        assert!(names.len() >= TABLES.len(), "{names:?}");
    }

    /// A partition's rows are read from the partition index and its root by its key, and the
    /// index holds no root: a customer's own row and a lone lead's are left out, a row of any other
    /// table is kept even when its id is its partition's (a forged quote or deal), so none is
    /// missed when a partition moves, is shared or is purged.
    #[test]
    fn a_partitions_rows_come_from_its_index_and_its_roots_key() {
        // Also under a partition's checksum (every pull's last page computes one for each
        // partition it touched): never a walk of the dealership's rows.
        for query in [PARTITION_ROWS, PARTITION_STATE.as_str()] {
            let plan = explained(&format!("EXPLAIN QUERY PLAN {query}"), 3);
            assert!(
                plan.iter().any(|p| p.contains("INDEX rows_by_partition (dealership=? AND partition_id=?)")),
                "{plan:?}"
            );
            assert!(
                plan.iter().any(|p| p.contains("sqlite_autoindex_row_records_1 (dealership=? AND tbl=? AND row_id=?)")),
                "{plan:?}"
            );
            assert!(!plan.iter().any(|p| p.contains("SCAN")), "{plan:?}");
            assert!(!plan.iter().any(|p| p.ends_with("(dealership=?)")), "a walk of the dealership's rows: {plan:?}");
        }
        for root in showroom_core::sync::rules::synced_tables()
            .filter(|t| matches!(showroom_core::sync::partition::home(t), Some(Home::Own | Home::Lead)))
        {
            assert!(
                ROOT_TABLES.contains(&root),
                "{root} is a partition root: leave it out of the partition index too (a migration), or drop this check"
            );
        }
        // A root row stores '' for its own partition, and only a root row does.
        for root in ROOT_TABLES {
            assert!(ROW_PARTITION.contains(&format!("?1 = '{root}'")), "{root}");
            assert!(PARTITION_ROWS.contains(&format!("'{root}'")), "{root}");
        }
        assert_eq!(ROW_PARTITION.matches("?1 = '").count(), ROOT_TABLES.len());
        // The index's condition and the query's are the same words, as SQLite needs.
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let condition = words("partition_id IS DISTINCT FROM ''");
        for sql in [
            PARTITION_ROWS,
            include_str!("../../migrations/sqlite/0018_root_partition_implied.sql"),
            include_str!("../../migrations/postgres/0014_root_partition_implied.sql"),
        ] {
            assert!(words(sql).contains(&condition), "{sql}");
        }

        let conn = Conn::open_in_memory().unwrap();
        let db = &*conn.conn;
        db.exec(SHORT_ID, &[db::Val::Text("d".into())]).unwrap();
        let (c, l, q) = ("c-1", "l-1", "q-1");
        for (tbl, row, partition) in [
            ("customers", c, Some(c)),
            ("quotes", q, Some(c)),
            // A deal forged with its customer's id: in the index all the same.
            ("opportunities", c, Some(c)),
            ("leads", l, Some(l)),
            ("leads", "l-2", Some(c)),
            ("vehicles", "v-1", None),
        ] {
            db.exec(
                &format!(
                    "INSERT INTO row_records (tbl, row_id, dealership, partition_id)
                     VALUES (?1, ?2, (SELECT n FROM short_ids WHERE id = 'd'), {})",
                    ROW_PARTITION.replace("?4", "?3")
                ),
                &[
                    db::Val::Text(tbl.into()),
                    db::Val::Text(row.into()),
                    partition.map_or(db::Val::Null, |p| db::Val::Text(p.into())),
                ],
            )
            .unwrap();
        }
        let rows_of = |p: &str| {
            let mut rows = Conn::partition_rows(db, "d", p).unwrap();
            rows.sort();
            rows
        };
        let pair = |t: &str, r: &str| (t.to_string(), r.to_string());
        assert_eq!(
            rows_of(c),
            vec![pair("customers", c), pair("leads", "l-2"), pair("opportunities", c), pair("quotes", q)]
        );
        assert_eq!(rows_of(l), vec![pair("leads", l)]);
        assert_eq!(rows_of("nobody"), Vec::<(String, String)>::new());
        let shared: Vec<(String, String)> = db
            .prepare_cached(PARTITION_ROWS)
            .unwrap()
            .query_map(params!["d", db::Val::Null], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(shared, vec![pair("vehicles", "v-1")], "the shared partition");
        let indexed: i64 = conn
            .conn
            .query_row(
                "SELECT COUNT(*) FROM row_records INDEXED BY rows_by_partition
                 WHERE dealership = (SELECT n FROM short_ids WHERE id = 'd') AND partition_id > ''
                   AND partition_id IS DISTINCT FROM ''",
                (),
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexed, 3, "the quote, the forged deal and the customer's lead; no root");
    }

    /// A push's inserts of each row run without a temporary b-tree: the new keys are read
    /// without a `RETURNING` clause (SQLite runs one as a trigger over a temporary table).
    #[test]
    fn a_pushs_inserts_build_no_temporary_table() {
        for sql in [INSERT_WRITE, INSERT_LOG, INSERT_LOG_WRITE, &INSERT_ROW, &FreshState::insert(Dialect::Sqlite, 64)] {
            let ops = explained(&format!("EXPLAIN {sql}"), 1);
            assert!(ops.iter().any(|o| o == "Insert" || o == "IdxInsert"), "{sql}: {ops:?}");
            assert!(!ops.iter().any(|o| o == "OpenEphemeral"), "{sql}: {ops:?}");
        }
    }

    /// A push's several-row insert keeps no undo of its own (no statement journal): the rows it
    /// wrote before a failing one stay until the push's transaction, which the error ends, rolls
    /// them back with everything else.
    #[test]
    fn a_failed_several_row_insert_is_undone_by_the_pushs_rollback() {
        let conn = Conn::open_in_memory().unwrap();
        let count = |c: &Conn| c.conn.query_row("SELECT COUNT(*) FROM state_fields", (), |r| r.get::<i64>(0)).unwrap();
        let tx = begin(&*conn.conn, Mode::Write).unwrap();
        let vals = |fid: i64| [db::Val::Int(1), db::Val::Int(fid), db::Val::Text("\"x\"".into()), db::Val::Int(256)];
        let rows: Vec<db::Val> = [vals(8), vals(9), vals(8)].concat();
        let failed = tx.exec(&FreshState::insert(Dialect::Sqlite, 3), &rows);
        assert!(failed.is_err(), "the third row repeats the first's key");
        let kept = tx.query_row("SELECT COUNT(*) FROM state_fields", (), |r| r.get::<i64>(0)).unwrap();
        assert_eq!(kept, 2, "OR FAIL keeps the rows before the failure (no statement journal undid them)");
        drop(tx);
        assert_eq!(count(&conn), 0, "the transaction's rollback undoes them");
    }

    /// Each named test runs once on SQLite and once on PostgreSQL.
    macro_rules! both_stores {
        ($($name:ident),* $(,)?) => {
            mod on_sqlite {
                $( #[test] fn $name() { super::$name(super::Store::sqlite()) } )*
            }
            mod on_postgres {
                $( #[test] fn $name() { super::$name(super::Store::postgres()) } )*
            }
        };
    }

    /// [`Db::insert_id`] gives the key of the row an insert made, and nothing when its
    /// `ON CONFLICT` clause made none: on SQLite from the last rowid, on PostgreSQL by `RETURNING`.
    fn an_insert_gives_its_new_key_or_none_on_a_conflict(s: Store) {
        let (first, again, second, stored) = s.write(|c| {
            let tx = begin(&*c.conn, Mode::Write)?;
            for id in ["d1", "u1"] {
                tx.execute(SHORT_ID, [id])?;
            }
            let row = |id: &str| tx.insert_returning(&INSERT_ROW, "id", params!["customers", id, "d1", id, "u1"]);
            let (first, again, second) = (row("r1")?, row("r1")?, row("r2")?);
            let stored: i64 = tx.query_row("SELECT id FROM rows WHERE row_id = 'r1'", (), |r| r.get(0))?;
            Ok((first, again, second, stored))
        });
        assert_eq!(first, Some(stored));
        assert_eq!(again, None, "the row was there: nothing made");
        assert!(second.is_some_and(|k| k != stored), "{second:?}");
    }

    both_stores!(
        an_insert_gives_its_new_key_or_none_on_a_conflict,
        a_new_rows_field_written_twice_in_one_push_keeps_the_newest,
        compaction_removes_only_old_losers_and_every_device_still_converges,
        bad_pushes_name_the_change_and_store_nothing,
        pushes_are_idempotent_and_forged_ids_are_refused,
        pulls_page_in_sequence_with_checksums_on_the_last_page,
        a_device_never_pulls_back_what_it_pushed_except_when_it_heals,
        a_device_does_not_download_what_it_sent,
        logins_are_one_account_whatever_their_case,
        a_write_that_won_whole_is_logged_by_reference,
        a_pull_in_writes_carries_the_same_changes_as_one_per_field,
        a_field_name_is_stored_once_and_the_indexed_ones_keep_their_numbers,
        an_entry_by_reference_keeps_its_partition_when_its_row_moves,
        a_writes_clock_author_and_partition_read_back_as_written,
    );

    /// A write keeps its clock as one number and its node and author, like a partition its
    /// dealership, owner and creator, as numbers (migration 0016): every one reads back as the
    /// text it came as, in a pull and in the partition's record.
    fn a_writes_clock_author_and_partition_read_back_as_written(s: Store) {
        let (s, ana, mia) = setup_in(s);
        let row = Uuid::now_v7();
        let ms = now();
        let node = Uuid::now_v7();
        let mut created = customer_write(ana.id, row);
        for c in &mut created {
            c.hlc = Hlc { ms, counter: 99_999, node }.to_string();
        }
        s.push(&ana, &push(created.clone()), ms).unwrap();
        let (pulled, _) = pull_all(&*s, &mia, Uuid::from_u128(21), 0);
        let mine: Vec<WireChange> = pulled.into_iter().filter(|c| c.row_id == row).collect();
        assert_eq!(as_set(&mine), as_set(&created), "clock, node and change ids as pushed");
        let at = ms as i64 * 100_000 + 99_999;
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM write_records WHERE at = {at}")), 1);
        let author = format!("SELECT COUNT(*) FROM writes WHERE user_id = '{}' AND hlc LIKE '%-99999-{node}'", ana.id);
        assert_eq!(s.count(&author), 1, "the write's author and clock as text");
        // Its id is kept as 16 bytes where it is stored, and spelt by `writes`.
        for table in ["write_records", "seen"] {
            assert_eq!(s.count(&format!("SELECT COUNT(*) FROM {table} WHERE length(write_id) <> 16")), 0, "{table}");
        }
        let write = created[0].change_id.to_string();
        let spelt = format!("SELECT COUNT(*) FROM writes WHERE write_id = '{}00'", &write[..34]);
        assert_eq!(s.count(&spelt), 1, "the write's id as text");
        let owned = format!(
            "SELECT COUNT(*) FROM partitions p JOIN short_ids o ON o.n = p.owner JOIN short_ids c ON c.n = p.creator
             WHERE p.id = '{row}' AND o.id = '{}' AND c.id = '{}'",
            ana.id, ana.id
        );
        assert_eq!(s.count(&owned), 1, "the customer's partition, owned and made by Ana");
        // The customer is its partition's root: its record stores '' for its own id, and reads back as it.
        assert_eq!(
            s.count(&format!("SELECT COUNT(*) FROM row_records WHERE row_id = '{row}' AND partition_id = ''")),
            1
        );
        assert_eq!(s.count(&format!("SELECT COUNT(*) FROM rows WHERE row_id = '{row}' AND partition_id = '{row}'")), 1);
        let far = Hlc { ms: u64::MAX / 10, counter: 0, node };
        assert!(clock_at(far).is_err(), "a clock past what one number holds is refused, not wrapped");
    }

    /// The fields of `row` of `table` as one write (each field's change id the write's, with
    /// its index in the last byte; one clock).
    fn one_write(table: &str, row: Uuid, fields: &[(&str, Value)], ms: u64) -> Vec<WireChange> {
        let write = write_of(Uuid::now_v7()).0;
        let hlc = Hlc { ms, counter: 0, node: Uuid::from_u128(9) }.to_string();
        let change = |(i, (field, value)): (usize, &(&str, Value))| WireChange {
            change_id: field_change_id(write, i as u8),
            table: table.into(),
            row_id: row,
            field: (*field).into(),
            value: value.clone(),
            hlc: hlc.clone(),
            author: None,
        };
        fields.iter().enumerate().map(change).collect()
    }

    /// An entry logged by reference names its row by number alone (migration 0015), and reads
    /// its table, row id and partition from the row. When the row moves to another customer,
    /// its earlier entries still read the partition they were written in: a rep who had the
    /// first customer keeps their history, and the move is the row's newest entry.
    fn an_entry_by_reference_keeps_its_partition_when_its_row_moves(s: Store) {
        let (s, ana, _) = setup_in(s);
        let (first, second, task) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        s.push(&ana, &push(customer_write(ana.id, first)), now()).unwrap();
        s.push(&ana, &push(customer_write(ana.id, second)), now()).unwrap();
        let at = showroom_core::domain::Timestamp::now().to_string();
        let fields = [
            ("customer_id", json!(first)),
            ("kind", json!("call")),
            ("subject", json!("Call about the trade-in")),
            ("due_at", json!(at)),
            ("owner_id", json!(ana.id)),
            ("created_at", json!(at)),
            ("updated_at", json!(at)),
        ];
        let t = now();
        s.push(&ana, &push(one_write("activities", task, &fields, t)), t).unwrap();
        let edit = [("subject", json!("Call back after lunch"))];
        s.push(&ana, &push(one_write("activities", task, &edit, t + 1)), t + 1).unwrap();
        // Stored: no table, row id or partition in any entry by reference.
        let spelt = "SELECT COUNT(*) FROM log_entries WHERE rid IS NOT NULL AND (tbl <> '' OR row_id <> '' OR partition_id IS NOT NULL)";
        assert_eq!(s.count(spelt), 0, "an entry by reference spells no names");
        let unnamed = "SELECT COUNT(*) FROM log_entries WHERE rid IS NOT NULL";
        // (The task's creation holds its values again: the edit overwrote its subject.)
        assert_eq!(s.count(unnamed), 3, "two customers and the edit, each by reference");
        let partitions = |s: &Store| -> Vec<String> {
            s.write(|c| {
                c.conn
                    .prepare(&format!(
                        "SELECT tbl || ' ' || partition_id FROM log WHERE kind = 'change' AND row_id = '{task}' ORDER BY seq"
                    ))?
                    .query_map((), |r| r.get::<String>(0))?
                    .collect()
            })
        };
        assert_eq!(partitions(&s), vec![format!("activities {first}"); 2], "read from the row");
        let moved = [("customer_id", json!(second))];
        s.push(&ana, &push(one_write("activities", task, &moved, t + 2)), t + 2).unwrap();
        // Then the move, and the copies of the task's values its new partition's audience gets.
        let after = partitions(&s);
        assert_eq!(after[..2], vec![format!("activities {first}"); 2], "the earlier entries keep their partition");
        assert!(after.len() > 2 && after[2..].iter().all(|p| *p == format!("activities {second}")), "{after:?}");
        // The edit keeps its values by reference, with its names given back before the move;
        // the move is by reference.
        let named = "SELECT COUNT(*) FROM log_entries WHERE tbl = 'activities' AND rid IS NOT NULL";
        assert_eq!(s.count(named), 1, "the edit, named before the move");
        assert_eq!(s.count("SELECT COUNT(*) FROM log_entries WHERE tbl = '' AND rid IS NOT NULL"), 3);
    }

    /// The state names each field by number: every name once in `field_names`, the fields the
    /// partial indexes cover at the numbers their conditions name, and the state reads back by name.
    fn a_field_name_is_stored_once_and_the_indexed_ones_keep_their_numbers(s: Store) {
        let (s, ana, _) = setup_in(s);
        let names = |s: &Store| s.count("SELECT COUNT(*) FROM field_names");
        for (name, id) in INDEXED_FIELDS {
            assert_eq!(s.count(&format!("SELECT id FROM field_names WHERE name = '{name}'")), id, "{name}");
        }
        let first = customer_write(ana.id, Uuid::now_v7());
        s.push(&ana, &push(first.clone()), now()).unwrap();
        let after_one = names(&s);
        let distinct = first.iter().map(|c| c.field.as_str()).collect::<BTreeSet<_>>().len() as i64;
        assert!(after_one >= distinct, "{after_one} names for {distinct} fields");
        s.push(&ana, &push(customer_write(ana.id, Uuid::now_v7())), now()).unwrap();
        assert_eq!(names(&s), after_one, "a second customer names no field again");
        assert_eq!(
            s.count("SELECT COUNT(*) FROM (SELECT name FROM field_names GROUP BY name HAVING COUNT(*) > 1) t"),
            0
        );
        for c in &first {
            let value = serde_json::to_string(&c.value).unwrap().replace('\'', "''");
            let found = s.count(&format!(
                "SELECT COUNT(*) FROM state WHERE row_id = '{}' AND field = '{}' AND value = '{value}'",
                c.row_id, c.field
            ));
            assert_eq!(found, 1, "{} reads back by name", c.field);
        }
        // A customer found by email goes through the contacts index's numbered condition.
        let email = first.iter().find(|c| c.field == "email").expect("the customer has an email");
        let by_contact = s.count(&format!(
            "SELECT COUNT(*) FROM state WHERE (fid = 1 OR fid = 2) AND fid = 1 AND value = '{}' AND row_id = '{}'",
            serde_json::to_string(&email.value).unwrap(),
            email.row_id
        ));
        assert_eq!(by_contact, 1);
    }

    fn setup_in(s: Store) -> (Store, User, User) {
        s.create_dealership("Lakeside").unwrap();
        let ana = s.add_user(None, "ana", "Ana", Role::Rep, "x").unwrap();
        let mia = s.add_user(None, "mia", "Mia", Role::Manager, "x").unwrap();
        (s, ana, mia)
    }

    fn logins_are_one_account_whatever_their_case(s: Store) {
        let (s, ana, _) = setup_in(s);
        let (found, _) = s.credentials("ANA").unwrap().expect("found whatever the case");
        assert_eq!(found.id, ana.id);
        let again = s.add_user(None, "Ana", "Ana again", Role::Rep, "x").unwrap_err();
        assert!(again.to_string().contains("taken"), "{again}");
    }

    fn now() -> u64 {
        showroom_core::domain::Timestamp::now().millis() as u64
    }

    fn wire(table: &str, row: Uuid, field: &str, value: Value, ms: u64) -> WireChange {
        WireChange {
            change_id: Uuid::now_v7(),
            table: table.into(),
            row_id: row,
            field: field.into(),
            value,
            hlc: Hlc { ms, counter: 0, node: Uuid::from_u128(9) }.to_string(),
            author: None,
        }
    }

    fn customer(owner: Uuid, row: Uuid) -> Vec<WireChange> {
        let c = showroom_core::domain::Customer {
            owner_id: Some(owner),
            first_name: "Dana".into(),
            last_name: "Whitfield".into(),
            ..showroom_core::domain::Customer::blank(row, showroom_core::domain::Timestamp::now())
        };
        let Value::Object(fields) = serde_json::to_value(&c).unwrap() else { panic!() };
        fields.into_iter().filter(|(k, _)| k != "id").map(|(k, v)| wire("customers", row, &k, v, now())).collect()
    }

    fn push(changes: Vec<WireChange>) -> Push {
        Push { device_id: Uuid::from_u128(9), changes }
    }

    fn log_len(s: &Store) -> i64 {
        s.count("SELECT COUNT(*) FROM log")
    }

    fn err_fields(e: StorageError) -> (String, Vec<String>) {
        match e {
            StorageError::Invalid { fields, .. } => {
                ("invalid".into(), fields.into_iter().map(|f| f.field + ": " + &f.message).collect())
            }
            StorageError::Forbidden { fields, .. } => {
                ("forbidden".into(), fields.into_iter().map(|f| f.field + ": " + &f.message).collect())
            }
            StorageError::Conflict { fields, .. } => {
                ("conflict".into(), fields.into_iter().map(|f| f.field + ": " + &f.message).collect())
            }
            other => (other.to_string(), Vec::new()),
        }
    }

    #[test]
    fn a_push_lands_while_a_pull_is_reading_and_the_pull_keeps_its_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStorage::open(&dir.path().join("sync.sqlite3")).unwrap();
        s.create_dealership("Lakeside").unwrap();
        let ana = s.add_user(None, "ana", "Ana", Role::Rep, "x").unwrap();
        let mia = s.add_user(None, "mia", "Mia", Role::Manager, "x").unwrap();
        s.push(&ana, &push(customer(ana.id, Uuid::now_v7())), now()).unwrap();
        let first = s.pull(&mia, Uuid::from_u128(7), 0, 1000).unwrap();
        assert!(!first.changes.is_empty());
        // A reader is in the middle of a pull: its read transaction holds a snapshot of the log.
        let second = Uuid::now_v7();
        let s = Arc::new(s);
        let (seen_during, landed) = s
            .read(|c| {
                let tx = begin(&*c.conn, Mode::Read)?;
                let count = |tx: &dyn Db| tx.query_row("SELECT COUNT(*) FROM log", (), |r| r.get::<i64>(0));
                let before = count(&tx)?;
                // A push from another request: with one lock for everything it would wait until
                // this read ends, and the read waits here for it.
                let (done, landed) = std::sync::mpsc::channel();
                let (s2, ana2) = (s.clone(), ana.clone());
                std::thread::spawn(move || done.send(s2.push(&ana2, &push(customer(ana2.id, second)), now())));
                let ack = landed.recv_timeout(std::time::Duration::from_secs(20));
                Ok((count(&tx)? - before, ack.map_err(|_| landed)))
            })
            .unwrap();
        let pushed = match landed {
            Ok(ack) => ack.unwrap(),
            Err(late) => {
                let _ = late.recv();
                panic!("the push waited for a pull that was reading");
            }
        };
        assert_eq!(seen_during, 0, "a pull under way sees the log as it was when it began");
        assert!(pushed.server_seq > 0);
        // The next pull (another reader, or the same one, now idle) sees the push.
        let next = s.pull(&mia, Uuid::from_u128(7), first.next_cursor, 1000).unwrap();
        assert!(!next.changes.is_empty() && next.changes.iter().all(|c| c.row_id == second), "{next:?}");
        assert!(next.next_cursor >= pushed.server_seq);
    }

    /// The writer's commit does not copy the log into the file (SQLite's automatic checkpoint
    /// is off on it): the background thread does, so the log starts over at the next write.
    #[test]
    fn the_wal_is_checkpointed_by_the_background_thread_and_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStorage::open(&dir.path().join("sync.sqlite3")).unwrap();
        let ckpt = s.checkpointer.as_ref().expect("a file store checkpoints in the background");
        let before = ckpt.runs();
        // About 3,000 pages in one commit, three times what wakes the thread.
        let pages = s
            .write(|c| {
                c.conn.batch(
                    "CREATE TABLE filler (x BLOB);
                     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
                     INSERT INTO filler SELECT randomblob(3000) FROM n;",
                )?;
                Ok(checkpoint::wal_pages())
            })
            .unwrap();
        assert!(pages >= 3000, "the commit left {pages} pages in the log");
        let waited = std::time::Instant::now();
        while ckpt.runs() == before {
            assert!(waited.elapsed().as_secs() < 60, "the checkpoint thread never ran");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // Every frame was copied, so the next commit writes the log from its start.
        let next = s
            .write(|c| {
                c.conn.batch("INSERT INTO filler VALUES (x'00')")?;
                Ok(checkpoint::wal_pages())
            })
            .unwrap();
        assert!(next < 10, "the log did not start over: {next} pages after a one-row commit");
        // ... and its file was cut back: the 3,000 pages it held are not kept on disk.
        let wal = std::fs::metadata(dir.path().join("sync.sqlite3-wal")).unwrap().len();
        assert!(wal as i64 <= checkpoint::KEEP_BYTES, "the log file kept {wal} bytes");
        assert_eq!(
            s.write(|c| c.conn.query_row("SELECT COUNT(*) FROM filler", (), |r| r.get::<i64>(0))).unwrap(),
            3001
        );
    }

    #[test]
    fn a_read_that_opens_a_new_connection_does_not_wait_for_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let s = Arc::new(SqliteStorage::open(&dir.path().join("sync.sqlite3")).unwrap());
        s.create_dealership("Lakeside").unwrap();
        assert!(lock(&s.readers).is_empty(), "no reader opened yet");
        // A push in progress holds the writer while the first read of the process arrives.
        let writing = s.conn();
        let (done, answered) = std::sync::mpsc::channel();
        let s2 = s.clone();
        std::thread::spawn(move || done.send(s2.dealerships().map(|d| d.len())));
        let got = answered.recv_timeout(std::time::Duration::from_secs(20));
        drop(writing);
        assert_eq!(got.expect("the read waited for the writer").unwrap(), 1);
    }

    /// On PostgreSQL a push waits only for writers of its own dealership: a group's rooftops push
    /// in parallel, and a rooftop's own pushes still take turns (its log order is commit order).
    #[test]
    fn on_postgres_a_push_waits_only_for_its_own_dealerships_writers() {
        let s = Store::postgres();
        let Store::Pg(pg, _) = &s else { unreachable!() };
        let lakeside = pg.create_dealership("Lakeside").unwrap();
        pg.create_dealership("Hilltop").unwrap();
        let ana = pg.add_user(Some("Lakeside"), "ana", "Ana", Role::Rep, "x").unwrap();
        let zed = pg.add_user(Some("Hilltop"), "zed", "Zed", Role::Rep, "x").unwrap();
        let wait = std::time::Duration::from_secs(20);
        std::thread::scope(|scope| {
            // A Lakeside push in progress: its transaction holds Lakeside's lock.
            let (held, holding) = std::sync::mpsc::channel();
            let (release, released) = std::sync::mpsc::channel::<()>();
            scope.spawn(move || {
                pg.write(|c| {
                    let tx = begin(&*c.conn, Mode::WriteIn(lakeside))?;
                    held.send(()).unwrap();
                    released.recv().unwrap();
                    tx.commit()
                })
                .unwrap()
            });
            holding.recv_timeout(wait).unwrap();
            // Hilltop's push goes through meanwhile.
            let (done, landed) = std::sync::mpsc::channel();
            let zed2 = zed.clone();
            scope.spawn(move || done.send(pg.push(&zed2, &push(customer(zed2.id, Uuid::now_v7())), now())));
            let ack = landed.recv_timeout(wait).expect("Hilltop's push waited for Lakeside's").unwrap();
            assert!(!ack.acknowledged.is_empty());
            // Another Lakeside push waits for the first.
            let (done, landed) = std::sync::mpsc::channel();
            let ana2 = ana.clone();
            scope.spawn(move || done.send(pg.push(&ana2, &push(customer(ana2.id, Uuid::now_v7())), now())));
            assert!(
                landed.recv_timeout(std::time::Duration::from_millis(1500)).is_err(),
                "a second Lakeside push did not wait for the first"
            );
            release.send(()).unwrap();
            assert!(!landed.recv_timeout(wait).expect("it went on after").unwrap().acknowledged.is_empty());
        });
        // Each rooftop's manager-less pull sees its own: nothing of the other.
        let page = s.pull(&zed, Uuid::from_u128(3), 0, 1000).unwrap();
        assert!(page.changes.iter().all(|c| c.author == Some(zed.id) || c.author.is_none()));
    }

    /// Two server processes starting on one new database: both come up, one schema.
    #[test]
    fn two_processes_opening_one_new_postgresql_database_at_once_both_start() {
        let server = crate::testpg::TestPostgres::start().unwrap();
        let url = server.database().unwrap();
        for _ in 0..3 {
            std::thread::scope(|scope| {
                let opens: Vec<_> = (0..4).map(|_| scope.spawn(|| pg::PgStorage::open(&url).map(|_| ()))).collect();
                for o in opens {
                    o.join().unwrap().unwrap();
                }
            });
        }
        let s = pg::PgStorage::open(&url).unwrap();
        let versions = s.inspect("SELECT COUNT(*) FROM schema_migrations", &[]).unwrap();
        assert_eq!(versions[0][0].as_deref(), Some(pg::MIGRATIONS.len().to_string().as_str()));
    }

    #[test]
    fn read_paths_never_write() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStorage::open(&dir.path().join("sync.sqlite3")).unwrap();
        s.create_dealership("Lakeside").unwrap();
        let err = s.read(|c| c.conn.execute("DELETE FROM dealerships", ())).unwrap_err();
        assert!(err.to_string().contains("readonly"), "{err}");
        assert_eq!(s.dealerships().unwrap().len(), 1);
    }

    /// The winning change of every field among `changes` (last writer wins by HLC, as a laptop
    /// merges), by (table, row, field).
    fn winners(changes: &[WireChange]) -> BTreeMap<(String, Uuid, String), WireChange> {
        let mut out: BTreeMap<(String, Uuid, String), WireChange> = BTreeMap::new();
        for c in changes {
            let key = (c.table.clone(), c.row_id, c.field.clone());
            if out.get(&key).is_none_or(|w| c.hlc > w.hlc) {
                out.insert(key, c.clone());
            }
        }
        out
    }

    fn pull_all(s: &dyn Storage, user: &User, device: Uuid, since: i64) -> (Vec<WireChange>, PullPage) {
        let (mut changes, mut since) = (Vec::new(), since);
        loop {
            let page = s.pull(user, device, since, 1000).unwrap();
            changes.extend(page.changes.iter().cloned());
            since = page.next_cursor;
            if !page.more {
                return (changes, page);
            }
        }
    }

    fn compaction_removes_only_old_losers_and_every_device_still_converges(s: Store) {
        let (s, ana, mia) = setup_in(s);
        let row = Uuid::now_v7();
        let t0 = now();
        s.push(&ana, &push(customer(ana.id, row)), t0).unwrap();
        let (early_changes, early) = pull_all(&*s, &mia, Uuid::from_u128(7), 0);
        // Five edits of the city, then an offline edit of the notes older than the creation's.
        for i in 1..=5u64 {
            s.push(&ana, &push(vec![wire("customers", row, "city", json!(format!("City {i}")), t0 + i)]), t0 + i)
                .unwrap();
        }
        let stale = wire("customers", row, "notes", json!("stale"), t0 - 60_000);
        s.push(&ana, &push(vec![stale.clone()]), t0 + 6).unwrap();
        // Two edits after the cutoff: the first loses to the second but is recent.
        for i in 6..=7u64 {
            s.push(
                &ana,
                &push(vec![wire("customers", row, "city", json!(format!("City {i}")), t0 + 100 + i)]),
                t0 + 100 + i,
            )
            .unwrap();
        }
        let before = log_len(&s);
        let (full, _) = pull_all(&*s, &mia, Uuid::from_u128(8), 0);
        let writes_before = s.count("SELECT COUNT(*) FROM writes");

        let c = s.compact(t0 + 50, 0).unwrap();
        // Gone: the creation's own city entry, City 1-5 and the stale notes; every other field
        // of the creation still wins, City 6 is recent, City 7 wins.
        assert_eq!(c.removed, 7, "{c:?}");
        assert_eq!(log_len(&s), before - 7);
        assert_eq!((c.before.entries, c.after.entries), (before as u64, before as u64 - 7));
        // The write records of the creation's city and of City 1-6 went (a lost write never had
        // one); every record left is named by a winning field.
        assert!(c.writes >= 7, "{c:?}");
        assert_eq!(s.count("SELECT COUNT(*) FROM writes"), writes_before - c.writes as i64);
        assert_eq!(s.count("SELECT COUNT(*) FROM writes"), s.count("SELECT COUNT(DISTINCT w / 256) FROM state"));
        let again = s.compact(t0 + 50, 0).unwrap();
        assert_eq!((again.removed, again.writes), (0, 0), "a second pass finds nothing more");

        // A fresh laptop receives every winner and none of the removed values; its checksum of
        // the partition equals the server's.
        let (fresh, last) = pull_all(&*s, &mia, Uuid::from_u128(9_000), 0);
        let values: Vec<&Value> = fresh.iter().filter(|c| c.row_id == row).map(|c| &c.value).collect();
        for gone in ["City 1", "City 5", "stale"] {
            assert!(!values.contains(&&json!(gone)), "{gone} was pulled after compaction");
        }
        assert!(values.contains(&&json!("City 6")) && values.contains(&&json!("City 7")));
        let won = winners(&fresh);
        assert_eq!(won, winners(&full), "the same winners as before compaction");
        let mut sum = Checksum::default();
        for ((t, r, f), c) in won.iter().filter(|((_, r, _), _)| *r == row) {
            sum.add(t, &r.to_string(), f, &c.change_id.to_string());
        }
        let server_sum = last.checksums.iter().find(|p| p.partition == row.to_string()).unwrap();
        assert_eq!(server_sum.checksum, sum.text());

        // A laptop that last pulled before every edit catches up to the same winners.
        let (later, _) = pull_all(&*s, &mia, Uuid::from_u128(7), early.next_cursor);
        let caught_up = winners(&[early_changes, later].concat());
        assert_eq!(caught_up, won);

        // Its write ids go with them: a replay of a removed write is decided again and loses
        // again (logged as a loser); its id is then taken again, so a different change under it
        // is refused as before.
        let seen = s.count("SELECT COUNT(*) FROM seen");
        let logged_writes = s.count("SELECT COUNT(*) FROM log WHERE kind = 'change'");
        assert_eq!(seen, logged_writes, "every taken write id names a write in the log");
        let ack = s.push(&ana, &push(vec![stale.clone()]), now()).unwrap();
        assert_eq!(ack.acknowledged, vec![stale.change_id]);
        assert_eq!(log_len(&s), before - 6);
        let (after_replay, _) = pull_all(&*s, &mia, Uuid::from_u128(9_001), 0);
        assert_eq!(winners(&after_replay), won);
        let mut forged = stale;
        forged.value = json!("forged");
        let (kind, _) = err_fields(s.push(&ana, &push(vec![forged]), now()).unwrap_err());
        assert_eq!(kind, "conflict");
    }

    fn bad_pushes_name_the_change_and_store_nothing(s: Store) {
        let (s, ana, _) = setup_in(s);
        let row = Uuid::now_v7();
        let before = log_len(&s);
        let at_most = format!("a push carries at most {MAX_PUSH}");
        let cases: Vec<(Vec<WireChange>, &str, &str)> = vec![
            (vec![wire("spaceships", row, "name", json!("x"), now())], "invalid", "changes[0].table: unknown table"),
            (
                {
                    let mut c = customer(ana.id, row);
                    c.push(wire("customers", row, "shoe_size", json!(9), now()));
                    c
                },
                "invalid",
                "is not a field",
            ),
            (
                {
                    let mut c = customer(ana.id, row);
                    c[1].value = json!(42);
                    c
                },
                "invalid",
                "changes[1].value: value 42 has the wrong type",
            ),
            (
                vec![wire("customers", row, "first_name", json!("Dana"), now() + 10 * 60 * 1000)],
                "invalid",
                "ahead of the server's clock",
            ),
            ((0..=MAX_PUSH).map(|_| wire("customers", row, "city", json!("x"), now())).collect(), "invalid", &at_most),
            (vec![wire("customers", row, "id", json!(row.to_string()), now())], "invalid", "a row's id cannot change"),
        ];
        for (changes, kind, needle) in cases {
            let (k, fields) = err_fields(s.push(&ana, &push(changes), now()).unwrap_err());
            assert_eq!(k, kind, "{fields:?}");
            assert!(fields.iter().any(|f| f.contains(needle)), "{needle}: {fields:?}");
            assert_eq!(log_len(&s), before, "nothing stored");
        }
        // A complete row must read back as its type: an enum value it does not know is refused.
        let truck = Uuid::now_v7();
        let v = json!({"vin": "1FTFW1E50PFA00001", "stock_no": "T1", "year": 2024, "make": "Ford", "model": "F-150",
            "trim": "", "body": "", "colour": "", "mileage": 0, "condition": "new", "msrp_cents": 1, "invoice_cents": 1,
            "price_cents": 1, "status": "flying", "location": "", "received_at": "2026-01-01T00:00:00.000Z",
            "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z"});
        let changes =
            v.as_object().unwrap().iter().map(|(k, v)| wire("vehicles", truck, k, v.clone(), now())).collect();
        let mia = s.credentials("mia").unwrap().unwrap().0;
        let (k, fields) = err_fields(s.push(&mia, &push(changes), now()).unwrap_err());
        assert_eq!(k, "invalid");
        assert!(fields.iter().any(|f| f.contains("status") && f.contains("unknown variant `flying`")), "{fields:?}");
        assert_eq!(log_len(&s), before);
    }

    fn pushes_are_idempotent_and_forged_ids_are_refused(s: Store) {
        let (s, ana, _) = setup_in(s);
        let row = Uuid::now_v7();
        let p = push(customer(ana.id, row));
        let first = s.push(&ana, &p, now()).unwrap();
        let len = log_len(&s);
        let again = s.push(&ana, &p, now()).unwrap();
        assert_eq!(first.acknowledged, again.acknowledged);
        assert_eq!(log_len(&s), len, "a replay is acknowledged, not applied twice");
        assert_eq!(again.server_seq, first.server_seq);
        // The same change id naming another value is a forgery.
        let mut forged = p.changes[0].clone();
        forged.value = json!("Mallory");
        let (k, fields) = err_fields(s.push(&ana, &push(vec![forged]), now()).unwrap_err());
        assert_eq!(k, "conflict");
        assert!(fields[0].starts_with("changes[0].change_id"));
        assert_eq!(log_len(&s), len);
        // The sequence only grows.
        let later = s.push(&ana, &push(vec![wire("customers", row, "city", json!("Waco"), now())]), now()).unwrap();
        assert!(later.server_seq > first.server_seq);
    }

    fn pulls_page_in_sequence_with_checksums_on_the_last_page(s: Store) {
        let (s, ana, mia) = setup_in(s);
        for _ in 0..3 {
            s.push(&ana, &push(customer(ana.id, Uuid::now_v7())), now()).unwrap();
        }
        let mut since = 0;
        let mut pages = 0;
        let mut seen = 0;
        loop {
            let page = s.pull(&mia, Uuid::nil(), since, 20).unwrap();
            pages += 1;
            seen += page.changes.len();
            assert!(page.next_cursor > since);
            since = page.next_cursor;
            if !page.more {
                assert!(!page.checksums.is_empty());
                break;
            }
            assert!(page.checksums.is_empty());
        }
        assert!(pages >= 3);
        assert!(seen >= 3 * 20);
        let empty = s.pull(&mia, Uuid::nil(), since, 20).unwrap();
        assert!(empty.changes.is_empty() && !empty.more);
        assert_eq!(empty.next_cursor, since);
    }

    fn a_device_never_pulls_back_what_it_pushed_except_when_it_heals(s: Store) {
        let (s, ana, _) = setup_in(s);
        let laptop = Uuid::from_u128(9);
        let mine = customer(ana.id, Uuid::now_v7());
        let pushed = mine.len();
        s.push(&ana, &push(mine), now()).unwrap();
        // Ana's second laptop gets them; the laptop that pushed them, on its first pull, does not.
        let other = s.pull(&ana, Uuid::from_u128(10), 0, 1000).unwrap();
        assert_eq!(other.changes.iter().filter(|c| c.table == "customers").count(), pushed);
        let first = s.pull(&ana, laptop, 0, 1000).unwrap();
        assert!(first.changes.iter().all(|c| c.table != "customers"), "{:?}", first.changes);
        assert!(!first.checksums.is_empty(), "the checksums still cover its rows");
        // Pulling from the start again (a checksum mismatch being healed) re-reads everything.
        let healed = s.pull(&ana, laptop, 0, 1000).unwrap();
        assert_eq!(healed.changes.iter().filter(|c| c.table == "customers").count(), pushed);
    }

    #[test]
    fn a_first_schema_database_moves_to_dealership_scoped_rows_with_nothing_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite3");
        {
            let mut conn = Connection::open(&path).unwrap();
            Migrations::new(vec![M::up(MIGRATIONS[0])]).to_latest(&mut conn).unwrap();
            conn.execute_batch(
                "INSERT INTO dealerships VALUES ('d1', 'Lakeside');
                 INSERT INTO partitions VALUES ('p1', 'd1', 'u1', 'u1');
                 INSERT INTO rows VALUES ('customers', 'p1', 'd1', 'p1');
                 INSERT INTO state VALUES ('customers', 'p1', 'city', '\"Austin\"', 'h', 'c1', 'u1');
                 INSERT INTO moves VALUES (7, 'p1', 'u0', 'u1');",
            )
            .unwrap();
        }
        let s = SqliteStorage::open(&path).unwrap();
        let c = s.conn();
        let tx = begin(&*c.conn, Mode::Write).unwrap();
        let row = load_row(&tx, "d1", "customers", Uuid::nil()).unwrap();
        assert!(row.is_none());
        let city: String = tx
            .query_row(
                "SELECT value FROM state WHERE dealership_id = 'd1' AND row_id = 'p1' AND field = 'city'",
                (),
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(city, "\"Austin\"");
        assert_eq!(load_partition(&tx, "d1", "p1").unwrap().unwrap().owner.as_deref(), Some("u1"));
        let moved: String = tx.query_row("SELECT dealership_id FROM moves WHERE seq = 7", (), |r| r.get(0)).unwrap();
        assert_eq!(moved, "d1");
    }

    /// A PostgreSQL store of schema 4 (each field's clock, change id and author in `state`) moves
    /// to numbered writes with every winner as it was.
    #[test]
    fn a_postgres_state_moves_to_numbered_writes_with_nothing_lost() {
        let server = crate::testpg::TestPostgres::start().unwrap();
        let url = server.database().unwrap();
        let (ana, pushed, sums) = {
            let s = pg::PgStorage::open(&url).unwrap();
            s.create_dealership("Lakeside").unwrap();
            let ana = s.add_user(None, "ana", "Ana", Role::Rep, "x").unwrap();
            let mut pushed = customer_write(ana.id, Uuid::now_v7());
            pushed.extend(customer(ana.id, Uuid::now_v7()));
            s.push(&ana, &push(pushed.clone()), now()).unwrap();
            let sums = s.partition_checksums().unwrap();
            s.write(|c| {
                c.conn.batch(&undo_short_names(Dialect::Postgres))?;
                // Entries logged by reference (schema 7) hold their fields again first.
                c.conn.batch(&format!(
                    "UPDATE log SET fields = {}, hlc = COALESCE(hlc, (SELECT hlc FROM writes WHERE id = log.w_from / 256)),
                   change_id = COALESCE(change_id, (SELECT write_id FROM writes WHERE id = log.w_from / 256)),
                       user_id = COALESCE(user_id, (SELECT user_id FROM writes WHERE id = log.w_from / 256));
                     ALTER TABLE log DROP COLUMN rid, DROP COLUMN w_from, DROP COLUMN w_to;",
                    logged_fields(Dialect::Postgres)
                ))?;
                c.conn.batch(
                    "CREATE TABLE old_state AS
                       SELECT s.dealership_id, s.tbl, s.row_id, s.field, s.value, wr.hlc,
                         substr(wr.write_id, 1, 34) || lpad(to_hex((s.w % 256)::int), 2, '0') AS change_id, wr.user_id
                       FROM state s JOIN writes wr ON wr.id = s.w / 256;
                     DROP VIEW state;
                     DROP TABLE state_fields;
                     DROP TABLE field_names;
                     ALTER TABLE rows DROP COLUMN id;
                     ALTER TABLE old_state RENAME TO state;
                     ALTER TABLE state ADD PRIMARY KEY (dealership_id, tbl, row_id, field),
                       ALTER COLUMN value SET NOT NULL, ALTER COLUMN hlc SET NOT NULL,
                       ALTER COLUMN change_id SET NOT NULL;
                     CREATE INDEX state_contacts ON state (dealership_id, tbl, field, value)
                       WHERE field IN ('email', 'phone');
                     DROP TABLE writes;
                     DELETE FROM schema_migrations WHERE version >= 5;",
                )
            })
            .unwrap();
            (ana, pushed, sums)
        };
        let s = pg::PgStorage::open(&url).unwrap();
        assert_eq!(s.partition_checksums().unwrap(), sums, "the state holds the same winners");
        s.read(|c| {
            for p in &pushed {
                let got =
                    load_field(&*c.conn, &ana.dealership_id.to_string(), &p.table, &p.row_id.to_string(), &p.field)?
                        .unwrap();
                assert_eq!(
                    (got.value, got.hlc.to_string(), got.change_id),
                    (p.value.clone(), p.hlc.clone(), p.change_id)
                );
                assert_eq!(got.user, Some(ana.id.to_string()), "{}", p.field);
            }
            Ok(())
        })
        .unwrap();
        let ack = s.push(&ana, &push(pushed.clone()), now()).unwrap();
        assert_eq!(ack.acknowledged.len(), pushed.len(), "a replay is still acknowledged");
    }

    /// A customer as one write, with change ids derived from one write id (as laptops make them).
    fn customer_write(owner: Uuid, row: Uuid) -> Vec<WireChange> {
        let write = write_of(Uuid::now_v7()).0;
        let ms = now();
        let mut changes = customer(owner, row);
        for (i, c) in changes.iter_mut().enumerate() {
            c.change_id = field_change_id(write, i as u8);
            c.hlc = Hlc { ms, counter: 0, node: Uuid::from_u128(9) }.to_string();
        }
        changes
    }

    fn as_set(changes: &[WireChange]) -> BTreeSet<String> {
        changes.iter().map(|c| format!("{} {} {} {} {}", c.change_id, c.row_id, c.field, c.value, c.hlc)).collect()
    }

    /// Turns `log_entries`, `write_records`, `partitions`, `row_records` and `seen` (migrations
    /// 0015 to 0019 on SQLite, 0011 to 0015 on PostgreSQL) back into the tables before them:
    /// every entry spells its dealership, device and row, every write its id, clock and author,
    /// every partition and row its ids.
    fn undo_short_names(dialect: Dialect) -> String {
        let name = |n: &str| format!("(SELECT id FROM short_ids WHERE n = p.{n})");
        let (d, o, c) = (name("dealership"), name("owner"), name("creator"));
        let rows = match dialect {
            Dialect::Sqlite => {
                "CREATE TABLE rows_v1 (id INTEGER PRIMARY KEY, dealership_id TEXT NOT NULL, tbl TEXT NOT NULL,
                   row_id TEXT NOT NULL, partition_id TEXT, creator_id TEXT, UNIQUE (dealership_id, tbl, row_id)) STRICT;"
            }
            Dialect::Postgres => {
                "CREATE TABLE rows_v1 (dealership_id TEXT NOT NULL, tbl TEXT NOT NULL, row_id TEXT NOT NULL,
                   partition_id TEXT, creator_id TEXT, id BIGINT, PRIMARY KEY (dealership_id, tbl, row_id));"
            }
        };
        let seen = match dialect {
            Dialect::Sqlite => {
                "CREATE TABLE seen_v1 (write_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (write_id, seq))
                   STRICT, WITHOUT ROWID;
                 INSERT INTO seen_v1 SELECT lower(substr(hex(write_id), 1, 8) || '-' || substr(hex(write_id), 9, 4)
                   || '-' || substr(hex(write_id), 13, 4) || '-' || substr(hex(write_id), 17, 4) || '-'
                   || substr(hex(write_id), 21)), seq FROM seen;
                 DROP TABLE seen;
                 ALTER TABLE seen_v1 RENAME TO seen;"
            }
            Dialect::Postgres => {
                "ALTER TABLE seen ALTER COLUMN write_id TYPE TEXT USING encode(write_id, 'hex')::uuid::text;"
            }
        };
        let numbers = format!(
            "{rows}
             INSERT INTO rows_v1 (id, dealership_id, tbl, row_id, partition_id, creator_id)
               SELECT id, dealership_id, tbl, row_id, partition_id, creator_id FROM rows;
             CREATE TABLE writes_v1 AS SELECT id, write_id, hlc, user_id FROM writes;
             DROP VIEW writes;
             DROP TABLE write_records;
             ALTER TABLE writes_v1 RENAME TO writes;
             CREATE TABLE partitions_v1 AS
               SELECT {d} AS dealership_id, p.id, {o} AS owner_id, {c} AS creator_id FROM partitions p;
             DROP TABLE partitions;
             ALTER TABLE partitions_v1 RENAME TO partitions;"
        );
        let add = match dialect {
            Dialect::Sqlite => {
                "ALTER TABLE log_entries ADD COLUMN dealership_id TEXT NOT NULL DEFAULT '';
                 ALTER TABLE log_entries ADD COLUMN device_id TEXT;"
            }
            Dialect::Postgres => {
                "ALTER TABLE log_entries ADD COLUMN dealership_id TEXT NOT NULL DEFAULT '',
                   ADD COLUMN device_id TEXT;"
            }
        };
        format!(
            "{numbers}
             DROP VIEW log;
             {add}
             UPDATE log_entries SET
               dealership_id = (SELECT id FROM short_ids WHERE n = log_entries.dealership),
               device_id = (SELECT id FROM short_ids WHERE n = log_entries.device),
               tbl = CASE WHEN tbl = '' THEN (SELECT tbl FROM rows WHERE id = log_entries.rid) ELSE tbl END,
               row_id = CASE WHEN tbl = '' THEN (SELECT row_id FROM rows WHERE id = log_entries.rid) ELSE row_id END,
               partition_id = CASE WHEN tbl = ''
                 THEN (SELECT partition_id FROM rows WHERE id = log_entries.rid) ELSE partition_id END;
             DROP INDEX log_by_dealership;
             ALTER TABLE log_entries DROP COLUMN dealership;
             ALTER TABLE log_entries DROP COLUMN device;
             ALTER TABLE log_entries RENAME TO log;
             CREATE INDEX log_by_dealership ON log (dealership_id, seq);
             DROP VIEW state;
             DROP VIEW rows;
             DROP TABLE row_records;
             ALTER TABLE rows_v1 RENAME TO rows;
             CREATE INDEX rows_by_partition ON rows (dealership_id, partition_id);
             CREATE VIEW state AS
               SELECT r.dealership_id, r.tbl, r.row_id, n.name AS field, f.value, f.w, f.rid, f.fid
               FROM state_fields f JOIN rows r ON r.id = f.rid JOIN field_names n ON n.id = f.fid;
             {seen}
             DROP TABLE short_ids;"
        )
    }

    #[test]
    fn a_row_write_is_one_log_entry_and_an_older_log_is_rewritten_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.sqlite3");
        let (ana, pushed, sums) = {
            let s = Store::Sqlite(SqliteStorage::open(&path).unwrap());
            s.create_dealership("Lakeside").unwrap();
            let ana = s.add_user(None, "ana", "Ana", Role::Rep, "x").unwrap();
            let before = log_len(&s);
            // One customer as one write, one with a random id per field (an older laptop).
            let mut pushed = customer_write(ana.id, Uuid::now_v7());
            pushed.extend(customer(ana.id, Uuid::now_v7()));
            s.push(&ana, &push(pushed.clone()), now()).unwrap();
            let fields = pushed.len() / 2;
            assert_eq!(log_len(&s) - before, 1 + fields as i64, "one entry for the write, one per older change");
            let page = s.pull(&ana, Uuid::from_u128(77), 0, 1000).unwrap();
            let mine: Vec<WireChange> = page.changes.into_iter().filter(|c| c.table == "customers").collect();
            assert_eq!(as_set(&mine), as_set(&pushed), "every field comes back with its own change id");
            (ana, pushed, s.partition_checksums().unwrap())
        };
        // The same file as schema 4 wrote it: a log row and a `seen` row per change.
        {
            let conn = Connection::open(&path).unwrap();
            // Entries logged by reference (schema 11) hold their fields again first.
            let by_ref: i64 =
                conn.query_row("SELECT count(*) FROM log WHERE w_from IS NOT NULL", (), |r| r.get(0)).unwrap();
            assert!(by_ref > 0, "the new row's write is logged by reference");
            conn.execute_batch(&undo_short_names(Dialect::Sqlite)).unwrap();
            conn.execute_batch(&format!(
                "UPDATE log SET fields = {}, hlc = COALESCE(hlc, (SELECT hlc FROM writes WHERE id = log.w_from / 256)),
                   change_id = COALESCE(change_id, (SELECT write_id FROM writes WHERE id = log.w_from / 256)),
                   user_id = COALESCE(user_id, (SELECT user_id FROM writes WHERE id = log.w_from / 256));
                 ALTER TABLE log DROP COLUMN rid;
                 ALTER TABLE log DROP COLUMN w_from;
                 ALTER TABLE log DROP COLUMN w_to;",
                logged_fields(Dialect::Sqlite)
            ))
            .unwrap();
            conn.execute_batch(
                "CREATE TABLE old_log AS SELECT * FROM log WHERE 0;
                 INSERT INTO old_log (seq, kind, change_id, tbl, row_id, field, value, hlc, dealership_id, partition_id,
                                      audience, user_id, device_id, received_ms)
                   SELECT NULL, l.kind, substr(l.change_id, 1, 34) || printf('%02x', f.value ->> 0), l.tbl, l.row_id,
                          f.value ->> 1, f.value -> 2, l.hlc, l.dealership_id, l.partition_id, l.audience, l.user_id,
                          l.device_id, l.received_ms
                   FROM log l, json_each(l.fields) f ORDER BY l.seq, f.key;
                 DELETE FROM log WHERE fields IS NOT NULL;
                 INSERT INTO log (kind, change_id, tbl, row_id, field, value, hlc, dealership_id, partition_id, audience,
                                  user_id, device_id, received_ms)
                   SELECT kind, change_id, tbl, row_id, field, value, hlc, dealership_id, partition_id, audience, user_id,
                          device_id, received_ms FROM old_log ORDER BY rowid;
                 DROP TABLE old_log;
                 DROP TABLE seen;
                 CREATE TABLE seen (change_id TEXT PRIMARY KEY, seq INTEGER NOT NULL) STRICT, WITHOUT ROWID;
                 INSERT INTO seen SELECT change_id, seq FROM log WHERE change_id IS NOT NULL;
                 ALTER TABLE log DROP COLUMN fields;
                 ALTER TABLE devices DROP COLUMN seen_ms;
                 DROP TABLE purged;
                 DROP TABLE transfers;
                 DROP TABLE dealer_groups;
                 ALTER TABLE dealerships DROP COLUMN group_id;
                 ALTER TABLE users DROP COLUMN group_id;
                 ALTER TABLE tokens DROP COLUMN dealership_id;
                 CREATE TABLE old_state AS
                   SELECT s.dealership_id, s.tbl, s.row_id, s.field, s.value, wr.hlc,
                          substr(wr.write_id, 1, 34) || printf('%02x', s.w % 256) AS change_id, wr.user_id
                   FROM state s JOIN writes wr ON wr.id = s.w / 256;
                 DROP VIEW state;
                 DROP TABLE state_fields;
                 DROP TABLE field_names;
                 DROP TABLE writes;
                 CREATE TABLE state (dealership_id TEXT NOT NULL, tbl TEXT NOT NULL, row_id TEXT NOT NULL,
                   field TEXT NOT NULL, value TEXT NOT NULL, hlc TEXT NOT NULL, change_id TEXT NOT NULL, user_id TEXT,
                   PRIMARY KEY (dealership_id, tbl, row_id, field)) STRICT, WITHOUT ROWID;
                 INSERT INTO state SELECT * FROM old_state;
                 DROP TABLE old_state;
                 CREATE INDEX state_contacts ON state (dealership_id, tbl, field, value) WHERE field IN ('email', 'phone');
                 CREATE INDEX state_links ON state (tbl, field, value)
                   WHERE field IN ('token_hash', 'quote_id', 'customer_id', 'lead_id');
                 CREATE INDEX state_statuses ON state (tbl, field, value) WHERE field = 'status';
                 PRAGMA user_version = 4;",
            )
            .unwrap();
            let n: i64 = conn.query_row("SELECT count(*) FROM log WHERE field IS NOT NULL", (), |r| r.get(0)).unwrap();
            assert!(n as usize >= pushed.len(), "{n}");
        }
        let s = Store::Sqlite(SqliteStorage::open(&path).unwrap());
        // Every field's value, clock, change id and author came through the state's rewrites.
        assert_eq!(s.partition_checksums().unwrap(), sums, "the state holds the same winners");
        if let Store::Sqlite(store) = &s {
            let c = store.conn();
            let tx = begin(&*c.conn, Mode::Read).unwrap();
            for p in &pushed {
                let got = load_field(&tx, &ana.dealership_id.to_string(), &p.table, &p.row_id.to_string(), &p.field)
                    .unwrap()
                    .unwrap();
                assert_eq!(
                    (got.value, got.hlc.to_string(), got.change_id),
                    (p.value.clone(), p.hlc.clone(), p.change_id)
                );
                assert_eq!(got.user, Some(ana.id.to_string()), "{}", p.field);
            }
        }
        let page = s.pull(&ana, Uuid::from_u128(78), 0, 1000).unwrap();
        let mine: Vec<WireChange> = page.changes.into_iter().filter(|c| c.table == "customers").collect();
        assert_eq!(as_set(&mine), as_set(&pushed), "the rewritten log serves the same changes");
        // A replay is still recognised, and a reused id still refused.
        let len = log_len(&s);
        let ack = s.push(&ana, &push(pushed.clone()), now()).unwrap();
        assert_eq!(ack.acknowledged.len(), pushed.len());
        assert_eq!(log_len(&s), len, "a replay is acknowledged, not logged again");
        let mut forged = pushed[3].clone();
        forged.value = json!("Someone Else");
        let err = s.push(&ana, &push(vec![forged]), now()).unwrap_err();
        assert!(matches!(err, StorageError::Conflict { .. }), "{err:?}");
    }

    /// A push that creates a row and writes a field of it again (newer, then older) keeps the
    /// newest value: the new row's first values are stored before the second write is decided.
    fn a_new_rows_field_written_twice_in_one_push_keeps_the_newest(s: Store) {
        let (s, ana, mia) = setup_in(s);
        let (row, t) = (Uuid::now_v7(), now());
        let mut changes = customer(ana.id, row);
        // The owner last (its partition check stores the new row's values anyway, and the
        // fields' order depends on serde_json's features), the two cities right after the first.
        let owner = changes.iter().position(|c| c.field == "owner_id").unwrap();
        let owner = changes.remove(owner);
        changes.push(owner);
        let at = changes.iter().position(|c| c.field == "city").unwrap() + 1;
        changes.insert(at, wire("customers", row, "city", json!("Older"), t - 10));
        changes.insert(at, wire("customers", row, "city", json!("Newer"), t + 10));
        let ack = s.push(&ana, &push(changes), t + 10).unwrap();
        assert!(ack.refused.is_empty(), "{ack:?}");
        assert_eq!(s.count("SELECT COUNT(*) FROM state WHERE field = 'city' AND value = '\"Newer\"'"), 1);
        assert_eq!(s.count("SELECT COUNT(*) FROM state WHERE field = 'city'"), 1);
        // The manager's laptop ends with the same value.
        let (pulled, _) = pull_all(&*s, &mia, Uuid::from_u128(5), 0);
        assert_eq!(winners(&pulled)[&("customers".to_string(), row, "city".to_string())].value, json!("Newer"));
    }

    /// A write whose every field won is logged without its values (the state holds them) and
    /// pulled with them; before one of its values is overwritten the entry takes its values back,
    /// so every entry still serves all its fields (the overwritten one to a laptop's history). A
    /// write that lost a field keeps its values; a replay is recognised, a reused id refused.
    /// The two shapes of a pull page (one change per field, what every client reads; one entry per
    /// row write, what a client asks for by header) page alike and carry the same changes: ids,
    /// values, clocks and authors, from entries logged by reference and with their values.
    fn a_pull_in_writes_carries_the_same_changes_as_one_per_field(s: Store) {
        let (s, ana, mia) = setup_in(s);
        let rows: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
        for row in &rows {
            s.push(&ana, &push(customer_write(ana.id, *row)), now()).unwrap();
        }
        // An edit that wins (by reference) and one that loses (logged with its value).
        let t = now() + 10;
        s.push(&ana, &push(vec![wire("customers", rows[0], "city", json!("Springfield"), t)]), t).unwrap();
        s.push(&ana, &push(vec![wire("customers", rows[0], "city", json!("Shelbyville"), t - 5)]), t).unwrap();
        let (mut since_c, mut since_w, mut pages) = (0, 0, 0);
        loop {
            let by_field = s.pull_shaped(&mia, Uuid::from_u128(30), since_c, 2, PullShape::Changes).unwrap();
            let mut by_write = s.pull_shaped(&mia, Uuid::from_u128(31), since_w, 2, PullShape::Writes).unwrap();
            pages += 1;
            assert!(by_write.changes.is_empty(), "a page in writes has no per-field changes");
            assert_eq!(by_write.writes.is_empty(), by_field.changes.is_empty());
            assert_eq!((by_write.next_cursor, by_write.more), (by_field.next_cursor, by_field.more));
            assert_eq!(by_write.checksums, by_field.checksums);
            let expected: Vec<FieldChange> =
                by_field.changes.iter().enumerate().map(|(i, c)| c.to_change(i).unwrap()).collect();
            assert_eq!(by_write.take_field_changes().unwrap(), expected, "page {pages}");
            (since_c, since_w) = (by_field.next_cursor, by_write.next_cursor);
            if !by_field.more {
                break;
            }
        }
        assert!(pages >= 3, "{pages} pages");
    }

    fn a_write_that_won_whole_is_logged_by_reference(s: Store) {
        let (s, ana, mia) = setup_in(s);
        let row = Uuid::now_v7();
        let created = customer_write(ana.id, row);
        s.push(&ana, &push(created.clone()), now()).unwrap();
        // By reference: no values, clock, author or write id in the entry; with values: all four
        // (the write id being the one its `seen` row names).
        let by_ref = "SELECT COUNT(*) FROM log WHERE tbl = 'customers' AND w_from IS NOT NULL
                      AND fields IS NULL AND hlc IS NULL AND user_id IS NULL AND change_id IS NULL";
        // (`seen` keeps a write id as its bytes: compared as hex digits.)
        let with_values = &format!(
            "SELECT COUNT(*) FROM log WHERE tbl = 'customers' AND w_from IS NULL
               AND fields IS NOT NULL AND hlc IS NOT NULL AND user_id IS NOT NULL
               AND replace(change_id, '-', '') = (SELECT {} FROM seen WHERE seen.seq = log.seq)",
            s.hex("write_id")
        );
        assert_eq!((s.count(by_ref), s.count(with_values)), (1, 0), "the creation is one entry, by reference");
        let mine = |c: &[WireChange]| c.iter().filter(|c| c.row_id == row).cloned().collect::<Vec<_>>();
        let (first, _) = pull_all(&*s, &mia, Uuid::from_u128(20), 0);
        assert_eq!(as_set(&mine(&first)), as_set(&created), "every field with its own change id, value and clock");

        // A later edit of the city: the creation's entry holds its values again, the old city
        // among them. Then, in one push, a newer note and a city older than the edit, which
        // loses and so is logged with its value.
        let t = now() + 10;
        let city = wire("customers", row, "city", json!("Springfield"), t);
        s.push(&ana, &push(vec![city.clone()]), t).unwrap();
        assert_eq!((s.count(by_ref), s.count(with_values)), (1, 1), "the city edit by reference");
        let notes = wire("customers", row, "notes", json!("Wants a tow hitch"), t + 5);
        let loser = wire("customers", row, "city", json!("Shelbyville"), t - 5);
        s.push(&ana, &push(vec![notes.clone(), loser.clone()]), t + 5).unwrap();
        assert_eq!((s.count(by_ref), s.count(with_values)), (2, 2), "the notes by reference, the loser with values");

        // A fresh laptop receives every change logged, as before; both laptops hold the same
        // winners.
        let (fresh, _) = pull_all(&*s, &mia, Uuid::from_u128(21), 0);
        let mut expected = created.clone();
        expected.extend([city.clone(), notes.clone(), loser.clone()]);
        assert_eq!(as_set(&mine(&fresh)), as_set(&expected));
        let won = winners(&mine(&fresh));
        assert_eq!(won[&("customers".to_string(), row, "city".to_string())].value, json!("Springfield"));
        assert_eq!(won[&("customers".to_string(), row, "notes".to_string())].value, json!("Wants a tow hitch"));
        let (later, _) = pull_all(&*s, &mia, Uuid::from_u128(20), 0);
        assert_eq!(winners(&mine(&later)), won);

        // A replay of every push is acknowledged and not logged again; the newer city stays.
        let len = log_len(&s);
        for p in [created.clone(), vec![city.clone()], vec![notes.clone(), loser.clone()]] {
            let ack = s.push(&ana, &push(p.clone()), now() + 20).unwrap();
            assert_eq!(ack.acknowledged.len(), p.len());
        }
        assert_eq!(log_len(&s), len, "a replay is acknowledged, not logged again");
        assert_eq!(s.count("SELECT COUNT(*) FROM state WHERE field = 'city' AND value = '\"Springfield\"'"), 1);
        // A write naming one field twice (no laptop does) keeps its values: the second value
        // overwrote the first, which the state no longer holds, and a replay is still recognised.
        let write = write_of(Uuid::now_v7()).0;
        let hlc = Hlc { ms: now() + 30, counter: 0, node: Uuid::from_u128(9) }.to_string();
        let twice: Vec<WireChange> = ["First", "Second"]
            .iter()
            .enumerate()
            .map(|(i, v)| WireChange {
                change_id: field_change_id(write, i as u8),
                hlc: hlc.clone(),
                ..wire("customers", row, "notes", json!(v), 0)
            })
            .collect();
        s.push(&ana, &push(twice.clone()), now() + 30).unwrap();
        assert_eq!((s.count(by_ref), s.count(with_values)), (1, 4), "the notes' entry was given its values back");
        let len = log_len(&s);
        s.push(&ana, &push(twice.clone()), now() + 30).unwrap();
        assert_eq!(log_len(&s), len, "a replay is acknowledged, not logged again");
        let (after, _) = pull_all(&*s, &mia, Uuid::from_u128(22), 0);
        let served = after.iter().filter(|c| c.row_id == row && c.field == "notes").count();
        assert_eq!(
            served,
            created.iter().filter(|c| c.field == "notes").count() + 3,
            "both values of the write served"
        );
        // A reused id is refused, whether its entry holds values or names them.
        for reused in [&created[2], &city, &notes] {
            let mut forged = reused.clone();
            forged.value = json!("Someone Else");
            let (kind, _) = err_fields(s.push(&ana, &push(vec![forged]), now()).unwrap_err());
            assert_eq!(kind, "conflict", "{}", reused.field);
        }
    }

    fn a_device_does_not_download_what_it_sent(s: Store) {
        let (s, ana, _) = setup_in(s);
        let (laptop, tablet) = (Uuid::from_u128(9), Uuid::from_u128(10));
        let first = s.pull(&ana, laptop, 0, 1000).unwrap().next_cursor;
        let ack = s.push(&ana, &push(customer(ana.id, Uuid::now_v7())), now()).unwrap();
        let mine = |p: &PullPage| p.changes.iter().filter(|c| ack.acknowledged.contains(&c.change_id)).count();
        assert_eq!(mine(&s.pull(&ana, laptop, first, 1000).unwrap()), 0, "the pushing device");
        assert_eq!(mine(&s.pull(&ana, tablet, first, 1000).unwrap()), ack.acknowledged.len(), "her other device");
        assert_eq!(
            mine(&s.pull(&ana, laptop, 0, 1000).unwrap()),
            ack.acknowledged.len(),
            "a pull from the start heals"
        );
    }
}
