//! The SQL the server's storage speaks, whatever the database. [`Db`] runs one statement with
//! positional parameters (`?1`, `?`) and hands back rows of [`Val`]s; SQLite (rusqlite) and
//! PostgreSQL (tokio-postgres, [`super::pg`]) implement it, so every rule of a push, a pull or a
//! lead's intake is written once in [`super`] and runs on both. [`DbExt`] gives it the shape of
//! rusqlite's API (`query_row`, `prepare_cached(..).query_map`, `optional()`), and [`begin`]
//! opens a transaction on either. SQL written here stays in the common dialect: `ON CONFLICT`,
//! `RETURNING`, `IS [NOT] DISTINCT FROM`; the few statements that cannot (JSON functions, sizes)
//! branch on [`Db::dialect`].

use super::{Result, StorageError};
use uuid::Uuid;

/// One value going in or coming out of a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A database connection, or a transaction on one.
pub trait Db {
    fn dialect(&self) -> Dialect;
    /// Runs one statement and returns every row it produced.
    fn rows(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>>;
    /// Runs one statement and returns the number of rows it changed.
    fn exec(&self, sql: &str, params: &[Val]) -> Result<usize>;
    /// Runs statements without parameters (schema, transaction control).
    fn batch(&self, sql: &str) -> Result<()>;
    /// Runs `sql`, an `INSERT` of one row into a table whose integer key is `key`, and returns
    /// that key, or `None` when no row was made (`ON CONFLICT ... DO NOTHING`). PostgreSQL adds
    /// `RETURNING key`; SQLite reads the connection's last rowid instead, because it runs a
    /// `RETURNING` clause as a trigger, in a temporary b-tree and a statement journal of its own
    /// (11% of a first push's server instructions, for three inserts a customer).
    fn insert_id(&self, sql: &str, params: &[Val], key: &str) -> Result<Option<i64>>;
}

/// A value that can be bound to a parameter.
pub trait ToVal {
    fn to_val(&self) -> Val;
}

impl ToVal for Val {
    fn to_val(&self) -> Val {
        self.clone()
    }
}
impl ToVal for i64 {
    fn to_val(&self) -> Val {
        Val::Int(*self)
    }
}
impl ToVal for u8 {
    fn to_val(&self) -> Val {
        Val::Int(i64::from(*self))
    }
}
impl ToVal for bool {
    fn to_val(&self) -> Val {
        Val::Int(i64::from(*self))
    }
}
impl ToVal for str {
    fn to_val(&self) -> Val {
        Val::Text(self.to_owned())
    }
}
impl ToVal for String {
    fn to_val(&self) -> Val {
        Val::Text(self.clone())
    }
}
impl<T: ToVal> ToVal for Option<T> {
    fn to_val(&self) -> Val {
        self.as_ref().map_or(Val::Null, ToVal::to_val)
    }
}
impl<T: ToVal + ?Sized> ToVal for &T {
    fn to_val(&self) -> Val {
        (**self).to_val()
    }
}

/// A statement's parameters: `()`, an array of one type, or [`params!`]'s list.
pub trait Params {
    fn vals(self) -> Vec<Val>;
}

impl Params for () {
    fn vals(self) -> Vec<Val> {
        Vec::new()
    }
}
impl Params for &[&dyn ToVal] {
    fn vals(self) -> Vec<Val> {
        self.iter().map(|v| v.to_val()).collect()
    }
}
impl<T: ToVal, const N: usize> Params for [T; N] {
    fn vals(self) -> Vec<Val> {
        self.iter().map(ToVal::to_val).collect()
    }
}
impl<T: ToVal, const N: usize> Params for &[T; N] {
    fn vals(self) -> Vec<Val> {
        self.iter().map(ToVal::to_val).collect()
    }
}

/// Parameters of mixed types, as rusqlite's `params!`.
macro_rules! params {
    () => { () };
    ($($x:expr),+ $(,)?) => {
        &[$(&$x as &dyn $crate::storage::db::ToVal),+] as &[&dyn $crate::storage::db::ToVal]
    };
}
pub(crate) use params;

/// A column's value read back as a Rust type.
pub trait FromVal: Sized {
    fn from_val(v: &Val) -> Result<Self>;
}

fn mismatch(want: &str, v: &Val) -> StorageError {
    StorageError::Internal(format!("the database returned {v:?} where {want} was expected"))
}

impl FromVal for Val {
    fn from_val(v: &Val) -> Result<Self> {
        Ok(v.clone())
    }
}
impl FromVal for i64 {
    fn from_val(v: &Val) -> Result<Self> {
        match v {
            Val::Int(i) => Ok(*i),
            _ => Err(mismatch("an integer", v)),
        }
    }
}
impl FromVal for u8 {
    fn from_val(v: &Val) -> Result<Self> {
        i64::from_val(v)?.try_into().map_err(|_| mismatch("a small integer", v))
    }
}
impl FromVal for bool {
    fn from_val(v: &Val) -> Result<Self> {
        Ok(i64::from_val(v)? != 0)
    }
}
impl FromVal for String {
    fn from_val(v: &Val) -> Result<Self> {
        match v {
            Val::Text(s) => Ok(s.clone()),
            _ => Err(mismatch("text", v)),
        }
    }
}
impl FromVal for Vec<u8> {
    fn from_val(v: &Val) -> Result<Self> {
        match v {
            Val::Blob(b) => Ok(b.clone()),
            _ => Err(mismatch("bytes", v)),
        }
    }
}
impl<T: FromVal> FromVal for Option<T> {
    fn from_val(v: &Val) -> Result<Self> {
        match v {
            Val::Null => Ok(None),
            v => T::from_val(v).map(Some),
        }
    }
}

/// One row of a result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Val>);

impl Row {
    pub fn get<T: FromVal>(&self, i: usize) -> Result<T> {
        let v = self.0.get(i).ok_or_else(|| StorageError::Internal(format!("no column {i} in the result")))?;
        T::from_val(v)
    }
}

/// A result's rows read one at a time (rusqlite's `Rows`).
pub struct Rows {
    rows: std::vec::IntoIter<Row>,
    current: Option<Row>,
}

impl Rows {
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<&Row>> {
        self.current = self.rows.next();
        Ok(self.current.as_ref())
    }
}

/// A statement to run (the connection caches its preparation).
pub struct Stmt<'a, D: ?Sized> {
    db: &'a D,
    sql: String,
}

impl<D: Db + ?Sized> Stmt<'_, D> {
    pub fn execute<P: Params>(&mut self, p: P) -> Result<usize> {
        self.db.exec(&self.sql, &p.vals())
    }

    pub fn query_row<P: Params, T>(&mut self, p: P, f: impl FnOnce(&Row) -> Result<T>) -> Result<T> {
        self.db.query_row(&self.sql, p, f)
    }

    pub fn query_map<P: Params, T>(
        &mut self,
        p: P,
        mut f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let rows = self.db.rows(&self.sql, &p.vals())?;
        Ok(rows.iter().map(&mut f).collect::<Vec<_>>().into_iter())
    }

    pub fn query<P: Params>(&mut self, p: P) -> Result<Rows> {
        Ok(Rows { rows: self.db.rows(&self.sql, &p.vals())?.into_iter(), current: None })
    }

    pub fn exists<P: Params>(&mut self, p: P) -> Result<bool> {
        Ok(!self.db.rows(&self.sql, &p.vals())?.is_empty())
    }
}

/// rusqlite's conveniences over any [`Db`].
pub trait DbExt: Db {
    fn execute<P: Params>(&self, sql: &str, p: P) -> Result<usize> {
        self.exec(sql, &p.vals())
    }

    /// [`Db::insert_id`] with rusqlite-style parameters.
    fn insert_returning<P: Params>(&self, sql: &str, key: &str, p: P) -> Result<Option<i64>> {
        self.insert_id(sql, &p.vals(), key)
    }

    /// [`DbExt::insert_returning`] for an insert that always makes its row (no `ON CONFLICT`).
    fn insert_key<P: Params>(&self, sql: &str, key: &str, p: P) -> Result<i64> {
        self.insert_returning(sql, key, p)?
            .ok_or_else(|| StorageError::Internal(format!("no row was made by {}", sql.lines().next().unwrap_or(sql))))
    }

    /// The first row, or [`StorageError::NoRows`] (see [`OptionalExt::optional`]).
    fn query_row<P: Params, T>(&self, sql: &str, p: P, f: impl FnOnce(&Row) -> Result<T>) -> Result<T> {
        let rows = self.rows(sql, &p.vals())?;
        match rows.first() {
            Some(r) => f(r),
            None => Err(StorageError::NoRows),
        }
    }

    fn prepare_cached(&self, sql: &str) -> Result<Stmt<'_, Self>> {
        Ok(Stmt { db: self, sql: sql.to_owned() })
    }

    fn prepare(&self, sql: &str) -> Result<Stmt<'_, Self>> {
        self.prepare_cached(sql)
    }

    fn execute_batch(&self, sql: &str) -> Result<()> {
        self.batch(sql)
    }
}

impl<D: Db + ?Sized> DbExt for D {}

/// `query_row`'s "no row" as `None`.
pub trait OptionalExt<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExt<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(StorageError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// What a transaction will do: read (a snapshot that never waits for writers) or write (the
/// writers of a store take turns; see each dialect's `BEGIN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Read,
    /// A write that may touch any dealership (accounts, intake, compaction): alone.
    Write,
    /// A write within one dealership (a push): on PostgreSQL it waits only for writers of the same
    /// dealership (and for `Write`s), so rooftops of a group push in parallel. SQLite: as `Write`.
    WriteIn(Uuid),
}

/// An open transaction: rolled back when dropped without [`Tx::commit`].
pub struct Tx<'c> {
    db: &'c dyn Db,
    open: bool,
}

/// The PostgreSQL lock every writing transaction takes first (exclusive for a [`Mode::Write`],
/// shared for a [`Mode::WriteIn`], which then takes its dealership's lock): within a dealership
/// the log's sequence numbers are handed out in commit order, which a pull's cursor relies on (a
/// reader never sees seq 12 committed before seq 11 of its own dealership and skips it; pulls
/// read one dealership, and their cursor stops at its last entry).
pub const PG_WRITER_LOCK: i64 = 0x5348_4f57_524f_4f4d; // "SHOWROOM"

pub fn begin(db: &dyn Db, mode: Mode) -> Result<Tx<'_>> {
    match (db.dialect(), mode) {
        (Dialect::Sqlite, Mode::Read) => db.batch("BEGIN DEFERRED")?,
        (Dialect::Sqlite, Mode::Write | Mode::WriteIn(_)) => db.batch("BEGIN IMMEDIATE")?,
        (Dialect::Postgres, Mode::Read) => db.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?,
        (Dialect::Postgres, Mode::Write) => {
            db.batch("BEGIN ISOLATION LEVEL READ COMMITTED")?;
            let tx = Tx { db, open: true };
            tx.exec(&format!("SELECT pg_advisory_xact_lock({PG_WRITER_LOCK})"), &[])?;
            return Ok(tx);
        }
        (Dialect::Postgres, Mode::WriteIn(dealership)) => {
            db.batch("BEGIN ISOLATION LEVEL READ COMMITTED")?;
            let tx = Tx { db, open: true };
            let key = i64::from_be_bytes(dealership.as_bytes()[8..16].try_into().unwrap_or_default());
            tx.exec(
                &format!("SELECT pg_advisory_xact_lock_shared({PG_WRITER_LOCK}), pg_advisory_xact_lock({key})"),
                &[],
            )?;
            return Ok(tx);
        }
    }
    Ok(Tx { db, open: true })
}

impl Tx<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        self.db.batch("COMMIT")
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.db.batch("ROLLBACK");
        }
    }
}

impl Db for Tx<'_> {
    fn dialect(&self) -> Dialect {
        self.db.dialect()
    }
    fn rows(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        self.db.rows(sql, params)
    }
    fn exec(&self, sql: &str, params: &[Val]) -> Result<usize> {
        self.db.exec(sql, params)
    }
    fn batch(&self, sql: &str) -> Result<()> {
        self.db.batch(sql)
    }
    fn insert_id(&self, sql: &str, params: &[Val], key: &str) -> Result<Option<i64>> {
        self.db.insert_id(sql, params, key)
    }
}

// SQLite, through rusqlite: statements come from the connection's cache.

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Val::Null => ValueRef::Null,
            Val::Int(i) => ValueRef::Integer(*i),
            Val::Real(f) => ValueRef::Real(*f),
            Val::Text(s) => ValueRef::Text(s.as_bytes()),
            Val::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl Db for rusqlite::Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn rows(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        use rusqlite::types::ValueRef;
        let mut stmt = self.prepare_cached(sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                vals.push(match r.get_ref(i)? {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(i) => Val::Int(i),
                    ValueRef::Real(f) => Val::Real(f),
                    ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Val::Blob(b.to_vec()),
                });
            }
            out.push(Row(vals));
        }
        Ok(out)
    }

    fn exec(&self, sql: &str, params: &[Val]) -> Result<usize> {
        Ok(self.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params))?)
    }

    fn batch(&self, sql: &str) -> Result<()> {
        Ok(self.execute_batch(sql)?)
    }

    fn insert_id(&self, sql: &str, params: &[Val], _key: &str) -> Result<Option<i64>> {
        let made = self.exec(sql, params)?;
        Ok((made > 0).then(|| self.last_insert_rowid()))
    }
}
