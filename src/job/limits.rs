//! vCenter's cost model: clones at once per source host and per target datastore, and the
//! room that clones of one run take on each datastore.
//!
//! `parallel` bounds the jobs in progress; these bound what costs vCenter and the storage: a
//! full clone reads every disk of the source through its host and writes them all to the
//! target datastore. vCenter queues provisioning operations beyond its own per-host and
//! per-datastore limits, and a NAS serving several full clones at once slows every one of them
//! (and the production VMs on it). A job whose host or datastore is at its limit waits for a
//! clone there to end; it never fails for it.
//!
//! The room check counts every clone of the run on a datastore: the inventory (and so the
//! free space) is read once per run, so the bytes of the clones the run has placed there, in
//! flight or made, are subtracted from the free space it read. A clone that was not made gives
//! its bytes back.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;
use vsphere_client::types::ManagedObjectReference;

/// The clones in progress per host and per datastore, and the bytes reserved per datastore.
#[derive(Debug, Default)]
struct State {
    hosts: HashMap<ManagedObjectReference, usize>,
    datastores: HashMap<ManagedObjectReference, usize>,
    reserved: HashMap<ManagedObjectReference, u64>,
}

/// The limits of one run of jobs; see the [module docs](self).
#[derive(Debug)]
pub(crate) struct Limits {
    per_host: usize,
    per_datastore: usize,
    state: Mutex<State>,
    freed: Notify,
}

impl Limits {
    /// At most `per_host` clones at once from one host and `per_datastore` onto one datastore
    /// (each at least 1).
    pub(crate) fn new(per_host: usize, per_datastore: usize) -> Arc<Self> {
        Arc::new(Self {
            per_host: per_host.max(1),
            per_datastore: per_datastore.max(1),
            state: Mutex::default(),
            freed: Notify::new(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent whatever panicked while holding it: plain counters.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The reserved bytes per datastore, locked until the [`Ledger`] is dropped: a job
    /// checks room and reserves in one step, no other job reserving in between.
    pub(crate) fn ledger(self: &Arc<Self>) -> Ledger<'_> {
        Ledger {
            limits: self,
            state: self.state(),
        }
    }

    /// Waits until a clone from `host` onto `datastore` is within the limits, and counts it
    /// until the slot is dropped.
    pub(crate) async fn clone_slot(
        self: &Arc<Self>,
        host: Option<&ManagedObjectReference>,
        datastore: &ManagedObjectReference,
    ) -> CloneSlot {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            // Registered before looking, so that a slot freed meanwhile wakes this job.
            freed.as_mut().enable();
            if let Some(slot) = self.try_slot(host, datastore) {
                return slot;
            }
            freed.await;
        }
    }

    fn try_slot(
        self: &Arc<Self>,
        host: Option<&ManagedObjectReference>,
        datastore: &ManagedObjectReference,
    ) -> Option<CloneSlot> {
        let mut state = self.state();
        let host_busy =
            host.is_some_and(|host| state.hosts.get(host).copied().unwrap_or(0) >= self.per_host);
        let datastore_busy =
            state.datastores.get(datastore).copied().unwrap_or(0) >= self.per_datastore;
        if host_busy || datastore_busy {
            return None;
        }
        if let Some(host) = host {
            *state.hosts.entry(host.clone()).or_default() += 1;
        }
        *state.datastores.entry(datastore.clone()).or_default() += 1;
        Some(CloneSlot {
            limits: Arc::clone(self),
            host: host.cloned(),
            datastore: datastore.clone(),
        })
    }
}

/// The reserved bytes per datastore, locked; see [`Limits::ledger`].
pub(crate) struct Ledger<'a> {
    limits: &'a Arc<Limits>,
    state: MutexGuard<'a, State>,
}

impl Ledger<'_> {
    /// The bytes reserved on `datastore` by clones of this run.
    pub(crate) fn reserved(&self, datastore: &ManagedObjectReference) -> u64 {
        self.state.reserved.get(datastore).copied().unwrap_or(0)
    }

    /// Reserves `bytes` on `datastore` for one clone.
    pub(crate) fn reserve(
        &mut self,
        datastore: &ManagedObjectReference,
        bytes: u64,
    ) -> Reservation {
        *self.state.reserved.entry(datastore.clone()).or_default() += bytes;
        Reservation {
            limits: Arc::clone(self.limits),
            datastore: datastore.clone(),
            bytes,
            kept: AtomicBool::new(false),
        }
    }
}

/// One clone counted against its host's and datastore's limits until dropped.
#[derive(Debug)]
pub(crate) struct CloneSlot {
    limits: Arc<Limits>,
    host: Option<ManagedObjectReference>,
    datastore: ManagedObjectReference,
}

impl Drop for CloneSlot {
    fn drop(&mut self) {
        {
            let mut state = self.limits.state();
            if let Some(host) = &self.host {
                decrement(&mut state.hosts, host);
            }
            decrement(&mut state.datastores, &self.datastore);
        }
        self.limits.freed.notify_waiters();
    }
}

fn decrement(counts: &mut HashMap<ManagedObjectReference, usize>, key: &ManagedObjectReference) {
    if let Some(count) = counts.get_mut(key) {
        *count = count.saturating_sub(1);
    }
}

/// Bytes reserved on a datastore for one clone: given back when dropped, unless
/// [kept](Self::keep) because the clone was made (or a dry run counts it as made).
#[derive(Debug)]
pub(crate) struct Reservation {
    limits: Arc<Limits>,
    datastore: ManagedObjectReference,
    bytes: u64,
    kept: AtomicBool,
}

impl Reservation {
    /// Keeps the bytes reserved for the rest of the run: the clone now takes them.
    pub(crate) fn keep(&self) {
        self.kept.store(true, Ordering::Relaxed);
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.kept.load(Ordering::Relaxed) {
            return;
        }
        let mut state = self.limits.state();
        if let Some(reserved) = state.reserved.get_mut(&self.datastore) {
            *reserved = reserved.saturating_sub(self.bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn moref(kind: &str, value: &str) -> ManagedObjectReference {
        ManagedObjectReference::new(kind, value)
    }

    #[tokio::test]
    async fn a_third_clone_onto_one_datastore_waits_for_a_slot() {
        let limits = Limits::new(8, 2);
        let ds = moref("Datastore", "ds-1");
        let first = limits.clone_slot(None, &ds).await;
        let _second = limits.clone_slot(None, &ds).await;
        let waiting = tokio::spawn({
            let (limits, ds) = (Arc::clone(&limits), ds.clone());
            async move { limits.clone_slot(None, &ds).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "the third clone must wait");
        // Another datastore is not held up.
        let _other = limits.clone_slot(None, &moref("Datastore", "ds-2")).await;
        drop(first);
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the freed slot wakes the waiting clone")
            .unwrap();
    }

    #[tokio::test]
    async fn a_host_at_its_limit_holds_clones_onto_any_datastore() {
        let limits = Limits::new(1, 8);
        let host = moref("HostSystem", "host-1");
        let _busy = limits
            .clone_slot(Some(&host), &moref("Datastore", "a"))
            .await;
        assert!(
            limits
                .try_slot(Some(&host), &moref("Datastore", "b"))
                .is_none()
        );
        assert!(
            limits
                .try_slot(
                    Some(&moref("HostSystem", "host-2")),
                    &moref("Datastore", "b")
                )
                .is_some()
        );
    }

    #[test]
    fn reservations_add_up_and_unmade_clones_give_theirs_back() {
        let limits = Limits::new(2, 2);
        let ds = moref("Datastore", "ds-1");
        let made = limits.ledger().reserve(&ds, 10);
        made.keep();
        let failed = {
            let mut ledger = limits.ledger();
            assert_eq!(ledger.reserved(&ds), 10);
            ledger.reserve(&ds, 5)
        };
        assert_eq!(limits.ledger().reserved(&ds), 15);
        drop(failed);
        drop(made);
        assert_eq!(limits.ledger().reserved(&ds), 10);
    }
}
