//! Checkpoints of the write-ahead log on a thread of their own, so that copying committed pages
//! into the database file does not hold up the next page's writes (SQLite's own automatic
//! checkpoint runs inside the commit that crosses its threshold, under the store's lock).
//!
//! The thread has its own connection and runs PASSIVE checkpoints (they never wait for the writer
//! and the writer never waits for them) when the writer has committed [`WAKE_EVERY`] pages since
//! the last wake. The writer keeps SQLite's automatic checkpoint as a backstop, at a threshold the
//! background thread normally keeps the log under ([`WRITER_BACKSTOP_PAGES`]). Nothing depends on
//! the thread for correctness: committed pages are durable in the log either way.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// Pages committed between two wakes of the checkpoint thread.
const WAKE_EVERY: u32 = 8;

/// The writer's own `wal_autocheckpoint` (in database pages, 64 MiB at 4 KiB): reached only when
/// the background thread falls behind.
pub(super) const WRITER_BACKSTOP_PAGES: u32 = 16_384;

/// The checkpoint thread and the way to wake it. Dropping it ends the thread after its last
/// checkpoint; its connection is then closed (the last one to close removes the log).
#[derive(Debug)]
pub(super) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    commits: AtomicU32,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens a second connection to the store at `path` (which must exist) and starts the thread.
    pub(super) fn start(path: &Path) -> std::io::Result<Self> {
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .and_then(|conn| conn.busy_timeout(Duration::from_secs(5)).map(|()| conn))
                .map_err(std::io::Error::other)?;
        // One pending wake is enough: wakes that arrive during a checkpoint fold into it.
        let (wake, woken) = sync_channel::<()>(1);
        let thread = std::thread::Builder::new().name("store-checkpoint".to_owned()).spawn(move || {
            while woken.recv().is_ok() {
                checkpoint(&conn);
            }
            checkpoint(&conn);
        })?;
        Ok(Self { wake: Some(wake), commits: AtomicU32::new(0), thread: Some(thread) })
    }

    /// Called after each committed page: every [`WAKE_EVERY`]th wakes the thread.
    pub(super) fn committed(&self) {
        if self.commits.fetch_add(1, Ordering::Relaxed) % WAKE_EVERY == WAKE_EVERY - 1
            && let Some(wake) = &self.wake
        {
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.wake.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One PASSIVE checkpoint; a failure is logged (the pages stay in the log, and the writer's
/// backstop or the next checkpoint copies them).
fn checkpoint(conn: &Connection) {
    if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
        tracing::warn!(%error, "a background checkpoint of the store's log failed; the next one retries");
    }
}
