//! The run's snapshot under the job's [`Quiesce`] policy.
//!
//! A powered-off (or suspended) VM has nothing to quiesce: its snapshot is taken plain. For a
//! running VM, `off` takes a crash-consistent snapshot; `required` a quiesced one or the run
//! fails; `preferred` tries quiesced and, when that fails (no VMware Tools, a VSS writer
//! failing), takes a crash-consistent one with a warning saying why.

use vsphere_client::types::ManagedObjectReference;

use super::inventory::PowerState;
use super::lock;
use super::marker::SnapshotMarker;
use super::run::{Run, Source};
use crate::config::Quiesce;
use crate::error::Error;

/// Whether the first snapshot tried quiesces: only a running VM's, unless the policy is off.
fn quiesces(policy: Quiesce, power: &PowerState) -> bool {
    policy != Quiesce::Off && *power == PowerState::PoweredOn
}

impl Run<'_> {
    /// Takes the run's snapshot of `source` as `marker` describes it, under the job's policy.
    ///
    /// # Errors
    /// The call's [`Error::Vsphere`] (with `required`, a failed quiescing too).
    pub(super) async fn take_snapshot(
        &mut self,
        source: &Source,
        marker: &SnapshotMarker,
    ) -> Result<ManagedObjectReference, Error> {
        let (policy, timeout) = (self.job.quiesce, self.job.timeouts.snapshot);
        if quiesces(policy, &source.details.power_state) {
            match lock::take(&source.vm, marker, true, timeout).await {
                Ok(snapshot) => return Ok(snapshot),
                Err(error) if policy == Quiesce::Preferred => self.warn(format!(
                    "quiescing {} failed ({error}): its snapshot, and so this backup, is \
                     crash-consistent (quiesce = \"preferred\"; \"required\" fails instead)",
                    source.details.name
                )),
                Err(error) => return Err(error),
            }
        }
        lock::take(&source.vm, marker, false, timeout).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_running_vm_is_quiesced_and_only_when_asked() {
        let on = PowerState::PoweredOn;
        assert!(!quiesces(Quiesce::Off, &on));
        assert!(quiesces(Quiesce::Preferred, &on));
        assert!(quiesces(Quiesce::Required, &on));
        for policy in [Quiesce::Off, Quiesce::Preferred, Quiesce::Required] {
            assert!(!quiesces(policy, &PowerState::PoweredOff));
            assert!(!quiesces(policy, &PowerState::Suspended));
        }
    }
}
