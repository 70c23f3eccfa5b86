//! Crash consistency: the real `showroom` CLI is killed with SIGKILL in the middle of an import
//! and in the middle of a sync, again and again (bounded), and after every kill the laptop's
//! database passes `PRAGMA integrity_check`, holds an import whole or not at all (one transaction
//! per user action), and no change the server acknowledged is lost: the next sync finishes the
//! job and the server ends with every record exactly once.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use showroom_e2e::{SyncServer, binary, pin};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PW: &str = "correct horse battery";
const ROWS: usize = 6_000;

fn count(db: &Path, sql: &str) -> i64 {
    let conn = showroom_e2e::open_file(db);
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn integrity(db: &Path) {
    let conn = showroom_e2e::open_file(db);
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok", "{}", db.display());
}

/// Runs the CLI and kills it after `after` (or lets it finish first); returns whether it finished.
fn run_killed(data: &Path, args: &[&str], after: Duration) -> bool {
    let mut child = pin(&mut Command::new(binary("showroom")))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("SHOWROOM_PASSWORD", PW)
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < after {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "showroom {args:?} failed: {status}");
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    false
}

#[test]
fn killing_the_cli_mid_import_and_mid_sync_loses_and_corrupts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    let data = dir.path().join("laptop");
    let db = data.join("showroom.sqlite3");
    let csv = dir.path().join("customers.csv");
    let mut text = String::from("first_name,last_name,email,city,notes\n");
    for i in 0..ROWS {
        text.push_str(&format!("First{i},Last{i},c{i}@example.com,Austin,Met at the show\n"));
    }
    std::fs::write(&csv, text).unwrap();

    // The data folder exists (migrated) before the kills begin.
    assert_eq!(showroom_e2e::showroom(&data, &["export", "--format", "json"]).0, 0);
    // Mid-import: each kill leaves all of the import or none of it.
    let mut delay = Duration::from_millis(40);
    let mut kills = 0;
    while !run_killed(&data, &["import", "customers", csv.to_str().unwrap()], delay) {
        kills += 1;
        integrity(&db);
        let n = count(&db, "SELECT count(*) FROM customers");
        assert!(n == 0 || n == ROWS as i64, "a killed import left {n} customers");
        if n > 0 {
            break;
        }
        // Half again as long each time: a busy or slow machine still reaches a finished import.
        delay = delay * 3 / 2;
        assert!(kills < 40, "the import never finished");
    }
    integrity(&db);
    assert_eq!(count(&db, "SELECT count(*) FROM customers"), ROWS as i64);
    let pending = count(&db, "SELECT count(*) FROM outbox");
    assert!(pending > 0);

    // Mid-sync: kill it several times while it pushes; nothing is corrupted and the server never
    // stores a change twice.
    let url = server.url();
    let sync = ["sync", "--server", url.as_str(), "--user", "ana"];
    let mut delay = Duration::from_millis(150);
    let mut sync_kills = 0;
    loop {
        let done = run_killed(&data, &sync, delay);
        integrity(&db);
        integrity(&server.db);
        // One log entry per row write, its fields in it or named in the state (a field's change
        // id: the write id with the field's index in the last byte). Both counts in one statement, so on one snapshot:
        // the server may still be committing the killed CLI's last push while this reads.
        let (logged, distinct): (i64, i64) = showroom_e2e::open_file(&server.db)
            .query_row(
                &format!(
                    "SELECT count(*), count(DISTINCT substr({}, 1, 34) || printf('%02x', f.value ->> 0))
                     FROM log l, {} f WHERE l.kind = 'change' AND l.tbl = 'customers'",
                    showroom_e2e::LOGGED_WRITE,
                    showroom_e2e::LOGGED_SQLITE
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(logged, distinct, "a change stored twice");
        if done {
            break;
        }
        sync_kills += 1;
        delay += Duration::from_millis(120);
        assert!(sync_kills < 40, "the sync never finished");
    }
    assert!(kills + sync_kills > 0, "nothing was killed: the test proved nothing");
    // Everything made it, exactly once; the outbox is empty.
    assert_eq!(count(&db, "SELECT count(*) FROM outbox"), 0);
    assert_eq!(
        count(&server.db, "SELECT count(DISTINCT row_id) FROM state WHERE tbl = 'customers'"),
        ROWS as i64,
        "every customer reached the server"
    );
    eprintln!("killed the import {kills} times and the sync {sync_kills} times");
}
