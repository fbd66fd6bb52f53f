//! `ViewQuery`: paging with `maxObjects` and tokens, a fixed number of calls, and the view
//! destroyed whatever happens.

use std::time::{Duration, Instant};

use vsphere_client::Error;
use vsphere_client::property::{DEFAULT_PAGE_SIZE, ViewQuery, retrieve_objects, retrieve_one};
use vsphere_client::types::{FaultKind, ManagedObjectReference};

use crate::canned::{page, vms};
use crate::stub::{Reply, Stub, VIEW};

fn all_vms() -> ViewQuery {
    ViewQuery::new(
        ManagedObjectReference::new("Folder", "group-d1"),
        "VirtualMachine",
        &["name"],
    )
}

#[tokio::test]
async fn pages_are_followed_by_token_until_the_last_one() {
    let stub = Stub::start().await;
    stub.script(
        "RetrievePropertiesEx",
        [page("RetrievePropertiesEx", &vms(0..2), Some("token-2"))],
    );
    stub.script(
        "ContinueRetrievePropertiesEx",
        [
            page("ContinueRetrievePropertiesEx", &vms(2..4), Some("token-3")),
            page("ContinueRetrievePropertiesEx", &vms(4..5), None),
        ],
    );
    let client = stub.client().await;

    let objects = all_vms().page_size(2).retrieve(&client).await.unwrap();

    let names: Vec<&str> = objects
        .iter()
        .map(|object| object.name().unwrap())
        .collect();
    assert_eq!(names, ["VM 0", "VM 1", "VM 2", "VM 3", "VM 4"]);
    assert_eq!(
        objects[4].obj,
        ManagedObjectReference::new("VirtualMachine", "vm-4")
    );
    assert_eq!(
        stub.calls(),
        [
            "CreateContainerView",
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "DestroyView"
        ]
    );
    let first = &stub.bodies("RetrievePropertiesEx")[0];
    assert!(first.contains("<maxObjects>2</maxObjects>"), "{first}");
    assert!(
        first.contains(&format!(r#"<obj type="ContainerView">{VIEW}</obj>"#)),
        "{first}"
    );
    assert!(
        first.contains(r#"<selectSet xsi:type="TraversalSpec">"#),
        "{first}"
    );
    assert!(first.contains("<path>view</path>"), "{first}");
    let continued = stub.bodies("ContinueRetrievePropertiesEx");
    assert!(
        continued[0].contains("<token>token-2</token>"),
        "{}",
        continued[0]
    );
    assert!(
        continued[1].contains("<token>token-3</token>"),
        "{}",
        continued[1]
    );
    assert!(stub.bodies("DestroyView")[0].contains(VIEW));
    let view = &stub.bodies("CreateContainerView")[0];
    assert!(
        view.contains(r#"<container type="Folder">group-d1</container>"#),
        "{view}"
    );
    assert!(
        view.contains("<type>VirtualMachine</type><recursive>true</recursive>"),
        "{view}"
    );
}

#[tokio::test]
async fn the_number_of_calls_does_not_grow_with_the_inventory() {
    for count in [1, 3000] {
        let stub = Stub::start().await;
        stub.script(
            "RetrievePropertiesEx",
            [page("RetrievePropertiesEx", &vms(0..count), None)],
        );
        let client = stub.client().await;

        let objects = all_vms().retrieve(&client).await.unwrap();

        assert_eq!(objects.len(), count);
        assert_eq!(
            stub.calls(),
            ["CreateContainerView", "RetrievePropertiesEx", "DestroyView"]
        );
    }
}

#[tokio::test]
async fn an_empty_inventory_is_an_empty_list() {
    let stub = Stub::start().await;
    stub.script(
        "RetrievePropertiesEx",
        [Reply::ok("RetrievePropertiesEx", "")],
    );
    let client = stub.client().await;

    assert_eq!(all_vms().retrieve(&client).await.unwrap(), []);
    assert_eq!(
        stub.calls(),
        ["CreateContainerView", "RetrievePropertiesEx", "DestroyView"]
    );
}

#[tokio::test]
async fn the_view_is_destroyed_when_retrieval_fails() {
    let stub = Stub::start().await;
    stub.script(
        "RetrievePropertiesEx",
        [page("RetrievePropertiesEx", &vms(0..2), Some("token-2"))],
    );
    stub.script(
        "ContinueRetrievePropertiesEx",
        [Reply::fault("InvalidProperty", "", "<name>token</name>")],
    );
    let client = stub.client().await;

    let error = all_vms().page_size(2).retrieve(&client).await.unwrap_err();

    assert!(error.is_fault(FaultKind::InvalidProperty), "{error}");
    assert_eq!(stub.calls().last().map(String::as_str), Some("DestroyView"));
}

#[tokio::test]
async fn a_response_slower_than_the_request_timeout_fails_in_time_and_the_view_is_destroyed() {
    let stub = Stub::start().await;
    stub.script(
        "RetrievePropertiesEx",
        [page("RetrievePropertiesEx", &vms(0..1), None).after(Duration::from_secs(5))],
    );
    let client = stub
        .client_with(|config| config.transport.request_timeout = Duration::from_secs(1))
        .await;

    let started = Instant::now();
    let error = all_vms().retrieve(&client).await.unwrap_err();

    assert!(
        started.elapsed() < Duration::from_secs(4),
        "gave up after {:?}",
        started.elapsed()
    );
    let Error::Timeout { what, after } = &error else {
        panic!("expected a timeout, got {error:?}");
    };
    assert!(what.contains("RetrievePropertiesEx"), "{error}");
    assert_eq!(*after, Duration::from_secs(1));
    assert_eq!(
        stub.calls(),
        ["CreateContainerView", "RetrievePropertiesEx", "DestroyView"]
    );
}

#[tokio::test]
async fn every_read_names_its_page_size() {
    let stub = Stub::start().await;
    stub.always(page("RetrievePropertiesEx", &vms(1..2), None));
    let client = stub.client().await;

    all_vms().retrieve(&client).await.unwrap();
    let vm = ManagedObjectReference::new("VirtualMachine", "vm-1");
    retrieve_one(&client, &vm, &["name"]).await.unwrap();

    let max = format!("<maxObjects>{DEFAULT_PAGE_SIZE}</maxObjects>");
    let bodies = stub.bodies("RetrievePropertiesEx");
    assert_eq!(bodies.len(), 2);
    for body in &bodies {
        assert!(body.contains(&max), "{body}");
    }
}

#[tokio::test]
async fn reads_of_given_objects_follow_forced_pages() {
    let stub = Stub::start().await;
    stub.script(
        "RetrievePropertiesEx",
        [page("RetrievePropertiesEx", &vms(0..1), Some("token-1"))],
    );
    stub.script(
        "ContinueRetrievePropertiesEx",
        [
            page("ContinueRetrievePropertiesEx", &vms(1..2), Some("token-2")),
            page("ContinueRetrievePropertiesEx", &vms(2..3), None),
        ],
    );
    let client = stub.client().await;
    let wanted: Vec<ManagedObjectReference> = (0..3)
        .map(|id| ManagedObjectReference::new("VirtualMachine", format!("vm-{id}")))
        .collect();

    let objects = retrieve_objects(&client, &wanted, &["name"]).await.unwrap();

    let names: Vec<&str> = objects.iter().map(|o| o.name().unwrap()).collect();
    assert_eq!(names, ["VM 0", "VM 1", "VM 2"]);
    assert_eq!(
        stub.calls(),
        [
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "ContinueRetrievePropertiesEx"
        ]
    );
}
