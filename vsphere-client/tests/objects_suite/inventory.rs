//! SearchIndex lookups, folders, and the handles' name and parent.

use vsphere_client::object::{
    ClusterComputeResource, Datacenter, Folder, HostSystem, SearchIndex, VirtualMachine,
};
use vsphere_client::property::ViewQuery;
use vsphere_client::types::{AnyMethodFault, FaultKind, ManagedObjectReference};

use crate::support::{
    DATACENTER, NFS, SOURCE_VM, find, login, new_folder, nfs_datastore, vm_folder,
};

#[tokio::test]
async fn find_by_inventory_path_finds_the_vm_or_returns_none() {
    let client = login().await;
    let search = SearchIndex::of(&client).unwrap();

    let found = search
        .find_by_inventory_path([DATACENTER, "vm", SOURCE_VM])
        .await
        .unwrap()
        .expect("the source VM is found");
    assert_eq!(found.r#type, "VirtualMachine");
    assert_eq!(
        VirtualMachine::new(client.clone(), found)
            .name()
            .await
            .unwrap(),
        SOURCE_VM
    );

    let missing = search
        .find_by_inventory_path([DATACENTER, "vm", "no-such-vm"])
        .await
        .unwrap();
    assert_eq!(missing, None);
}

#[tokio::test]
async fn find_child_looks_at_direct_children_only() {
    let client = login().await;
    let root = Folder::root(&client);
    let folder = vm_folder(&client).await;

    let child = folder.find_child(SOURCE_VM).await.unwrap();
    assert_eq!(child, Some(find(&client, &["vm", SOURCE_VM]).await));
    assert_eq!(root.find_child(SOURCE_VM).await.unwrap(), None);

    let datacenter = SearchIndex::of(&client)
        .unwrap()
        .find_child(root.moref(), DATACENTER)
        .await
        .unwrap()
        .expect("the datacenter is a child of the root folder");
    assert_eq!(datacenter.r#type, "Datacenter");
}

#[tokio::test]
async fn create_folder_makes_a_child_and_a_second_one_is_a_typed_duplicate_name_fault() {
    let client = login().await;
    let parent = vm_folder(&client).await;

    let folder = new_folder(&client, "inventory-backups").await;
    assert_eq!(folder.name().await.unwrap(), "inventory-backups");
    assert_eq!(
        folder.parent().await.unwrap().as_ref(),
        Some(parent.moref())
    );
    assert_eq!(
        parent
            .find_child("inventory-backups")
            .await
            .unwrap()
            .as_ref(),
        Some(folder.moref())
    );

    let error = parent.create_folder("inventory-backups").await.unwrap_err();
    assert!(error.is_fault(FaultKind::DuplicateName), "{error}");
    let Some(AnyMethodFault::DuplicateName(duplicate)) = error.fault() else {
        panic!("expected a DuplicateName fault, got {error:?}");
    };
    assert_eq!(duplicate.name, "inventory-backups");
}

#[tokio::test]
async fn datacenter_folders_and_entity_parents_are_read_from_the_inventory() {
    let client = login().await;
    let datacenter = Datacenter::new(client.clone(), find(&client, &[]).await);
    assert_eq!(datacenter.name().await.unwrap(), DATACENTER);
    assert_eq!(
        datacenter.parent().await.unwrap().as_ref(),
        Some(Folder::root(&client).moref())
    );
    assert_eq!(Folder::root(&client).parent().await.unwrap(), None);

    let vm_folder = datacenter.vm_folder().await.unwrap();
    let host_folder = datacenter.host_folder().await.unwrap();
    let datastore_folder = datacenter.datastore_folder().await.unwrap();
    assert_eq!(vm_folder.name().await.unwrap(), "vm");
    assert_eq!(host_folder.name().await.unwrap(), "host");
    assert_eq!(datastore_folder.name().await.unwrap(), "datastore");

    let nfs = nfs_datastore(&client).await;
    assert_eq!(
        nfs.parent().await.unwrap().as_ref(),
        Some(datastore_folder.moref())
    );
    let summary = nfs.summary().await.unwrap();
    assert_eq!(
        (summary.name.as_str(), summary.r#type.as_str()),
        (NFS, "NFS")
    );
}

#[tokio::test]
async fn every_host_mounts_the_nfs_datastore() {
    let client = login().await;
    let root = client.service_content().root_folder.clone();
    let hosts = ViewQuery::new(root, "HostSystem", &["name"])
        .retrieve(&client)
        .await
        .unwrap();
    assert_eq!(hosts.len(), 2, "{hosts:?}");

    let nfs = nfs_datastore(&client).await;
    for host in hosts {
        let handle = HostSystem::new(client.clone(), host.obj.clone());
        assert_eq!(handle.name().await.unwrap(), host.name().unwrap());
        let mounted: Vec<ManagedObjectReference> = handle.datastores().await.unwrap();
        assert!(
            mounted.contains(nfs.moref()),
            "{} mounts {mounted:?}",
            host.name().unwrap()
        );
    }
}

#[tokio::test]
async fn a_cluster_lists_its_hosts_and_root_pool() {
    let client = login().await;
    let cluster =
        ClusterComputeResource::new(client.clone(), find(&client, &["host", "DC0_C0"]).await);

    let hosts = cluster.hosts().await.unwrap();
    let mut names = Vec::new();
    for host in &hosts {
        names.push(host.name().await.unwrap());
        assert_eq!(host.parent().await.unwrap().as_ref(), Some(cluster.moref()));
    }
    names.sort();
    assert_eq!(names, ["DC0_C0_H0", "DC0_C0_H1"]);
    let pool = cluster.resource_pool().await.unwrap();
    assert_eq!(pool.moref().r#type, "ResourcePool");
    assert_eq!(pool.parent().await.unwrap().as_ref(), Some(cluster.moref()));
}
