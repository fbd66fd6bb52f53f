//! Finding generations on datastores without vCenter: the host's inventory, a datastore browser
//! search for `.vmx` files, then each clone's manifest, else its `.vmx` lines.

use jiff::Timestamp;
use serde::Serialize;
use vsphere_client::Client;
use vsphere_client::files::DatastoreFiles;
use vsphere_client::property::{ObjectProps, ViewQuery};
use vsphere_client::task::Task;
use vsphere_client::types::{AnyOptionValue, ManagedObjectReference, Object, Value};

use super::STEP_TIMEOUT;
use crate::error::Error;
use crate::job::inventory::list;
use crate::job::manifest::{self, Manifest};
use crate::job::marker::{CloneMarker, MarkerState};
use crate::job::returned_ref;
use crate::job::verification::{Verification, VerificationState};

/// What a `.vmx` found on a datastore is, as the datastore tells without vCenter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FoundState {
    /// A vmrotate clone whose verification passed: a generation recovery may use.
    Verified,
    /// A vmrotate clone no run verified (e.g. a killed run's): never used.
    Unverified,
    /// A vmrotate clone whose verification failed: never used.
    Failed,
    /// No manifest and no marker: not known to be a backup, whatever its name; never used.
    Unknown,
}

/// Where a found clone's identity was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// Its manifest (`vmrotate-manifest.json` in its folder).
    Manifest,
    /// The marker lines of its `.vmx`.
    Vmx,
    /// Neither.
    None,
}

/// A `.vmx` found on a datastore, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundGeneration {
    /// Its datastore path, e.g. `[NFS_durian] zz_web-01-201909250241/zz_web-01-201909250241.vmx`.
    pub vmx: String,
    /// Its datastore.
    pub datastore: String,
    /// The clone's own name (its `.vmx` file name without the extension).
    pub clone: String,
    /// The backed-up VM's name, from the marker.
    pub source: Option<String>,
    /// When the backup was taken, from the marker.
    pub created: Option<Timestamp>,
    /// Whether it can be used.
    pub state: FoundState,
    /// Where that was read.
    pub evidence: Evidence,
    /// Its virtual hardware version (`vmx-19`), when its `.vmx` says.
    pub hardware_version: Option<String>,
    /// Whether a VM on the host is registered from this `.vmx`.
    pub registered: bool,
}

impl FoundGeneration {
    /// `zz_web-01-... (verified, 2019-09-25T02:41:00Z)`: for messages and listings.
    pub fn describe(&self) -> String {
        let state = match (self.state, self.evidence) {
            (FoundState::Unknown, _) => "unknown: no manifest or marker".to_owned(),
            (state, _) => format!("{state:?}").to_lowercase(),
        };
        match &self.created {
            Some(created) => format!("{} ({state}, {created})", self.clone),
            None => format!("{} ({state})", self.clone),
        }
    }
}

/// The host (or vCenter) as recovery sees it: datastores, VMs, the datacenter and its first
/// host.
pub(crate) struct HostView {
    pub datacenter: String,
    pub vm_folder: ManagedObjectReference,
    pub host: ManagedObjectReference,
    pub host_name: String,
    pub compute_resource: Option<ManagedObjectReference>,
    pub pools: Vec<(ManagedObjectReference, Option<ManagedObjectReference>)>,
    /// `(name, browser)` of each datastore.
    pub datastores: Vec<(String, Option<ManagedObjectReference>)>,
    /// `(name, .vmx path)` of each registered VM.
    pub vms: Vec<(String, Option<String>)>,
}

impl HostView {
    /// Reads it with one container view.
    ///
    /// # Errors
    /// The calls' [`Error::Vsphere`]; [`Error::Preflight`] when the server has no datacenter
    /// or no host.
    pub(crate) async fn read(client: &Client) -> Result<Self, Error> {
        let root = client.service_content().root_folder.clone();
        let objects = ViewQuery::new(root, "VirtualMachine", &["name", "config.files.vmPathName"])
            .and_type("Datacenter", &["name", "vmFolder"])
            .and_type("Datastore", &["name", "browser"])
            .and_type("HostSystem", &["name", "parent"])
            .and_type("ResourcePool", &["parent"])
            .retrieve(client)
            .await?;
        let mut datacenter = None;
        let mut host = None;
        let (mut datastores, mut vms, mut pools) = (Vec::new(), Vec::new(), Vec::new());
        for props in &objects {
            match props.obj.r#type.as_str() {
                "VirtualMachine" => {
                    vms.push((
                        props.name()?.to_owned(),
                        props.get("config.files.vmPathName")?,
                    ));
                }
                "Datacenter" if datacenter.is_none() => {
                    let folder: ManagedObjectReference = props.require("vmFolder")?;
                    datacenter = Some((props.name()?.to_owned(), folder));
                }
                "Datastore" => datastores.push((props.name()?.to_owned(), props.get("browser")?)),
                "HostSystem" if host.is_none() => host = Some(host_of(props)?),
                "ResourcePool" => pools.push((props.obj.clone(), props.get("parent")?)),
                _ => {}
            }
        }
        let (Some((datacenter, vm_folder)), Some((host, host_name, compute_resource))) =
            (datacenter, host)
        else {
            return Err(Error::Preflight(
                "the server shows no datacenter or no host: connect to the ESXi host itself".into(),
            ));
        };
        Ok(Self {
            datacenter,
            vm_folder,
            host,
            host_name,
            compute_resource,
            pools,
            datastores,
            vms,
        })
    }

    /// The host's root resource pool.
    pub(crate) fn root_pool(&self) -> Option<&ManagedObjectReference> {
        self.pools
            .iter()
            .find(|(_, parent)| {
                parent.is_some() && parent.as_ref() == self.compute_resource.as_ref()
            })
            .map(|(pool, _)| pool)
    }

    /// Whether a VM named `name` is registered.
    pub(crate) fn has_vm_named(&self, name: &str) -> bool {
        self.vms.iter().any(|(vm, _)| vm == name)
    }

    /// Whether a VM is registered from the `.vmx` at `path`.
    fn has_vmx(&self, path: &str) -> bool {
        self.vms
            .iter()
            .filter_map(|(_, vmx)| vmx.as_deref())
            .any(|vmx| normalize(vmx) == normalize(path))
    }
}

fn host_of(
    props: &ObjectProps,
) -> Result<
    (
        ManagedObjectReference,
        String,
        Option<ManagedObjectReference>,
    ),
    Error,
> {
    Ok((
        props.obj.clone(),
        props.name()?.to_owned(),
        props.get("parent")?,
    ))
}

/// A datastore path without the blank after `]` and with single slashes, to compare.
fn normalize(path: &str) -> String {
    path.replace("] ", "]").replace("]/", "]")
}

/// Every `.vmx` on `datastores` and what it is, newest first (those without a time last);
/// only those whose marker names `vm` when given (plus the unknown ones, which might be).
///
/// # Errors
/// [`Error::NotFound`] for a datastore the host does not have; the calls' errors.
pub(crate) async fn find(
    client: &Client,
    view: &HostView,
    datastores: &[String],
    vm: Option<&str>,
) -> Result<Vec<FoundGeneration>, Error> {
    if datastores.is_empty() {
        return Err(Error::Config(
            "name the datastores to search: --datastore NAME (repeatable)".into(),
        ));
    }
    let files = DatastoreFiles::new(client.clone(), view.datacenter.clone());
    let mut found = Vec::new();
    for name in datastores {
        let browser = view
            .datastores
            .iter()
            .find(|(datastore, _)| datastore == name)
            .and_then(|(_, browser)| browser.clone())
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "host {} has no datastore named \"{name}\" (datastores: {}): check the name, \
                     or mount it on the host",
                    view.host_name,
                    list(view.datastores.iter().map(|(name, _)| name.as_str()))
                ))
            })?;
        for (folder, file) in search_vmx(client, &browser, name).await? {
            let mut generation = read_one(&files, name, &folder, &file).await?;
            generation.registered = view.has_vmx(&generation.vmx);
            found.push(generation);
        }
    }
    found.retain(|generation| match (vm, &generation.source) {
        (Some(vm), Some(source)) => source == vm,
        _ => true,
    });
    found.sort_by_key(|generation| std::cmp::Reverse(generation.created));
    Ok(found)
}

/// `(folder, file)` of every `.vmx` on the datastore `name` (`SearchDatastoreSubFolders_Task`).
async fn search_vmx(
    client: &Client,
    browser: &ManagedObjectReference,
    name: &str,
) -> Result<Vec<(String, String)>, Error> {
    let spec = Value::Object(Object {
        xsi_type: "HostDatastoreBrowserSearchSpec".into(),
        fields: vec![("matchPattern".into(), Value::String("*.vmx".into()))],
    });
    let task = client
        .invoke(
            "SearchDatastoreSubFolders_Task",
            browser,
            &[
                ("datastorePath", Value::String(format!("[{name}]"))),
                ("searchSpec", spec),
            ],
        )
        .await
        .map_err(|error| Error::from(error).during(|| format!("searching {name}")))?;
    let task = returned_ref("SearchDatastoreSubFolders_Task", task)?;
    let result = Task::new(client.clone(), task)
        .wait(STEP_TIMEOUT, |_| {})
        .await
        .map_err(|error| Error::from(error).during(|| format!("searching {name}")))?;
    let mut found = Vec::new();
    let results = match &result {
        Value::Array { items, .. } => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    for folder in results {
        let Value::Object(folder) = folder else {
            continue;
        };
        let path = text(folder, "folderPath").unwrap_or_default();
        // "[ds] a/b/" on ESXi, "[ds]/a/b" on the simulator.
        let relative = path
            .split_once(']')
            .map_or(path, |(_, rest)| rest)
            .trim()
            .trim_matches('/');
        for file in folder.get_all("file") {
            if let Value::Object(file) = file
                && let Some(file) = text(file, "path")
                && file.ends_with(".vmx")
            {
                found.push((relative.to_owned(), file.to_owned()));
            }
        }
    }
    Ok(found)
}

fn text<'a>(object: &'a Object, field: &str) -> Option<&'a str> {
    object.get(field).and_then(Value::as_str)
}

/// What the `.vmx` `file` in `folder` on `datastore` is: its manifest first, else its lines.
async fn read_one(
    files: &DatastoreFiles,
    datastore: &str,
    folder: &str,
    file: &str,
) -> Result<FoundGeneration, Error> {
    let join = |name: &str| match folder {
        "" => name.to_owned(),
        folder => format!("{folder}/{name}"),
    };
    let vmx_lines = files.get(datastore, &join(file)).await?.unwrap_or_default();
    let lines = vmx_entries(&String::from_utf8_lossy(&vmx_lines));
    let manifest = files
        .get(datastore, &join(manifest::FILE_NAME))
        .await?
        .as_deref()
        .and_then(Manifest::parse);
    let (marker, verification, evidence) = match manifest {
        Some(manifest) => (
            manifest.marker_state(),
            Some(manifest.verification.state),
            Evidence::Manifest,
        ),
        None => match CloneMarker::read(&lines) {
            MarkerState::Valid(marker) => (
                MarkerState::Valid(marker),
                Verification::read(&lines).map(|record| record.state),
                Evidence::Vmx,
            ),
            other => (other, None, Evidence::None),
        },
    };
    let (state, source, created) = match marker {
        MarkerState::Valid(marker) => (
            match verification {
                Some(VerificationState::Verified) => FoundState::Verified,
                Some(VerificationState::Failed) => FoundState::Failed,
                Some(VerificationState::Unverified) | None => FoundState::Unverified,
            },
            Some(marker.source_name),
            Some(marker.created),
        ),
        MarkerState::Absent | MarkerState::Damaged(_) => (FoundState::Unknown, None, None),
    };
    let hardware_version = lines.iter().find_map(|entry| match entry {
        AnyOptionValue::OptionValue(option)
            if option.key.eq_ignore_ascii_case("virtualHW.version") =>
        {
            option
                .value
                .as_ref()
                .and_then(Value::as_str)
                .map(|v| format!("vmx-{v}"))
        }
        _ => None,
    });
    Ok(FoundGeneration {
        vmx: format!("[{datastore}] {}", join(file)),
        datastore: datastore.to_owned(),
        clone: file.trim_end_matches(".vmx").to_owned(),
        source,
        created,
        state,
        evidence: if state == FoundState::Unknown {
            Evidence::None
        } else {
            evidence
        },
        hardware_version,
        registered: false,
    })
}

/// The `key = "value"` lines of a `.vmx` as `extraConfig` entries (the quotes' escapes `|22`
/// and `|7C` undone).
pub(crate) fn vmx_entries(vmx: &str) -> Vec<AnyOptionValue> {
    vmx.lines()
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            let value = value.trim().strip_prefix('"')?.strip_suffix('"')?;
            let value = value
                .replace("|22", "\"")
                .replace("|7C", "|")
                .replace("|7c", "|");
            Some(vsphere_client::object::extra_config_entry(
                key.trim(),
                &value,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vmx_lines_read_as_entries_with_their_escapes_undone() {
        let vmx = "config.version = \"8\"\nvirtualHW.version = \"19\"\n\
                   vmrotate.verification = \"{|22state|22:|22verified|22}\"\n# comment\n";
        let entries = vmx_entries(vmx);
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[2],
            vsphere_client::object::extra_config_entry(
                "vmrotate.verification",
                "{\"state\":\"verified\"}"
            )
        );
    }

    #[test]
    fn datastore_paths_compare_without_the_blank() {
        assert_eq!(normalize("[ds] a/a.vmx"), normalize("[ds]a/a.vmx"));
        assert_eq!(normalize("[ds]/a/a.vmx"), normalize("[ds] a/a.vmx"));
    }
}
