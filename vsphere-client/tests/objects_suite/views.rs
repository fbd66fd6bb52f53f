//! Container views and `property::ViewQuery`: the same objects as the inventory, in a fixed
//! number of calls, the view destroyed afterwards.

use std::collections::BTreeMap;

use vsphere_client::object::{ContainerView, PropertyCollector, ViewManager};
use vsphere_client::property::{ViewQuery, retrieve_objects, retrieve_one};
use vsphere_client::types::{
    FaultKind, ManagedObjectReference, ObjectSpec, PropertyFilterSpec, PropertySpec,
    RetrieveOptions,
};

use crate::support::{SOURCE_VM, clone_into, find, login, new_folder, nfs_datastore, source_vm};

#[tokio::test]
async fn a_view_lists_the_same_vms_as_the_folder_and_find_child() {
    let client = login().await;
    let folder = new_folder(&client, "views-listed").await;
    let sub = folder.create_folder("nested").await.unwrap();
    let mut expected = BTreeMap::new();
    for (parent, name) in [
        (&folder, "view-a"),
        (&folder, "view b 100%"),
        (&sub, "view-c"),
    ] {
        let vm = clone_into(&client, parent, name).await;
        expected.insert(name.to_owned(), vm.moref().clone());
    }

    let listed = ViewQuery::new(folder.moref().clone(), "VirtualMachine", &["name"])
        .retrieve(&client)
        .await
        .unwrap();
    let by_name: BTreeMap<String, ManagedObjectReference> = listed
        .iter()
        .map(|vm| (vm.name().unwrap().to_owned(), vm.obj.clone()))
        .collect();
    assert_eq!(by_name, expected);

    for (name, moref) in &by_name {
        let parent = if name == "view-c" { &sub } else { &folder };
        assert_eq!(parent.find_child(name).await.unwrap().as_ref(), Some(moref));
    }
    let children: Vec<ManagedObjectReference> = folder
        .properties(&["childEntity"])
        .await
        .unwrap()
        .require("childEntity")
        .unwrap();
    assert_eq!(
        children.len(),
        3,
        "two VMs and the nested folder: {children:?}"
    );

    let direct_only = ViewQuery::new(folder.moref().clone(), "VirtualMachine", &["name"])
        .recursive(false)
        .retrieve(&client)
        .await
        .unwrap();
    assert_eq!(direct_only.len(), 2);
}

#[tokio::test]
async fn one_query_reads_several_types_across_the_whole_inventory() {
    let client = login().await;
    new_folder(&client, "views-several-types").await;
    let root = client.service_content().root_folder.clone();

    let objects = ViewQuery::new(root, "VirtualMachine", &["name", "runtime.powerState"])
        .and_type("Folder", &["name"])
        .page_size(1)
        .retrieve(&client)
        .await
        .unwrap();

    let source_ref = find(&client, &["vm", SOURCE_VM]).await;
    let source = objects
        .iter()
        .find(|object| object.obj == source_ref)
        .expect("the source VM is listed");
    assert_eq!(source.name().unwrap(), SOURCE_VM);
    assert_eq!(
        source.require::<String>("runtime.powerState").unwrap(),
        "poweredOn"
    );
    assert!(
        objects.iter().any(|object| object.obj.r#type == "Folder"
            && object.name().unwrap() == "views-several-types")
    );
}

#[tokio::test]
async fn a_destroyed_view_is_gone_from_the_server() {
    let client = login().await;
    let root = client.service_content().root_folder.clone();
    let view: ContainerView = ViewManager::of(&client)
        .unwrap()
        .create_container_view(&root, &["Datastore"], true)
        .await
        .unwrap();
    let view_ref = view.moref().clone();
    let listed: Vec<ManagedObjectReference> = view
        .properties(&["view"])
        .await
        .unwrap()
        .require("view")
        .unwrap();
    assert!(
        listed.contains(nfs_datastore(&client).await.moref()),
        "{listed:?}"
    );

    view.destroy().await.unwrap();

    let error = PropertyCollector::of(&client)
        .retrieve_properties_ex(
            vec![PropertyFilterSpec {
                prop_set: vec![PropertySpec {
                    r#type: "ContainerView".into(),
                    all: Some(false),
                    path_set: vec!["view".into()],
                }],
                object_set: vec![ObjectSpec {
                    obj: view_ref,
                    ..ObjectSpec::default()
                }],
                report_missing_objects_in_results: None,
            }],
            RetrieveOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(error.is_fault(FaultKind::ManagedObjectNotFound), "{error}");
}

#[tokio::test]
async fn retrieve_objects_reads_objects_of_several_types_and_reports_missing_properties() {
    let client = login().await;
    let vm = source_vm(&client).await;
    let datastore = nfs_datastore(&client).await;

    let objects = retrieve_objects(
        &client,
        &[vm.moref().clone(), datastore.moref().clone()],
        &["name"],
    )
    .await
    .unwrap();
    let mut names: Vec<&str> = objects
        .iter()
        .map(|object| object.name().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["NFS_durian", SOURCE_VM]);

    let props = retrieve_one(&client, vm.moref(), &["name", "noSuchProperty"])
        .await
        .unwrap();
    let error = props.get::<String>("noSuchProperty").unwrap_err();
    assert!(error.is_fault(FaultKind::InvalidProperty), "{error}");
    assert!(props.missing("noSuchProperty").is_some());
}
