//! A throwaway PostgreSQL for tests and benches: Debian's server binaries (`initdb`, `pg_ctl`),
//! a data folder under the temp dir, 127.0.0.1 on a free port, trust authentication, no fsync;
//! stopped and removed when dropped. `scripts/test-all` starts one for the whole suite and sets
//! `SHOWROOM_TEST_PG` (its base URL); a test run by hand without it starts its own.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A running cluster, or the suite's (not stopped here).
pub struct TestPostgres {
    base: String,
    owned: Option<Owned>,
}

struct Owned {
    dir: PathBuf,
    bin: PathBuf,
}

/// The folder of Debian's PostgreSQL server binaries (`SHOWROOM_PG_BIN` overrides).
pub fn bin_dir() -> Result<PathBuf, String> {
    if let Ok(b) = std::env::var("SHOWROOM_PG_BIN") {
        return Ok(b.into());
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| "PostgreSQL is not installed: run scripts/setup --test (Debian's postgresql)".to_string())?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().ok_or_else(|| "no initdb under /usr/lib/postgresql/*/bin".into())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Runs a server binary, as the `postgres` user when we are root (initdb refuses root).
fn run(bin: &Path, tool: &str, args: &[&str]) -> Result<(), String> {
    let exe = bin.join(tool);
    let out = if is_root() {
        Command::new("runuser").args(["-u", "postgres", "--"]).arg(&exe).args(args).output()
    } else {
        Command::new(&exe).args(args).output()
    }
    .map_err(|e| format!("{tool}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(54329)
}

impl TestPostgres {
    /// The suite's cluster when `SHOWROOM_TEST_PG` names one, else a new one of this process.
    pub fn start() -> Result<Self, String> {
        if let Ok(base) = std::env::var("SHOWROOM_TEST_PG") {
            return Ok(TestPostgres { base: base.trim_end_matches('/').to_string(), owned: None });
        }
        Self::start_new()
    }

    /// A new cluster owned by the returned value (fsync off: a test's data need not survive).
    pub fn start_new() -> Result<Self, String> {
        Self::start_owned(false)
    }

    /// A new cluster that commits as a production one does (fsync on), for benchmarks.
    pub fn start_durable() -> Result<Self, String> {
        Self::start_owned(true)
    }

    fn start_owned(durable: bool) -> Result<Self, String> {
        let bin = bin_dir()?;
        let dir = std::env::temp_dir().join(format!("showroom-pg-{}-{}", std::process::id(), next()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if is_root() {
            let ok = Command::new("chown").args(["-R", "postgres"]).arg(&dir).status().is_ok_and(|s| s.success());
            if !ok {
                return Err(format!("chown postgres {}", dir.display()));
            }
        }
        let data = dir.join("data");
        let data_s = data.to_string_lossy().to_string();
        run(
            &bin,
            "initdb",
            &["-A", "trust", "-U", "showroom", "-D", &data_s, "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
        )?;
        let port = free_port();
        let fsync = if durable { "" } else { " -F" };
        let opts = format!("-h 127.0.0.1 -p {port} -k {}{fsync} -c max_connections=200", dir.display());
        let log = dir.join("server.log").to_string_lossy().to_string();
        run(&bin, "pg_ctl", &["-D", &data_s, "-o", &opts, "-l", &log, "-w", "start"])?;
        Ok(TestPostgres { base: format!("postgres://showroom@127.0.0.1:{port}"), owned: Some(Owned { dir, bin }) })
    }

    /// The server's main process (an owned cluster's), for reading its memory.
    pub fn postmaster_pid(&self) -> Option<u32> {
        let o = self.owned.as_ref()?;
        std::fs::read_to_string(o.dir.join("data/postmaster.pid")).ok()?.lines().next()?.trim().parse().ok()
    }

    /// The cluster's base URL (`postgres://user@host:port`).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A new empty database; its URL.
    pub fn database(&self) -> Result<String, String> {
        let name = format!("t{}_{}_{}", std::process::id(), next(), chrono::Utc::now().timestamp_micros());
        admin_sql(
            &self.base,
            &format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"),
        )?;
        Ok(format!("{}/{name}", self.base))
    }

    /// Stops the cluster (an owned one; the suite's is stopped by the suite).
    pub fn stop(&mut self) {
        if let Some(o) = self.owned.take() {
            let data = o.dir.join("data").to_string_lossy().to_string();
            let _ = run(&o.bin, "pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
            let _ = std::fs::remove_dir_all(&o.dir);
        }
    }
}

/// Runs one statement on the cluster's `postgres` database (`base`: `postgres://user@host:port`).
fn admin_sql(base: &str, sql: &str) -> Result<(), String> {
    let (user_host, port) = base.trim_start_matches("postgres://").rsplit_once(':').ok_or("bad base URL")?;
    let (user, host) = user_host.split_once('@').ok_or("bad base URL")?;
    let psql = Command::new("psql")
        .args(["-h", host, "-p", port, "-U", user, "-d", "postgres", "-q", "-c", sql])
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if !psql.status.success() {
        return Err(format!("{sql}: {}", String::from_utf8_lossy(&psql.stderr)));
    }
    Ok(())
}

/// Drops a database [`TestPostgres::database`] made (its URL), closing what is still connected.
pub fn drop_database(url: &str) -> Result<(), String> {
    let (base, name) = url.rsplit_once('/').ok_or("bad database URL")?;
    admin_sql(base, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
}

fn next() -> u32 {
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Which store a test runs on (see [`on_both_stores!`](crate::on_both_stores)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

impl Kind {
    /// An empty store of this kind: in-memory SQLite, or a new database on the suite's (or a
    /// new) PostgreSQL, whose server the second value keeps running (drop it after the store).
    pub fn open(self) -> (Box<dyn crate::storage::Storage>, Option<TestPostgres>) {
        match self {
            Kind::Sqlite => {
                (Box::new(crate::storage::SqliteStorage::open_in_memory().expect("in-memory SQLite")), None)
            }
            Kind::Postgres => {
                let server = TestPostgres::start().expect("a PostgreSQL for the test");
                let url = server.database().expect("a database for the test");
                (Box::new(crate::storage::pg::PgStorage::open(&url).expect("PostgreSQL store")), Some(server))
            }
        }
    }
}

/// Runs each named `async fn name(kind: Kind)` as two tokio tests, on SQLite and on PostgreSQL:
/// one suite for both stores.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name($crate::testpg::Kind::Sqlite).await } )*
        }
        mod on_postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name($crate::testpg::Kind::Postgres).await } )*
        }
    };
}
