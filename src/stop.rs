//! [`Stop`]: asking runs in progress to stop cooperatively, cleaning up as they go.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use tokio::sync::Notify;

/// Why runs were asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// SIGINT or Ctrl-C (exit code 130).
    Interrupt,
    /// SIGTERM, or a Windows console closing, logging off or shutting down (exit code 143).
    Terminate,
    /// SIGHUP: the terminal went away (exit code 129).
    Hangup,
    /// A caller of the library cancelled (Python's `KeyboardInterrupt`, the native
    /// `vmr_cancel`).
    Cancel,
}

impl StopReason {
    /// The exit code of a command stopped so: 128 plus the signal's number.
    pub fn exit_code(self) -> i32 {
        match self {
            StopReason::Interrupt | StopReason::Cancel => 130,
            StopReason::Terminate => 143,
            StopReason::Hangup => 129,
        }
    }

    fn code(self) -> u8 {
        match self {
            StopReason::Interrupt => 1,
            StopReason::Terminate => 2,
            StopReason::Hangup => 3,
            StopReason::Cancel => 4,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(StopReason::Interrupt),
            2 => Some(StopReason::Terminate),
            3 => Some(StopReason::Hangup),
            4 => Some(StopReason::Cancel),
            _ => None,
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::Interrupt => "SIGINT",
            StopReason::Terminate => "SIGTERM",
            StopReason::Hangup => "SIGHUP",
            StopReason::Cancel => "a cancel request",
        })
    }
}

/// A shared request to stop: clones of one `Stop` see the same request. Runs given it in
/// [`RunOptions::stop`](crate::RunOptions::stop) check it between steps and while they wait
/// for vCenter's tasks; once it is requested they cancel the running task when it is
/// cancelable, wait for it to end (at most [`STOP_WAIT`](crate::STOP_WAIT)), delete a clone
/// they had not verified, remove their snapshot, and end with an error of kind `stopped`.
/// VMs not started yet are not started.
///
/// ```
/// use vmrotate::{Stop, StopReason};
///
/// let stop = Stop::new();
/// let seen_by_the_run = stop.clone();
/// assert_eq!(seen_by_the_run.requested(), None);
/// stop.request(StopReason::Terminate);
/// assert_eq!(seen_by_the_run.requested(), Some(StopReason::Terminate));
/// stop.request(StopReason::Interrupt); // the first reason stays
/// assert_eq!(seen_by_the_run.requested(), Some(StopReason::Terminate));
/// ```
#[derive(Clone, Default)]
pub struct Stop(Arc<Shared>);

#[derive(Default)]
struct Shared {
    reason: AtomicU8,
    notify: Notify,
}

impl Stop {
    /// A request not made yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every run holding a clone of this `Stop` to stop. The first reason counts.
    pub fn request(&self, reason: StopReason) {
        let _ =
            self.0
                .reason
                .compare_exchange(0, reason.code(), Ordering::SeqCst, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Why a stop was requested, if it was.
    pub fn requested(&self) -> Option<StopReason> {
        StopReason::from_code(self.0.reason.load(Ordering::SeqCst))
    }

    /// Returns once a stop is requested (at once if it already is).
    pub async fn wait(&self) -> StopReason {
        loop {
            let mut notified = std::pin::pin!(self.0.notify.notified());
            notified.as_mut().enable();
            if let Some(reason) = self.requested() {
                return reason;
            }
            notified.await;
        }
    }
}

impl fmt::Debug for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Stop").field(&self.requested()).finish()
    }
}

impl PartialEq for Stop {
    /// Two `Stop`s are equal when they are clones of one request.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Stop {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiting_returns_once_requested_even_when_requested_before() {
        let stop = Stop::new();
        let waiter = tokio::spawn({
            let stop = stop.clone();
            async move { stop.wait().await }
        });
        tokio::task::yield_now().await;
        stop.request(StopReason::Hangup);
        assert_eq!(waiter.await.unwrap(), StopReason::Hangup);
        assert_eq!(stop.wait().await, StopReason::Hangup);
        assert_eq!(StopReason::Hangup.exit_code(), 129);
        assert_ne!(stop, Stop::new());
        assert_eq!(stop, stop.clone());
    }
}
