//! Entity names with `/` (which the simulator cannot take): encoded in every request that
//! carries a name or path, decoded in every answer.

use vsphere_client::object::{CloneSpec, Folder, SearchIndex, VirtualMachine};
use vsphere_client::property::ViewQuery;
use vsphere_client::types::ManagedObjectReference;

use crate::canned::{page, vm};
use crate::stub::{Reply, Stub};

#[tokio::test]
async fn escaped_names_from_the_server_are_decoded() {
    let stub = Stub::start().await;
    stub.script(
        "RetrievePropertiesEx",
        [
            page(
                "RetrievePropertiesEx",
                &[vm(1, "web%2fdb"), vm(2, r"100%25 %5c ok")],
                None,
            ),
            page("RetrievePropertiesEx", &[vm(1, "web%2fdb")], None),
        ],
    );
    let client = stub.client().await;

    let listed = ViewQuery::new(
        client.service_content().root_folder.clone(),
        "VirtualMachine",
        &["name"],
    )
    .retrieve(&client)
    .await
    .unwrap();
    let names: Vec<&str> = listed.iter().map(|vm| vm.name().unwrap()).collect();
    assert_eq!(names, ["web/db", r"100% \ ok"]);

    let vm = VirtualMachine::new(
        client.clone(),
        ManagedObjectReference::new("VirtualMachine", "vm-1"),
    );
    assert_eq!(vm.name().await.unwrap(), "web/db");
}

#[tokio::test]
async fn names_and_paths_sent_to_the_server_are_escaped() {
    let stub = Stub::start().await;
    stub.script(
        "CreateFolder",
        [Reply::reference("CreateFolder", "Folder", "group-v9")],
    );
    stub.script("FindChild", [Reply::ok("FindChild", "")]);
    stub.script(
        "FindByInventoryPath",
        [Reply::ok("FindByInventoryPath", "")],
    );
    stub.script(
        "CloneVM_Task",
        [Reply::reference("CloneVM_Task", "Task", "task-1")],
    );
    let client = stub.client().await;
    let folder = Folder::root(&client);
    let vm = VirtualMachine::new(
        client.clone(),
        ManagedObjectReference::new("VirtualMachine", "vm-1"),
    );

    let created = folder.create_folder("backups/2026").await.unwrap();
    assert_eq!(created.moref().value, "group-v9");
    assert_eq!(folder.find_child("web/db").await.unwrap(), None);
    let search = SearchIndex::of(&client).unwrap();
    assert_eq!(
        search
            .find_by_inventory_path(["DC0", "vm", "web/db"])
            .await
            .unwrap(),
        None
    );
    vm.clone_vm(&created, "web/db 100%", CloneSpec::new())
        .await
        .unwrap();

    assert!(stub.bodies("CreateFolder")[0].contains("<name>backups%2f2026</name>"));
    assert!(stub.bodies("FindChild")[0].contains("<name>web%2fdb</name>"));
    let path = &stub.bodies("FindByInventoryPath")[0];
    assert!(
        path.contains("<inventoryPath>DC0/vm/web%2fdb</inventoryPath>"),
        "{path}"
    );
    let clone = &stub.bodies("CloneVM_Task")[0];
    assert!(clone.contains("<name>web%2fdb 100%25</name>"), "{clone}");
    assert!(
        clone.contains(r#"<folder type="Folder">group-v9</folder>"#),
        "{clone}"
    );
}
