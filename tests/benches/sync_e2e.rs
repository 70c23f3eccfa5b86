//! Sync end to end, as a user runs it: the release `showroom` CLI and a real `showroom-sync`
//! process on loopback. For each size N it generates N customers of 9 fields (first and last
//! name, email, phone, street, city, state, postal code, notes), then times
//!
//! - **import**: a rep's laptop imports the CSV (`showroom import customers`, duplicate checks on);
//! - **push**: that laptop's first `showroom sync` (signs in, pushes everything, pulls the rest);
//! - **first pull**: a manager's fresh laptop's first `showroom sync`;
//! - **one edit A → B**: one customer imported on A, `sync` on A, `sync` on B (three commands);
//!
//! and reads the server's peak RSS (VmHWM) and both databases' size on disk (with WAL files), and
//! where the bytes go table by table. `SHOWROOM_BENCH_KEEP_SERVER=FILE` keeps a copy of the last
//! run's server store (for `scripts/state-layouts`). `SHOWROOM_BENCH_STORE=postgres` serves a
//! throwaway PostgreSQL cluster (fsync on, one new database a run) instead of a SQLite file; the
//! server's size is then the database's (`pg_database_size`, tables by `pg_total_relation_size`)
//! and its RSS the `showroom-sync` process's alone (PostgreSQL's own memory is not counted).
//! Every step is also divided by a baseline timed in the same run on the same disk: the same N
//! records inserted into a bare SQLite table in one transaction (no encryption, no index), the
//! floor any local-first store pays, so figures from a slow run and a fast run compare.
//! `SHOWROOM_BENCH_VERBOSE=1` also prints the server's CPU seconds in the push and in the first
//! pull, by thread (request workers apart from the `wal-checkpoint` thread), and
//! `SHOWROOM_BENCH_SETTLE_SECS=S` waits S seconds between the two (to tell a pull's own cost from
//! work the push left running). `SHOWROOM_BENCH_PERF=FILE` records the server's CPU profile
//! during the push with `perf record -g` (read it with `perf report -i FILE`).
//!
//!     scripts/bench-sync                      # N = 10,000 and 50,000, median of 3 runs
//!     scripts/bench-sync 10000 50000 200000   # sizes; SHOWROOM_BENCH_RUNS=1 for a single run
//!
//! Laptops A and B keep their database key in the OS keyring, as on a rep's desktop (a private
//! D-Bus session with gnome-keyring, started here). The edit is timed again between two laptops P
//! and Q that hold the same data under a passphrase, where each command derives the key (argon2id).
//!
//! Not a test: the goals (issue 15) are printed beside the figures, not asserted.
#![allow(clippy::unwrap_used)]

use showroom_e2e::{Keyring, SyncServer, binary, pin};
use showroom_sync::testpg::TestPostgres;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const FIRST: [&str; 24] = [
    "Maria", "James", "Aisha", "Wei", "Carlos", "Emily", "Tomás", "Priya", "Noah", "Fatima", "Liam", "Sofia", "Mateo",
    "Grace", "Omar", "Hannah", "Diego", "Chloe", "Ethan", "Yuki", "Lucas", "Amara", "Ivan", "Zoë",
];
const LAST: [&str; 24] = [
    "Harris",
    "Nguyen",
    "Okafor",
    "Chen",
    "Ramírez",
    "Walsh",
    "Patel",
    "Kowalski",
    "Johnson",
    "Haddad",
    "Murphy",
    "Rossi",
    "García",
    "Kim",
    "Schmidt",
    "Dubois",
    "Silva",
    "Novak",
    "Brooks",
    "Tanaka",
    "Lindqvist",
    "Mensah",
    "Petrov",
    "O'Neil",
];
const CITIES: [(&str, &str); 6] = [
    ("Austin", "TX"),
    ("Round Rock", "TX"),
    ("San Marcos", "TX"),
    ("Georgetown", "TX"),
    ("Cedar Park", "TX"),
    ("Kyle", "TX"),
];
const AREAS: [&str; 8] = ["512", "737", "210", "214", "469", "713", "281", "832"];

/// Row `i` of the generated file (unique email and phone, so duplicate checks keep every row).
fn customer(i: usize) -> [String; 9] {
    let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
    let (city, state) = CITIES[i % CITIES.len()];
    [
        first.to_string(),
        last.to_string(),
        format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase().replace('\'', ""), i),
        format!("({}) {}-{:04}", AREAS[(i / 7_000_000) % AREAS.len()], 201 + (i / 10_000) % 700, i % 10_000),
        format!("{} {} St", 100 + i % 9_800, ["Oak", "Elm", "Pecan", "Lamar", "Guadalupe", "Burnet"][i % 6]),
        city.to_string(),
        state.to_string(),
        format!("78{:03}", 700 + i % 100),
        format!("Walked in at the spring show; asked about trade-in value (ref {i})"),
    ]
}

fn write_csv(path: &Path, from: usize, n: usize) {
    let mut out = String::from("first_name,last_name,email,phone,street,city,state,postal_code,notes\n");
    for i in from..from + n {
        let row = customer(i);
        let quoted: Vec<String> = row.iter().map(|v| format!("\"{}\"", v.replace('"', "\"\""))).collect();
        out.push_str(&quoted.join(","));
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

/// The same records into a bare SQLite table in one transaction: the floor of a local write.
fn bare_insert_s(dir: &Path, n: usize) -> f64 {
    let path = dir.join("baseline.sqlite3");
    let _ = std::fs::remove_file(&path);
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE customers (id TEXT PRIMARY KEY, first TEXT, last TEXT, email TEXT, phone TEXT,
           street TEXT, city TEXT, state TEXT, zip TEXT, notes TEXT);",
    )
    .unwrap();
    let t = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut stmt = tx.prepare("INSERT INTO customers VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)").unwrap();
        for i in 0..n {
            let c = customer(i);
            stmt.execute(rusqlite::params![
                uuid::Uuid::now_v7().to_string(),
                c[0],
                c[1],
                c[2],
                c[3],
                c[4],
                c[5],
                c[6],
                c[7],
                c[8]
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
    t.elapsed().as_secs_f64()
}

/// Runs the CLI on `data`, in the keyring's session when there is one (else under the passphrase).
fn showroom(data: &Path, args: &[&str], keyring: Option<&Keyring>) -> (f64, String) {
    let mut cmd = Command::new(binary("showroom"));
    pin(&mut cmd);
    if let Some(k) = keyring {
        k.apply(&mut cmd);
    }
    cmd.arg("--data-dir").arg(data).args(args).env("SHOWROOM_PASSWORD", "bench password 1").env("RUST_LOG", "error");
    let t = Instant::now();
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    let s = t.elapsed().as_secs_f64();
    assert!(out.status.success(), "showroom {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    (s, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn size_mb(paths: impl IntoIterator<Item = std::path::PathBuf>) -> f64 {
    paths.into_iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum::<u64>() as f64 / 1e6
}

fn folder_mb(dir: &Path) -> f64 {
    size_mb(std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_file()))
}

/// CPU seconds (user and system) a process has used so far, from `/proc` (clock ticks of 1/100 s).
fn cpu_seconds(pid: Option<u32>) -> f64 {
    let stat = pid.and_then(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok()).unwrap_or_default();
    stat_cpu(&stat).map_or(f64::NAN, |(_, s)| s)
}

/// The command name and the CPU seconds (user and system) of a `/proc/…/stat` line: the name is
/// in parentheses; after them, utime and stime are the 12th and 13th fields (ticks of 1/100 s).
fn stat_cpu(stat: &str) -> Option<(&str, f64)> {
    let (head, rest) = stat.rsplit_once(')')?;
    let name = head.split_once('(')?.1;
    let ticks: Vec<f64> = rest.split_whitespace().skip(11).take(2).filter_map(|t| t.parse().ok()).collect();
    (ticks.len() == 2).then(|| (name, (ticks[0] + ticks[1]) / 100.0))
}

/// CPU seconds of each of `pid`'s threads, summed by thread name (the server's `wal-checkpoint`
/// thread apart from its request workers).
fn cpu_by_thread(pid: Option<u32>) -> std::collections::BTreeMap<String, f64> {
    let mut by_name = std::collections::BTreeMap::new();
    let tasks = pid.and_then(|p| std::fs::read_dir(format!("/proc/{p}/task")).ok());
    for task in tasks.into_iter().flatten().flatten() {
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        if let Some((name, secs)) = stat_cpu(&stat) {
            *by_name.entry(name.to_string()).or_insert(0.0) += secs;
        }
    }
    by_name
}

/// What each thread name spent between two [`cpu_by_thread`] readings, for the verbose report.
fn thread_cpu_diff(
    before: &std::collections::BTreeMap<String, f64>,
    after: &std::collections::BTreeMap<String, f64>,
) -> String {
    after
        .iter()
        .map(|(name, s)| (name, s - before.get(name).copied().unwrap_or(0.0)))
        .filter(|(_, s)| *s > 0.0)
        .map(|(name, s)| format!("{name} {s:.2} s"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

#[derive(Default, Clone)]
struct Run {
    baseline: f64,
    import: f64,
    push: f64,
    pull: f64,
    one_edit_ms: f64,
    one_edit_passphrase_ms: f64,
    server_rss: f64,
    server_mb: f64,
    laptop_a_mb: f64,
    laptop_b_mb: f64,
    pushed: String,
    pulled: String,
    /// The manager's laptop, table by table (bytes), when SQLite can say (dbstat).
    tables: Vec<(String, i64)>,
    /// The server's store, table by table.
    server_tables: Vec<(String, i64)>,
}

/// Where a laptop's bytes go: the largest tables and indexes (dbstat), largest first.
fn tables_of(data: &Path) -> Vec<(String, i64)> {
    largest(&showroom_e2e::open_db(data))
}

/// Tables' bytes divided among `n` customers, for printing.
fn per_customer(tables: &[(String, i64)], n: usize) -> String {
    tables.iter().map(|(t, b)| format!("{t} {:.0} B", *b as f64 / n as f64)).collect::<Vec<_>>().join(", ")
}

/// The largest tables and indexes of a database (dbstat), largest first.
fn largest(conn: &rusqlite::Connection) -> Vec<(String, i64)> {
    let Ok(mut stmt) = conn.prepare("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8")
    else {
        return Vec::new();
    };
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map(|rows| rows.flatten().collect()).unwrap_or_default()
}

/// Rows of a query on a PostgreSQL database through `psql` (unaligned, `|`-separated).
fn psql(url: &str, sql: &str) -> Vec<Vec<String>> {
    let out = Command::new("psql").args([url, "-At", "-c", sql]).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "psql: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| l.split('|').map(str::to_string).collect()).collect()
}

/// A PostgreSQL database's size and its largest tables and indexes (bytes), largest first.
fn postgres_sizes(url: &str) -> (f64, Vec<(String, i64)>) {
    let size = psql(url, "SELECT pg_database_size(current_database())")[0][0].parse::<f64>().unwrap() / 1e6;
    let tables = psql(
        url,
        "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') ORDER BY 2 DESC LIMIT 8",
    );
    (size, tables.into_iter().map(|r| (r[0].clone(), r[1].parse().unwrap_or(0))).collect())
}

fn one_run(n: usize, cluster: Option<&TestPostgres>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    write_csv(&csv, 0, n);
    let baseline = bare_insert_s(dir.path(), n);

    let server_dir = dir.path().join("server");
    std::fs::create_dir_all(&server_dir).unwrap();
    let url = cluster.map(|c| c.database().unwrap());
    let server = match &url {
        Some(url) => SyncServer::start_at(url, "Bench Motors", &[]),
        None => SyncServer::start(&server_dir, "Bench Motors", &[]),
    };
    server.add_user("rep@bench", "Rita Rep", "rep", None, "bench password 1");
    server.add_user("manager@bench", "Manny Manager", "manager", None, "bench password 1");
    let (a, b) = (dir.path().join("laptop-a"), dir.path().join("laptop-b"));
    let keyring = Keyring::start();
    let k = Some(&keyring);

    let (import, out) = showroom(&a, &["import", "customers", csv.to_str().unwrap()], k);
    let totals = out.lines().last().unwrap_or_default();
    assert!(
        totals.starts_with(&format!("imported: {n} created, 0 updated")),
        "every generated customer is new: {totals}"
    );
    let (cpu_before, threads_before) = (cpu_seconds(server.pid()), cpu_by_thread(server.pid()));
    // SHOWROOM_BENCH_PERF=FILE records the server's CPU profile during the push (`perf record
    // -g`), for `perf report -i FILE`.
    let perf = std::env::var_os("SHOWROOM_BENCH_PERF").zip(server.pid()).and_then(|(file, pid)| {
        let mut cmd = Command::new("perf");
        cmd.args(["record", "-g", "-q", "-o"]).arg(file).args(["-p", &pid.to_string()]);
        cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().ok()
    });
    if perf.is_some() {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let (push, pushed) = showroom(&a, &["sync", "--server", &server.url(), "--user", "rep@bench"], k);
    if let Some(mut perf) = perf {
        let _ = Command::new("kill").args(["-INT", &perf.id().to_string()]).status();
        let _ = perf.wait();
    }
    let (cpu_pushed, threads_pushed) = (cpu_seconds(server.pid()), cpu_by_thread(server.pid()));
    if let Some(secs) = std::env::var("SHOWROOM_BENCH_SETTLE_SECS").ok().and_then(|s| s.parse().ok()) {
        std::thread::sleep(std::time::Duration::from_secs_f64(secs));
    }
    let (cpu_settled, threads_settled) = (cpu_seconds(server.pid()), cpu_by_thread(server.pid()));
    let (pull, pulled) = showroom(&b, &["sync", "--server", &server.url(), "--user", "manager@bench"], k);
    if std::env::var_os("SHOWROOM_BENCH_VERBOSE").is_some() {
        let threads_pulled = cpu_by_thread(server.pid());
        eprintln!(
            "server CPU: push {:.2} s, settle {:.2} s, first pull {:.2} s",
            cpu_pushed - cpu_before,
            cpu_settled - cpu_pushed,
            cpu_seconds(server.pid()) - cpu_settled
        );
        eprintln!("server threads in the push: {}", thread_cpu_diff(&threads_before, &threads_pushed));
        eprintln!("server threads in the settle: {}", thread_cpu_diff(&threads_pushed, &threads_settled));
        eprintln!("server threads in the first pull: {}", thread_cpu_diff(&threads_settled, &threads_pulled));
    }
    // The same data on two passphrase laptops (the rep's and the manager's first syncs).
    let (p, q) = (dir.path().join("laptop-p"), dir.path().join("laptop-q"));
    showroom(&p, &["sync", "--server", &server.url(), "--user", "rep@bench"], None);
    showroom(&q, &["sync", "--server", &server.url(), "--user", "manager@bench"], None);

    // One edit from A seen on B: three commands, median of 5.
    let mut next = n;
    let mut edit = |from: &Path, to: &Path, keyring: Option<&Keyring>| -> f64 {
        let mut times: Vec<f64> = (0..5)
            .map(|k| {
                let one = dir.path().join(format!("one-{next}-{k}.csv"));
                write_csv(&one, next + k, 1);
                let t = Instant::now();
                let (import, _) = showroom(from, &["import", "customers", one.to_str().unwrap()], keyring);
                let (push, _) = showroom(from, &["sync"], keyring);
                let (pull, seen) = showroom(to, &["sync"], keyring);
                let ms = t.elapsed().as_secs_f64() * 1e3;
                if std::env::var_os("SHOWROOM_BENCH_VERBOSE").is_some() {
                    eprintln!(
                        "one edit ({}): import {:.1} ms, sync A {:.1} ms, sync B {:.1} ms",
                        if keyring.is_some() { "keyring" } else { "passphrase" },
                        import * 1e3,
                        push * 1e3,
                        pull * 1e3
                    );
                }
                assert!(seen.contains(" applied") && !seen.contains("(0 applied"), "B did not get the edit: {seen}");
                ms
            })
            .collect();
        next += 5;
        times.sort_by(f64::total_cmp);
        times[2]
    };
    let one_edit_ms = edit(&a, &b, k);
    let one_edit_passphrase_ms = edit(&p, &q, None);

    let server_rss = server.pid().map(peak_rss_mb).unwrap_or(f64::NAN);
    let (server_mb, server_tables) = match &url {
        Some(url) => {
            drop(server);
            let sizes = postgres_sizes(url);
            let _ = showroom_sync::testpg::drop_database(url);
            sizes
        }
        None => {
            let store = rusqlite::Connection::open_with_flags(
                server_dir.join("sync.sqlite3"),
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .unwrap();
            // A copy of the server's store to study (scripts/state-layouts reads one).
            if let Some(keep) = std::env::var_os("SHOWROOM_BENCH_KEEP_SERVER") {
                let _ = std::fs::remove_file(&keep);
                store.execute("VACUUM INTO ?1", [Path::new(&keep).to_string_lossy()]).unwrap();
            }
            let files = ["", "-wal", "-shm"].map(|s| server_dir.join(format!("sync.sqlite3{s}")));
            if std::env::var_os("SHOWROOM_BENCH_VERBOSE").is_some() {
                let free: i64 = store.query_row("PRAGMA freelist_count", (), |r| r.get(0)).unwrap();
                let sizes = files.clone().map(|f| size_mb([f]));
                eprintln!(
                    "server files: database {:.1} MB ({free} free pages), WAL {:.1} MB, shared memory {:.1} MB",
                    sizes[0], sizes[1], sizes[2]
                );
            }
            let mb = size_mb(files);
            (mb, largest(&store))
        }
    };
    Run {
        baseline,
        import,
        push,
        pull,
        one_edit_ms,
        one_edit_passphrase_ms,
        server_rss,
        server_mb,
        laptop_a_mb: folder_mb(&a),
        laptop_b_mb: folder_mb(&b),
        pushed: pushed.lines().next().unwrap_or_default().to_string(),
        pulled: pulled.lines().next().unwrap_or_default().to_string(),
        tables: tables_of(&q),
        server_tables,
    }
}

fn median(runs: &[Run], f: impl Fn(&Run) -> f64) -> f64 {
    let mut v: Vec<f64> = runs.iter().map(f).collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; sizes are the other arguments.
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.replace('_', "").parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![10_000, 50_000] } else { sizes };
    let runs: usize = std::env::var("SHOWROOM_BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3).max(1);
    let postgres = std::env::var("SHOWROOM_BENCH_STORE").is_ok_and(|s| s == "postgres");
    let cluster = postgres.then(|| TestPostgres::start_durable().unwrap());
    let store = if postgres { "a throwaway PostgreSQL (fsync on)" } else { "a SQLite file" };
    println!(
        "sync end to end: release showroom CLI + showroom-sync on loopback, serving {store}; median of {runs} run(s)"
    );
    println!("baseline: the same records into a bare SQLite table, one transaction, same disk, same run\n");
    let mut table = Vec::new();
    for &n in &sizes {
        let all: Vec<Run> = (0..runs).map(|_| one_run(n, cluster.as_ref())).collect();
        let base = median(&all, |r| r.baseline);
        let line = |step: &str, s: f64| {
            println!("{n:>7} {step:<24} {:>8.2} s {:>10.0} customers/s {:>8.1}× baseline", s, n as f64 / s, s / base)
        };
        println!("{n:>7} {:<24} {:>8.3} s {:>10.0} customers/s", "baseline (bare insert)", base, n as f64 / base);
        let (import, push, pull) = (median(&all, |r| r.import), median(&all, |r| r.push), median(&all, |r| r.pull));
        line("import (CLI)", import);
        line("push (rep's first sync)", push);
        line("first pull (manager)", pull);
        let edit = median(&all, |r| r.one_edit_ms);
        println!(
            "{n:>7} {:<24} {:>8.1} ms (three commands: import one, sync A, sync B; keyring)",
            "one edit A → B", edit
        );
        let edit_p = median(&all, |r| r.one_edit_passphrase_ms);
        println!(
            "{n:>7} {:<24} {:>8.1} ms (the same with a passphrase: argon2id in each command)",
            "one edit P → Q", edit_p
        );
        let (rss, smb, amb, bmb) = (
            median(&all, |r| r.server_rss),
            median(&all, |r| r.server_mb),
            median(&all, |r| r.laptop_a_mb),
            median(&all, |r| r.laptop_b_mb),
        );
        println!(
            "{n:>7} server peak RSS {rss:.0} MB; on disk: server {smb:.1} MB ({:.0} B a customer), rep's laptop {amb:.1} MB ({:.0} B), manager's {bmb:.1} MB",
            smb * 1e6 / n as f64,
            amb * 1e6 / n as f64
        );
        println!("{n:>7} {}\n{n:>7} {}", all[0].pushed, all[0].pulled);
        println!("{n:>7} manager's laptop a customer: {}", per_customer(&all[0].tables, n));
        println!("{n:>7} server a customer: {}\n", per_customer(&all[0].server_tables, n));
        table.push((n, import, push, pull, edit, rss, smb, amb));
    }
    println!(
        "{:>7} | {:>9} | {:>9} | {:>10} | {:>9} | {:>8} | {:>9} | {:>9}",
        "N", "import s", "push s", "pull s", "edit ms", "srv RSS", "srv MB", "laptop MB"
    );
    for (n, i, p, l, e, r, s, a) in table {
        println!("{n:>7} | {i:>9.2} | {p:>9.2} | {l:>10.2} | {e:>9.1} | {r:>8.0} | {s:>9.1} | {a:>9.1}");
    }
    println!(
        "\ngoals (issue 15, 50,000 customers): import < 2 s; push and first pull < 3.5 s each (the peer: 33.9 s and 28.2 s);\n\
         server ≤ 1 KB and laptop ≤ 2 KB a customer; one edit A → B < 100 ms through the CLI; cost linear in N"
    );
}
