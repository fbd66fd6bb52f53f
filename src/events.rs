//! Progress events of backup runs, for callers that show progress (bars, log lines, bindings).

use std::sync::Arc;

use serde::Serialize;

/// Receives the [`Event`]s of backup runs. Runs of several VMs call it from several tasks at
/// once, so it must be `Send + Sync`; it should return quickly.
///
/// ```
/// use std::sync::Arc;
/// use vmrotate::{Event, EventSink};
///
/// let sink: EventSink = Arc::new(|event: &Event| eprintln!("{}", serde_json::to_string(event).unwrap()));
/// sink(&Event::Finished { vm: "avocado2".into() });
/// ```
pub type EventSink = Arc<dyn Fn(&Event) + Send + Sync>;

/// Something that happened in the backup run of one VM, in this order: `started`, then (unless
/// a dry run or an early failure) `snapshot_created`, `clone_progress`..., `clone_done`,
/// `deleted`..., `snapshot_removed`, and last `finished` or `failed`.
///
/// In JSON each event is an object with an `event` tag in snake case and its fields, e.g.
/// `{"event": "clone_progress", "vm": "avocado2", "percent": 40}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The run began.
    Started {
        /// The VM, as the job names it.
        vm: String,
        /// The run's id, also in its snapshot's name and its clone's marker.
        run: String,
        /// Whether this is a dry run (nothing is changed).
        dry_run: bool,
    },
    /// The run's snapshot (its lock) was taken.
    SnapshotCreated {
        /// The VM, as the job names it.
        vm: String,
        /// The snapshot's name.
        snapshot: String,
    },
    /// The clone task reported progress (vCenter reports it in steps; the simulator never).
    CloneProgress {
        /// The VM, as the job names it.
        vm: String,
        /// How far the clone is, 0 to 100.
        percent: u8,
    },
    /// The new clone exists.
    CloneDone {
        /// The VM, as the job names it.
        vm: String,
        /// The new clone's name.
        clone: String,
        /// The datastore it was put on.
        datastore: String,
    },
    /// An old clone was deleted.
    Deleted {
        /// The VM, as the job names it.
        vm: String,
        /// The deleted clone's name.
        clone: String,
    },
    /// The run's snapshot was removed.
    SnapshotRemoved {
        /// The VM, as the job names it.
        vm: String,
        /// The snapshot's name.
        snapshot: String,
    },
    /// The run succeeded.
    Finished {
        /// The VM, as the job names it.
        vm: String,
    },
    /// The run failed; its report says what was done before.
    Failed {
        /// The VM, as the job names it.
        vm: String,
        /// What went wrong and what to do.
        error: String,
    },
}

impl Event {
    /// The VM the event is about, as the job names it.
    pub fn vm(&self) -> &str {
        match self {
            Event::Started { vm, .. }
            | Event::SnapshotCreated { vm, .. }
            | Event::CloneProgress { vm, .. }
            | Event::CloneDone { vm, .. }
            | Event::Deleted { vm, .. }
            | Event::SnapshotRemoved { vm, .. }
            | Event::Finished { vm }
            | Event::Failed { vm, .. } => vm,
        }
    }
}

/// The events of one VM's run: the sink, if any, and the VM's name.
#[derive(Clone)]
pub(crate) struct Events {
    sink: Option<EventSink>,
    vm: String,
}

impl Events {
    pub(crate) fn new(sink: Option<EventSink>, vm: &str) -> Self {
        Self {
            sink,
            vm: vm.to_owned(),
        }
    }

    /// The VM the events are about.
    pub(crate) fn vm(&self) -> String {
        self.vm.clone()
    }

    /// Sends `event` to the sink, if there is one.
    pub(crate) fn emit(&self, event: Event) {
        if let Some(sink) = &self.sink {
            sink(&event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_in_snake_case() {
        let event = Event::CloneProgress {
            vm: "avocado2".into(),
            percent: 40,
        };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"event":"clone_progress","vm":"avocado2","percent":40}"#
        );
        assert_eq!(event.vm(), "avocado2");
    }
}
