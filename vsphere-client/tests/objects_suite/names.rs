//! Entity names with the characters vSphere escapes (`%` and `\`; the simulator cannot take a
//! `/`, which the stub tests cover): escaped on the way out, decoded on the way in.

use vsphere_client::object::{PropertyCollector, SearchIndex};
use vsphere_client::property::ViewQuery;
use vsphere_client::types::{ObjectSpec, PropertyFilterSpec, PropertySpec, RetrieveOptions, Value};

use crate::support::{DATACENTER, clone_into, login, new_folder, vm_folder};

const FOLDER: &str = r"50% off\names";
const FOLDER_ON_SERVER: &str = "50%25 off%5cnames";
const VM: &str = r"db 100%\primary";

#[tokio::test]
async fn names_are_escaped_when_sent_and_decoded_when_read() {
    let client = login().await;
    let folder = new_folder(&client, FOLDER).await;

    // What the server stores is the escaped form.
    let raw = PropertyCollector::of(&client)
        .retrieve_properties_ex(
            vec![PropertyFilterSpec {
                prop_set: vec![PropertySpec {
                    r#type: "Folder".into(),
                    all: Some(false),
                    path_set: vec!["name".into()],
                }],
                object_set: vec![ObjectSpec {
                    obj: folder.moref().clone(),
                    ..ObjectSpec::default()
                }],
                report_missing_objects_in_results: None,
            }],
            RetrieveOptions::default(),
        )
        .await
        .unwrap()
        .expect("one object");
    assert_eq!(
        raw.objects[0].prop_set[0].val,
        Value::String(FOLDER_ON_SERVER.into())
    );

    // Every way of reading or finding it uses the decoded name.
    assert_eq!(folder.name().await.unwrap(), FOLDER);
    let parent = vm_folder(&client).await;
    assert_eq!(
        parent.find_child(FOLDER).await.unwrap().as_ref(),
        Some(folder.moref())
    );
    let search = SearchIndex::of(&client).unwrap();
    assert_eq!(
        search
            .find_by_inventory_path([DATACENTER, "vm", FOLDER])
            .await
            .unwrap()
            .as_ref(),
        Some(folder.moref())
    );

    let vm = clone_into(&client, &folder, VM).await;
    assert_eq!(vm.name().await.unwrap(), VM);
    assert_eq!(
        search
            .find_by_inventory_path([DATACENTER, "vm", FOLDER, VM])
            .await
            .unwrap()
            .as_ref(),
        Some(vm.moref())
    );
    let listed = ViewQuery::new(folder.moref().clone(), "VirtualMachine", &["name"])
        .retrieve(&client)
        .await
        .unwrap();
    let names: Vec<&str> = listed.iter().map(|vm| vm.name().unwrap()).collect();
    assert_eq!(names, [VM]);
}
