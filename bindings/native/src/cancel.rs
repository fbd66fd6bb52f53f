//! [`InFlight`]: the stop requests of a client's calls in progress, for `vmr_cancel`.

use std::sync::{Mutex, MutexGuard, PoisonError};

use vmrotate::{Stop, StopReason};

/// The [`Stop`]s of the calls running on one client. Each call registers its own while it
/// runs ([`InFlight::enter`]); [`InFlight::cancel`] requests all of them. Calls started after
/// a cancel are not affected.
#[derive(Default)]
pub(crate) struct InFlight(Mutex<Vec<Stop>>);

/// A call's registration: its [`Stop`], unregistered when dropped.
pub(crate) struct Entered<'a> {
    calls: &'a InFlight,
    stop: Stop,
}

impl InFlight {
    fn calls(&self) -> MutexGuard<'_, Vec<Stop>> {
        // The lock guards a list that no panic can leave half-written.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a new call, with a new [`Stop`], until the returned guard is dropped.
    pub(crate) fn enter(&self) -> Entered<'_> {
        let stop = Stop::new();
        self.calls().push(stop.clone());
        Entered { calls: self, stop }
    }

    /// Requests the stop of every call in flight; returns how many there were.
    pub(crate) fn cancel(&self) -> usize {
        let calls = self.calls();
        for stop in calls.iter() {
            stop.request(StopReason::Cancel);
        }
        calls.len()
    }
}

impl Entered<'_> {
    /// The call's stop request.
    pub(crate) fn stop(&self) -> &Stop {
        &self.stop
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        let mut calls = self.calls.calls();
        if let Some(index) = calls.iter().position(|stop| *stop == self.stop) {
            calls.swap_remove(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_stops_the_calls_in_flight_only() {
        let calls = InFlight::default();
        let first = calls.enter();
        let second = calls.enter();
        drop(second);
        assert_eq!(calls.cancel(), 1);
        assert_eq!(first.stop().requested(), Some(StopReason::Cancel));
        drop(first);
        let later = calls.enter();
        assert_eq!(later.stop().requested(), None);
        drop(later);
        assert_eq!(calls.cancel(), 0);
    }
}
