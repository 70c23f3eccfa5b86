//! A laptop's data at rest, through the real `showroom` binary and a real OS keyring: a private
//! D-Bus session with gnome-keyring's Secret Service, as on a rep's desktop.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use showroom_e2e::{Keyring, SyncServer, binary, pin};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PW: &str = "correct horse battery";

/// The real CLI run in the keyring's desktop session.
trait Cli {
    fn showroom(&self, data: &Path, args: &[&str], password: &str) -> (bool, String);
}

impl Cli for Keyring {
    /// The real CLI with this keyring (and no passphrase).
    fn showroom(&self, data: &Path, args: &[&str], password: &str) -> (bool, String) {
        let out = self
            .apply(pin(&mut Command::new(binary("showroom"))))
            .env("SHOWROOM_PASSWORD", password)
            .arg("--data-dir")
            .arg(data)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr))
    }
}

fn folder_contains(dir: &Path, needle: &str) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().any(|e| {
        e.path().is_file() && std::fs::read(e.path()).unwrap().windows(needle.len()).any(|w| w == needle.as_bytes())
    })
}

fn csv(dir: &Path, rows: &str) -> PathBuf {
    let p = dir.join("walk-ins.csv");
    std::fs::write(&p, format!("first_name,last_name,email\n{rows}")).unwrap();
    p
}

#[test]
fn with_a_keyring_the_data_is_encrypted_and_the_key_and_token_stay_in_the_keyring() {
    let keyring = Keyring::start();
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    let data = dir.path().join("laptop");
    let file = csv(dir.path(), "Wanda,Kowalczyk,wanda@example.com\n");
    let (ok, text) = keyring.showroom(&data, &["import", "customers", file.to_str().unwrap()], "");
    assert!(ok, "{text}");
    let vault = std::fs::read_to_string(data.join("vault.json")).unwrap();
    assert!(vault.contains("\"keyring\""), "{vault}");
    assert!(!showroom_core::vault::is_plain(&data.join("showroom.sqlite3")));
    assert!(!folder_contains(&data, "Kowalczyk"), "a customer's name is readable in the data folder");

    // Sign in: the token goes to the keyring, and later runs use it from there.
    let (ok, text) = keyring.showroom(&data, &["sync", "--server", &server.url(), "--user", "ana"], PW);
    assert!(ok && text.contains("Signed in to"), "{text}");
    let (ok, text) = keyring.showroom(&data, &["vault"], "");
    assert!(ok, "{text}");
    assert!(text.contains("key from the OS keyring") && text.contains("sync token: in the OS keyring"), "{text}");
    let (ok, text) = keyring.showroom(&data, &["sync"], "");
    assert!(ok && text.contains("pushed 0"), "{text}");

    // Without the keyring nothing opens it: neither a passphrase nor the file alone.
    let out = pin(&mut Command::new(binary("showroom")))
        .env("SHOWROOM_PASSPHRASE", "guessing at it")
        .arg("--data-dir")
        .arg(&data)
        .arg("vault")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("OS keyring"), "{}", String::from_utf8_lossy(&out.stderr));
    let raw = rusqlite::Connection::open(data.join("showroom.sqlite3")).unwrap();
    assert!(raw.query_row("SELECT count(*) FROM customers", [], |r| r.get::<_, i64>(0)).is_err());
}

#[test]
fn a_plain_database_from_an_earlier_build_is_encrypted_on_first_open_with_a_keyring() {
    let keyring = Keyring::start();
    let dir = tempfile::tempdir().unwrap();
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("mia", "Mia Stone", "manager", None, PW);
    let data = dir.path().join("laptop");
    // An earlier build's folder: plain SQLite with 300 customers and their unpushed changes.
    let db = data.join("showroom.sqlite3");
    let outbox = {
        let mut store = showroom_core::store::Store::open(&db).unwrap();
        for i in 0..300 {
            let draft = showroom_core::domain::CustomerDraft {
                first_name: "Pat".into(),
                last_name: format!("Plaintext{i:03}"),
                email: format!("pat{i}@example.com"),
                ..Default::default()
            };
            let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
            showroom_core::store::customers::create(&mut store, &draft, "US", today).unwrap();
        }
        showroom_core::store::outbox(store.conn()).unwrap().len()
    };
    assert!(showroom_core::vault::is_plain(&db) && folder_contains(&data, "Plaintext123"));

    let (ok, text) = keyring.showroom(&data, &["export", "--format", "json"], "");
    assert!(ok, "{text}");
    assert!(!showroom_core::vault::is_plain(&db));
    assert!(!folder_contains(&data, "Plaintext"), "plain pages left in the data folder");
    let export: serde_json::Value = serde_json::from_str(&text[text.find('{').unwrap()..]).unwrap();
    assert_eq!(export["customers"].as_array().unwrap().len(), 300, "every customer survives");
    // Every change that was waiting to be pushed still is.
    let (ok, text) = keyring.showroom(&data, &["sync", "--server", &server.url(), "--user", "mia"], PW);
    assert!(ok, "{text}");
    assert!(text.contains(&format!("pushed {outbox}")), "{outbox} changes were waiting: {text}");
}
