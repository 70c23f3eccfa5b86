//! Manager dashboard benchmark: two years of a 30-rep dealership (50,000 customers and deals,
//! 60,000 leads, 1,000,000 activities) in a real SQLite file; the team dashboard for this month,
//! for the last 90 days and for a rep, computed again and again. Prints medians and p95.
//!
//!     cargo bench -p showroom-core --bench analytics
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run

use showroom_core::analytics::{self, DashboardQuery};
use showroom_core::demo::{DemoSize, load};
use showroom_core::domain::{Timestamp, User};
use showroom_core::store::{Store, query};
use std::time::Instant;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let scale: f64 = std::env::var("SHOWROOM_BENCH_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(1.0);
    let n = |x: f64| (x * scale) as usize;
    let size = DemoSize {
        vehicles: 600,
        reps: 30,
        // Deals and activities follow from how each lead is worked: about 95,000 deals and
        // 500,000 activities at scale 1.
        customers: n(100_000.0),
        leads: n(200_000.0),
        interactions: n(100_000.0),
        days: 1_096,
        seasons: DemoSize::DEMO.seasons,
    };
    let dir = tempfile::tempdir().unwrap();
    // SHOWROOM_BENCH_DB=FILE keeps the database (built once) between runs.
    let kept = std::env::var_os("SHOWROOM_BENCH_DB").map(std::path::PathBuf::from);
    let path = kept.clone().unwrap_or_else(|| dir.path().join("bench.sqlite3"));
    let now = Timestamp::now();
    let t = Instant::now();
    if !path.exists() {
        let mut store = Store::open(&path).unwrap();
        let s = load(&mut store, size, 42, now).unwrap();
        println!(
            "built in {:.1} s: {} customers, {} leads, {} deals, {} activities, {} users",
            t.elapsed().as_secs_f64(),
            s.customers,
            s.leads,
            s.opportunities,
            s.activities,
            s.users
        );
    }
    let store = Store::open(&path).unwrap();
    let conn = store.conn();
    let today = now.date();
    let month_start = today.format("%Y-%m-01").to_string();
    let q90 = (today - chrono::Duration::days(89)).to_string();
    let reps: Vec<User> = query(conn, "WHERE role = 'rep' ORDER BY name LIMIT 1", []).unwrap();
    let cases = [
        ("team, this month", DashboardQuery { from: month_start.clone(), to: today.to_string(), rep_id: None }),
        ("team, last 90 days", DashboardQuery { from: q90.clone(), to: today.to_string(), rep_id: None }),
        ("one rep, this month", DashboardQuery { from: month_start, to: today.to_string(), rep_id: Some(reps[0].id) }),
    ];
    for (label, q) in cases {
        // Warm the page cache once, as a manager who opened the app would have.
        let d = analytics::dashboard(conn, &q, now, 0).unwrap();
        let mut ms = Vec::new();
        for _ in 0..21 {
            let t = Instant::now();
            let d = analytics::dashboard(conn, &q, now, 0).unwrap();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(d);
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "dashboard {label:<20} median {:>7.1} ms  p95 {:>7.1} ms  (21 runs; {} units, {} leads in range; target < 200 ms)",
            ms[10], ms[19], d.sales.units, d.funnel[0].count
        );
    }
}
