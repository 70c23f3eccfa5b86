//! Property: whatever the operations, the sync order and the faults (pushes dropped before or
//! after the server applied them, duplicated, delayed and delivered out of order, the server
//! restarted from its file mid-run, its log compacted mid-run), once everyone syncs every replica holds exactly what its user
//! may see of the server's state, and every edit made anywhere is on the server: the winner of its
//! field, or superseded by a later one with its value kept in the log (or folded away by a
//! compaction, which removes only writes whose every field lost, and purges deleted rows with
//! their edits once every device has pulled the deletion: every replica then drops them too).
//!
//! The server is the real storage (`showroom_sync::storage::SqliteStorage` on a file; in the second
//! property two `PgStorage`s on one PostgreSQL database, as two server processes, taking requests in
//! turn, a restart replacing one) and every replica a real core store; rounds run the real client executor (`showroom_core::sync::round`)
//! over an in-process transport, so thousands of cases fit in CI's minute (the HTTP transport is
//! covered by `tests/sync.rs` against the real process). `SHOWROOM_SYNC_CASES=N` (SQLite) and
//! `SHOWROOM_SYNC_PG_CASES=N` (PostgreSQL) run more.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use proptest::prelude::*;
use showroom_core::domain::{Customer, Timestamp};
use showroom_core::error::FieldError;
use showroom_core::store::{Store, outbox, query};
use showroom_core::sync::protocol::{ErrorBody, PullPage, Push, PushAck};
use showroom_core::sync::round::{Refusal, SyncError, Transport, round};
use showroom_sync::storage::pg::PgStorage;
use showroom_sync::storage::{Role, SqliteStorage, Storage, StorageError, User};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use uuid::Uuid;

/// A winning field's change id in the server's state (`state s JOIN writes wr`): its write's id
/// with the field's index in the last byte.
const SQLITE_CHANGE_ID: &str = "substr(wr.write_id, 1, 34) || printf('%02x', s.w % 256)";
const POSTGRES_CHANGE_ID: &str = "substr(wr.write_id, 1, 34) || lpad(to_hex((s.w % 256)::int), 2, '0')";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// The request never reaches the server.
    DropRequest,
    /// The server applies it; the answer is lost.
    DropAck,
    /// The server receives it twice.
    Duplicate,
    /// The request is held in the network and delivered later, after others.
    Delay,
}

#[derive(Debug, Clone)]
enum Op {
    Create {
        r: usize,
    },
    Edit {
        r: usize,
        pick: usize,
        field: usize,
        val: u8,
    },
    Reassign {
        pick: usize,
        to: usize,
    },
    /// A rep deletes one of the customers it sees (a tombstone; compaction purges it once every
    /// device has pulled the deletion).
    Delete {
        r: usize,
        pick: usize,
    },
    Sync {
        r: usize,
        fault: Fault,
    },
    Restart,
    Deliver,
    /// The server folds every superseded value into the state (`compact` with no history kept).
    Compact,
}

const FIELDS: [&str; 4] = ["city", "notes", "street", "postal_code"];

fn op(replicas: usize) -> impl Strategy<Value = Op> {
    let fault = prop_oneof![
        3 => Just(Fault::None),
        1 => Just(Fault::DropRequest),
        1 => Just(Fault::DropAck),
        1 => Just(Fault::Duplicate),
        1 => Just(Fault::Delay),
    ];
    prop_oneof![
        2 => (0..replicas).prop_map(|r| Op::Create { r }),
        4 => (0..replicas, 0..8usize, 0..FIELDS.len(), any::<u8>()).prop_map(|(r, pick, field, val)| Op::Edit { r, pick, field, val }),
        1 => (0..8usize, 0..2usize).prop_map(|(pick, to)| Op::Reassign { pick, to }),
        1 => (0..replicas, 0..8usize).prop_map(|(r, pick)| Op::Delete { r, pick }),
        4 => (0..replicas, fault).prop_map(|(r, fault)| Op::Sync { r, fault }),
        1 => Just(Op::Restart),
        1 => Just(Op::Deliver),
        1 => Just(Op::Compact),
    ]
}

/// One server process.
enum Node {
    Sqlite(SqliteStorage),
    Pg(PgStorage),
}

impl Node {
    fn storage(&self) -> &dyn Storage {
        match self {
            Node::Sqlite(s) => s,
            Node::Pg(s) => s,
        }
    }
}

/// Where the server keeps its data.
enum Db {
    Sqlite(PathBuf),
    Postgres(String),
}

struct Server {
    db: Db,
    /// The processes serving it (one on SQLite, two on PostgreSQL), taking requests in turn.
    nodes: RefCell<Vec<Node>>,
    turn: Cell<usize>,
    delayed: RefCell<Vec<(User, Push)>>,
}

impl Server {
    fn new(db: Db) -> Server {
        let nodes = match &db {
            Db::Sqlite(path) => vec![Node::Sqlite(SqliteStorage::open(path).unwrap())],
            Db::Postgres(url) => (0..2).map(|_| Node::Pg(PgStorage::open(url).unwrap())).collect(),
        };
        Server { db, nodes: RefCell::new(nodes), turn: Cell::new(0), delayed: RefCell::new(Vec::new()) }
    }

    /// The next process in turn.
    fn with<T>(&self, f: impl FnOnce(&dyn Storage) -> T) -> T {
        let nodes = self.nodes.borrow();
        let i = self.turn.get();
        self.turn.set(i + 1);
        f(nodes[i % nodes.len()].storage())
    }

    /// One process stops and starts again from the database.
    fn restart(&self) {
        let i = self.turn.get() % self.nodes.borrow().len();
        let node = match &self.db {
            Db::Sqlite(path) => Node::Sqlite(SqliteStorage::open(path).unwrap()),
            Db::Postgres(url) => Node::Pg(PgStorage::open(url).unwrap()),
        };
        self.nodes.borrow_mut()[i] = node;
    }

    /// A read-only query on the server's database, in its dialect.
    fn inspect(&self, sqlite: &str, postgres: &str, params: &[&str]) -> Vec<Vec<Option<String>>> {
        match &self.nodes.borrow()[0] {
            Node::Sqlite(s) => s.inspect(sqlite, params),
            Node::Pg(s) => s.inspect(postgres, params),
        }
        .unwrap()
    }

    fn seen(&self) -> BTreeSet<Uuid> {
        // (A write id is kept as its 16 bytes.)
        let (sqlite, postgres) = ("SELECT lower(hex(write_id)) FROM seen", "SELECT encode(write_id, 'hex') FROM seen");
        self.inspect(sqlite, postgres, &[]).into_iter().map(|r| r[0].as_deref().unwrap().parse().unwrap()).collect()
    }
}

fn now() -> u64 {
    Timestamp::now().millis() as u64
}

fn offline() -> Refusal {
    Refusal { status: 0, body: None, error: SyncError::Offline("the network dropped it".into()) }
}

fn refusal(e: StorageError) -> Refusal {
    let (status, fields): (u16, Vec<FieldError>) = match e {
        StorageError::Invalid { fields, .. } => (422, fields),
        StorageError::Forbidden { fields, .. } => (403, fields),
        StorageError::Conflict { fields, .. } => (409, fields),
        other => panic!("server failed: {other}"),
    };
    let message = fields.first().map(|f| f.message.clone()).unwrap_or_default();
    Refusal {
        status,
        body: Some(ErrorBody { code: "refused".into(), message: message.clone(), fields }),
        error: SyncError::Server(message),
    }
}

struct Link<'a> {
    server: &'a Server,
    user: &'a User,
    device: Uuid,
    fault: Fault,
    used: Cell<bool>,
}

impl Transport for Link<'_> {
    async fn push(&self, push: std::sync::Arc<Push>) -> Result<PushAck, Refusal> {
        let push = &*push;
        let fault = if self.used.replace(true) { Fault::None } else { self.fault };
        match fault {
            Fault::DropRequest => return Err(offline()),
            Fault::Delay => {
                self.server.delayed.borrow_mut().push((self.user.clone(), push.clone()));
                return Err(offline());
            }
            _ => {}
        }
        let ack = self.server.with(|s| s.push(self.user, push, now())).map_err(refusal)?;
        match fault {
            Fault::DropAck => Err(offline()),
            Fault::Duplicate => {
                let again = self.server.with(|s| s.push(self.user, push, now())).map_err(refusal)?;
                assert_eq!(again.acknowledged, ack.acknowledged, "a duplicate push is acknowledged alike");
                Ok(again)
            }
            _ => Ok(ack),
        }
    }

    async fn pull(&self, since: i64) -> Result<PullPage, SyncError> {
        // Small pages (a customer is 19 changes), so paging is exercised.
        Ok(self.server.with(|s| s.pull(self.user, self.device, since, 40)).unwrap())
    }
}

struct World {
    server: Server,
    users: Vec<User>,
    replicas: Vec<(Store, usize)>,
    /// Every change any replica made: (change id, table, row, field, value).
    made: Vec<(Uuid, String, Uuid, String, serde_json::Value)>,
    /// Writes a compaction removed from the server's log.
    compacted: BTreeSet<Uuid>,
    _dir: tempfile::TempDir,
}

/// Migrated empty databases, made once per run and copied per case (migrating costs more than a
/// whole case otherwise).
struct Template {
    server: PathBuf,
    replica: PathBuf,
    users: Vec<User>,
    _dir: tempfile::TempDir,
}

fn template() -> &'static Template {
    static T: std::sync::OnceLock<Template> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let dir = match temp_root() {
            Some(root) => tempfile::tempdir_in(root).unwrap(),
            None => tempfile::tempdir().unwrap(),
        };
        let server = dir.path().join("server.sqlite3");
        let storage = SqliteStorage::open(&server).unwrap();
        storage.create_dealership("Lakeside").unwrap();
        let users = vec![
            storage.add_user(None, "mia", "Mia", Role::Manager, "-").unwrap(),
            storage.add_user(None, "ana", "Ana", Role::Rep, "-").unwrap(),
            storage.add_user(None, "bo", "Bo", Role::Rep, "-").unwrap(),
        ];
        drop(storage);
        let replica = dir.path().join("replica.sqlite3");
        drop(Store::open(&replica).unwrap());
        let conn = rusqlite::Connection::open(&replica).unwrap();
        conn.execute("DELETE FROM meta WHERE key = 'device_id'", []).unwrap();
        drop(conn);
        Template { server, replica, users, _dir: dir }
    })
}

fn temp_root() -> Option<PathBuf> {
    let shm = PathBuf::from("/dev/shm");
    shm.is_dir().then_some(shm)
}

impl Drop for World {
    /// A PostgreSQL case's database goes with it (a CI run makes a hundred).
    fn drop(&mut self) {
        if let Db::Postgres(url) = &self.server.db {
            self.server.nodes.borrow_mut().clear();
            let _ = showroom_sync::testpg::drop_database(url);
        }
    }
}

impl World {
    fn new(n: usize, postgres: Option<&showroom_sync::testpg::TestPostgres>) -> World {
        let t = template();
        let dir = match temp_root() {
            Some(root) => tempfile::tempdir_in(root).unwrap(),
            None => tempfile::tempdir().unwrap(),
        };
        let (server, users) = if let Some(cluster) = postgres {
            // A new database with the template's logins.
            let url = cluster.database().unwrap();
            let server = Server::new(Db::Postgres(url));
            server.with(|s| s.create_dealership("Lakeside").unwrap());
            let users: Vec<User> = t
                .users
                .iter()
                .map(|u| server.with(|s| s.add_user(None, &u.login, &u.name, u.role, "-").unwrap()))
                .collect();
            (server, users)
        } else {
            let path = dir.path().join("server.sqlite3");
            std::fs::copy(&t.server, &path).unwrap();
            (Server::new(Db::Sqlite(path)), t.users.clone())
        };
        // Replica 0 is the manager's; the others alternate between the two reps (so a rep may have
        // two devices). Each starts as a copy of a migrated, empty store and gets its own device id.
        let replicas = (0..n)
            .map(|i| {
                let u = if i == 0 { 0 } else { 1 + (i - 1) % 2 };
                let file = dir.path().join(format!("replica{i}.sqlite3"));
                std::fs::copy(&t.replica, &file).unwrap();
                let mut s = Store::open(&file).unwrap();
                s.set_user(Some(users[u].id)).unwrap();
                (s, u)
            })
            .collect();
        World { server, users, replicas, made: Vec::new(), compacted: BTreeSet::new(), _dir: dir }
    }

    fn record_new_changes(&mut self, r: usize, before: usize) {
        let all = outbox(self.replicas[r].0.conn()).unwrap();
        for c in all.into_iter().skip(before) {
            self.made.push((c.change_id, c.table, c.row_id, c.field, c.value));
        }
    }

    fn customers(store: &Store) -> Vec<Customer> {
        query::<Customer>(store.conn(), "ORDER BY id", []).unwrap()
    }

    fn apply(&mut self, op: &Op, rt: &tokio::runtime::Runtime) {
        match *op {
            Op::Create { r } => {
                let u = self.replicas[r].1;
                let owner = if u == 0 { self.users[1].id } else { self.users[u].id };
                let mut c = Customer::blank(Uuid::now_v7(), Timestamp::now());
                c.owner_id = Some(owner);
                c.first_name = format!("F{r}");
                c.last_name = format!("L{}", self.made.len());
                let before = self.replicas[r].0.pending_changes().unwrap() as usize;
                self.replicas[r].0.write(|w| w.insert(&c)).unwrap();
                self.record_new_changes(r, before);
            }
            Op::Edit { r, pick, field, val } => {
                let list = Self::customers(&self.replicas[r].0);
                if list.is_empty() {
                    return;
                }
                let old = list[pick % list.len()].clone();
                let mut new = old.clone();
                let v = format!("{r}-{val}-{}", self.made.len());
                match FIELDS[field] {
                    "city" => new.city = v,
                    "notes" => new.notes = v,
                    "street" => new.street = v,
                    _ => new.postal_code = v,
                }
                let before = self.replicas[r].0.pending_changes().unwrap() as usize;
                self.replicas[r].0.write(|w| w.update(&old, &new).map(|_| ())).unwrap();
                self.record_new_changes(r, before);
            }
            Op::Reassign { pick, to } => {
                let list = Self::customers(&self.replicas[0].0);
                if list.is_empty() {
                    return;
                }
                let old = list[pick % list.len()].clone();
                let new = Customer { owner_id: Some(self.users[1 + to].id), ..old.clone() };
                let before = self.replicas[0].0.pending_changes().unwrap() as usize;
                self.replicas[0].0.write(|w| w.update(&old, &new).map(|_| ())).unwrap();
                self.record_new_changes(0, before);
            }
            Op::Delete { r, pick } => {
                let list: Vec<Customer> =
                    Self::customers(&self.replicas[r].0).into_iter().filter(|c| c.deleted_at.is_none()).collect();
                if list.is_empty() {
                    return;
                }
                let old = list[pick % list.len()].clone();
                let new = Customer { deleted_at: Some(Timestamp::now()), ..old.clone() };
                let before = self.replicas[r].0.pending_changes().unwrap() as usize;
                self.replicas[r].0.write(|w| w.update(&old, &new).map(|_| ())).unwrap();
                self.record_new_changes(r, before);
            }
            Op::Sync { r, fault } => {
                let user = self.users[self.replicas[r].1].clone();
                let device = self.replicas[r].0.device_id();
                let link = Link { server: &self.server, user: &user, device, fault, used: Cell::new(false) };
                let store = &mut self.replicas[r].0;
                match rt.block_on(round(&link, store)) {
                    Ok(report) => assert_eq!(report.refused, 0, "{report:?}"),
                    Err(SyncError::Offline(_)) => {}
                    Err(e) => panic!("sync failed: {e}"),
                }
            }
            Op::Restart => self.server.restart(),
            Op::Compact => {
                // The write ids compaction forgets are the writes it removed.
                let before = self.server.seen();
                self.server.with(|s| s.compact(now() + 1, 0)).unwrap();
                self.compacted.extend(before.difference(&self.server.seen()).copied());
            }
            Op::Deliver => {
                let held: Vec<(User, Push)> = self.server.delayed.borrow_mut().drain(..).rev().collect();
                for (user, push) in held {
                    self.server.with(|s| s.push(&user, &push, now())).unwrap();
                }
            }
        }
    }

    /// Delivers what was held and syncs everyone twice; with `purge`, compacts between the two
    /// (every device has then pulled every deletion: the tombstones are purged, and the second
    /// pass must drop them from every replica).
    fn settle(&mut self, rt: &tokio::runtime::Runtime, purge: bool) {
        self.apply(&Op::Deliver, rt);
        for pass in 0..2 {
            if pass == 1 && purge {
                self.apply(&Op::Compact, rt);
            }
            for r in 0..self.replicas.len() {
                let user = self.users[self.replicas[r].1].clone();
                let device = self.replicas[r].0.device_id();
                let link =
                    Link { server: &self.server, user: &user, device, fault: Fault::None, used: Cell::new(false) };
                let report = rt.block_on(round(&link, &mut self.replicas[r].0)).unwrap();
                assert!(report.mismatched.is_empty(), "checksums differ: {report:?}");
            }
        }
    }

    fn check(&self) -> Result<(), TestCaseError> {
        // The server's winners for customers, with the owner of each row's partition.
        let mut server: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
        let mut owner: HashMap<String, Option<String>> = HashMap::new();
        // A field's change id is its write's id with the field's index (`w % 256`) in the last byte.
        let winners = |change_id: &str| {
            format!(
                "SELECT s.row_id, s.field, s.value, {change_id}, (SELECT id FROM short_ids WHERE n = p.owner) FROM state s
                 JOIN writes wr ON wr.id = s.w / 256
                 JOIN rows r ON r.tbl = s.tbl AND r.row_id = s.row_id JOIN partitions p ON p.id = r.partition_id
                 WHERE s.tbl = 'customers'"
            )
        };
        let (on_sqlite, on_postgres) = (winners(SQLITE_CHANGE_ID), winners(POSTGRES_CHANGE_ID));
        for row in self.server.inspect(&on_sqlite, &on_postgres, &[]) {
            let text = |i: usize| row[i].clone().unwrap();
            owner.insert(text(0), row[4].clone());
            server.insert((text(0), text(1)), (text(2), text(3)));
        }
        for (r, (store, u)) in self.replicas.iter().enumerate() {
            let me = self.users[*u].id.to_string();
            let manager = *u == 0;
            prop_assert_eq!(store.pending_changes().unwrap(), 0, "replica {} still has pending changes", r);
            let refused = store.refused_changes().unwrap();
            prop_assert!(refused.is_empty(), "replica {} had changes refused: {:?}", r, refused);
            let visible: BTreeMap<_, _> = server
                .iter()
                .filter(|((id, _), _)| manager || owner.get(id).cloned().flatten().as_deref() == Some(me.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut local: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
            for c in Self::customers(store) {
                let id = c.id.to_string();
                // As stored (a JSON object without the empty keys its type reads back absent),
                // which is what travelled.
                let fields = showroom_core::store::record::get_fields::<Customer>(store.conn(), c.id).unwrap().unwrap();
                for (field, value) in &fields {
                    if field == "id" {
                        continue;
                    }
                    let change = showroom_core::store::clocks::field(store.conn(), "customers", &id, field)
                        .unwrap()
                        .map(|c| c.change_id.to_string());
                    match change {
                        Some(change) => {
                            local.insert((id.clone(), field.clone()), (value.to_string(), change));
                        }
                        // A field left empty when the row was made never travels: empty here too.
                        None => prop_assert!(
                            matches!(value, serde_json::Value::Null) || value == &serde_json::json!(""),
                            "replica {} has {}.{} = {} without a clock",
                            r,
                            id,
                            field,
                            value
                        ),
                    }
                }
            }
            prop_assert_eq!(&local, &visible, "replica {} (user {}) differs from the server", r, u);
        }
        // Every edit made anywhere is acknowledged: the winner of its field or superseded, with its
        // value in the server's log.
        // Rows purged (deleted, and every device had the deletion): their edits went with them.
        let purged_sql = "SELECT row_id FROM purged";
        let purged: BTreeSet<String> =
            self.server.inspect(purged_sql, purged_sql, &[]).into_iter().filter_map(|r| r[0].clone()).collect();
        for (id, table, row, field, value) in &self.made {
            if purged.contains(&row.to_string()) {
                continue;
            }
            // The log keeps one entry per row write; the change id names the write and the field.
            let (write, index) = showroom_core::store::outbox_writes::write_of(*id);
            let logged_change = |sqlite: &str, postgres: &str| -> Option<String> {
                let found = self.server.inspect(
                    &format!(
                        "SELECT {sqlite} FROM seen s JOIN log l ON l.seq = s.seq, {} f
                         WHERE s.write_id = unhex(replace(?1, '-', '')) AND CAST(f.value ->> 0 AS TEXT) = ?2",
                        showroom_e2e::LOGGED_SQLITE
                    ),
                    &format!(
                        "SELECT {postgres} FROM seen s JOIN log l ON l.seq = s.seq
                         CROSS JOIN LATERAL {} f
                         WHERE s.write_id = decode(replace(?1, '-', ''), 'hex') AND (f.value ->> 0) = ?2",
                        showroom_e2e::LOGGED_POSTGRES
                    ),
                    &[&write.to_string(), &index.to_string()],
                );
                found.into_iter().next().and_then(|r| r[0].clone())
            };
            let logged = logged_change("f.value -> 2", "(f.value -> 2)::text");
            let winner_sql = |change_id: &str| {
                format!(
                    "SELECT {change_id}, wr.hlc FROM state s JOIN writes wr ON wr.id = s.w / 256
                     WHERE s.tbl = ?1 AND s.row_id = ?2 AND s.field = ?3"
                )
            };
            let found = self.server.inspect(
                &winner_sql(SQLITE_CHANGE_ID),
                &winner_sql(POSTGRES_CHANGE_ID),
                &[table.as_str(), &row.to_string(), field.as_str()],
            );
            let winner: (String, String) = (found[0][0].clone().unwrap(), found[0][1].clone().unwrap());
            // A compaction removes only writes whose every field lost: such a change is not its
            // field's winner.
            if logged.is_none() && self.compacted.contains(&write) {
                prop_assert_ne!(&winner.0, &id.to_string(), "the winning change {} was compacted away", id);
                continue;
            }
            prop_assert_eq!(logged, Some(value.to_string()), "change {} of {}.{} is lost", id, table, field);
            let hlc = "COALESCE(l.hlc, (SELECT hlc FROM writes WHERE id = l.w_from / 256))";
            let mine: String = logged_change(hlc, hlc).unwrap();
            prop_assert!(
                (winner.1.clone(), winner.0.clone()) >= (mine, id.to_string()),
                "a newer change lost to {}",
                id
            );
        }
        Ok(())
    }
}

fn cases() -> u32 {
    std::env::var("SHOWROOM_SYNC_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000)
}

fn pg_cases() -> u32 {
    std::env::var("SHOWROOM_SYNC_PG_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100)
}

/// The same property with the server on PostgreSQL, served by two processes taking requests in
/// turn (a restart replaces one): each case on a new database of one cluster.
#[test]
fn every_replica_converges_through_two_postgresql_servers() {
    let cluster = showroom_sync::testpg::TestPostgres::start().unwrap();
    let config = ProptestConfig { cases: pg_cases(), failure_persistence: None, ..ProptestConfig::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let strategy = (2usize..=5).prop_flat_map(|n| (Just(n), proptest::collection::vec(op(n), 1..30)));
    let ran = runner.run(&strategy, |(n, ops)| {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut world = World::new(n, Some(&cluster));
        for op in &ops {
            world.apply(op, &rt);
        }
        world.settle(&rt, ops.len() % 2 == 0);
        world.check()
    });
    if let Err(e) = ran {
        panic!("{e}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn every_replica_converges_to_what_its_user_may_see(
        (n, ops) in (2usize..=5).prop_flat_map(|n| (Just(n), proptest::collection::vec(op(n), 1..30)))
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut world = World::new(n, None);
        for op in &ops {
            world.apply(op, &rt);
        }
        world.settle(&rt, ops.len() % 2 == 0);
        world.check()?;
    }
}
