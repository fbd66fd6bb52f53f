//! Checks of the source VM and the new clone's name that real inventories need: the name's
//! length, the room the snapshot grows into, and the pool of a VM in a vApp.

use vsphere_client::types::{ManagedObjectReference, encode_entity_name};

use crate::bytes::Bytes;
use crate::config::JobConfig;
use crate::error::Error;
use crate::job::inventory::{Inventory, VmDetails};

/// The longest entity name vSphere takes, counted after escaping (`%` as `%25`, `/` as
/// `%2f`, `\` as `%5c`).
pub(crate) const MAX_NAME: usize = 80;

/// Checks that `name` fits vSphere's limit once escaped.
///
/// # Errors
/// [`Error::Preflight`] with the limit and the length.
pub(crate) fn name_fits(name: &str) -> Result<(), Error> {
    let length = encode_entity_name(name).chars().count();
    if length <= MAX_NAME {
        return Ok(());
    }
    Err(Error::Preflight(format!(
        "the clone name {name} is {length} characters once escaped (% / \\ count as 3), \
         but vSphere takes at most {MAX_NAME}: shorten the prefix or the VM's name"
    )))
}

/// Checks that each of `source`'s datastores has `job.snapshot_room` of its used storage free
/// for the snapshot to grow into while the clone runs.
///
/// # Errors
/// [`Error::Preflight`] naming the first datastore short of room.
pub(crate) fn snapshot_room(
    inventory: &Inventory,
    job: &JobConfig,
    source: &VmDetails,
) -> Result<(), Error> {
    // A fraction of a size below 2^63 bytes: the product fits.
    let needed = (job.snapshot_room * source.committed_bytes as f64).ceil() as u64;
    for datastore in source
        .datastores
        .iter()
        .filter_map(|moref| inventory.datastore(moref))
    {
        let free = u64::try_from(datastore.summary.free_space).unwrap_or(0);
        if free < needed {
            return Err(Error::Preflight(format!(
                "{} has {} free, but the snapshot of {} may grow by {} while the clone runs \
                 (snapshot_room {} of its {} used): free space there, or lower snapshot_room",
                datastore.name,
                Bytes(free),
                source.name,
                Bytes(needed),
                job.snapshot_room,
                Bytes(source.committed_bytes)
            )));
        }
    }
    Ok(())
}

/// The pool a clone of a VM in `pool` goes to: `pool`, or for a vApp (and a vApp in a vApp)
/// the resource pool holding it, as a clone never goes into the vApp.
pub(crate) fn clone_pool(
    inventory: &Inventory,
    pool: &ManagedObjectReference,
) -> ManagedObjectReference {
    let mut current = pool;
    // Each step climbs one pool; more steps than pools would mean a cycle.
    for _ in 0..=inventory.pools.len() {
        if current.r#type != "VirtualApp" {
            return current.clone();
        }
        let parent = inventory
            .pools
            .iter()
            .find(|candidate| candidate.moref == *current)
            .and_then(|info| info.parent.as_ref())
            .filter(|parent| matches!(parent.r#type.as_str(), "ResourcePool" | "VirtualApp"));
        match parent {
            Some(parent) => current = parent,
            None => break,
        }
    }
    pool.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::inventory::PoolInfo;

    #[test]
    fn names_count_after_escaping() {
        assert!(name_fits(&"a".repeat(80)).is_ok());
        let error = name_fits(&format!("{}/", "a".repeat(78))).unwrap_err();
        assert!(matches!(error, Error::Preflight(_)));
        assert!(
            error.to_string().contains("is 81 characters once escaped"),
            "{error}"
        );
        assert!(error.to_string().contains("at most 80"), "{error}");
        assert!(name_fits(&format!("{}%", "a".repeat(77))).is_ok());
    }

    #[test]
    fn each_source_datastore_needs_the_snapshot_room() {
        use crate::job::inventory::DatastoreInfo;
        use vsphere_client::types::DatastoreSummary;
        let datastore = |value: &str, free: i64| DatastoreInfo {
            moref: ManagedObjectReference::new("Datastore", value),
            name: value.to_owned(),
            summary: DatastoreSummary {
                free_space: free,
                ..DatastoreSummary::default()
            },
        };
        let mut inventory = Inventory::default();
        inventory.datastores = vec![datastore("LUN_a", 50 << 30), datastore("LUN_b", 5 << 30)];
        let mut source = crate::job::preflight::tests::clone_on("db01", &inventory.datastores[0]);
        source.committed_bytes = 100 << 30;
        let job = JobConfig::new("db01", vec!["NFS_mango".into()]);
        assert!(snapshot_room(&inventory, &job, &source).is_ok());
        source
            .datastores
            .push(inventory.datastores[1].moref.clone());
        let error = snapshot_room(&inventory, &job, &source).unwrap_err();
        assert!(matches!(error, Error::Preflight(_)));
        assert!(
            error.to_string().starts_with(
                "LUN_b has 5.0 GiB free, but the snapshot of db01 may grow by 10.0 GiB"
            ),
            "{error}"
        );
    }

    fn pool(kind: &str, value: &str, parent: Option<(&str, &str)>) -> PoolInfo {
        PoolInfo {
            moref: ManagedObjectReference::new(kind, value),
            name: value.to_owned(),
            owner: None,
            parent: parent.map(|(kind, value)| ManagedObjectReference::new(kind, value)),
        }
    }

    #[test]
    fn a_vm_in_a_vapp_is_cloned_to_the_pool_holding_the_vapp() {
        let mut inventory = Inventory::default();
        inventory.pools = vec![
            pool(
                "ResourcePool",
                "resgroup-8",
                Some(("ClusterComputeResource", "c1")),
            ),
            pool(
                "VirtualApp",
                "resgroup-v20",
                Some(("ResourcePool", "resgroup-8")),
            ),
            pool(
                "VirtualApp",
                "resgroup-v21",
                Some(("VirtualApp", "resgroup-v20")),
            ),
        ];
        let nested = ManagedObjectReference::new("VirtualApp", "resgroup-v21");
        assert_eq!(clone_pool(&inventory, &nested).value, "resgroup-8");
        let plain = ManagedObjectReference::new("ResourcePool", "resgroup-8");
        assert_eq!(clone_pool(&inventory, &plain), plain);
    }
}
