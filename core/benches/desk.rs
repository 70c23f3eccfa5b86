//! Deal desk benchmark: recompute a full quote (lines, taxes, payment, 3×3 grid) and render the
//! one-page quote PDF. Prints p50/p95 and the PDF size.
//!
//!     cargo bench -p showroom-core --bench desk

#![allow(clippy::unwrap_used)] // a benchmark that cannot run its input should stop loudly

use showroom_core::desk::tax::TaxTable;
use showroom_core::desk::{Deal, calculate};
use showroom_core::pdf::{QuoteHeader, QuoteParty, quote_pdf};
use std::time::{Duration, Instant};

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize].as_secs_f64();
    (at(0.5), at(0.95))
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/deals");
    let taxes = TaxTable::builtin();
    let today = chrono::Utc::now().date_naive();
    for name in ["cash", "loan", "lease"] {
        let deal: Deal =
            serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap()).unwrap();
        for _ in 0..200 {
            std::hint::black_box(calculate(&deal, &taxes, today).unwrap());
        }
        let mut times = Vec::new();
        for _ in 0..5_000 {
            let t = Instant::now();
            std::hint::black_box(calculate(&deal, &taxes, today).unwrap());
            times.push(t.elapsed());
        }
        let (p50, p95) = stats(times);
        println!(
            "recompute {name:<5} (lines, taxes, payment, 3x3 grid)  p50={:>7.1} µs  p95={:>7.1} µs  target < 50 µs",
            p50 * 1e6,
            p95 * 1e6
        );

        let calc = calculate(&deal, &taxes, today).unwrap();
        let header = QuoteHeader {
            customer: QuoteParty { name: "Zoë Quintero-Hale".into(), ..Default::default() },
            quote_number: "Q-1".into(),
            show_grid: false,
            ..Default::default()
        };
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..40 {
            let t = Instant::now();
            let bytes = quote_pdf(&header, &deal, &calc).unwrap();
            times.push(t.elapsed());
            size = bytes.len();
        }
        let (p50, p95) = stats(times);
        println!(
            "pdf       {name:<5} (one page, embedded subset font)   p50={:>7.1} ms  p95={:>7.1} ms  size={} KB  targets < 50 ms, < 150 KB",
            p50 * 1e3,
            p95 * 1e3,
            size.div_ceil(1024)
        );
    }
}
