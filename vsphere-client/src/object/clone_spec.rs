//! [`CloneSpec`]: what `CloneVM_Task` makes, built step by step.

use super::{Datastore, HostSystem, ResourcePool, VirtualMachineSnapshot};
use crate::types::{
    AnyOptionValue, Object, OptionValue, Value, VirtualMachineCloneSpec, VirtualMachineConfigSpec,
    VirtualMachineRelocateDiskMoveOptions, VirtualMachineRelocateTransformation,
};

/// A builder of the [`VirtualMachineCloneSpec`] that
/// [`VirtualMachine::clone_vm`](super::VirtualMachine::clone_vm) sends.
///
/// By default the clone is a full copy of the source's current state, on the source's host,
/// pool and datastore, powered off, not a template. Each setter changes one thing:
///
/// ```no_run
/// # async fn example(
/// #     vm: &vsphere_client::object::VirtualMachine,
/// #     snapshot: &vsphere_client::object::VirtualMachineSnapshot,
/// #     datastore: &vsphere_client::object::Datastore,
/// #     backups: &vsphere_client::object::Folder,
/// # ) -> Result<(), vsphere_client::Error> {
/// use std::time::Duration;
/// use vsphere_client::object::CloneSpec;
/// use vsphere_client::types::VirtualMachineRelocateTransformation;
///
/// let spec = CloneSpec::new()
///     .snapshot(snapshot)
///     .datastore(datastore)
///     .transform(VirtualMachineRelocateTransformation::Sparse)
///     .annotation("backup of web01")
///     .extra_config("vmrotate.source", "vm-36");
/// let task = vm.clone_vm(backups, "web01-backup-1", spec).await?;
/// let clone = task.wait(Duration::from_secs(3600), |_| {}).await?;
/// println!("cloned: {clone:?}");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use = "a clone spec does nothing until passed to `clone_vm`"]
pub struct CloneSpec(VirtualMachineCloneSpec);

impl CloneSpec {
    /// A full clone of the source's current state, placed as the source is, powered off.
    pub fn new() -> Self {
        Self::default()
    }

    /// Clones the VM as it was in `snapshot` rather than its current state.
    pub fn snapshot(mut self, snapshot: &VirtualMachineSnapshot) -> Self {
        self.0.snapshot = Some(snapshot.moref().clone());
        self
    }

    /// Puts the clone's files on `datastore`.
    pub fn datastore(mut self, datastore: &Datastore) -> Self {
        self.0.location.datastore = Some(datastore.moref().clone());
        self
    }

    /// Registers the clone on `host`.
    pub fn host(mut self, host: &HostSystem) -> Self {
        self.0.location.host = Some(host.moref().clone());
        self
    }

    /// Runs the clone in `pool`.
    pub fn pool(mut self, pool: &ResourcePool) -> Self {
        self.0.location.pool = Some(pool.moref().clone());
        self
    }

    /// How the clone's disks relate to the source's. Leave unset for a full, independent copy;
    /// `CreateNewChildDiskBacking` makes a linked clone, which depends on the source's disks.
    pub fn disk_move_type(mut self, disk_move_type: VirtualMachineRelocateDiskMoveOptions) -> Self {
        self.0.location.disk_move_type = Some(disk_move_type.as_str().to_owned());
        self
    }

    /// The clone's disk format: `Sparse` (thin) or `Flat` (thick).
    pub fn transform(mut self, transform: VirtualMachineRelocateTransformation) -> Self {
        self.0.location.transform = Some(transform);
        self
    }

    /// Whether to power the clone on once made (default: no).
    pub fn power_on(mut self, power_on: bool) -> Self {
        self.0.power_on = power_on;
        self
    }

    /// Whether the clone is a template (default: no).
    pub fn template(mut self, template: bool) -> Self {
        self.0.template = template;
        self
    }

    /// Sets the clone's annotation (its notes).
    pub fn annotation(mut self, annotation: &str) -> Self {
        self.config().annotation = Some(annotation.to_owned());
        self
    }

    /// Adds the `extraConfig` entry `key` = `value` to the clone, set in the same task that
    /// makes it.
    pub fn extra_config(mut self, key: &str, value: &str) -> Self {
        self.config()
            .extra_config
            .push(extra_config_entry(key, value));
        self
    }

    /// Leaves `device` (one of the source's `config.hardware.device` items, as read) out of
    /// the clone: a `remove` in the clone's `config.deviceChange`, e.g. for an independent
    /// disk, which the snapshot the clone is made from does not capture.
    pub fn remove_device(mut self, device: Value) -> Self {
        let change = Object {
            xsi_type: "VirtualDeviceConfigSpec".to_owned(),
            fields: vec![
                (
                    "operation".to_owned(),
                    Value::Enum {
                        xsi_type: "VirtualDeviceConfigSpecOperation".to_owned(),
                        value: "remove".to_owned(),
                    },
                ),
                ("device".to_owned(), device),
            ],
        };
        self.config().device_change.push(Value::Object(change));
        self
    }

    /// The spec to send.
    pub fn into_inner(self) -> VirtualMachineCloneSpec {
        self.0
    }

    fn config(&mut self) -> &mut VirtualMachineConfigSpec {
        self.0
            .config
            .get_or_insert_with(VirtualMachineConfigSpec::default)
    }
}

impl From<CloneSpec> for VirtualMachineCloneSpec {
    fn from(spec: CloneSpec) -> Self {
        spec.into_inner()
    }
}

/// An `extraConfig` entry with a string value, for
/// [`VirtualMachineConfigSpec::extra_config`].
///
/// ```
/// use vsphere_client::object::extra_config_entry;
/// use vsphere_client::types::{AnyOptionValue, Value};
///
/// let AnyOptionValue::OptionValue(entry) = extra_config_entry("vmrotate.slot", "3") else {
///     unreachable!()
/// };
/// assert_eq!((entry.key.as_str(), entry.value), ("vmrotate.slot", Some(Value::String("3".into()))));
/// ```
pub fn extra_config_entry(key: &str, value: &str) -> AnyOptionValue {
    AnyOptionValue::OptionValue(OptionValue {
        key: key.to_owned(),
        value: Some(Value::String(value.to_owned())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_device_is_a_remove_in_the_device_changes() {
        let disk = Value::Object(Object {
            xsi_type: "VirtualDisk".to_owned(),
            fields: vec![("key".to_owned(), Value::Int(2001))],
        });
        let spec = CloneSpec::new().remove_device(disk.clone()).into_inner();
        let changes = spec.config.expect("a config spec").device_change;
        let [Value::Object(change)] = changes.as_slice() else {
            panic!("one change: {changes:?}");
        };
        assert_eq!(change.xsi_type, "VirtualDeviceConfigSpec");
        assert_eq!(
            change.get("operation").and_then(Value::as_str),
            Some("remove")
        );
        assert_eq!(change.get("device"), Some(&disk));
    }
}
