//! [`Observed`]: what is known of a task being waited for, from updates or polls.

use super::{Progress, Task};
use crate::Error;
use crate::property::fault_error;
use crate::types::{FromValue, LocalizedMethodFault, TaskInfoState, Value};

/// The task properties a wait watches.
pub(super) const WATCHED: [&str; 5] = [
    "info.state",
    "info.progress",
    "info.error",
    "info.result",
    "info.cancelable",
];

/// The watched properties' latest values, and the progress last reported.
#[derive(Debug, Default)]
pub(super) struct Observed {
    state: TaskInfoState,
    progress: Option<i32>,
    error: Option<LocalizedMethodFault>,
    result: Value,
    cancelable: bool,
    reported: Option<Progress>,
}

impl Observed {
    /// Records the value of the watched property `path` (`None`: unset). Other paths are
    /// ignored.
    pub(super) fn set(
        &mut self,
        task: &Task,
        path: &str,
        value: Option<Value>,
    ) -> Result<(), Error> {
        let value = value.unwrap_or_default();
        match path {
            "info.state" => self.state = typed(task, path, value)?.unwrap_or_default(),
            "info.progress" => self.progress = typed(task, path, value)?,
            "info.error" => self.error = typed(task, path, value)?,
            "info.result" => self.result = value,
            "info.cancelable" => self.cancelable = typed(task, path, value)?.unwrap_or(false),
            _ => {}
        }
        Ok(())
    }

    /// Whether the server says the task can be cancelled.
    pub(super) fn cancelable(&self) -> bool {
        self.cancelable
    }

    /// The task's outcome once it has finished: its result, or its fault.
    pub(super) fn outcome(&mut self, task: &Task) -> Option<Result<Value, Error>> {
        match self.state {
            TaskInfoState::Success => Some(Ok(std::mem::take(&mut self.result))),
            TaskInfoState::Error => {
                let fault = self.error.take().unwrap_or_default();
                Some(Err(fault_error(task.describe(), &fault)))
            }
            _ => None,
        }
    }

    /// The task's progress if it is queued or running and changed since last taken.
    pub(super) fn take_new_progress(&mut self) -> Option<Progress> {
        if !matches!(self.state, TaskInfoState::Queued | TaskInfoState::Running) {
            return None;
        }
        let current = Progress {
            state: self.state.clone(),
            percent: self.progress,
        };
        if self.reported.as_ref() == Some(&current) {
            return None;
        }
        self.reported = Some(current.clone());
        Some(current)
    }
}

fn typed<T: FromValue>(task: &Task, path: &str, value: Value) -> Result<Option<T>, Error> {
    Option::<T>::from_value(value).map_err(|error| Error::UnexpectedValue {
        what: format!("`{path}` of {}", task.describe()),
        error,
    })
}
