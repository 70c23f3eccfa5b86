//! [`Storage`](super::Storage) on PostgreSQL, for a dealer group that outgrows one SQLite file
//! and one process: a pool of connections (`postgres` clients, each driven on the thread that
//! runs its statement) that every request borrows from, the schema in `migrations/postgres`, and
//! the same rules as SQLite (the logic in [`super::Conn`] runs on either through [`Db`]).
//! Several server processes may share one database: a push waits only for writers of its own
//! dealership (advisory locks; within a dealership the log's sequence is handed out in commit
//! order, which pull cursors rely on), reads run on snapshots and never wait, and each device's
//! pull cursor is kept in the database rather than in one process's memory.

use super::db::{Db, Dialect, PG_WRITER_LOCK, Row, Val};
use super::{Conn, Cursors, Result, StorageError};
use bytes::{BufMut, BytesMut};
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};
use showroom_core::sync::{Clock, Hlc};
use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
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
    include_str!("../../migrations/postgres/0009_partition_roots_unindexed.sql"),
    include_str!("../../migrations/postgres/0010_field_names.sql"),
    include_str!("../../migrations/postgres/0011_log_short_names.sql"),
    include_str!("../../migrations/postgres/0012_partition_and_write_numbers.sql"),
    include_str!("../../migrations/postgres/0013_row_numbers.sql"),
    include_str!("../../migrations/postgres/0014_root_partition_implied.sql"),
    include_str!("../../migrations/postgres/0015_write_ids_as_bytes.sql"),
];

/// Connections kept by one process.
const POOL_SIZE: usize = 16;
/// How long a request waits for a free connection before it fails.
const POOL_WAIT: Duration = Duration::from_secs(30);
/// How long an idle connection has to answer before it is lent.
const CHECK_WAIT: Duration = Duration::from_secs(5);

pub struct PgStorage {
    pool: Arc<Pool>,
    clock: Arc<Mutex<Clock>>,
    cursors: Cursors,
}

impl PgStorage {
    /// Connects to `url` (`postgres://user@host:port/db`), brings the schema up to date and
    /// starts this process's clock (its own node id: several processes may serve at once).
    pub fn open(url: &str) -> Result<Self> {
        let mut config: postgres::Config =
            url.parse().map_err(|e| StorageError::Internal(format!("--db {url:?}: not a PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        // No JIT compilation: every statement here is a short lookup or write, and a plan whose
        // estimated cost crosses `jit_above_cost` (a generic plan over stale statistics does) was
        // compiled again on each run, ~22 ms each: a 50,000-customer push stalled for a minute.
        let options = match config.get_options() {
            Some(given) => format!("{given} -c jit=off"),
            None => "-c jit=off".to_string(),
        };
        config.options(&options);
        let pool = Arc::new(Pool { config, state: Mutex::new(PoolState::default()), freed: Condvar::new() });
        let mut store =
            PgStorage { pool, clock: Arc::new(Mutex::new(Clock::new(Uuid::nil(), None))), cursors: Cursors::default() };
        let db = store.pool.get()?;
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

    fn with<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let mut conn =
            Conn { conn: Box::new(self.pool.get()?), clock: self.clock.clone(), cursors: self.cursors.clone() };
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
        let idle = std::mem::take(&mut self.pool.lock().idle);
        off_runtime(move || drop(idle));
    }
}

/// The process's connections. Each one owns its socket and a current-thread runtime
/// (`postgres::Client`), so a statement is sent, waited for and read on the thread that runs it:
/// no hand-off to a runtime's worker and back for each statement (with a shared tokio runtime
/// driving every socket, those thread switches took about half of the server's CPU in a push).
struct Pool {
    config: postgres::Config,
    state: Mutex<PoolState>,
    /// Signalled when a connection is returned or closed.
    freed: Condvar,
}

#[derive(Default)]
struct PoolState {
    idle: Vec<PgConn>,
    /// Connections lent out, being opened or being checked; with `idle`, at most [`POOL_SIZE`].
    lent: usize,
}

impl Pool {
    /// The pool's state; nothing panics while holding it, so a poisoned lock's state is sound.
    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An idle connection, a new one while fewer than [`POOL_SIZE`] are open, or the first one
    /// returned within [`POOL_WAIT`].
    fn get(self: &Arc<Self>) -> Result<PgDb> {
        let deadline = Instant::now() + POOL_WAIT;
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                state.lent += 1;
                drop(state);
                // Nobody reads an idle connection's socket, so a restarted or terminated backend
                // shows only when asked. A dead connection is dropped and the next one tried.
                let conn = off_runtime(move || {
                    let mut conn = conn;
                    conn.alive().then_some(conn)
                });
                match conn {
                    Some(conn) => return Ok(PgDb { conn: Some(RefCell::new(conn)), pool: self.clone() }),
                    None => {
                        state = self.lock();
                        state.lent -= 1;
                        continue;
                    }
                }
            }
            if state.lent < POOL_SIZE {
                state.lent += 1;
                drop(state);
                let config = &self.config;
                return match off_runtime(|| config.connect(NoTls)) {
                    Ok(client) => Ok(PgDb {
                        conn: Some(RefCell::new(PgConn { client, statements: HashMap::new() })),
                        pool: self.clone(),
                    }),
                    Err(e) => {
                        self.give_back(None);
                        Err(StorageError::Internal(format!("PostgreSQL: {}", describe(&e))))
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(StorageError::Internal(format!(
                    "PostgreSQL: all {POOL_SIZE} connections stayed busy for {} s",
                    POOL_WAIT.as_secs()
                )));
            }
            state = self.freed.wait_timeout(state, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    /// Takes a lent connection back (`None`: it failed to open); a closed one is dropped.
    fn give_back(&self, conn: Option<PgConn>) {
        let (keep, closed): (Option<PgConn>, Option<PgConn>) = match conn {
            Some(c) if c.client.is_closed() => (None, Some(c)),
            c => (c, None),
        };
        let mut state = self.lock();
        state.lent -= 1;
        state.idle.extend(keep);
        drop(state);
        self.freed.notify_one();
        if let Some(c) = closed {
            // Its runtime blocks as it closes: not on an async worker.
            off_runtime(move || drop(c));
        }
    }
}

/// Runs `f`, which blocks on a connection's own runtime, where blocking is allowed: directly on a
/// plain or `spawn_blocking` thread (the server's requests), through `block_in_place` on a
/// multi-thread runtime's worker, and on a scoped thread from a current-thread runtime.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Err(_) => f(),
        Ok(RuntimeFlavor::CurrentThread) => {
            std::thread::scope(|s| s.spawn(f).join()).unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }
        Ok(_) => tokio::task::block_in_place(f),
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
pub(super) fn describe(e: &postgres::Error) -> String {
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

/// One open connection and the statements it prepared.
struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl PgConn {
    /// Whether the connection still stands: one empty query answered within [`CHECK_WAIT`]
    /// (an idle socket's end shows only when it is read; a round trip a request, not a statement).
    fn alive(&mut self) -> bool {
        !self.client.is_closed() && self.client.is_valid(CHECK_WAIT).is_ok()
    }

    /// The statement prepared for `sql` (the storage's placeholders, translated on first use).
    fn prepared(&mut self, sql: &str) -> std::result::Result<Statement, postgres::Error> {
        if let Some(stmt) = self.statements.get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = self.client.prepare(&translate(sql))?;
        self.statements.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }
}

/// A connection lent by the pool, returned when dropped.
struct PgDb {
    conn: Option<RefCell<PgConn>>,
    pool: Arc<Pool>,
}

impl PgDb {
    /// Runs `f` on the connection, off any async runtime.
    fn on<T: Send>(&self, f: impl FnOnce(&mut PgConn) -> Result<T> + Send) -> Result<T> {
        let cell = self.conn.as_ref().ok_or_else(|| StorageError::Internal("the connection was returned".into()))?;
        let mut conn = cell.borrow_mut();
        let conn = &mut *conn;
        off_runtime(move || f(conn))
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        self.pool.give_back(self.conn.take().map(RefCell::into_inner));
    }
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
        self.on(|c| {
            let stmt = c.prepared(sql)?;
            let args: Vec<Arg<'_>> = params.iter().map(Arg).collect();
            let rows = c.client.query(&stmt, &refs(&args))?;
            rows.iter()
                .map(|r| {
                    (0..r.len()).map(|i| r.try_get::<_, Cell>(i).map(|c| c.0)).collect::<std::result::Result<_, _>>()
                })
                .map(|r| r.map(Row).map_err(StorageError::from))
                .collect()
        })
    }

    fn exec(&self, sql: &str, params: &[Val]) -> Result<usize> {
        self.on(|c| {
            let stmt = c.prepared(sql)?;
            let args: Vec<Arg<'_>> = params.iter().map(Arg).collect();
            Ok(c.client.execute(&stmt, &refs(&args))? as usize)
        })
    }

    fn batch(&self, sql: &str) -> Result<()> {
        self.on(|c| Ok(c.client.batch_execute(sql)?))
    }

    fn insert_id(&self, sql: &str, params: &[Val], key: &str) -> Result<Option<i64>> {
        self.rows(&format!("{sql} RETURNING {key}"), params)?.first().map(|r| r.get(0)).transpose()
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
    use super::{NoTls, POOL_SIZE, PgDb, PgStorage, translate};
    use crate::storage::Storage;
    use crate::storage::db::Db;
    use crate::testpg::TestPostgres;
    use std::time::{Duration, Instant};

    fn backend(db: &PgDb) -> i64 {
        db.rows("SELECT pg_backend_pid()::BIGINT", &[]).unwrap()[0].get::<i64>(0).unwrap()
    }

    /// The backends serving the database (`admin`'s own left out).
    fn backends(admin: &mut postgres::Client) -> Vec<i64> {
        let sql = "SELECT pid::BIGINT FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY pid";
        admin.query(sql, &[]).unwrap().iter().map(|r| r.get(0)).collect()
    }

    /// PostgreSQL ending a pooled connection's backend (a restart, an administrator) costs no
    /// request: nobody reads an idle connection's socket, so the pool asks it an empty query
    /// before lending it and opens a new one in place of a dead one.
    #[test]
    fn a_connection_whose_backend_ended_is_replaced_before_it_is_lent() {
        let server = TestPostgres::start().unwrap();
        let url = server.database().unwrap();
        let s = PgStorage::open(&url).unwrap();
        let held: Vec<PgDb> = (0..3).map(|_| s.pool.get().unwrap()).collect();
        let ended: Vec<i64> = held.iter().map(backend).collect();
        drop(held);
        let mut admin = postgres::Client::connect(&url, NoTls).unwrap();
        for pid in &ended {
            admin.execute("SELECT pg_terminate_backend($1::BIGINT::INT)", &[pid]).unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while backends(&mut admin).iter().any(|p| ended.contains(p)) {
            assert!(Instant::now() < deadline, "the backends did not end");
            std::thread::sleep(Duration::from_millis(20));
        }
        let lent: Vec<PgDb> = (0..3).map(|_| s.pool.get().unwrap()).collect();
        let serving: Vec<i64> = lent.iter().map(backend).collect();
        assert!(serving.iter().all(|p| !ended.contains(p)), "{serving:?} reuses one of {ended:?}");
        drop(lent);
        assert_eq!(s.inspect("SELECT COUNT(*) FROM schema_migrations", &[]).unwrap().len(), 1);
        assert_eq!(backends(&mut admin).len(), 3, "the dead connections were not kept");
    }

    /// The server's sessions never JIT-compile a statement, whatever the URL's own options.
    #[test]
    fn sessions_run_without_jit_and_keep_the_urls_options() {
        let server = TestPostgres::start().unwrap();
        let url = server.database().unwrap();
        let s = PgStorage::open(&format!("{url}?options=-c%20statement_timeout%3D12345")).unwrap();
        let db = s.pool.get().unwrap();
        assert_eq!(db.rows("SHOW jit", &[]).unwrap()[0].get::<String>(0).unwrap(), "off");
        assert_eq!(db.rows("SHOW statement_timeout", &[]).unwrap()[0].get::<String>(0).unwrap(), "12345ms");
    }

    /// One process opens at most `POOL_SIZE` connections; a request beyond them waits for one to
    /// come back, then runs on it.
    #[test]
    fn a_request_beyond_the_pool_waits_for_a_connection_to_come_back() {
        let server = TestPostgres::start().unwrap();
        let url = server.database().unwrap();
        let s = PgStorage::open(&url).unwrap();
        let mut held: Vec<PgDb> = (0..POOL_SIZE).map(|_| s.pool.get().unwrap()).collect();
        let mut admin = postgres::Client::connect(&url, NoTls).unwrap();
        assert_eq!(backends(&mut admin).len(), POOL_SIZE);
        std::thread::scope(|scope| {
            let waiting = scope.spawn(|| s.pool.get().map(|db| backend(&db)));
            std::thread::sleep(Duration::from_millis(300));
            assert!(!waiting.is_finished(), "a request got a connection beyond the pool");
            let returned = backend(&held.pop().unwrap());
            assert_eq!(waiting.join().unwrap().unwrap(), returned);
        });
        drop(held);
        assert_eq!(backends(&mut admin).len(), POOL_SIZE);
    }

    /// A statement blocks on its connection's own runtime: callers inside an async runtime (a
    /// test, a handler not yet moved to `spawn_blocking`) still run it, and the store closes.
    async fn runs_inside_a_runtime() {
        let server = TestPostgres::start().unwrap();
        let url = server.database().unwrap();
        let s = PgStorage::open(&url).unwrap();
        let id = s.create_dealership("Lakeside").unwrap();
        assert_eq!(s.dealerships().unwrap(), vec![(id, "Lakeside".to_string())]);
        drop(s);
    }

    #[tokio::test]
    async fn statements_run_inside_a_current_thread_runtime() {
        runs_inside_a_runtime().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn statements_run_inside_a_multi_thread_runtime() {
        runs_inside_a_runtime().await;
    }

    #[test]
    fn placeholders_become_numbered_outside_quotes() {
        assert_eq!(translate("SELECT a FROM t WHERE b = ?1 AND c = ?12"), "SELECT a FROM t WHERE b = $1 AND c = $12");
        assert_eq!(translate("INSERT INTO t VALUES (?, ?, '?')"), "INSERT INTO t VALUES ($1, $2, '?')");
    }
}
