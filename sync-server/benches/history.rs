//! A year of a dealership's edits on the server, with and without log compaction (issue 17: "the
//! size of a year-old store stays proportional to live data"). Two server files take the same
//! pushes, day by day over 365 simulated days: `CUSTOMERS` customers of 10 reps, each rep editing
//! `EDITS` of its customers a day (city and notes, one write each, as a laptop sends them), adding
//! `CHURN` new customers a day and deleting as many of its oldest (the live count stays level).
//! One server keeps everything; the other compacts at the end of every month keeping 90 days of
//! superseded history, as `serve --keep-history-days 90` does daily (deleted rows older than that
//! are purged: no device holds them back here). Prints, every 30 days, both logs' entries and the
//! pages in use (freed pages are reused), then the compacted file after VACUUM.
//!
//!
//! With `SHOWROOM_HISTORY_MIGRATE=1` it then times `migrate` of the year-old uncompacted store into
//! a new durable PostgreSQL (fsync on; started and removed by the bench), beside copying the
//! same file on this disk as the baseline.
//!
//!     cargo bench -p showroom-sync --bench history
//!     SHOWROOM_HISTORY_CUSTOMERS=5000 SHOWROOM_HISTORY_EDITS=40 SHOWROOM_HISTORY_CHURN=5 cargo bench -p showroom-sync --bench history
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run

use serde_json::Value;
use showroom_core::domain::time::clock;
use showroom_core::domain::{Customer, Timestamp};
use showroom_core::store::outbox_writes::change_id;
use showroom_core::sync::Hlc;
use showroom_core::sync::protocol::{Push, WireChange};
use showroom_sync::storage::{Role, SqliteStorage, Storage, User};
use std::collections::VecDeque;
use std::time::Instant;
use uuid::Uuid;

const DAY: u64 = 86_400_000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One write of `fields` of one row: one write id, each field's change id its index in it.
fn write(table: &str, row: Uuid, fields: &[(&str, Value)], ms: u64, node: Uuid) -> Vec<WireChange> {
    let id = Uuid::now_v7();
    let write = change_id(id, 0);
    fields
        .iter()
        .enumerate()
        .map(|(i, (f, v))| WireChange {
            change_id: change_id(write, i as u8),
            table: table.into(),
            row_id: row,
            field: (*f).into(),
            value: v.clone(),
            hlc: Hlc { ms, counter: 0, node }.to_string(),
            author: None,
        })
        .collect()
}

fn server(path: &std::path::Path) -> (SqliteStorage, Vec<User>) {
    let s = SqliteStorage::open(path).unwrap();
    s.create_dealership("Year Motors").unwrap();
    let reps = (0..10).map(|i| s.add_user(None, &format!("rep{i}"), &format!("Rep {i}"), Role::Rep, "x").unwrap());
    let reps = reps.collect();
    (s, reps)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let customers = env("SHOWROOM_HISTORY_CUSTOMERS", 2_000);
    let edits = env("SHOWROOM_HISTORY_EDITS", 20);
    let churn = env("SHOWROOM_HISTORY_CHURN", 2);
    let dir = tempfile::tempdir().unwrap();
    let (kept, reps) = server(&dir.path().join("kept.sqlite3"));
    let (compacted, reps_c) = server(&dir.path().join("compacted.sqlite3"));
    // The same accounts on both (the ids differ per file).
    let pair = |i: usize| (&reps[i], &reps_c[i]);
    let year_start = Timestamp::now().millis() as u64 - 366 * DAY;
    let node = Uuid::now_v7();

    // A new customer of rep `r`, as one write to each server (the owner's id differs per file).
    let create = |r: usize, i: usize, ms: u64, a: &mut Vec<WireChange>, b: &mut Vec<WireChange>| -> Uuid {
        let (ra, rb) = pair(r);
        let mut c = Customer::blank(Uuid::now_v7(), Timestamp::from_millis(ms as i64));
        c.first_name = format!("First{i}");
        c.last_name = format!("Last{r}");
        c.city = "Austin".into();
        let Value::Object(mut f) = serde_json::to_value(&c).unwrap() else { unreachable!() };
        f.remove("id");
        let mut fa = f.clone();
        fa.insert("owner_id".into(), Value::String(ra.id.to_string()));
        f.insert("owner_id".into(), Value::String(rb.id.to_string()));
        let fa: Vec<(&str, Value)> = fa.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let fb: Vec<(&str, Value)> = f.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        a.extend(write("customers", c.id, &fa, ms, node));
        b.extend(write("customers", c.id, &fb, ms, node));
        c.id
    };
    // Day 0: every rep's customers created, one write each.
    let mut rows: Vec<VecDeque<Uuid>> = vec![VecDeque::new(); reps.len()];
    for (r, own) in rows.iter_mut().enumerate() {
        let (a, b) = pair(r);
        let mut changes_a = Vec::new();
        let mut changes_b = Vec::new();
        for i in 0..customers / reps.len() {
            own.push_back(create(r, i, year_start, &mut changes_a, &mut changes_b));
        }
        for chunk in changes_a.chunks(1_000) {
            kept.push(a, &Push { device_id: node, changes: chunk.to_vec() }, year_start).unwrap();
        }
        for chunk in changes_b.chunks(1_000) {
            compacted.push(b, &Push { device_id: node, changes: chunk.to_vec() }, year_start).unwrap();
        }
    }

    println!(
        "a year of edits: {customers} customers of 10 reps, {edits} edits a rep a day (city and notes, one write each), \
         {churn} customers a rep a day added and as many of the oldest deleted"
    );
    println!("  day   kept: entries      MB in use   compacted (90 days kept): entries   MB in use   compaction s");
    let t = Instant::now();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for day in 1..=365u64 {
        let ms = year_start + day * DAY;
        for (r, own) in rows.iter_mut().enumerate() {
            let (a, b) = pair(r);
            let mut changes = Vec::new();
            let mut created_a = Vec::new();
            let mut created_b = Vec::new();
            for i in 0..churn {
                own.push_back(create(r, i, ms, &mut created_a, &mut created_b));
                let gone = own.pop_front().unwrap();
                let at = Value::String(Timestamp::from_millis(ms as i64).to_string());
                changes.extend(write("customers", gone, &[("deleted_at", at)], ms, node));
            }
            kept.push(a, &Push { device_id: node, changes: created_a }, ms).unwrap();
            compacted.push(b, &Push { device_id: node, changes: created_b }, ms).unwrap();
            for e in 0..edits {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let row = own[(seed % own.len() as u64) as usize];
                let fields = [
                    ("city", Value::from(format!("City {day}.{e}"))),
                    ("notes", Value::from(format!("Day {day}: called back"))),
                ];
                changes.extend(write("customers", row, &fields, ms + e as u64 * 1000, node));
            }
            kept.push(a, &Push { device_id: node, changes: changes.clone() }, ms).unwrap();
            compacted.push(b, &Push { device_id: node, changes }, ms).unwrap();
        }
        if day % 30 == 0 || day == 365 {
            let tc = Instant::now();
            // The server's clock on the simulated day (purge notes are dated by it).
            clock::start_at(Timestamp::from_millis(ms as i64));
            let done = compacted.compact(ms.saturating_sub(90 * DAY), 0).unwrap();
            let secs = tc.elapsed().as_secs_f64();
            let (k, c) = (kept.log_size().unwrap(), compacted.log_size().unwrap());
            println!(
                "{day:>5}   {:>13}   {:>10.1}   {:>33}   {:>9.1}   {secs:>12.2}   purged {}",
                k.entries,
                mb(k.live_bytes),
                c.entries,
                mb(c.live_bytes),
                done.purged.rows
            );
        }
    }
    let live_rows = customers as u64;
    let c = compacted.log_size().unwrap();
    compacted.vacuum().unwrap();
    let k = kept.log_size().unwrap();
    println!(
        "after a year ({:.0} s): kept {:.1} MB ({} entries); compacted {:.1} MB in use, {:.1} MB after VACUUM ({} entries, {:.1} a customer)",
        t.elapsed().as_secs_f64(),
        mb(k.live_bytes),
        k.entries,
        mb(c.live_bytes),
        mb(compacted.log_size().unwrap().file_bytes),
        c.entries,
        c.entries as f64 / live_rows as f64
    );
    if std::env::var("SHOWROOM_HISTORY_MIGRATE").is_ok_and(|v| v == "1") {
        migrate(&kept, &dir.path().join("kept.sqlite3"));
    }
}

/// Times a move of the store into PostgreSQL (as `showroom-sync migrate` does), with a file copy
/// of the same store as the baseline.
fn migrate(store: &SqliteStorage, file: &std::path::Path) {
    let copied = file.with_extension("copy");
    let t = Instant::now();
    std::fs::copy(file, &copied).unwrap();
    std::fs::File::open(&copied).unwrap().sync_all().unwrap();
    let copy_s = t.elapsed().as_secs_f64();
    let pg = showroom_sync::testpg::TestPostgres::start_durable().unwrap();
    let url = pg.database().unwrap();
    let target = showroom_sync::storage::pg::PgStorage::open(&url).unwrap();
    let t = Instant::now();
    let moved = showroom_sync::storage::migrate(store, &target, |_, _| {}).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let rows: u64 = moved.tables.iter().map(|(_, n)| n).sum();
    let log = moved.tables.iter().find(|(t, _)| t == "log").map_or(0, |(_, n)| *n);
    println!(
        "migrate into PostgreSQL: {:.1} MB file, {rows} rows ({log} log entries) in {secs:.1} s ({:.0} rows/s), \
         {} partition checksums equal; baseline file copy + fsync {copy_s:.2} s ({:.0}x)",
        mb(std::fs::metadata(file).unwrap().len()),
        rows as f64 / secs,
        moved.partitions,
        secs / copy_s.max(1e-3)
    );
}
