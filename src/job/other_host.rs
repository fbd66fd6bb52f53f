//! `placement = "other-host"`: the host a clone is registered on when it must not be the
//! source VM's, so that a copy can be powered on when that host dies.

use super::inventory::{DatastoreInfo, HostInfo, Inventory};

/// The host for a clone of a VM running on `source_host`, onto `datastore`: a host other
/// than `source_host` that mounts `datastore`, the one with the fewest registered VMs (by
/// name among equals).
///
/// # Errors
/// Why there is none, for the preflight's message.
pub(crate) fn choose<'a>(
    inventory: &'a Inventory,
    source_host: &HostInfo,
    datastore: &DatastoreInfo,
) -> Result<&'a HostInfo, String> {
    inventory
        .hosts
        .iter()
        .filter(|host| {
            host.moref != source_host.moref && host.datastores.contains(&datastore.moref)
        })
        .min_by(|a, b| (a.vms, &a.name).cmp(&(b.vms, &b.name)))
        .ok_or_else(|| {
            format!(
                "no host other than {} mounts {} (placement = \"other-host\"): mount it on \
                 another host",
                source_host.name, datastore.name
            )
        })
}

#[cfg(test)]
mod tests {
    use vsphere_client::types::{DatastoreSummary, ManagedObjectReference};

    use super::*;

    fn host(name: &str, vms: usize, datastores: &[&DatastoreInfo]) -> HostInfo {
        HostInfo {
            moref: ManagedObjectReference::new("HostSystem", name),
            name: name.into(),
            compute_resource: None,
            datastores: datastores.iter().map(|ds| ds.moref.clone()).collect(),
            vms,
        }
    }

    #[test]
    fn another_host_mounting_the_datastore_with_the_fewest_vms() {
        let ds = DatastoreInfo {
            moref: ManagedObjectReference::new("Datastore", "nfs"),
            name: "NFS_durian".into(),
            summary: DatastoreSummary::default(),
        };
        let source = host("esxi1", 0, &[&ds]);
        let mut inventory = Inventory::default();
        inventory.hosts = vec![
            source.clone(),
            host("esxi2", 5, &[&ds]),
            host("esxi3", 2, &[&ds]),
            host("esxi4", 0, &[]),
        ];
        assert_eq!(choose(&inventory, &source, &ds).unwrap().name, "esxi3");
        let mut alone = Inventory::default();
        alone.hosts = vec![source.clone(), host("esxi4", 0, &[])];
        let error = choose(&alone, &source, &ds).unwrap_err();
        assert!(
            error.contains("no host other than esxi1 mounts NFS_durian"),
            "{error}"
        );
    }
}
