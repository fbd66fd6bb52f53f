//! The manifest each backup run writes next to its clone, so that the datastore alone tells
//! what the clone is when vCenter is gone (see `docs/backup-job.md`, "vCenter is down").
//!
//! It is the JSON file [`FILE_NAME`] in the clone's folder on its datastore, written through
//! the datastore file interface after the clone was verified: the clone's name, its marker's
//! `extraConfig` entries and its verification record. A real host's `.vmx` carries the same
//! entries, but the simulator's does not, and reading a manifest needs no parsing of `.vmx`
//! files. Failing to write it fails the verification.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use vsphere_client::Client;
use vsphere_client::files::DatastoreFiles;
use vsphere_client::object::VirtualMachine;
use vsphere_client::types::{AnyOptionValue, ManagedObjectReference};

use super::inventory::Inventory;
use super::marker::{CloneMarker, MarkerState};
use super::verification::{Verification, VerificationState};
use crate::error::Error;

/// The manifest's file name in the clone's folder.
pub(crate) const FILE_NAME: &str = "vmrotate-manifest.json";
/// The manifest format this version writes and reads.
const FORMAT: u32 = 1;

/// The content of a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    /// The format version, [`FORMAT`].
    pub format: u32,
    /// The clone's name when the run made it.
    pub clone: String,
    /// The clone's marker, as its `extraConfig` entries (`vmrotate.source.name`, ...).
    pub marker: BTreeMap<String, String>,
    /// The clone's verification record.
    pub verification: Verification,
}

impl Manifest {
    /// The manifest of `clone` carrying `marker`, verified as `verification` says.
    pub(crate) fn new(clone: &str, marker: &CloneMarker, verification: Verification) -> Self {
        Self {
            format: FORMAT,
            clone: clone.to_owned(),
            marker: marker
                .entries()
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect(),
            verification,
        }
    }

    /// Reads a manifest from its file's content; `None` for another format or unreadable JSON.
    pub(crate) fn parse(content: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Self>(content)
            .ok()
            .filter(|manifest| manifest.format == FORMAT)
    }

    /// The marker the manifest records.
    pub(crate) fn marker_state(&self) -> MarkerState {
        let entries: Vec<AnyOptionValue> = self
            .marker
            .iter()
            .map(|(key, value)| vsphere_client::object::extra_config_entry(key, value))
            .collect();
        CloneMarker::read(&entries)
    }
}

/// The datastore and the folder of a file given by its datastore path
/// (`[datastore] folder/file.vmx`): `("datastore", "folder")`.
pub(crate) fn folder_of(datastore_path: &str) -> Option<(&str, &str)> {
    let (datastore, path) = datastore_path.strip_prefix('[')?.split_once(']')?;
    let folder = path
        .trim()
        .rsplit_once('/')
        .map_or("", |(folder, _)| folder);
    Some((datastore, folder))
}

/// Writes the manifest of the verified `clone` (after [`super::clone::verify`]): reads its
/// marker, verification record and `.vmx` path back, and puts the manifest in its folder.
/// When that fails, records the clone as failed verification (best effort) and fails.
///
/// # Errors
/// [`Error::Verify`] saying why the manifest could not be written.
pub(crate) async fn write(
    client: &Client,
    inventory: &Inventory,
    clone: &ManagedObjectReference,
    name: &str,
    run: &str,
    timeout: std::time::Duration,
) -> Result<(), Error> {
    let Err(problem) = try_write(client, inventory, clone, name).await else {
        return Ok(());
    };
    let vm = VirtualMachine::new(client.clone(), clone.clone());
    let failed = Verification {
        state: VerificationState::Failed,
        checks: Vec::new(),
        problem: Some(format!("its manifest could not be written: {problem}")),
        ..Verification::passed(run, Vec::new(), jiff::Timestamp::now())
    };
    if let Err(error) = failed.record(&vm, timeout).await {
        log::warn!("could not record the failed verification of {name}: {error}");
    }
    Err(Error::Verify(format!(
        "the new clone {name} could not be verified: its manifest {FILE_NAME} could not be \
         written ({problem}), so it could not be recovered without vCenter. Nothing was deleted; \
         the next run deletes it"
    )))
}

async fn try_write(
    client: &Client,
    inventory: &Inventory,
    clone: &ManagedObjectReference,
    name: &str,
) -> Result<(), String> {
    let details = Inventory::details(client, std::slice::from_ref(clone))
        .await
        .map_err(|error| error.to_string())?;
    let vm = details.first().ok_or("the clone disappeared")?;
    let marker = vm.valid_marker().ok_or("its marker does not read back")?;
    let verification = Verification::read(&vm.extra_config)
        .filter(|record| record.state == VerificationState::Verified)
        .ok_or("its verification record does not read back")?;
    let vmx = vm.vmx_path.as_deref().ok_or("its .vmx path is unknown")?;
    let (datastore, folder) = folder_of(vmx).ok_or_else(|| format!("cannot read {vmx}"))?;
    let datacenter = inventory
        .datacenter_holding(vm)
        .map_err(|error| error.to_string())?;
    let manifest = Manifest::new(name, marker, verification);
    // A struct of strings, numbers, times and enums always serializes.
    let json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    let path = if folder.is_empty() {
        FILE_NAME.to_owned()
    } else {
        format!("{folder}/{FILE_NAME}")
    };
    DatastoreFiles::new(client.clone(), datacenter.name.clone())
        .put(datastore, &path, json)
        .await
        .map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::marker::ClonePolicy;

    #[test]
    fn folders_come_from_datastore_paths() {
        assert_eq!(
            folder_of("[NFS durian] zz_web-01-201909250241/zz_web-01-201909250241.vmx"),
            Some(("NFS durian", "zz_web-01-201909250241"))
        );
        assert_eq!(folder_of("[ds] web.vmx"), Some(("ds", "")));
        assert_eq!(folder_of("web.vmx"), None);
    }

    #[test]
    fn manifests_round_trip_their_marker_and_record() {
        let at = "2019-09-25T02:41:00Z".parse().unwrap();
        let marker = CloneMarker {
            source_name: "web".into(),
            source_instance_uuid: "5003-ab".into(),
            created: at,
            rotation: ClonePolicy::Slot(rotation_core::Slot::new(1).unwrap()),
            prefix: "zz_".into(),
            run: "r1".into(),
            version: "0.1.0".into(),
        };
        let manifest = Manifest::new("zz_web-01", &marker, Verification::passed("r1", vec![], at));
        let json = serde_json::to_vec(&manifest).unwrap();
        let read = Manifest::parse(&json).unwrap();
        assert_eq!(read, manifest);
        assert_eq!(read.marker_state(), MarkerState::Valid(marker));
        assert_eq!(Manifest::parse(b"{\"format\":2}"), None);
    }
}
