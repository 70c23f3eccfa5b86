//! One sync round, independent of the transport: push the outbox in planned batches until it is
//! empty (acknowledged changes leave the outbox, refused ones are set aside with the reason), then
//! pull pages until caught up, applying each with the merge rule, evicting rows that moved to
//! another rep, keeping notices, and checking the server's partition checksums. The store is
//! reached through [`StoreAccess`] only between transport calls, so a desktop app can keep it
//! behind a mutex while a round runs. The HTTP transport is [`super::client`]; tests also run
//! rounds against the server's storage in-process.

use super::protocol::{ErrorBody, MAX_PUSH, PullPage, Push, PushAck, WireChange};
use crate::error::CoreError;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server cannot be reached (no network, server down, timeout).
    #[error("offline: {0}")]
    Offline(String),
    /// The token is missing, expired or revoked, or the password is wrong: sign in again.
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    RateLimited(String),
    /// The server answered with an error the client cannot act on.
    #[error("the server refused: {0}")]
    Server(String),
    #[error(transparent)]
    Local(#[from] CoreError),
}

/// A signed-in session with one server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub server: String,
    pub token: String,
    pub user_id: Uuid,
    pub user: String,
    pub role: String,
    pub expires_at: String,
}

/// What one sync round did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncReport {
    pub pushed: usize,
    pub refused: usize,
    pub pulled: usize,
    pub applied: usize,
    /// Incoming values that lost to newer ones (kept in history).
    pub lost: usize,
    pub evicted: usize,
    pub notices: usize,
    /// Partitions whose checksum differed from the server's after the round.
    pub mismatched: Vec<String>,
    #[ts(type = "number")]
    pub server_seq: i64,
}

/// How the client reaches the store between network calls.
pub trait StoreAccess {
    fn with_store<T>(&mut self, f: impl FnOnce(&mut Store) -> crate::error::Result<T>) -> crate::error::Result<T>;
}

impl StoreAccess for &mut Store {
    fn with_store<T>(&mut self, f: impl FnOnce(&mut Store) -> crate::error::Result<T>) -> crate::error::Result<T> {
        f(self)
    }
}

impl StoreAccess for &std::sync::Mutex<Store> {
    fn with_store<T>(&mut self, f: impl FnOnce(&mut Store) -> crate::error::Result<T>) -> crate::error::Result<T> {
        let mut guard = self.lock().map_err(|_| CoreError::Conflict("the store lock was poisoned".into()))?;
        f(&mut guard)
    }
}

/// An error answer with its status and body.
#[derive(Debug)]
pub struct Refusal {
    pub status: u16,
    pub body: Option<ErrorBody>,
    pub error: SyncError,
}

/// How a round reaches the server.
pub trait Transport {
    fn push(&self, push: &Push) -> impl std::future::Future<Output = Result<PushAck, Refusal>>;
    fn pull(&self, since: i64) -> impl std::future::Future<Output = Result<PullPage, SyncError>>;
}

/// One round: push everything, then pull until caught up.
pub async fn round(transport: &impl Transport, mut store: impl StoreAccess) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    let device_id = store.with_store(|s| Ok(s.device_id()))?;
    loop {
        let (batch, cursor) = store.with_store(|s| Ok((s.next_push(MAX_PUSH)?, s.sync_cursor()?)))?;
        if batch.is_empty() {
            break;
        }
        let changes: Vec<WireChange> = batch
            .iter()
            .map(|r| WireChange::from_change(&r.clone().into()))
            .map(|w| WireChange { author: None, ..w })
            .collect();
        let push = Push { device_id, pulled_to: cursor, changes };
        match transport.push(&push).await {
            Ok(ack) => {
                report.pushed += ack.acknowledged.len();
                report.refused += ack.refused.len();
                report.server_seq = ack.server_seq;
                store.with_store(|s| s.acknowledge(&ack.acknowledged))?;
            }
            Err(Refusal { status: 403 | 409 | 422, body: Some(body), error }) => {
                // Set the named changes aside (kept, shown to the user) and push the rest.
                let named = refused_changes(&body, &push);
                if named.is_empty() {
                    return Err(error);
                }
                report.refused += named.len();
                store.with_store(|s| s.refuse(&named))?;
            }
            Err(r) => return Err(r.error),
        }
    }
    // Rows whose eviction waited for their edits to be pushed go now.
    report.evicted += store.with_store(|s| {
        let waiting = s.evictions_waiting()?;
        Ok(if waiting.is_empty() { 0 } else { s.evict(&waiting)?.0 })
    })?;
    let mut repulled = false;
    loop {
        let since = store.with_store(|s| s.sync_cursor())?;
        let page = transport.pull(since).await?;
        report.pulled += page.changes.len();
        report.server_seq = report.server_seq.max(page.next_cursor);
        let checked = store.with_store(|s| {
            let changes = page
                .changes
                .iter()
                .enumerate()
                .map(|(i, w)| w.to_change(i))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| CoreError::Validation(vec![e]))?;
            let applied = s.apply_remote(&changes)?;
            let (evicted, _) = s.evict(&page.evict)?;
            s.add_notices(&page.notices)?;
            s.set_sync_cursor(page.next_cursor)?;
            let mut mismatched = Vec::new();
            if !page.more && s.pending_changes()? == 0 {
                for cs in &page.checksums {
                    if s.partition_checksum(&cs.partition)?.text() != cs.checksum {
                        mismatched.push(cs.partition.clone());
                    }
                }
            }
            Ok((applied, evicted, mismatched))
        })?;
        let (applied, evicted, mismatched) = checked;
        report.applied += applied.applied;
        report.lost += applied.lost;
        report.evicted += evicted;
        report.notices += page.notices.len();
        if page.more {
            continue;
        }
        if !mismatched.is_empty() && !repulled {
            // Heal by pulling everything again (idempotent), once per round.
            repulled = true;
            store.with_store(|s| s.set_sync_cursor(0))?;
            continue;
        }
        report.mismatched = mismatched;
        break;
    }
    Ok(report)
}

/// The change ids a refused push names (`changes[i]...` fields), each with its reason.
fn refused_changes(body: &ErrorBody, push: &Push) -> Vec<(Uuid, String)> {
    let mut out: Vec<(Uuid, String)> = Vec::new();
    for f in &body.fields {
        let Some(rest) = f.field.strip_prefix("changes[") else { continue };
        let Some(i) = rest.split(']').next().and_then(|n| n.parse::<usize>().ok()) else { continue };
        if let Some(c) = push.changes.get(i)
            && !out.iter().any(|(id, _)| *id == c.change_id)
        {
            out.push((c.change_id, f.message.clone()));
        }
    }
    out
}
