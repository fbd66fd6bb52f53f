//! Deep verification: the clone's disks and files compared with the source as it was at the
//! run's snapshot (see `docs/backup-job.md`, "What verification proves").
//!
//! Each check has a name, recorded on the clone when it passes and named in the report when
//! it fails: `disk_count`, `disk_capacity`, `disks_on_target`, `full_clone`, `connected`,
//! `consolidated`, `vmx_on_target`.

use vsphere_client::Client;
use vsphere_client::property::retrieve_one;
use vsphere_client::types::{ManagedObjectReference, VirtualMachineConnectionState};

use super::hardware::{self, DEVICES, Disk};
use crate::error::Error;

/// What deep verification reads of a clone.
#[derive(Debug, Clone)]
pub(crate) struct CloneState {
    pub disks: Vec<Disk>,
    pub connected: bool,
    pub consolidation_needed: bool,
    pub vmx_path: Option<String>,
}

impl CloneState {
    /// Reads the state of the VM `vm` in one round trip.
    ///
    /// # Errors
    /// The call's [`Error::Vsphere`].
    pub(crate) async fn read(client: &Client, vm: &ManagedObjectReference) -> Result<Self, Error> {
        let props = retrieve_one(
            client,
            vm,
            &[
                DEVICES,
                "runtime.connectionState",
                "runtime.consolidationNeeded",
                "config.files.vmPathName",
            ],
        )
        .await?;
        let connection: Option<VirtualMachineConnectionState> =
            props.get("runtime.connectionState")?;
        Ok(Self {
            disks: hardware::disks(props.value(DEVICES)?),
            connected: connection == Some(VirtualMachineConnectionState::Connected),
            consolidation_needed: props
                .get::<bool>("runtime.consolidationNeeded")?
                .unwrap_or(false),
            vmx_path: props.get("config.files.vmPathName")?,
        })
    }
}

/// The datastore a clone must live on.
#[derive(Debug, Clone)]
pub(crate) struct Target<'a> {
    pub name: &'a str,
    pub moref: Option<&'a ManagedObjectReference>,
}

/// The outcome of the deep checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Checked {
    /// The checks that passed, by name.
    pub passed: Vec<String>,
    /// The checks that failed: name and what is wrong.
    pub failed: Vec<(String, String)>,
    /// Things to know that are no failure (a linked clone where the job makes them).
    pub notes: Vec<String>,
}

impl Checked {
    fn check(&mut self, name: &str, problem: Option<String>) {
        match problem {
            None => self.passed.push(name.to_owned()),
            Some(problem) => self.failed.push((name.to_owned(), problem)),
        }
    }

    /// The failures as one sentence: `name: problem; ...`.
    pub(crate) fn problem(&self) -> Option<String> {
        (!self.failed.is_empty()).then(|| {
            self.failed
                .iter()
                .map(|(name, problem)| format!("{name}: {problem}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

/// Compares `clone` with the source's disk capacities `expected` (the source at the run's
/// snapshot; `None` when unknown: count and capacities are not compared) and its `target`
/// datastore. A disk with a parent elsewhere makes the clone a linked clone: a failure,
/// unless `linked` (the job makes linked clones), then a note.
pub(crate) fn check(
    clone: &CloneState,
    expected: Option<&[u64]>,
    target: &Target<'_>,
    linked: bool,
) -> Checked {
    let mut checked = Checked::default();
    if let Some(expected) = expected {
        let count = clone.disks.len();
        checked.check(
            "disk_count",
            (count != expected.len()).then(|| {
                format!(
                    "it has {count} virtual disk(s), the source had {}",
                    expected.len()
                )
            }),
        );
        let wrong: Vec<String> = clone
            .disks
            .iter()
            .zip(expected)
            .filter(|(disk, capacity)| disk.capacity_bytes != **capacity)
            .map(|(disk, capacity)| {
                format!(
                    "{} holds {} bytes, the source's {capacity}",
                    disk.label, disk.capacity_bytes
                )
            })
            .collect();
        checked.check(
            "disk_capacity",
            (!wrong.is_empty()).then(|| wrong.join(", ")),
        );
    }
    let elsewhere: Vec<String> = clone
        .disks
        .iter()
        .filter(|disk| !on_target(&disk.file, disk.datastore.as_ref(), target))
        .map(|disk| format!("{} is {}", disk.label, disk.file))
        .collect();
    checked.check(
        "disks_on_target",
        (!elsewhere.is_empty()).then(|| {
            format!(
                "not every disk is on {}: {}",
                target.name,
                elsewhere.join(", ")
            )
        }),
    );
    let parents: Vec<String> = clone
        .disks
        .iter()
        .filter_map(|disk| {
            let parent = disk.parent.as_deref()?;
            (!on_target(parent, None, target)).then(|| format!("{} on {parent}", disk.label))
        })
        .collect();
    if !parents.is_empty() {
        let linked_clone = format!(
            "it is a linked clone: its disks depend on production storage ({})",
            parents.join(", ")
        );
        if linked {
            checked.notes.push(linked_clone);
        } else {
            checked.failed.push(("full_clone".to_owned(), linked_clone));
        }
    } else {
        checked.passed.push("full_clone".to_owned());
    }
    checked.check(
        "connected",
        (!clone.connected).then(|| "vCenter cannot reach it (not connected)".to_owned()),
    );
    checked.check(
        "consolidated",
        clone
            .consolidation_needed
            .then(|| "its disks need consolidation".to_owned()),
    );
    checked.check(
        "vmx_on_target",
        match clone.vmx_path.as_deref() {
            None => Some("it has no configuration file".to_owned()),
            Some(path) if !on_target(path, None, target) => {
                Some(format!("its configuration file is {path}"))
            }
            Some(_) => None,
        },
    );
    checked
}

/// Whether `file` (`[datastore] path`) is on `target`: by the datastore the server names when
/// it does, else by the name in brackets.
fn on_target(file: &str, datastore: Option<&ManagedObjectReference>, target: &Target<'_>) -> bool {
    match (datastore, target.moref) {
        (Some(datastore), Some(moref)) => datastore == moref,
        _ => Disk::datastore_name(file) == Some(target.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(file: &str, bytes: u64, parent: Option<&str>) -> Disk {
        Disk {
            label: "Hard disk 1".into(),
            capacity_bytes: bytes,
            file: file.into(),
            datastore: None,
            parent: parent.map(str::to_owned),
        }
    }

    fn clone(disks: Vec<Disk>) -> CloneState {
        CloneState {
            disks,
            connected: true,
            consolidation_needed: false,
            vmx_path: Some("[NFS_durian] c/c.vmx".into()),
        }
    }

    const TARGET: Target<'static> = Target {
        name: "NFS_durian",
        moref: None,
    };

    fn failed(checked: &Checked) -> Vec<&str> {
        checked
            .failed
            .iter()
            .map(|(name, _)| name.as_str())
            .collect()
    }

    #[test]
    fn a_faithful_full_clone_passes_every_check() {
        let checked = check(
            &clone(vec![disk("[NFS_durian] c/c.vmdk", 1 << 20, None)]),
            Some(&[1 << 20]),
            &TARGET,
            false,
        );
        assert_eq!(checked.failed, Vec::new());
        assert_eq!(checked.passed.len(), 7, "{:?}", checked.passed);
    }

    #[test]
    fn each_failure_is_named() {
        let mut state = clone(vec![disk(
            "[LocalDS_0] c/c.vmdk",
            1 << 10,
            Some("[LocalDS_0] src/src.vmdk"),
        )]);
        state.connected = false;
        state.consolidation_needed = true;
        state.vmx_path = Some("[LocalDS_0] c/c.vmx".into());
        let checked = check(&state, Some(&[1 << 20, 1 << 20]), &TARGET, false);
        assert_eq!(
            failed(&checked),
            [
                "disk_count",
                "disk_capacity",
                "disks_on_target",
                "full_clone",
                "connected",
                "consolidated",
                "vmx_on_target"
            ]
        );
        assert!(checked.problem().unwrap().contains("linked clone"));
    }

    #[test]
    fn a_linked_job_notes_its_linked_clone() {
        let state = clone(vec![disk(
            "[NFS_durian] c/c.vmdk",
            1 << 20,
            Some("[LocalDS_0] src/src.vmdk"),
        )]);
        let checked = check(&state, None, &TARGET, true);
        assert_eq!(checked.failed, Vec::new());
        assert_eq!(checked.notes.len(), 1);
    }
}
