//! Passwords (argon2id, salted), bearer tokens (32 random bytes; only their SHA-256 is stored) and
//! the sign-in rate limit (failed attempts per login and per address in a sliding window).

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

pub fn hash_password(password: &str) -> Result<String, String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(format!("password: at least {MIN_PASSWORD} characters"));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash of a random password, checked against when a login is unknown so that an unknown
/// login costs the same time as a known one (no user enumeration by timing).
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let (random, _) = new_token();
        hash_password(&random).unwrap_or_default()
    })
}

/// A new random token (hex) and the hash that is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Sliding-window limit on failed sign-ins, per key (a login, an address).
#[derive(Debug)]
pub struct RateLimit {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimit {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        RateLimit { max_failures, window, failures: Mutex::new(HashMap::new()) }
    }

    /// `Some(wait)` when `key` has used up its failures in the window.
    pub fn blocked(&self, key: &str, now: Instant) -> Option<Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let q = map.get_mut(key)?;
        while q.front().is_some_and(|t| now.duration_since(*t) > self.window) {
            q.pop_front();
        }
        if q.len() >= self.max_failures {
            q.front().map(|t| self.window.saturating_sub(now.duration_since(*t)).max(Duration::from_secs(1)))
        } else {
            None
        }
    }

    /// Takes one attempt of `key`'s allowance before the password is checked (counted as a
    /// failure until [`Self::succeeded`] clears it), or says how long to wait. Atomic: parallel
    /// attempts cannot all pass the check while the first ones are still being verified.
    pub fn reserve(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) <= self.window));
        }
        let q = map.entry(key.to_string()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) > self.window) {
            q.pop_front();
        }
        if q.len() >= self.max_failures {
            return Err(q
                .front()
                .map(|t| self.window.saturating_sub(now.duration_since(*t)).max(Duration::from_secs(1)))
                .unwrap_or(Duration::from_secs(1)));
        }
        q.push_back(now);
        Ok(())
    }

    /// Gives back an attempt reserved at `at` that was not used.
    pub fn release(&self, key: &str, at: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(q) = map.get_mut(key)
            && let Some(i) = q.iter().rposition(|t| *t == at)
        {
            q.remove(i);
        }
    }

    pub fn failed(&self, key: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) <= self.window));
        }
        map.entry(key.to_string()).or_default().push_back(now);
    }

    pub fn succeeded(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_salted_and_verify() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("correct horsE", &a));
        assert!(!verify_password("x", "not a hash"));
        assert!(hash_password("short").unwrap_err().contains("at least"));
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (t1, h1) = new_token();
        let (t2, _) = new_token();
        assert_ne!(t1, t2);
        assert_eq!(t1.len(), 64);
        assert_eq!(token_hash(&t1), h1);
        assert_ne!(h1, t1);
    }

    #[test]
    fn the_limit_blocks_after_max_failures_and_forgets_after_the_window() {
        let rl = RateLimit::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(rl.blocked("ana", t0).is_none());
            rl.failed("ana", t0);
        }
        assert!(rl.blocked("ana", t0 + Duration::from_secs(1)).is_some());
        assert!(rl.blocked("bo", t0).is_none());
        assert!(rl.blocked("ana", t0 + Duration::from_secs(61)).is_none());
        rl.failed("bo", t0);
        rl.succeeded("bo");
        assert!(rl.blocked("bo", t0).is_none());
    }

    #[test]
    fn reserving_counts_each_attempt_before_it_is_checked() {
        let rl = RateLimit::new(5, Duration::from_secs(60));
        let t0 = Instant::now();
        let granted = (0..100).filter(|_| rl.reserve("ana", t0).is_ok()).count();
        assert_eq!(granted, 5, "only five attempts in the window, however many arrive at once");
        assert!(rl.reserve("ana", t0).unwrap_err() >= Duration::from_secs(1));
        rl.release("ana", t0);
        assert!(rl.reserve("ana", t0).is_ok(), "a released attempt is available again");
        rl.succeeded("ana");
        assert!(rl.reserve("ana", t0).is_ok());
        assert!(!verify_password("x", dummy_hash()) && dummy_hash().starts_with("$argon2id$"));
    }
}
