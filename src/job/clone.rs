//! Making the new clone from the run's snapshot, born marked, and verifying it.

use vsphere_client::Client;
use vsphere_client::object::{
    CloneSpec, Datastore, HostSystem, ResourcePool, VirtualMachineSnapshot,
};
use vsphere_client::types::{
    ManagedObjectReference, VirtualMachineRelocateDiskMoveOptions,
    VirtualMachineRelocateTransformation,
};

use super::inventory::{DatastoreInfo, Inventory};
use super::marker::CloneMarker;
use super::returned_ref;
use super::run::{Prepared, Run, VERSION};
use crate::config::CloneKind;
use crate::error::Error;
use crate::events::Event;

/// What the new clone must be once made.
pub(super) struct Expected<'a> {
    pub name: &'a str,
    pub folder: &'a ManagedObjectReference,
    pub datastore: &'a DatastoreInfo,
}

/// Clones the source from `snapshot` as `expected` says, with the marker and annotation in the
/// spec, and returns the new VM.
///
/// # Errors
/// The calls' [`Error::Vsphere`], such as a timeout of the clone task.
pub(super) async fn make(
    run: &mut Run<'_>,
    prepared: &Prepared,
    snapshot: &ManagedObjectReference,
    expected: &Expected<'_>,
) -> Result<ManagedObjectReference, Error> {
    let (client, job, placement) = (run.client, run.job, &prepared.placement);
    let marker = CloneMarker {
        source_name: prepared.source.details.name.clone(),
        source_instance_uuid: prepared.source.uuid.clone(),
        created: run.at,
        rotation: prepared.plan.clone_policy(),
        prefix: job.prefix.clone(),
        run: run.id.clone(),
        version: VERSION.to_owned(),
    };
    let mut spec = CloneSpec::new()
        .snapshot(&VirtualMachineSnapshot::new(
            client.clone(),
            snapshot.clone(),
        ))
        .datastore(&Datastore::new(
            client.clone(),
            placement.datastore.moref.clone(),
        ))
        .pool(&ResourcePool::new(client.clone(), placement.pool.clone()))
        .annotation(&marker.annotation());
    if let Some(host) = &placement.host {
        spec = spec.host(&HostSystem::new(client.clone(), host.clone()));
    }
    spec = match job.clone_kind {
        CloneKind::Full => spec.transform(VirtualMachineRelocateTransformation::Sparse),
        CloneKind::Linked => {
            spec.disk_move_type(VirtualMachineRelocateDiskMoveOptions::CreateNewChildDiskBacking)
        }
    };
    for (key, value) in marker.entries() {
        spec = spec.extra_config(key, &value);
    }
    for device in &placement.left_out {
        spec = spec.remove_device(device.clone());
    }
    let folder = vsphere_client::object::Folder::new(client.clone(), expected.folder.clone());
    let task = prepared
        .source
        .vm
        .clone_vm(&folder, expected.name, spec)
        .await?;
    let events = run.events.clone();
    let result = task
        .wait(job.timeouts.clone, |progress| {
            if let Some(percent) = progress.percent {
                events.emit(Event::CloneProgress {
                    vm: events.vm(),
                    percent: u8::try_from(percent.clamp(0, 100)).unwrap_or(0),
                });
            }
        })
        .await?;
    let clone = returned_ref("CloneVM_Task", result)?;
    run.report.created = Some(expected.name.to_owned());
    run.events.emit(Event::CloneDone {
        vm: run.events.vm(),
        clone: expected.name.to_owned(),
        datastore: expected.datastore.name.clone(),
    });
    Ok(clone)
}

/// Checks that `clone` is what the run made: its name, folder, datastore, and a marker naming
/// this run and source.
///
/// # Errors
/// [`Error::Verify`] saying what is wrong; the call's [`Error::Vsphere`].
pub(super) async fn verify(
    client: &Client,
    clone: &ManagedObjectReference,
    expected: &Expected<'_>,
    run: &str,
    source_uuid: &str,
) -> Result<(), Error> {
    let details = Inventory::details(client, std::slice::from_ref(clone)).await?;
    let problem = match details.first() {
        None => Some("it does not exist, although its clone task succeeded".to_owned()),
        Some(vm) if vm.name != expected.name => Some(format!("it is named {}", vm.name)),
        Some(vm) if vm.parent.as_ref() != Some(expected.folder) => {
            Some("it is not in the backup folder".to_owned())
        }
        Some(vm) if !vm.datastores.contains(&expected.datastore.moref) => Some(format!(
            "it is not on the datastore {}",
            expected.datastore.name
        )),
        Some(vm) => match vm.valid_marker() {
            Some(marker) if marker.run == run && marker.is_backup_of(source_uuid) => None,
            Some(_) => Some("its marker names another run or VM".to_owned()),
            None => Some("its vmrotate marker does not read back".to_owned()),
        },
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(Error::Verify(format!(
            "the new clone {} could not be verified: {problem}. Nothing was deleted; check the \
             clone in vCenter (a later run counts it only if its marker is right)",
            expected.name
        ))),
    }
}
