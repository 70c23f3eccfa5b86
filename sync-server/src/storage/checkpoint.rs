//! WAL checkpoints off the writer's path. SQLite's automatic checkpoint runs inside the commit that
//! takes the log past 1,000 pages, so a push waits while pages are copied into the database file
//! and synced (about a tenth of a large push's server time). Here the writer's commit only notes
//! how long the log has grown; a thread with its own connection runs the checkpoint (PASSIVE: it
//! never blocks the writer or a reader) while the writer goes on with the next push. Should that
//! thread fall behind (a long read can hold a checkpoint back), the writer checkpoints itself
//! once the log passes [`WRITER_AT`] pages, as SQLite would have, so the log stays bounded.

use rusqlite::Connection;
use rusqlite::hooks::{CheckpointMode, Wal};
use std::cell::Cell;
use std::ffi::c_int;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Log pages from which the thread is woken after a write: SQLite's own automatic threshold.
const WAKE_AT: c_int = 1_000;
/// Log pages from which the writer checkpoints itself (64 MiB of 4 KiB pages).
const WRITER_AT: c_int = 16_000;
/// What the log file keeps on disk once it starts over (`journal_size_limit` on the writer): the
/// size a log reaches before the thread is woken. Without it the file stays at its largest
/// (15 MB after a 50,000-customer push, 15% of the store), though its pages are copied already.
pub(super) const KEEP_BYTES: i64 = WAKE_AT as i64 * 4096;

thread_local! {
    /// The log's pages after the last commit on this thread's writer connection.
    static WAL_PAGES: Cell<c_int> = const { Cell::new(0) };
}

/// The writer's WAL hook (it replaces SQLite's automatic checkpoint on that connection): runs in
/// the commit, on the writer's thread, so [`Checkpointer::after_write`] reads what it left.
pub(super) fn wal_grew(wal: &Wal, pages: c_int) -> rusqlite::Result<()> {
    WAL_PAGES.set(pages);
    if pages >= WRITER_AT {
        // Busy (the thread is checkpointing) is fine: the log is being copied already.
        let _ = wal.checkpoint_v2(CheckpointMode::PASSIVE);
    }
    Ok(())
}

#[derive(Default)]
struct Signal {
    due: bool,
    stop: bool,
}

#[derive(Default)]
struct Shared {
    signal: Mutex<Signal>,
    wake: Condvar,
    /// Checkpoints the thread has run (tests read it).
    runs: AtomicU64,
}

/// The background checkpoint thread of one SQLite file; stopped and joined when dropped.
pub(super) struct Checkpointer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread on its own connection to `path` (a file the writer has opened in WAL mode
    /// with [`wal_grew`] as its hook).
    pub(super) fn start(path: &Path) -> super::Result<Self> {
        let conn = Connection::open(path)?;
        let shared = Arc::new(Shared::default());
        let theirs = shared.clone();
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || run(&conn, &theirs))
            .map_err(|e| super::StorageError::Internal(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer { shared, thread: Some(thread) })
    }

    /// Called after every write on the writer's thread: wakes the thread when that write's commit
    /// left the log at [`WAKE_AT`] pages or more.
    pub(super) fn after_write(&self) {
        if WAL_PAGES.take() >= WAKE_AT {
            super::lock(&self.shared.signal).due = true;
            self.shared.wake.notify_one();
        }
    }

    #[cfg(test)]
    pub(super) fn runs(&self) -> u64 {
        self.shared.runs.load(Ordering::Relaxed)
    }
}

/// The log's pages after the last commit on this thread (before [`Checkpointer::after_write`]
/// takes them).
#[cfg(test)]
pub(super) fn wal_pages() -> c_int {
    WAL_PAGES.get()
}

fn run(conn: &Connection, shared: &Shared) {
    loop {
        {
            let mut signal = super::lock(&shared.signal);
            while !signal.due && !signal.stop {
                signal = shared.wake.wait(signal).unwrap_or_else(|e| e.into_inner());
            }
            if signal.stop {
                return;
            }
            signal.due = false;
        }
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", (), |r| r.get::<_, i64>(0)) {
            Ok(_) => {
                shared.runs.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => tracing::warn!("background WAL checkpoint failed: {e}"),
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        super::lock(&self.shared.signal).stop = true;
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
