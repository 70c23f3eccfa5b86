//! How fast a headless command starts, with the `showroom` binary built next to this bench
//! (release under scripts/bench-cli). Each command is run 21 times; the median wall time from
//! spawn to exit is printed beside the baseline timed in the same run: `/bin/true`, the cost of
//! starting any process on this machine. The ratio says what `showroom` adds to that.
//!
//! - `--help` and `--version`: what every command pays before it does anything (the binary's own
//!   start: loading its libraries, parsing the arguments);
//! - `showroom-app --version`: the same through the desktop binary, which loads WebKit and GTK,
//!   for comparison (the headless binary links neither);
//! - `report lost` on a small encrypted database: opening the data (the key from
//!   `SHOWROOM_PASSPHRASE`, derived with argon2id on purpose, so the derivation's time is part of
//!   every command that opens data when no keyring answers) and reading it.
//!
//!     scripts/bench-cli
//!
//! Not a test: the target (a headless command starts in < 30 ms) is reported, not asserted.
#![allow(clippy::unwrap_used)]

use showroom_e2e::{binary, pin};

use std::process::{Command, Stdio};
use std::time::Instant;

const RUNS: usize = 21;

fn median_ms(mut make: impl FnMut() -> Command) -> f64 {
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let mut cmd = make();
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
            let t = Instant::now();
            let status = cmd.status().unwrap();
            let ms = t.elapsed().as_secs_f64() * 1e3;
            assert!(status.success(), "{cmd:?} failed");
            ms
        })
        .collect();
    times.sort_by(|a, b| a.total_cmp(b));
    times[RUNS / 2]
}

fn main() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap().to_string();
    let showroom = binary("showroom");
    // A small database: one customer, through the CLI's own import.
    let csv = data.path().join("one.csv");
    std::fs::write(&csv, "first_name,last_name,email\nMarta,Kowalski,marta@example.com\n").unwrap();
    let out =
        pin(&mut Command::new(&showroom)).args(["--data-dir", &dir, "import", "customers"]).arg(&csv).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let baseline = median_ms(|| Command::new("/bin/true"));
    println!("{:<44} {:>9} {:>9}", "command", "median", "× /bin/true");
    println!("{:<44} {:>7.2}ms {:>9}", "/bin/true (baseline: any process)", baseline, "1.0");
    let row = |name: &str, ms: f64| println!("{name:<44} {ms:>7.2}ms {:>9.1}", ms / baseline);
    row(
        "showroom --help",
        median_ms(|| {
            let mut c = Command::new(&showroom);
            c.arg("--help");
            c
        }),
    );
    row(
        "showroom --version",
        median_ms(|| {
            let mut c = Command::new(&showroom);
            c.arg("--version");
            c
        }),
    );
    let app = showroom_e2e::bin_dir().join("showroom-app");
    if app.exists() {
        row(
            "showroom-app --version (links WebKit, GTK)",
            median_ms(|| {
                let mut c = Command::new(&app);
                c.arg("--version");
                c
            }),
        );
    }
    row(
        "showroom report lost (opens the data)",
        median_ms(|| {
            let mut c = Command::new(&showroom);
            pin(&mut c).args(["--data-dir", &dir, "report", "lost", "--from", "2026-11-01", "--to", "2026-11-30"]);
            c
        }),
    );
    println!(
        "\ntarget: a headless command starts in < 30 ms (the --help/--version rows; opening the data adds the key's derivation)"
    );
}
