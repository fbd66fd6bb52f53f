//! The source's disks as a clone from a snapshot sees them.
//!
//! - An **independent** disk (`diskMode` `independent_persistent` or
//!   `independent_nonpersistent`) is not captured by the snapshot, so a clone holding it would
//!   not be point-in-time; a **physical-mode RDM** makes the snapshot fail. Both refuse the run,
//!   the disk named, unless the job says `independent_disks = "skip"`: then the clone leaves
//!   them out and the report says so.
//! - A **virtual-mode RDM** becomes a full VMDK in a clone, so the room check counts it at its
//!   full size (the VM's used storage holds only its small mapping file).
//!
//! The devices are read untyped (`config.hardware.device`, as [`Value`]s): only `VirtualDisk`
//! items count, by their backing's `diskMode` and `compatibilityMode`.

use vsphere_client::types::{Object, Value};

use crate::config::{IndependentDisks, JobConfig};
use crate::error::Error;

/// Why a disk cannot be in a clone from a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Unsnapshottable {
    /// An independent disk, with its mode.
    Independent(String),
    /// A physical-mode RDM.
    PhysicalRdm,
}

/// What a run does with the source's disks.
#[derive(Debug, Default)]
pub(crate) struct DiskPlan {
    /// The disks the clone leaves out (`independent_disks = "skip"`), as read.
    pub left_out: Vec<Value>,
    /// Bytes the clone takes beyond the VM's used storage: its virtual RDMs' full size.
    pub rdm_bytes: u64,
    /// One line per disk left out or counted at full size, for the report.
    pub warnings: Vec<String>,
}

/// Plans the disks `devices` (the source `vm`'s `config.hardware.device`) for `job`.
///
/// # Errors
/// [`Error::Preflight`] naming the first independent disk or physical RDM, unless the job
/// skips them.
pub(crate) fn plan(job: &JobConfig, vm: &str, devices: &Value) -> Result<DiskPlan, Error> {
    let mut plan = DiskPlan::default();
    for device in devices.as_array().unwrap_or_default() {
        let Value::Object(disk) = device else {
            continue;
        };
        if disk.xsi_type != "VirtualDisk" {
            continue;
        }
        let label = label(disk);
        match unsnapshottable(disk) {
            Some(why) if job.independent_disks == IndependentDisks::Refuse => {
                return Err(Error::Preflight(format!(
                    "{vm}'s {label} is {}, so a clone from a snapshot cannot hold it: set \
                     independent_disks = \"skip\" to back up {vm} without it",
                    describe(&why)
                )));
            }
            Some(why) => {
                plan.warnings.push(format!(
                    "the clone of {vm} leaves out {label} ({}): it is not in this backup",
                    describe(&why)
                ));
                plan.left_out.push(device.clone());
            }
            None if is_virtual_rdm(disk) => {
                let size = capacity(disk);
                plan.rdm_bytes = plan.rdm_bytes.saturating_add(size);
                plan.warnings.push(format!(
                    "{vm}'s {label} is a virtual-mode RDM: the clone turns it into a full disk \
                     of {}",
                    crate::bytes::Bytes(size)
                ));
            }
            None => {}
        }
    }
    Ok(plan)
}

fn describe(why: &Unsnapshottable) -> String {
    match why {
        Unsnapshottable::Independent(mode) => {
            format!("an independent disk ({mode}), which snapshots do not capture")
        }
        Unsnapshottable::PhysicalRdm => {
            "a physical-mode RDM, which cannot be snapshotted".to_owned()
        }
    }
}

fn backing(disk: &Object) -> Option<&Object> {
    match disk.get("backing") {
        Some(Value::Object(backing)) => Some(backing),
        _ => None,
    }
}

fn text<'a>(object: &'a Object, field: &str) -> Option<&'a str> {
    object.get(field).and_then(Value::as_str)
}

fn unsnapshottable(disk: &Object) -> Option<Unsnapshottable> {
    let backing = backing(disk)?;
    if text(backing, "compatibilityMode") == Some("physicalMode") {
        return Some(Unsnapshottable::PhysicalRdm);
    }
    text(backing, "diskMode")
        .filter(|mode| mode.starts_with("independent"))
        .map(|mode| Unsnapshottable::Independent(mode.to_owned()))
}

fn is_virtual_rdm(disk: &Object) -> bool {
    backing(disk).is_some_and(|backing| text(backing, "compatibilityMode") == Some("virtualMode"))
}

/// The disk's label (`Hard disk 2`), else its key.
fn label(disk: &Object) -> String {
    let label = match disk.get("deviceInfo") {
        Some(Value::Object(info)) => text(info, "label").map(str::to_owned),
        _ => None,
    };
    label.unwrap_or_else(|| format!("disk {}", number(disk.get("key")).unwrap_or(0)))
}

/// The disk's size: `capacityInBytes`, else `capacityInKB`.
fn capacity(disk: &Object) -> u64 {
    number(disk.get("capacityInBytes"))
        .or_else(|| number(disk.get("capacityInKB")).map(|kb| kb.saturating_mul(1024)))
        .unwrap_or(0)
}

/// An integer sent typed or as text.
fn number(value: Option<&Value>) -> Option<u64> {
    let value = value?;
    let number = value
        .as_i64()
        .or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()))?;
    u64::try_from(number).ok()
}

#[cfg(test)]
mod tests {
    use vsphere_client::xml::{DecodeLimits, from_slice};

    use super::*;

    /// A `config.hardware.device` value as vCenter sends it: an IDE controller, a plain disk,
    /// an independent disk, a physical and a virtual RDM.
    const DEVICES: &str = include_str!("../../../tests/data/hardware-device-rdm.xml");

    fn devices() -> Value {
        from_slice(DEVICES.as_bytes(), DecodeLimits::default()).unwrap()
    }

    fn job(independent_disks: IndependentDisks) -> JobConfig {
        JobConfig {
            independent_disks,
            ..JobConfig::new("db01", vec!["NFS_mango".into()])
        }
    }

    #[test]
    fn an_independent_disk_refuses_the_run_naming_it() {
        let error = plan(&job(IndependentDisks::Refuse), "db01", &devices()).unwrap_err();
        assert!(matches!(error, Error::Preflight(_)), "{error}");
        let message = error.to_string();
        assert!(
            message.contains("db01's Hard disk 2 is an independent disk"),
            "{message}"
        );
        assert!(message.contains("independent_persistent"), "{message}");
    }

    #[test]
    fn skipping_leaves_out_independent_disks_and_physical_rdms_and_says_so() {
        let plan = plan(&job(IndependentDisks::Skip), "db01", &devices()).unwrap();
        assert_eq!(plan.left_out.len(), 2);
        assert!(
            plan.warnings[0].contains("leaves out Hard disk 2"),
            "{:?}",
            plan.warnings
        );
        assert!(
            plan.warnings[1].contains("leaves out Hard disk 3 (a physical-mode RDM"),
            "{:?}",
            plan.warnings
        );
        // The virtual RDM counts at its full 20 GiB.
        assert_eq!(plan.rdm_bytes, 20 << 30);
        assert!(plan.warnings[2].contains("Hard disk 4 is a virtual-mode RDM"));
    }

    #[test]
    fn plain_disks_need_nothing() {
        let plain = Value::Array {
            item_type: "VirtualDevice".into(),
            items: devices().as_array().unwrap()[..2].to_vec(),
        };
        let plan = plan(&job(IndependentDisks::Refuse), "db01", &plain).unwrap();
        assert!(plan.left_out.is_empty() && plan.warnings.is_empty());
        assert_eq!(plan.rdm_bytes, 0);
    }
}
