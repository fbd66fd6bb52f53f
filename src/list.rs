//! Listing the backups in vCenter: the generations of each VM and what looks wrong.

use std::collections::BTreeSet;
use std::fmt;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rotation_core::{CloneName, Existing, Finding, Mode, Slot, SlotRotation, Stamp};
use serde::{Serialize, Serializer};
use vsphere_client::Client;

use crate::error::Error;
use crate::job::inventory::{Entity, Inventory, VmDetails};
use crate::job::lock::run_snapshots;
use crate::job::marker::MarkerState;
use crate::job::verification::{Verification, VerificationState};
use crate::job::{PowerState, RetentionCloneName};

/// The backups of one VM.
#[derive(Debug, Clone, Serialize)]
pub struct VmBackups {
    /// The VM (the key in its clones' names).
    pub vm: String,
    /// Whether a VM of that name exists now.
    pub exists: bool,
    /// Its generations, oldest first.
    pub generations: Vec<Generation>,
    /// What the rotation policy notices about them: duplicate slots, names that look like
    /// clones but do not parse, stamps in the future. Each serializes with a `message`.
    #[serde(serialize_with = "with_messages")]
    pub findings: Vec<Finding>,
    /// What else looks wrong. Each serializes with a `message`.
    #[serde(serialize_with = "with_messages")]
    pub anomalies: Vec<Anomaly>,
}

/// One backup generation: a slot clone named `<prefix><vm>-<NN>-<yyyyMMddHHmm>` or a retention
/// clone named `<prefix><vm>-r-<yyyyMMdd>T<HHmmss>Z`.
#[derive(Debug, Clone, Serialize)]
pub struct Generation {
    /// The clone's name.
    pub name: String,
    /// Its rotation slot; `None` for a retention clone, which a retention policy rotates.
    pub slot: Option<Slot>,
    /// The time in its name, to the minute: in the zone the job used for a slot clone, in UTC
    /// for a retention clone.
    pub stamp: Stamp,
    /// When it was taken, exactly, from its marker; `None` without one.
    pub created: Option<Timestamp>,
    /// The datastores holding it, comma-separated.
    pub datastore: String,
    /// The storage it uses, in bytes.
    pub size_bytes: u64,
    /// Whether it runs.
    pub power_state: PowerState,
    /// Whether it carries vmrotate's marker (safe mode only rotates marked clones).
    pub marked: bool,
    /// Whether a run verified it: only verified clones count as generations in safe mode; a
    /// run verifies or deletes the others.
    pub state: VerificationState,
    /// Its last verification record, if any: level, time, checks, what failed.
    pub verification: Option<Verification>,
}

/// Something about a VM's backups that needs a look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Anomaly {
    /// A clone without vmrotate's marker: made by the original script or by hand; safe mode
    /// never deletes it.
    Unmarked {
        /// The clone.
        name: String,
    },
    /// A clone whose marker cannot be read; safe mode never deletes it.
    DamagedMarker {
        /// The clone.
        name: String,
        /// What is wrong with the marker.
        problem: String,
    },
    /// A clone whose marker names another VM of the same name (another instance UUID), e.g.
    /// one that was deleted and recreated; safe mode never deletes it.
    OtherSource {
        /// The clone.
        name: String,
        /// The instance UUID its marker names.
        source_instance_uuid: String,
    },
    /// A backup that is powered on: a restore in progress? Runs do not delete it without
    /// `force`.
    PoweredOn {
        /// The clone.
        name: String,
    },
    /// A vmrotate run's snapshot on the VM: a run in progress, or one that crashed (the next
    /// run removes it once stale).
    RunSnapshot {
        /// The snapshot's name.
        snapshot: String,
        /// The host that runs (or ran) it.
        host: String,
        /// Its process id there.
        pid: u32,
        /// When vCenter made the snapshot.
        created: Timestamp,
    },
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Anomaly::Unmarked { name } => write!(
                f,
                "{name} has no vmrotate marker (made by the original script or by hand): safe \
                 mode never deletes it"
            ),
            Anomaly::DamagedMarker { name, problem } => write!(
                f,
                "{name} has a damaged vmrotate marker ({problem}): safe mode never deletes it"
            ),
            Anomaly::OtherSource {
                name,
                source_instance_uuid,
            } => write!(
                f,
                "{name} is the backup of another VM of this name (instance UUID \
                 {source_instance_uuid}): safe mode never deletes it; delete it by hand if no \
                 longer needed"
            ),
            Anomaly::PoweredOn { name } => write!(
                f,
                "{name} is powered on (a restore in progress?): runs do not delete it without \
                 `force`"
            ),
            Anomaly::RunSnapshot {
                snapshot,
                host,
                pid,
                created,
            } => write!(
                f,
                "the snapshot \"{snapshot}\" (host {host}, pid {pid}, made {created}) belongs to \
                 a vmrotate run in progress or crashed: a crashed run's snapshot is removed by \
                 the next run once stale"
            ),
        }
    }
}

/// Lists the backups (slot clones named `<prefix><vm>-<NN>-<yyyyMMddHHmm>` and retention clones
/// named `<prefix><vm>-r-<yyyyMMdd>T<HHmmss>Z`) of the VMs `vms`, or of every VM that has some
/// when `vms` is empty, in a constant number of round trips.
///
/// ```no_run
/// # async fn demo(client: &vmrotate::vsphere_client::Client) -> Result<(), vmrotate::Error> {
/// for vm in vmrotate::list_backups(client, &["avocado2".to_owned()], "zz_").await? {
///     for generation in &vm.generations {
///         let slot = generation.slot.map_or("retention".to_owned(), |slot| slot.to_string());
///         println!("{} ({slot}) on {}", generation.name, generation.datastore);
///     }
///     for anomaly in &vm.anomalies {
///         println!("! {anomaly}");
///     }
/// }
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`Error::NotFound`] for a VM of `vms` that neither exists nor has backups; the calls'
/// [`Error::Vsphere`].
pub async fn list_backups(
    client: &Client,
    vms: &[String],
    prefix: &str,
) -> Result<Vec<VmBackups>, Error> {
    let inventory = Inventory::read(client).await?;
    let keys: BTreeSet<String> = if vms.is_empty() {
        inventory
            .vms
            .iter()
            .filter_map(|vm| ListedName::parse(prefix, &vm.name))
            .map(|clone| clone.key)
            .collect()
    } else {
        vms.iter().cloned().collect()
    };
    let wanted: Vec<_> = inventory
        .vms
        .iter()
        .filter(|vm| {
            keys.contains(&vm.name)
                || ListedName::parse(prefix, &vm.name)
                    .is_some_and(|clone| keys.contains(&clone.key))
        })
        .map(|vm| vm.moref.clone())
        .collect();
    let details = Inventory::details(client, &wanted).await?;
    let now = newest_stamp_now();
    let mut listed = Vec::new();
    for key in &keys {
        let backups = backups_of(&inventory, &details, prefix, key, now);
        if !backups.exists && backups.generations.is_empty() && !vms.is_empty() {
            return Err(Error::NotFound(format!(
                "no VM is named \"{key}\" and no clone is named {prefix}{key}-NN-yyyyMMddHHmm \
                 or {prefix}{key}-r-yyyyMMddTHHmmssZ: check the name and the clone prefix"
            )));
        }
        listed.push(backups);
    }
    Ok(listed)
}

/// What a clone's name says, whichever scheme made it.
struct ListedName {
    /// The key naming the cloned VM.
    key: String,
    /// The slot of a slot clone; `None` for a retention clone.
    slot: Option<Slot>,
    /// The time in the name, to the minute.
    stamp: Stamp,
}

impl ListedName {
    /// Parses `name` as a slot or retention clone name with `prefix`; `None` for other names.
    fn parse(prefix: &str, name: &str) -> Option<Self> {
        if let Ok(clone) = CloneName::parse(prefix, name) {
            return Some(Self {
                key: clone.key().to_owned(),
                slot: Some(clone.slot()),
                stamp: clone.stamp(),
            });
        }
        let clone = RetentionCloneName::parse(prefix, name)?;
        let stamp = Stamp::from_datetime(TimeZone::UTC.to_datetime(clone.taken())).ok()?;
        Some(Self {
            key: clone.key().to_owned(),
            slot: None,
            stamp,
        })
    }
}

/// The backups of the VM `key`, from the details of the VMs read.
fn backups_of(
    inventory: &Inventory,
    details: &[VmDetails],
    prefix: &str,
    key: &str,
    now: Option<Stamp>,
) -> VmBackups {
    let source = details.iter().find(|vm| vm.name == key);
    let mut clones: Vec<(&VmDetails, ListedName)> = details
        .iter()
        .filter_map(|vm| {
            let clone = ListedName::parse(prefix, &vm.name)?;
            (clone.key == key).then_some((vm, clone))
        })
        .collect();
    clones.sort_by_key(|(vm, clone)| (clone.stamp, vm.valid_marker().map(|marker| marker.created)));
    let mut anomalies = Vec::new();
    let generations = clones
        .iter()
        .map(|(vm, clone)| {
            anomalies.extend(anomalies_of(vm, source));
            Generation {
                name: vm.name.clone(),
                slot: clone.slot,
                stamp: clone.stamp,
                created: vm.valid_marker().map(|marker| marker.created),
                datastore: inventory.datastore_names(&vm.datastores),
                size_bytes: vm.committed_bytes,
                power_state: vm.power_state.clone(),
                marked: vm.valid_marker().is_some(),
                state: Verification::state_of(&vm.extra_config),
                verification: Verification::read(&vm.extra_config),
            }
        })
        .collect();
    anomalies.extend(
        run_snapshots(source.and_then(|vm| vm.snapshots.as_ref()))
            .into_iter()
            .map(|snapshot| Anomaly::RunSnapshot {
                snapshot: snapshot.name,
                host: snapshot.marker.holder.host,
                pid: snapshot.marker.holder.pid,
                created: snapshot.created,
            }),
    );
    VmBackups {
        vm: key.to_owned(),
        exists: inventory.has_vm_named(key),
        generations,
        findings: findings(&inventory.vms, prefix, key, now),
        anomalies,
    }
}

/// What is wrong with the clone `vm` of `source`.
fn anomalies_of(vm: &VmDetails, source: Option<&VmDetails>) -> Vec<Anomaly> {
    let name = vm.name.clone();
    let mut found = Vec::new();
    match &vm.marker {
        MarkerState::Absent => found.push(Anomaly::Unmarked { name: name.clone() }),
        MarkerState::Damaged(problem) => found.push(Anomaly::DamagedMarker {
            name: name.clone(),
            problem: problem.clone(),
        }),
        MarkerState::Valid(marker) => {
            let source_uuid = source.and_then(|source| source.instance_uuid.as_deref());
            if source_uuid.is_some_and(|uuid| !marker.is_backup_of(uuid)) {
                found.push(Anomaly::OtherSource {
                    name: name.clone(),
                    source_instance_uuid: marker.source_instance_uuid.clone(),
                });
            }
        }
    }
    if vm.power_state == PowerState::PoweredOn {
        found.push(Anomaly::PoweredOn { name });
    }
    found
}

/// The rotation policy's findings about `key`'s clones that hold whatever the slots: duplicate
/// slots, unparsable look-alikes, stamps after `now`.
fn findings(vms: &[Entity], prefix: &str, key: &str, now: Option<Stamp>) -> Vec<Finding> {
    let rotation = SlotRotation::new(prefix, key, Slot::MAX, Mode::Safe);
    let (Ok(rotation), Some(now)) = (rotation, now) else {
        return Vec::new();
    };
    let base = format!("{prefix}{key}");
    let existing = vms
        .iter()
        .filter(|vm| {
            vm.name.starts_with(&base) && RetentionCloneName::parse(prefix, &vm.name).is_none()
        })
        .map(|vm| Existing::from(vm.name.as_str()));
    rotation
        .plan(existing, now)
        .findings
        .into_iter()
        .filter(|finding| {
            matches!(
                finding,
                Finding::DuplicateSlot { .. }
                    | Finding::UnparsableName { .. }
                    | Finding::StampInFuture { .. }
            )
        })
        .collect()
}

/// The later of now's local and UTC stamps: a clone stamped after both is in the future
/// whichever zone its job used.
fn newest_stamp_now() -> Option<Stamp> {
    let now = Timestamp::now();
    [TimeZone::system(), TimeZone::UTC]
        .iter()
        .filter_map(|zone| Stamp::from_datetime(zone.to_datetime(now)).ok())
        .max()
}

/// Serializes displayable items as their fields plus a `message`.
fn with_messages<T, S>(items: &[T], serializer: S) -> Result<S::Ok, S::Error>
where
    T: Serialize + fmt::Display,
    S: Serializer,
{
    #[derive(Serialize)]
    struct WithMessage<'a, T> {
        #[serde(flatten)]
        item: &'a T,
        message: String,
    }
    serializer.collect_seq(items.iter().map(|item| WithMessage {
        item,
        message: item.to_string(),
    }))
}
