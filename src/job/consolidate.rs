//! Disk consolidation after the run's snapshot is removed.
//!
//! Removing a snapshot merges its delta disks into the base disks; when that merge fails or
//! is cut short (a locked file, a busy datastore), vCenter sets `runtime.consolidationNeeded`
//! and the VM keeps running on redo logs that grow. The run then consolidates
//! (`ConsolidateVMDisks_Task`, bounded by the snapshot timeout) and says so in its report; a
//! consolidation that fails is a warning naming the VM, never silent.

use std::time::Duration;

use vsphere_client::object::VirtualMachine;
use vsphere_client::property::retrieve_one;

use super::run::Run;

impl Run<'_> {
    /// Consolidates the disks of `vm` (named `name`) if vCenter says they need it, within
    /// `timeout`; what happened is a line in the report's warnings.
    pub(super) async fn consolidate_if_needed(
        &mut self,
        vm: &VirtualMachine,
        name: &str,
        timeout: Duration,
    ) {
        if let Some(line) = consolidate(vm, name, timeout).await {
            self.warn(line);
        }
    }
}

/// The report's line on the consolidation of `vm`'s disks, or `None` when none was needed.
async fn consolidate(vm: &VirtualMachine, name: &str, timeout: Duration) -> Option<String> {
    let needed = retrieve_one(vm.client(), vm.moref(), &["runtime.consolidationNeeded"])
        .await
        .and_then(|props| props.get::<bool>("runtime.consolidationNeeded"));
    match needed {
        Ok(Some(true)) => {}
        Ok(_) => return None,
        Err(error) => {
            return Some(format!(
                "could not tell whether the disks of {name} need consolidation after the \
                 snapshot's removal ({error}): check the VM in the vSphere Client"
            ));
        }
    }
    let consolidated = match vm.consolidate_disks().await {
        Ok(task) => task.wait(timeout, |_| {}).await.map(drop),
        Err(error) => Err(error),
    };
    Some(match consolidated {
        Ok(()) => format!(
            "the disks of {name} needed consolidation after the snapshot's removal: consolidated"
        ),
        Err(error) => format!(
            "the disks of {name} need consolidation after the snapshot's removal, and \
             consolidating them failed ({error}): consolidate them in the vSphere Client (the \
             VM > Snapshots > Consolidate) before its redo logs fill the datastore"
        ),
    })
}
