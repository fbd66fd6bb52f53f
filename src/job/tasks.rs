//! vCenter's tasks as a run sees them: the tasks still running on a VM (a crashed run's
//! clone), and waiting for a task of its own in a way that a stop request or a timeout ends
//! cleanly: cancel, then wait for the task to end.

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use vsphere_client::property::retrieve_objects;
use vsphere_client::task::{Progress, Task};
use vsphere_client::types::{ManagedObjectReference, TaskInfo, TaskInfoState, Value};
use vsphere_client::{Client, property::retrieve_one};

use crate::error::Error;
use crate::stop::{Stop, StopReason};

/// How long a run waits for a task it cancelled (on a stop request or a timeout) to end,
/// before it goes on with its cleanup.
pub const STOP_WAIT: Duration = Duration::from_secs(120);

/// A task vCenter is running (or has queued) on a VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunningTask {
    /// The task's reference.
    pub moref: ManagedObjectReference,
    /// What it does, e.g. `CloneVM_Task` or `VirtualMachine.clone`.
    pub what: String,
    /// Percent done, when known.
    pub progress: Option<i32>,
    /// When vCenter queued it (vCenter's clock).
    pub queued: Timestamp,
}

impl fmt::Display for RunningTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.what, self.moref.value)?;
        match self.progress {
            Some(percent) => write!(f, ", {percent}% done)"),
            None => f.write_str(", running)"),
        }
    }
}

/// The tasks queued or running on `vm`: those in the VM's `recentTask` and in the task
/// manager's `recentTask` (which some servers fill instead), read in two round trips.
///
/// # Errors
/// The calls' [`Error::Vsphere`].
pub(crate) async fn running_on(
    client: &Client,
    vm: &ManagedObjectReference,
) -> Result<Vec<RunningTask>, Error> {
    let mut recent: Vec<ManagedObjectReference> = retrieve_one(client, vm, &["recentTask"])
        .await?
        .get("recentTask")?
        .unwrap_or_default();
    if let Some(manager) = &client.service_content().task_manager {
        let managed: Vec<ManagedObjectReference> = retrieve_one(client, manager, &["recentTask"])
            .await?
            .get("recentTask")?
            .unwrap_or_default();
        for task in managed {
            if !recent.contains(&task) {
                recent.push(task);
            }
        }
    }
    let mut running = Vec::new();
    for props in retrieve_objects(client, &recent, &["info"]).await? {
        let Some(info) = props.get::<TaskInfo>("info")? else {
            continue;
        };
        let active = matches!(info.state, TaskInfoState::Queued | TaskInfoState::Running);
        if active && info.entity.as_ref() == Some(vm) {
            running.push(RunningTask {
                moref: info.task.clone(),
                what: info.name.clone().unwrap_or(info.description_id.clone()),
                progress: info.progress,
                queued: info.queue_time,
            });
        }
    }
    Ok(running)
}

/// Why a task was cut short.
#[derive(Debug)]
pub(crate) enum CutShort {
    /// A stop was requested.
    Stopped(StopReason),
    /// The task did not finish in time: the wait's error.
    TimedOut(vsphere_client::Error),
}

/// How waiting for a task ended.
#[derive(Debug)]
pub(crate) enum Ended {
    /// The task finished by itself: its result or fault.
    Finished(Result<Value, vsphere_client::Error>),
    /// It was cut short and asked to cancel; `late` is how it ended after that (it may have
    /// finished all the same), or the error of waiting for that.
    CutShort {
        why: CutShort,
        late: Result<Value, vsphere_client::Error>,
    },
}

/// Waits for `task` at most `timeout`, reporting progress; a stop request or the timeout
/// cancels it and waits for it to end, at most [`STOP_WAIT`].
pub(crate) async fn finish(
    task: &Task,
    timeout: Duration,
    stop: &Stop,
    on_progress: impl FnMut(Progress),
) -> Ended {
    let waited = tokio::select! {
        result = task.wait(timeout, on_progress) => Ok(result),
        reason = stop.wait() => Err(reason),
    };
    let why = match waited {
        Ok(Err(timeout @ vsphere_client::Error::Timeout { .. })) => CutShort::TimedOut(timeout),
        Ok(result) => return Ended::Finished(result),
        Err(reason) => {
            if let Err(error) = task.cancel().await {
                log::info!("could not cancel {}: {error}", task.moref().value);
            }
            CutShort::Stopped(reason)
        }
    };
    // The wait asked a task that timed out to cancel already.
    let late = task.wait(STOP_WAIT, |_| {}).await;
    Ended::CutShort { why, late }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_tasks_say_what_they_do_and_how_far_they_are() {
        let task = RunningTask {
            moref: ManagedObjectReference::new("Task", "task-44"),
            what: "CloneVM_Task".into(),
            progress: Some(40),
            queued: "2019-09-25T02:41:00Z".parse().unwrap(),
        };
        assert_eq!(task.to_string(), "CloneVM_Task (task-44, 40% done)");
        let queued = RunningTask {
            progress: None,
            ..task
        };
        assert_eq!(queued.to_string(), "CloneVM_Task (task-44, running)");
    }
}
