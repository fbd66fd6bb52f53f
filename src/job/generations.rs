//! Which VMs are the source VM's backup generations, as each mode counts them.
//!
//! - [`Mode::Safe`]: only VMs carrying vmrotate's marker for this source (its instance UUID)
//!   and a verification record saying they are verified. Look-alikes without the marker are
//!   reported and never touched; marked clones not verified are set apart for the run to
//!   verify or delete (`unverified.rs`).
//! - [`Mode::Compat`]: every VM the script's `-like` patterns would match, marked or not.
//!
//! Slot runs never count clones marked as a retention policy's, and retention runs (safe mode
//! only) count nothing else: each scheme leaves the other's clones alone.

use rotation_core::like::LikePattern;
use rotation_core::{CloneName, Existing};
use vsphere_client::Client;
use vsphere_client::types::ManagedObjectReference;

use super::inventory::{Inventory, VmDetails};
use super::marker::{ClonePolicy, MarkerState};
use super::retention_name::RetentionCloneName;
use super::verification::{Verification, VerificationState};
use crate::config::{JobConfig, Mode};
use crate::error::Error;

/// The VMs that may be `job`'s clones, by name alone: those starting with `<prefix><key>`
/// (ignoring case) or matching the script's pattern `<prefix><key>-*`. `source` is left out.
pub(crate) fn candidates(
    inventory: &Inventory,
    job: &JobConfig,
    source: &ManagedObjectReference,
) -> Vec<ManagedObjectReference> {
    let may_be_clone = name_filter(job);
    inventory
        .vms
        .iter()
        .filter(|vm| vm.moref != *source && may_be_clone(&vm.name))
        .map(|vm| vm.moref.clone())
        .collect()
}

/// Whether a VM's name may be one of `job`'s clones: it starts with `<prefix><key>` (ignoring
/// case) or matches the script's pattern `<prefix><key>-*`.
fn name_filter(job: &JobConfig) -> impl Fn(&str) -> bool {
    let base = format!("{}{}", job.prefix, job.vm).to_lowercase();
    // A pattern PowerShell rejects matches nothing, as in the script.
    let pattern = LikePattern::new(&format!("{}{}-*", job.prefix, job.vm)).ok();
    move |name| {
        name.to_lowercase().starts_with(&base) || pattern.as_ref().is_some_and(|p| p.matches(name))
    }
}

/// Reads `job`'s clone candidates again once the run holds the lock: those directly in the
/// backup `folder` named like its clones (one container view of names, which also finds
/// clones a run made since the inventory was read) and the `earlier` candidates elsewhere,
/// then the details of those only.
///
/// # Errors
/// The calls' [`Error::Vsphere`].
pub(crate) async fn reread(
    client: &Client,
    job: &JobConfig,
    folder: &ManagedObjectReference,
    earlier: &[VmDetails],
) -> Result<Vec<VmDetails>, Error> {
    let may_be_clone = name_filter(job);
    let mut wanted: Vec<ManagedObjectReference> = Inventory::vms_in_folder(client, folder)
        .await?
        .into_iter()
        .filter(|vm| may_be_clone(&vm.name))
        .map(|vm| vm.moref)
        .collect();
    wanted.extend(
        earlier
            .iter()
            .filter(|vm| vm.parent.as_ref() != Some(folder))
            .map(|vm| vm.moref.clone()),
    );
    Inventory::details(client, &wanted).await
}

/// Whether `name` is exactly one of `job`'s clone names, slot or retention.
pub(crate) fn is_clone_name(job: &JobConfig, name: &str) -> bool {
    CloneName::parse(&job.prefix, name).is_ok_and(|clone| clone.key() == job.vm)
        || RetentionCloneName::parse(&job.prefix, name).is_some_and(|clone| clone.key() == job.vm)
}

/// Whether `vm` belongs to the rotation scheme of `job`: its marker says retention exactly
/// when the job has a retention policy (unmarked VMs belong to slot rotation, as in compat
/// mode).
pub(crate) fn same_scheme(job: &JobConfig, vm: &VmDetails) -> bool {
    let retention_clone = vm
        .valid_marker()
        .is_some_and(|marker| marker.rotation == ClonePolicy::Retention);
    retention_clone == job.retention.is_some()
}

/// The generations a run counts, and what it noticed about the VMs it left out.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    pub generations: Vec<VmDetails>,
    /// Safe mode: this VM's clones that no verification has recorded as verified (a killed
    /// run's, or one whose checks failed). They are not generations until a run verifies them.
    pub unverified: Vec<VmDetails>,
    pub warnings: Vec<String>,
}

impl Selection {
    /// The generations as the rotation policy takes them: names, and creation times from the
    /// markers.
    pub(crate) fn existing(&self) -> Vec<Existing> {
        self.generations
            .iter()
            .map(|generation| Existing {
                name: generation.name.clone(),
                created: rotation_time(generation),
            })
            .collect()
    }
}

/// When `vm` counts as created for the rotation: its marker's creation time, or the Unix
/// epoch when its boot test failed, so that it counts as the oldest generation and is
/// deleted before any verified one.
pub(crate) fn rotation_time(vm: &VmDetails) -> Option<jiff::Timestamp> {
    let created = vm.valid_marker()?.created;
    match Verification::read(&vm.extra_config) {
        Some(record) if record.boot_failed() => Some(jiff::Timestamp::UNIX_EPOCH),
        _ => Some(created),
    }
}

/// Sorts `candidates` into `job`'s generations (as its mode counts them) and the others.
pub(crate) fn select(job: &JobConfig, source_uuid: &str, candidates: Vec<VmDetails>) -> Selection {
    let mut selection = Selection::default();
    for vm in candidates.into_iter().filter(|vm| same_scheme(job, vm)) {
        if job.mode == Mode::Compat {
            selection.generations.push(vm);
        } else if vm.is_backup_of(source_uuid) {
            // A clone whose boot test failed is kept and counted, oldest (`rotation_time`).
            let counts = Verification::read(&vm.extra_config).is_some_and(|record| {
                record.state == VerificationState::Verified || record.boot_failed()
            });
            if counts {
                selection.generations.push(vm);
            } else {
                selection.unverified.push(vm);
            }
        } else if is_clone_name(job, &vm.name) {
            selection.warnings.push(left_alone(&vm, &job.vm));
        }
    }
    selection
}

/// Why a VM named like a clone of `key` is not counted in safe mode.
fn left_alone(vm: &VmDetails, key: &str) -> String {
    let why = match &vm.marker {
        MarkerState::Absent => "vmrotate did not make it (it has no vmrotate marker)".to_owned(),
        MarkerState::Damaged(problem) => format!("its vmrotate marker is damaged ({problem})"),
        MarkerState::Valid(marker) => format!(
            "it is the backup of another VM named {} (instance UUID {}); delete it by hand if \
             that VM is gone",
            marker.source_name, marker.source_instance_uuid
        ),
    };
    format!(
        "{} is named like a backup of {key} but {why}: safe mode leaves it alone",
        vm.name
    )
}
