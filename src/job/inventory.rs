//! The inventory as a run sees it, read in a constant number of round trips whatever its size.
//!
//! [`Inventory::read`] makes one container view over the root folder holding VMs, folders,
//! datacenters, datastores, hosts and resource pools, and reads the few properties a run needs
//! of each with one `RetrievePropertiesEx` (plus one per further page). Only the source VM and
//! the VMs whose names look like its clones get a second look: [`Inventory::details`] reads
//! their configuration, snapshots, marker and placement with one more `RetrievePropertiesEx`.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;
use vsphere_client::Client;
use vsphere_client::property::{ObjectProps, ViewQuery, retrieve_objects};
use vsphere_client::types::{
    AnyOptionValue, DatastoreSummary, ManagedObjectReference, Value, VirtualMachineConnectionState,
    VirtualMachinePowerState, VirtualMachineSnapshotInfo,
};

use super::marker::{CloneMarker, MarkerState};
use crate::config::VmMatch;
use crate::error::Error;

/// The properties of a VM that runs, lists and restores look at.
const VM_DETAILS: [&str; 13] = [
    "name",
    "config.instanceUuid",
    "config.extraConfig",
    "config.files.vmPathName",
    "snapshot",
    "runtime.powerState",
    "runtime.connectionState",
    "runtime.host",
    "summary.storage.committed",
    "datastore",
    "parent",
    "resourcePool",
    "config.hardware.device",
];

/// A managed entity and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entity {
    pub moref: ManagedObjectReference,
    pub name: String,
}

/// A datastore and its summary (capacity, free space, accessibility).
#[derive(Debug, Clone)]
pub(crate) struct DatastoreInfo {
    pub moref: ManagedObjectReference,
    pub name: String,
    pub summary: DatastoreSummary,
}

/// A host, its cluster or standalone compute resource, and the datastores it mounts.
#[derive(Debug, Clone)]
pub(crate) struct HostInfo {
    pub moref: ManagedObjectReference,
    pub name: String,
    pub compute_resource: Option<ManagedObjectReference>,
    pub datastores: Vec<ManagedObjectReference>,
    /// How many VMs are registered on it.
    pub vms: usize,
}

/// A resource pool, the compute resource owning it, and its parent (the compute resource
/// itself for a root pool).
#[derive(Debug, Clone)]
pub(crate) struct PoolInfo {
    pub moref: ManagedObjectReference,
    pub name: String,
    pub owner: Option<ManagedObjectReference>,
    pub parent: Option<ManagedObjectReference>,
}

#[derive(Debug, Clone)]
struct FolderInfo {
    name: String,
    parent: Option<ManagedObjectReference>,
}

/// A datacenter's name and VM folder.
#[derive(Debug, Clone)]
pub(crate) struct DatacenterInfo {
    pub name: String,
    pub vm_folder: ManagedObjectReference,
}

/// Whether a VM runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerState {
    /// Powered off.
    PoweredOff,
    /// Powered on.
    PoweredOn,
    /// Suspended.
    Suspended,
    /// Not reported (e.g. the VM's host is disconnected), or a state this version does not know.
    Unknown,
}

impl From<VirtualMachinePowerState> for PowerState {
    fn from(state: VirtualMachinePowerState) -> Self {
        match state {
            VirtualMachinePowerState::PoweredOff => PowerState::PoweredOff,
            VirtualMachinePowerState::PoweredOn => PowerState::PoweredOn,
            VirtualMachinePowerState::Suspended => PowerState::Suspended,
            // `Unrecognized`, and the states of a newer vim25 (the enum is non-exhaustive).
            _ => PowerState::Unknown,
        }
    }
}

impl fmt::Display for PowerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PowerState::PoweredOff => "off",
            PowerState::PoweredOn => "on",
            PowerState::Suspended => "suspended",
            PowerState::Unknown => "unknown",
        })
    }
}

/// What a run needs to know of one VM.
#[derive(Debug, Clone)]
pub(crate) struct VmDetails {
    pub moref: ManagedObjectReference,
    pub name: String,
    pub instance_uuid: Option<String>,
    pub extra_config: Vec<AnyOptionValue>,
    pub marker: MarkerState,
    pub vmx_path: Option<String>,
    pub snapshots: Option<VirtualMachineSnapshotInfo>,
    pub power_state: PowerState,
    /// Whether vCenter reaches it (`runtime.connectionState` connected).
    pub connected: bool,
    pub host: Option<ManagedObjectReference>,
    pub committed_bytes: u64,
    pub datastores: Vec<ManagedObjectReference>,
    pub parent: Option<ManagedObjectReference>,
    pub pool: Option<ManagedObjectReference>,
    /// `config.hardware.device`, untyped: the preflight looks at the disks' backings.
    pub devices: Value,
}

impl VmDetails {
    fn from_props(props: &ObjectProps) -> Result<Self, Error> {
        let extra_config: Vec<AnyOptionValue> =
            props.get("config.extraConfig")?.unwrap_or_default();
        let power_state: Option<VirtualMachinePowerState> = props.get("runtime.powerState")?;
        let committed: Option<i64> = props.get("summary.storage.committed")?;
        let connection: Option<VirtualMachineConnectionState> =
            props.get("runtime.connectionState")?;
        Ok(Self {
            moref: props.obj.clone(),
            name: props.name()?.to_owned(),
            instance_uuid: props.get("config.instanceUuid")?,
            marker: CloneMarker::read(&extra_config),
            extra_config,
            vmx_path: props.get("config.files.vmPathName")?,
            snapshots: props.get("snapshot")?,
            power_state: power_state.map_or(PowerState::Unknown, PowerState::from),
            connected: connection == Some(VirtualMachineConnectionState::Connected),
            host: props.get("runtime.host")?,
            committed_bytes: committed.map_or(0, |bytes| u64::try_from(bytes).unwrap_or(0)),
            datastores: props.get("datastore")?.unwrap_or_default(),
            parent: props.get("parent")?,
            pool: props.get("resourcePool")?,
            devices: props.get("config.hardware.device")?.unwrap_or_default(),
        })
    }

    /// The marker, if it is complete.
    pub(crate) fn valid_marker(&self) -> Option<&CloneMarker> {
        match &self.marker {
            MarkerState::Valid(marker) => Some(marker),
            MarkerState::Absent | MarkerState::Damaged(_) => None,
        }
    }

    /// Whether this VM carries a complete marker saying it is a backup of `source_uuid`.
    pub(crate) fn is_backup_of(&self, source_uuid: &str) -> bool {
        self.valid_marker()
            .is_some_and(|marker| marker.is_backup_of(source_uuid))
    }
}

/// Names, placement and capacity of the inventory's objects; see the [module docs](self).
#[derive(Debug, Clone, Default)]
pub(crate) struct Inventory {
    pub vms: Vec<Entity>,
    pub datastores: Vec<DatastoreInfo>,
    pub hosts: Vec<HostInfo>,
    pub pools: Vec<PoolInfo>,
    datacenters: HashMap<ManagedObjectReference, DatacenterInfo>,
    folders: HashMap<ManagedObjectReference, FolderInfo>,
}

impl Inventory {
    /// Reads the inventory: one container view and one `RetrievePropertiesEx` per page.
    ///
    /// # Errors
    /// The calls' [`Error::Vsphere`].
    pub(crate) async fn read(client: &Client) -> Result<Self, Error> {
        let root = client.service_content().root_folder.clone();
        let objects = ViewQuery::new(root, "VirtualMachine", &["name"])
            .and_type("Folder", &["name", "parent"])
            .and_type("Datacenter", &["name", "vmFolder"])
            .and_type("Datastore", &["name", "summary"])
            .and_type("HostSystem", &["name", "parent", "datastore", "vm"])
            .and_type("ResourcePool", &["name", "parent", "owner"])
            .retrieve(client)
            .await?;
        let mut inventory = Inventory::default();
        for props in &objects {
            inventory.add(props)?;
        }
        Ok(inventory)
    }

    fn add(&mut self, props: &ObjectProps) -> Result<(), Error> {
        let moref = props.obj.clone();
        let name = props.name()?.to_owned();
        match moref.r#type.as_str() {
            "VirtualMachine" => self.vms.push(Entity { moref, name }),
            "Folder" => {
                let parent = props.get("parent")?;
                self.folders.insert(moref, FolderInfo { name, parent });
            }
            "Datacenter" => {
                let vm_folder = props.require("vmFolder")?;
                let datacenter = DatacenterInfo { name, vm_folder };
                self.datacenters.insert(moref, datacenter);
            }
            "Datastore" => self.datastores.push(DatastoreInfo {
                moref,
                name,
                summary: props.get("summary")?.unwrap_or_default(),
            }),
            "HostSystem" => self.hosts.push(HostInfo {
                moref,
                name,
                compute_resource: props.get("parent")?,
                datastores: props.get("datastore")?.unwrap_or_default(),
                vms: props
                    .get::<Vec<ManagedObjectReference>>("vm")?
                    .map_or(0, |vms| vms.len()),
            }),
            "ResourcePool" | "VirtualApp" => self.pools.push(PoolInfo {
                moref,
                name,
                owner: props.get("owner")?,
                parent: props.get("parent")?,
            }),
            _ => {}
        }
        Ok(())
    }

    /// The VMs directly in `folder` (one container view, names only): the VMs a run made there
    /// since the inventory was read included. A VM another run is still creating may have no
    /// name yet: it is left out.
    ///
    /// # Errors
    /// The calls' [`Error::Vsphere`].
    pub(crate) async fn vms_in_folder(
        client: &Client,
        folder: &ManagedObjectReference,
    ) -> Result<Vec<Entity>, Error> {
        let objects = ViewQuery::new(folder.clone(), "VirtualMachine", &["name"])
            .recursive(false)
            .retrieve(client)
            .await?;
        Ok(objects
            .iter()
            .filter_map(|props| {
                Some(Entity {
                    moref: props.obj.clone(),
                    name: props.name().ok()?.to_owned(),
                })
            })
            .collect())
    }

    /// Reads the details of `vms` with one `RetrievePropertiesEx`, in the order given.
    ///
    /// # Errors
    /// The call's [`Error::Vsphere`], e.g. `ManagedObjectNotFound` for a VM deleted meanwhile.
    pub(crate) async fn details(
        client: &Client,
        vms: &[ManagedObjectReference],
    ) -> Result<Vec<VmDetails>, Error> {
        if vms.is_empty() {
            return Ok(Vec::new());
        }
        let objects = retrieve_objects(client, vms, &VM_DETAILS).await?;
        let mut by_ref: HashMap<ManagedObjectReference, VmDetails> = HashMap::new();
        for props in &objects {
            by_ref.insert(props.obj.clone(), VmDetails::from_props(props)?);
        }
        Ok(vms.iter().filter_map(|vm| by_ref.remove(vm)).collect())
    }

    /// The one VM `selector` selects: the VM named exactly so, or with [`VmMatch::Prefix`] the
    /// one VM whose name starts so (VMs for which `is_clone` holds never match a prefix).
    ///
    /// # Errors
    /// [`Error::NotFound`] when no VM matches, [`Error::Ambiguous`] when several do.
    pub(crate) fn select_vm(
        &self,
        selector: &str,
        matching: VmMatch,
        is_clone: impl Fn(&str) -> bool,
    ) -> Result<&Entity, Error> {
        let matches: Vec<&Entity> = match matching {
            VmMatch::Exact => self.vms.iter().filter(|vm| vm.name == selector).collect(),
            VmMatch::Prefix => self
                .vms
                .iter()
                .filter(|vm| vm.name.starts_with(selector) && !is_clone(&vm.name))
                .collect(),
        };
        match (matches.as_slice(), matching) {
            ([one], _) => Ok(one),
            ([], VmMatch::Exact) => Err(Error::NotFound(format!(
                "no VM is named \"{selector}\" (names are case-sensitive): check the name, or \
                 match it by prefix (vm_match = \"prefix\")"
            ))),
            ([], VmMatch::Prefix) => Err(Error::NotFound(format!(
                "no VM name starts with \"{selector}\": check the prefix (it is case-sensitive)"
            ))),
            (several, VmMatch::Exact) => Err(Error::Ambiguous(format!(
                "{} VMs are named \"{selector}\" ({}): rename all but one, so that the backup \
                 knows which VM to copy",
                several.len(),
                list(several.iter().map(|vm| vm.moref.value.as_str()))
            ))),
            (several, VmMatch::Prefix) => Err(Error::Ambiguous(format!(
                "\"{selector}\" starts the names of {} VMs ({}): give a longer prefix or the \
                 exact name",
                several.len(),
                list(several.iter().map(|vm| vm.name.as_str()))
            ))),
        }
    }

    /// Whether a VM is named exactly `name`.
    pub(crate) fn has_vm_named(&self, name: &str) -> bool {
        self.vms.iter().any(|vm| vm.name == name)
    }

    /// The datastores named `name`.
    pub(crate) fn datastores_named(&self, name: &str) -> Vec<&DatastoreInfo> {
        self.datastores
            .iter()
            .filter(|ds| ds.name == name)
            .collect()
    }

    /// The datastore `moref`.
    pub(crate) fn datastore(&self, moref: &ManagedObjectReference) -> Option<&DatastoreInfo> {
        self.datastores.iter().find(|ds| ds.moref == *moref)
    }

    /// The names of the datastores `morefs`, joined with `, `.
    pub(crate) fn datastore_names(&self, morefs: &[ManagedObjectReference]) -> String {
        list(morefs.iter().map(|moref| {
            self.datastore(moref)
                .map_or(moref.value.as_str(), |ds| &ds.name)
        }))
    }

    /// The host `moref`.
    pub(crate) fn host(&self, moref: &ManagedObjectReference) -> Option<&HostInfo> {
        self.hosts.iter().find(|host| host.moref == *moref)
    }

    /// The one host named `name`.
    ///
    /// # Errors
    /// [`Error::NotFound`] or [`Error::Ambiguous`].
    pub(crate) fn host_named(&self, name: &str) -> Result<&HostInfo, Error> {
        let matches: Vec<&HostInfo> = self.hosts.iter().filter(|h| h.name == name).collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(Error::NotFound(format!(
                "no host is named \"{name}\"; hosts: {}",
                list(self.hosts.iter().map(|host| host.name.as_str()))
            ))),
            several => Err(Error::Ambiguous(format!(
                "{} hosts are named \"{name}\": rename one in vCenter",
                several.len()
            ))),
        }
    }

    /// The resource pool named `name`; among several, the one owned by `compute_resource`.
    ///
    /// # Errors
    /// [`Error::NotFound`] or [`Error::Ambiguous`].
    pub(crate) fn pool_named(
        &self,
        name: &str,
        compute_resource: Option<&ManagedObjectReference>,
    ) -> Result<&PoolInfo, Error> {
        let named: Vec<&PoolInfo> = self.pools.iter().filter(|p| p.name == name).collect();
        let owned: Vec<&PoolInfo> = named
            .iter()
            .copied()
            .filter(|pool| compute_resource.is_some() && pool.owner.as_ref() == compute_resource)
            .collect();
        match (named.as_slice(), owned.as_slice()) {
            ([one], _) | (_, [one]) => Ok(one),
            ([], _) => Err(Error::NotFound(format!(
                "no resource pool is named \"{name}\": check the name"
            ))),
            (several, _) => Err(Error::Ambiguous(format!(
                "{} resource pools are named \"{name}\" and none or several of them belong to \
                 the target host's cluster: rename them apart in vCenter",
                several.len()
            ))),
        }
    }

    /// The root resource pool of `compute_resource`.
    pub(crate) fn root_pool_of(
        &self,
        compute_resource: &ManagedObjectReference,
    ) -> Option<&PoolInfo> {
        self.pools
            .iter()
            .find(|pool| pool.parent.as_ref() == Some(compute_resource))
    }

    /// The datacenter that `folder` belongs to.
    pub(crate) fn datacenter_of(&self, folder: &ManagedObjectReference) -> Option<&DatacenterInfo> {
        let mut current = folder;
        // Each step climbs one folder; more steps than folders would mean a cycle.
        for _ in 0..=self.folders.len() {
            if let Some(datacenter) = self.datacenters.get(current) {
                return Some(datacenter);
            }
            current = self.folders.get(current)?.parent.as_ref()?;
        }
        None
    }

    /// The datacenter `vm` is in: the one above its folder or, when it is in no VM folder, the
    /// only datacenter there is.
    ///
    /// # Errors
    /// [`Error::Preflight`] when neither tells.
    pub(crate) fn datacenter_holding(&self, vm: &VmDetails) -> Result<&DatacenterInfo, Error> {
        vm.parent
            .as_ref()
            .and_then(|folder| self.datacenter_of(folder))
            .or_else(|| self.only_datacenter())
            .ok_or_else(|| {
                Error::Preflight(format!(
                    "cannot tell which datacenter {} is in (it is in no VM folder): move it into \
                     a VM folder",
                    vm.name
                ))
            })
    }

    /// The only datacenter, when there is exactly one.
    pub(crate) fn only_datacenter(&self) -> Option<&DatacenterInfo> {
        let mut datacenters = self.datacenters.values();
        match (datacenters.next(), datacenters.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }

    /// The folder named `name` directly in `parent`.
    pub(crate) fn child_folder(
        &self,
        parent: &ManagedObjectReference,
        name: &str,
    ) -> Option<&ManagedObjectReference> {
        self.folders
            .iter()
            .find(|(_, folder)| folder.name == name && folder.parent.as_ref() == Some(parent))
            .map(|(moref, _)| moref)
    }
}

/// `items` joined with `, `, at most five of them.
pub(crate) fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    const SHOWN: usize = 5;
    let items: Vec<&str> = items.collect();
    let mut text = items[..items.len().min(SHOWN)].join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm(value: &str, name: &str) -> Entity {
        Entity {
            moref: ManagedObjectReference::new("VirtualMachine", value),
            name: name.into(),
        }
    }

    fn inventory(names: &[&str]) -> Inventory {
        Inventory {
            vms: names
                .iter()
                .enumerate()
                .map(|(i, name)| vm(&format!("vm-{i}"), name))
                .collect(),
            ..Inventory::default()
        }
    }

    #[test]
    fn exact_selection_is_case_sensitive_and_rejects_duplicates() {
        let inv = inventory(&["avocado2", "Avocado2", "web", "web"]);
        assert_eq!(
            inv.select_vm("avocado2", VmMatch::Exact, |_| false)
                .unwrap()
                .moref
                .value,
            "vm-0"
        );
        let missing = inv
            .select_vm("avocado", VmMatch::Exact, |_| false)
            .unwrap_err();
        assert!(matches!(missing, Error::NotFound(_)), "{missing}");
        let twice = inv.select_vm("web", VmMatch::Exact, |_| false).unwrap_err();
        assert!(matches!(twice, Error::Ambiguous(_)), "{twice}");
        assert!(twice.to_string().contains("vm-2, vm-3"), "{twice}");
    }

    #[test]
    fn prefix_selection_needs_exactly_one_match_and_skips_clones() {
        let inv = inventory(&["avocado2", "zz_avocado2-01-201909250241", "web1", "web2"]);
        let found = inv
            .select_vm("avo", VmMatch::Prefix, |name| name.starts_with("zz_"))
            .unwrap();
        assert_eq!(found.name, "avocado2");
        let several = inv
            .select_vm("web", VmMatch::Prefix, |_| false)
            .unwrap_err();
        assert!(several.to_string().contains("web1, web2"), "{several}");
        assert!(matches!(
            inv.select_vm("db", VmMatch::Prefix, |_| false),
            Err(Error::NotFound(_))
        ));
    }

    #[test]
    fn lists_are_cut_after_five() {
        let names = ["a", "b", "c", "d", "e", "f", "g"];
        assert_eq!(list(names.into_iter()), "a, b, c, d, e and 2 more");
        assert_eq!(list(["a"].into_iter()), "a");
    }
}
