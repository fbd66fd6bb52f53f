//! The checks before a run changes anything, and where the new clone goes.
//!
//! # Datastore alternation
//!
//! With several datastores, the new clone goes to the datastore that follows, in the
//! configured order, the one holding the newest generation the plan keeps (the first
//! configured when there is none, or it is on none of them). Consecutive generations thus
//! alternate between two datastores (and go round-robin over more), whatever the slots, and
//! losing one NAS never loses every copy. The choice follows where the clones really are, so
//! it recovers by itself after manual changes.
//!
//! A datastore that cannot take the clone now (inaccessible, not mounted on the VM's host or
//! the target host, or short of room) is skipped with a warning for the next one in that
//! order; the run fails only when none can.
//!
//! # Real VMs
//!
//! Before any of that, and before the snapshot: the new name must fit vSphere's 80
//! characters once escaped; the source's disks must all be snapshottable, or be left out
//! ([`disks`]); each of the source's own datastores must have room for the snapshot to grow
//! (`snapshot_room` of its used storage); a VM in a vApp is cloned into the resource pool
//! holding the vApp, never into the vApp.
//!
//! # Room
//!
//! A datastore has room when its free space is at least the clone's size (the source VM's
//! used storage, `summary.storage.committed`, plus its virtual RDMs at full size) plus `free_space_margin` times the datastore's capacity:
//! the margin is the share of the datastore that must stay free after the clone. The free
//! space counted is the inventory's less what the run's other clones reserved there (see
//! [`limits`](super::limits)), and the chosen datastore's room is reserved for this clone.

mod disks;
pub(crate) mod privileges;
mod source;

use vsphere_client::types::{ManagedObjectReference, Value};

use super::folder::FolderTarget;
use super::inventory::{DatastoreInfo, HostInfo, Inventory, VmDetails, list};
use super::limits::{Ledger, Reservation};
use super::other_host;
use crate::bytes::Bytes;
use crate::config::{HostPlacement, JobConfig};
use crate::error::Error;

/// What the plan of a run makes and deletes, as the placement needs it.
pub(crate) struct Plan<'a> {
    /// The new clone's name.
    pub new_clone: &'a str,
    /// The names the run deletes after the clone.
    pub deleted: &'a [&'a str],
    /// The source's generations the plan was made from.
    pub generations: &'a [VmDetails],
}

/// Where the new clone goes.
#[derive(Debug)]
pub(crate) struct Placement {
    pub datastore: DatastoreInfo,
    pub folder: FolderTarget,
    pub pool: ManagedObjectReference,
    /// Set only when the job names a host or places clones on another host: otherwise the
    /// clone stays on the source's host.
    pub host: Option<ManagedObjectReference>,
    pub warnings: Vec<String>,
    /// The source's devices the clone leaves out (`independent_disks = "skip"`), as read.
    pub left_out: Vec<Value>,
    /// The new clone's room on the datastore, reserved against the run's other clones.
    pub reservation: Reservation,
}

/// Checks that a run can make the clone `plan.new_clone` and places it, with `plan.deleted`
/// left out of the datastore choice, counting and making reservations in `ledger`.
///
/// # Errors
/// [`Error::Preflight`] when the name is taken, no datastore can take the clone or the VM's
/// datacenter or host is unknown; [`Error::NotFound`] or [`Error::Ambiguous`] for a datastore,
/// host or pool the job names.
pub(crate) fn check(
    inventory: &Inventory,
    job: &JobConfig,
    source: &VmDetails,
    plan: Plan<'_>,
    ledger: &mut Ledger<'_>,
) -> Result<Placement, Error> {
    let new_clone = plan.new_clone;
    source::name_fits(new_clone)?;
    if inventory.has_vm_named(new_clone) {
        return Err(Error::Preflight(format!(
            "a VM named {} already exists, so the new clone cannot take that name: rename or \
             remove that VM, or run again a minute later",
            new_clone
        )));
    }
    let datacenter = inventory.datacenter_holding(source)?;
    let folder = FolderTarget::resolve(inventory, &datacenter.vm_folder, &job.folder);
    let source_host = source
        .host
        .as_ref()
        .and_then(|host| inventory.host(host))
        .ok_or_else(|| {
            Error::Preflight(format!(
                "{} runs on no known host (is its host disconnected?): reconnect the host",
                source.name
            ))
        })?;
    let target_host = job
        .host
        .as_deref()
        .map(|name| inventory.host_named(name))
        .transpose()?;

    let disks = disks::plan(job, &source.name, &source.devices)?;
    source::snapshot_room(inventory, job, source)?;
    let bytes = source.committed_bytes.saturating_add(disks.rdm_bytes);
    let configured = resolve_datastores(inventory, job, &source_host.datastores)?;
    let mut rejected = Vec::new();
    for index in preference(&configured, plan.deleted, plan.generations) {
        let datastore = configured[index];
        let target = match job.placement {
            HostPlacement::OtherHost => {
                match other_host::choose(inventory, source_host, datastore) {
                    Ok(host) => Some(host),
                    Err(reason) => {
                        rejected.push(reason);
                        continue;
                    }
                }
            }
            HostPlacement::SameHost => target_host,
        };
        let mut hosts = vec![source_host];
        hosts.extend(target.filter(|host| host.moref != source_host.moref));
        let reserved = ledger.reserved(&datastore.moref);
        match unusable_because(datastore, &hosts, bytes, job.free_space_margin, reserved) {
            None => {
                let mut warnings = disks.warnings;
                warnings.extend(rejected.iter().map(|reason| {
                    format!("{reason}; the clone goes to {} instead", datastore.name)
                }));
                return Ok(Placement {
                    datastore: datastore.clone(),
                    folder,
                    pool: pool_for(inventory, job, source, source_host, target)?,
                    host: target.map(|host| host.moref.clone()),
                    warnings,
                    left_out: disks.left_out,
                    reservation: ledger.reserve(&datastore.moref, bytes),
                });
            }
            Some(reason) => rejected.push(reason),
        }
    }
    Err(Error::Preflight(format!(
        "no backup datastore can take the clone of {}: {}",
        source.name,
        rejected.join("; ")
    )))
}

/// The resource pool for a clone of `source` registered on `target` (default: the source's
/// host): the job's, else the target's root pool, else the source's own.
fn pool_for(
    inventory: &Inventory,
    job: &JobConfig,
    source: &VmDetails,
    source_host: &HostInfo,
    target: Option<&HostInfo>,
) -> Result<ManagedObjectReference, Error> {
    let compute_resource = target.unwrap_or(source_host).compute_resource.as_ref();
    match (&job.resource_pool, target) {
        (Some(name), _) => Ok(inventory.pool_named(name, compute_resource)?.moref.clone()),
        (None, Some(host)) => compute_resource
            .and_then(|resource| inventory.root_pool_of(resource))
            .map(|pool| pool.moref.clone())
            .ok_or_else(|| {
                Error::Preflight(format!(
                    "cannot find the root resource pool of host {}: name a resource pool",
                    host.name
                ))
            }),
        (None, None) => source
            .pool
            .as_ref()
            .map(|pool| source::clone_pool(inventory, pool))
            .ok_or_else(|| {
                Error::Preflight(format!(
                    "{} is in no resource pool (is it a template?): name a resource pool",
                    source.name
                ))
            }),
    }
}

/// The configured datastores, each the one of its name mounted on `mounted` if there are
/// several.
fn resolve_datastores<'a>(
    inventory: &'a Inventory,
    job: &JobConfig,
    mounted: &[ManagedObjectReference],
) -> Result<Vec<&'a DatastoreInfo>, Error> {
    job.datastores
        .iter()
        .map(|name| {
            let named = inventory.datastores_named(name);
            named
                .iter()
                .find(|ds| mounted.contains(&ds.moref))
                .or(named.first())
                .copied()
                .ok_or_else(|| {
                    Error::NotFound(format!(
                        "no datastore is named \"{name}\" (datastores: {}): check the backup \
                         datastore names",
                        list(inventory.datastores.iter().map(|ds| ds.name.as_str()))
                    ))
                })
        })
        .collect()
}

/// The order in which to try the configured datastores: starting after the one holding the
/// newest generation the plan keeps (see the [module docs](self)).
fn preference(
    configured: &[&DatastoreInfo],
    deleted: &[&str],
    generations: &[VmDetails],
) -> Vec<usize> {
    let newest_kept = generations
        .iter()
        .filter(|generation| !deleted.contains(&generation.name.as_str()))
        .max_by_key(|generation| taken_at(generation));
    let start = newest_kept
        .and_then(|generation| {
            configured
                .iter()
                .position(|ds| generation.datastores.contains(&ds.moref))
        })
        .map_or(0, |holding| holding + 1);
    (0..configured.len())
        .map(|offset| (start + offset) % configured.len())
        .collect()
}

/// When a generation was taken: its marker's time, else its name's stamp read as UTC (only
/// clones the script made lack a marker), else never.
fn taken_at(generation: &VmDetails) -> Option<jiff::Timestamp> {
    if let Some(marker) = generation.valid_marker() {
        return Some(marker.created);
    }
    // The stamp is the name's fixed-width tail, whatever the prefix.
    let stamp = rotation_core::CloneName::parse("", &generation.name)
        .ok()?
        .stamp();
    jiff::tz::TimeZone::UTC.to_timestamp(stamp.datetime()).ok()
}

/// Why `datastore` cannot take a clone of `bytes` now, with `reserved` bytes of it promised
/// to the run's other clones, or `None` if it can.
fn unusable_because(
    datastore: &DatastoreInfo,
    hosts: &[&HostInfo],
    bytes: u64,
    margin: f64,
    reserved: u64,
) -> Option<String> {
    let name = &datastore.name;
    if !datastore.summary.accessible {
        return Some(format!("{name} is not accessible (is the NAS down?)"));
    }
    if let Some(host) = hosts
        .iter()
        .find(|host| !host.datastores.contains(&datastore.moref))
    {
        return Some(format!(
            "{name} is not mounted on host {}: mount it there",
            host.name
        ));
    }
    let capacity = u64::try_from(datastore.summary.capacity).unwrap_or(0);
    let free = u64::try_from(datastore.summary.free_space).unwrap_or(0);
    // A fraction of a capacity below 2^63 bytes: the product fits.
    let reserve = (margin * capacity as f64).ceil() as u64;
    let needed = bytes.saturating_add(reserve);
    let available = free.saturating_sub(reserved);
    (available < needed).then(|| {
        let others = if reserved > 0 {
            format!(
                " once the {} this run's other clones take there",
                Bytes(reserved)
            )
        } else {
            String::new()
        };
        format!(
            "{name} has {} free{others}, but the clone needs {} (its {}, the VM's used storage \
             and virtual RDMs at full size, plus free_space_margin {margin} of the datastore's \
             {}): free space there, or lower free_space_margin",
            Bytes(available),
            Bytes(needed),
            Bytes(bytes),
            Bytes(capacity)
        )
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::job::inventory::PowerState;
    use crate::job::marker::MarkerState;
    use rotation_core::{Mode, SlotRotation};
    use vsphere_client::types::DatastoreSummary;

    fn datastore(value: &str) -> DatastoreInfo {
        DatastoreInfo {
            moref: ManagedObjectReference::new("Datastore", value),
            name: value.to_owned(),
            summary: DatastoreSummary {
                accessible: true,
                capacity: 100 << 30,
                free_space: 30 << 30,
                ..DatastoreSummary::default()
            },
        }
    }

    pub(super) fn clone_on(name: &str, datastore: &DatastoreInfo) -> VmDetails {
        VmDetails {
            moref: ManagedObjectReference::new("VirtualMachine", name),
            name: name.to_owned(),
            instance_uuid: None,
            extra_config: Vec::new(),
            marker: MarkerState::Absent,
            vmx_path: None,
            snapshots: None,
            power_state: PowerState::PoweredOff,
            connected: true,
            host: None,
            committed_bytes: 10 << 30,
            datastores: vec![datastore.moref.clone()],
            parent: None,
            pool: None,
            devices: Value::Null,
        }
    }

    fn deletions(plan: &rotation_core::Plan) -> Vec<&str> {
        plan.deletions().collect()
    }

    #[test]
    fn the_clone_goes_after_the_datastore_of_the_newest_kept_generation() {
        let (a, b, c) = (datastore("A"), datastore("B"), datastore("C"));
        let configured = [&a, &b, &c];
        let rotation = SlotRotation::new("zz_", "vm", 4, Mode::Compat).unwrap();
        let generations = [
            clone_on("zz_vm-01-201909010241", &a),
            clone_on("zz_vm-02-201909020241", &b),
        ];
        let names: Vec<&str> = generations.iter().map(|g| g.name.as_str()).collect();
        let plan = rotation.plan(names, "201909030241".parse().unwrap());
        assert_eq!(
            preference(&configured, &deletions(&plan), &generations),
            [2, 0, 1]
        );
        assert_eq!(preference(&configured, &[], &[]), [0, 1, 2]);
    }

    #[test]
    fn a_generation_the_plan_deletes_does_not_steer_the_choice() {
        let (a, b) = (datastore("A"), datastore("B"));
        let rotation = SlotRotation::new("zz_", "vm", 2, Mode::Safe).unwrap();
        let generations = [clone_on("zz_vm-01-201909010241", &a)];
        let plan = rotation.plan(["zz_vm-01-201909010241"], "201909020241".parse().unwrap());
        assert_eq!(plan.deletions().count(), 1);
        assert_eq!(
            preference(&[&a, &b], &deletions(&plan), &generations),
            [0, 1]
        );
    }

    #[test]
    fn room_counts_the_vm_and_the_margin_of_the_capacity() {
        let ds = datastore("A");
        let host = crate::job::inventory::HostInfo {
            moref: ManagedObjectReference::new("HostSystem", "h1"),
            name: "esx1".into(),
            compute_resource: None,
            datastores: vec![ds.moref.clone()],
            vms: 0,
        };
        let vm = clone_on("avocado2", &ds);
        // 10 GiB used + 10 % of 100 GiB <= 30 GiB free
        assert_eq!(
            unusable_because(&ds, &[&host], vm.committed_bytes, 0.1, 0),
            None
        );
        let full = unusable_because(&ds, &[&host], vm.committed_bytes, 0.5, 0).unwrap();
        assert!(
            full.contains("30.0 GiB free, but the clone needs 60.0 GiB"),
            "{full}"
        );
        // 10 GiB used + 10 % of 100 GiB > 30 GiB free - 15 GiB for the run's other clones
        let shared = unusable_because(&ds, &[&host], vm.committed_bytes, 0.1, 15 << 30).unwrap();
        assert!(
            shared.contains(
                "15.0 GiB free once the 15.0 GiB this run's other clones take there, but the \
                 clone needs 20.0 GiB"
            ),
            "{shared}"
        );
        let unmounted = crate::job::inventory::HostInfo {
            datastores: Vec::new(),
            ..host.clone()
        };
        let reason = unusable_because(&ds, &[&unmounted], vm.committed_bytes, 0.1, 0).unwrap();
        assert!(reason.contains("not mounted on host esx1"), "{reason}");
        let mut down = ds.clone();
        down.summary.accessible = false;
        assert!(
            unusable_because(&down, &[&host], vm.committed_bytes, 0.1, 0)
                .unwrap()
                .contains("not accessible")
        );
    }
}
