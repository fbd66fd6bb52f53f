//! The verification record a clone carries once a run has checked it: what makes a clone a
//! generation.
//!
//! A run writes it into the clone's `config.extraConfig` under `vmrotate.verification` (JSON)
//! after the checks pass (`verified`) or fail (`failed`). A clone without it is `unverified`:
//! a run was killed before verifying it, or it was made before vmrotate recorded verification.
//! Safe mode counts only verified clones as generations; a later run verifies or deletes the
//! others (see `docs/backup-job.md`, "Verified generations").

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vsphere_client::object::{VirtualMachine, extra_config_entry};
use vsphere_client::types::{AnyOptionValue, OptionValue, Value, VirtualMachineConfigSpec};

use crate::error::Error;

/// The `extraConfig` key of the record.
pub(crate) const KEY: &str = "vmrotate.verification";

/// Whether a clone has been verified, as `list` and the reports show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationState {
    /// The checks passed: the clone is a generation.
    Verified,
    /// No run has checked it yet (a killed run's clone, or one made by an older vmrotate).
    Unverified,
    /// The checks failed.
    Failed,
}

/// How deep a verification went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationLevel {
    /// The clone's inventory record (name, folder, datastore, marker, power and connection
    /// state) and its disks and files, compared with the source at the run's snapshot.
    Metadata,
    /// The metadata checks, and the clone booted isolated from the network until VMware Tools
    /// reported a heartbeat (see [`BootResult`]).
    Boot,
}

/// What a boot test saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootResult {
    /// The host the clone was powered on on (its name, or its reference when unknown).
    pub host: String,
    /// Milliseconds from power-on to the first Tools heartbeat; none when it never came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_after_ms: Option<u64>,
    /// The console screenshot's datastore path, when the host took one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<String>,
}

/// The verification record of a clone (`vmrotate.verification` in its `config.extraConfig`).
///
/// ```
/// use vmrotate::{Verification, VerificationLevel, VerificationState};
///
/// let record = Verification::passed("1569379260000-ab12", vec!["marker".into()], "2019-09-25T02:45:00Z".parse().unwrap());
/// assert_eq!(record.state, VerificationState::Verified);
/// assert_eq!(record.level, VerificationLevel::Metadata);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Verified or failed (a clone without a record is unverified).
    pub state: VerificationState,
    /// How deep the checks went.
    pub level: VerificationLevel,
    /// When the checks ran (the verifying machine's clock).
    pub at: Timestamp,
    /// The id of the run that checked it.
    pub run: String,
    /// The checks that passed, by name (`exists`, `name`, `folder`, `datastore`, `marker`, ...).
    pub checks: Vec<String>,
    /// What failed, when the state is failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The checks that failed, by name (`disk_count`, `disks_on_target`, `boot`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
    /// The capacities in bytes of the source's disks at the run's snapshot, in order: what a
    /// later `verify` compares the clone with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_disks: Vec<u64>,
    /// The boot test's result (level boot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot: Option<BootResult>,
}

impl Verification {
    /// A record of checks that all passed.
    pub fn passed(run: &str, checks: Vec<String>, at: Timestamp) -> Self {
        Self {
            state: VerificationState::Verified,
            level: VerificationLevel::Metadata,
            at,
            run: run.to_owned(),
            checks,
            problem: None,
            failed: Vec::new(),
            source_disks: Vec::new(),
            boot: None,
        }
    }

    /// This record turned failed: `failed` names the checks that did not pass and `problem`
    /// says why.
    pub(crate) fn failing(mut self, failed: Vec<String>, problem: String) -> Self {
        self.state = VerificationState::Failed;
        self.failed = failed;
        self.problem = Some(problem);
        self
    }

    /// Whether this record says a boot test failed: such a clone is kept, but counted oldest
    /// by the rotation (deleted before any verified generation).
    pub(crate) fn boot_failed(&self) -> bool {
        self.state == VerificationState::Failed && self.level == VerificationLevel::Boot
    }

    /// The record a clone carries in `entries` (its `extraConfig`), if any. The last entry of
    /// the key counts (vSphere replaces a key's value; some servers append), and an empty one
    /// means none; an unreadable record counts as none.
    pub(crate) fn read(entries: &[AnyOptionValue]) -> Option<Self> {
        let value = entries.iter().rev().find_map(|entry| match entry {
            AnyOptionValue::OptionValue(OptionValue { key, value })
                if key.eq_ignore_ascii_case(KEY) =>
            {
                Some(match value {
                    Some(Value::String(value)) => value.as_str(),
                    _ => "",
                })
            }
            _ => None,
        })?;
        serde_json::from_str(value).ok()
    }

    /// The state of a clone whose `extraConfig` is `entries`.
    pub(crate) fn state_of(entries: &[AnyOptionValue]) -> VerificationState {
        Self::read(entries).map_or(VerificationState::Unverified, |record| record.state)
    }

    /// Writes this record into the clone `vm` (`ReconfigVM_Task`), waiting at most `timeout`.
    ///
    /// # Errors
    /// The calls' [`Error::Vsphere`].
    pub(crate) async fn record(
        &self,
        vm: &VirtualMachine,
        timeout: std::time::Duration,
    ) -> Result<(), Error> {
        // A struct of strings, times and enums always serializes.
        let json = serde_json::to_string(self).unwrap_or_default();
        let spec = VirtualMachineConfigSpec {
            extra_config: vec![extra_config_entry(KEY, &json)],
            ..VirtualMachineConfigSpec::default()
        };
        vm.reconfigure(spec).await?.wait(timeout, |_| {}).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(state: VerificationState) -> Verification {
        Verification {
            state,
            problem: (state == VerificationState::Failed).then(|| "not in the folder".into()),
            ..Verification::passed(
                "r1",
                vec!["exists".into(), "marker".into()],
                "2019-09-25T02:45:00Z".parse().unwrap(),
            )
        }
    }

    fn entry(value: &str) -> AnyOptionValue {
        extra_config_entry(KEY, value)
    }

    #[test]
    fn the_last_entry_counts_and_an_empty_one_clears_it() {
        let failed = serde_json::to_string(&record(VerificationState::Failed)).unwrap();
        let verified = serde_json::to_string(&record(VerificationState::Verified)).unwrap();
        assert_eq!(
            Verification::state_of(&[entry(&failed), entry(&verified)]),
            VerificationState::Verified
        );
        assert_eq!(
            Verification::read(&[entry(&verified), entry(&failed)]),
            Some(record(VerificationState::Failed))
        );
        assert_eq!(
            Verification::state_of(&[entry(&verified), entry("")]),
            VerificationState::Unverified
        );
        assert_eq!(Verification::state_of(&[]), VerificationState::Unverified);
        assert_eq!(
            Verification::state_of(&[entry("{not json")]),
            VerificationState::Unverified
        );
    }

    #[test]
    fn records_serialize_in_snake_case() {
        let json = serde_json::to_string(&record(VerificationState::Failed)).unwrap();
        assert!(json.contains(r#""state":"failed""#), "{json}");
        assert!(json.contains(r#""level":"metadata""#), "{json}");
        assert!(json.contains(r#""problem":"not in the folder""#), "{json}");
    }
}
