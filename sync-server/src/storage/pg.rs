//! [`Storage`](super::Storage) on PostgreSQL, for a dealer group that outgrows one SQLite file
//! and one process: a pool of connections (deadpool-postgres over tokio-postgres) that every
//! request borrows from, the schema in `migrations/postgres`, and the same rules as SQLite (the
//! logic in [`super::Conn`] runs on either through [`Db`]). Several server processes may share
//! one database: a push waits only for writers of its own dealership (advisory locks; within a
//! dealership the log's sequence is handed out in commit order, which pull cursors rely on),
//! reads run on snapshots and never wait, and each device's pull cursor is kept in the database
//! rather than in one process's memory.

use super::db::{Db, Dialect, PG_WRITER_LOCK, Row, Val};
use super::{Conn, Cursors, Result, StorageError};
use bytes::{BufMut, BytesMut};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use showroom_core::sync::{Clock, Hlc};
use std::error::Error;
use std::sync::{Arc, Mutex};
use tokio_postgres::NoTls;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use uuid::Uuid;

pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_purge.sql"),
    include_str!("../../migrations/postgres/0003_groups.sql"),
    include_str!("../../migrations/postgres/0004_state_links_or.sql"),
    include_str!("../../migrations/postgres/0005_state_writes.sql"),
    include_str!("../../migrations/postgres/0006_state_by_row.sql"),
    include_str!("../../migrations/postgres/0007_log_by_reference.sql"),
    include_str!("../../migrations/postgres/0008_unused_owner_index.sql"),
];

/// Connections kept by one process.
const POOL_SIZE: usize = 16;

pub struct PgStorage {
    pool: Pool,
    /// Drives the connections' sockets; requests block on their answers from any thread.
    rt: Option<tokio::runtime::Runtime>,
    clock: Arc<Mutex<Clock>>,
    cursors: Cursors,
}

impl PgStorage {
    /// Connects to `url` (`postgres://user@host:port/db`), brings the schema up to date and
    /// starts this process's clock (its own node id: several processes may serve at once).
    pub fn open(url: &str) -> Result<Self> {
        let config: tokio_postgres::Config =
            url.parse().map_err(|e| StorageError::Internal(format!("--db {url:?}: not a PostgreSQL URL: {e}")))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("showroom-pg")
            .enable_all()
            .build()
            .map_err(|e| StorageError::Internal(format!("PostgreSQL runtime: {e}")))?;
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(30)))
            .create_timeout(Some(std::time::Duration::from_secs(10)))
            .build()
            .map_err(|e| StorageError::Internal(format!("PostgreSQL pool: {e}")))?;
        let mut store = PgStorage {
            pool,
            rt: Some(rt),
            clock: Arc::new(Mutex::new(Clock::new(Uuid::nil(), None))),
            cursors: Cursors::default(),
        };
        let db = store.client()?;
        migrate(&db)?;
        // The latest clock any process persisted (`hlc`, and `hlc:<dealership>` by pushes).
        let last = db
            .rows("SELECT value FROM meta WHERE key = 'hlc' OR key LIKE 'hlc:%'", &[])?
            .iter()
            .filter_map(|r| r.get::<String>(0).ok()?.parse::<Hlc>().ok())
            .max();
        store.clock = Arc::new(Mutex::new(Clock::new(Uuid::now_v7(), last)));
        Ok(store)
    }

    fn client(&self) -> Result<PgDb> {
        let pool = self.pool.clone();
        let rt = self.rt.as_ref().ok_or_else(|| StorageError::Internal("the store is closed".into()))?;
        let got = futures_executor::block_on(rt.spawn(async move { pool.get().await }))
            .map_err(|e| StorageError::Internal(format!("PostgreSQL: {e}")))?
            .map_err(|e| StorageError::Internal(format!("PostgreSQL: {e}")))?;
        Ok(PgDb { client: got })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let mut conn =
            Conn { conn: Box::new(self.client()?), clock: self.clock.clone(), cursors: self.cursors.clone() };
        f(&mut conn)
    }

    pub(super) fn write<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        self.with(f)
    }

    pub(super) fn read<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        self.with(f)
    }
}

impl Drop for PgStorage {
    fn drop(&mut self) {
        // Dropping a runtime may happen inside another one (a server shutting down).
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Applies the migrations this database lacks, one transaction each, under the writers' lock
/// (two processes starting together do not both apply one).
fn migrate(db: &PgDb) -> Result<()> {
    db.batch("BEGIN")?;
    let run = || -> Result<()> {
        // The lock first: two processes creating the bookkeeping table at once would collide.
        db.exec(&format!("SELECT pg_advisory_xact_lock({PG_WRITER_LOCK})"), &[])?;
        db.batch("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied TEXT NOT NULL)")?;
        let found: i64 = db.rows("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?[0].get(0)?;
        if found > MIGRATIONS.len() as i64 {
            return Err(StorageError::Internal(format!(
                "the database has schema {found}; this server knows {}: upgrade the server",
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            db.batch(sql)?;
            db.exec(
                "INSERT INTO schema_migrations (version, applied) VALUES (?1, ?2)",
                &[Val::Int(i as i64 + 1), Val::Text(chrono::Utc::now().to_rfc3339())],
            )?;
        }
        Ok(())
    };
    match run() {
        Ok(()) => db.batch("COMMIT"),
        Err(e) => {
            let _ = db.batch("ROLLBACK");
            Err(e)
        }
    }
}

/// An error with PostgreSQL's own message (tokio-postgres prints only "db error").
pub(super) fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "{} ({}){}",
            db.message(),
            db.code().code(),
            db.detail().map(|d| format!(": {d}")).unwrap_or_default()
        ),
        None => e.to_string(),
    }
}

/// One pooled connection.
struct PgDb {
    client: Object,
}

/// Rewrites the storage's placeholders (`?1`, `?`) as PostgreSQL's (`$1`), outside quotes.
fn translate(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let (mut quoted, mut next) = (false, 0usize);
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c != '?' || quoted {
            out.push(c);
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
            digits.push(d);
            chars.next();
        }
        if digits.is_empty() {
            next += 1;
            digits = next.to_string();
        }
        out.push('$');
        out.push_str(&digits);
    }
    out
}

impl Db for PgDb {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn rows(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        let sql = translate(sql);
        let args: Vec<Arg<'_>> = params.iter().map(Arg).collect();
        futures_executor::block_on(async {
            let stmt = self.client.prepare_cached(&sql).await?;
            let rows = self.client.query(&stmt, &refs(&args)).await?;
            rows.iter()
                .map(|r| {
                    (0..r.len()).map(|i| r.try_get::<_, Cell>(i).map(|c| c.0)).collect::<std::result::Result<_, _>>()
                })
                .map(|r| r.map(Row).map_err(StorageError::from))
                .collect()
        })
    }

    fn exec(&self, sql: &str, params: &[Val]) -> Result<usize> {
        let sql = translate(sql);
        let args: Vec<Arg<'_>> = params.iter().map(Arg).collect();
        futures_executor::block_on(async {
            let stmt = self.client.prepare_cached(&sql).await?;
            Ok(self.client.execute(&stmt, &refs(&args)).await? as usize)
        })
    }

    fn batch(&self, sql: &str) -> Result<()> {
        futures_executor::block_on(self.client.batch_execute(sql))?;
        Ok(())
    }
}

/// The parameters as the driver takes them.
fn refs<'a>(args: &'a [Arg<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

type BoxError = Box<dyn Error + Sync + Send>;

/// A parameter, encoded as whatever type PostgreSQL inferred for its placeholder (an integer
/// flag for a BOOLEAN, a number for TEXT, ...).
#[derive(Debug)]
struct Arg<'a>(&'a Val);

impl ToSql for Arg<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
        match self.0 {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::NUMERIC => Err("a NUMERIC parameter: cast it to BIGINT in the statement".into()),
                _ => i.to_string().as_str().to_sql(&Type::TEXT, out),
            },
            Val::Real(f) => match *ty {
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                Type::FLOAT8 => f.to_sql(ty, out),
                _ => f.to_string().as_str().to_sql(&Type::TEXT, out),
            },
            Val::Text(s) => match *ty {
                Type::INT8 => s.parse::<i64>()?.to_sql(ty, out),
                Type::INT4 => s.parse::<i32>()?.to_sql(ty, out),
                Type::BOOL => (s != "0" && !s.is_empty()).to_sql(ty, out),
                Type::JSONB => {
                    out.put_u8(1);
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                _ => {
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
            },
            Val::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => {
                    out.put_slice(b);
                    Ok(IsNull::No)
                }
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A column's value, whatever its PostgreSQL type, as a [`Val`].
struct Cell(Val);

impl<'a> FromSql<'a> for Cell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, BoxError> {
        Ok(Cell(match *ty {
            Type::INT8 => Val::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Val::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT2 => Val::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::OID => Val::Int(i64::from(u32::from_sql(ty, raw)?)),
            Type::BOOL => Val::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::FLOAT8 => Val::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Val::Real(f64::from(f32::from_sql(ty, raw)?)),
            Type::BYTEA => Val::Blob(raw.to_vec()),
            Type::JSONB => Val::Text(std::str::from_utf8(raw.get(1..).unwrap_or_default())?.to_owned()),
            Type::NUMERIC => return Err("a NUMERIC column: cast it to BIGINT in the statement".into()),
            _ => Val::Text(std::str::from_utf8(raw)?.to_owned()),
        }))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, BoxError> {
        Ok(Cell(Val::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn placeholders_become_numbered_outside_quotes() {
        assert_eq!(translate("SELECT a FROM t WHERE b = ?1 AND c = ?12"), "SELECT a FROM t WHERE b = $1 AND c = $12");
        assert_eq!(translate("INSERT INTO t VALUES (?, ?, '?')"), "INSERT INTO t VALUES ($1, $2, '?')");
    }
}
