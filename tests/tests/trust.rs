//! Issue 12's attacks, each against a real `showroom-sync` process over HTTP on loopback: a client
//! is whoever holds a token and can send anything, so every rule the desktop keeps must hold on
//! the server too. Each test names the attack it holds off (docs/security.md lists them).
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use serde_json::{Value, json};
use showroom_core::domain::{Customer, Event, PipelineStage, Timestamp, new_id};
use showroom_core::leads::inbox::{self, Capture, Clock};
use showroom_core::store::{Store, get};
use showroom_core::sync::Hlc;
use showroom_core::sync::client::Client;
use showroom_core::sync::protocol::{Push, PushAck, WireChange};
use showroom_core::sync::round::{Refusal, Session};
use showroom_e2e::SyncServer;
use std::path::Path;
use std::time::{Duration, Instant};
use uuid::Uuid;

const PW: &str = "correct horse battery";

struct Device {
    store: Store,
    session: Session,
}

impl Device {
    async fn sign_in(client: &Client, dir: &Path, login: &str) -> Device {
        let mut store = Store::open(&dir.join(format!("{login}.sqlite3"))).unwrap();
        let session = client.sign_in(login, PW, store.device_id()).await.unwrap();
        store.set_user(Some(session.user_id)).unwrap();
        Device { store, session }
    }

    fn id(&self) -> Uuid {
        self.session.user_id
    }

    async fn sync(&mut self, client: &Client) -> showroom_core::sync::round::SyncReport {
        let r = client.sync(&mut self.store, &self.session).await.unwrap();
        assert_eq!(r.refused, 0, "{r:?}");
        r
    }

    /// Pushes raw changes as this device (whatever the desktop would have refused to make).
    async fn push(&self, client: &Client, changes: Vec<WireChange>) -> Result<PushAck, Refusal> {
        client.push(&self.session, &Push { device_id: self.store.device_id(), changes }).await
    }
}

fn now_ms() -> u64 {
    Timestamp::now().millis() as u64
}

fn change(table: &str, row: Uuid, field: &str, value: Value, ms: u64) -> WireChange {
    WireChange {
        change_id: Uuid::now_v7(),
        table: table.into(),
        row_id: row,
        field: field.into(),
        value,
        hlc: Hlc { ms, counter: 0, node: Uuid::from_u128(0xbad) }.to_string(),
        author: None,
    }
}

/// Every field of `fields` as a change of one row.
fn row(table: &str, id: Uuid, fields: Value, ms: u64) -> Vec<WireChange> {
    fields.as_object().unwrap().iter().map(|(k, v)| change(table, id, k, v.clone(), ms)).collect()
}

/// A refusal's status and its first field error as `field: message`.
fn refused(r: Result<PushAck, Refusal>) -> (u16, String) {
    let r = r.expect_err("the push should be refused");
    let f = r.body.as_ref().and_then(|b| b.fields.first()).map(|f| format!("{}: {}", f.field, f.message));
    (r.status, f.unwrap_or_else(|| format!("{:?}", r.error)))
}

fn log_len(server: &SyncServer) -> i64 {
    let conn = rusqlite::Connection::open(&server.db).unwrap();
    conn.query_row("SELECT COUNT(*) FROM log", [], |r| r.get(0)).unwrap()
}

fn clock() -> Clock {
    Clock { now: Timestamp::now(), utc_offset_min: 0 }
}

fn customer(owner: Uuid, first: &str) -> Customer {
    let mut c = Customer::blank(new_id(), Timestamp::now());
    c.owner_id = Some(owner);
    c.first_name = first.into();
    c.last_name = "Whitfield".into();
    c.city = "Austin".into();
    c
}

/// Lakeside Motors with reps Ana and Bo and manager Mia, each signed in on their own laptop.
async fn lakeside(dir: &Path) -> (SyncServer, Client, Device, Device, Device) {
    let server = SyncServer::start(dir, "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    server.add_user("bo", "Bo Chen", "rep", None, PW);
    server.add_user("mia", "Mia Stone", "manager", None, PW);
    let client = Client::new(&server.url()).unwrap();
    let mut a = Device::sign_in(&client, dir, "ana").await;
    let mut b = Device::sign_in(&client, dir, "bo").await;
    let mut m = Device::sign_in(&client, dir, "mia").await;
    for d in [&mut a, &mut b, &mut m] {
        d.sync(&client).await;
    }
    (server, client, a, b, m)
}

/// Attack 1: a former owner pushes the customer's owner back (with a forged cursor) and evicts
/// the new owner. Now the server keeps each device's cursor; late edits made before the move are
/// kept, ownership never, and nothing once the device has pulled the move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_former_owner_cannot_take_a_customer_back() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client, mut a, mut b, mut m) = lakeside(dir.path()).await;
    let dana = customer(a.id(), "Dana");
    a.store.write(|w| w.insert(&dana)).unwrap();
    a.sync(&client).await;
    m.sync(&client).await;
    m.store
        .write(|w| {
            let old: Customer = w.get(dana.id)?;
            w.update(&old, &Customer { owner_id: Some(b.id()), ..old.clone() })
        })
        .unwrap();
    m.sync(&client).await;
    // When the server recorded the move (its clock; an edit made before it carries an older clock).
    let moved_ms: i64 = rusqlite::Connection::open(&server.db)
        .unwrap()
        .query_row("SELECT moved_ms FROM moves", [], |r| r.get(0))
        .unwrap();
    let before_move = moved_ms as u64 - 1;

    // The old attack: the client's cursor is not part of the protocol any more.
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/api/v1/push", server.url()))
        .bearer_auth(&a.session.token)
        .json(&json!({"device_id": a.store.device_id(), "pulled_to": 0, "changes": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.text().await.unwrap().contains("unknown field `pulled_to`"));

    let logged = log_len(&server);
    let (status, why) =
        refused(a.push(&client, vec![change("customers", dana.id, "owner_id", json!(a.id()), now_ms())]).await);
    assert_eq!((status, why.starts_with("changes[0].value")), (403, true), "{why}");
    assert!(why.contains("owner_id"), "{why}");
    assert_eq!(log_len(&server), logged, "nothing stored");
    // An edit Ana made before the move (her laptop had not heard of it) is kept (one dated after
    // the move and the tolerated clock skew is not: `rules` unit tests).
    a.push(&client, vec![change("customers", dana.id, "city", json!("Waco"), before_move)]).await.unwrap();
    assert_eq!(log_len(&server), logged + 1);
    // Once her laptop pulled the move, Dana is Bo's and Ana writes nothing more.
    let report = a.sync(&client).await;
    assert!(report.evicted >= 1 && get::<Customer>(a.store.conn(), dana.id).is_err(), "{report:?}");
    let (status, why) =
        refused(a.push(&client, vec![change("customers", dana.id, "city", json!("Plano"), before_move)]).await);
    assert_eq!(status, 403);
    assert!(why.contains("belongs to another rep"), "{why}");
    b.sync(&client).await;
    let on_b: Customer = get(b.store.conn(), dana.id).unwrap();
    assert_eq!(on_b.owner_id, Some(b.id()));
}

fn checkin(user: Uuid, position: Option<i32>, ups: i32) -> (Uuid, Value) {
    let day = chrono::NaiveDate::parse_from_str(&showroom_e2e::pinned_now()[..10], "%Y-%m-%d").unwrap();
    let now = Timestamp::now();
    (
        showroom_core::leads::floor::checkin_id(user, day),
        json!({"user_id": user, "day": day.to_string(), "position": position, "checked_in_at": now,
               "ups_taken": ups, "updated_at": now}),
    )
}

/// Attack 2: a rep rewrites another rep's place in the up rotation. The floor rules hold on the
/// server: a rep checks only themselves in (at the back), takes the up only when next, and only a
/// manager reorders or moves another rep.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rep_cannot_write_another_reps_floor_row() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client, a, b, m) = lakeside(dir.path()).await;
    let t = now_ms();
    let (bo_row, bo_in) = checkin(b.id(), Some(1), 0);
    b.push(&client, row("floor_checkins", bo_row, bo_in, t)).await.unwrap();
    let (ana_row, ana_in) = checkin(a.id(), Some(2), 0);
    a.push(&client, row("floor_checkins", ana_row, ana_in, t)).await.unwrap();
    let logged = log_len(&server);
    for (field, value, needle) in [
        ("position", json!(null), "checks only themselves"),
        ("ups_taken", json!(99), "checks only themselves"),
        ("user_id", json!(a.id()), "checks only themselves"),
    ] {
        let (status, why) = refused(a.push(&client, vec![change("floor_checkins", bo_row, field, value, t + 1)]).await);
        assert_eq!(status, 403, "{field}: {why}");
        assert!(why.contains(needle), "{field}: {why}");
    }
    // Ana is not next (Bo is, with nothing overdue): she cannot take the up, nor jump the queue.
    let take = |pos: i32, ups: i32| {
        vec![
            change("floor_checkins", ana_row, "ups_taken", json!(ups), t + 2),
            change("floor_checkins", ana_row, "position", json!(pos), t + 2),
        ]
    };
    let (status, why) = refused(a.push(&client, take(3, 1)).await);
    assert_eq!(status, 403);
    assert!(why.contains("only when next"), "{why}");
    let (status, why) =
        refused(a.push(&client, vec![change("floor_checkins", ana_row, "position", json!(0), t + 2)]).await);
    assert_eq!(status, 403);
    assert!(why.contains("only a manager reorders"), "{why}");
    assert_eq!(log_len(&server), logged, "nothing stored");
    // Bo takes the up and goes to the back; now Ana is next and takes the following one.
    b.push(
        &client,
        vec![
            change("floor_checkins", bo_row, "ups_taken", json!(1), t + 3),
            change("floor_checkins", bo_row, "position", json!(3), t + 3),
        ],
    )
    .await
    .unwrap();
    a.push(&client, take(4, 1)).await.unwrap();
    let (status, _) = refused(a.push(&client, take(5, 3)).await);
    assert_eq!(status, 403, "one up at a time");
    // The manager reorders anyone.
    m.push(&client, vec![change("floor_checkins", ana_row, "position", json!(1), t + 4)]).await.unwrap();
}

/// Attack 3: a rep hands a lead in their customer's partition to another rep (or any id), then
/// detaches it into a partition owned by that id. Every field naming a user is checked: a user
/// of the dealership, and a rep names only themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rep_cannot_hand_a_lead_to_someone_else() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client, mut a, b, _m) = lakeside(dir.path()).await;
    let cap = Capture {
        first_name: "Lee".into(),
        last_name: "Park".into(),
        email: "lee.park@example.com".into(),
        ..Default::default()
    };
    let lead = inbox::capture(&mut a.store, &cap, "TX", clock()).unwrap().lead;
    a.sync(&client).await;
    let logged = log_len(&server);
    let t = now_ms();
    for (value, needle) in [(json!(b.id()), "only a manager assigns"), (json!(Uuid::now_v7()), "no such user")] {
        let (status, why) = refused(a.push(&client, vec![change("leads", lead.id, "assignee_id", value, t)]).await);
        assert_eq!(status, 403, "{why}");
        assert!(why.contains(needle) && why.contains("assignee_id"), "{why}");
    }
    // A lone lead created for someone else is refused too (no partition owned by another rep).
    let lone = new_id();
    let (status, why) = refused(
        a.push(
            &client,
            row("leads", lone, json!({"first_name": "Max", "assignee_id": b.id(), "created_at": Timestamp::now()}), t),
        )
        .await,
    );
    assert_eq!(status, 403, "{why}");
    // Opportunities' owners and interactions' authors are user fields as well.
    let (status, why) = refused(
        a.push(
            &client,
            row("opportunities", new_id(), json!({"customer_id": lead.customer_id, "owner_id": b.id()}), t),
        )
        .await,
    );
    assert_eq!(status, 403);
    assert!(why.contains("opportunities.owner_id"), "{why}");
    assert_eq!(log_len(&server), logged, "nothing stored");
    // Detaching her own lead (still hers) is fine.
    a.push(&client, vec![change("leads", lead.id, "customer_id", json!(null), t + 1)]).await.unwrap();
}

/// Attack 4: two dealerships on one server each push the default pipeline stages and the lead
/// settings (fixed ids, the same in every dealership): each keeps its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_dealerships_each_keep_their_own_rows_with_the_same_ids() {
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("mia", "Mia Stone", "manager", None, PW);
    server.admin(&["dealership", "add", "Hilltop Cars"], None);
    server.add_user("hal", "Hal Moss", "manager", Some("Hilltop Cars"), PW);
    server.add_user("zed", "Zed Hill", "rep", Some("Hilltop Cars"), PW);
    let client = Client::new(&server.url()).unwrap();
    let mut m = Device::sign_in(&client, dir.path(), "mia").await;
    let mut h = Device::sign_in(&client, dir.path(), "hal").await;
    let mut z = Device::sign_in(&client, dir.path(), "zed").await;
    // Each manager renames the first default stage (a fixed id, the same in every dealership) and
    // saves the lead settings (one fixed id too).
    for (d, minutes, name) in [(&mut m, 7, "Fresh"), (&mut h, 12, "Incoming")] {
        d.sync(&client).await;
        showroom_core::pipeline::ensure_default_stages(&mut d.store).unwrap();
        d.store
            .write(|w| {
                let old =
                    showroom_core::store::query::<PipelineStage>(w.conn(), "ORDER BY position LIMIT 1", [])?.remove(0);
                w.update(&old, &PipelineStage { name: name.into(), ..old.clone() })
            })
            .unwrap();
        let s = showroom_core::leads::LeadSettings { response_minutes: minutes, ..Default::default() };
        showroom_core::leads::save_settings(&mut d.store, s).unwrap();
        d.sync(&client).await;
    }
    showroom_core::pipeline::ensure_default_stages(&mut z.store).unwrap();
    z.sync(&client).await;
    m.sync(&client).await;
    let minutes = |d: &Device| showroom_core::leads::settings(d.store.conn()).unwrap().response_minutes;
    assert_eq!((minutes(&m), minutes(&h), minutes(&z)), (7, 12, 12));
    let first = |d: &Device| -> String {
        d.store
            .conn()
            .query_row("SELECT name FROM pipeline_stages ORDER BY position LIMIT 1", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!((first(&m), first(&z)), ("Fresh".to_string(), "Incoming".to_string()));
    // A Hilltop rep works a lead end to end on the same ids.
    let cap = Capture {
        first_name: "Ivy".into(),
        last_name: "Stone".into(),
        email: "ivy@example.com".into(),
        ..Default::default()
    };
    inbox::capture(&mut z.store, &cap, "TX", clock()).unwrap();
    z.sync(&client).await;
    h.sync(&client).await;
    let leads =
        |d: &Device| -> i64 { d.store.conn().query_row("SELECT count(*) FROM leads", [], |r| r.get(0)).unwrap() };
    assert_eq!((leads(&h), leads(&m)), (1, 0));
}

/// Attack 5: 100 parallel wrong passwords for one login. Each attempt takes its place in the
/// limit before the (slow) check, so exactly five are checked; an unknown login costs a check too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_get_five_tries_and_unknown_logins_cost_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    server.add_user("bo", "Bo Chen", "rep", None, PW);
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/sign-in", server.url());
    let attempt = |login: &'static str| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let started = Instant::now();
            let body = json!({"user": login, "password": "wrong password!", "device_id": Uuid::nil()});
            let s = http.post(url).json(&body).send().await.unwrap().status().as_u16();
            (s, started.elapsed())
        }
    };
    let all: Vec<_> = (0..100).map(|_| tokio::spawn(attempt("ana"))).collect();
    let mut statuses = Vec::new();
    for h in all {
        statuses.push(h.await.unwrap().0);
    }
    let count = |s: u16| statuses.iter().filter(|x| **x == s).count();
    assert_eq!((count(401), count(429)), (5, 95), "{statuses:?}");
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for login in ["nobody1", "nobody2", "nobody3"] {
        known.push(attempt("bo").await.1);
        unknown.push(attempt(login).await.1);
    }
    known.sort();
    unknown.sort();
    assert!(unknown[1] * 2 >= known[1], "unknown {unknown:?} vs known {known:?}: a login's existence shows in timing");
}

/// Attack 6: a 20 MB note. Values are capped by their field's kind, a push by its bytes (the
/// token is checked before the body is read), a pull page by its bytes, and a client that stalls
/// while sending headers is cut off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_values_bodies_and_pages_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client, a, _b, m) = lakeside(dir.path()).await;
    // A 20 MB push announced by its headers: refused before its body is read, without a token
    // (401) and with one (413).
    let announce = |token: Option<&str>| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        write!(
            s,
            "POST /api/v1/push HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            20 << 20
        )
        .unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut head = [0u8; 12];
        s.read_exact(&mut head).unwrap();
        String::from_utf8_lossy(&head[9..12]).to_string()
    };
    assert_eq!(announce(None), "401", "no token: refused before the body is read");
    assert_eq!(announce(Some(&m.session.token)), "413");
    let http = reqwest::Client::new();
    // 200 KB of notes is more than a text field holds.
    let logged = log_len(&server);
    let (status, why) = refused(
        a.push(&client, vec![change("traffic", new_id(), "notes", json!("x".repeat(200_000)), now_ms())]).await,
    );
    assert_eq!(status, 422);
    assert!(
        why.starts_with("changes[0].value") && why.contains("traffic.notes") && why.contains("at most 131072"),
        "{why}"
    );
    assert_eq!(log_len(&server), logged);
    // 120 walk-ins with 60 KB of notes each (7 MB): a page asked for 5,000 changes stops near 4 MiB.
    for chunk in 0..4 {
        let changes = (0..30)
            .map(|i| {
                change("traffic", new_id(), "notes", json!(format!("{chunk}-{i} {}", "n".repeat(60_000))), now_ms())
            })
            .collect();
        m.push(&client, changes).await.unwrap();
    }
    let res = http
        .get(format!("{}/api/v1/pull?since=0&limit=5000", server.url()))
        .bearer_auth(&a.session.token)
        .send()
        .await
        .unwrap();
    let body = res.bytes().await.unwrap();
    let page: Value = serde_json::from_slice(&body).unwrap();
    assert!(body.len() < 5 << 20 && page["more"] == json!(true), "{} bytes", body.len());
    // A client that sends half its headers and waits is disconnected.
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    s.write_all(b"POST /api/v1/push HTTP/1.1\r\nHost: x\r\n").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    assert!(started.elapsed() < Duration::from_secs(25), "the stalled connection stayed open");
}

/// Attack 7: rules only the client kept. A presented quote version is frozen, interactions are
/// kept as written, and a push comes from the device its token was issued to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_versions_written_interactions_and_the_tokens_device_hold() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client, mut a, b, _m) = lakeside(dir.path()).await;
    let dana = customer(a.id(), "Dana");
    let other = customer(a.id(), "Dan");
    a.store.write(|w| w.insert(&dana)).unwrap();
    a.store.write(|w| w.insert(&other)).unwrap();
    a.sync(&client).await;
    let t = now_ms();
    let (quote, frozen, draft, call) = (new_id(), new_id(), new_id(), new_id());
    a.push(&client, row("quotes", quote, json!({"customer_id": dana.id, "number": "Q-1", "owner_id": a.id()}), t))
        .await
        .unwrap();
    // A version's figures are the desk's for its deal: the server prices the deal itself.
    let priced = |price: &str| {
        let deal: showroom_core::desk::Deal = serde_json::from_value(json!({
            "jurisdiction": "TX", "date": "2026-11-18", "price": price,
            "terms": {"type": "loan", "apr": "6.9", "term_months": 60}
        }))
        .unwrap();
        let calc =
            showroom_core::desk::calculate(&deal, &showroom_core::desk::tax::TaxTable::builtin(), deal.date.unwrap())
                .unwrap();
        (json!(deal), serde_json::to_value(&calc).unwrap())
    };
    let (deal, calc) = priced("30000");
    let mut forged_calc = calc.clone();
    forged_calc["out_the_door"] = json!("100.00");
    let (status, why) = refused(
        a.push(
            &client,
            row(
                "quote_versions",
                new_id(),
                json!({"quote_id": quote, "version": 1, "deal": deal, "calc": forged_calc, "frozen": true}),
                t,
            ),
        )
        .await,
    );
    assert_eq!(status, 403);
    assert!(why.contains("do not follow from the deal"), "{why}");
    a.push(
        &client,
        row(
            "quote_versions",
            frozen,
            json!({"quote_id": quote, "version": 1, "deal": deal, "calc": calc, "frozen": true}),
            t,
        ),
    )
    .await
    .unwrap();
    a.push(
        &client,
        row(
            "quote_versions",
            draft,
            json!({"quote_id": quote, "version": 2, "deal": deal, "calc": calc, "frozen": false}),
            t,
        ),
    )
    .await
    .unwrap();
    a.push(
        &client,
        row(
            "interactions",
            call,
            json!({"customer_id": dana.id, "summary": "Called about the lease", "author_id": a.id()}),
            t,
        ),
    )
    .await
    .unwrap();
    let logged = log_len(&server);
    let (status, why) = refused(
        a.push(&client, vec![change("quote_versions", frozen, "calc", json!({"out_the_door": "1.00"}), t + 1)]).await,
    );
    assert_eq!(status, 403);
    assert!(why.contains("frozen"), "{why}");
    let (status, why) =
        refused(a.push(&client, vec![change("interactions", call, "summary", json!("Never called"), t + 1)]).await);
    assert_eq!(status, 403);
    assert!(why.contains("kept as written"), "{why}");
    let forged =
        Push { device_id: b.store.device_id(), changes: vec![change("customers", dana.id, "city", json!("X"), t)] };
    let r = client.push(&a.session, &forged).await.unwrap_err();
    assert_eq!(r.status, 403);
    assert_eq!(r.body.unwrap().fields[0].field, "device_id");
    assert_eq!(log_len(&server), logged, "nothing stored");
    // What may change still does: a draft version, and a call re-pointed when customers merge.
    let (cheaper, its_calc) = priced("28500");
    a.push(
        &client,
        vec![
            change("quote_versions", draft, "deal", cheaper, t + 1),
            change("quote_versions", draft, "calc", its_calc, t + 1),
        ],
    )
    .await
    .unwrap();
    let (status, why) =
        refused(a.push(&client, vec![change("quote_versions", draft, "calc", forged_calc, t + 2)]).await);
    assert_eq!((status, why.contains("do not follow")), (403, true), "{why}");
    a.push(&client, vec![change("interactions", call, "customer_id", json!(other.id), t + 1)]).await.unwrap();
}

/// Attack 9's two workflows: a rep creates an event at an auto show and captures leads at it
/// (the manager receives both; only the creator or a manager changes the event); a manager
/// hands a lead of Ana's customer to Bo, who then receives the lead and its customer, works it,
/// and loses them again when the lead goes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reps_event_and_a_lead_handed_to_another_rep_reach_who_needs_them() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, client, mut a, mut b, mut m) = lakeside(dir.path()).await;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
    let show = Event {
        id: new_id(),
        name: "Austin Auto Show".into(),
        venue: "Convention Center".into(),
        starts_on: day,
        ends_on: day,
    };
    a.store.write(|w| w.insert(&show)).unwrap();
    let cap = Capture {
        first_name: "Lee".into(),
        last_name: "Park".into(),
        email: "lee.park@example.com".into(),
        event_id: Some(show.id),
        ..Default::default()
    };
    let lead = inbox::capture(&mut a.store, &cap, "TX", clock()).unwrap().lead;
    a.sync(&client).await;
    m.sync(&client).await;
    assert_eq!(get::<Event>(m.store.conn(), show.id).unwrap(), show);
    assert_eq!(get::<showroom_core::domain::Lead>(m.store.conn(), lead.id).unwrap().event_id, Some(show.id));
    b.sync(&client).await;
    let t = now_ms();
    let (status, why) =
        refused(b.push(&client, vec![change("events", show.id, "venue", json!("Parking lot"), t)]).await);
    assert_eq!(status, 403);
    assert!(why.contains("creator or a manager"), "{why}");
    a.push(&client, vec![change("events", show.id, "venue", json!("Hall B"), t)]).await.unwrap();

    // The manager gives the lead to Bo: he receives it and its customer, and works it.
    let customer_id = lead.customer_id.unwrap();
    inbox::assign(&mut m.store, &[lead.id], b.id(), "Bo speaks Korean").unwrap();
    m.sync(&client).await;
    b.sync(&client).await;
    assert_eq!(get::<showroom_core::domain::Lead>(b.store.conn(), lead.id).unwrap().assignee_id, Some(b.id()));
    assert_eq!(get::<Customer>(b.store.conn(), customer_id).unwrap().owner_id, Some(a.id()));
    let note = new_id();
    b.push(
        &client,
        row(
            "interactions",
            note,
            json!({"customer_id": customer_id, "channel": "call", "direction": "outbound", "summary": "Left a voicemail",
                   "author_id": b.id(), "occurred_at": Timestamp::now(), "created_at": Timestamp::now()}),
            now_ms(),
        ),
    )
    .await
    .unwrap();
    // Bo works the lead but does not take the customer.
    let (status, _) =
        refused(b.push(&client, vec![change("customers", customer_id, "owner_id", json!(b.id()), now_ms())]).await);
    assert_eq!(status, 403);
    a.sync(&client).await;
    assert!(get::<showroom_core::domain::Interaction>(a.store.conn(), note).is_ok(), "Ana sees Bo's call");
    // The lead goes back to Ana: Bo's copies go.
    inbox::assign(&mut m.store, &[lead.id], a.id(), "back to Ana").unwrap();
    m.sync(&client).await;
    let report = b.sync(&client).await;
    assert!(get::<Customer>(b.store.conn(), customer_id).is_err(), "{report:?}");
    assert!(get::<showroom_core::domain::Lead>(b.store.conn(), lead.id).is_err());
    assert!(report.mismatched.is_empty(), "{report:?}");
}

/// A laptop lost at an auto show: the manager reports it (or disables the rep) and at its next
/// contact the laptop erases its customer data, leaving nothing readable in the file; the server
/// records when it was told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_laptop_erases_its_customer_data_at_its_next_contact() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client, mut a, mut b, _m) = lakeside(dir.path()).await;
    let mut c = customer(a.id(), "Zebulon");
    c.last_name = "Quartermaine".into();
    c.notes = "Trade-in: 2015 Civic, licence D1234567".into();
    a.store.write(|w| w.insert(&c)).unwrap();
    a.sync(&client).await;
    let bo_customer = customer(b.id(), "Bartholomew");
    b.store.write(|w| w.insert(&bo_customer)).unwrap();
    b.sync(&client).await;

    let out = server.admin(&["user", "lost", "ana"], None);
    assert!(out.contains("1 device(s) of ana"), "{out}");
    server.admin(&["user", "disable", "bo"], None);
    // Each laptop's customer by name, and Ana's by the licence number in its notes.
    for (d, name, other) in [(&mut a, "Quartermaine", "D1234567"), (&mut b, "Bartholomew", "Bartholomew")] {
        let err = client.sync(&mut d.store, &d.session).await.unwrap_err();
        assert!(matches!(err, showroom_core::sync::round::SyncError::Wiped(_)), "{err:?}");
        assert!(err.to_string().contains("erased"), "{err}");
        let left: i64 = d.store.conn().query_row("SELECT count(*) FROM customers", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 0);
        let staff: i64 = d.store.conn().query_row("SELECT count(*) FROM users", [], |r| r.get(0)).unwrap();
        assert!(staff > 0, "reference data stays");
        let file = dir.path().join(format!("{}.sqlite3", if name == "Quartermaine" { "ana" } else { "bo" }));
        for f in [file.clone(), file.with_extension("sqlite3-wal")] {
            if let Ok(bytes) = std::fs::read(&f) {
                // As typed, and as the search index keeps its words (lower case).
                for word in [name.to_string(), name.to_lowercase(), other.to_string()] {
                    assert!(
                        !bytes.windows(word.len()).any(|w| w == word.as_bytes()),
                        "{word} readable in {}",
                        f.display()
                    );
                }
            }
        }
    }
    let told: i64 = rusqlite::Connection::open(&server.db)
        .unwrap()
        .query_row("SELECT count(*) FROM wipes WHERE done_ms IS NOT NULL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(told, 2);
}
