//! Sync benchmark: server ingest (changes/s, pushes of 1,000), client apply (changes/s, pages of
//! 1,000), a rep's first sync of a 50k-record partition over HTTP on loopback, and one edit's round
//! trip (rep A pushes, rep B's device pulls it) on loopback. Real SQLite files in the temp folder.
//! Prints medians.
//!
//!     cargo bench -p showroom-sync --bench sync
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run

use serde_json::{Map, Value};
use showroom_core::domain::{Customer, Interaction, Timestamp};
use showroom_core::store::Store;
use showroom_core::sync::client::Client;
use showroom_core::sync::merge::FieldChange;
use showroom_core::sync::protocol::{Push, WireChange};
use showroom_core::sync::{Clock, Hlc};
use showroom_sync::storage::{Role, SqliteStorage, Storage, User};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn now_ms() -> u64 {
    Timestamp::now().millis() as u64
}

/// The field changes that create `n` customers owned by `owner`, each with `per` interactions
/// (one write per row, like a device's outbox).
fn partition(owner: Uuid, customers: usize, per: usize, node: Uuid) -> Vec<FieldChange> {
    let mut clock = Clock::new(node, None);
    let mut out = Vec::new();
    let mut add = |table: &str, id: Uuid, fields: Map<String, Value>, hlc: Hlc| {
        for (k, v) in fields {
            if k != "id" {
                out.push(FieldChange {
                    change_id: Uuid::now_v7(),
                    table: table.into(),
                    row_id: id,
                    field: k,
                    value: v,
                    hlc,
                    author: None,
                });
            }
        }
    };
    for i in 0..customers {
        let mut c = Customer::blank(Uuid::now_v7(), Timestamp::now());
        c.owner_id = Some(owner);
        c.first_name = format!("First{i}");
        c.last_name = format!("Last{i}");
        c.city = "Austin".into();
        let Value::Object(f) = serde_json::to_value(&c).unwrap() else { unreachable!() };
        add("customers", c.id, f, clock.tick(now_ms()));
        for j in 0..per {
            let it: Interaction = serde_json::from_value(serde_json::json!({
                "id": Uuid::now_v7(), "customer_id": c.id, "channel": "call", "direction": "outbound",
                "summary": format!("Call {j} about the lease"), "duration_s": 120, "author_id": owner,
                "occurred_at": Timestamp::now(), "created_at": Timestamp::now()
            }))
            .unwrap();
            let Value::Object(f) = serde_json::to_value(&it).unwrap() else { unreachable!() };
            add("interactions", it.id, f, clock.tick(now_ms()));
        }
    }
    out
}

fn pushes(changes: &[FieldChange], device: Uuid) -> Vec<Push> {
    // Cut like the client does: never inside one row's write.
    let planned: Vec<_> = changes
        .iter()
        .map(|c| showroom_core::sync::plan::Planned { table: &c.table, row_id: c.row_id, hlc: c.hlc })
        .collect();
    showroom_core::sync::plan::push_batches(&planned, 1000)
        .into_iter()
        .map(|r| Push { device_id: device, changes: changes[r].iter().map(WireChange::from_change).collect() })
        .collect()
}

fn setup(dir: &std::path::Path) -> (SqliteStorage, User, User, User) {
    let s = SqliteStorage::open(&dir.join("server.sqlite3")).unwrap();
    s.create_dealership("Bench Motors").unwrap();
    let hash = showroom_sync::auth::hash_password("bench password").unwrap();
    let mgr = s.add_user(None, "mgr", "Manager", Role::Manager, &hash).unwrap();
    let a = s.add_user(None, "a", "Rep A", Role::Rep, &hash).unwrap();
    let b = s.add_user(None, "b", "Rep B", Role::Rep, &hash).unwrap();
    (s, mgr, a, b)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (server, mgr, rep_a, rep_b) = setup(dir.path());

    // 1. Server ingest: a rep's device pushes 50 batches of 1,000 changes.
    let device = Uuid::now_v7();
    let changes = partition(rep_a.id, 2_700, 0, device);
    let batches = pushes(&changes, device);
    let mut rates = Vec::new();
    for p in batches.iter().take(50) {
        let t = Instant::now();
        server.push(&rep_a, p, now_ms()).unwrap();
        rates.push(p.changes.len() as f64 / t.elapsed().as_secs_f64());
    }
    println!(
        "server ingest       median {:>9.0} changes/s over {} pushes of ~1,000  (target >= 50,000)",
        median(rates),
        batches.len().min(50)
    );

    // 2. Client apply: pages of 1,000 new changes into a fresh store file.
    let store_dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&store_dir.path().join("apply.sqlite3")).unwrap();
    let mut rates = Vec::new();
    for page in changes.chunks(1000).take(50) {
        let t = Instant::now();
        store.apply_remote(page).unwrap();
        rates.push(page.len() as f64 / t.elapsed().as_secs_f64());
    }
    println!(
        "client apply        median {:>9.0} changes/s over 50 pages of 1,000           (target >= 100,000)",
        median(rates)
    );
    // Edits to existing rows (the steady state): one field of each of 1,000 rows per page.
    let mut clock = Clock::new(Uuid::now_v7(), None);
    let rows: Vec<Uuid> = changes.iter().filter(|c| c.field == "city").map(|c| c.row_id).collect();
    let mut rates = Vec::new();
    for round in 0..20 {
        let page: Vec<FieldChange> = rows
            .iter()
            .take(1000)
            .map(|r| FieldChange {
                change_id: Uuid::now_v7(),
                table: "customers".into(),
                row_id: *r,
                field: "city".into(),
                value: Value::String(format!("Town {round}")),
                hlc: clock.tick(now_ms()),
                author: None,
            })
            .collect();
        let t = Instant::now();
        store.apply_remote(&page).unwrap();
        rates.push(page.len() as f64 / t.elapsed().as_secs_f64());
    }
    println!("client apply edits  median {:>9.0} changes/s over 20 pages of 1,000 edits", median(rates));
    drop(store);

    // 3. First sync of rep B's 50k-record partition (5,000 customers x 9 interactions), over HTTP.
    let big = partition(rep_b.id, 5_000, 9, Uuid::now_v7());
    let records = 5_000 * 10;
    let t = Instant::now();
    for p in pushes(&big, Uuid::now_v7()) {
        server.push(&mgr, &p, now_ms()).unwrap();
    }
    println!(
        "  (loaded {} changes for {records} records on the server in {:.1} s)",
        big.len(),
        t.elapsed().as_secs_f64()
    );
    // Where the time goes: the server's side of the pulls alone, with and without JSON encoding.
    let (mut since, mut n, t, mut json_s, mut bytes) = (0, 0, Instant::now(), 0.0, 0usize);
    loop {
        let page = server.pull(&rep_b, Uuid::nil(), since, 1000).unwrap();
        n += page.changes.len();
        since = page.next_cursor;
        let tj = Instant::now();
        bytes += serde_json::to_vec(&page).unwrap().len();
        json_s += tj.elapsed().as_secs_f64();
        if !page.more {
            break;
        }
    }
    println!(
        "  (server side of a first sync: {n} changes read in {:.2} s, of which JSON {:.2} s, {} MB)",
        t.elapsed().as_secs_f64(),
        json_s,
        bytes / 1_000_000
    );
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let state = showroom_sync::AppState::new(Box::new(server));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    rt.spawn(showroom_sync::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let client = Client::new(&format!("http://{addr}")).unwrap();
    // Where the time goes: the pulls over HTTP with JSON decoding, applying nothing.
    {
        let b = Store::open(&store_dir.path().join("probe.sqlite3")).unwrap();
        let session = rt.block_on(client.sign_in("b", "bench password", b.device_id())).unwrap();
        let t = Instant::now();
        let mut since = 0;
        loop {
            let page = rt.block_on(client.pull(&session, since)).unwrap();
            since = page.next_cursor;
            if !page.more {
                break;
            }
        }
        println!("  (the same pulls over HTTP, decoded, not applied: {:.2} s)", t.elapsed().as_secs_f64());
    }
    let mut firsts = Vec::new();
    for run in 0..5 {
        let mut b = Store::open(&store_dir.path().join(format!("first{run}.sqlite3"))).unwrap();
        let session = rt.block_on(client.sign_in("b", "bench password", b.device_id())).unwrap();
        b.set_user(Some(session.user_id)).unwrap();
        let t = Instant::now();
        let report = rt.block_on(client.sync(&mut b, &session)).unwrap();
        let secs = t.elapsed().as_secs_f64();
        assert!(report.pulled >= big.len(), "{report:?}");
        assert!(report.mismatched.is_empty());
        firsts.push(secs);
    }
    let runs = firsts.iter().map(|s| format!("{s:.2}")).collect::<Vec<_>>().join(", ");
    println!(
        "first sync          median {:>9.2} s for {records} records ({} changes), runs {runs} s   (target < 3 s)",
        median(firsts.clone()),
        big.len()
    );

    // 4. Round trip: A edits one field and syncs; B's device syncs and has it.
    let mut a = Store::open(&store_dir.path().join("rt_a.sqlite3")).unwrap();
    let mut b = Store::open(&store_dir.path().join("rt_b.sqlite3")).unwrap();
    let sa = rt.block_on(client.sign_in("a", "bench password", a.device_id())).unwrap();
    let sm = rt.block_on(client.sign_in("mgr", "bench password", b.device_id())).unwrap();
    a.set_user(Some(sa.user_id)).unwrap();
    b.set_user(Some(sm.user_id)).unwrap();
    let mut c = Customer::blank(Uuid::now_v7(), Timestamp::now());
    c.owner_id = Some(sa.user_id);
    c.first_name = "Round".into();
    c.last_name = "Trip".into();
    a.write(|w| w.insert(&c)).unwrap();
    rt.block_on(client.sync(&mut a, &sa)).unwrap();
    rt.block_on(client.sync(&mut b, &sm)).unwrap();
    let mut trips = Vec::new();
    for i in 0..50 {
        let t = Instant::now();
        a.write(|w| {
            let old: Customer = w.get(c.id)?;
            w.update(&old, &Customer { city: format!("City {i}"), ..old.clone() }).map(|_| ())
        })
        .unwrap();
        rt.block_on(client.sync(&mut a, &sa)).unwrap();
        rt.block_on(client.sync(&mut b, &sm)).unwrap();
        let got: Customer = showroom_core::store::get(b.conn(), c.id).unwrap();
        assert_eq!(got.city, format!("City {i}"));
        trips.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "one-edit round trip median {:>9.2} ms (edit, A syncs, B syncs and has it), 50 runs   (target < 50 ms)",
        median(trips)
    );
    let _ = stop.send(());
    std::thread::sleep(Duration::from_millis(50));
}
