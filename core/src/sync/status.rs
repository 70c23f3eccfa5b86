//! What the status bar says about sync, kept by the background engine and read by `status()`:
//! the phase of the last round and when it changed. Pure state; the engine ([`super::engine`])
//! drives it.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use ts_rs::TS;

/// Sync state as the status bar shows it; `pending` is the number of local changes not yet on the
/// server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncStatus {
    /// Not signed in to a server: everything stays on this device.
    Local { pending: i64 },
    /// A round is running.
    Syncing { pending: i64, server: String },
    /// The last round finished at `at` (RFC 3339).
    Synced { pending: i64, server: String, at: String },
    /// The server could not be reached since `since`; the next try is in `retry_in_s`.
    Offline { pending: i64, server: String, since: String, retry_in_s: u64 },
    /// The server refused the round; retried with backoff.
    Error { pending: i64, server: String, message: String },
    /// The token expired or was revoked: sign in again in Settings.
    SignInNeeded { pending: i64, server: String, message: String },
}

/// The signed-in account as Settings shows it (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncAccount {
    pub server: String,
    pub user: String,
    pub role: String,
    pub expires_at: String,
}

impl SyncAccount {
    pub fn of(s: &super::round::Session) -> SyncAccount {
        SyncAccount {
            server: s.server.clone(),
            user: s.user.clone(),
            role: s.role.clone(),
            expires_at: s.expires_at.clone(),
        }
    }
}

/// The phase without the pending count (which the store knows).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Phase {
    #[default]
    Idle,
    Syncing,
    Synced {
        at: String,
    },
    Offline {
        since: String,
        retry_at_ms: i64,
    },
    Error {
        message: String,
    },
    SignInNeeded {
        message: String,
    },
}

/// Shared between the engine task and the API.
#[derive(Debug, Default)]
pub struct SyncTracker {
    phase: Mutex<Phase>,
    /// Set when the user asks to sync now (or signs in); the engine takes it.
    requested: std::sync::atomic::AtomicBool,
    #[cfg(feature = "client")]
    pub(crate) wake: tokio::sync::Notify,
}

impl SyncTracker {
    pub fn phase(&self) -> Phase {
        self.phase.lock().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn set(&self, phase: Phase) {
        if let Ok(mut p) = self.phase.lock() {
            *p = phase;
        }
    }

    /// Asks the engine for a round as soon as it can.
    pub fn request(&self) {
        self.requested.store(true, std::sync::atomic::Ordering::SeqCst);
        #[cfg(feature = "client")]
        self.wake.notify_one();
    }

    pub fn take_request(&self) -> bool {
        self.requested.swap(false, std::sync::atomic::Ordering::SeqCst)
    }

    /// The status for a device signed in to `server` (or not signed in), with `pending` changes.
    pub fn status(&self, server: Option<String>, pending: i64, now_ms: i64) -> SyncStatus {
        let Some(server) = server else { return SyncStatus::Local { pending } };
        match self.phase() {
            Phase::Idle | Phase::Syncing => SyncStatus::Syncing { pending, server },
            Phase::Synced { at } => SyncStatus::Synced { pending, server, at },
            Phase::Offline { since, retry_at_ms } => SyncStatus::Offline {
                pending,
                server,
                since,
                retry_in_s: ((retry_at_ms - now_ms).max(0) / 1000) as u64,
            },
            Phase::Error { message } => SyncStatus::Error { pending, server, message },
            Phase::SignInNeeded { message } => SyncStatus::SignInNeeded { pending, server, message },
        }
    }
}

/// The wait before retry number `failures` (1-based): 5 s doubling to at most 2 minutes.
pub fn backoff_ms(failures: u32) -> i64 {
    let exp = failures.saturating_sub(1).min(10);
    (5_000i64 << exp).min(120_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let waits: Vec<i64> = (1..=7).map(backoff_ms).collect();
        assert_eq!(waits, [5_000, 10_000, 20_000, 40_000, 80_000, 120_000, 120_000]);
        assert_eq!(backoff_ms(0), 5_000);
        assert_eq!(backoff_ms(u32::MAX), 120_000);
    }

    #[test]
    fn status_follows_the_phase() {
        let t = SyncTracker::default();
        assert_eq!(t.status(None, 3, 0), SyncStatus::Local { pending: 3 });
        t.set(Phase::Offline { since: "x".into(), retry_at_ms: 12_500 });
        assert_eq!(
            t.status(Some("http://s".into()), 1, 10_000),
            SyncStatus::Offline { pending: 1, server: "http://s".into(), since: "x".into(), retry_in_s: 2 }
        );
        assert!(!t.take_request());
        t.request();
        assert!(t.take_request());
        assert!(!t.take_request());
    }
}
