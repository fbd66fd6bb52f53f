//! [`VirtualMachineSnapshot`]: a snapshot of a VM.

use super::handle::managed_object;
use crate::Error;
use crate::task::Task;
use crate::types::RemoveSnapshotTaskRequest;

managed_object! {
    /// A snapshot of a VM, as made by
    /// [`VirtualMachine::create_snapshot`](super::VirtualMachine::create_snapshot) (the task's
    /// result) or listed in the VM's `snapshot` property.
    VirtualMachineSnapshot
}

impl VirtualMachineSnapshot {
    /// `RemoveSnapshot_Task`: deletes the snapshot, merging its changes into its parent; with
    /// `remove_children`, its child snapshots too. `consolidate` (default: yes) merges the
    /// disks now rather than leaving redundant delta disks.
    ///
    /// # Errors
    /// The call's [`Error`]; `ManagedObjectNotFound` for a snapshot that no longer exists.
    pub async fn remove(
        &self,
        remove_children: bool,
        consolidate: Option<bool>,
    ) -> Result<Task, Error> {
        let request = RemoveSnapshotTaskRequest {
            this: self.moref.clone(),
            remove_children,
            consolidate,
        };
        Task::started(&self.client, request).await
    }
}
