//! One sync round, independent of the transport: push the outbox in planned batches until it is
//! empty (acknowledged changes leave the outbox, refused ones are set aside with the reason), then
//! pull pages until caught up, applying each with the merge rule, evicting rows that moved to
//! another rep, keeping notices, and checking the server's partition checksums. The store is
//! reached through [`StoreAccess`] only between transport calls, so a desktop app can keep it
//! behind a mutex while a round runs. The HTTP transport is [`super::client`]; tests also run
//! rounds against the server's storage in-process.

use super::protocol::{
    ErrorBody, MAX_PULL_SKEW_MS, MAX_PUSH, MAX_PUSH_BYTES, OLD_MAX_PUSH, PullPage, Push, PushAck, WireChange,
};
use crate::error::CoreError;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::Arc;
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
    /// The server says this device was reported lost or its user disabled: its customer data has
    /// been erased.
    #[error("{0}")]
    Wiped(String),
    #[error(transparent)]
    Local(#[from] CoreError),
}

/// For the window: a local error keeps its fields; the network's and the server's are named in
/// the message ("offline: …", "the server refused: …").
impl From<SyncError> for crate::error::ApiError {
    fn from(e: SyncError) -> Self {
        use crate::error::ErrorCode;
        match e {
            SyncError::Local(c) => c.into(),
            other => {
                let code = if matches!(other, SyncError::Offline(_)) { ErrorCode::Io } else { ErrorCode::Conflict };
                crate::error::ApiError { code, message: other.to_string(), fields: vec![] }
            }
        }
    }
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
    /// What customers did on the portal that this laptop turned into records, one line each.
    #[serde(default)]
    pub completed: Vec<String>,
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
    /// Sends `push`; the HTTP transport sends it at once (the round reads the next push while the
    /// server works on this one), others may wait to be awaited.
    fn push(&self, push: Arc<Push>) -> impl std::future::Future<Output = Result<PushAck, Refusal>>;
    fn pull(&self, since: i64) -> impl std::future::Future<Output = Result<PullPage, SyncError>>;
}

/// One round: push everything, then pull until caught up. When the server answers that this
/// device must be wiped, its customer data is erased before the error is returned.
pub async fn round(transport: &impl Transport, mut store: impl StoreAccess) -> Result<SyncReport, SyncError> {
    let result = round_inner(transport, &mut store).await;
    if let Err(SyncError::Wiped(message)) = &result {
        let erased = store.with_store(|s| s.erase_customer_data())?;
        return Err(SyncError::Wiped(format!("{message} ({erased} records erased from this computer)")));
    }
    result
}

async fn round_inner<S: StoreAccess>(transport: &impl Transport, store: &mut S) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    push_all(transport, store, &mut report).await?;
    pull_all(transport, store, &mut report).await?;
    // What customers did on the portal becomes this rep's records (a sales order, a task), which
    // go to the server at once.
    let completed = store.with_store(|s| crate::portal::complete(s, crate::domain::Timestamp::now().date()))?;
    if !completed.is_empty() {
        report.completed = completed;
        push_all(transport, store, &mut report).await?;
    }
    // The pushed changes' outbox pages and a log grown by a big pull go back to the disk (only
    // when they add up to something).
    if report.pushed > 0 || report.applied > 0 {
        store.with_store(|s| s.reclaim_space())?;
    }
    Ok(report)
}

/// Pushes the outbox until it is empty (refused changes set aside). One push is on the wire at
/// a time, as before, but the laptop's own work overlaps the server's: the next push is read while
/// the server applies this one, and goes out before this one's acknowledgement is written. The
/// server sees the same pushes in the same order as without the overlap; when an answer is not a
/// whole acknowledgement (a refusal, a smaller size limit) the push read ahead is dropped and the
/// next one is read again from the outbox.
async fn push_all<S: StoreAccess, T: Transport>(
    transport: &T,
    store: &mut S,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let device_id = store.with_store(|s| Ok(s.device_id()))?;
    let mut max = MAX_PUSH;
    // The push the server is working on (with its answer to come), and the one read after it.
    let mut wire = None;
    let mut ahead: Option<Arc<Push>> = None;
    loop {
        if wire.is_none() {
            let Some(push) = next_push(store, device_id, max, &[])? else { break };
            let answer = Box::pin(transport.push(push.clone()));
            ahead = next_push(store, device_id, max, &change_ids(&push))?;
            wire = Some((push, answer));
        }
        let Some((push, answer)) = wire.take() else { break };
        match answer.await {
            Ok(ack) => {
                let acknowledged: HashSet<Uuid> = ack.acknowledged.iter().copied().collect();
                if !push.changes.iter().all(|c| acknowledged.contains(&c.change_id)) {
                    ahead = None;
                }
                if let Some(next) = ahead.take() {
                    wire = Some((next.clone(), Box::pin(transport.push(next))));
                }
                report.pushed += ack.acknowledged.len();
                report.refused += ack.refused.len();
                report.server_seq = ack.server_seq;
                store.with_store(|s| s.acknowledge(&ack.acknowledged))?;
                if !ack.purged.is_empty() {
                    report.evicted += store.with_store(|s| s.evict(&ack.purged))?.0;
                }
                if let Some((next, _)) = &wire {
                    ahead = next_push(store, device_id, max, &change_ids(next))?;
                }
            }
            Err(Refusal { status: 403 | 409 | 422, body: Some(body), error }) => {
                ahead = None;
                // Set the named changes aside (kept, shown to the user) and push the rest.
                let named = refused_changes(&body, &push);
                if named.is_empty() && too_many(&body) && push.changes.len() > OLD_MAX_PUSH {
                    max = stated_limit(&body).filter(|n| *n < push.changes.len()).unwrap_or(OLD_MAX_PUSH);
                    continue;
                }
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
    Ok(())
}

fn change_ids(push: &Push) -> Vec<Uuid> {
    push.changes.iter().map(|c| c.change_id).collect()
}

/// The next push after the changes `in_flight` (none: the outbox's first), or `None` when
/// nothing is left.
fn next_push<S: StoreAccess>(
    store: &mut S,
    device_id: Uuid,
    max: usize,
    in_flight: &[Uuid],
) -> Result<Option<Arc<Push>>, SyncError> {
    let batch = store.with_store(|s| s.next_push_after(max, in_flight))?;
    if batch.is_empty() {
        return Ok(None);
    }
    let mut changes: Vec<WireChange> =
        batch.into_iter().map(|r| WireChange { author: None, ..WireChange::from_change(&r.into()) }).collect();
    // Stay under the server's body limit: large values go in smaller pushes (the rest waits for
    // the next one).
    let mut bytes = 0;
    let fits = changes
        .iter()
        .position(|c| {
            bytes += crate::sync::rules::json_len(&c.value) + 200;
            bytes > MAX_PUSH_BYTES
        })
        .unwrap_or(changes.len())
        .max(1);
    changes.truncate(fits);
    Ok(Some(Arc::new(Push { device_id, changes })))
}

/// Pulls until caught up, healing a partition whose checksum disagrees by pulling again once.
async fn pull_all<S: StoreAccess>(
    transport: &impl Transport,
    store: &mut S,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let mut repulled = false;
    // A re-sync from the server's state (this device was away longer than the server keeps
    // what it purged): the rows every page sent, to drop the rest at the end.
    let mut received: Option<HashSet<(String, Uuid)>> = None;
    if store.with_store(|s| s.resync_pending())? {
        store.with_store(|s| s.set_sync_cursor(0))?;
        received = Some(HashSet::new());
    }
    loop {
        let since = store.with_store(|s| s.sync_cursor())?;
        let mut page = transport.pull(since).await?;
        if page.resync {
            if received.is_some() && since == 0 {
                return Err(SyncError::Server("the server asked for a re-sync from the start twice".into()));
            }
            store.with_store(|s| s.begin_resync())?;
            received = Some(HashSet::new());
            continue;
        }
        let changes = page.take_field_changes().map_err(|e| CoreError::Validation(vec![e]))?;
        if let Some(r) = received.as_mut() {
            r.extend(changes.iter().map(|c| (c.table.clone(), c.row_id)));
        }
        report.pulled += changes.len();
        report.server_seq = report.server_seq.max(page.next_cursor);
        let now_ms = crate::domain::Timestamp::now().millis().max(0) as u64;
        if let Some(c) = changes.iter().find(|c| c.hlc.ms > now_ms + MAX_PULL_SKEW_MS) {
            return Err(SyncError::Server(format!(
                "the server sent a change dated {} ahead of this computer's clock ({}); nothing was applied: \
                 check the clocks of this computer and the server",
                c.hlc,
                crate::domain::Timestamp::now()
            )));
        }
        let checked = store.with_store(|s| {
            let applied = s.apply_remote(&changes)?;
            let (evicted, _) = s.evict(&page.evict)?;
            s.add_notices(&page.notices)?;
            s.set_sync_cursor(page.next_cursor)?;
            let mut evicted = evicted;
            if !page.more
                && let Some(r) = &received
            {
                evicted += s.finish_resync(r)?;
            }
            let mut mismatched = Vec::new();
            if !page.more && s.pending_changes()? == 0 {
                let names: Vec<String> = page.checksums.iter().map(|cs| cs.partition.clone()).collect();
                for (cs, mine) in page.checksums.iter().zip(s.partition_checksums(&names)?) {
                    if mine.text() != cs.checksum {
                        mismatched.push(cs.partition.clone());
                    }
                }
            }
            Ok((applied, evicted, mismatched))
        })?;
        let (applied, evicted, mismatched) = checked;
        if !page.more {
            received = None;
        }
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
    Ok(())
}

/// Whether a refusal is about the push's size alone (an older server's smaller limit).
fn too_many(body: &ErrorBody) -> bool {
    !body.fields.is_empty() && body.fields.iter().all(|f| f.field == "changes" && f.message.contains("at most"))
}

/// The limit a refusal for size states (`... a push carries at most N`), when it is a sane one.
fn stated_limit(body: &ErrorBody) -> Option<usize> {
    let message = &body.fields.first()?.message;
    let digits: String = message.split("at most ").nth(1)?.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|n| *n >= OLD_MAX_PUSH)
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

#[cfg(all(test, feature = "client"))]
mod tests {
    use super::*;
    use crate::sync::Hlc;
    use std::cell::RefCell;

    /// A server that answers every pull with `page` and records each push's size; with `limit`,
    /// it refuses a larger push as a server from before [`MAX_PUSH`] rose did.
    struct Fake {
        page: PullPage,
        pushes: RefCell<Vec<usize>>,
        limit: Option<usize>,
        /// Every change id pushed and acknowledged, in order.
        sent: RefCell<Vec<Uuid>>,
        /// Leave the last change of the next push unacknowledged (once).
        withhold_one: std::cell::Cell<bool>,
    }

    fn fake(page: PullPage, limit: Option<usize>) -> Fake {
        Fake { page, pushes: RefCell::new(vec![]), limit, sent: RefCell::new(vec![]), withhold_one: Default::default() }
    }

    impl Transport for Fake {
        async fn push(&self, push: Arc<Push>) -> Result<PushAck, Refusal> {
            if let Some(limit) = self.limit.filter(|l| push.changes.len() > *l) {
                let message = format!("{} changes; a push carries at most {limit}", push.changes.len());
                return Err(Refusal {
                    status: 422,
                    body: Some(ErrorBody {
                        code: "invalid".into(),
                        message: message.clone(),
                        fields: vec![crate::error::FieldError::new("changes", &message)],
                    }),
                    error: SyncError::Server(message),
                });
            }
            self.pushes.borrow_mut().push(push.changes.len());
            let mut acknowledged: Vec<Uuid> = push.changes.iter().map(|c| c.change_id).collect();
            if self.withhold_one.replace(false) {
                acknowledged.pop();
            }
            self.sent.borrow_mut().extend(&acknowledged);
            Ok(PushAck { acknowledged, acknowledged_writes: vec![], server_seq: 1, refused: vec![], purged: vec![] })
        }
        async fn pull(&self, _since: i64) -> Result<PullPage, SyncError> {
            Ok(self.page.clone())
        }
    }

    fn page(changes: Vec<WireChange>) -> PullPage {
        PullPage {
            changes,
            writes: vec![],
            evict: vec![],
            notices: vec![],
            checksums: vec![],
            next_cursor: 7,
            more: false,
            resync: false,
        }
    }

    #[test]
    fn a_change_dated_far_ahead_is_refused_whole_and_the_clock_stays() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let now = crate::domain::Timestamp::now().millis() as u64;
        let ahead = WireChange {
            change_id: Uuid::now_v7(),
            table: "teams".into(),
            row_id: Uuid::now_v7(),
            field: "name".into(),
            value: serde_json::json!("Future"),
            hlc: Hlc { ms: now + 200 * 365 * 24 * 3600 * 1000, counter: 0, node: Uuid::nil() }.to_string(),
            author: None,
        };
        let fake = fake(page(vec![ahead]), None);
        let err = rt.block_on(round(&fake, &mut store)).unwrap_err().to_string();
        assert!(err.contains("ahead of this computer's clock"), "{err}");
        assert_eq!(store.sync_cursor().unwrap(), 0, "nothing from the page was applied");
        let n: i64 = store.conn().query_row("SELECT count(*) FROM teams", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn large_values_go_in_pushes_under_the_byte_limit() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut store = Store::open_in_memory().unwrap();
        // 100 customers with 60 KB of notes each: 6 MB, more than one push may carry.
        for i in 0..100 {
            let mut c = crate::domain::Customer::blank(crate::domain::new_id(), crate::domain::Timestamp::now());
            c.first_name = format!("C{i}");
            c.last_name = "Big".into();
            c.notes = "n".repeat(60_000);
            store.write(|w| w.insert(&c)).unwrap();
        }
        let fake = fake(page(vec![]), None);
        let report = rt.block_on(round(&fake, &mut store)).unwrap();
        let pushes = fake.pushes.borrow();
        assert!(pushes.len() >= 2, "{pushes:?}");
        assert_eq!(report.pushed, pushes.iter().sum::<usize>());
        assert_eq!(store.pending_changes().unwrap(), 0, "everything was pushed in the end");
    }

    /// `n` new customers in the outbox; returns how many changes they make.
    fn customers(store: &mut Store, n: usize) -> usize {
        for i in 0..n {
            let mut c = crate::domain::Customer::blank(crate::domain::new_id(), crate::domain::Timestamp::now());
            c.first_name = format!("C{i}");
            c.last_name = "Many".into();
            store.write(|w| w.insert(&c)).expect("insert a customer");
        }
        store.pending_changes().expect("count the outbox") as usize
    }

    #[test]
    fn a_first_sync_pushes_up_to_the_larger_batch() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let changes = customers(&mut store, MAX_PUSH / 7 + 300);
        assert!(changes > MAX_PUSH && changes < 2 * MAX_PUSH - 100, "{changes} changes");
        let fake = fake(page(vec![]), None);
        let report = rt.block_on(round(&fake, &mut store)).unwrap();
        // Two pushes; a row's write is never split, so the first stops at most a write short.
        let pushes = fake.pushes.borrow().clone();
        assert_eq!(pushes.len(), 2, "{pushes:?}");
        assert!(pushes[0] <= MAX_PUSH && pushes[0] > MAX_PUSH - 20, "{pushes:?}");
        assert_eq!(report.pushed, changes);
    }

    /// A server from before this limit rose (5,000) says so in its refusal: the client pushes
    /// that many at a time, not the smallest limit there ever was.
    #[test]
    fn a_server_with_the_limit_before_gets_pushes_of_its_size() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let before = 5_000;
        let changes = customers(&mut store, 1_800);
        assert!(changes > 2 * before && changes < MAX_PUSH, "{changes} changes");
        let fake = fake(page(vec![]), Some(before));
        let report = rt.block_on(round(&fake, &mut store)).unwrap();
        let pushes = fake.pushes.borrow().clone();
        assert_eq!(pushes.len(), 3, "{pushes:?}");
        assert!(pushes[0] <= before && pushes[0] > before - 20, "{pushes:?}");
        assert_eq!((report.pushed, report.refused), (changes, 0));
        assert_eq!(store.pending_changes().unwrap(), 0);
    }

    #[test]
    fn a_server_that_takes_fewer_changes_a_push_gets_smaller_pushes_and_nothing_is_set_aside() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let changes = customers(&mut store, 400);
        assert!(changes > 2 * OLD_MAX_PUSH && changes < 3 * OLD_MAX_PUSH - 100, "{changes} changes");
        let fake = fake(page(vec![]), Some(OLD_MAX_PUSH));
        let report = rt.block_on(round(&fake, &mut store)).unwrap();
        let pushes = fake.pushes.borrow().clone();
        assert_eq!(pushes.len(), 3, "{pushes:?}");
        assert!(pushes.iter().all(|n| *n <= OLD_MAX_PUSH), "{pushes:?}");
        assert_eq!((report.pushed, report.refused), (changes, 0));
        assert_eq!(store.pending_changes().unwrap(), 0);
        assert!(store.refused_changes().unwrap().is_empty(), "the size refusal set nothing aside");
    }

    #[test]
    fn the_push_read_ahead_leaves_nothing_out_and_sends_nothing_twice() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let changes = customers(&mut store, 2 * MAX_PUSH / 7 + 300);
        assert!(changes > 2 * MAX_PUSH, "{changes} changes: three pushes or more");
        let outbox: Vec<Uuid> = crate::store::outbox(store.conn()).unwrap().iter().map(|c| c.change_id).collect();
        let fake = fake(page(vec![]), None);
        let report = rt.block_on(round(&fake, &mut store)).unwrap();
        assert!(fake.pushes.borrow().len() >= 3, "{:?}", fake.pushes.borrow());
        assert_eq!(*fake.sent.borrow(), outbox, "every change once, in the outbox's order");
        assert_eq!((report.pushed, store.pending_changes().unwrap()), (changes, 0));
    }

    #[test]
    fn a_change_the_server_did_not_acknowledge_goes_again_in_the_same_round() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let changes = customers(&mut store, MAX_PUSH / 7 + 300);
        assert!(changes > MAX_PUSH, "{changes} changes: a push read ahead");
        let outbox: Vec<Uuid> = crate::store::outbox(store.conn()).unwrap().iter().map(|c| c.change_id).collect();
        let fake = fake(page(vec![]), None);
        fake.withhold_one.set(true);
        let report = rt.block_on(round(&fake, &mut store)).unwrap();
        // The first push's last change was not acknowledged: the push read ahead is dropped and
        // the next one starts with that change again.
        let pushes = fake.pushes.borrow().clone();
        assert_eq!(pushes.len(), 2, "{pushes:?}");
        let sent = fake.sent.borrow().clone();
        assert_eq!(sent.len(), changes, "every change acknowledged once");
        assert_eq!(sent[pushes[0] - 1], outbox[pushes[0] - 1], "the withheld change opens the second push");
        assert_eq!((report.pushed, store.pending_changes().unwrap()), (changes, 0));
    }
}
