//! Vault: the key that opens this laptop's database, and the secrets kept outside it.
//!
//! The database is encrypted at rest with SQLCipher (AES-256, a raw 256-bit key, so opening costs
//! no key stretching). The key comes from one of two homes, recorded in `vault.json` beside the
//! database (the file holds no secret):
//! - **keyring**: a random key kept in the OS keyring (Secret Service on Linux, Keychain, Windows
//!   Credential Manager). Nothing to type; the sync token lives there too.
//! - **passphrase**: where no keyring answers, the key is derived from a passphrase the user sets
//!   (argon2id, salt in `vault.json`). The sync token then stays in the encrypted database.
//!
//! Each page also carries an HMAC that SQLCipher checks on every read. A folder made since
//! 2026-12 uses HMAC-SHA256 (`"page_mac": "sha256"` in `vault.json`); older folders keep SQLCipher
//! 4's default, HMAC-SHA512 (no `page_mac`), so their files open as they always did. SHA-256 runs on
//! the CPU's SHA extensions: 1.34 GB/s against SHA-512's 0.58 GB/s here (`openssl speed -evp`),
//! and the HMAC was most of the ~14 % of a 50,000-customer import spent in libcrypto.
//!
//! A plain database from an earlier build is encrypted in place the first time it is opened
//! ([`encrypt_in_place`]): copied into an encrypted file, checked table by table, and renamed over
//! the original, so a crash at any point leaves either the plain or the encrypted file whole.

use crate::error::{CoreError, Result};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The file beside the database that says where its key lives.
pub const VAULT_FILE: &str = "vault.json";
/// The shortest passphrase accepted when one is set.
pub const MIN_PASSPHRASE: usize = 8;
#[cfg(feature = "os-keyring")]
const SERVICE: &str = "Showroom";
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// How SQLCipher authenticates each page of a database (see the module doc).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageMac {
    /// HMAC-SHA512, SQLCipher 4's default: every folder made before `page_mac` was recorded.
    #[default]
    Sha512,
    /// HMAC-SHA256: every folder made since.
    Sha256,
}

/// A 256-bit database key and how its database's pages are authenticated; the key is wiped from
/// memory when dropped (each copy).
#[derive(Clone)]
pub struct DbKey(zeroize::Zeroizing<[u8; 32]>, PageMac);

impl DbKey {
    pub fn random() -> DbKey {
        let mut k = zeroize::Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(&mut k[..]);
        DbKey(k, PageMac::default())
    }

    /// The same key for a database whose pages are authenticated with `mac`.
    pub fn with_page_mac(mut self, mac: PageMac) -> DbKey {
        self.1 = mac;
        self
    }

    pub fn page_mac(&self) -> PageMac {
        self.1
    }

    fn from_hex(text: &str) -> Option<DbKey> {
        let text = text.trim();
        if text.len() != 64 {
            return None;
        }
        let mut k = zeroize::Zeroizing::new([0u8; 32]);
        for (i, byte) in k.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(DbKey(k, PageMac::default()))
    }

    fn hex(&self) -> zeroize::Zeroizing<String> {
        let mut s = zeroize::Zeroizing::new(String::with_capacity(64));
        for b in self.0.iter() {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }

    /// The key derived from a passphrase: argon2id, 19 MiB, 2 passes (OWASP's minimum), 32 bytes.
    fn from_passphrase(passphrase: &str, salt: &[u8]) -> Result<DbKey> {
        let params = argon2::Params::new(19_456, 2, 1, Some(32)).expect("valid argon2 parameters");
        let kdf = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut k = zeroize::Zeroizing::new([0u8; 32]);
        kdf.hash_password_into(passphrase.as_bytes(), salt, &mut k[..])
            .map_err(|e| CoreError::Migration(format!("cannot derive the database key: {e}")))?;
        Ok(DbKey(k, PageMac::default()))
    }

    /// Applies the key to a fresh connection (before anything else reads the file).
    pub fn apply(&self, conn: &Connection) -> Result<()> {
        // A wrong key is answered with an error to the caller; SQLCipher's own log stays quiet.
        let pragma = zeroize::Zeroizing::new(format!(
            "PRAGMA cipher_log_level = NONE; PRAGMA key = \"x'{}'\";{}",
            self.hex().as_str(),
            self.mac_pragma("")
        ));
        conn.execute_batch(&pragma)?;
        Ok(())
    }

    /// The statement that sets the page HMAC of `schema` (the main database when empty): none for
    /// SQLCipher's default.
    fn mac_pragma(&self, schema: &str) -> String {
        match self.1 {
            PageMac::Sha512 => String::new(),
            PageMac::Sha256 => format!(" PRAGMA {schema}cipher_hmac_algorithm = HMAC_SHA256;"),
        }
    }
}

/// Where secrets outside the database are kept: the OS keyring, or a stand-in in tests.
pub trait Secrets: Send + Sync {
    /// `Err` when the keyring cannot be reached at all (no Secret Service, locked, refused).
    fn get(&self, name: &str) -> std::result::Result<Option<String>, String>;
    fn set(&self, name: &str, value: &str) -> std::result::Result<(), String>;
    fn delete(&self, name: &str) -> std::result::Result<(), String>;
}

/// Secrets in memory: a keyring for tests and embedders that keep the key themselves.
#[derive(Default)]
pub struct MemorySecrets(Mutex<HashMap<String, String>>);

impl Secrets for MemorySecrets {
    fn get(&self, name: &str) -> std::result::Result<Option<String>, String> {
        Ok(self.0.lock().map_err(|e| e.to_string())?.get(name).cloned())
    }
    fn set(&self, name: &str, value: &str) -> std::result::Result<(), String> {
        self.0.lock().map_err(|e| e.to_string())?.insert(name.into(), value.into());
        Ok(())
    }
    fn delete(&self, name: &str) -> std::result::Result<(), String> {
        self.0.lock().map_err(|e| e.to_string())?.remove(name);
        Ok(())
    }
}

/// The OS keyring (Secret Service over D-Bus on Linux, Keychain on macOS, Credential Manager on
/// Windows), entries under the service "Showroom".
#[cfg(feature = "os-keyring")]
pub struct OsKeyring;

#[cfg(feature = "os-keyring")]
impl Secrets for OsKeyring {
    fn get(&self, name: &str) -> std::result::Result<Option<String>, String> {
        let entry = keyring::Entry::new(SERVICE, name).map_err(|e| e.to_string())?;
        match entry.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
    fn set(&self, name: &str, value: &str) -> std::result::Result<(), String> {
        let entry = keyring::Entry::new(SERVICE, name).map_err(|e| e.to_string())?;
        entry.set_password(value).map_err(|e| e.to_string())
    }
    fn delete(&self, name: &str) -> std::result::Result<(), String> {
        let entry = keyring::Entry::new(SERVICE, name).map_err(|e| e.to_string())?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// What the caller brings to open the database: a keyring (when there is one) and/or a passphrase.
#[derive(Clone, Default)]
pub struct Unlock {
    pub secrets: Option<Arc<dyn Secrets>>,
    pub passphrase: Option<Arc<zeroize::Zeroizing<String>>>,
}

impl Unlock {
    pub fn with_secrets(secrets: Arc<dyn Secrets>) -> Unlock {
        Unlock { secrets: Some(secrets), passphrase: None }
    }

    pub fn passphrase(p: &str) -> Unlock {
        Unlock { secrets: None, passphrase: Some(Arc::new(zeroize::Zeroizing::new(p.to_string()))) }
    }

    /// An in-memory keyring: for tests, benchmarks and throwaway folders.
    pub fn ephemeral() -> Unlock {
        Unlock::with_secrets(Arc::new(MemorySecrets::default()))
    }

    /// The OS keyring unless `SHOWROOM_KEYRING=off`, and the passphrase in `SHOWROOM_PASSPHRASE`
    /// (for scripts and machines without a keyring).
    pub fn from_env() -> Unlock {
        let passphrase = std::env::var("SHOWROOM_PASSPHRASE").ok().filter(|p| !p.is_empty());
        let keyring_off = std::env::var("SHOWROOM_KEYRING").is_ok_and(|v| v.eq_ignore_ascii_case("off"));
        #[cfg(feature = "os-keyring")]
        let secrets: Option<Arc<dyn Secrets>> = if keyring_off { None } else { Some(Arc::new(OsKeyring)) };
        #[cfg(not(feature = "os-keyring"))]
        let secrets: Option<Arc<dyn Secrets>> = {
            let _ = keyring_off;
            None
        };
        Unlock { secrets, passphrase: passphrase.map(|p| Arc::new(zeroize::Zeroizing::new(p))) }
    }

    pub fn and_passphrase(mut self, p: &str) -> Unlock {
        self.passphrase = Some(Arc::new(zeroize::Zeroizing::new(p.to_string())));
        self
    }
}

/// Whether the window's data is open, and if not what the user is asked (the desktop's gate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DataLock {
    pub open: bool,
    /// Closed for want of a passphrase (else closed by an error, in `message`).
    pub needs_passphrase: bool,
    /// No key exists yet: the user sets a passphrase (typed twice) instead of entering it.
    pub first_time: bool,
    pub message: String,
    pub min_length: u32,
}

impl DataLock {
    pub fn of(open: bool, closed: Option<&crate::error::ApiError>, dir: &Path) -> DataLock {
        let needs_passphrase = !open && closed.is_some_and(|e| e.code == crate::error::ErrorCode::Locked);
        DataLock {
            open,
            needs_passphrase,
            first_time: needs_passphrase && !dir.join(VAULT_FILE).exists(),
            message: closed.map(|e| e.message.clone()).unwrap_or_default(),
            min_length: MIN_PASSPHRASE as u32,
        }
    }
}

/// `vault.json`: where the key of the database beside it lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyHome {
    /// A random key in the OS keyring, under `account`.
    Keyring { account: String },
    /// A key derived from a passphrase with argon2id and this salt (hex).
    Passphrase { salt: String },
}

/// `vault.json` as stored: the key's home and, in a folder made since it was recorded, the page
/// HMAC (absent: SHA-512).
#[derive(Serialize, Deserialize)]
struct VaultFile {
    #[serde(flatten)]
    home: KeyHome,
    #[serde(default)]
    page_mac: PageMac,
}

/// The keyring secret (per data folder, see [`Vault::account`]) that holds the sync token.
pub const SYNC_TOKEN: &str = "sync token";

/// A keyring read running on its own thread.
pub type PendingSecret = std::thread::JoinHandle<std::result::Result<Option<String>, String>>;

/// The opened vault: the key, where it lives, and the keyring (if any) for other secrets.
pub struct Vault {
    pub key: DbKey,
    pub home: KeyHome,
    pub secrets: Option<Arc<dyn Secrets>>,
    /// With the key in the keyring: the sync token's read, started beside the key's. Each keyring
    /// read opens its own Secret Service session (a Diffie-Hellman exchange, ~10 ms here), and a
    /// `showroom sync` needs both.
    pub sync_token: Option<PendingSecret>,
    dir: PathBuf,
}

impl Vault {
    /// The keyring account of a secret of this data folder (several folders can share a keyring).
    pub fn account(&self, what: &str) -> String {
        account(&self.dir, what)
    }

    /// The keyring, when the key lives there (a passphrase vault keeps its secrets in the database).
    pub fn keyring(&self) -> Option<&Arc<dyn Secrets>> {
        match self.home {
            KeyHome::Keyring { .. } => self.secrets.as_ref(),
            KeyHome::Passphrase { .. } => None,
        }
    }
}

fn account(dir: &Path, what: &str) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    format!("{what} {}", dir.display())
}

fn locked(first_time: bool, message: impl Into<String>) -> CoreError {
    CoreError::Locked { first_time, message: message.into() }
}

/// Whether `path` is an unencrypted SQLite file.
pub fn is_plain(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 16];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header)).is_ok() && &header == PLAIN_HEADER
}

/// Finds (or, for a new or plain database, creates) the key of the database in `dir`.
pub fn open(dir: &Path, unlock: &Unlock) -> Result<Vault> {
    std::fs::create_dir_all(dir).map_err(|e| CoreError::io(format!("cannot create {}", dir.display()), e))?;
    let vault_file = dir.join(VAULT_FILE);
    let db = dir.join(crate::paths::DB_FILE);
    let recorded: Option<VaultFile> = match std::fs::read_to_string(&vault_file) {
        Ok(text) => Some(serde_json::from_str(&text).map_err(|e| {
            CoreError::Migration(format!("{} is damaged ({e}); the database cannot be opened", vault_file.display()))
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(CoreError::io(format!("cannot read {}", vault_file.display()), e)),
    };
    let VaultFile { home, page_mac } = match recorded {
        Some(file) => file,
        None => {
            if db.exists() && !is_plain(&db) {
                return Err(CoreError::Migration(format!(
                    "{} is encrypted but {} is missing: its key cannot be found",
                    db.display(),
                    vault_file.display()
                )));
            }
            let file = VaultFile { home: choose_home(dir, unlock)?, page_mac: PageMac::Sha256 };
            write_atomically(&vault_file, serde_json::to_string_pretty(&file)?.as_bytes())?;
            file
        }
    };
    let mut sync_token = None;
    let key = match &home {
        KeyHome::Keyring { account: key_account } => {
            let Some(secrets) = &unlock.secrets else {
                return Err(locked(false, "this database's key is in the OS keyring, which is switched off"));
            };
            let (keyring, name) = (secrets.clone(), account(dir, SYNC_TOKEN));
            sync_token = std::thread::Builder::new().spawn(move || keyring.get(&name)).ok();
            match secrets.get(key_account) {
                Ok(Some(hex)) => {
                    DbKey::from_hex(&hex).ok_or_else(|| locked(false, "the keyring holds a damaged key"))?
                }
                Ok(None) => {
                    return Err(locked(
                        false,
                        "the OS keyring no longer holds this database's key (was the keyring reset?)",
                    ));
                }
                Err(e) => return Err(locked(false, format!("the OS keyring cannot be reached: {e}"))),
            }
        }
        KeyHome::Passphrase { salt } => {
            let Some(p) = &unlock.passphrase else {
                return Err(locked(!db.exists(), "enter the passphrase of this laptop's data"));
            };
            let salt =
                hex_decode(salt).ok_or_else(|| CoreError::Migration("vault.json holds a damaged salt".into()))?;
            DbKey::from_passphrase(p, &salt)?
        }
    }
    .with_page_mac(page_mac);
    let vault = Vault { key, home, secrets: unlock.secrets.clone(), sync_token, dir: dir.to_path_buf() };
    if db.exists() && is_plain(&db) {
        encrypt_in_place(&db, &vault.key)?;
    }
    Ok(vault)
}

/// A new key's home: the keyring when it answers, else the passphrase the user brought.
fn choose_home(dir: &Path, unlock: &Unlock) -> Result<KeyHome> {
    if let Some(secrets) = &unlock.secrets {
        let account = account(dir, "database key");
        let key = DbKey::random();
        // Written and read back: a keyring that accepts but forgets would lose the data.
        let stored = secrets.set(&account, &key.hex()).and_then(|()| secrets.get(&account));
        if let Ok(Some(back)) = stored
            && back == *key.hex()
        {
            return Ok(KeyHome::Keyring { account });
        }
    }
    match &unlock.passphrase {
        Some(p) if p.chars().count() >= MIN_PASSPHRASE => {
            let mut salt = [0u8; 16];
            OsRng.fill_bytes(&mut salt);
            Ok(KeyHome::Passphrase { salt: salt.iter().map(|b| format!("{b:02x}")).collect() })
        }
        Some(_) => Err(CoreError::field("passphrase", format!("must be at least {MIN_PASSPHRASE} characters"))),
        None => Err(locked(true, "no OS keyring answered: set a passphrase to encrypt this laptop's data")),
    }
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(|e| CoreError::io(format!("cannot write {}", tmp.display()), e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| CoreError::io(format!("cannot write {}", tmp.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| CoreError::io(format!("cannot write {}", path.display()), e))?;
    sync_dir(path);
    Ok(())
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// Encrypts a plain database in place: exports it into an encrypted copy, checks every table's row
/// count and the copy's integrity, then renames the copy over the original.
pub fn encrypt_in_place(db: &Path, key: &DbKey) -> Result<()> {
    let tmp = db.with_extension("sqlite3.encrypting");
    let _ = std::fs::remove_file(&tmp);
    {
        let plain = Connection::open(db)?;
        plain.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let attach = zeroize::Zeroizing::new(format!(
            "ATTACH DATABASE '{}' AS encrypted KEY \"x'{}'\";",
            tmp.display().to_string().replace('\'', "''"),
            key.hex().as_str()
        ));
        plain.execute_batch(&attach)?;
        plain.execute_batch(&key.mac_pragma("encrypted."))?;
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        plain.execute_batch(&format!("PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"))?;
        let copy = Connection::open(&tmp)?;
        key.apply(&copy)?;
        let ok: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if ok != "ok" {
            return Err(CoreError::Migration(format!("the encrypted copy failed its integrity check: {ok}")));
        }
        let tables: Vec<String> = plain
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for t in tables {
            let sql = format!("SELECT count(*) FROM \"{}\"", t.replace('"', "\"\""));
            let a: i64 = plain.query_row(&sql, [], |r| r.get(0))?;
            let b: i64 = copy.query_row(&sql, [], |r| r.get(0))?;
            if a != b {
                return Err(CoreError::Migration(format!("encrypting lost rows of {t}: {a} before, {b} after")));
            }
        }
        copy.execute_batch("PRAGMA journal_mode = DELETE;")?;
    }
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| CoreError::io("cannot sync the encrypted copy", e))?;
    for side in ["-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(side);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    std::fs::rename(&tmp, db).map_err(|e| CoreError::io(format!("cannot replace {}", db.display()), e))?;
    sync_dir(db);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_hex_and_passphrases_are_stable() {
        let k = DbKey::random();
        assert_eq!(*DbKey::from_hex(&k.hex()).unwrap().hex(), *k.hex());
        assert!(DbKey::from_hex("zz").is_none());
        let a = DbKey::from_passphrase("correct horse", b"0123456789abcdef").unwrap();
        let b = DbKey::from_passphrase("correct horse", b"0123456789abcdef").unwrap();
        let c = DbKey::from_passphrase("correct horsf", b"0123456789abcdef").unwrap();
        assert_eq!(*a.hex(), *b.hex());
        assert_ne!(*a.hex(), *c.hex());
    }

    #[test]
    fn a_new_folder_without_keyring_or_passphrase_asks_for_one() {
        let dir = tempfile::tempdir().unwrap();
        let err = open(dir.path(), &Unlock::default()).err().unwrap();
        assert!(matches!(err, CoreError::Locked { first_time: true, .. }), "{err}");
        let short = open(dir.path(), &Unlock::passphrase("short")).err().unwrap();
        assert!(short.to_string().contains("passphrase"), "{short}");
        assert!(!dir.path().join(VAULT_FILE).exists());
    }

    /// A keyring that cannot be reached (no Secret Service on the bus).
    struct Unreachable;
    impl Secrets for Unreachable {
        fn get(&self, _: &str) -> std::result::Result<Option<String>, String> {
            Err("no Secret Service".into())
        }
        fn set(&self, _: &str, _: &str) -> std::result::Result<(), String> {
            Err("no Secret Service".into())
        }
        fn delete(&self, _: &str) -> std::result::Result<(), String> {
            Err("no Secret Service".into())
        }
    }

    #[test]
    fn an_unreachable_keyring_falls_back_to_the_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let unlock = Unlock::with_secrets(Arc::new(Unreachable)).and_passphrase("long enough words");
        let v = open(dir.path(), &unlock).unwrap();
        assert!(matches!(v.home, KeyHome::Passphrase { .. }));
        assert!(v.keyring().is_none());
        let again = open(dir.path(), &unlock).unwrap();
        assert_eq!(*again.key.hex(), *v.key.hex());
    }

    /// Whether a raw connection to `db` with `key` applied reads the file.
    fn reads(db: &Path, key: &DbKey) -> bool {
        let conn = Connection::open(db).unwrap();
        key.apply(&conn).unwrap();
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_ok()
    }

    fn probe(db: &Path, key: &DbKey) -> Option<String> {
        crate::store::Store::open_encrypted(db, key).unwrap().meta("probe").unwrap()
    }

    #[test]
    fn a_new_folder_authenticates_its_pages_with_sha256_and_records_it() {
        let dir = tempfile::tempdir().unwrap();
        let unlock = Unlock::passphrase("long enough words");
        let v = open(dir.path(), &unlock).unwrap();
        assert_eq!(v.key.page_mac(), PageMac::Sha256);
        let text = std::fs::read_to_string(dir.path().join(VAULT_FILE)).unwrap();
        assert!(text.contains("\"page_mac\": \"sha256\""), "{text}");
        let db = dir.path().join(crate::paths::DB_FILE);
        crate::store::Store::open_encrypted(&db, &v.key).unwrap().set_meta("probe", "kept").unwrap();
        assert!(reads(&db, &v.key));
        // SQLCipher checks the setting: the same key with its default HMAC reads nothing.
        assert!(!reads(&db, &v.key.clone().with_page_mac(PageMac::Sha512)));
        let again = open(dir.path(), &unlock).unwrap();
        assert_eq!(again.key.page_mac(), PageMac::Sha256);
        assert_eq!(probe(&db, &again.key).as_deref(), Some("kept"));
    }

    #[test]
    fn a_folder_from_before_the_setting_keeps_sha512_and_opens_as_it_did() {
        let dir = tempfile::tempdir().unwrap();
        let unlock = Unlock::passphrase("long enough words");
        let made = open(dir.path(), &unlock).unwrap();
        // An earlier build's folder: vault.json holds only the key's home, and the database uses
        // SQLCipher's default HMAC.
        std::fs::write(dir.path().join(VAULT_FILE), serde_json::to_string_pretty(&made.home).unwrap()).unwrap();
        let db = dir.path().join(crate::paths::DB_FILE);
        let before = made.key.clone().with_page_mac(PageMac::Sha512);
        crate::store::Store::open_encrypted(&db, &before).unwrap().set_meta("probe", "kept").unwrap();
        let v = open(dir.path(), &unlock).unwrap();
        assert_eq!(v.key.page_mac(), PageMac::Sha512);
        assert_eq!(probe(&db, &v.key).as_deref(), Some("kept"));
        assert!(!reads(&db, &v.key.clone().with_page_mac(PageMac::Sha256)));
        let text = std::fs::read_to_string(dir.path().join(VAULT_FILE)).unwrap();
        assert!(!text.contains("page_mac"), "an older folder's vault.json is left as it was: {text}");
    }

    #[test]
    fn a_keyring_folder_reopens_with_the_same_key_and_refuses_without_it() {
        let dir = tempfile::tempdir().unwrap();
        let secrets: Arc<dyn Secrets> = Arc::new(MemorySecrets::default());
        let v = open(dir.path(), &Unlock::with_secrets(secrets.clone())).unwrap();
        assert!(matches!(v.home, KeyHome::Keyring { .. }));
        let again = open(dir.path(), &Unlock::with_secrets(secrets)).unwrap();
        assert_eq!(*again.key.hex(), *v.key.hex());
        let other = open(dir.path(), &Unlock::ephemeral()).err().unwrap();
        assert!(other.to_string().contains("no longer holds"), "{other}");
        let off = open(dir.path(), &Unlock::passphrase("whatever it is")).err().unwrap();
        assert!(off.to_string().contains("switched off"), "{off}");
    }
}
