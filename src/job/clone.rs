//! Making the new clone from the run's snapshot, born marked, and verifying it.

use jiff::Timestamp;
use vsphere_client::object::{
    CloneSpec, Datastore, HostSystem, ResourcePool, VirtualMachine, VirtualMachineSnapshot,
};
use vsphere_client::types::{
    ManagedObjectReference, VirtualMachineRelocateDiskMoveOptions,
    VirtualMachineRelocateTransformation,
};

use super::deep;
use super::inventory::{DatastoreInfo, Inventory, PowerState, VmDetails};
use super::marker::CloneMarker;
use super::returned_ref;
use super::run::{Prepared, Run, VERSION};
use super::tasks::{self, CutShort, Ended};
use super::verification::Verification;
use crate::config::CloneKind;
use crate::error::Error;
use crate::events::Event;

/// What the new clone must be once made.
pub(super) struct Expected<'a> {
    pub name: &'a str,
    pub folder: &'a ManagedObjectReference,
    pub datastore: &'a DatastoreInfo,
}

/// Why the clone step failed, and what it left behind.
pub(super) struct CloneFailure {
    /// The run's error.
    pub error: Error,
    /// The clone task, when it was cancelled (on a stop request or a timeout).
    pub cancelled: Option<String>,
    /// The clone, when one was made all the same (it is not verified).
    pub made: Option<ManagedObjectReference>,
}

impl From<Error> for CloneFailure {
    fn from(error: Error) -> Self {
        Self {
            error,
            cancelled: None,
            made: None,
        }
    }
}

/// Clones the source from `snapshot` as `expected` says, with the marker and annotation in the
/// spec, and returns the new VM. A stop request or the clone timeout cancels the task.
///
/// # Errors
/// The calls' errors, [`Error::Stopped`], or the timeout, with what was left behind.
pub(super) async fn make(
    run: &Run<'_>,
    prepared: &Prepared,
    snapshot: &ManagedObjectReference,
    expected: &Expected<'_>,
) -> Result<ManagedObjectReference, CloneFailure> {
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
        .await
        .map_err(Error::from)?;
    let events = run.events.clone();
    let ended = tasks::finish(&task, job.timeouts.clone, &run.stop, |progress| {
        if let Some(percent) = progress.percent {
            events.emit(Event::CloneProgress {
                vm: events.vm(),
                percent: u8::try_from(percent.clamp(0, 100)).unwrap_or(0),
            });
        }
    })
    .await;
    let clone = match ended {
        Ended::Finished(result) => {
            returned_ref("CloneVM_Task", result.map_err(Error::from)?).map_err(Error::from)?
        }
        Ended::CutShort { why, late } => {
            let made = late
                .ok()
                .and_then(|value| returned_ref("CloneVM_Task", value).ok());
            let error = match why {
                CutShort::Stopped(reason) => {
                    Error::Stopped(format!("stopped by {reason} during the clone"))
                }
                CutShort::TimedOut(error) => Error::from(error),
            };
            return Err(CloneFailure {
                error,
                cancelled: Some(format!("the clone task {}", task.moref().value)),
                made,
            });
        }
    };
    run.events.emit(Event::CloneDone {
        vm: run.events.vm(),
        clone: expected.name.to_owned(),
        datastore: expected.datastore.name.clone(),
    });
    Ok(clone)
}

/// Checks that `clone` is what the run made: its name, folder, datastore, power state and a
/// marker naming this run and source (the metadata checks), and its disks and files against
/// `source_disks`, the capacities of the source's disks at the run's snapshot (the deep
/// checks, see `deep.rs`); then records the result on the clone (`vmrotate.verification`):
/// verified, or failed naming each failed check. Returns the record.
///
/// # Errors
/// [`Error::Verify`] naming what is wrong; the calls' [`Error::Vsphere`].
pub(super) async fn verify(
    run: &Run<'_>,
    clone: &ManagedObjectReference,
    expected: &Expected<'_>,
    source_uuid: &str,
    source_disks: &[u64],
) -> Result<Verification, Error> {
    let client = run.client;
    let details = Inventory::details(client, std::slice::from_ref(clone)).await?;
    let Some(vm) = details.first() else {
        return Err(Error::Verify(format!(
            "the new clone {} does not exist, although its clone task succeeded. Nothing was \
             deleted",
            expected.name
        )));
    };
    let mut checked = deep::Checked::default();
    for (name, problem) in metadata_problems(run, vm, expected, source_uuid) {
        match problem {
            None => checked.passed.push(name.to_owned()),
            Some(problem) => checked.failed.push((name.to_owned(), problem)),
        }
    }
    let state = deep::CloneState::read(client, clone).await?;
    let target = deep::Target {
        name: &expected.datastore.name,
        moref: Some(&expected.datastore.moref),
    };
    let linked = run.job.clone_kind == CloneKind::Linked;
    let deep = deep::check(&state, Some(source_disks), &target, linked);
    checked.passed.extend(deep.passed);
    checked.failed.extend(deep.failed);
    let handle = VirtualMachine::new(client.clone(), clone.clone());
    let timeout = run.job.timeouts.delete;
    let mut record = Verification::passed(&run.id, checked.passed.clone(), Timestamp::now());
    record.source_disks = source_disks.to_vec();
    let Some(problem) = checked.problem() else {
        record.record(&handle, timeout).await?;
        return Ok(record);
    };
    let names = checked
        .failed
        .iter()
        .map(|(name, _)| name.clone())
        .collect();
    let record = record.failing(names, problem.clone());
    if let Err(error) = record.record(&handle, timeout).await {
        log::warn!(
            "could not record the failed verification of {}: {error}",
            expected.name
        );
    }
    Err(Error::Verify(format!(
        "the new clone {} could not be verified: {problem}. Nothing was deleted; the next run \
         deletes it (or verifies it, if the problem was passing)",
        expected.name
    )))
}

/// The metadata checks of the new clone `vm`, by name, each with its problem if it failed.
fn metadata_problems(
    run: &Run<'_>,
    vm: &VmDetails,
    expected: &Expected<'_>,
    source_uuid: &str,
) -> [(&'static str, Option<String>); 5] {
    let marker = match vm.valid_marker() {
        Some(marker) if marker.run == run.id && marker.is_backup_of(source_uuid) => None,
        Some(_) => Some("its marker names another run or VM".to_owned()),
        None => Some("its vmrotate marker does not read back".to_owned()),
    };
    [
        (
            "name",
            (vm.name != expected.name).then(|| format!("it is named {}", vm.name)),
        ),
        (
            "folder",
            (vm.parent.as_ref() != Some(expected.folder))
                .then(|| "it is not in the backup folder".to_owned()),
        ),
        (
            "datastore",
            (!vm.datastores.contains(&expected.datastore.moref))
                .then(|| format!("it is not on the datastore {}", expected.datastore.name)),
        ),
        (
            "powered_off",
            (vm.power_state != PowerState::PoweredOff).then(|| "it is not powered off".to_owned()),
        ),
        ("marker", marker),
    ]
}
