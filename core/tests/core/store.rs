use crate::{app, draft};
use rusqlite::Connection;
use showroom_core::domain::Customer;
use showroom_core::store::customers::CustomerQuery;
use showroom_core::store::{SCHEMA_VERSION, Store, outbox};
use showroom_core::{CoreError, ErrorCode, Showroom};

#[test]
fn create_writes_row_search_entry_and_one_change_per_field() {
    let mut app = app();
    let c = app.create_customer(&draft("Ana", "García", "Ana@Example.com", "(415) 555-2671")).unwrap();
    assert_eq!(c.email.as_deref(), Some("ana@example.com"));
    assert_eq!(c.phone.as_deref(), Some("+14155552671"));

    let stored = app.customer_detail(c.id).unwrap().customer;
    assert_eq!(stored, c);

    let changes = outbox(app.store().conn()).unwrap();
    // Every field but the id and the empty ones (which a replica reads back as empty), all for
    // this row, all with one HLC and this device.
    let row = serde_json::to_value(&c).unwrap();
    let filled: Vec<&str> = <Customer as showroom_core::store::Entity>::COLUMNS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| *n != "id")
        .filter(|n| !matches!(&row[*n], serde_json::Value::Null) && row[*n] != serde_json::json!(""))
        .collect();
    let mut recorded: Vec<&str> = changes.iter().map(|ch| ch.field.as_str()).collect();
    recorded.sort_unstable();
    let mut want = filled.clone();
    want.sort_unstable();
    assert_eq!(recorded, want);
    assert!(!recorded.contains(&"street") && !recorded.contains(&"deleted_at"));
    assert!(changes.iter().all(|ch| ch.row_id == c.id && ch.table == "customers"));
    assert!(changes.iter().all(|ch| ch.hlc == changes[0].hlc && ch.device_id == app.store().device_id()));
    let email = changes.iter().find(|ch| ch.field == "email").unwrap();
    assert_eq!(email.value, serde_json::json!("ana@example.com"));

    // Found by every kind of prefix a rep types.
    for q in ["ana", "garc", "garcia", "ana@exa", "415555", "(415) 555-26", "5552671"] {
        let hits = app.search(q).unwrap();
        assert!(hits.iter().any(|h| h.id == c.id), "{q:?} did not find Ana");
    }
    assert!(app.search("zebra").unwrap().is_empty());
}

#[test]
fn update_records_only_changed_fields_and_reindexes() {
    let mut app = app();
    let c = app.create_customer(&draft("Ben", "Okafor", "ben@example.com", "")).unwrap();
    let before = outbox(app.store().conn()).unwrap().len();

    let mut d = showroom_core::domain::CustomerDraft::from_customer(&c);
    d.last_name = "Okafor-Mensah".into();
    d.city = "Austin".into();
    let updated = app.update_customer(c.id, &d).unwrap();
    assert_eq!(updated.last_name, "Okafor-Mensah");
    assert!(updated.updated_at >= c.updated_at);

    let changes = outbox(app.store().conn()).unwrap();
    let mut fields: Vec<_> = changes[before..].iter().map(|ch| ch.field.as_str()).collect();
    fields.sort();
    assert_eq!(fields, ["city", "last_name", "updated_at"]);
    assert!(changes[before].hlc > changes[0].hlc, "the clock moves forward");

    assert!(app.search("mensah").unwrap().iter().any(|h| h.id == c.id));
    // Saving the same values again changes nothing.
    app.update_customer(c.id, &d).unwrap();
    assert_eq!(outbox(app.store().conn()).unwrap().len(), changes.len());
}

#[test]
fn invalid_input_names_fields_and_stores_nothing() {
    let mut app = app();
    let err = app.create_customer(&draft("", "Lee", "lee@", "12")).unwrap_err();
    let CoreError::Validation(fields) = &err else { panic!("{err}") };
    let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["first_name", "email", "phone"]);
    assert_eq!(showroom_core::ApiError::from(err).code, ErrorCode::Validation);
    assert_eq!(app.store().count::<Customer>().unwrap(), 0);
    assert_eq!(app.store().pending_changes().unwrap(), 0);
}

#[test]
fn duplicate_email_is_refused_with_the_other_name() {
    let mut app = app();
    app.create_customer(&draft("Ana", "García", "ana@example.com", "")).unwrap();
    let err = app.create_customer(&draft("Anna", "Garcia", "ANA@example.com", "")).unwrap_err();
    assert!(err.to_string().contains("Ana García"), "{err}");
    assert_eq!(app.store().count::<Customer>().unwrap(), 1);
}

#[test]
fn unknown_customer_is_not_found() {
    let mut app = app();
    let id = showroom_core::domain::new_id();
    assert_eq!(app.customer_detail(id).unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(app.update_customer(id, &draft("A", "B", "", "")).unwrap_err().code(), ErrorCode::NotFound);
}

#[test]
fn a_write_that_fails_midway_leaves_neither_row_nor_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let mut app =
        Showroom::open(dir.path(), &showroom_core::vault::Unlock::passphrase("store test passphrase")).unwrap();
    // Make the last step of the write (its field clocks) fail, after the row, its search entry and
    // its outbox record were written.
    app.store()
        .conn()
        .execute_batch(
            "CREATE TRIGGER fail_midway BEFORE INSERT ON row_clocks
             BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END;",
        )
        .unwrap();
    let err = app.create_customer(&draft("Cara", "Nguyen", "cara@example.com", "")).unwrap_err();
    assert!(err.to_string().contains("simulated"), "{err}");
    drop(app);
    let conn = raw(dir.path());
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT count(*) FROM customers"), 0);
    assert_eq!(count("SELECT count(*) FROM outbox"), 0);
    assert_eq!(count("SELECT count(*) FROM customers_fts"), 0);
}

/// A customer's preferences are stored and sent without their empty keys (`{}` for a customer
/// with none stated), every filled key is kept, consent keeps every channel (older readers need
/// them all), and each reads back as the same customer. An edit of a customer stored in the full
/// form (by an older version) records only the field the rep changed.
#[test]
fn preferences_are_stored_and_sent_without_their_empty_keys() {
    use serde_json::json;
    let mut app = app();
    let plain = app.create_customer(&draft("Hal", "Ito", "hal@example.com", "")).unwrap();
    let mut d = draft("Ivy", "Ito", "ivy@example.com", "");
    d.preferences.makes = vec!["Honda".into()];
    d.preferences.budget_max_cents = Some(3_000_000);
    let keen = app.create_customer(&d).unwrap();

    let column = |app: &Showroom, id: uuid::Uuid, col: &str| -> serde_json::Value {
        let sql = format!("SELECT {col} FROM customers WHERE id = ?1");
        let text: String = app.store().conn().query_row(&sql, [id.to_string()], |r| r.get(0)).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    assert_eq!(column(&app, plain.id, "preferences"), json!({}));
    assert_eq!(column(&app, keen.id, "preferences"), json!({"makes": ["Honda"], "budget_max_cents": 3_000_000}));
    assert_eq!(column(&app, plain.id, "consent"), json!({"email": true, "sms": false, "phone": false}));
    assert_eq!(column(&app, keen.id, "consent"), json!({"email": true, "sms": false, "phone": false}));
    let sent = |app: &Showroom, id: uuid::Uuid, field: &str| {
        let changes = outbox(app.store().conn()).unwrap();
        changes.into_iter().find(|c| c.row_id == id && c.field == field).map(|c| c.value)
    };
    assert_eq!(sent(&app, plain.id, "preferences"), Some(json!({})));
    assert_eq!(sent(&app, keen.id, "preferences"), Some(json!({"makes": ["Honda"], "budget_max_cents": 3_000_000})));
    assert_eq!(sent(&app, plain.id, "consent"), Some(json!({"email": true, "sms": false, "phone": false})));
    // A channel missing from consent reads as no consent (what a later version may send).
    let sparse: showroom_core::domain::Consent = serde_json::from_value(json!({"email": true})).unwrap();
    assert!(sparse.email && !sparse.sms && !sparse.phone);
    assert_eq!(app.customer_detail(plain.id).unwrap().customer, plain);
    assert_eq!(app.customer_detail(keen.id).unwrap().customer, keen);
    assert_eq!(keen.preferences.makes, ["Honda"]);
    assert!(keen.preferences.models.is_empty() && keen.preferences.timeframe.is_none());

    // Stored in the full form, as an older version wrote it: an edit of the notes records the
    // notes alone, and the preferences stay as they were stored.
    let full = serde_json::to_string(&keen.preferences).unwrap();
    app.store()
        .conn()
        .execute("UPDATE customers SET preferences = ?2 WHERE id = ?1", rusqlite::params![keen.id.to_string(), full])
        .unwrap();
    let before = outbox(app.store().conn()).unwrap().len();
    let mut edit = showroom_core::domain::CustomerDraft::from_customer(&keen);
    edit.notes = "Wants a test drive on Saturday".into();
    let edited = app.update_customer(keen.id, &edit).unwrap();
    let after = outbox(app.store().conn()).unwrap();
    let fields: Vec<&str> = after[before..].iter().map(|c| c.field.as_str()).collect();
    assert!(fields.contains(&"notes") && !fields.contains(&"preferences"), "{fields:?}");
    assert_eq!(edited.preferences, keen.preferences);
    assert_eq!(column(&app, keen.id, "preferences"), serde_json::from_str::<serde_json::Value>(&full).unwrap());
}

/// The status bar's counts (polled every 3 s by the window) read two small indexes, not every
/// customer and every waiting field value; and they count what they should: live customers only,
/// and the fields still waiting after some were acknowledged.
#[test]
fn the_status_counts_read_small_indexes_and_stay_exact() {
    let mut app = app();
    let ana = app.create_customer(&draft("Ana", "Ruiz", "ana@example.com", "")).unwrap();
    let ben = app.create_customer(&draft("Ben", "Ruiz", "ben@example.com", "")).unwrap();
    let plan = |sql: &str| -> String {
        let conn = app.store().conn();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
    };
    let pending = plan("SELECT coalesce(sum(pending), 0) FROM outbox_writes");
    assert!(pending.contains("COVERING INDEX outbox_writes_pending"), "{pending}");
    let live = plan("SELECT count(*) FROM customers WHERE deleted_at IS NULL");
    assert!(live.contains("COVERING INDEX customers_live"), "{live}");

    let waiting = outbox(app.store().conn()).unwrap();
    assert_eq!(app.store().pending_changes().unwrap(), waiting.len() as i64);
    // Two fields of Ana's write acknowledged: the count drops by two.
    let acked: Vec<uuid::Uuid> = waiting.iter().filter(|c| c.row_id == ana.id).take(2).map(|c| c.change_id).collect();
    app.store_mut().acknowledge(&acked).unwrap();
    assert_eq!(app.store().pending_changes().unwrap(), waiting.len() as i64 - 2);
    assert_eq!(app.status().unwrap().customers, 2);
    // A deleted customer (as a sync or a merge leaves it) is not counted.
    let gone = "UPDATE customers SET deleted_at = '2026-11-02T10:00:00.000Z' WHERE id = ?1";
    app.store().conn().execute(gone, [ben.id.to_string()]).unwrap();
    assert_eq!(app.status().unwrap().customers, 1);
}

#[test]
fn releasing_the_page_cache_between_and_inside_writes_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let unlock = showroom_core::vault::Unlock::passphrase("store test passphrase");
    let mut app = Showroom::open(dir.path(), &unlock).unwrap();
    let first = app.create_customer(&draft("Fay", "Ortiz", "fay@example.com", "")).unwrap();
    let listed = |app: &Showroom| app.list_customers(&CustomerQuery::default()).unwrap().total;
    assert_eq!(listed(&app), 1);
    // Between two actions (as the window does when it goes quiet): reads come back the same.
    app.release_memory().unwrap();
    assert_eq!(app.customer_detail(first.id).unwrap().customer, first);
    // Inside an open transaction: the pages it changed are not cached-only, so they survive the
    // release and the commit.
    let conn = app.store().conn();
    conn.execute_batch("BEGIN; UPDATE customers SET notes = 'kept through the release' WHERE id IS NOT NULL;").unwrap();
    app.release_memory().unwrap();
    app.store().conn().execute_batch("COMMIT").unwrap();
    let second = app.create_customer(&draft("Gil", "Ortiz", "gil@example.com", "")).unwrap();
    app.release_memory().unwrap();
    drop(app);
    let app = Showroom::open(dir.path(), &unlock).unwrap();
    assert_eq!(listed(&app), 2);
    assert_eq!(app.customer_detail(first.id).unwrap().customer.notes, "kept through the release");
    assert_eq!(app.customer_detail(second.id).unwrap().customer.first_name, "Gil");
}

#[test]
fn data_survives_reopen_and_device_and_clock_persist() {
    let dir = tempfile::tempdir().unwrap();
    let (id, device, last_hlc) = {
        let mut app =
            Showroom::open(dir.path(), &showroom_core::vault::Unlock::passphrase("store test passphrase")).unwrap();
        let c = app.create_customer(&draft("Dee", "Brooks", "dee@example.com", "")).unwrap();
        let last = outbox(app.store().conn()).unwrap().last().unwrap().hlc;
        (c.id, app.store().device_id(), last)
    };
    let mut app =
        Showroom::open(dir.path(), &showroom_core::vault::Unlock::passphrase("store test passphrase")).unwrap();
    assert_eq!(app.store().device_id(), device);
    assert_eq!(app.customer_detail(id).unwrap().customer.first_name, "Dee");
    let c2 = app.create_customer(&draft("Eli", "Brooks", "eli@example.com", "")).unwrap();
    let newest = outbox(app.store().conn()).unwrap().into_iter().find(|ch| ch.row_id == c2.id).unwrap();
    assert!(newest.hlc > last_hlc, "the persisted clock never goes backwards");
    let conn = raw(dir.path());
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn migrations_set_the_version_and_a_newer_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("showroom.sqlite3");
    drop(Store::open(&path).unwrap());
    {
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        // A future build migrated this file further.
        conn.execute_batch(&format!("PRAGMA user_version = {}; CREATE TABLE from_the_future (x);", SCHEMA_VERSION + 1))
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).err().expect("a newer database must be refused");
    assert_eq!(err.code(), ErrorCode::SchemaTooNew);
    assert!(err.to_string().contains("newer Showroom"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file was not touched");
}

#[test]
fn list_pages_and_searches() {
    let mut app = app();
    for (i, last) in ["Adams", "Baker", "Clark", "Davis", "Evans"].iter().enumerate() {
        app.create_customer(&draft("Pat", last, &format!("pat{i}@example.com"), "")).unwrap();
    }
    let page = app.list_customers(&CustomerQuery { limit: 2, offset: 2, ..Default::default() }).unwrap();
    assert_eq!(page.total, 5);
    let names: Vec<_> = page.items.iter().map(|c| c.last_name.as_str()).collect();
    assert_eq!(names, ["Clark", "Davis"]);
    let found = app.list_customers(&CustomerQuery { search: "dav".into(), ..Default::default() }).unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].last_name, "Davis");
}

#[test]
fn diacritics_do_not_matter_in_search() {
    let mut app = app();
    let c = app.create_customer(&draft("José", "Núñez", "", "512-555-0101")).unwrap();
    assert!(app.search("nunez").unwrap().iter().any(|h| h.id == c.id));
    assert!(app.search("Jose Nu").unwrap().iter().any(|h| h.id == c.id));
}

/// What people paste into a search box: quotes, FTS operators, lone apostrophes, emoji, a whole
/// email. Each gives results or nothing, never an error; operators are plain words.
#[test]
fn any_text_in_a_search_box_gives_results_or_nothing() {
    let mut app = app();
    let c = app.create_customer(&draft("Noah", "O'Brien", "noah@example.com", "512-555-0101")).unwrap();
    let near = app.create_customer(&draft("Near", "Andersen", "", "")).unwrap();
    let long = "Noah O'Brien ".repeat(40);
    let cases: [(&str, Option<uuid::Uuid>); 14] = [
        ("Noah O'B", Some(c.id)),
        ("o'brien", Some(c.id)),
        ("'", None),
        ("\"", None),
        ("\"Noah", Some(c.id)),
        ("noah\"*", Some(c.id)),
        ("NEAR(noah obrien)", None),
        ("near AND", Some(near.id)),
        ("*", None),
        ("noah OR x", None),
        ("🚗 noah 🙂", Some(c.id)),
        ("🚗", None),
        (&long, Some(c.id)),
        ("-noah", Some(c.id)),
    ];
    for (text, want) in cases {
        let hits = app.search(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let page = app
            .list_customers(&CustomerQuery { search: text.to_string(), ..Default::default() })
            .unwrap_or_else(|e| panic!("{text:?}: {e}"));
        match want {
            Some(id) => {
                assert!(hits.iter().any(|h| h.id == id), "{text:?}: {hits:?}");
                assert!(page.items.iter().any(|x| x.id == id), "{text:?}");
            }
            None => assert!(hits.iter().all(|h| h.id != c.id) && page.items.iter().all(|x| x.id != c.id), "{text:?}"),
        }
    }
}

/// A raw connection to a data folder opened with the store tests' passphrase.
fn raw(dir: &std::path::Path) -> Connection {
    let unlock = showroom_core::vault::Unlock::passphrase("store test passphrase");
    let vault = showroom_core::vault::open(dir, &unlock).unwrap();
    let conn = Connection::open(dir.join("showroom.sqlite3")).unwrap();
    vault.key.apply(&conn).unwrap();
    conn
}

/// The main file and its WAL, in bytes.
fn on_disk(path: &std::path::Path) -> u64 {
    let wal = path.with_extension("sqlite3-wal");
    [path.to_path_buf(), wal].iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
}

#[test]
fn pushed_changes_give_their_pages_back_to_the_disk_in_new_and_older_files() {
    let pragma =
        |s: &Store, name: &str| s.conn().query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0)).unwrap();
    // A new plain file, an older plain file, and an encrypted one (as the app opens it).
    for (older, encrypted) in [(false, false), (true, false), (false, true)] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("showroom.sqlite3");
        let open = || match encrypted {
            true => {
                let unlock = showroom_core::vault::Unlock::passphrase("store test passphrase");
                Store::open_encrypted(&path, &showroom_core::vault::open(dir.path(), &unlock).unwrap().key).unwrap()
            }
            false => Store::open(&path).unwrap(),
        };
        let mut store = open();
        assert_eq!(pragma(&store, "auto_vacuum"), 2, "a new file vacuums incrementally");
        if older {
            // A file made before: no auto-vacuum at all.
            store.conn().execute_batch("PRAGMA auto_vacuum = NONE; VACUUM").unwrap();
            assert_eq!(pragma(&store, "auto_vacuum"), 0);
        }
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut one = draft("Walter", "Okafor", "", "");
        // Long notes: the outbox keeps one compact record per write, and the test needs it to fill
        // more than RECLAIM_PAGES pages.
        one.notes = "Asked about the hybrid's range and a trade-in for his 2016 Accord; call after 5 PM.".repeat(24);
        let mut last = None;
        for i in 0..2500 {
            one.last_name = format!("Okafor{i}");
            last = Some(showroom_core::store::customers::create(&mut store, &one, "US", today).unwrap().id);
        }
        // While the changes wait to be pushed only the grown write-ahead log is given back.
        let wal = path.with_extension("sqlite3-wal");
        let wal_before = std::fs::metadata(&wal).unwrap().len();
        let waiting = outbox(store.conn()).unwrap().len();
        let freed = store.reclaim_space().unwrap();
        let wal_after = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert!(wal_before > 4 << 20 && wal_after == 0 && freed == wal_before, "{wal_before} {wal_after} {freed}");
        assert_eq!(outbox(store.conn()).unwrap().len(), waiting);
        assert_eq!(store.reclaim_space().unwrap(), 0, "nothing more to give back");
        let pushed: Vec<_> = outbox(store.conn()).unwrap().iter().map(|c| c.change_id).collect();
        assert!(pushed.len() >= 2500 * 8, "{}", pushed.len());
        store.acknowledge(&pushed).unwrap();
        store.conn().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
        let before = on_disk(&path);
        let free = pragma(&store, "freelist_count");
        assert!(free > 1024, "the emptied outbox left {free} free pages");

        let freed = store.reclaim_space().unwrap();
        let page = if encrypted { 4096 } else { pragma(&store, "page_size") as u64 };
        assert!(freed >= free as u64 * page * 9 / 10, "freed {freed} bytes of {free} free pages");
        assert_eq!(pragma(&store, "freelist_count"), 0);
        assert_eq!(pragma(&store, "auto_vacuum"), 2, "an older file is converted once");
        let after = on_disk(&path);
        assert!(after + freed * 9 / 10 <= before, "{before} bytes on disk before, {after} after, {freed} freed");
        // Every record is still there, and a second call has nothing to do.
        assert_eq!(store.count::<Customer>().unwrap(), 2500);
        assert!(showroom_core::store::customers::detail(store.conn(), last.unwrap()).is_ok());
        assert_eq!(store.reclaim_space().unwrap(), 0);
        drop(store);
        assert_eq!(open().count::<Customer>().unwrap(), 2500);
    }
}

#[test]
fn a_schema_15_file_folds_its_clocks_and_outbox_into_one_record_per_row_write() {
    use showroom_core::store::clocks;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("showroom.sqlite3");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let before = {
        let mut store = Store::open(&path).unwrap();
        for i in 0..30 {
            let one = draft("Walter", &format!("Okafor{i}"), &format!("w{i}@example.com"), "");
            showroom_core::store::customers::create(&mut store, &one, "US", today).unwrap();
        }
        let now = clocks::of_rows(store.conn(), "customers", None, None).unwrap();
        let waiting = outbox(store.conn()).unwrap();
        // Turn the file back into schema 15: one text row per field clock and per unpushed change.
        store
            .conn()
            .execute_batch(
                "CREATE TABLE field_clocks (tbl TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
                   hlc TEXT NOT NULL, change_id TEXT, user_id TEXT, PRIMARY KEY (tbl, row_id, field)) STRICT, WITHOUT ROWID;
                 DROP TABLE row_clocks;
                 CREATE TABLE outbox_15 (seq INTEGER PRIMARY KEY, change_id TEXT NOT NULL UNIQUE, tbl TEXT NOT NULL,
                   row_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, hlc TEXT NOT NULL,
                   device_id TEXT NOT NULL, user_id TEXT) STRICT;
                 INSERT INTO outbox_15 (change_id, tbl, row_id, field, value, hlc, device_id, user_id)
                   SELECT change_id, tbl, row_id, field, value, hlc, device_id, user_id FROM outbox ORDER BY seq;
                 DROP VIEW outbox; DROP TABLE outbox_writes; ALTER TABLE outbox_15 RENAME TO outbox;
                 DROP TABLE field_numbers;
                 DROP INDEX customers_live; DROP INDEX sales_orders_by_customer;
                 DROP INDEX test_drives_by_customer; DROP INDEX quote_shares_by_customer;
                 PRAGMA user_version = 15;",
            )
            .unwrap();
        for (row, field, c) in &now {
            store
                .conn()
                .execute(
                    "INSERT INTO field_clocks VALUES ('customers', ?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![row, field, c.hlc.to_string(), c.change_id.to_string(), c.author],
                )
                .unwrap();
        }
        // And one change recorded with a random id, as builds before schema 17 did.
        let mut legacy = waiting[0].clone();
        legacy.change_id = uuid::Uuid::from_u128(0x3f1c_9a2e_77d4_4b61_a0c8_5e2d_19f4_b7c3);
        legacy.field = "notes".into();
        legacy.value = serde_json::json!("Prefers a call after 5 PM");
        store
            .conn()
            .execute(
                "INSERT INTO outbox (change_id, tbl, row_id, field, value, hlc, device_id, user_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
                rusqlite::params![
                    legacy.change_id.to_string(),
                    legacy.table,
                    legacy.row_id.to_string(),
                    legacy.field,
                    legacy.value.to_string(),
                    legacy.hlc.to_string(),
                    legacy.device_id.to_string()
                ],
            )
            .unwrap();
        let mut waiting = waiting;
        legacy.user_id = None;
        waiting.push(legacy);
        (now, waiting)
    };
    let (before, waiting) = before;
    assert!(before.len() >= 30 * 4, "{}", before.len());
    let old_ids: i64 = raw_count(&path, "SELECT count(*) FROM outbox WHERE length(change_id) = 36");
    assert_eq!(old_ids as usize, waiting.len(), "the old outbox holds one row per change");
    let store = Store::open(&path).unwrap();
    let v: i64 = store.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    assert_eq!(clocks::of_rows(store.conn(), "customers", None, None).unwrap(), before);
    let rows: i64 = store.conn().query_row("SELECT count(*) FROM row_clocks", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 30, "one clock record per row");
    let old: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'field_clocks'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(old, 0, "the per-field table is gone");
    // The unpushed changes keep their ids, values and order, a record per write (their ids say
    // which); a new write is one record for all its fields.
    assert_eq!(outbox(store.conn()).unwrap(), waiting);
    let writes =
        |s: &Store| s.conn().query_row("SELECT count(*) FROM outbox_writes", [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(writes(&store), 31);
    assert_eq!(store.pending_changes().unwrap() as usize, waiting.len());
    let mut store = store;
    let one = draft("Cara", "Nguyen", "cara@example.com", "(415) 555-2671");
    showroom_core::store::customers::create(&mut store, &one, "US", today).unwrap();
    assert_eq!(writes(&store), 32);
    assert!(store.pending_changes().unwrap() as usize >= waiting.len() + 4);
    // Acknowledging every change empties the outbox.
    let all: Vec<_> = outbox(store.conn()).unwrap().iter().map(|c| c.change_id).collect();
    assert_eq!(store.acknowledge(&all).unwrap(), all.len());
    assert_eq!((writes(&store), store.pending_changes().unwrap()), (0, 0));
}

/// Turns the outbox back into its layout before fields were numbered (schema 22) and ids kept as
/// bytes (23): ids and the HLC spelt as text, no `field_numbers`, and the view of that time; then
/// marks the file as schema `version`.
fn outbox_before_numbering(conn: &Connection, version: i64) {
    conn.execute_batch(&format!(
        "CREATE TABLE outbox_text (seq INTEGER PRIMARY KEY, write_id TEXT NOT NULL UNIQUE, tbl TEXT NOT NULL,
           row_id TEXT NOT NULL, hlc TEXT NOT NULL, device_id TEXT NOT NULL, user_id TEXT, fields TEXT NOT NULL,
           pending INTEGER NOT NULL) STRICT;
         INSERT INTO outbox_text
           SELECT o.seq, substr(o.change_id, 1, 34) || '00', o.tbl, o.row_id, o.hlc, o.device_id, o.user_id,
                  w.fields, w.pending
           FROM (SELECT seq, min(change_id) AS change_id, tbl, row_id, hlc, device_id, user_id FROM outbox GROUP BY seq) o
           JOIN outbox_writes w ON w.seq = o.seq;
         DROP VIEW outbox; DROP TABLE outbox_writes; ALTER TABLE outbox_text RENAME TO outbox_writes;
         CREATE INDEX outbox_writes_pending ON outbox_writes (pending);
         DROP TABLE field_numbers;
         CREATE VIEW outbox AS
           SELECT w.seq, substr(w.write_id, 1, 34) || printf('%02x', f.value ->> 0) AS change_id, w.tbl,
                  w.row_id, f.value ->> 1 AS field, f.value -> 2 AS value, w.hlc, w.device_id, w.user_id
           FROM outbox_writes w, json_each(w.fields) f;
         PRAGMA user_version = {version};"
    ))
    .unwrap();
}

fn raw_count(path: &std::path::Path, sql: &str) -> i64 {
    Connection::open(path).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A schema 20 file's search tables kept a copy of the indexed text; opening it moves their index
/// into tables without that copy, and every row is still found (and edits still reindex).
#[test]
fn a_schema_20_file_keeps_its_search_without_the_copy_of_the_indexed_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("showroom.sqlite3");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let ids = {
        let mut store = Store::open(&path).unwrap();
        let ids: Vec<_> = ["Quartermaine", "Okafor", "Nuñez"]
            .iter()
            .enumerate()
            .map(|(i, last)| {
                let one = draft("Walter", last, &format!("w{i}@example.com"), "(415) 555-2671");
                showroom_core::store::customers::create(&mut store, &one, "US", today).unwrap().id
            })
            .collect();
        // Turn the search tables back into schema 20's: each held its text as well as its index.
        let conn = store.conn();
        let rows: Vec<(i64, String)> = showroom_core::store::query::<Customer>(conn, "", [])
            .unwrap()
            .iter()
            .map(|c| {
                let rid = conn.query_row("SELECT rid FROM customers WHERE id = ?1", [c.id.to_string()], |r| r.get(0));
                (rid.unwrap(), c.search_terms())
            })
            .collect();
        for t in ["customers", "leads", "vehicles"] {
            conn.execute_batch(&format!(
                "DROP TABLE {t}_fts;
                 CREATE VIRTUAL TABLE {t}_fts USING fts5 (terms, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');"
            ))
            .unwrap();
        }
        for (rid, terms) in &rows {
            conn.execute("INSERT INTO customers_fts (rowid, terms) VALUES (?1, ?2)", rusqlite::params![rid, terms])
                .unwrap();
        }
        // Schema 20's outbox, before fields were numbered (migration 22) and ids stored as bytes (23).
        outbox_before_numbering(conn, 20);
        ids
    };
    assert_eq!(raw_count(&path, "SELECT count(*) FROM customers_fts_content"), 3, "schema 20 kept the text");

    let mut store = Store::open(&path).unwrap();
    let v: i64 = store.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    let copies: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM sqlite_master WHERE name LIKE '%\\_fts\\_content' ESCAPE '\\'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(copies, 0, "no search table keeps a copy of its text");
    let found = |s: &Store, q: &str| -> Vec<uuid::Uuid> {
        showroom_core::store::search::search_all(s.conn(), q, 10).unwrap().iter().map(|h| h.id).collect()
    };
    for (q, id) in [("quarterm", ids[0]), ("Walter Oka", ids[1]), ("nunez", ids[2]), ("w2@example", ids[2])] {
        assert_eq!(found(&store, q), [id], "{q:?}");
    }
    assert_eq!(found(&store, "5552671").len(), 3);
    // An edit replaces the row's words; a row taken off the laptop takes its words along.
    let mut d = showroom_core::domain::CustomerDraft::from_customer(
        &showroom_core::store::customers::detail(store.conn(), ids[1]).unwrap().customer,
    );
    d.last_name = "Mensah".into();
    showroom_core::store::customers::update(&mut store, ids[1], &d, "US", today).unwrap();
    assert!(found(&store, "okafor").is_empty());
    assert_eq!(found(&store, "mensah"), [ids[1]]);
    let all: Vec<_> = outbox(store.conn()).unwrap().iter().map(|c| c.change_id).collect();
    store.acknowledge(&all).unwrap();
    let gone = showroom_core::sync::protocol::RowRef { table: "customers".into(), row_id: ids[0] };
    assert_eq!(store.evict(&[gone]).unwrap(), (1, 0));
    assert!(found(&store, "quartermaine").is_empty());
    assert_eq!(found(&store, "5552671").len(), 2);
}

/// A schema 21 file's outbox spells every field's name and every id as text; opening it keeps
/// those writes (pushed with the same names, ids and clocks, shown alike by the `outbox` view),
/// and new writes name their fields by number and keep ids as bytes, which the push and the view
/// read back as names and text.
#[test]
fn a_schema_21_outbox_keeps_its_writes_and_new_writes_are_numbered_and_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("showroom.sqlite3");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let view = |conn: &Connection| -> Vec<(String, String, String)> {
        let mut stmt = conn
            .prepare(
                "SELECT change_id, field, tbl || ' ' || row_id || ' ' || value || ' ' || hlc || ' ' || device_id
                        || ' ' || coalesce(user_id, '-')
                 FROM outbox ORDER BY seq, change_id",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    let spelt = |conn: &Connection, kind: &str| -> i64 {
        conn.query_row(
            "SELECT count(*) FROM outbox_writes w, json_each(w.fields) f WHERE json_type(f.value, '$[1]') = ?1",
            [kind],
            |r| r.get(0),
        )
        .unwrap()
    };
    let before = {
        let mut store = Store::open(&path).unwrap();
        let ana = draft("Ana", "Ruiz", "ana@example.com", "(415) 555-2671");
        showroom_core::store::customers::create(&mut store, &ana, "US", today).unwrap();
        let conn = store.conn();
        let waiting = outbox(conn).unwrap();
        assert!(waiting.len() >= 8, "{}", waiting.len());
        assert_eq!(spelt(conn, "text"), 0, "this build numbers every field of a customer");
        // Turn the file back into schema 21: names spelt, the view without the number table.
        conn.execute_batch(
            "UPDATE outbox_writes SET fields = (
                 SELECT json_group_array(json_array(f.value -> 0,
                     (SELECT name FROM field_numbers WHERE n = f.value ->> 1), json(f.value -> 2)))
                 FROM json_each(outbox_writes.fields) f);",
        )
        .unwrap();
        outbox_before_numbering(conn, 21);
        assert_eq!(spelt(conn, "integer"), 0);
        assert_eq!(spelt(conn, "text") as usize, waiting.len());
        (waiting, view(conn))
    };
    let (waiting, old_view) = before;
    assert!(old_view.iter().any(|(_, f, _)| f == "email"), "{old_view:?}");

    let mut store = Store::open(&path).unwrap();
    let v: i64 = store.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    // The write recorded before is pushed exactly as it was, and the view still names its fields.
    assert_eq!(outbox(store.conn()).unwrap(), waiting);
    assert_eq!(view(store.conn()), old_view);
    // A new write is numbered, and reads back by name.
    let ben = draft("Ben", "Okafor", "ben@example.com", "");
    showroom_core::store::customers::create(&mut store, &ben, "US", today).unwrap();
    let all = outbox(store.conn()).unwrap();
    let new: Vec<_> = all[waiting.len()..].iter().collect();
    let layouts: Vec<(String, i64)> = store
        .conn()
        .prepare(
            "SELECT DISTINCT typeof(write_id) || typeof(row_id) || typeof(hlc_node) || typeof(device_id),
                    length(write_id) + length(row_id) + length(hlc_node) + length(device_id)
             FROM outbox_writes",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(layouts, [("blobblobblobblob".to_string(), 64)], "old and new writes keep ids as bytes");
    assert_eq!(spelt(store.conn(), "integer") as usize, new.len());
    assert_eq!(spelt(store.conn(), "text") as usize, waiting.len());
    let names: Vec<&str> = new.iter().map(|c| c.field.as_str()).collect();
    for f in ["first_name", "last_name", "email", "created_at"] {
        assert!(names.contains(&f), "{f} in {names:?}");
    }
    assert!(new.iter().any(|c| c.field == "last_name" && c.value == serde_json::json!("Okafor")));
    let shown = view(store.conn());
    assert_eq!(shown[..old_view.len()], old_view[..]);
    let shown_new: Vec<(String, String, String)> = new
        .iter()
        .map(|c| {
            let user = c.user_id.map_or("-".to_string(), |u| u.to_string());
            let rest = format!("{} {} {} {} {} {user}", c.table, c.row_id, c.value, c.hlc, c.device_id);
            (c.change_id.to_string(), c.field.clone(), rest)
        })
        .collect();
    assert_eq!(shown[old_view.len()..], shown_new[..]);
    // Part of the new write acknowledged: the rest keeps its numbers, names and values.
    let half: Vec<_> = new.iter().step_by(2).map(|c| c.change_id).collect();
    store.acknowledge(&half).unwrap();
    let left = outbox(store.conn()).unwrap();
    let expected: Vec<_> = all.iter().filter(|c| !half.contains(&c.change_id)).cloned().collect();
    assert_eq!(left, expected);
}

/// A row that moved away leaves the laptop unless it holds edits not pushed yet: those wait (and
/// are offered again after the push); a re-sync keeps such a row too, and drops the others the
/// server did not send.
#[test]
fn rows_with_unpushed_edits_stay_through_an_eviction_and_a_resync() {
    use showroom_core::sync::protocol::RowRef;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("showroom.sqlite3")).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut ids = Vec::new();
    for (i, name) in ["Ana", "Ben", "Cleo", "Dev"].iter().enumerate() {
        let d = draft(name, "Ruiz", &format!("r{i}@example.com"), "");
        ids.push(showroom_core::store::customers::create(&mut store, &d, "US", today).unwrap().id);
    }
    let row = |id| RowRef { table: "customers".into(), row_id: id };
    // Pushed: every customer but Ben.
    let pushed: Vec<_> = outbox(store.conn()).unwrap().into_iter().filter(|c| c.row_id != ids[1]).collect();
    store.acknowledge(&pushed.iter().map(|c| c.change_id).collect::<Vec<_>>()).unwrap();
    assert_eq!(store.evict(&[row(ids[0]), row(ids[1])]).unwrap(), (1, 1));
    assert_eq!(store.evictions_waiting().unwrap(), [row(ids[1])]);
    let live = |s: &Store| -> i64 { s.conn().query_row("SELECT count(*) FROM customers", [], |r| r.get(0)).unwrap() };
    assert_eq!(live(&store), 3);
    // A re-sync in which the server sent only Cleo: Dev goes, Ben (unpushed) stays.
    store.begin_resync().unwrap();
    let received = std::collections::HashSet::from([("customers".to_string(), ids[2])]);
    assert_eq!(store.finish_resync(&received).unwrap(), 1);
    let left: Vec<uuid::Uuid> = {
        let mut stmt = store.conn().prepare("SELECT id FROM customers ORDER BY id").unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(|id| id.unwrap().parse().unwrap()).collect()
    };
    let mut expected = vec![ids[1], ids[2]];
    expected.sort();
    assert_eq!(left, expected);
}

/// An acknowledgement takes exactly the changes it names out of the outbox: a write named whole
/// leaves, a write named in part keeps its other fields (values and order intact), and ids named
/// again or never recorded count for nothing.
#[test]
fn an_acknowledgement_takes_exactly_the_named_changes() {
    let mut app = app();
    let ana = app.create_customer(&draft("Ana", "Ruiz", "ana@example.com", "(415) 555-2671")).unwrap();
    let ben = app.create_customer(&draft("Ben", "Okafor", "ben@example.com", "")).unwrap();
    let waiting = outbox(app.store().conn()).unwrap();
    let of = |row| waiting.iter().filter(move |c| c.row_id == row).map(|c| c.change_id);
    let (anas, bens): (Vec<_>, Vec<_>) = (of(ana.id).collect(), of(ben.id).collect());
    assert!(anas.len() >= 4 && bens.len() >= 3, "{anas:?} {bens:?}");
    let writes = |app: &Showroom| -> i64 {
        app.store().conn().query_row("SELECT count(*) FROM outbox_writes", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(writes(&app), 2);

    // All of Ana's write, the first two of Ben's, and an id nobody recorded.
    let mut named: Vec<uuid::Uuid> = anas.clone();
    named.extend(&bens[..2]);
    named.push(uuid::Uuid::now_v7());
    assert_eq!(app.store_mut().acknowledge(&named).unwrap(), anas.len() + 2);
    assert_eq!(writes(&app), 1, "Ana's write left whole");
    let left = outbox(app.store().conn()).unwrap();
    let want: Vec<_> = waiting.iter().filter(|c| c.row_id == ben.id).skip(2).cloned().collect();
    assert_eq!(left, want, "Ben's other fields wait, as they were");
    assert_eq!(app.store().pending_changes().unwrap(), want.len() as i64);

    // Named again: nothing more leaves. The rest of Ben's write: the outbox is empty.
    assert_eq!(app.store_mut().acknowledge(&named).unwrap(), 0);
    assert_eq!(app.store_mut().acknowledge(&bens).unwrap(), bens.len() - 2);
    assert_eq!((writes(&app), app.store().pending_changes().unwrap()), (0, 0));
}
