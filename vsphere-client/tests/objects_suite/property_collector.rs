//! The raw property collector calls: own collectors, filters, `WaitForUpdatesEx` and its
//! cancellation.

use std::time::Duration;

use vsphere_client::object::PropertyCollector;
use vsphere_client::types::{
    FaultKind, ObjectSpec, ObjectUpdateKind, PropertyFilterSpec, PropertySpec, Value, WaitOptions,
};

use crate::support::{SOURCE_VM, login, source_vm};

fn name_of(vm: &vsphere_client::object::VirtualMachine) -> PropertyFilterSpec {
    PropertyFilterSpec {
        prop_set: vec![PropertySpec {
            r#type: "VirtualMachine".into(),
            all: Some(false),
            path_set: vec!["name".into()],
        }],
        object_set: vec![ObjectSpec {
            obj: vm.moref().clone(),
            ..ObjectSpec::default()
        }],
        report_missing_objects_in_results: None,
    }
}

fn wait_at_most(seconds: i32) -> WaitOptions {
    WaitOptions {
        max_wait_seconds: Some(seconds),
        max_object_updates: None,
    }
}

#[tokio::test]
async fn a_filter_on_an_own_collector_reports_the_current_values_then_nothing() {
    let client = login().await;
    let vm = source_vm(&client).await;
    let collector = PropertyCollector::of(&client)
        .create_property_collector()
        .await
        .unwrap();
    assert_ne!(collector.moref(), PropertyCollector::of(&client).moref());
    let filter = collector.create_filter(name_of(&vm), true).await.unwrap();
    assert_eq!(filter.moref().r#type, "PropertyFilter");

    let initial = collector
        .wait_for_updates_ex(None, wait_at_most(5))
        .await
        .unwrap()
        .expect("the initial values");
    let update = &initial.filter_set[0].object_set[0];
    assert_eq!(
        (update.kind.clone(), &update.obj),
        (ObjectUpdateKind::Enter, vm.moref())
    );
    assert_eq!(update.change_set[0].name, "name");
    assert_eq!(
        update.change_set[0].val,
        Some(Value::String(SOURCE_VM.into()))
    );

    let nothing = collector
        .wait_for_updates_ex(Some(&initial.version), wait_at_most(1))
        .await
        .unwrap();
    assert_eq!(nothing, None, "nothing changed");

    filter.destroy().await.unwrap();
    let collector_ref = collector.moref().clone();
    collector.destroy().await.unwrap();
    let gone = PropertyCollector::new(client.clone(), collector_ref)
        .wait_for_updates_ex(None, wait_at_most(1))
        .await
        .unwrap_err();
    assert!(gone.is_fault(FaultKind::ManagedObjectNotFound), "{gone}");
}

#[tokio::test]
async fn cancel_wait_for_updates_ends_a_pending_wait_with_request_canceled() {
    let client = login().await;
    let vm = source_vm(&client).await;
    let collector = PropertyCollector::of(&client)
        .create_property_collector()
        .await
        .unwrap();
    collector.create_filter(name_of(&vm), true).await.unwrap();
    let initial = collector
        .wait_for_updates_ex(None, wait_at_most(5))
        .await
        .unwrap()
        .expect("the initial values");

    let started = std::time::Instant::now();
    let (waited, cancelled) = tokio::join!(
        collector.wait_for_updates_ex(Some(&initial.version), wait_at_most(30)),
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            collector.cancel_wait_for_updates().await
        }
    );

    cancelled.unwrap();
    let error = waited.unwrap_err();
    assert!(error.is_fault(FaultKind::RequestCanceled), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the wait ended early"
    );
    collector.destroy().await.unwrap();
}
