//! The app lock: after a configurable idle time (or on Ctrl+L) the window hides everything and
//! asks for this device's PIN or passphrase; with a PIN set, the app also starts locked. The
//! PIN's argon2id hash and the idle time are this device's own (`meta`), never synced. Wrong
//! PINs are limited: after five in a row each further try waits longer (30 s, doubling, at most
//! an hour), counted in the database so restarting the app does not reset it.

use crate::domain::Timestamp;
use crate::error::{CoreError, Result};
use crate::store::Store;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How this device locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LockSettings {
    /// Minutes without a key press or pointer movement before the window locks; 0 = never.
    pub idle_minutes: u32,
    /// Whether a PIN is set (without one the window never locks).
    pub has_pin: bool,
}

/// The idle times offered, in minutes (0 = never).
pub const IDLE_CHOICES: &[u32] = &[0, 1, 2, 5, 10, 15, 30, 60];
/// The shortest PIN or passphrase.
pub const MIN_PIN: usize = 4;
const FREE_TRIES: i64 = 5;

pub fn settings(store: &Store) -> Result<LockSettings> {
    Ok(LockSettings {
        idle_minutes: store.meta("lock_idle_minutes")?.and_then(|m| m.parse().ok()).unwrap_or(0),
        has_pin: store.meta("lock_pin")?.is_some(),
    })
}

/// Sets the idle time and, when `new_pin` is given, the PIN (changing an existing PIN needs the
/// current one). `new_pin = Some("")` removes the PIN (with the current one), which turns the lock off.
pub fn configure(
    store: &mut Store,
    idle_minutes: u32,
    new_pin: Option<&str>,
    current: Option<&str>,
) -> Result<LockSettings> {
    if !IDLE_CHOICES.contains(&idle_minutes) {
        return Err(CoreError::field("idle_minutes", format!("choose one of {IDLE_CHOICES:?} minutes")));
    }
    let existing = store.meta("lock_pin")?;
    if let Some(pin) = new_pin {
        if let Some(hash) = &existing
            && !verify(current.unwrap_or(""), hash)
        {
            return Err(CoreError::field("current_pin", "is not this computer's PIN"));
        }
        if pin.is_empty() {
            store.conn().execute("DELETE FROM meta WHERE key = 'lock_pin'", [])?;
        } else {
            if pin.chars().count() < MIN_PIN {
                return Err(CoreError::field("pin", format!("at least {MIN_PIN} characters")));
            }
            if pin.chars().count() > 128 {
                return Err(CoreError::field("pin", "at most 128 characters"));
            }
            let salt = SaltString::generate(&mut OsRng);
            let hash = Argon2::default()
                .hash_password(pin.as_bytes(), &salt)
                .map_err(|e| CoreError::field("pin", e.to_string()))?
                .to_string();
            store.set_meta("lock_pin", &hash)?;
        }
    }
    store.set_meta("lock_idle_minutes", &idle_minutes.to_string())?;
    settings(store)
}

fn verify(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(pin.as_bytes(), &h).is_ok())
}

/// Checks the PIN. A wrong one (or one tried too soon after five wrong ones) is refused naming
/// `pin`, with how long to wait when that applies.
pub fn unlock(store: &mut Store, pin: &str) -> Result<()> {
    let Some(hash) = store.meta("lock_pin")? else { return Ok(()) };
    let now = Timestamp::now().millis();
    let failures: i64 = store.meta("lock_failures")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    let wait_until: i64 = store.meta("lock_wait_until")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    if now < wait_until {
        let secs = (wait_until - now + 999) / 1000;
        return Err(CoreError::field("pin", format!("too many wrong tries: wait {secs} s")));
    }
    if verify(pin, &hash) {
        store.conn().execute("DELETE FROM meta WHERE key IN ('lock_failures', 'lock_wait_until')", [])?;
        return Ok(());
    }
    let failures = failures + 1;
    store.set_meta("lock_failures", &failures.to_string())?;
    if failures >= FREE_TRIES {
        let wait = (30_000i64 << (failures - FREE_TRIES).min(7)).min(3_600_000);
        store.set_meta("lock_wait_until", &(now + wait).to_string())?;
        return Err(CoreError::field("pin", format!("wrong PIN; wait {} s before the next try", wait / 1000)));
    }
    Err(CoreError::field("pin", format!("wrong PIN ({} tries left before a wait)", FREE_TRIES - failures)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_locks_unlocks_and_wrong_tries_are_limited() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(settings(&store).unwrap(), LockSettings { idle_minutes: 0, has_pin: false });
        assert!(configure(&mut store, 7, None, None).unwrap_err().to_string().contains("idle_minutes"));
        assert!(configure(&mut store, 5, Some("12"), None).unwrap_err().to_string().contains("at least 4"));
        assert_eq!(
            configure(&mut store, 5, Some("2468"), None).unwrap(),
            LockSettings { idle_minutes: 5, has_pin: true }
        );
        assert!(store.meta("lock_pin").unwrap().unwrap().starts_with("$argon2id$"), "only a hash is kept");
        unlock(&mut store, "2468").unwrap();
        // Changing the PIN needs the current one.
        let e = configure(&mut store, 5, Some("1357"), Some("0000")).unwrap_err().to_string();
        assert!(e.contains("current_pin"), "{e}");
        configure(&mut store, 10, Some("1357"), Some("2468")).unwrap();
        for left in (1..FREE_TRIES).rev() {
            let e = unlock(&mut store, "0000").unwrap_err().to_string();
            assert!(e.contains(&format!("{left} tries left")), "{e}");
        }
        let e = unlock(&mut store, "0000").unwrap_err().to_string();
        assert!(e.contains("wait 30 s"), "{e}");
        // Even the right PIN waits now.
        assert!(unlock(&mut store, "1357").unwrap_err().to_string().contains("too many wrong tries"));
        store.set_meta("lock_wait_until", "0").unwrap();
        unlock(&mut store, "1357").unwrap();
        assert_eq!(store.meta("lock_failures").unwrap(), None);
        // Removing the PIN turns the lock off.
        assert!(!configure(&mut store, 10, Some(""), Some("1357")).unwrap().has_pin);
    }
}
