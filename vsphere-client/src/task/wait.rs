//! Waiting for a task: following it on a property collector of its own, or by polling.

use std::time::Duration;

use tokio::time::{Instant, sleep};

use super::observed::{Observed, WATCHED};
use super::{Progress, Task};
use crate::Error;
use crate::object::PropertyCollector;
use crate::property::{fault_error, retrieve_one};
use crate::types::{
    ManagedObjectReference, ObjectSpec, ObjectUpdateKind, PropertyChangeOp, PropertyFilterSpec,
    PropertySpec, UpdateSet, Value, WaitOptions,
};

/// The longest one `WaitForUpdatesEx` may wait (its `maxWaitSeconds`): well below the
/// transport's request timeout, so that a long task never looks like a dead connection.
const LONG_POLL: Duration = Duration::from_secs(15);
/// The first pause between polls when the collector path is not available.
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(250);
/// The longest pause between polls.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// How watching a task ended.
enum Watched {
    /// The task finished: its result or its fault.
    Finished(Result<Value, Error>),
    /// The time ran out first.
    TimedOut,
}

/// Waits for `task` as [`Task::wait`] describes.
pub(super) async fn wait<F: FnMut(Progress)>(
    task: &Task,
    timeout: Duration,
    on_progress: &mut F,
) -> Result<Value, Error> {
    let deadline = Instant::now() + timeout;
    let mut watch = Watch {
        task,
        observed: Observed::default(),
        on_progress,
    };
    let client = task.client();
    let generation = client.session_generation();
    let mut watched = watch.with_collector(deadline).await;
    if watched.is_err() && client.session_generation() != generation {
        // The collector and its filter died with the expired session: follow the task on a
        // new collector of the new session, once.
        log::info!(
            "the session was renewed while following {}; following it on a new collector",
            task.describe()
        );
        watched = watch.with_collector(deadline).await;
    }
    let watched = match watched {
        Err(error @ Error::Fault { .. }) => {
            log::debug!(
                "following {} on a property collector failed ({error}); polling it instead",
                task.describe()
            );
            watch.by_polling(deadline).await?
        }
        other => other?,
    };
    match watched {
        Watched::Finished(outcome) => outcome,
        Watched::TimedOut => Err(watch.time_out(timeout).await),
    }
}

/// One wait in progress.
struct Watch<'a, F> {
    task: &'a Task,
    observed: Observed,
    on_progress: &'a mut F,
}

impl<F: FnMut(Progress)> Watch<'_, F> {
    /// Follows the task with `WaitForUpdatesEx` on a new property collector, destroyed after.
    async fn with_collector(&mut self, deadline: Instant) -> Result<Watched, Error> {
        let collector = PropertyCollector::of(self.task.client())
            .create_property_collector()
            .await?;
        let collector_ref = collector.moref().clone();
        let session = self.task.client().session_generation();
        let watched = self.follow_updates(&collector, deadline).await;
        if self.task.client().session_generation() != session {
            log::debug!("the property collector {collector_ref} ended with its session");
        } else if let Err(error) = collector.destroy().await {
            log::warn!("could not destroy the property collector {collector_ref}: {error}");
        }
        watched
    }

    async fn follow_updates(
        &mut self,
        collector: &PropertyCollector,
        deadline: Instant,
    ) -> Result<Watched, Error> {
        collector
            .create_filter(filter_spec(self.task.moref()), true)
            .await?;
        let mut version: Option<String> = None;
        loop {
            if let Some(outcome) = self.observed.outcome(self.task) {
                return Ok(Watched::Finished(outcome));
            }
            let Some(left) = time_left(deadline) else {
                return Ok(Watched::TimedOut);
            };
            let options = WaitOptions {
                max_wait_seconds: Some(whole_seconds(left.min(LONG_POLL))),
                max_object_updates: None,
            };
            if let Some(updates) = collector
                .wait_for_updates_ex(version.as_deref(), options)
                .await?
            {
                version = Some(updates.version.clone());
                self.apply_updates(updates)?;
            }
        }
    }

    fn apply_updates(&mut self, updates: UpdateSet) -> Result<(), Error> {
        let task = self.task;
        for filter_update in updates.filter_set {
            if let Some(missing) = filter_update.missing_set.first() {
                return Err(fault_error(
                    format!("watching {}", task.describe()),
                    &missing.fault,
                ));
            }
            for object in filter_update.object_set {
                if object.obj != *task.moref() {
                    continue;
                }
                if object.kind == ObjectUpdateKind::Leave {
                    return Err(Error::NotFound {
                        what: format!(
                            "{} (it disappeared while being waited for)",
                            task.describe()
                        ),
                    });
                }
                if let Some(missing) = object.missing_set.first() {
                    let reading = format!("reading `{}` of {}", missing.path, task.describe());
                    return Err(fault_error(reading, &missing.fault));
                }
                for change in object.change_set {
                    let value = match change.op {
                        PropertyChangeOp::Remove | PropertyChangeOp::IndirectRemove => None,
                        _ => change.val,
                    };
                    self.observed.set(task, &change.name, value)?;
                }
            }
        }
        self.report_progress();
        Ok(())
    }

    /// Reads the task's properties with `RetrievePropertiesEx` until it finishes, pausing
    /// longer each time up to [`MAX_POLL_INTERVAL`].
    async fn by_polling(&mut self, deadline: Instant) -> Result<Watched, Error> {
        let mut interval = FIRST_POLL_INTERVAL;
        loop {
            let mut props = retrieve_one(self.task.client(), self.task.moref(), &WATCHED).await?;
            for path in WATCHED {
                let value = props.take::<Value>(path)?;
                self.observed.set(self.task, path, value)?;
            }
            self.report_progress();
            if let Some(outcome) = self.observed.outcome(self.task) {
                return Ok(Watched::Finished(outcome));
            }
            let Some(left) = time_left(deadline) else {
                return Ok(Watched::TimedOut);
            };
            sleep(interval.min(left)).await;
            interval = (interval * 2).min(MAX_POLL_INTERVAL);
        }
    }

    fn report_progress(&mut self) {
        if let Some(progress) = self.observed.take_new_progress() {
            (self.on_progress)(progress);
        }
    }

    /// The error for a task that did not finish in time, after asking it to cancel when it can.
    async fn time_out(&self, timeout: Duration) -> Error {
        let mut what = format!("the task {}", self.task.describe());
        if self.observed.cancelable() {
            match self.task.cancel().await {
                Ok(()) => what.push_str(", which was asked to cancel,"),
                Err(error) => log::warn!(
                    "could not cancel {} after the timeout: {error}",
                    self.task.describe()
                ),
            }
        }
        Error::Timeout {
            what,
            after: timeout,
        }
    }
}

/// Watches the [`WATCHED`] properties of `task`.
fn filter_spec(task: &ManagedObjectReference) -> PropertyFilterSpec {
    PropertyFilterSpec {
        prop_set: vec![PropertySpec {
            r#type: task.r#type.clone(),
            all: Some(false),
            path_set: WATCHED.iter().map(|&path| path.to_owned()).collect(),
        }],
        object_set: vec![ObjectSpec {
            obj: task.clone(),
            skip: Some(false),
            select_set: Vec::new(),
        }],
        report_missing_objects_in_results: None,
    }
}

/// The time until `deadline`; `None` once it has passed.
fn time_left(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|left| !left.is_zero())
}

/// `duration` in whole seconds, rounded up, at least 1 (`maxWaitSeconds` 0 would not wait).
fn whole_seconds(duration: Duration) -> i32 {
    let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    i32::try_from(seconds.max(1)).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_seconds_round_up_and_never_reach_zero() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
        assert_eq!(whole_seconds(Duration::from_millis(15_000)), 15);
        assert_eq!(whole_seconds(Duration::from_millis(2_001)), 3);
        assert_eq!(whole_seconds(Duration::from_secs(u64::MAX)), i32::MAX);
    }
}
