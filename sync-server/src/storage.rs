//! The server's storage: accounts and tokens, the change log with its monotonic sequence, the
//! current state of every field, and where every row lives. [`Storage`] is what the HTTP layer
//! calls; [`SqliteStorage`] implements it on one SQLite file (a PostgreSQL store would implement
//! the same trait). Every push is checked whole (shape, types, placement, authorization) before
//! anything is written, then applied in one transaction.

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};
use serde_json::{Map, Value};
use showroom_core::error::FieldError;
use showroom_core::store::remote::check_row;
use showroom_core::sync::merge::{Decision, FieldChange, decide};
use showroom_core::sync::partition::{self, Checksum, Home};
use showroom_core::sync::protocol::{Notice, PartitionChecksum, PullPage, Push, PushAck, Refused, RowRef, WireChange};
use showroom_core::sync::{Clock, Hlc, plan};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use uuid::Uuid;

/// Changes whose HLC is further ahead of the server's clock than this are refused.
pub const MAX_SKEW_MS: u64 = 5 * 60 * 1000;

const MIGRATIONS: &[&str] = &[include_str!("../migrations/0001_init.sql")];

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
    #[error("{0}")]
    Internal(String),
}

impl From<serde_json::Error> for StorageError {
    fn from(e: serde_json::Error) -> Self {
        StorageError::Internal(format!("bad JSON in the database: {e}"))
    }
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// The server's storage, whatever the database.
pub trait Storage: Send {
    fn create_dealership(&mut self, name: &str) -> Result<Uuid>;
    fn dealerships(&self) -> Result<Vec<(Uuid, String)>>;
    /// Adds a user to the dealership named `dealership` (or the only one when `None`).
    fn add_user(
        &mut self,
        dealership: Option<&str>,
        login: &str,
        name: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<User>;
    /// Replaces the password and revokes every token of the user.
    fn set_password(&mut self, login: &str, password_hash: &str) -> Result<()>;
    /// Disables (or re-enables) a user; disabling revokes every token.
    fn set_disabled(&mut self, login: &str, disabled: bool) -> Result<()>;
    fn credentials(&self, login: &str) -> Result<Option<(User, String)>>;
    fn add_token(&mut self, hash: &str, user: Uuid, device: Uuid, now_ms: i64, expires_ms: i64) -> Result<()>;
    /// The enabled user of a valid, unexpired, unrevoked token.
    fn token_user(&self, hash: &str, now_ms: i64) -> Result<Option<User>>;
    fn revoke_token(&mut self, hash: &str) -> Result<bool>;
    fn push(&mut self, user: &User, push: &Push, now_ms: u64) -> Result<PushAck>;
    fn pull(&mut self, user: &User, since: i64, limit: usize) -> Result<PullPage>;
    /// The highest sequence number handed out.
    fn server_seq(&self) -> Result<i64>;
}

pub struct SqliteStorage {
    conn: Connection,
    clock: Clock,
}

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

impl SqliteStorage {
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: an acknowledged push survives a crash or power loss.
        conn.pragma_update(None, "synchronous", "FULL")?;
        Self::init(conn)
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(64);
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
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
        Ok(SqliteStorage { conn, clock: Clock::new(node, last) })
    }

    fn user_by(&self, clause: &str, arg: &str) -> Result<Option<(User, String)>> {
        let sql = format!(
            "SELECT id, dealership_id, login, name, role, disabled, password_hash FROM users WHERE {clause} = ?1"
        );
        let row = self
            .conn
            .query_row(&sql, [arg], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, bool>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })
            .optional()?;
        row.map(|(id, d, login, name, role, disabled, hash)| {
            Ok((
                User {
                    id: parse_id(&id)?,
                    dealership_id: parse_id(&d)?,
                    login,
                    name,
                    role: Role::parse(&role).ok_or_else(|| StorageError::Internal(format!("bad role {role:?}")))?,
                    disabled,
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

fn meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
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

fn load_state(tx: &Transaction<'_>, table: &str, row: Uuid) -> Result<HashMap<String, Current>> {
    let mut stmt =
        tx.prepare_cached("SELECT field, value, hlc, change_id, user_id FROM state WHERE tbl = ?1 AND row_id = ?2")?;
    let rows = stmt.query_map(params![table, row.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (field, value, hlc, change_id, user) = row?;
        let hlc = hlc.parse().map_err(StorageError::Internal)?;
        out.insert(
            field,
            Current { value: serde_json::from_str(&value)?, hlc, change_id: parse_id(&change_id)?, user },
        );
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
struct RowMeta {
    dealership: String,
    partition: Option<String>,
}

fn load_row(tx: &Transaction<'_>, table: &str, row: Uuid) -> Result<Option<RowMeta>> {
    Ok(tx
        .prepare_cached("SELECT dealership_id, partition_id FROM rows WHERE tbl = ?1 AND row_id = ?2")?
        .query_row(params![table, row.to_string()], |r| Ok(RowMeta { dealership: r.get(0)?, partition: r.get(1)? }))
        .optional()?)
}

#[derive(Debug, Clone, PartialEq)]
struct PartitionRec {
    dealership: String,
    owner: Option<String>,
    creator: String,
}

fn load_partition(tx: &Transaction<'_>, id: &str) -> Result<Option<PartitionRec>> {
    Ok(tx
        .prepare_cached("SELECT dealership_id, owner_id, creator_id FROM partitions WHERE id = ?1")?
        .query_row([id], |r| Ok(PartitionRec { dealership: r.get(0)?, owner: r.get(1)?, creator: r.get(2)? }))
        .optional()?)
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

/// Orders rows so a partition's copies arrive parents first.
fn table_rank(table: &str) -> u8 {
    match table {
        "customers" => 0,
        "leads" => 1,
        "opportunities" => 2,
        "quotes" => 3,
        "quote_versions" => 4,
        "sales_orders" => 5,
        _ => 6,
    }
}

struct LogEntry<'a> {
    kind: &'a str,
    change_id: Option<String>,
    table: &'a str,
    row_id: &'a str,
    field: Option<&'a str>,
    value: Option<String>,
    hlc: Option<String>,
    partition: Option<&'a str>,
    audience: Option<&'a str>,
    /// The author when not the pushing user (a copy keeps its original author).
    author: Option<String>,
}

impl SqliteStorage {
    fn log(tx: &Transaction<'_>, user: &User, device: Option<Uuid>, now_ms: u64, e: LogEntry<'_>) -> Result<i64> {
        tx.prepare_cached(
            "INSERT INTO log (kind, change_id, tbl, row_id, field, value, hlc, dealership_id, partition_id, audience,
                              user_id, device_id, received_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            e.kind,
            e.change_id,
            e.table,
            e.row_id,
            e.field,
            e.value,
            e.hlc,
            user.dealership_id.to_string(),
            e.partition,
            e.audience,
            e.author.unwrap_or_else(|| user.id.to_string()),
            device.map(|d| d.to_string()),
            now_ms as i64
        ])?;
        Ok(tx.last_insert_rowid())
    }

    fn set_state(tx: &Transaction<'_>, c: &FieldChange, user: &str) -> Result<()> {
        tx.prepare_cached(
            "INSERT INTO state (tbl, row_id, field, value, hlc, change_id, user_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (tbl, row_id, field) DO UPDATE SET value = excluded.value, hlc = excluded.hlc,
             change_id = excluded.change_id, user_id = excluded.user_id",
        )?
        .execute(params![
            c.table,
            c.row_id.to_string(),
            c.field,
            serde_json::to_string(&c.value)?,
            c.hlc.to_string(),
            c.change_id.to_string(),
            user
        ])?;
        Ok(())
    }

    /// Hands every row of `rows` (in `partition`) to its new audience: an eviction for the former
    /// owner when they are a rep, and a copy of every field's winning change under the partition
    /// so the new owner (who may have pulled past them) receives the whole row.
    #[allow(clippy::too_many_arguments)]
    fn hand_over(
        tx: &Transaction<'_>,
        user: &User,
        now_ms: u64,
        rows: &[(String, String)],
        partition: &str,
        evict_for: Option<&str>,
    ) -> Result<()> {
        let mut rows = rows.to_vec();
        rows.sort_by_key(|(t, r)| (table_rank(t), r.clone()));
        for (table, row) in &rows {
            if let Some(old) = evict_for {
                let e = LogEntry {
                    kind: "evict",
                    change_id: None,
                    table,
                    row_id: row,
                    field: None,
                    value: None,
                    hlc: None,
                    partition: Some(partition),
                    audience: Some(old),
                    author: None,
                };
                Self::log(tx, user, None, now_ms, e)?;
            }
        }
        for (table, row) in &rows {
            type Field = (String, String, String, String, Option<String>);
            let fields: Vec<Field> = tx
                .prepare_cached(
                    "SELECT field, value, hlc, change_id, user_id FROM state WHERE tbl = ?1 AND row_id = ?2",
                )?
                .query_map([table, row], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                .collect::<std::result::Result<_, _>>()?;
            for (field, value, hlc, change_id, author) in fields {
                let e = LogEntry {
                    kind: "change",
                    change_id: Some(change_id),
                    table,
                    row_id: row,
                    field: Some(&field),
                    value: Some(value),
                    hlc: Some(hlc),
                    partition: Some(partition),
                    audience: None,
                    author,
                };
                Self::log(tx, user, None, now_ms, e)?;
            }
        }
        Ok(())
    }

    /// Writes fields of a shared row as the server's own changes (staff list entries).
    fn server_write(
        tx: &Transaction<'_>,
        clock: &mut Clock,
        user: &User,
        table: &str,
        row: Uuid,
        fields: Map<String, Value>,
    ) -> Result<()> {
        let now_ms = showroom_core::domain::Timestamp::now().millis().max(0) as u64;
        let hlc = clock.tick(now_ms);
        let row_text = row.to_string();
        tx.prepare_cached(
            "INSERT INTO rows (tbl, row_id, dealership_id, partition_id) VALUES (?1, ?2, ?3, NULL)
             ON CONFLICT (tbl, row_id) DO NOTHING",
        )?
        .execute(params![table, row_text, user.dealership_id.to_string()])?;
        for (field, value) in fields {
            if field == "id" {
                continue;
            }
            let c = FieldChange {
                change_id: Uuid::now_v7(),
                table: table.into(),
                row_id: row,
                field: field.clone(),
                value,
                hlc,
                author: None,
            };
            Self::set_state(tx, &c, &user.id.to_string())?;
            let seq = Self::log(
                tx,
                user,
                None,
                now_ms,
                LogEntry {
                    kind: "change",
                    change_id: Some(c.change_id.to_string()),
                    table,
                    row_id: &row_text,
                    field: Some(&field),
                    value: Some(serde_json::to_string(&c.value)?),
                    hlc: Some(hlc.to_string()),
                    partition: None,
                    audience: None,
                    author: None,
                },
            )?;
            tx.prepare_cached("INSERT INTO seen (change_id, seq) VALUES (?1, ?2)")?
                .execute(params![c.change_id.to_string(), seq])?;
        }
        Ok(())
    }

    fn is_rep(tx: &Transaction<'_>, user: &str) -> Result<bool> {
        Ok(tx
            .prepare_cached("SELECT role FROM users WHERE id = ?1")?
            .query_row([user], |r| r.get::<_, String>(0))
            .optional()?
            .is_some_and(|r| r == "rep"))
    }

    /// Gives partition `p` to `to`: records the move, evicts it from a rep who owned it, and
    /// re-delivers its rows under the new owner.
    fn move_partition(tx: &Transaction<'_>, user: &User, now_ms: u64, p: &str, to: Option<&str>) -> Result<()> {
        let Some(rec) = load_partition(tx, p)? else { return Ok(()) };
        if rec.owner.as_deref() == to {
            return Ok(());
        }
        tx.prepare_cached("UPDATE partitions SET owner_id = ?2 WHERE id = ?1")?.execute(params![p, to])?;
        let rows: Vec<(String, String)> = tx
            .prepare_cached("SELECT tbl, row_id FROM rows WHERE partition_id = ?1")?
            .query_map([p], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let evict = match &rec.owner {
            Some(old) if Self::is_rep(tx, old)? => Some(old.as_str()),
            _ => None,
        };
        Self::hand_over(tx, user, now_ms, &rows, p, evict)?;
        let seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM log", [], |r| r.get(0))?;
        tx.prepare_cached("INSERT INTO moves (seq, partition_id, from_user, to_user) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![seq, p, rec.owner, to])?;
        Ok(())
    }

    fn owner_of(tx: &Transaction<'_>, partition: Option<&str>) -> Result<Option<String>> {
        match partition {
            None => Ok(None),
            Some(p) => Ok(load_partition(tx, p)?.and_then(|r| r.owner)),
        }
    }
}

impl Storage for SqliteStorage {
    fn create_dealership(&mut self, name: &str) -> Result<Uuid> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StorageError::Invalid {
                message: "dealership: a name is required".into(),
                fields: vec![FieldError::new("dealership", "a name is required")],
            });
        }
        let id = Uuid::now_v7();
        self.conn.execute("INSERT INTO dealerships (id, name) VALUES (?1, ?2)", params![id.to_string(), name])?;
        Ok(id)
    }

    fn dealerships(&self) -> Result<Vec<(Uuid, String)>> {
        let mut stmt = self.conn.prepare("SELECT id, name FROM dealerships ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
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
        let all = self.dealerships()?;
        let d = match dealership {
            Some(n) => all.iter().find(|(_, dn)| dn.eq_ignore_ascii_case(n) || dn == n),
            None if all.len() == 1 => all.first(),
            None => None,
        };
        let Some((dealership_id, _)) = d else {
            let known = all.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ");
            return Err(StorageError::NotFound(match dealership {
                Some(d) => format!("dealership: no dealership {d:?}; known: {known}"),
                None => format!("dealership: this server holds several; name one with --dealership (known: {known})"),
            }));
        };
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
            dealership_id: *dealership_id,
            login: login.to_string(),
            name: name.trim().to_string(),
            role,
            disabled: false,
        };
        let tx = self.conn.transaction()?;
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
        Self::server_write(&tx, &mut self.clock, &user, "users", user.id, fields)?;
        set_meta(&tx, "hlc", &self.clock.last().to_string())?;
        tx.commit()?;
        Ok(user)
    }

    fn set_password(&mut self, login: &str, password_hash: &str) -> Result<()> {
        let Some((user, _)) = self.user_by("login", login)? else {
            return Err(StorageError::NotFound(format!("login: no user {login:?}")));
        };
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user.id.to_string(), password_hash])?;
        tx.execute("UPDATE tokens SET revoked = 1 WHERE user_id = ?1", [user.id.to_string()])?;
        tx.commit()?;
        Ok(())
    }

    fn set_disabled(&mut self, login: &str, disabled: bool) -> Result<()> {
        let Some((user, _)) = self.user_by("login", login)? else {
            return Err(StorageError::NotFound(format!("login: no user {login:?}")));
        };
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE users SET disabled = ?2 WHERE id = ?1", params![user.id.to_string(), disabled])?;
        if disabled {
            tx.execute("UPDATE tokens SET revoked = 1 WHERE user_id = ?1", [user.id.to_string()])?;
        }
        let mut fields = Map::new();
        fields.insert("active".into(), Value::Bool(!disabled));
        Self::server_write(&tx, &mut self.clock, &user, "users", user.id, fields)?;
        set_meta(&tx, "hlc", &self.clock.last().to_string())?;
        tx.commit()?;
        Ok(())
    }

    fn credentials(&self, login: &str) -> Result<Option<(User, String)>> {
        self.user_by("login", login.trim())
    }

    fn add_token(&mut self, hash: &str, user: Uuid, device: Uuid, now_ms: i64, expires_ms: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO tokens (hash, user_id, device_id, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![hash, user.to_string(), device.to_string(), now_ms, expires_ms],
        )?;
        Ok(())
    }

    fn token_user(&self, hash: &str, now_ms: i64) -> Result<Option<User>> {
        let user: Option<String> = self
            .conn
            .prepare_cached("SELECT user_id FROM tokens WHERE hash = ?1 AND revoked = 0 AND expires_ms > ?2")?
            .query_row(params![hash, now_ms], |r| r.get(0))
            .optional()?;
        let Some(id) = user else { return Ok(None) };
        Ok(self.user_by("id", &id)?.map(|(u, _)| u).filter(|u| !u.disabled))
    }

    fn revoke_token(&mut self, hash: &str) -> Result<bool> {
        Ok(self.conn.execute("UPDATE tokens SET revoked = 1 WHERE hash = ?1 AND revoked = 0", [hash])? > 0)
    }

    fn server_seq(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM log", [], |r| r.get(0))?)
    }

    fn push(&mut self, user: &User, push: &Push, now_ms: u64) -> Result<PushAck> {
        let changes = push.validate(now_ms, MAX_SKEW_MS).map_err(|e| match e {
            showroom_core::error::CoreError::Validation(f) => invalid(f),
            other => invalid(vec![FieldError::new("changes", other.to_string())]),
        })?;
        let me = user.id.to_string();
        let dealership = user.dealership_id.to_string();
        let rep = user.role == Role::Rep;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;

        // 1. Check everything; write nothing.
        let mut bad: Vec<FieldError> = Vec::new();
        let mut forbidden: Vec<FieldError> = Vec::new();
        let mut forged: Vec<FieldError> = Vec::new();
        let mut already: HashSet<Uuid> = HashSet::new();
        for (i, c) in changes.iter().enumerate() {
            let logged: Option<(String, String, String, String, String, Option<String>)> = tx
                .prepare_cached(
                    "SELECT l.tbl, l.row_id, l.field, l.value, l.hlc, l.user_id FROM seen s JOIN log l ON l.seq = s.seq
                     WHERE s.change_id = ?1",
                )?
                .query_row([c.change_id.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                })
                .optional()?;
            if let Some((t, r, f, v, h, u)) = logged {
                let same = t == c.table
                    && r == c.row_id.to_string()
                    && f == c.field
                    && serde_json::from_str::<Value>(&v).ok().as_ref() == Some(&c.value)
                    && h == c.hlc.to_string()
                    && u.as_deref() == Some(me.as_str());
                if same {
                    already.insert(c.change_id);
                } else {
                    forged.push(FieldError::new(
                        format!("changes[{i}].change_id"),
                        "already names a different change; change ids cannot be reused",
                    ));
                }
            }
        }
        let fresh: Vec<usize> = (0..changes.len()).filter(|i| !already.contains(&changes[*i].change_id)).collect();
        let keys: Vec<(&str, Uuid)> = fresh.iter().map(|i| (changes[*i].table.as_str(), changes[*i].row_id)).collect();
        let groups = plan::group_by_row(&keys, |k| *k);
        let mut placed: HashMap<(String, Uuid), Placed> = HashMap::new();
        let mut new_partitions: HashMap<String, Option<String>> = HashMap::new();
        for group in groups {
            let idx: Vec<usize> = group.iter().map(|g| fresh[*g]).collect();
            let first = &changes[idx[0]];
            let (table, row) = (first.table.as_str(), first.row_id);
            let Some(home) = partition::home(table) else {
                bad.push(FieldError::new(format!("changes[{}].table", idx[0]), format!("unknown table {table:?}")));
                continue;
            };
            if let Some(i) = idx.iter().find(|i| changes[**i].field == "id") {
                bad.push(FieldError::new(format!("changes[{i}].field"), "a row's id cannot change"));
                continue;
            }
            let meta = load_row(&tx, table, row)?;
            if meta.as_ref().is_some_and(|m| m.dealership != dealership) {
                forbidden.push(FieldError::new(
                    format!("changes[{}].row_id", idx[0]),
                    format!("no {table} row {row} in your dealership"),
                ));
                continue;
            }
            let state = load_state(&tx, table, row)?;
            // The values the row would hold: what wins of the state and this push.
            let mut merged: Map<String, Value> = state.iter().map(|(f, c)| (f.clone(), c.value.clone())).collect();
            let mut best: HashMap<&str, (Hlc, Uuid)> =
                state.iter().map(|(f, c)| (f.as_str(), (c.hlc, c.change_id))).collect();
            for i in &idx {
                let c = &changes[*i];
                if best.get(c.field.as_str()).is_none_or(|b| *b < (c.hlc, c.change_id)) {
                    best.insert(c.field.as_str(), (c.hlc, c.change_id));
                    merged.insert(c.field.clone(), c.value.clone());
                }
            }
            if let Err(e) = check_row(table, row, &merged) {
                let at = idx.iter().find(|i| changes[**i].field == e.field).unwrap_or(&idx[0]);
                bad.push(FieldError::new(format!("changes[{at}].value"), e.message));
                continue;
            }
            // Where the row lives after this push.
            let named = |f: &str| -> std::result::Result<String, FieldError> {
                as_id(merged.get(f)).ok_or_else(|| {
                    FieldError::new(format!("changes[{}].{f}", idx[0]), format!("a {table} row needs {f}"))
                })
            };
            let target: Option<String> = match home {
                Home::Shared => None,
                Home::Own => Some(row.to_string()),
                Home::Lead => Some(as_id(merged.get("customer_id")).unwrap_or_else(|| row.to_string())),
                Home::Field(f) => match named(f) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        bad.push(e);
                        continue;
                    }
                },
                Home::Parent { table: pt, field } => {
                    let parent = match named(field) {
                        Ok(p) => p,
                        Err(e) => {
                            bad.push(e);
                            continue;
                        }
                    };
                    let parent_id: Uuid = parent.parse().unwrap_or_default();
                    let from_push = placed.get(&(pt.to_string(), parent_id)).map(|p| p.partition.clone());
                    let from_db =
                        load_row(&tx, pt, parent_id)?.filter(|m| m.dealership == dealership).map(|m| m.partition);
                    match from_push.or(from_db) {
                        Some(p) => p,
                        None => {
                            bad.push(FieldError::new(
                                format!("changes[{}].{field}", idx[0]),
                                format!("names {pt} row {parent} that the server does not have"),
                            ));
                            continue;
                        }
                    }
                }
            };
            let moved_from = meta.as_ref().filter(|m| m.partition != target).map(|m| m.partition.clone());
            // Authorization.
            let may_write = |p: &str, tx: &Transaction<'_>| -> Result<std::result::Result<(), String>> {
                if let Some(owner) = new_partitions.get(p) {
                    return Ok(if !rep || owner.as_deref() == Some(&me) {
                        Ok(())
                    } else {
                        Err("belongs to another rep".to_string())
                    });
                }
                let Some(rec) = load_partition(tx, p)? else { return Ok(Ok(())) };
                if rec.dealership != dealership {
                    return Ok(Err("is not in your dealership".into()));
                }
                if !rep || rec.owner.as_deref() == Some(&me) || rec.owner.is_none() && rec.creator == me {
                    return Ok(Ok(()));
                }
                // A former owner's edits made before they learnt of the move.
                let moved_later: bool = tx
                    .prepare_cached("SELECT 1 FROM moves WHERE partition_id = ?1 AND from_user = ?2 AND seq > ?3")?
                    .query_row(params![p, me, push.pulled_to], |_| Ok(()))
                    .optional()?
                    .is_some();
                Ok(if moved_later { Ok(()) } else { Err("belongs to another rep".into()) })
            };
            if rep && partition::manager_only(table) {
                forbidden.push(FieldError::new(
                    format!("changes[{}].table", idx[0]),
                    format!("only a manager writes {table}"),
                ));
                continue;
            }
            match &target {
                None if rep => {
                    let allowed = partition::floor_table(table)
                        || meta.is_some() && idx.iter().all(|i| partition::is_reservation(table, &changes[*i].field));
                    if !allowed {
                        forbidden.push(FieldError::new(
                            format!("changes[{}].table", idx[0]),
                            format!("only a manager changes {table}; a rep may reserve a vehicle or log the floor"),
                        ));
                        continue;
                    }
                }
                None => {}
                Some(p) => {
                    let mut denied = may_write(p, &tx)?.err();
                    if denied.is_none()
                        && let Some(Some(old)) = &moved_from
                    {
                        denied = may_write(old, &tx)?.err();
                    }
                    if let Some(why) = denied {
                        forbidden.push(FieldError::new(
                            format!("changes[{}].row_id", idx[0]),
                            format!("{table} row {row} {why}"),
                        ));
                        continue;
                    }
                }
            }
            // Owner fields: a user of this dealership; a rep assigns only to themselves.
            if let Some(of) = partition::owner_field(table)
                && target.as_deref() == Some(row.to_string().as_str())
                && let Some(i) = idx.iter().find(|i| changes[**i].field == of)
                && let Some(owner) = as_id(Some(&changes[*i].value))
            {
                {
                    let in_dealership = tx
                        .prepare_cached("SELECT 1 FROM users WHERE id = ?1 AND dealership_id = ?2")?
                        .query_row(params![owner, dealership], |_| Ok(()))
                        .optional()?
                        .is_some();
                    if !in_dealership {
                        bad.push(FieldError::new(
                            format!("changes[{i}].value"),
                            format!("{of}: no such user in your dealership"),
                        ));
                        continue;
                    }
                    if rep && owner != me {
                        forbidden.push(FieldError::new(
                            format!("changes[{i}].value"),
                            format!("{of}: only a manager assigns a {table} row to another rep"),
                        ));
                        continue;
                    }
                }
            }
            if let Some(p) = &target
                && load_partition(&tx, p)?.is_none()
                && !new_partitions.contains_key(p)
            {
                let owner = partition::owner_field(table)
                    .filter(|_| p == &row.to_string())
                    .and_then(|f| as_id(merged.get(f)))
                    .or_else(|| rep.then(|| me.clone()));
                new_partitions.insert(p.clone(), owner);
            }
            placed.insert((table.to_string(), row), Placed { partition: target, moved_from });
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
        for (p, owner) in &new_partitions {
            tx.prepare_cached(
                "INSERT INTO partitions (id, dealership_id, owner_id, creator_id) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![p, dealership, owner, me])?;
        }
        let mut refused = Vec::new();
        let mut acknowledged = Vec::with_capacity(changes.len());
        let mut rows_done: BTreeSet<(String, Uuid)> = BTreeSet::new();
        for c in &changes {
            acknowledged.push(c.change_id);
            if already.contains(&c.change_id) {
                continue;
            }
            let key = (c.table.clone(), c.row_id);
            let Some(place) = placed.get(&key).cloned() else {
                return Err(StorageError::Internal(format!("change {} was not placed", c.change_id)));
            };
            let row_text = c.row_id.to_string();
            if rows_done.insert(key.clone()) {
                tx.prepare_cached(
                    "INSERT INTO rows (tbl, row_id, dealership_id, partition_id) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (tbl, row_id) DO NOTHING",
                )?
                .execute(params![c.table, row_text, dealership, place.partition])?;
            }
            let current = load_state(&tx, &c.table, c.row_id)?.remove(&c.field);
            let value_text = serde_json::to_string(&c.value)?;
            let entry = |kind| LogEntry {
                kind,
                change_id: Some(c.change_id.to_string()),
                table: &c.table,
                row_id: &row_text,
                field: Some(&c.field),
                value: Some(value_text.clone()),
                hlc: Some(c.hlc.to_string()),
                partition: place.partition.as_deref(),
                audience: None,
                author: None,
            };
            // A vehicle held by someone else is not reserved again: first arrival wins.
            if partition::is_reservation(&c.table, &c.field)
                && rep
                && let Some(cur) = current.as_ref().filter(|cur| partition::is_held(&cur.value))
                && cur.user.as_deref() != Some(me.as_str())
            {
                let seq = Self::log(&tx, user, Some(push.device_id), now_ms, entry("refused"))?;
                tx.prepare_cached("INSERT INTO seen (change_id, seq) VALUES (?1, ?2)")?
                    .execute(params![c.change_id.to_string(), seq])?;
                // Re-issue the holder's value with a clock past the request so every replica,
                // the requester's included, goes back to it.
                self.clock.observe(c.hlc.max(cur.hlc), now_ms);
                let restore = FieldChange {
                    change_id: Uuid::now_v7(),
                    table: c.table.clone(),
                    row_id: c.row_id,
                    field: c.field.clone(),
                    value: cur.value.clone(),
                    hlc: self.clock.tick(now_ms),
                    author: None,
                };
                Self::set_state(&tx, &restore, cur.user.as_deref().unwrap_or(""))?;
                let restore_value = serde_json::to_string(&restore.value)?;
                let rseq = Self::log(
                    &tx,
                    user,
                    None,
                    now_ms,
                    LogEntry {
                        kind: "change",
                        change_id: Some(restore.change_id.to_string()),
                        table: &c.table,
                        row_id: &row_text,
                        field: Some(&c.field),
                        value: Some(restore_value),
                        hlc: Some(restore.hlc.to_string()),
                        partition: None,
                        audience: None,
                        author: cur.user.clone(),
                    },
                )?;
                tx.prepare_cached("INSERT INTO seen (change_id, seq) VALUES (?1, ?2)")?
                    .execute(params![restore.change_id.to_string(), rseq])?;
                let holder: String = match &cur.user {
                    Some(u) => tx
                        .prepare_cached("SELECT name FROM users WHERE id = ?1")?
                        .query_row([u], |r| r.get(0))
                        .optional()?
                        .unwrap_or_else(|| "another user".into()),
                    None => "another user".into(),
                };
                let title = vehicle_title(&tx, &row_text)?;
                let status = cur.value.as_str().unwrap_or("held").replace('_', " ");
                let reason = format!(
                    "{title} was already {status} by {holder} when your request arrived; your reservation was not applied"
                );
                let notice = serde_json::json!({"kind": "reservation_lost", "message": reason});
                Self::log(
                    &tx,
                    user,
                    None,
                    now_ms,
                    LogEntry {
                        kind: "notice",
                        change_id: None,
                        table: &c.table,
                        row_id: &row_text,
                        field: None,
                        value: Some(notice.to_string()),
                        hlc: None,
                        partition: None,
                        audience: Some(&me),
                        author: None,
                    },
                )?;
                refused.push(Refused { change_id: c.change_id, reason });
                continue;
            }
            let decision = decide(false, (c.hlc, c.change_id), current.as_ref().map(|cur| (cur.hlc, cur.change_id)));
            let seq = Self::log(&tx, user, Some(push.device_id), now_ms, entry("change"))?;
            tx.prepare_cached("INSERT INTO seen (change_id, seq) VALUES (?1, ?2)")?
                .execute(params![c.change_id.to_string(), seq])?;
            if decision != Decision::Wins {
                continue;
            }
            Self::set_state(&tx, c, &me)?;
            // A new owner moves the partition; a new placement field moves the row.
            if partition::owner_field(&c.table) == Some(c.field.as_str())
                && place.partition.as_deref() == Some(row_text.as_str())
            {
                let to = as_id(Some(&c.value));
                let existing_owner = Self::owner_of(&tx, Some(&row_text))?;
                let to = to.or(if existing_owner.is_none() { None } else { existing_owner.clone() });
                if to != existing_owner {
                    Self::move_partition(&tx, user, now_ms, &row_text, to.as_deref())?;
                }
            }
            if partition::placement_fields(&c.table).contains(&c.field.as_str())
                && let Some(from) = &place.moved_from
            {
                let now_in: Option<String> = load_row(&tx, &c.table, c.row_id)?.and_then(|m| m.partition);
                if now_in != place.partition {
                    tx.prepare_cached("UPDATE rows SET partition_id = ?3 WHERE tbl = ?1 AND row_id = ?2")?
                        .execute(params![c.table, row_text, place.partition])?;
                    let old_owner = Self::owner_of(&tx, from.as_deref())?;
                    let new_owner = Self::owner_of(&tx, place.partition.as_deref())?;
                    if let Some(p) = &place.partition {
                        let evict = match &old_owner {
                            Some(o) if old_owner != new_owner && Self::is_rep(&tx, o)? => Some(o.as_str()),
                            _ => None,
                        };
                        Self::hand_over(&tx, user, now_ms, &[(c.table.clone(), row_text.clone())], p, evict)?;
                    }
                }
            }
        }
        set_meta(&tx, "hlc", &self.clock.last().to_string())?;
        let server_seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM log", [], |r| r.get(0))?;
        tx.commit()?;
        Ok(PushAck { acknowledged, server_seq, refused })
    }

    fn pull(&mut self, user: &User, since: i64, limit: usize) -> Result<PullPage> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let me = user.id.to_string();
        let manager = user.role == Role::Manager;
        let limit = limit.clamp(1, showroom_core::sync::protocol::PAGE * 5);
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
        let raw: Vec<Raw> = tx
            .prepare_cached(
                "SELECT seq, kind, change_id, tbl, row_id, field, value, hlc, partition_id, received_ms, user_id FROM log
                 WHERE seq > ?1 AND dealership_id = ?2 AND (
                   (kind = 'change' AND (?4 OR partition_id IS NULL OR partition_id IN (
                      SELECT id FROM partitions WHERE owner_id = ?3 OR (owner_id IS NULL AND creator_id = ?3))))
                   OR (kind IN ('evict', 'notice') AND audience = ?3))
                 ORDER BY seq LIMIT ?5",
            )?
            .query_map(params![since, user.dealership_id.to_string(), me, manager, (limit + 1) as i64], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ))
            })?
            .collect::<std::result::Result<_, _>>()?;
        let more = raw.len() > limit;
        let mut page = PullPage {
            changes: Vec::new(),
            evict: Vec::new(),
            notices: Vec::new(),
            checksums: Vec::new(),
            next_cursor: since,
            more,
        };
        let mut touched: BTreeSet<Option<String>> = BTreeSet::new();
        // Each eviction with the number of changes before it in the page.
        let mut evict_at: Vec<(RowRef, usize)> = Vec::new();
        for (seq, kind, change_id, table, row_id, field, value, hlc, partition_id, received_ms, author) in
            raw.into_iter().take(limit)
        {
            page.next_cursor = seq;
            let row_id = parse_id(&row_id)?;
            match kind.as_str() {
                "change" => {
                    page.changes.push(WireChange {
                        change_id: parse_id(change_id.as_deref().unwrap_or(""))?,
                        table,
                        row_id,
                        field: field.unwrap_or_default(),
                        value: serde_json::from_str(value.as_deref().unwrap_or("null"))?,
                        hlc: hlc.unwrap_or_default(),
                        author: author.and_then(|a| a.parse().ok()),
                    });
                    touched.insert(partition_id);
                }
                "evict" => {
                    let r = RowRef { table, row_id };
                    evict_at.push((r.clone(), page.changes.len()));
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
        // An eviction followed in the same page by changes to the row (it came back) is void.
        if !page.evict.is_empty() {
            let last_change: HashMap<(String, Uuid), usize> =
                page.changes.iter().enumerate().map(|(i, c)| ((c.table.clone(), c.row_id), i)).collect();
            let evict_pos = std::mem::take(&mut evict_at);
            page.evict = evict_pos
                .into_iter()
                .filter(|(r, before)| last_change.get(&(r.table.clone(), r.row_id)).is_none_or(|i| i < before))
                .map(|(r, _)| r)
                .collect();
        }
        if !more {
            let max: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM log", [], |r| r.get(0))?;
            page.next_cursor = page.next_cursor.max(max.max(since));
            for p in touched {
                let mut sum = Checksum::default();
                let mut stmt = tx.prepare_cached(
                    "SELECT s.tbl, s.row_id, s.field, s.change_id FROM rows r
                     JOIN state s ON s.tbl = r.tbl AND s.row_id = r.row_id
                     WHERE r.partition_id IS ?1 AND r.dealership_id = ?2",
                )?;
                let mut rows = stmt.query(params![p, user.dealership_id.to_string()])?;
                while let Some(r) = rows.next()? {
                    let (t, id, f, c): (String, String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                    sum.add(&t, &id, &f, &c);
                }
                page.checksums.push(PartitionChecksum {
                    partition: partition::partition_name(p.and_then(|p| p.parse().ok())),
                    checksum: sum.text(),
                });
            }
        }
        drop(tx);
        Ok(page)
    }
}

fn vehicle_title(tx: &Transaction<'_>, row: &str) -> Result<String> {
    let fields: HashMap<String, String> = tx
        .prepare_cached("SELECT field, value FROM state WHERE tbl = 'vehicles' AND row_id = ?1 AND field IN ('year', 'make', 'model', 'stock_no')")?
        .query_map([row], |r| Ok((r.get(0)?, r.get(1)?)))?
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn setup() -> (SqliteStorage, User, User) {
        let mut s = SqliteStorage::open_in_memory().unwrap();
        s.create_dealership("Lakeside").unwrap();
        let ana = s.add_user(None, "ana", "Ana", Role::Rep, "x").unwrap();
        let mia = s.add_user(None, "mia", "Mia", Role::Manager, "x").unwrap();
        (s, ana, mia)
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
        Push { device_id: Uuid::from_u128(9), pulled_to: 0, changes }
    }

    fn log_len(s: &SqliteStorage) -> i64 {
        s.conn.query_row("SELECT COUNT(*) FROM log", [], |r| r.get(0)).unwrap()
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
    fn bad_pushes_name_the_change_and_store_nothing() {
        let (mut s, ana, _) = setup();
        let row = Uuid::now_v7();
        let before = log_len(&s);
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
            ((0..1001).map(|_| wire("customers", row, "city", json!("x"), now())).collect(), "invalid", "at most 1000"),
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

    #[test]
    fn pushes_are_idempotent_and_forged_ids_are_refused() {
        let (mut s, ana, _) = setup();
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

    #[test]
    fn pulls_page_in_sequence_with_checksums_on_the_last_page() {
        let (mut s, ana, mia) = setup();
        for _ in 0..3 {
            s.push(&ana, &push(customer(ana.id, Uuid::now_v7())), now()).unwrap();
        }
        let mut since = 0;
        let mut pages = 0;
        let mut seen = 0;
        loop {
            let page = s.pull(&mia, since, 20).unwrap();
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
        let empty = s.pull(&mia, since, 20).unwrap();
        assert!(empty.changes.is_empty() && !empty.more);
        assert_eq!(empty.next_cursor, since);
    }
}
