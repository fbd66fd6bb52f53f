//! [`Progress`]: what a running task reports.

use std::fmt;

use crate::types::TaskInfoState;

/// A task's state and completion percentage, as passed to
/// [`Task::wait`](super::Task::wait)'s callback.
///
/// ```
/// use vsphere_client::task::Progress;
/// use vsphere_client::types::TaskInfoState;
///
/// let progress = Progress { state: TaskInfoState::Running, percent: Some(40) };
/// assert_eq!(progress.to_string(), "running, 40%");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// `queued` or `running`.
    pub state: TaskInfoState,
    /// How far the task is, 0 to 100, when it says.
    pub percent: Option<i32>,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.state.as_str())?;
        match self.percent {
            Some(percent) => write!(f, ", {percent}%"),
            None => Ok(()),
        }
    }
}
