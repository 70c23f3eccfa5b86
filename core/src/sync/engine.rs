//! The desktop's sync engine (feature `client`): signing in and out against a server, and the
//! background task that runs a round soon after a local change, every 30 seconds, and on request,
//! backing off exponentially while the server cannot be reached. The app keeps its [`Showroom`]
//! behind a mutex; the engine takes it only between network calls.

use super::client::{Client, normalize_server};
use super::round::{StoreAccess, SyncError, SyncReport};
use super::status::{Phase, SyncAccount, backoff_ms};
use crate::api::Showroom;
use crate::error::{CoreError, Result};
use crate::store::Store;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often a signed-in device syncs when nothing happens.
pub const PERIOD: Duration = Duration::from_secs(30);
/// How often the engine looks for local changes to push.
pub const TICK: Duration = Duration::from_secs(2);

impl StoreAccess for &Mutex<Showroom> {
    fn with_store<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut app = self.lock().map_err(|_| CoreError::Conflict("the database lock was poisoned".into()))?;
        f(app.store_mut())
    }
}

fn lock(app: &Mutex<Showroom>) -> Result<std::sync::MutexGuard<'_, Showroom>> {
    app.lock().map_err(|_| CoreError::Conflict("the database lock was poisoned; restart Showroom".into()))
}

fn now_ms() -> i64 {
    crate::domain::Timestamp::now().millis()
}

fn now_text() -> String {
    crate::domain::Timestamp::now().0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Turns a sign-in failure into errors next to the right field.
fn sign_in_error(e: SyncError, server: &str) -> CoreError {
    match e {
        SyncError::Unauthorized(m) => CoreError::field("password", m),
        SyncError::RateLimited(m) => CoreError::field("password", m),
        SyncError::Offline(m) => CoreError::field("server", format!("cannot reach {server} ({m})")),
        SyncError::Server(m) | SyncError::Wiped(m) => CoreError::field("server", m),
        SyncError::Local(e) => e,
    }
}

/// Signs in to `server` as `user`; the session is kept on this device and the engine syncs at once.
pub async fn sign_in(app: &Mutex<Showroom>, server: &str, user: &str, password: &str) -> Result<SyncAccount> {
    let mut errors = Vec::new();
    let server = match normalize_server(server) {
        Ok(s) => Some(s),
        Err(CoreError::Validation(mut f)) => {
            errors.append(&mut f);
            None
        }
        Err(e) => return Err(e),
    };
    if user.trim().is_empty() {
        errors.push(crate::error::FieldError::new("user", "is required"));
    }
    if password.is_empty() {
        errors.push(crate::error::FieldError::new("password", "is required"));
    }
    let Some(server) = server.filter(|_| errors.is_empty()) else { return Err(CoreError::Validation(errors)) };
    let device = lock(app)?.store().device_id();
    let client = Client::new(&server).map_err(|e| sign_in_error(e, &server))?;
    let session = client.sign_in(user, password, device).await.map_err(|e| sign_in_error(e, &server))?;
    // The rooftop's name, so the window says where this laptop signed in before any manager names
    // the dealership in Settings. Best effort: the sign-in stands without it.
    let rooftop = match tokio::time::timeout(Duration::from_secs(5), client.rooftops(&session)).await {
        Ok(Ok(all)) => all.into_iter().find(|r| r.current).map(|r| r.name),
        _ => None,
    };
    let mut guard = lock(app)?;
    guard.save_session(Some(&session))?;
    if let Some(name) = rooftop {
        guard.store().set_meta(crate::rooftops::NAME, &name)?;
    }
    let tracker = guard.sync_tracker();
    drop(guard);
    tracker.set(Phase::Idle);
    tracker.request();
    Ok(SyncAccount::of(&session))
}

/// Signs out: the token is revoked on the server when it can be reached; local data stays.
pub async fn sign_out(app: &Mutex<Showroom>) -> Result<()> {
    let session = lock(app)?.session()?;
    if let Some(s) = &session
        && let Ok(client) = Client::new(&s.server)
    {
        let _ = tokio::time::timeout(Duration::from_secs(5), client.sign_out(s)).await;
    }
    let mut guard = lock(app)?;
    guard.save_session(None)?;
    guard.sync_tracker().set(Phase::Idle);
    Ok(())
}

/// One round now, with the stored session (the CLI and "Sync now" use it).
pub async fn sync_once(app: &Mutex<Showroom>) -> std::result::Result<SyncReport, SyncError> {
    let (session, tracker) = {
        let guard = lock(app)?;
        (guard.session()?, guard.sync_tracker())
    };
    let Some(session) = session else {
        return Err(SyncError::Local(CoreError::field("server", "not signed in to a sync server")));
    };
    tracker.set(Phase::Syncing);
    let client = Client::new(&session.server)?;
    let result = client.sync(app, &session).await;
    if matches!(result, Err(SyncError::Wiped(_))) {
        // The data is erased; the token (in the keyring, outside the database) goes too.
        let _ = lock(app).and_then(|mut g| g.save_session(None));
    }
    match &result {
        Ok(_) => tracker.set(Phase::Synced { at: now_text() }),
        Err(SyncError::Unauthorized(m)) => tracker.set(Phase::SignInNeeded { message: m.clone() }),
        Err(SyncError::Offline(_)) => {
            tracker.set(Phase::Offline { since: now_text(), retry_at_ms: now_ms() + backoff_ms(1) })
        }
        Err(e) => tracker.set(Phase::Error { message: e.to_string() }),
    }
    result
}

/// The background task: runs forever.
pub async fn run(app: Arc<Mutex<Showroom>>) {
    let tracker = match lock(&app) {
        Ok(g) => g.sync_tracker(),
        Err(_) => return,
    };
    let mut failures: u32 = 0;
    let mut next_due_ms = now_ms();
    let mut offline_since: Option<String> = None;
    loop {
        let state = lock(&app).and_then(|g| Ok((g.session()?, g.store().pending_changes()?)));
        if let Ok((Some(session), pending)) = state {
            let requested = tracker.take_request();
            let waiting_out = matches!(tracker.phase(), Phase::SignInNeeded { .. }) && !requested;
            let due = requested || now_ms() >= next_due_ms || (pending > 0 && failures == 0);
            if due && !waiting_out {
                tracker.set(Phase::Syncing);
                let result = match Client::new(&session.server) {
                    Ok(client) => client.sync(&*app, &session).await,
                    Err(e) => Err(e),
                };
                if matches!(result, Err(SyncError::Wiped(_))) {
                    let _ = lock(&app).and_then(|mut g| g.save_session(None));
                }
                match result {
                    Ok(report) => {
                        tracing::info!(pushed = report.pushed, pulled = report.pulled, "synced");
                        failures = 0;
                        offline_since = None;
                        next_due_ms = now_ms() + PERIOD.as_millis() as i64;
                        tracker.set(Phase::Synced { at: now_text() });
                    }
                    Err(SyncError::Unauthorized(message)) => {
                        tracker.set(Phase::SignInNeeded { message });
                    }
                    Err(SyncError::Offline(m)) => {
                        failures += 1;
                        next_due_ms = now_ms() + backoff_ms(failures);
                        let since = offline_since.get_or_insert_with(now_text).clone();
                        tracing::info!(error = %m, retry_in_ms = backoff_ms(failures), "sync server unreachable");
                        tracker.set(Phase::Offline { since, retry_at_ms: next_due_ms });
                    }
                    Err(e) => {
                        failures += 1;
                        next_due_ms = now_ms() + backoff_ms(failures);
                        tracing::warn!(error = %e, "sync failed");
                        tracker.set(Phase::Error { message: e.to_string() });
                    }
                }
            }
        }
        tokio::select! {
            () = tracker.wake.notified() => {}
            () = tokio::time::sleep(TICK) => {}
        }
    }
}
