//! What a backup run did: [`Report`] for one VM, [`RunReport`] for a run of several.
//!
//! Both serialize to the JSON that `vmrotate backup --json` prints; `docs/report-schema.md`
//! documents every field.

use jiff::Timestamp;
use rotation_core::Plan;
use rotation_core::retention::Decision;
use serde::Serialize;

use crate::error::{Error, ErrorKind};
use crate::notify::Delivery;

/// The outcome of one VM's backup run: what was planned, made, deleted, and what went wrong.
///
/// A run never panics and never returns an error: failures are in [`error`](Self::error), with
/// what had been done before them.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The VM, as the job names it.
    pub vm: String,
    /// The run's id: its snapshot is named `vmrotate-run <run>` and its clone's marker
    /// carries it.
    pub run: String,
    /// Whether the run succeeded: the new clone exists and is verified, every planned delete
    /// was done and the snapshot was removed (for a dry run: the checks passed).
    pub ok: bool,
    /// Whether this was a dry run: nothing was changed.
    pub dry_run: bool,
    /// The rotation's plan, once made (slot rotation).
    pub plan: Option<Plan>,
    /// The retention policy's decision, once made (retention runs and prunes only): the
    /// clones kept, with why, and those removed. Absent from the JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<Decision>,
    /// The datastore chosen for the new clone, once chosen.
    pub datastore: Option<String>,
    /// The new clone, if it was made.
    pub created: Option<String>,
    /// The old clones deleted, in order.
    pub deleted: Vec<String>,
    /// The unverified clones the run found (left by a killed run, or whose verification
    /// failed) and what it did with each: verified them, deleted them, or left them alone.
    pub unverified: Vec<UnverifiedClone>,
    /// Whether the run's snapshot was removed. `false` when none was taken (a dry run or a
    /// failure before it) and when removing it failed (then a warning says so).
    pub snapshot_removed: bool,
    /// Things the caller should know that did not stop the run.
    pub warnings: Vec<String>,
    /// Why the run failed, if it did.
    pub error: Option<ErrorReport>,
    /// When the run started (this machine's clock).
    pub started: Timestamp,
    /// When the run ended (this machine's clock).
    pub finished: Timestamp,
}

impl Report {
    /// The report of run `run` of `vm` as it starts at `started`: nothing done yet, not ok.
    pub(crate) fn starting(vm: &str, run: String, dry_run: bool, started: Timestamp) -> Self {
        Self {
            vm: vm.to_owned(),
            run,
            ok: false,
            dry_run,
            plan: None,
            retention: None,
            datastore: None,
            created: None,
            deleted: Vec::new(),
            unverified: Vec::new(),
            snapshot_removed: false,
            warnings: Vec::new(),
            error: None,
            started,
            finished: started,
        }
    }

    /// The report of a run of `vm` that failed with `error` before it started (e.g. vCenter
    /// could not be reached), timed now.
    pub fn failed(vm: &str, error: ErrorReport) -> Self {
        Self {
            error: Some(error),
            ..Self::starting(vm, String::new(), false, Timestamp::now())
        }
    }
}

/// An unverified clone a run found, and what it did with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnverifiedClone {
    /// The clone.
    pub name: String,
    /// What the run did.
    pub outcome: Settlement,
    /// Why.
    pub reason: String,
}

/// What a run did with an unverified clone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    /// It passed the checks and is now a verified generation.
    Verified,
    /// It failed the checks, or a newer verified generation holds its slot: deleted.
    Deleted,
    /// It is powered on: left alone, and no generation.
    LeftAlone,
}

/// A failure, classified: what reports carry, what the native library's error replies carry,
/// and what the Python exceptions' attributes hold. Built from an [`Error`] only here, so every
/// front end sees the same fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorReport {
    /// What kind of failure (each binding raises one exception class per kind).
    pub kind: ErrorKind,
    /// What went wrong and what to do, in one message.
    pub message: String,
    /// The vim25 type of the server's fault behind it, such as `InvalidLogin`; else `None`.
    pub fault: Option<String>,
    /// `fault` and its ancestors up to `MethodFault`; empty without a fault.
    pub fault_ancestors: Vec<String>,
    /// The SHA-256 thumbprint of a server certificate that was rejected; else `None`.
    pub seen_thumbprint: Option<String>,
}

impl ErrorReport {
    /// A failure of `kind` that is no server error.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            fault: None,
            fault_ancestors: Vec::new(),
            seen_thumbprint: None,
        }
    }

    /// Whether the input must be fixed and nothing was changed ([`ErrorKind::is_usage`]).
    pub fn is_usage(&self) -> bool {
        self.kind.is_usage()
    }

    /// The command line's exit code for this failure ([`ErrorKind::exit_code`]).
    pub fn exit_code(&self) -> u8 {
        self.kind.exit_code()
    }
}

impl From<&Error> for ErrorReport {
    fn from(error: &Error) -> Self {
        Self {
            kind: error.kind(),
            message: error.to_string(),
            fault: error.fault_type().map(str::to_owned),
            fault_ancestors: error
                .fault_ancestors()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            seen_thumbprint: error.seen_thumbprint(),
        }
    }
}

/// The outcome of backing up several VMs.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Whether every VM's run succeeded.
    pub ok: bool,
    /// One report per job, in the order the jobs were given.
    pub reports: Vec<Report>,
    /// The notifications sent about the run (e-mail, webhook, metrics), each with whether it
    /// was delivered; a failed one never changes [`ok`](Self::ok).
    pub notifications: Vec<Delivery>,
}

impl RunReport {
    /// A run report of `reports`: ok when every report is.
    pub fn new(reports: Vec<Report>) -> Self {
        Self {
            ok: reports.iter().all(|report| report.ok),
            reports,
            notifications: Vec::new(),
        }
    }
}
