//! [`VirtualMachine`]: snapshots, clones, power, configuration and registration of a VM.

use super::handle::managed_entity;
use super::{Folder, HostSystem};
use crate::Error;
use crate::task::Task;
use crate::types::{
    AnyOptionValue, CloneVMTaskRequest, ConsolidateVMDisksTaskRequest, CreateSnapshotTaskRequest,
    DestroyTaskRequest, OptionValue, PowerOffVMTaskRequest, PowerOnVMTaskRequest,
    ReconfigVMTaskRequest, UnregisterVMRequest, VirtualMachineCloneSpec, VirtualMachineConfigSpec,
    VirtualMachineSnapshotInfo, encode_entity_name,
};

managed_entity! {
    /// A virtual machine (or template).
    ///
    /// Methods named after `*_Task` calls return the server's [`Task`] once it is started;
    /// [`Task::wait`] for its outcome.
    ///
    /// ```no_run
    /// # async fn example(vm: &vsphere_client::object::VirtualMachine) -> Result<(), vsphere_client::Error> {
    /// use std::time::Duration;
    ///
    /// let task = vm.create_snapshot("before-backup", "taken by vmrotate", false, false).await?;
    /// let snapshot = task.wait(Duration::from_secs(600), |progress| {
    ///     println!("snapshot: {progress}");
    /// }).await?;
    /// println!("made {snapshot:?}");
    /// # Ok(())
    /// # }
    /// ```
    VirtualMachine
}

impl VirtualMachine {
    /// `CreateSnapshot_Task`: snapshots the VM. `memory` includes the running VM's memory;
    /// `quiesce` asks VMware Tools to flush the guest's file systems first. The task's result
    /// is the [`VirtualMachineSnapshot`](super::VirtualMachineSnapshot) reference.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn create_snapshot(
        &self,
        name: &str,
        description: &str,
        memory: bool,
        quiesce: bool,
    ) -> Result<Task, Error> {
        let request = CreateSnapshotTaskRequest {
            this: self.moref.clone(),
            name: name.to_owned(),
            description: Some(description.to_owned()),
            memory,
            quiesce,
        };
        Task::started(&self.client, request).await
    }

    /// `CloneVM_Task`: copies the VM into `folder` as `name` (escaped for the server, so it may
    /// contain `/`), as `spec` says (build it with [`CloneSpec`](super::CloneSpec)). The
    /// task's result is the new VM's reference.
    ///
    /// # Errors
    /// The call's [`Error`]; vCenter only (standalone ESXi hosts cannot clone).
    pub async fn clone_vm(
        &self,
        folder: &Folder,
        name: &str,
        spec: impl Into<VirtualMachineCloneSpec>,
    ) -> Result<Task, Error> {
        let request = CloneVMTaskRequest {
            this: self.moref.clone(),
            folder: folder.moref().clone(),
            name: encode_entity_name(name).into_owned(),
            spec: spec.into(),
        };
        Task::started(&self.client, request).await
    }

    /// `Destroy_Task`: deletes the VM and its files. The VM must be powered off: the task
    /// fails with `InvalidPowerState` otherwise.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn destroy(&self) -> Result<Task, Error> {
        let request = DestroyTaskRequest {
            this: self.moref.clone(),
        };
        Task::started(&self.client, request).await
    }

    /// `PowerOnVM_Task`: powers the VM on, on `host` if given.
    ///
    /// # Errors
    /// The call's [`Error`]; the task fails with `InvalidPowerState` when the VM is on.
    pub async fn power_on(&self, host: Option<&HostSystem>) -> Result<Task, Error> {
        let request = PowerOnVMTaskRequest {
            this: self.moref.clone(),
            host: host.map(|host| host.moref().clone()),
        };
        Task::started(&self.client, request).await
    }

    /// `ConsolidateVMDisks_Task`: merges redundant redo logs into the VM's disks, as needed
    /// when `runtime.consolidationNeeded` is set (a snapshot removal left delta disks behind).
    ///
    /// # Errors
    /// The call's [`Error`]; the task fails with e.g. `TaskInProgress` or `FileFault`.
    pub async fn consolidate_disks(&self) -> Result<Task, Error> {
        let request = ConsolidateVMDisksTaskRequest {
            this: self.moref.clone(),
        };
        Task::started(&self.client, request).await
    }

    /// `PowerOffVM_Task`: powers the VM off at once, as pulling the plug (no guest shutdown).
    ///
    /// # Errors
    /// The call's [`Error`]; the task fails with `InvalidPowerState` when the VM is off.
    pub async fn power_off(&self) -> Result<Task, Error> {
        let request = PowerOffVMTaskRequest {
            this: self.moref.clone(),
        };
        Task::started(&self.client, request).await
    }

    /// `ReconfigVM_Task`: applies the changes in `spec` (unset fields stay as they are), such
    /// as `annotation` or `extra_config` entries (see
    /// [`extra_config_entry`](super::extra_config_entry)).
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn reconfigure(&self, spec: VirtualMachineConfigSpec) -> Result<Task, Error> {
        let request = ReconfigVMTaskRequest {
            this: self.moref.clone(),
            spec,
        };
        Task::started(&self.client, request).await
    }

    /// `UnregisterVM`: removes the VM from the inventory, keeping its files (register it again
    /// with [`Folder::register_vm`]).
    ///
    /// # Errors
    /// The call's [`Error`]; `InvalidPowerState` when the VM is powered on.
    pub async fn unregister(&self) -> Result<(), Error> {
        let request = UnregisterVMRequest {
            this: self.moref.clone(),
        };
        self.client.call(request).await
    }

    /// The VM's snapshot tree and current snapshot; `None` when it has no snapshots.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn snapshot_info(&self) -> Result<Option<VirtualMachineSnapshotInfo>, Error> {
        self.properties(&["snapshot"]).await?.get("snapshot")
    }

    /// The VM's `extraConfig` entries (`config.extraConfig`). Entries of an `OptionValue`
    /// subtype this client does not know (vim25 has none so far) are left out.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn extra_config(&self) -> Result<Vec<OptionValue>, Error> {
        const PATH: &str = "config.extraConfig";
        let entries: Vec<AnyOptionValue> = self
            .properties(&[PATH])
            .await?
            .get(PATH)?
            .unwrap_or_default();
        Ok(entries
            .into_iter()
            .filter_map(|entry| match entry {
                AnyOptionValue::OptionValue(option) => Some(option),
                AnyOptionValue::Unknown(_) => None,
            })
            .collect())
    }
}
