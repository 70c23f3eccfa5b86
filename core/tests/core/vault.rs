//! Encryption at rest: what is on disk, how a plain database from an earlier build becomes an
//! encrypted one with nothing lost, and where the sync token lives.

use crate::draft;
use rusqlite::Connection;
use showroom_core::store::Store;
use showroom_core::sync::round::Session;
use showroom_core::vault::{self, KeyHome, MemorySecrets, Secrets, Unlock};
use showroom_core::{ErrorCode, Showroom};
use std::path::Path;
use std::sync::Arc;

fn file_contains(path: &Path, needle: &str) -> bool {
    let bytes = std::fs::read(path).unwrap();
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Every file of the data folder (database, WAL, anything else) as one byte string.
fn folder_contains(dir: &Path, needle: &str) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().any(|e| e.path().is_file() && file_contains(&e.path(), needle))
}

fn session(token: &str) -> Session {
    Session {
        server: "https://sync.example.com".into(),
        token: token.into(),
        user_id: showroom_core::domain::new_id(),
        user: "ana".into(),
        role: "rep".into(),
        expires_at: "2027-01-01T00:00:00Z".into(),
    }
}

#[test]
fn the_database_on_disk_reveals_no_customer_and_a_wrong_passphrase_opens_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let unlock = Unlock::passphrase("at the auto show");
    {
        let mut app = Showroom::open(dir.path(), &unlock).unwrap();
        for i in 0..200 {
            app.create_customer(&draft("Zelda", &format!("Quinterro{i}"), &format!("zq{i}@example.com"), "")).unwrap();
        }
    }
    assert!(!vault::is_plain(&dir.path().join("showroom.sqlite3")));
    assert!(!folder_contains(dir.path(), "Quinterro"), "a customer's name is readable on disk");
    assert!(!folder_contains(dir.path(), "zq7@example.com"));
    let plain = Connection::open(dir.path().join("showroom.sqlite3")).unwrap();
    assert!(plain.query_row("SELECT count(*) FROM customers", [], |r| r.get::<_, i64>(0)).is_err());

    let wrong = Showroom::open(dir.path(), &Unlock::passphrase("at the auto shoe")).err().unwrap();
    assert_eq!(wrong.code(), ErrorCode::Locked);
    assert!(wrong.to_string().contains("passphrase is wrong"), "{wrong}");
    let none = Showroom::open(dir.path(), &Unlock::default()).err().unwrap();
    assert_eq!(none.code(), ErrorCode::Locked);

    let app = Showroom::open(dir.path(), &unlock).unwrap();
    assert_eq!(app.status().unwrap().customers, 200);
}

#[test]
fn a_plain_database_from_an_earlier_build_is_encrypted_in_place_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("showroom.sqlite3");
    // An earlier build: a plain file with customers, unpushed changes and a signed-in session whose
    // token is in the database.
    let (ids, outbox, device) = {
        let mut store = Store::open(&path).unwrap();
        let ids: Vec<_> = (0..50)
            .map(|i| {
                showroom_core::store::customers::create(
                    &mut store,
                    &draft("Omar", &format!("Plainfield{i}"), "", ""),
                    "US",
                    chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                )
                .unwrap()
                .id
            })
            .collect();
        store.set_meta("sync_session", &serde_json::to_string(&session("tok-in-the-db-123")).unwrap()).unwrap();
        let outbox = showroom_core::store::outbox(store.conn()).unwrap().len();
        (ids, outbox, store.device_id())
    };
    assert!(vault::is_plain(&path) && file_contains(&path, "Plainfield7"));

    let keyring: Arc<dyn Secrets> = Arc::new(MemorySecrets::default());
    let app = Showroom::open(dir.path(), &Unlock::with_secrets(keyring.clone())).unwrap();
    assert!(!vault::is_plain(&path));
    assert!(!folder_contains(dir.path(), "Plainfield"), "the plain pages are gone from the folder");
    assert_eq!(app.store().device_id(), device, "the device keeps its identity");
    for id in &ids {
        app.customer_detail(*id).unwrap();
    }
    assert_eq!(showroom_core::store::outbox(app.store().conn()).unwrap().len(), outbox, "unpushed changes kept");
    // The token moved to the keyring; the database keeps the rest of the session.
    assert_eq!(app.session().unwrap().unwrap().token, "tok-in-the-db-123");
    assert_eq!(app.token_kept_in(), "keyring");
    let stored = app.store().meta("sync_session").unwrap().unwrap();
    assert!(!stored.contains("tok-in-the-db"), "{stored}");
    let home: KeyHome =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(vault::VAULT_FILE)).unwrap()).unwrap();
    let KeyHome::Keyring { account } = home else { panic!("the key should be in the keyring") };
    assert!(keyring.get(&account).unwrap().is_some());
    drop(app);
    // And it opens again the same way.
    let again = Showroom::open(dir.path(), &Unlock::with_secrets(keyring)).unwrap();
    assert_eq!(again.status().unwrap().customers, 50);
}

/// A keyring that counts the reads it has answered.
#[derive(Default)]
struct Counting(MemorySecrets, std::sync::atomic::AtomicUsize);

impl Secrets for Counting {
    fn get(&self, name: &str) -> Result<Option<String>, String> {
        let got = self.0.get(name);
        self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        got
    }
    fn set(&self, name: &str, value: &str) -> Result<(), String> {
        self.0.set(name, value)
    }
    fn delete(&self, name: &str) -> Result<(), String> {
        self.0.delete(name)
    }
}

#[test]
fn the_token_read_started_with_the_key_gives_the_kept_token_and_never_one_replaced_since() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Arc::new(Counting::default());
    let unlock = Unlock::with_secrets(keyring.clone());
    Showroom::open(dir.path(), &unlock).unwrap().save_session(Some(&session("first-token"))).unwrap();

    // Opening reads the key and, beside it, the token: one read each, the token's used as is.
    let reads = keyring.1.load(std::sync::atomic::Ordering::SeqCst);
    let app = Showroom::open(dir.path(), &unlock).unwrap();
    assert_eq!(app.session().unwrap().unwrap().token, "first-token");
    assert_eq!(app.session().unwrap().unwrap().token, "first-token");
    assert_eq!(keyring.1.load(std::sync::atomic::Ordering::SeqCst) - reads, 2, "the key's read and the token's");
    drop(app);

    // Signing in again after the token's read has finished: the new token, not the one read.
    let reads = keyring.1.load(std::sync::atomic::Ordering::SeqCst);
    let mut app = Showroom::open(dir.path(), &unlock).unwrap();
    while keyring.1.load(std::sync::atomic::Ordering::SeqCst) - reads < 2 {
        std::thread::yield_now();
    }
    app.save_session(Some(&session("second-token"))).unwrap();
    assert_eq!(app.session().unwrap().unwrap().token, "second-token");
}

#[test]
fn the_sync_token_lives_in_the_keyring_and_leaves_it_on_sign_out() {
    let dir = tempfile::tempdir().unwrap();
    let keyring: Arc<dyn Secrets> = Arc::new(MemorySecrets::default());
    let mut app = Showroom::open(dir.path(), &Unlock::with_secrets(keyring.clone())).unwrap();
    app.save_session(Some(&session("secret-token-xyz"))).unwrap();
    assert_eq!(app.session().unwrap().unwrap().token, "secret-token-xyz");
    assert!(!app.store().meta("sync_session").unwrap().unwrap().contains("secret-token-xyz"));
    let account = format!("sync token {}", dir.path().canonicalize().unwrap().display());
    assert_eq!(keyring.get(&account).unwrap().as_deref(), Some("secret-token-xyz"));
    app.save_session(None).unwrap();
    assert_eq!(keyring.get(&account).unwrap(), None);
    assert!(app.session().unwrap().is_none());

    // Without a keyring (a passphrase folder) the token stays in the encrypted database.
    let other = tempfile::tempdir().unwrap();
    let mut app = Showroom::open(other.path(), &Unlock::passphrase("no keyring here")).unwrap();
    app.save_session(Some(&session("kept-in-db"))).unwrap();
    assert_eq!(app.token_kept_in(), "database");
    assert_eq!(app.session().unwrap().unwrap().token, "kept-in-db");
}
