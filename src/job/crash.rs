//! The test hook that kills the process at a named step boundary of a run, to prove that a
//! crash at any point leaves vCenter in a state the next run recovers from.
//!
//! Set `VMROTATE_TEST_CRASH_AT` to a [`Step`] name and the process aborts
//! (`std::process::abort`, no unwinding, no cleanup) when a run reaches that boundary. Unset,
//! the hook does nothing. The hook exists only in builds with the cargo feature `test-hooks`,
//! which the test suite enables: release builds of the library, the command and the bindings
//! ignore the variable.

use crate::error::Error;

/// The environment variable naming the step to crash at.
#[cfg(feature = "test-hooks")]
const VARIABLE: &str = "VMROTATE_TEST_CRASH_AT";

/// The step boundaries of a run, in the order a run passes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// `after-snapshot`: the run's snapshot exists, the lock is not yet confirmed.
    AfterSnapshot,
    /// `after-lock`: the lock is confirmed (no older run's snapshot), nothing is cloned yet.
    AfterLock,
    /// `after-clone`: the clone task finished, the clone is not verified yet.
    AfterClone,
    /// `after-verify`: the clone is verified, nothing is deleted yet.
    AfterVerify,
    /// `after-delete`: the first old clone is deleted.
    AfterDelete,
    /// `before-snapshot-removal`: everything is done but removing the snapshot (reached on
    /// failures too).
    BeforeSnapshotRemoval,
    /// `restore-before-rename`: a register-only restore has registered the backup and removed
    /// its marker, and not yet renamed it.
    RestoreBeforeRename,
}

#[cfg(feature = "test-hooks")]
impl Step {
    const ALL: [Step; 7] = [
        Step::AfterSnapshot,
        Step::AfterLock,
        Step::AfterClone,
        Step::AfterVerify,
        Step::AfterDelete,
        Step::BeforeSnapshotRemoval,
        Step::RestoreBeforeRename,
    ];

    /// The step's name, as `VMROTATE_TEST_CRASH_AT` takes it.
    fn name(self) -> &'static str {
        match self {
            Step::AfterSnapshot => "after-snapshot",
            Step::AfterLock => "after-lock",
            Step::AfterClone => "after-clone",
            Step::AfterVerify => "after-verify",
            Step::AfterDelete => "after-delete",
            Step::BeforeSnapshotRemoval => "before-snapshot-removal",
            Step::RestoreBeforeRename => "restore-before-rename",
        }
    }
}

/// The step this process crashes at, if any.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CrashHook(#[cfg(feature = "test-hooks")] Option<Step>);

impl CrashHook {
    /// The hook `VMROTATE_TEST_CRASH_AT` asks for.
    ///
    /// # Errors
    /// [`Error::Config`] when the variable names no step.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn from_env() -> Result<Self, Error> {
        Self::parse(std::env::var(VARIABLE).ok().as_deref())
    }

    /// No hook: this build has no `test-hooks` feature.
    #[cfg(not(feature = "test-hooks"))]
    pub(crate) fn from_env() -> Result<Self, Error> {
        Ok(Self::default())
    }

    #[cfg(feature = "test-hooks")]
    fn parse(value: Option<&str>) -> Result<Self, Error> {
        let Some(value) = value.filter(|value| !value.is_empty()) else {
            return Ok(Self(None));
        };
        Step::ALL
            .into_iter()
            .find(|step| step.name() == value)
            .map(|step| Self(Some(step)))
            .ok_or_else(|| {
                let names: Vec<&str> = Step::ALL.into_iter().map(Step::name).collect();
                Error::Config(format!(
                    "{VARIABLE}={value} names no step: use one of {}, or unset it",
                    names.join(", ")
                ))
            })
    }

    /// Aborts the process if the hook is set to `step`.
    pub(crate) fn reached(self, step: Step) {
        #[cfg(feature = "test-hooks")]
        if self.0 == Some(step) {
            eprintln!("{VARIABLE}: aborting at {}", step.name());
            std::process::abort();
        }
        #[cfg(not(feature = "test-hooks"))]
        let _ = (self, step);
    }
}

#[cfg(all(test, feature = "test-hooks"))]
mod tests {
    use super::*;

    #[test]
    fn names_parse_to_steps_and_unknown_names_are_refused() {
        assert_eq!(CrashHook::parse(None).unwrap().0, None);
        assert_eq!(CrashHook::parse(Some("")).unwrap().0, None);
        assert_eq!(
            CrashHook::parse(Some("after-verify")).unwrap().0,
            Some(Step::AfterVerify)
        );
        let error = CrashHook::parse(Some("after-lunch"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("after-snapshot, after-lock"), "{error}");
    }

    #[test]
    fn an_unset_hook_never_fires() {
        for step in Step::ALL {
            CrashHook::default().reached(step);
        }
    }
}
