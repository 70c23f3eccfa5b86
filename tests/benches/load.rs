//! Load (issue 17): a dealer group on one `showroom-sync` process on loopback. `ROOFTOPS`
//! dealerships of one manager and reps each, `DEVICES` devices in all; every device is a real
//! core store (SQLite file) running real sync rounds over HTTP, and every `INTERVAL` (± 50 %) it
//! makes a few edits (a rep creates customers and edits its own; a manager edits any customer of
//! its rooftop, so edits collide) and syncs. Runs for `SECS`, bounded; loopback only.
//!
//! Every `NEWCOMER_S` seconds a fresh laptop of a rooftop's manager makes its first sync (the whole
//! rooftop) among them; it is timed apart.
//!
//! Prints the p50 and p99 of every push and pull request as the devices saw it (HTTP round trip,
//! on this same machine as the devices' own work), errors (refused requests and failed rounds),
//! the server's peak RSS (VmHWM) and its database size. Then every device syncs twice more and
//! convergence is checked: every round reports no partition checksum mismatch; every rep's
//! customers are exactly the rooftop manager's customers owned by that rep, field for field; each
//! manager holds every customer its reps created. Last, the log is compacted with `showroom-sync
//! compact --keep-days 0` while the server runs, everyone syncs and is checked again, and a laptop
//! that never synced takes the compacted log and must equal its manager's copy.
//!
//!     scripts/bench-load                                  # 500 devices, 20 rooftops, 10 minutes
//!     SHOWROOM_LOAD_SECS=60 SHOWROOM_LOAD_DEVICES=100 scripts/bench-load
//!
//! Before the load, 500 one-row commits into a bare SQLite file on the same disk (WAL,
//! synchronous=FULL, as the server commits) give the floor a push pays; pushes are printed beside it.
//!
//! `SHOWROOM_LOAD_STORE=postgres` runs the same load on PostgreSQL instead: a throwaway cluster of
//! Debian's server (fsync on, as in production) on 127.0.0.1, `SHOWROOM_LOAD_SERVERS` (1) server
//! processes on it, the devices spread over them; the floor is then 500 one-row commits into
//! PostgreSQL through the same driver, and the cluster's memory (PSS of its processes) is printed
//! beside the servers'.
//!
//!     SHOWROOM_LOAD_STORE=postgres SHOWROOM_LOAD_SERVERS=2 scripts/bench-load
//!
//! Environment: SHOWROOM_LOAD_DEVICES (500), SHOWROOM_LOAD_ROOFTOPS (20), SHOWROOM_LOAD_SECS
//! (600), SHOWROOM_LOAD_INTERVAL_MS (5000), SHOWROOM_LOAD_NEWCOMER_S (20; 0 for none). Asserts convergence and reports figures; the goals
//! (0 errors, p99 push and pull < 100 ms, RSS < 300 MB) are printed beside them, not asserted.
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run

use showroom_core::domain::{Customer, Timestamp};
use showroom_core::store::Store;
use showroom_core::sync::client::{Client, Http};
use showroom_core::sync::protocol::{PullPage, Push, PushAck};
use showroom_core::sync::round::{Refusal, Session, SyncError, SyncReport, Transport, round};
use showroom_e2e::{Guard, binary, free_port, wait_for_port};
use showroom_sync::auth::{hash_password, new_token};
use showroom_sync::storage::Role;
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Latencies (µs) of each kind of request, and the failures.
#[derive(Default)]
struct Stats {
    push: Vec<u64>,
    pull: Vec<u64>,
    errors: Vec<String>,
}

/// The HTTP transport, timing each request.
struct Timed<'a> {
    http: Http<'a>,
    stats: &'a Mutex<Stats>,
}

impl Transport for Timed<'_> {
    async fn push(&self, push: std::sync::Arc<Push>) -> Result<PushAck, Refusal> {
        let t = Instant::now();
        let r = self.http.push(push).await;
        let mut s = self.stats.lock().unwrap();
        s.push.push(t.elapsed().as_micros() as u64);
        if let Err(e) = &r {
            s.errors.push(format!("push: {} {}", e.status, e.error));
        }
        r
    }

    async fn pull(&self, since: i64) -> Result<PullPage, SyncError> {
        let t = Instant::now();
        let r = self.http.pull(since).await;
        let mut s = self.stats.lock().unwrap();
        s.pull.push(t.elapsed().as_micros() as u64);
        if let Err(e) = &r {
            s.errors.push(format!("pull: {e}"));
        }
        r
    }
}

/// A tiny deterministic generator (xorshift), one per device.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

struct Device {
    rooftop: usize,
    manager: bool,
    store: Store,
    session: Session,
    rng: Rng,
    /// Customers this device created (a rep's own).
    created: Vec<Uuid>,
}

impl Device {
    /// A few edits, each its own transaction as in the app.
    fn edit(&mut self, tick: u64) {
        let me = self.session.user_id;
        let edits = 1 + self.rng.below(3);
        for e in 0..edits {
            if !self.manager && (self.created.len() < 3 || self.rng.below(4) == 0) {
                let mut c = Customer::blank(Uuid::now_v7(), Timestamp::now());
                c.owner_id = Some(me);
                c.first_name = format!("Load{}", self.created.len());
                c.last_name = format!("Rooftop{}", self.rooftop);
                c.city = "Austin".into();
                self.store.write(|w| w.insert(&c)).unwrap();
                self.created.push(c.id);
                continue;
            }
            let ids: Vec<String> = {
                let mut q = self.store.conn().prepare("SELECT id FROM customers WHERE deleted_at IS NULL").unwrap();
                q.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
            };
            if ids.is_empty() {
                continue;
            }
            let id: Uuid = ids[self.rng.below(ids.len() as u64) as usize].parse().unwrap();
            let who = if self.manager { "manager" } else { "rep" };
            self.store
                .write(|w| {
                    let old: Customer = w.get(id)?;
                    let new = if self.rng.below(2) == 0 {
                        Customer { notes: format!("{who} note {tick}.{e}"), ..old.clone() }
                    } else {
                        Customer { city: format!("City {tick}.{e}"), ..old.clone() }
                    };
                    w.update(&old, &new).map(|_| ())
                })
                .unwrap();
        }
    }

    async fn sync(&mut self, client: &Client, stats: &Mutex<Stats>) -> Option<SyncReport> {
        let timed = Timed { http: Http::new(client, &self.session), stats };
        match round(&timed, &mut self.store).await {
            Ok(r) => Some(r),
            Err(e) => {
                stats.lock().unwrap().errors.push(format!("round: {e}"));
                None
            }
        }
    }

    /// (id, owner, first, last, city, notes) of every live customer, by id.
    fn customers(&self) -> BTreeMap<String, Vec<Option<String>>> {
        let mut q = self
            .store
            .conn()
            .prepare("SELECT id, owner_id, first_name, last_name, city, notes FROM customers WHERE deleted_at IS NULL")
            .unwrap();
        q.query_map([], |r| Ok((r.get::<_, String>(0)?, (1..6).map(|i| r.get(i)).collect::<Result<Vec<_>, _>>()?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

/// 500 one-row commits into a bare SQLite table on the temp folder's disk, as the server commits a
/// push (WAL, synchronous=FULL): the floor of an acknowledged push here. Sorted, in µs.
fn commit_floor(dir: &Path) -> Vec<u64> {
    let conn = rusqlite::Connection::open(dir.join("baseline.sqlite3")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)").unwrap();
    let mut out: Vec<u64> = (0..500)
        .map(|i| {
            let t = Instant::now();
            conn.execute("INSERT INTO t (v) VALUES (?1)", [format!("row {i}")]).unwrap();
            t.elapsed().as_micros() as u64
        })
        .collect();
    out.sort_unstable();
    out
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// One line: how many requests, p50, p99 and max (µs in, ms out), beside the target.
fn latencies(label: &str, sorted: &[u64]) {
    println!(
        "{label:<7} {:>7}  p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms   (target p99 < 100 ms)",
        sorted.len(),
        percentile(sorted, 0.5),
        percentile(sorted, 0.99),
        percentile(sorted, 1.0)
    );
}

fn status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn db_bytes(db: &str) -> u64 {
    if showroom_sync::storage::is_postgres(db) {
        return showroom_sync::storage::open(db).unwrap().log_size().unwrap().file_bytes;
    }
    ["", "-wal", "-shm"].iter().filter_map(|s| std::fs::metadata(format!("{db}{s}")).ok()).map(|m| m.len()).sum()
}

/// Everyone syncs twice (the second round brings what others pushed in the first); then every
/// round's checksums matched, and every rep's customers equal its manager's copy. Returns the
/// customers compared.
fn converge(
    rt: &tokio::runtime::Runtime,
    clients: &[Client],
    stats: &Mutex<Stats>,
    fleet: &mut [Device],
    rooftops: usize,
) -> usize {
    let mut mismatched = Vec::new();
    for _ in 0..2 {
        for (i, d) in fleet.iter_mut().enumerate() {
            let report = rt.block_on(d.sync(&clients[i % clients.len()], stats)).expect("a final round failed");
            mismatched.extend(report.mismatched.iter().map(|p| format!("{}: {p}", d.session.user)));
        }
    }
    assert!(mismatched.is_empty(), "partition checksums differ after the final rounds: {mismatched:?}");
    let errors = &stats.lock().unwrap().errors;
    assert!(errors.is_empty(), "the final rounds failed: {errors:?}");
    let mut checked = 0;
    for r in 0..rooftops {
        let manager = fleet.iter().find(|d| d.rooftop == r && d.manager).unwrap();
        let all = manager.customers();
        for rep in fleet.iter().filter(|d| d.rooftop == r && !d.manager) {
            let me = rep.session.user_id.to_string();
            let mine: BTreeMap<_, _> = all
                .iter()
                .filter(|(_, f)| f[0].as_deref() == Some(me.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert_eq!(rep.customers(), mine, "{} differs from its manager's copy", rep.session.user);
            for id in &rep.created {
                assert!(all.contains_key(&id.to_string()), "{} created {id}, its manager lacks it", rep.session.user);
            }
            checked += mine.len();
        }
    }
    checked
}

fn main() {
    let devices = env("SHOWROOM_LOAD_DEVICES", 500) as usize;
    let rooftops = (env("SHOWROOM_LOAD_ROOFTOPS", 20) as usize).clamp(1, devices.max(1));
    let secs = env("SHOWROOM_LOAD_SECS", 600);
    let interval = env("SHOWROOM_LOAD_INTERVAL_MS", 5000).max(10);
    let newcomer_every = env("SHOWROOM_LOAD_NEWCOMER_S", 20);
    let newcomers = secs.checked_div(newcomer_every).unwrap_or(0) as usize;
    let postgres = std::env::var("SHOWROOM_LOAD_STORE").is_ok_and(|s| s == "postgres");
    let servers = if postgres { env("SHOWROOM_LOAD_SERVERS", 1).max(1) as usize } else { 1 };
    let dir = tempfile::tempdir().unwrap();
    let cluster = postgres.then(|| showroom_sync::testpg::TestPostgres::start_durable().unwrap());
    let db = match &cluster {
        Some(c) => c.database().unwrap(),
        None => dir.path().join("sync.sqlite3").to_string_lossy().to_string(),
    };

    // The group: one manager per rooftop, the other devices reps, spread evenly; each device its
    // own token (minted here: 500 sign-ins would time argon2, not sync).
    let t = Instant::now();
    let hash = hash_password("load test password").unwrap();
    let mut accounts = Vec::new();
    let stores: Vec<Store> =
        (0..devices).map(|i| Store::open(&dir.path().join(format!("device{i}.sqlite3"))).unwrap()).collect();
    // Newcomers: a manager's fresh laptop, one every SHOWROOM_LOAD_NEWCOMER_S, pulling its whole
    // rooftop while the others push (pulls must not hold pushes up).
    let mut arrivals = Vec::new();
    // And one laptop of rooftop 0's manager that first syncs after the compaction at the end.
    let late;
    {
        let s = showroom_sync::storage::open(&db).unwrap();
        let now = Timestamp::now().millis();
        for r in 0..rooftops {
            s.create_dealership(&format!("Rooftop {r}")).unwrap();
        }
        for (d, store) in stores.iter().enumerate() {
            let rooftop = d % rooftops;
            let manager = d < rooftops;
            let login = format!("user{d}");
            let role = if manager { Role::Manager } else { Role::Rep };
            let user = s.add_user(Some(&format!("Rooftop {rooftop}")), &login, &login, role, &hash).unwrap();
            let device = store.device_id();
            let (token, token_hash) = new_token();
            s.add_token(&token_hash, user.id, device, None, now, now + 86_400_000).unwrap();
            accounts.push((rooftop, manager, token, user.id, login, role));
        }
        let store = Store::open(&dir.path().join("late.sqlite3")).unwrap();
        let (_, _, _, user_id, login, _) = &accounts[0];
        let (token, token_hash) = new_token();
        s.add_token(&token_hash, *user_id, store.device_id(), None, now, now + 86_400_000).unwrap();
        late = (store, token, *user_id, login.clone());
        for k in 0..newcomers {
            let store = Store::open(&dir.path().join(format!("newcomer{k}.sqlite3"))).unwrap();
            let (_, _, _, user_id, login, _) = &accounts[k % rooftops];
            let (token, token_hash) = new_token();
            s.add_token(&token_hash, *user_id, store.device_id(), None, now, now + 86_400_000).unwrap();
            arrivals.push((store, token, *user_id, login.clone()));
        }
    }
    let mut procs = Vec::new();
    let mut urls = Vec::new();
    for _ in 0..servers {
        let port = free_port();
        let server = Command::new(binary("showroom-sync"))
            .arg("--db")
            .arg(&db)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .unwrap();
        procs.push(Guard(server));
        assert!(wait_for_port(port, Duration::from_secs(20)), "showroom-sync did not start");
        urls.push(format!("http://127.0.0.1:{port}"));
    }
    let pids: Vec<u32> = procs.iter().map(|g| g.0.id()).collect();
    let url = urls[0].clone();

    let mut fleet = Vec::new();
    for (i, ((rooftop, manager, token, user_id, login, role), mut store)) in
        accounts.into_iter().zip(stores).enumerate()
    {
        store.set_user(Some(user_id)).unwrap();
        let session = Session {
            server: urls[i % servers].clone(),
            token,
            user_id,
            user: login,
            role: role.as_str().into(),
            expires_at: String::new(),
        };
        fleet.push(Device {
            rooftop,
            manager,
            store,
            session,
            rng: Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1)),
            created: vec![],
        });
    }
    println!(
        "load: {devices} devices ({rooftops} rooftops, one manager each), a sync every {interval} ms ± 50 % each, {secs} s; {} ({servers} server process{}); set up in {:.1} s",
        if postgres { "PostgreSQL" } else { "SQLite" },
        if servers == 1 { "" } else { "es" },
        t.elapsed().as_secs_f64()
    );

    let floor = if postgres { pg_commit_floor(&db) } else { commit_floor(dir.path()) };
    println!(
        "baseline: a bare {} commit of one row ({}) on the same disk: p50 {:.2} ms, p99 {:.2} ms",
        if postgres { "PostgreSQL" } else { "SQLite" },
        if postgres { "fsync on, through the server's driver" } else { "WAL, synchronous=FULL, as the server" },
        percentile(&floor, 0.5),
        percentile(&floor, 0.99)
    );
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
    let clients: Vec<Client> = urls.iter().map(|u| Client::new(u).unwrap()).collect();
    let client = clients[0].clone();
    let stats = Arc::new(Mutex::new(Stats::default()));
    let start = Instant::now();
    let end = start + Duration::from_secs(secs);
    let first_syncs = {
        let (client, url) = (client.clone(), url.clone());
        rt.spawn(async move {
            let stats = Mutex::new(Stats::default());
            let mut took = Vec::new();
            for (k, (mut store, token, user_id, user)) in arrivals.into_iter().enumerate() {
                tokio::time::sleep_until((start + Duration::from_secs(newcomer_every * (k as u64 + 1))).into()).await;
                if Instant::now() >= end {
                    break;
                }
                store.set_user(Some(user_id)).unwrap();
                let session = Session {
                    server: url.clone(),
                    token,
                    user_id,
                    user,
                    role: "manager".into(),
                    expires_at: String::new(),
                };
                let t = Instant::now();
                let timed = Timed { http: Http::new(&client, &session), stats: &stats };
                match round(&timed, &mut store).await {
                    Ok(r) if r.mismatched.is_empty() => took.push((t.elapsed().as_secs_f64(), r.pulled)),
                    Ok(r) => stats.lock().unwrap().errors.push(format!("first sync: mismatched {:?}", r.mismatched)),
                    Err(e) => stats.lock().unwrap().errors.push(format!("first sync: {e}")),
                }
            }
            (took, stats.into_inner().unwrap())
        })
    };
    let handles: Vec<_> = fleet
        .into_iter()
        .enumerate()
        .map(|(i, mut d)| {
            let (client, stats) = (clients[i % servers].clone(), stats.clone());
            rt.spawn(async move {
                // Devices start spread over the first interval.
                tokio::time::sleep(Duration::from_millis(interval * i as u64 / devices as u64)).await;
                let mut tick = 0;
                while Instant::now() < end {
                    tick += 1;
                    d.edit(tick);
                    d.sync(&client, &stats).await;
                    let wait = interval / 2 + d.rng.below(interval);
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                }
                d
            })
        })
        .collect();
    let mut fleet: Vec<Device> = handles.into_iter().map(|h| rt.block_on(h).unwrap()).collect();
    let ran = start.elapsed().as_secs_f64();
    let (mut took, newcomer_stats) = rt.block_on(first_syncs).unwrap();
    let hwm: u64 = pids.iter().map(|p| status_kb(*p, "VmHWM:")).max().unwrap_or(0);
    let cluster_pss = cluster.as_ref().and_then(|c| c.postmaster_pid()).map(cluster_pss_kb);

    let (mut push, mut pull, errors) = {
        let mut s = stats.lock().unwrap();
        (std::mem::take(&mut s.push), std::mem::take(&mut s.pull), std::mem::take(&mut s.errors))
    };
    push.sort_unstable();
    pull.sort_unstable();
    let customers: usize = fleet.iter().map(|d| d.created.len()).sum();
    latencies("pushes", &push);
    println!(
        "        a push's p50 is {:.1}× the bare commit's, its p99 {:.1}× (the floor every acknowledged push pays)",
        percentile(&push, 0.5) / percentile(&floor, 0.5),
        percentile(&push, 0.99) / percentile(&floor, 0.99)
    );
    latencies("pulls", &pull);
    println!(
        "rate    {:.0} requests/s over {ran:.0} s; {customers} customers created",
        (push.len() + pull.len()) as f64 / ran
    );
    if !took.is_empty() {
        took.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut pages = newcomer_stats.pull.clone();
        pages.sort_unstable();
        let (secs_mid, changes_mid) = took[took.len() / 2];
        println!(
            "newcomers {} first syncs of a whole rooftop as manager: median {secs_mid:.2} s ({changes_mid} changes); their pages p50 {:.1} ms p99 {:.1} ms",
            took.len(),
            percentile(&pages, 0.5),
            percentile(&pages, 0.99)
        );
    }
    let errors: Vec<String> = errors.into_iter().chain(newcomer_stats.errors).collect();
    println!("errors  {}   (target 0)", errors.len());
    for e in errors.iter().take(5) {
        println!("  {e}");
    }
    println!(
        "server  peak RSS {:.0} MB (target < 300 MB{}); database {:.1} MB",
        hwm as f64 / 1024.0,
        if servers > 1 { ", the largest of the processes" } else { "" },
        db_bytes(&db) as f64 / 1e6
    );
    if let Some(kb) = cluster_pss {
        println!("postgres cluster PSS at the end {:.0} MB (all its processes)", kb as f64 / 1024.0);
    }

    let checked = converge(&rt, &clients, &stats, &mut fleet, rooftops);
    println!(
        "converged: every device's checksums match the server's; {checked} customers identical on rep and manager"
    );

    // Compaction while the server runs (`--keep-days 0`: every superseded value goes), then
    // everyone syncs again, and a laptop that has never synced takes the compacted log.
    let out = Command::new(binary("showroom-sync"))
        .arg("--db")
        .arg(&db)
        .args(["compact", "--keep-days", "0"])
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(out.status.success(), "compact failed: {}", String::from_utf8_lossy(&out.stderr));
    println!("compact {}", String::from_utf8_lossy(&out.stdout).trim());
    let checked = converge(&rt, &clients, &stats, &mut fleet, rooftops);
    let (mut store, token, user_id, user) = late;
    store.set_user(Some(user_id)).unwrap();
    let session =
        Session { server: url.clone(), token, user_id, user, role: "manager".into(), expires_at: String::new() };
    let mut fresh = Device { rooftop: 0, manager: true, store, session, rng: Rng(1), created: vec![] };
    let report = rt.block_on(fresh.sync(&client, &stats)).expect("the fresh laptop's first sync failed");
    assert!(report.mismatched.is_empty(), "{report:?}");
    let manager = fleet.iter().find(|d| d.rooftop == 0 && d.manager).unwrap();
    assert_eq!(fresh.customers(), manager.customers(), "a laptop synced after compaction differs");
    println!(
        "after compaction: converged again ({checked} customers), and a new laptop's first sync ({} changes) equals its manager's copy",
        report.pulled
    );
    drop(procs);
}

/// 500 one-row commits into a bare PostgreSQL table, each its own transaction, through the same
/// pooled driver the server uses (fsync on). Sorted, in µs.
fn pg_commit_floor(url: &str) -> Vec<u64> {
    let s = showroom_sync::storage::pg::PgStorage::open(url).unwrap();
    s.inspect("CREATE TABLE baseline (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v TEXT NOT NULL)", &[])
        .unwrap();
    let mut out: Vec<u64> = (0..500)
        .map(|i| {
            let t = Instant::now();
            s.inspect("INSERT INTO baseline (v) VALUES (?1)", &[&format!("row {i}")]).unwrap();
            t.elapsed().as_micros() as u64
        })
        .collect();
    out.sort_unstable();
    out
}

/// The proportional set size of a PostgreSQL cluster: its postmaster and every child (shared
/// buffers counted once across them).
fn cluster_pss_kb(postmaster: u32) -> u64 {
    let parent = |pid: &str| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()
    };
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|pid| pid.chars().all(|c| c.is_ascii_digit()))
        .filter(|pid| pid == &postmaster.to_string() || parent(pid) == Some(postmaster))
        .map(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
                .unwrap_or_default()
                .lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum()
}
