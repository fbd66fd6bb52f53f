//! Server-side tasks: the [`Task`] handle that `*_Task` methods return, and waiting for its
//! outcome with [`Task::wait`].
//!
//! Waiting follows the task on a property collector of its own with `WaitForUpdatesEx` (each
//! call bounded by `maxWaitSeconds`, so a broken connection cannot hang it), and falls back to
//! polling `RetrievePropertiesEx` when the server faults on that path. A failed task becomes
//! its typed fault ([`Error::Fault`]); a task that outlives the timeout is cancelled when it
//! can be, and ends in [`Error::Timeout`].

mod observed;
mod progress;
mod wait;

use std::fmt;
use std::time::Duration;

pub use progress::Progress;

use crate::soap::Method;
use crate::types::{CancelTaskRequest, ManagedObjectReference, TaskInfo, Value};
use crate::{Client, Error};

/// A task on the server, such as a clone or a snapshot in progress.
///
/// ```no_run
/// # async fn example(vm: &vsphere_client::object::VirtualMachine) -> Result<(), vsphere_client::Error> {
/// use std::time::Duration;
/// use vsphere_client::types::FaultKind;
///
/// let task = vm.destroy().await?;
/// match task.wait(Duration::from_secs(300), |progress| println!("{progress}")).await {
///     Ok(_) => println!("destroyed"),
///     Err(error) if error.is_fault(FaultKind::InvalidPowerState) => println!("power it off first"),
///     Err(error) => return Err(error),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Task {
    client: Client,
    moref: ManagedObjectReference,
    /// The method that started the task, such as `CloneVM_Task`, when known: for messages.
    origin: Option<&'static str>,
}

impl Task {
    /// A handle on the task `moref`, called through `client`.
    pub fn new(client: Client, moref: ManagedObjectReference) -> Self {
        Self {
            client,
            moref,
            origin: None,
        }
    }

    /// Calls a `*_Task` method and returns the handle on the task it started.
    pub(crate) async fn started<M>(client: &Client, request: M) -> Result<Self, Error>
    where
        M: Method<Output = ManagedObjectReference>,
    {
        let moref = client.call(request).await?;
        Ok(Self {
            client: client.clone(),
            moref,
            origin: Some(M::NAME),
        })
    }

    /// The task's managed object reference.
    pub fn moref(&self) -> &ManagedObjectReference {
        &self.moref
    }

    /// The client that calls this task.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The task's current `info`: state, progress, result or error, times, and more.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn info(&self) -> Result<TaskInfo, Error> {
        crate::property::retrieve_one(&self.client, &self.moref, &["info"])
            .await?
            .require("info")
    }

    /// `CancelTask`: asks the server to cancel the task. Only tasks whose `info.cancelable` is
    /// true can be cancelled; the task then fails with `RequestCanceled`.
    ///
    /// # Errors
    /// The call's [`Error`]; `InvalidState` when the task cannot be cancelled or has finished.
    pub async fn cancel(&self) -> Result<(), Error> {
        let request = CancelTaskRequest {
            this: self.moref.clone(),
        };
        self.client.call(request).await
    }

    /// Waits until the task finishes, at most `timeout`, and returns its result (`info.result`:
    /// for example the new VM of a clone or the snapshot of `CreateSnapshot_Task`;
    /// [`Value::Null`] for tasks without one). Convert it with
    /// [`Value::into_typed`](crate::types::Value::into_typed).
    ///
    /// `on_progress` is called with the task's state and percentage each time either changes
    /// while the task is queued or running (not for the final state).
    ///
    /// # Errors
    /// - [`Error::Fault`] with the task's fault (its `info.error`) when the task failed; e.g.
    ///   `InvalidPowerState` for destroying a powered-on VM.
    /// - [`Error::Timeout`] when the task did not finish within `timeout`; it was asked to
    ///   cancel first if it is cancelable.
    /// - [`Error::NotFound`] when the task disappeared from the server while being watched.
    /// - The errors of the calls made to watch the task.
    pub async fn wait(
        &self,
        timeout: Duration,
        mut on_progress: impl FnMut(Progress),
    ) -> Result<Value, Error> {
        wait::wait(self, timeout, &mut on_progress).await
    }

    /// How messages name the task: `CloneVM_Task (task-44)`, or `task task-44`.
    fn describe(&self) -> String {
        match self.origin {
            Some(method) => format!("{method} ({})", self.moref.value),
            None => format!("task {}", self.moref.value),
        }
    }
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("moref", &self.moref.value)
            .field("origin", &self.origin)
            .finish()
    }
}
