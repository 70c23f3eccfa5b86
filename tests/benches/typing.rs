//! Keystroke to results painted, in the real window over WebDriver, on the store bench's
//! database (100k customers, 200k leads, 1M interactions): a name typed key by key into Ctrl+K
//! and into the customer list. The page itself times each keystroke, from the `input` event to
//! the frame after the list shows that text's results (`data-query`), so WebDriver's own latency
//! is not counted. Baseline in the same run: the core's search for the same text, in this process
//! on the same file. Prints p50/p95/p99 and the slowest keystrokes.
//!
//!     scripts/bench-typing        (builds the release app, then runs this)
//!
//! Not a test: figures depend on the machine; the targets are reported, not asserted.

use showroom_core::Showroom;
use showroom_core::store::customers::CustomerQuery;
use showroom_e2e::{binary, display, tauri_driver};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

const NAMES: &[&str] = &[
    "Robert Lee",
    "Noah O'Brien",
    "Ana Nguyen",
    "Yuki O'Brien",
    "Maria Garcia",
    "James Smith",
    "Sofia Martinez",
    "David Kim",
    "Emma Johnson",
    "Liam Brown",
];

/// Records, for every `input` in the page, the time from the event to the frame after a list
/// answering that text (its `data-query`) is on screen.
const PROBE: &str = r#"
window.__lat = []; window.__t0 = {};
document.addEventListener('input', (e) => { window.__t0[e.target.value.trim()] = performance.now(); }, true);
new MutationObserver((muts) => {
  for (const m of muts) {
    const q = m.target.getAttribute('data-query');
    const t0 = window.__t0[q];
    if (t0 === undefined) continue;
    delete window.__t0[q];
    requestAnimationFrame(() => setTimeout(() => window.__lat.push([q, performance.now() - t0]), 0));
  }
}).observe(document.body, { attributes: true, attributeFilter: ['data-query'], subtree: true });
"#;

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn print(name: &str, mut samples: Vec<(String, f64)>, target_ms: f64) -> f64 {
    samples.sort_by(|a, b| a.1.total_cmp(&b.1));
    let v: Vec<f64> = samples.iter().map(|s| s.1).collect();
    let (p50, p95, p99) = (pct(&v, 0.5), pct(&v, 0.95), pct(&v, 0.99));
    let verdict = if p95 < target_ms { "met" } else { "MISSED" };
    println!(
        "{name:<46} n={:<4} p50={p50:>6.1} ms  p95={p95:>6.1} ms  p99={p99:>6.1} ms  target p95 < {target_ms} ms: {verdict}",
        v.len()
    );
    let worst: Vec<String> = samples.iter().rev().take(5).map(|(q, ms)| format!("{q:?} {ms:.1} ms")).collect();
    println!("  slowest: {}", worst.join(", "));
    p50
}

async fn type_names(driver: &WebDriver, field: &WebElement) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for name in NAMES {
        field.clear().await.expect("clear");
        tokio::time::sleep(Duration::from_millis(200)).await;
        driver.execute("window.__lat = []; window.__t0 = {};", vec![]).await.expect("reset");
        for ch in name.chars() {
            field.send_keys(ch.to_string()).await.expect("type");
            // A fast typist: ~8 keys a second.
            tokio::time::sleep(Duration::from_millis(120)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let got = driver.execute("return window.__lat;", vec![]).await.expect("read");
        let got: Vec<(String, f64)> = got.convert().expect("latencies");
        out.extend(got);
    }
    out
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = std::env::var_os("SHOWROOM_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("showroom-bench-store-v1"));
    assert!(
        dir.join(showroom_core::paths::DB_FILE).exists(),
        "no bench database in {}: run `cargo bench -p showroom-core --bench store` first (it generates it)",
        dir.display()
    );
    // Baseline: the core's answers for every prefix typed, in this process, on the same file.
    let (core_search, core_list) = {
        let app = Showroom::open(&dir, &showroom_e2e::unlock()).expect("open");
        app.store().set_meta("onboarded", "bench").expect("onboarded");
        let (mut s, mut l) = (Vec::new(), Vec::new());
        for name in NAMES {
            for end in 1..=name.chars().count() {
                let q: String = name.chars().take(end).collect();
                let t = Instant::now();
                std::hint::black_box(app.search(q.trim()).expect("search"));
                s.push((q.clone(), t.elapsed().as_secs_f64() * 1e3));
                let t = Instant::now();
                let page =
                    app.list_customers(&CustomerQuery { search: q.clone(), offset: 0, limit: 50 }).expect("list");
                std::hint::black_box(page);
                l.push((q, t.elapsed().as_secs_f64() * 1e3));
            }
        }
        (s, l)
    };

    let display = display();
    let (_guard, port) = tauri_driver(&display);
    let mut caps = Capabilities::new();
    caps.set("browserName", "wry").expect("capability");
    caps.set("tauri:options", serde_json::json!({ "application": binary("showroom"), "args": ["--data-dir", dir] }))
        .expect("capability");
    let started = Instant::now();
    let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await.expect("start the app");
    let nav = driver.query(By::Css("nav")).wait(Duration::from_secs(60), Duration::from_millis(50)).first().await;
    nav.expect("the window");
    println!(
        "window up in {:.1} s (debug or release: whichever `showroom` binary is built next to this bench)",
        started.elapsed().as_secs_f64()
    );
    driver.execute(PROBE, vec![]).await.expect("probe");

    // Ctrl+K.
    let body = driver.find(By::Tag("body")).await.expect("body");
    body.send_keys(Key::Control + "k").await.expect("ctrl+k");
    let field = driver
        .query(By::Css("input.cmdk-input"))
        .wait(Duration::from_secs(10), Duration::from_millis(50))
        .first()
        .await
        .expect("the Ctrl+K box");
    let menu = type_names(&driver, &field).await;
    field.send_keys(Key::Escape).await.ok();
    field.send_keys(Key::Escape).await.ok();

    // The customer list.
    let customers = driver
        .query(By::XPath("//button[contains(normalize-space(.), 'Customers')]"))
        .first()
        .await
        .expect("Customers");
    customers.click().await.expect("open Customers");
    let search = driver
        .query(By::Css("input[type='search'][placeholder^='Search customers']"))
        .wait(Duration::from_secs(10), Duration::from_millis(50))
        .first()
        .await
        .expect("the customer search");
    let list = type_names(&driver, &search).await;
    driver.quit().await.ok();

    println!("keystroke to results painted, {} names typed key by key (~8 keys/s)", NAMES.len());
    let m = print("Ctrl+K (customers + leads + vehicles)", menu, 50.0);
    let l = print("customer list (50 rows + total)", list, 50.0);
    let cm = print("baseline: core search alone, same text", core_search, 5.0);
    let cl = print("baseline: core customer list alone", core_list, 3.0);
    println!("  p50 ratio window/core: Ctrl+K {:.1}x, list {:.1}x", m / cm, l / cl);
}
