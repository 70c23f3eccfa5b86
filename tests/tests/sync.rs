//! Sync through a real `showroom-sync` process on a loopback port, with real SQLite files for the
//! server and every replica: two reps and a manager of one dealership, plus a rep of another.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use serde_json::json;
use showroom_core::domain::{Customer, Interaction, Timestamp, Vehicle, VehicleStatus, new_id};
use showroom_core::store::{Store, get};
use showroom_core::sync::client::Client;
use showroom_core::sync::protocol::{MAX_PUSH, Push, WireChange};
use showroom_core::sync::round::Session;
use showroom_core::sync::round::SyncError;
use showroom_e2e::SyncServer;
use std::path::Path;
use uuid::Uuid;

const PW: &str = "correct horse battery";

struct Replica {
    store: Store,
    session: Session,
}

impl Replica {
    async fn sign_in(client: &Client, dir: &Path, name: &str, login: &str) -> Replica {
        let mut store = Store::open(&dir.join(format!("{name}.sqlite3"))).unwrap();
        let session = client.sign_in(login, PW, store.device_id()).await.unwrap();
        store.set_user(Some(session.user_id)).unwrap();
        Replica { store, session }
    }

    async fn sync(&mut self, client: &Client) -> showroom_core::sync::round::SyncReport {
        client.sync(&mut self.store, &self.session).await.unwrap()
    }

    fn customer(&self, id: Uuid) -> Option<Customer> {
        get::<Customer>(self.store.conn(), id).ok()
    }

    fn edit_customer(&mut self, id: Uuid, f: impl FnOnce(&mut Customer)) {
        self.store
            .write(|w| {
                let old: Customer = w.get(id)?;
                let mut new = old.clone();
                f(&mut new);
                w.update(&old, &new)?;
                Ok(())
            })
            .unwrap();
    }

    fn history(&self, id: Uuid, field: &str) -> Vec<String> {
        let mut stmt =
            self.store.conn().prepare("SELECT value FROM field_history WHERE row_id = ?1 AND field = ?2").unwrap();
        stmt.query_map([id.to_string(), field.to_string()], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
    }
}

/// A server with reps Ana and Bo and manager Mia, each signed in on their own laptop and synced once.
async fn two_reps_and_a_manager(dir: &Path) -> (SyncServer, Client, [Replica; 3]) {
    let server = SyncServer::start(dir, "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    server.add_user("bo", "Bo Chen", "rep", None, PW);
    server.add_user("mia", "Mia Stone", "manager", None, PW);
    let client = Client::new(&server.url()).unwrap();
    let mut a = Replica::sign_in(&client, dir, "a", "ana").await;
    let mut b = Replica::sign_in(&client, dir, "b", "bo").await;
    let mut m = Replica::sign_in(&client, dir, "m", "mia").await;
    for r in [&mut a, &mut b, &mut m] {
        r.sync(&client).await;
    }
    (server, client, [a, b, m])
}

/// A 2026 RAV4 sold to `c` at `now` by its owner, $2,500 gross.
fn sold_rav4(c: &Customer, now: Timestamp) -> showroom_core::domain::Opportunity {
    serde_json::from_value(json!({
        "id": new_id(), "customer_id": c.id, "lead_id": null, "vehicle_id": null,
        "stage_id": showroom_core::pipeline::default_stage_id(10), "title": "2026 RAV4", "amount_cents": 3_500_000,
        "owner_id": c.owner_id, "status": "won", "expected_close": null, "lost_reason": "",
        "stage_entered_at": now, "closed_at": now, "created_at": now, "updated_at": now, "deleted_at": null,
        "gross_cents": 250_000
    }))
    .unwrap()
}

fn new_customer(owner: Uuid, first: &str, last: &str) -> Customer {
    let mut c = Customer::blank(new_id(), Timestamp::now());
    c.owner_id = Some(owner);
    c.first_name = first.into();
    c.last_name = last.into();
    c.city = "Austin".into();
    c
}

fn server_count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reps_and_a_manager_converge_and_only_see_what_they_may() {
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    server.add_user("bo", "Bo Chen", "rep", None, PW);
    server.add_user("mia", "Mia Stone", "manager", None, PW);
    server.admin(&["dealership", "add", "Hilltop Cars"], None);
    server.add_user("zed", "Zed Hill", "rep", Some("Hilltop Cars"), PW);
    let client = Client::new(&server.url()).unwrap();
    let mut a = Replica::sign_in(&client, dir.path(), "a", "ana").await;
    let mut b = Replica::sign_in(&client, dir.path(), "b", "bo").await;
    let mut m = Replica::sign_in(&client, dir.path(), "m", "mia").await;
    let mut z = Replica::sign_in(&client, dir.path(), "z", "zed").await;

    // Rep A creates a customer (with a timeline entry) offline, then syncs; the manager sees it.
    let dana = new_customer(a.session.user_id, "Dana", "Whitfield");
    let call: Interaction = serde_json::from_value(json!({
        "id": new_id(), "customer_id": dana.id, "channel": "call", "direction": "outbound",
        "summary": "Asked about the F-150 lease", "duration_s": 240, "author_id": a.session.user_id,
        "occurred_at": Timestamp::now(), "created_at": Timestamp::now()
    }))
    .unwrap();
    a.store.write(|w| w.insert(&dana).and_then(|_| w.insert(&call))).unwrap();
    let pushed = a.sync(&client).await;
    assert!(pushed.pushed >= 14, "{pushed:?}");
    assert_eq!(a.store.pending_changes().unwrap(), 0, "acknowledged changes leave the outbox");
    m.sync(&client).await;
    assert_eq!(m.customer(dana.id).unwrap(), dana);
    assert_eq!(get::<Interaction>(m.store.conn(), call.id).unwrap(), call);

    // Rep B and the other dealership see none of it.
    b.sync(&client).await;
    z.sync(&client).await;
    assert!(b.customer(dana.id).is_none());
    assert!(z.customer(dana.id).is_none());

    // Different fields edited offline by A and the manager: both survive everywhere.
    a.edit_customer(dana.id, |c| c.city = "Round Rock".into());
    m.edit_customer(dana.id, |c| c.postal_code = "78664".into());
    a.sync(&client).await;
    m.sync(&client).await;
    a.sync(&client).await;
    for r in [&a, &m] {
        let c = r.customer(dana.id).unwrap();
        assert_eq!((c.city.as_str(), c.postal_code.as_str()), ("Round Rock", "78664"));
    }

    // The same field: the later HLC wins on every replica and the loser is in the history.
    m.edit_customer(dana.id, |c| c.notes = "Manager: wants red".into());
    std::thread::sleep(std::time::Duration::from_millis(5));
    a.edit_customer(dana.id, |c| c.notes = "Ana: prefers blue".into());
    m.sync(&client).await;
    a.sync(&client).await;
    m.sync(&client).await;
    for r in [&a, &m] {
        assert_eq!(r.customer(dana.id).unwrap().notes, "Ana: prefers blue");
        assert!(r.history(dana.id, "notes").contains(&json!("Manager: wants red").to_string()));
    }
    // The manager's Conflicts view lists it, names who won, and "keep mine" makes a new edit.
    let conflicts = m.store.conflicts(50).unwrap();
    let mine = conflicts.iter().find(|c| c.field == "notes").expect("a notes conflict");
    assert_eq!(mine.mine, json!("Manager: wants red"));
    assert_eq!(mine.theirs, json!("Ana: prefers blue"));
    assert_eq!(mine.theirs_by.as_deref(), Some("Ana Ruiz"));
    assert_eq!(mine.record, "Dana Whitfield");
    m.store.keep_mine(mine.id).unwrap();
    assert!(m.store.conflicts(50).unwrap().iter().all(|c| c.field != "notes"));
    m.sync(&client).await;
    a.sync(&client).await;
    assert_eq!(a.customer(dana.id).unwrap().notes, "Manager: wants red");

    // Authorization: B's token can neither write nor read A's customer; nothing is stored.
    let before = server_count(&server.db, "SELECT COUNT(*) FROM log");
    let forged = Push {
        device_id: b.store.device_id(),
        changes: vec![WireChange {
            change_id: Uuid::now_v7(),
            table: "customers".into(),
            row_id: dana.id,
            field: "notes".into(),
            value: json!("Bo was here"),
            hlc: showroom_core::sync::Hlc {
                ms: Timestamp::now().millis() as u64,
                counter: 0,
                node: b.store.device_id(),
            }
            .to_string(),
            author: None,
        }],
    };
    let refused = client.push(&b.session, &forged).await.unwrap_err();
    assert_eq!(refused.status, 403);
    assert!(refused.body.unwrap().fields[0].field.starts_with("changes[0]"));
    let refused = client.push(&z.session, &forged).await.unwrap_err();
    assert_eq!(refused.status, 403, "another dealership cannot write either");
    assert_eq!(server_count(&server.db, "SELECT COUNT(*) FROM log"), before, "nothing stored");
    let page = client.pull(&b.session, 0).await.unwrap();
    assert!(page.changes.iter().all(|c| c.row_id != dana.id && c.row_id != call.id));
    let page = client.pull(&z.session, 0).await.unwrap();
    // Another dealership is invisible: Zed gets his own dealership's staff list and nothing else.
    assert!(
        page.changes.iter().all(|c| c.table == "users" && c.row_id == z.session.user_id),
        "{:?}",
        page.changes.iter().find(|c| c.row_id != z.session.user_id)
    );

    // Reassigning the customer moves the whole partition: B receives it with its timeline, A's copy goes.
    m.edit_customer(dana.id, |c| c.owner_id = Some(b.session.user_id));
    m.sync(&client).await;
    b.sync(&client).await;
    assert_eq!(b.customer(dana.id).unwrap().notes, "Manager: wants red");
    assert_eq!(get::<Interaction>(b.store.conn(), call.id).unwrap(), call);
    let report = a.sync(&client).await;
    assert!(report.evicted >= 2, "{report:?}");
    assert!(a.customer(dana.id).is_none());
    assert!(get::<Interaction>(a.store.conn(), call.id).is_err());
    assert!(report.mismatched.is_empty(), "{report:?}");

    // Revoked tokens get 401.
    client.sign_out(&b.session).await.unwrap();
    let err = client.pull(&b.session, 0).await.unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized(_)), "{err:?}");
    assert!(matches!(client.sign_in("ana", "wrong password!", Uuid::nil()).await, Err(SyncError::Unauthorized(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vehicle_goes_to_the_first_reservation_and_the_loser_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    server.add_user("bo", "Bo Chen", "rep", None, PW);
    server.add_user("mia", "Mia Stone", "manager", None, PW);
    let client = Client::new(&server.url()).unwrap();
    let mut a = Replica::sign_in(&client, dir.path(), "a", "ana").await;
    let mut b = Replica::sign_in(&client, dir.path(), "b", "bo").await;
    let mut m = Replica::sign_in(&client, dir.path(), "m", "mia").await;

    let truck: Vehicle = serde_json::from_value(json!({
        "id": new_id(), "vin": "1FTFW1E50PFA00001", "stock_no": "T100", "year": 2024, "make": "Ford",
        "model": "F-150", "trim": "XLT", "body": "Truck", "colour": "Red", "mileage": 12, "condition": "new",
        "msrp_cents": 5_500_000, "invoice_cents": 5_100_000, "price_cents": 5_350_000, "status": "available",
        "location": "Lot A", "received_at": Timestamp::now(), "created_at": Timestamp::now(),
        "updated_at": Timestamp::now(), "deleted_at": null
    }))
    .unwrap();
    m.store.write(|w| w.insert(&truck)).unwrap();
    m.sync(&client).await;
    a.sync(&client).await;
    b.sync(&client).await;
    let hold = |r: &mut Replica| {
        r.store
            .write(|w| {
                let old: Vehicle = w.get(truck.id)?;
                let new = Vehicle { status: VehicleStatus::OnHold, ..old.clone() };
                w.update(&old, &new).map(|_| ())
            })
            .unwrap()
    };
    // Both hold it offline; A's hold is even the later one by the clock. B syncs first and wins.
    hold(&mut b);
    std::thread::sleep(std::time::Duration::from_millis(5));
    hold(&mut a);
    b.sync(&client).await;
    let report = a.sync(&client).await;
    assert_eq!(report.refused, 1, "{report:?}");
    let notices = a.store.notices().unwrap();
    assert_eq!(notices.len(), 1);
    assert!(notices[0].message.contains("2024 Ford F-150 (stock T100)"), "{}", notices[0].message);
    assert!(notices[0].message.contains("Bo Chen"), "{}", notices[0].message);
    // Every replica ends with B's hold, A's included.
    m.sync(&client).await;
    for r in [&a, &b, &m] {
        let v = get::<Vehicle>(r.store.conn(), truck.id).unwrap();
        assert_eq!(v.status, VehicleStatus::OnHold);
    }
    let holder: String = rusqlite::Connection::open(&server.db)
        .unwrap()
        .query_row(
            "SELECT u.name FROM state s JOIN writes wr ON wr.id = s.w / 256 JOIN users u ON u.id = wr.user_id
             WHERE s.tbl = 'vehicles' AND s.field = 'status'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(holder, "Bo Chen");
    // A rep cannot change inventory itself; the change is set aside with the reason, never lost.
    a.store
        .write(|w| {
            let old: Vehicle = w.get(truck.id)?;
            w.update(&old, &Vehicle { price_cents: 1, ..old.clone() }).map(|_| ())
        })
        .unwrap();
    let report = a.sync(&client).await;
    assert_eq!(report.refused, 1);
    let kept = a.store.refused_changes().unwrap();
    assert_eq!(kept[0].field, "price_cents");
    assert!(kept[0].reason.contains("only a manager"), "{}", kept[0].reason);
    assert_eq!(a.store.pending_changes().unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_tokens_get_401_and_failed_sign_ins_are_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &["--token-ttl-secs", "1"]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    let client = Client::new(&server.url()).unwrap();
    let session = client.sign_in("ana", PW, Uuid::now_v7()).await.unwrap();
    client.pull(&session, 0).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    assert!(matches!(client.pull(&session, 0).await, Err(SyncError::Unauthorized(_))));
    for _ in 0..5 {
        assert!(matches!(
            client.sign_in("ana", "not the password", Uuid::nil()).await,
            Err(SyncError::Unauthorized(_))
        ));
    }
    let limited = client.sign_in("ana", PW, Uuid::nil()).await;
    assert!(matches!(limited, Err(SyncError::RateLimited(ref m)) if m.contains("try again")), "{limited:?}");
    // A disabled user's devices are told to erase their customer data, and the user cannot sign in.
    server.add_user("bo", "Bo Chen", "rep", None, PW);
    let bo = client.sign_in("bo", PW, Uuid::nil()).await.unwrap();
    server.admin(&["user", "disable", "bo"], None);
    assert!(matches!(client.pull(&bo, 0).await, Err(SyncError::Wiped(_))));
    assert!(matches!(client.sign_in("bo", PW, Uuid::nil()).await, Err(SyncError::Unauthorized(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_three_hours_ahead_cannot_push_edits_that_would_win_forever() {
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    let client = Client::new(&server.url()).unwrap();
    let path = dir.path().join("ahead.sqlite3");
    let store = Store::open(&path).unwrap();
    let device = store.device_id();
    let ahead =
        showroom_core::sync::Hlc { ms: Timestamp::now().millis() as u64 + 3 * 3600 * 1000, counter: 0, node: device };
    store.set_meta("hlc", &ahead.to_string()).unwrap();
    drop(store);
    let mut store = Store::open(&path).unwrap();
    let session = client.sign_in("ana", PW, device).await.unwrap();
    store.set_user(Some(session.user_id)).unwrap();
    let c = new_customer(session.user_id, "Tim", "Ahead");
    store.write(|w| w.insert(&c)).unwrap();
    let report = client.sync(&mut store, &session).await.unwrap();
    assert_eq!(report.pushed, 0);
    assert!(report.refused > 0);
    let kept = store.refused_changes().unwrap();
    assert!(kept[0].reason.contains("ahead of the server's clock"), "{}", kept[0].reason);
    assert_eq!(
        server_count(&server.db, "SELECT COUNT(*) FROM state WHERE tbl != 'users'"),
        0,
        "nothing from the skewed device is stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_push_loses_nothing_and_applies_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    server.add_user("mia", "Mia Stone", "manager", None, PW);
    let client = Client::new(&server.url()).unwrap();
    let mut a = Replica::sign_in(&client, dir.path(), "a", "ana").await;
    let mut m = Replica::sign_in(&client, dir.path(), "m", "mia").await;
    // ~9 changes a customer: enough for three pushes, so the kill lands while they are under way
    // (600 customers made one push since pushes carry MAX_PUSH changes, which a fast run finished
    // before the kill).
    let customers: Vec<Customer> =
        (0..MAX_PUSH / 3).map(|i| new_customer(a.session.user_id, &format!("First{i}"), &format!("Last{i}"))).collect();
    a.store
        .write(|w| {
            for c in &customers {
                w.insert(c)?;
            }
            Ok(())
        })
        .unwrap();
    let total = a.store.pending_changes().unwrap();
    assert!(total > 2 * MAX_PUSH as i64, "several pushes' worth: {total}");

    // Kill the server while the pushes are under way.
    let mut interrupted = false;
    {
        let sync = client.sync(&mut a.store, &a.session);
        tokio::pin!(sync);
        let killer = tokio::time::sleep(std::time::Duration::from_millis(150));
        tokio::pin!(killer);
        tokio::select! {
            r = &mut sync => { r.unwrap(); }
            () = &mut killer => {
                server.kill9();
                interrupted = true;
                let r = sync.await;
                assert!(matches!(r, Err(SyncError::Offline(_))), "{r:?}");
            }
        }
    }
    assert!(interrupted, "the push finished before the kill; raise the row count");
    let left = a.store.pending_changes().unwrap();
    assert!(left > 0, "the interrupted push is still in the outbox");
    server.restart();
    a.sync(&client).await;
    assert_eq!(a.store.pending_changes().unwrap(), 0);
    // The log keeps one entry per row write, its fields listed in it or named in the state (each
    // field's change id is the write id with the field's index in the last byte).
    let logged_sql = |what: &str| {
        format!(
            "SELECT {what} FROM log l, {} f WHERE l.kind = 'change' AND l.tbl = 'customers'",
            showroom_e2e::LOGGED_SQLITE
        )
    };
    let (logged, distinct) = (
        server_count(&server.db, &logged_sql("COUNT(*)")),
        server_count(
            &server.db,
            &logged_sql(&format!(
                "COUNT(DISTINCT substr({}, 1, 34) || printf('%02x', f.value ->> 0))",
                showroom_e2e::LOGGED_WRITE
            )),
        ),
    );
    assert_eq!(logged, total, "every change exactly once");
    assert_eq!(distinct, total);
    m.sync(&client).await;
    for c in &customers {
        assert_eq!(m.customer(c.id).as_ref(), Some(c));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_syncs_headless_with_a_password_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    server.add_user("mia", "Mia Stone", "manager", None, PW);
    let data = dir.path().join("ana-laptop");
    let csv = dir.path().join("walk-ins.csv");
    std::fs::write(&csv, "first_name,last_name,email\nRosa,Diaz,rosa@example.com\nKai,Ono,kai@example.com\n").unwrap();
    let run = |args: &[&str], password: &str| {
        let out = showroom_e2e::pin(&mut std::process::Command::new(showroom_e2e::binary("showroom")))
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .env("SHOWROOM_PASSWORD", password)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr))
    };
    let (ok, text) = run(&["import", "customers", csv.to_str().unwrap()], "");
    assert!(ok, "{text}");
    let url = server.url();
    let (ok, text) = run(&["sync", "--server", &url, "--user", "ana"], "not the password");
    assert!(!ok);
    assert!(text.contains("password:"), "{text}");
    let (ok, text) = run(&["sync", "--server", &url, "--user", "ana"], PW);
    assert!(ok, "{text}");
    assert!(text.contains("Signed in to") && text.contains("pushed ") && !text.contains("pushed 0"), "{text}");
    // The laptop knows where it signed in (the window's header) before anyone names the dealership.
    assert!(text.contains(" at Lakeside Motors as ana"), "{text}");
    // Later runs reuse the stored sign-in.
    let (ok, text) = run(&["sync"], "");
    assert!(ok && text.contains("pushed 0"), "{text}");
    let client = Client::new(&url).unwrap();
    let mut m = Replica::sign_in(&client, dir.path(), "m", "mia").await;
    m.sync(&client).await;
    let names: Vec<String> = showroom_core::store::query::<Customer>(m.store.conn(), "ORDER BY last_name", [])
        .unwrap()
        .into_iter()
        .map(|c| c.first_name)
        .collect();
    assert_eq!(names, ["Rosa", "Kai"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_certificate_the_server_speaks_tls_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    drop(server); // keep its database; serve it again over TLS
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert_pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.signing_key.serialize_pem()).unwrap();
    let port = showroom_e2e::free_port();
    let child = showroom_e2e::pin(&mut std::process::Command::new(showroom_e2e::binary("showroom-sync")))
        .arg("--db")
        .arg(dir.path().join("sync.sqlite3"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--tls-cert"])
        .arg(&cert_pem)
        .arg("--tls-key")
        .arg(&key_pem)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _guard = showroom_e2e::Guard(child);
    assert!(showroom_e2e::wait_for_port(port, std::time::Duration::from_secs(20)));
    let pem = cert.cert.pem();
    let client = Client::with_root_certificate(&format!("https://localhost:{port}"), Some(pem.as_bytes())).unwrap();
    let session = client.sign_in("ana", PW, Uuid::now_v7()).await.unwrap();
    client.pull(&session, 0).await.unwrap();
    // Plain HTTP to the same port gets nowhere, and an untrusted certificate is refused.
    let plain = Client::new(&format!("http://127.0.0.1:{port}")).unwrap();
    assert!(plain.sign_in("ana", PW, Uuid::now_v7()).await.is_err());
    let untrusting = Client::new(&format!("https://localhost:{port}")).unwrap();
    assert!(matches!(untrusting.sign_in("ana", PW, Uuid::now_v7()).await, Err(SyncError::Offline(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_the_floor_and_a_merge_travel_between_reps_and_the_manager() {
    use showroom_core::domain::Lead;
    use showroom_core::leads;
    use showroom_core::leads::floor::{self, Checkin};
    use showroom_core::leads::inbox::{self, Capture, Clock};
    use showroom_core::leads::merge::{self, MergeRequest};
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    server.add_user("bo", "Bo Chen", "rep", None, PW);
    server.add_user("mia", "Mia Stone", "manager", None, PW);
    let client = Client::new(&server.url()).unwrap();
    let mut a = Replica::sign_in(&client, dir.path(), "a", "ana").await;
    let mut b = Replica::sign_in(&client, dir.path(), "b", "bo").await;
    let mut m = Replica::sign_in(&client, dir.path(), "m", "mia").await;
    for r in [&mut a, &mut b, &mut m] {
        r.sync(&client).await; // everyone has the staff list
    }
    let clock = Clock { now: Timestamp::now(), utc_offset_min: 0 };

    // At an auto show with no network, Ana captures two people who are one (same family name,
    // a nickname), and checks in on the floor.
    let capture = |first: &str, phone: &str, email: &str| Capture {
        first_name: first.into(),
        last_name: "Kowalski".into(),
        phone: phone.into(),
        email: email.into(),
        interest: "Subaru Outback".into(),
        ..Default::default()
    };
    let robert = inbox::capture(&mut a.store, &capture("Robert", "(512) 201-7070", ""), "US", clock).unwrap();
    let bob = inbox::capture(&mut a.store, &capture("Bob", "", "bob.k@example.com"), "US", clock).unwrap();
    assert!(bob.possible_duplicates.iter().any(|d| d.customer_id == robert.customer.id));
    floor::check_in(&mut a.store, a.session.user_id, true, clock).unwrap();
    // A rep may write the floor (a shared table) but not hand a lead to someone else.
    a.sync(&client).await;
    assert!(a.store.refused_changes().unwrap().is_empty(), "{:?}", a.store.refused_changes().unwrap());

    // The manager sees both leads with their assignment log, and Ana on the floor; so does Bo
    // (the floor is shared) but not Ana's leads.
    m.sync(&client).await;
    b.sync(&client).await;
    let lead: Lead = get(m.store.conn(), robert.lead.id).unwrap();
    assert_eq!((lead.assignee_id, lead.score), (Some(a.session.user_id), robert.lead.score));
    let log = inbox::assignments(m.store.conn(), robert.lead.id).unwrap();
    assert_eq!(log.len(), 1);
    assert!(log[0].reason.starts_with("captured by Ana Ruiz"), "{}", log[0].reason);
    let seen_by_bo = floor::rotation(b.store.conn(), clock).unwrap();
    assert_eq!(seen_by_bo.queue.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(), ["Ana Ruiz"]);
    assert!(get::<Lead>(b.store.conn(), robert.lead.id).is_err());
    let _: Checkin = get(m.store.conn(), floor::checkin_id(a.session.user_id, clock.local_day())).unwrap();

    // The manager merges the two customers, keeping Robert and taking Bob's email, and changes
    // the scoring weights; Ana gets both.
    let pairs = merge::possible_duplicates(m.store.conn(), "US", 50).unwrap();
    assert!(pairs.iter().any(|p| [p.a.id, p.b.id].contains(&bob.customer.id)));
    merge::merge_customers(
        &mut m.store,
        &MergeRequest { keep: robert.customer.id, merge: bob.customer.id, take: vec!["email".into()] },
    )
    .unwrap();
    let mut s = leads::settings(m.store.conn()).unwrap();
    s.weights.channel = 35;
    leads::save_settings(&mut m.store, s).unwrap();
    m.sync(&client).await;
    assert!(m.store.refused_changes().unwrap().is_empty());
    a.sync(&client).await;
    let kept = a.customer(robert.customer.id).unwrap();
    assert_eq!(kept.email.as_deref(), Some("bob.k@example.com"));
    assert_eq!(kept.phone.as_deref(), Some("+15122017070"));
    let gone = a.customer(bob.customer.id).unwrap();
    assert_eq!(gone.merged_into, Some(robert.customer.id));
    let moved: Lead = get(a.store.conn(), bob.lead.id).unwrap();
    assert_eq!(moved.customer_id, Some(robert.customer.id), "Bob's lead moved to Robert");
    assert_eq!(leads::settings(a.store.conn()).unwrap().weights.channel, 35);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_statement_reaches_its_rep_and_the_manager_only() {
    use showroom_core::analytics::commissions::{self, Statement};
    use showroom_core::domain::CommissionPlan;
    let dir = tempfile::tempdir().unwrap();
    let (_server, client, [mut a, mut b, mut m]) = two_reps_and_a_manager(dir.path()).await;
    // Ana sells a car this month; the manager sets up a plan and approves her statement.
    let c = new_customer(a.session.user_id, "Dana", "Whitfield");
    let now = Timestamp::now();
    let sold = sold_rav4(&c, now);
    a.store.write(|w| w.insert(&c).and_then(|_| w.insert(&sold))).unwrap();
    a.sync(&client).await;
    m.sync(&client).await;
    let plan = CommissionPlan {
        id: new_id(),
        name: "Standard".into(),
        flat_per_unit_cents: 10_000,
        gross_percent_bp: 2_000,
        minimum_per_deal_cents: 0,
        tiers: vec![],
        csat_bonus_cents: 0,
        csat_min_tenths: 0,
        user_ids: vec![a.session.user_id],
    };
    m.store.write(|w| w.insert(&plan)).unwrap();
    let month = now.date().format("%Y-%m").to_string();
    let approved = commissions::approve(&mut m.store, a.session.user_id, &month, 0).unwrap();
    // $100 + 20% of $2,500.
    assert_eq!(approved.total_cents, 60_000);
    m.sync(&client).await;
    assert!(m.store.refused_changes().unwrap().is_empty());
    a.sync(&client).await;
    b.sync(&client).await;
    let mine: Statement = get(a.store.conn(), approved.id).unwrap();
    assert_eq!((mine.total_cents, mine.approved_by), (60_000, Some(m.session.user_id)));
    assert!(get::<Statement>(b.store.conn(), approved.id).is_err(), "another rep does not receive it");
    // Ana cannot approve (or change) a statement herself: the server refuses it, naming why.
    let mut forged = mine.clone();
    forged.id = new_id();
    forged.total_cents = 9_999_999;
    a.store.write(|w| w.insert(&forged)).unwrap();
    a.sync(&client).await;
    let refused = a.store.refused_changes().unwrap();
    assert!(
        !refused.is_empty() && refused.iter().all(|r| r.reason.contains("only a manager writes commission_statements")),
        "{refused:?}"
    );
    m.sync(&client).await;
    assert!(get::<Statement>(m.store.conn(), forged.id).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coaching_reaches_its_rep_only_and_a_reps_unwind_or_unnamed_competitor_is_refused() {
    use showroom_core::coaching::{self, CoachingDraft};
    use showroom_core::domain::{CoachingNote, Opportunity};
    let dir = tempfile::tempdir().unwrap();
    let (_server, client, [mut a, mut b, mut m]) = two_reps_and_a_manager(dir.path()).await;
    // The manager writes Ana a goal: Ana receives it, Bo never does.
    let draft = CoachingDraft {
        rep_id: Some(a.session.user_id),
        kind: "goal".into(),
        body: "Two appointments a day from internet leads".into(),
        due: "2026-12-15".into(),
    };
    let goal = coaching::add(&mut m.store, &draft).unwrap();
    m.sync(&client).await;
    assert!(m.store.refused_changes().unwrap().is_empty());
    a.sync(&client).await;
    b.sync(&client).await;
    let mine: CoachingNote = get(a.store.conn(), goal.id).unwrap();
    assert_eq!((mine.body.as_str(), mine.author_id), (draft.body.as_str(), Some(m.session.user_id)));
    assert!(get::<CoachingNote>(b.store.conn(), goal.id).is_err(), "another rep does not receive it");
    // Ana cannot write herself one (the core refuses; a forged row is refused by the server).
    assert!(coaching::add(&mut a.store, &draft).is_err());
    let forged = CoachingNote { id: new_id(), body: "I am doing great".into(), ..mine.clone() };
    a.store.write(|w| w.insert(&forged)).unwrap();
    a.sync(&client).await;
    assert!(a.store.refused_changes().unwrap().iter().any(|r| r.row_id == forged.id));

    // Ana's sold deal: she cannot unwind it herself, nor lose a deal elsewhere without naming where.
    let c = new_customer(a.session.user_id, "Dana", "Whitfield");
    let now = Timestamp::now();
    let sold = sold_rav4(&c, now);
    let open = Opportunity {
        id: new_id(),
        status: showroom_core::domain::OpportunityStatus::Open,
        closed_at: None,
        ..sold.clone()
    };
    a.store.write(|w| w.insert(&c).and_then(|_| w.insert(&sold)).and_then(|_| w.insert(&open))).unwrap();
    a.sync(&client).await;
    let before = a.store.refused_changes().unwrap().len();
    let unwound = Opportunity {
        unwound_at: Some(Timestamp::now_after(now)),
        updated_at: Timestamp::now_after(now),
        ..sold.clone()
    };
    let lost = Opportunity {
        status: showroom_core::domain::OpportunityStatus::Lost,
        lost_reason: "Bought elsewhere".into(),
        closed_at: Some(Timestamp::now_after(now)),
        updated_at: Timestamp::now_after(now),
        ..open.clone()
    };
    a.store.write(|w| w.update(&sold, &unwound).and_then(|_| w.update(&open, &lost)).map(|_| ())).unwrap();
    a.sync(&client).await;
    let refused = a.store.refused_changes().unwrap();
    assert!(refused.len() > before, "{refused:?}");
    assert!(
        refused.iter().any(|r| r.row_id == sold.id && r.reason.contains("unwound_at: only a manager")),
        "{refused:?}"
    );
    assert!(
        refused.iter().any(|r| r.row_id == open.id && r.reason.contains("name where the customer bought")),
        "{refused:?}"
    );
    m.sync(&client).await;
    let seen: Opportunity = get(m.store.conn(), sold.id).unwrap();
    assert_eq!(seen.unwound_at, None, "the manager's copy never unwound");
    let seen: Opportunity = get(m.store.conn(), open.id).unwrap();
    assert_eq!(seen.status, showroom_core::domain::OpportunityStatus::Open);
    // The manager unwinds it: accepted, and Ana receives it.
    let done = showroom_core::pipeline::unwind(&mut m.store, sold.id, "Financing fell through").unwrap();
    m.sync(&client).await;
    assert!(m.store.refused_changes().unwrap().is_empty());
    a.sync(&client).await;
    // Ana's own value for unwound_at was refused; the manager's is the one on her device.
    let hers: Opportunity = get(a.store.conn(), sold.id).unwrap();
    assert_eq!(hers.unwound_at, done.unwound_at);
    assert_ne!(hers.unwound_at, unwound.unwound_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compacting_the_log_of_a_running_server_keeps_every_laptop_converging() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client, [mut a, _b, mut m]) = two_reps_and_a_manager(dir.path()).await;
    let dana = new_customer(a.session.user_id, "Dana", "Whitfield");
    a.store.write(|w| w.insert(&dana)).unwrap();
    a.sync(&client).await;
    m.sync(&client).await;
    // The manager's laptop stays away while the rep moves the customer three times.
    for city in ["Round Rock", "Georgetown", "Pflugerville"] {
        a.edit_customer(dana.id, |c| c.city = city.into());
        a.sync(&client).await;
    }
    let db = dir.path().join("sync.sqlite3");
    let before = server_count(&db, "SELECT COUNT(*) FROM log");
    let out = server.admin(&["compact", "--keep-days", "0"], None);
    let removed: i64 = out.strip_prefix("removed ").and_then(|s| s.split(' ').next()).unwrap().parse().unwrap();
    // The first two moves lost to the third; the creation keeps its other winning fields.
    assert_eq!(removed, 2, "{out}");
    assert_eq!(server_count(&db, "SELECT COUNT(*) FROM log"), before - removed);

    // The laptop that was away catches up; a laptop that never synced takes the compacted log;
    // both agree with the rep field for field and with the server's checksums.
    let report = m.sync(&client).await;
    assert!(report.mismatched.is_empty(), "{report:?}");
    let expected = a.customer(dana.id).unwrap();
    assert_eq!(expected.city, "Pflugerville");
    assert_eq!(m.customer(dana.id).unwrap(), expected);
    let mut fresh = Replica::sign_in(&client, dir.path(), "fresh", "mia").await;
    let report = fresh.sync(&client).await;
    assert!(report.mismatched.is_empty(), "{report:?}");
    assert_eq!(fresh.customer(dana.id).unwrap(), expected);
    // Edits go on as before.
    a.edit_customer(dana.id, |c| c.city = "Austin".into());
    a.sync(&client).await;
    fresh.sync(&client).await;
    assert_eq!(fresh.customer(dana.id).unwrap().city, "Austin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merged_away_customer_is_purged_from_a_running_server_and_every_laptop() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client, [mut a, _b, mut m]) = two_reps_and_a_manager(dir.path()).await;
    let dana = new_customer(a.session.user_id, "Dana", "Whitfield");
    let twin = new_customer(a.session.user_id, "Dana", "Whitfield");
    a.store.write(|w| w.insert(&dana)).unwrap();
    a.store.write(|w| w.insert(&twin)).unwrap();
    a.sync(&client).await;
    m.sync(&client).await;
    // The rep merges the duplicate away; both laptops pull the deletion.
    let merge = showroom_core::leads::merge::MergeRequest { keep: dana.id, merge: twin.id, take: vec![] };
    showroom_core::leads::merge::merge_customers(&mut a.store, &merge).unwrap();
    a.sync(&client).await;
    m.sync(&client).await;
    a.edit_customer(dana.id, |c| c.city = "Round Rock".into());
    a.sync(&client).await;
    assert!(customers(&m).contains_key(&twin.id), "the tombstone is on the laptops until purged");

    let db = dir.path().join("sync.sqlite3");
    let out = server.admin(&["compact", "--keep-days", "0"], None);
    assert!(out.contains(" and 1 deleted rows every device has seen deleted"), "{out}");
    assert_eq!(server_count(&db, &format!("SELECT COUNT(*) FROM state WHERE row_id = '{}'", twin.id)), 0);
    for r in [&mut a, &mut m] {
        let report = r.sync(&client).await;
        assert!(report.mismatched.is_empty(), "{report:?}");
        let held = customers(r);
        assert!(!held.contains_key(&twin.id), "the purged row left every laptop");
        assert_eq!(held[&dana.id].city, "Round Rock");
    }
}

/// A laptop's customers, by id.
fn customers(r: &Replica) -> std::collections::BTreeMap<Uuid, Customer> {
    let mut stmt = r.store.conn().prepare("SELECT id FROM customers").unwrap();
    let ids: Vec<String> = stmt.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
    ids.iter().map(|id| id.parse().unwrap()).map(|id: Uuid| (id, r.customer(id).unwrap())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_server_moves_to_postgresql_and_its_laptops_sync_on_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, client, [mut a, mut b, mut m]) = two_reps_and_a_manager(dir.path()).await;
    let dana = new_customer(a.session.user_id, "Dana", "Whitfield");
    let eli = new_customer(b.session.user_id, "Eli", "Navarro");
    a.store.write(|w| w.insert(&dana)).unwrap();
    b.store.write(|w| w.insert(&eli)).unwrap();
    for r in [&mut a, &mut b, &mut m] {
        r.sync(&client).await;
    }
    // An edit made while the server moves waits in the rep's outbox.
    a.edit_customer(dana.id, |c| c.city = "Round Rock".into());

    // The SQLite server stops; its store moves into an empty PostgreSQL database.
    server.kill9();
    let pg = showroom_sync::testpg::TestPostgres::start().unwrap();
    let url = pg.database().unwrap();
    let sqlite = dir.path().join("sync.sqlite3");
    let out = server.admin(&["migrate", "--from", sqlite.to_str().unwrap(), "--to", &url], None);
    assert!(out.contains("copied log_entries: "), "{out}");
    let sums = |db: &str| showroom_sync::storage::open(db).unwrap().partition_checksums().unwrap();
    let before = sums(sqlite.to_str().unwrap());
    assert!(before.len() >= 2, "{before:?}");
    assert!(out.contains(&format!("{} partition checksums equal before and after", before.len())), "{out}");
    assert_eq!(sums(&url), before, "every partition's checksum is the same on PostgreSQL");
    // A second run refuses: the target is no longer empty.
    let again = std::process::Command::new(showroom_e2e::binary("showroom-sync"))
        .args(["migrate", "--from", sqlite.to_str().unwrap(), "--to", &url])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("holds dealerships already"));

    // The same address now serves PostgreSQL: the laptops keep their sign-ins and cursors.
    let _pg_server = SyncServer::serve_on(url.as_str(), server.port, &[]);
    for r in [&mut a, &mut b, &mut m] {
        let report = r.sync(&client).await;
        assert!(report.mismatched.is_empty(), "{report:?}");
    }
    let report = m.sync(&client).await;
    assert_eq!(report.pulled, 0, "nothing is pulled twice after the move: {report:?}");
    assert_eq!(m.customer(dana.id).unwrap().city, "Round Rock");
    assert_eq!(m.customer(dana.id).unwrap(), a.customer(dana.id).unwrap());
    assert_eq!(m.customer(eli.id).unwrap(), b.customer(eli.id).unwrap());
    assert!(b.customer(dana.id).is_none(), "a rep still sees only their own customers");
    // A laptop signing in for the first time gets the same customers as the manager's.
    let mut fresh = Replica::sign_in(&client, dir.path(), "fresh", "mia").await;
    let report = fresh.sync(&client).await;
    assert!(report.mismatched.is_empty(), "{report:?}");
    assert_eq!(customers(&fresh), customers(&m));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_postgresql_serve_the_same_laptops() {
    let dir = tempfile::tempdir().unwrap();
    let pg = showroom_sync::testpg::TestPostgres::start().unwrap();
    let url = pg.database().unwrap();
    let admin = |args: &[&str]| {
        let out = showroom_e2e::pin(&mut std::process::Command::new(showroom_e2e::binary("showroom-sync")))
            .arg("--db")
            .arg(&url)
            .args(args)
            .env("SHOWROOM_SYNC_PASSWORD", PW)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    admin(&["init", "--dealership", "Lakeside Motors"]);
    for (login, name, role) in [("ana", "Ana Ruiz", "rep"), ("bo", "Bo Chen", "rep"), ("mia", "Mia Stone", "manager")] {
        admin(&["user", "add", "--login", login, "--name", name, "--role", role]);
    }
    let one = SyncServer::serve_on(url.as_str(), 0, &[]);
    let two = SyncServer::serve_on(url.as_str(), 0, &[]);
    let clients = [Client::new(&one.url()).unwrap(), Client::new(&two.url()).unwrap()];
    // Each laptop signs in through one server and syncs through both, alternately.
    let mut a = Replica::sign_in(&clients[0], dir.path(), "a", "ana").await;
    let mut b = Replica::sign_in(&clients[1], dir.path(), "b", "bo").await;
    let mut m = Replica::sign_in(&clients[0], dir.path(), "m", "mia").await;
    let mut ids = Vec::new();
    for round in 0..6usize {
        let c = new_customer(a.session.user_id, "Dana", &format!("Round {round}"));
        let e = new_customer(b.session.user_id, "Eli", &format!("Round {round}"));
        a.store.write(|w| w.insert(&c)).unwrap();
        b.store.write(|w| w.insert(&e)).unwrap();
        // The rep and the manager edit the same customer between syncs: they collide.
        if let Some(&prev) = ids.last() {
            a.edit_customer(prev, |x| x.city = format!("Rep {round}"));
            m.edit_customer(prev, |x| x.city = format!("Manager {round}"));
        }
        ids.push(c.id);
        // Two laptops push at once, each through a different process.
        let (ra, rb) = tokio::join!(a.sync(&clients[round % 2]), b.sync(&clients[(round + 1) % 2]));
        assert!(ra.mismatched.is_empty() && rb.mismatched.is_empty(), "{ra:?} {rb:?}");
        m.sync(&clients[(round + 1) % 2]).await;
    }
    for _ in 0..2 {
        for (i, r) in [&mut a, &mut b, &mut m].into_iter().enumerate() {
            let report = r.sync(&clients[i % 2]).await;
            assert!(report.mismatched.is_empty(), "{report:?}");
        }
    }
    // The manager holds every customer, each equal to its rep's copy field for field.
    let (ma, mb, mm) = (customers(&a), customers(&b), customers(&m));
    assert_eq!(mm.len(), 12);
    for (id, c) in ma.iter().chain(mb.iter()) {
        assert_eq!(mm.get(id), Some(c), "customer {id} differs between its rep and the manager");
    }
    assert!(mb.keys().all(|id| !ma.contains_key(id)), "each rep sees only their own customers");
}

/// Runs the `showroom` CLI for a laptop's data folder with a sign-in password at hand.
fn cli(data_dir: &Path, args: &[&str]) -> String {
    let out = showroom_e2e::pin(&mut std::process::Command::new(showroom_e2e::binary("showroom")))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("SHOWROOM_PASSWORD", PW)
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "showroom {args:?} failed: {}{stdout}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_manager_syncs_every_rooftop_and_the_group_dashboard_adds_up_each_rooftops_own() {
    use showroom_core::analytics::group::GroupDashboard;
    let now = Timestamp::parse(&showroom_e2e::pinned_now()).unwrap();
    let today = &now.to_string()[..10];
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    let out = server.admin(&["group", "add", "Lakeside Group", "--rooftop", "Lakeside Motors"], None);
    assert!(out.contains("with 1 rooftop(s)"), "{out}");
    server.admin(&["dealership", "add", "Hillside Auto", "--group", "Lakeside Group"], None);
    server.add_user("ana", "Ana Ruiz", "rep", Some("Lakeside Motors"), PW);
    server.add_user("ben", "Ben Carter", "rep", Some("Hillside Auto"), PW);
    server.add_user("hal", "Hal Moore", "manager", Some("Hillside Auto"), PW);
    let out = server.admin(
        &[
            "user",
            "add",
            "--login",
            "gina",
            "--name",
            "Gina Park",
            "--role",
            "group-manager",
            "--group",
            "Lakeside Group",
            "--dealership",
            "Lakeside Motors",
        ],
        Some(PW),
    );
    assert!(out.contains("as group manager of \"Lakeside Group\""), "{out}");
    let listed = server.admin(&["group", "list"], None);
    assert!(listed.contains("Lakeside Group") && listed.contains("Hillside Auto, Lakeside Motors"), "{listed}");

    // Ana sells two cars today; Ben three, and loses one; Ben's rooftop has a RAV4 in stock.
    let client = Client::new(&server.url()).unwrap();
    let mut a = Replica::sign_in(&client, dir.path(), "a", "ana").await;
    let mut b = Replica::sign_in(&client, dir.path(), "b", "ben").await;
    for (r, n) in [(&mut a, 2), (&mut b, 3)] {
        for i in 0..n {
            let c = new_customer(r.session.user_id, "Buyer", &format!("Number {i}"));
            let deal = sold_rav4(&c, now);
            r.store.write(|w| w.insert(&c).and_then(|_| w.insert(&deal))).unwrap();
        }
    }
    let maria = new_customer(b.session.user_id, "Maria", "Harris");
    let mut lost = sold_rav4(&maria, now);
    lost.status = showroom_core::domain::OpportunityStatus::Lost;
    lost.lost_reason = "price".into();
    let rav4: Vehicle = serde_json::from_value(json!({
        "id": new_id(), "vin": "2T3P1RFV2RC123456", "stock_no": "H100", "year": 2025, "make": "Toyota",
        "model": "RAV4", "trim": "XLE", "body": "SUV", "colour": "Blue", "mileage": 12, "condition": "new",
        "msrp_cents": 3_450_000, "invoice_cents": 3_200_000, "price_cents": 3_390_000, "status": "available",
        "location": "Lot B", "received_at": now, "created_at": now, "updated_at": now, "deleted_at": null
    }))
    .unwrap();
    b.store.write(|w| w.insert(&maria).and_then(|_| w.insert(&lost))).unwrap();
    a.sync(&client).await;
    b.sync(&client).await;
    // Stock is the manager's to keep: Hal's desk computer adds it.
    let mut h = Replica::sign_in(&client, dir.path(), "h", "hal").await;
    h.store.write(|w| w.insert(&rav4)).unwrap();
    let r = h.sync(&client).await;
    assert_eq!(r.refused, 0, "{r:?}");

    // Gina's laptop, through the CLI: her rooftop, then the group.
    let gina = dir.path().join("gina");
    let url = server.url();
    cli(&gina, &["sync", "--server", &url, "--user", "gina"]);
    let synced = cli(&gina, &["group", "sync"]);
    assert!(synced.contains("Lakeside Motors: pushed") && synced.contains("Hillside Auto: pushed"), "{synced}");
    let json = cli(&gina, &["report", "group", "--from", today, "--to", today]);
    let g: GroupDashboard = serde_json::from_str(&json).unwrap();
    let by_name = |n: &str| g.rooftops.iter().find(|r| r.name == n).unwrap().clone();
    let (lake, hill) = (by_name("Lakeside Motors"), by_name("Hillside Auto"));
    assert_eq!((lake.units, lake.won, lake.lost, lake.revenue_cents), (2.0, 2, 0, 7_000_000), "{lake:?}");
    assert_eq!((hill.units, hill.won, hill.lost, hill.gross_cents), (3.0, 3, 1, 750_000), "{hill:?}");
    assert_eq!((g.total.units, g.total.revenue_cents, g.total.won, g.total.lost), (5.0, 17_500_000, 5, 1));
    assert_eq!(g.total.win_rate, Some(5.0 / 6.0), "Σ won ÷ Σ closed, not the mean of 100% and 75%");
    // Each rooftop's own manager sees on their own laptop what the group shows for them.
    let hal = dir.path().join("hal");
    cli(&hal, &["sync", "--server", &url, "--user", "hal"]);
    let own: serde_json::Value =
        serde_json::from_str(&cli(&hal, &["report", "dashboard", "--from", today, "--to", today])).unwrap();
    assert_eq!(own["sales"]["units"], json!(hill.units));
    assert_eq!(own["sales"]["revenue_cents"], json!(hill.revenue_cents));
    assert_eq!(own["sales"]["win_rate"], json!(hill.win_rate));
    let csv = cli(&gina, &["report", "group", "--from", today, "--to", today, "--format", "csv"]);
    assert!(csv.lines().any(|l| l.starts_with("Group total,,5,")), "{csv}");

    // The sister store's RAV4: Gina asks for it, Hal approves, it arrives at Lakeside in transit.
    let found = cli(&gina, &["group", "inventory", "rav4"]);
    assert!(found.contains("Hillside Auto") && found.contains("stock H100"), "{found}");
    let asked = cli(&gina, &["group", "request", "--vehicle", &rav4.id.to_string(), "--note", "for a buyer"]);
    assert!(asked.contains("Asked Hillside Auto for the 2025 Toyota RAV4 XLE"), "{asked}");
    let listed = cli(&hal, &["group", "transfers"]);
    let transfer = listed.split('\t').next().unwrap().trim().to_string();
    assert!(listed.contains("requested\tHillside Auto -> Lakeside Motors"), "{listed}");
    let approved = cli(&hal, &["group", "approve", &transfer]);
    assert!(approved.contains("goes to Lakeside Motors"), "{approved}");
    a.sync(&client).await;
    let arrived = get::<Vehicle>(a.store.conn(), rav4.id).unwrap();
    assert_eq!(
        (arrived.status, arrived.location.as_str()),
        (VehicleStatus::InTransit, "In transit from Hillside Auto")
    );
    b.sync(&client).await;
    assert!(get::<Vehicle>(b.store.conn(), rav4.id).is_err(), "it left Hillside's laptops");

    // Maria moves to Lakeside, to Ana, with her deal.
    let moved = cli(
        &gina,
        &[
            "group",
            "move-customer",
            "--customer",
            &maria.id.to_string(),
            "--to",
            "Lakeside Motors",
            "--owner",
            "Ana Ruiz",
        ],
    );
    assert!(moved.contains("from Hillside Auto to Lakeside Motors"), "{moved}");
    let r = a.sync(&client).await;
    assert!(r.mismatched.is_empty(), "{r:?}");
    assert_eq!(a.customer(maria.id).unwrap().owner_id, Some(a.session.user_id));
    b.sync(&client).await;
    assert!(b.customer(maria.id).is_none());
    // The group's figures follow the lost deal to its new rooftop; the total does not change.
    cli(&gina, &["group", "sync"]);
    let g: GroupDashboard =
        serde_json::from_str(&cli(&gina, &["report", "group", "--from", today, "--to", today])).unwrap();
    let lost_at = |n: &str| g.rooftops.iter().find(|r| r.name == n).unwrap().lost;
    assert_eq!((lost_at("Lakeside Motors"), lost_at("Hillside Auto"), g.total.lost), (1, 0, 1));
}

/// A pull page carries its row writes as one entry each (table, row, clock, author and write id
/// once) when the client asks by header, and as one change per field otherwise, as every client
/// from before reads them: the same changes either way, in a fraction of the bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_page_comes_in_the_shape_the_client_asked_for() {
    use showroom_core::sync::protocol::{PULL_SHAPE_HEADER, PULL_WRITES, PullPage};
    let dir = tempfile::tempdir().unwrap();
    let (server, client, [mut a, _b, m]) = two_reps_and_a_manager(dir.path()).await;
    let owner = a.session.user_id;
    for (first, last) in [("Dana", "Whitfield"), ("Eli", "Moss"), ("Farah", "Khan")] {
        let c = new_customer(owner, first, last);
        a.store.write(|w| w.insert(&c)).unwrap();
    }
    a.sync(&client).await;
    let http = reqwest::Client::new();
    let pull = |shape: Option<&'static str>| {
        let req = http.get(format!("{}/api/v1/pull?since=0", server.url())).bearer_auth(&m.session.token);
        let req = match shape {
            Some(s) => req.header(PULL_SHAPE_HEADER, s),
            None => req,
        };
        async move { req.send().await.unwrap().error_for_status().unwrap().bytes().await.unwrap() }
    };
    let (by_field, by_write, other) = (pull(None).await, pull(Some(PULL_WRITES)).await, pull(Some("rows")).await);
    let keys = |body: &[u8]| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        v.as_object().unwrap().keys().cloned().collect()
    };
    assert!(!keys(&by_field).contains(&"writes".to_string()), "a client from before never sees `writes`");
    assert_eq!(by_field, other, "a shape the server does not know gets the per-field page");
    let mut old: PullPage = serde_json::from_slice(&by_field).unwrap();
    let mut new: PullPage = serde_json::from_slice(&by_write).unwrap();
    assert!(new.changes.is_empty() && new.writes.iter().filter(|w| w.table == "customers").count() == 3);
    let fields: usize = new.writes.iter().filter(|w| w.table == "customers").map(|w| w.fields.len()).sum();
    assert_eq!(old.changes.iter().filter(|c| c.table == "customers").count(), fields);
    let key = |c: &showroom_core::sync::merge::FieldChange| {
        (c.change_id, c.table.clone(), c.row_id, c.field.clone(), c.value.to_string(), c.hlc, c.author)
    };
    let (mut was, mut now) = (old.take_field_changes().unwrap(), new.take_field_changes().unwrap());
    was.sort_by_key(key);
    now.sort_by_key(key);
    assert_eq!(now, was, "the same changes, ids, values, clocks and authors");
    assert!(
        by_write.len() * 2 < by_field.len(),
        "{} bytes by write against {} by field",
        by_write.len(),
        by_field.len()
    );
}

/// A laptop pushes by row write and the server answers by write; the server reads the same changes
/// in the same order as a push of one change per field (which every client from before sends), so
/// a refusal names the same `changes[i]` either way and nothing of a refused push is stored.
#[tokio::test]
async fn a_push_goes_by_writes_and_a_refusal_names_the_same_change_as_by_field() {
    use showroom_core::sync::protocol::{PushAck, PushBody};
    let dir = tempfile::tempdir().unwrap();
    let (server, client, [mut a, mut b, mut m]) = two_reps_and_a_manager(dir.path()).await;
    let theirs = new_customer(b.session.user_id, "Bo's", "Customer");
    b.store.write(|w| w.insert(&theirs)).unwrap();
    b.sync(&client).await;
    let mine: Vec<Customer> = [("Dana", "Whitfield"), ("Eli", "Moss"), ("Farah", "Khan")]
        .map(|(f, l)| new_customer(a.session.user_id, f, l))
        .into();
    for c in &mine {
        a.store.write(|w| w.insert(c)).unwrap();
    }
    let outbox: Vec<WireChange> = a
        .store
        .next_push_after(5_000, &[])
        .unwrap()
        .into_iter()
        .map(|r| WireChange { author: None, ..WireChange::from_change(&r.into()) })
        .collect();
    let first = outbox.iter().filter(|c| c.row_id == mine[0].id).count();
    assert!(first > 5 && outbox.len() == 3 * first, "three customers of {first} fields each: {}", outbox.len());

    // Bo's customer, written in the middle of Ana's push: refused whole, by either shape.
    let mut forged = outbox.clone();
    let mut intruder = forged[0].clone();
    intruder.change_id = Uuid::now_v7();
    (intruder.row_id, intruder.field, intruder.value) = (theirs.id, "notes".into(), json!("Ana was here"));
    forged.insert(first, intruder);
    let forged = Push { device_id: a.store.device_id(), changes: forged };
    let before = server_count(&server.db, "SELECT COUNT(*) FROM log");
    let by_writes = client.push(&a.session, &forged).await.unwrap_err();
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/push", server.url());
    let by_field = http.post(&url).bearer_auth(&a.session.token).json(&forged).send().await.unwrap();
    assert_eq!((by_writes.status, by_field.status().as_u16()), (403, 403));
    let by_field: showroom_core::sync::protocol::ErrorBody = by_field.json().await.unwrap();
    let named =
        |fields: &[showroom_core::error::FieldError]| fields.iter().map(|f| f.field.clone()).collect::<Vec<_>>();
    assert_eq!(named(&by_writes.body.unwrap().fields), named(&by_field.fields));
    assert!(by_field.fields[0].field.starts_with(&format!("changes[{first}]")), "{:?}", by_field.fields);
    assert_eq!(server_count(&server.db, "SELECT COUNT(*) FROM log"), before, "nothing stored");

    // Ana's own push, by writes: one write per customer, answered with the three write ids.
    let push = Push { device_id: a.store.device_id(), changes: outbox };
    let body = PushBody::by_writes(&push);
    assert_eq!(body.writes.len(), 3);
    let answer = http.post(&url).bearer_auth(&a.session.token).json(&body).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let ack: PushAck = answer.json().await.unwrap();
    assert!(ack.acknowledged.is_empty(), "{:?}", ack.acknowledged);
    assert_eq!(ack.acknowledged_writes, body.writes.iter().map(|w| w.write_id).collect::<Vec<_>>());
    // The laptop pushes the same writes again in its sync (the answer above went to the test):
    // taken once, acknowledged again, and the manager reads exactly Ana's customers.
    let report = a.sync(&client).await;
    assert_eq!((report.pushed, a.store.pending_changes().unwrap()), (push.changes.len(), 0));
    assert_eq!(server_count(&server.db, "SELECT COUNT(*) FROM log WHERE kind = 'change'") - before, 3);
    m.sync(&client).await;
    for c in &mine {
        assert_eq!(m.customer(c.id).as_ref(), Some(c));
    }
}
