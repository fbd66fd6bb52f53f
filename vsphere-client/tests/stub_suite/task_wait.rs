//! `Task::wait` on a task that runs for a while: progress, results, timeouts with and
//! without cancellation, and polling when the server faults on the property collector path.

use std::time::{Duration, Instant};

use vsphere_client::object::{CloneSpec, Folder, VirtualMachine};
use vsphere_client::task::{Progress, Task};
use vsphere_client::types::{ManagedObjectReference, TaskInfoState, Value};
use vsphere_client::{Client, Error};

use crate::canned::{
    TASK, cancelable, progress, reference_val, state, task_properties, task_update,
};
use crate::stub::{COLLECTOR, Reply, Stub};

fn task(client: &Client) -> Task {
    Task::new(client.clone(), ManagedObjectReference::new("Task", TASK))
}

fn running(percent: i32) -> Progress {
    Progress {
        state: TaskInfoState::Running,
        percent: Some(percent),
    }
}

#[tokio::test]
async fn progress_is_reported_in_order_and_the_result_returned() {
    let stub = Stub::start().await;
    stub.script(
        "CloneVM_Task",
        [Reply::reference("CloneVM_Task", "Task", TASK)],
    );
    stub.script(
        "WaitForUpdatesEx",
        [
            task_update(
                "1",
                "enter",
                &[
                    ("info.state", Some(state("running"))),
                    ("info.progress", Some(progress(10))),
                    ("info.error", None),
                    ("info.result", None),
                    ("info.cancelable", Some(cancelable(true))),
                ],
            ),
            task_update("2", "modify", &[("info.progress", Some(progress(50)))]),
            task_update(
                "3",
                "modify",
                &[
                    ("info.state", Some(state("success"))),
                    ("info.result", Some(reference_val("VirtualMachine", "vm-9"))),
                ],
            ),
        ],
    );
    let client = stub.client().await;
    let vm = VirtualMachine::new(
        client.clone(),
        ManagedObjectReference::new("VirtualMachine", "vm-1"),
    );
    let folder = Folder::new(
        client.clone(),
        ManagedObjectReference::new("Folder", "group-v3"),
    );

    let task = vm
        .clone_vm(&folder, "web01-backup", CloneSpec::new())
        .await
        .unwrap();
    let mut seen = Vec::new();
    let result = task
        .wait(Duration::from_secs(30), |progress| seen.push(progress))
        .await
        .unwrap();

    assert_eq!(seen, [running(10), running(50)]);
    assert_eq!(
        result,
        Value::ManagedObjectReference(ManagedObjectReference::new("VirtualMachine", "vm-9"))
    );
    assert_eq!(
        stub.calls(),
        [
            "CloneVM_Task",
            "CreatePropertyCollector",
            "CreateFilter",
            "WaitForUpdatesEx",
            "WaitForUpdatesEx",
            "WaitForUpdatesEx",
            "DestroyPropertyCollector"
        ]
    );
    let filter = &stub.bodies("CreateFilter")[0];
    let own_collector = format!(r#"<_this type="PropertyCollector">{COLLECTOR}</_this>"#);
    assert!(filter.contains(&own_collector), "{filter}");
    assert!(
        filter.contains(&format!(r#"<obj type="Task">{TASK}</obj>"#)),
        "{filter}"
    );
    for path in [
        "info.state",
        "info.progress",
        "info.error",
        "info.result",
        "info.cancelable",
    ] {
        assert!(
            filter.contains(&format!("<pathSet>{path}</pathSet>")),
            "{path} in {filter}"
        );
    }
    assert!(
        filter.contains("<partialUpdates>true</partialUpdates>"),
        "{filter}"
    );
    let waits = stub.bodies("WaitForUpdatesEx");
    assert!(
        waits
            .iter()
            .all(|wait| wait.contains(&own_collector) && wait.contains("<maxWaitSeconds>"))
    );
    assert!(!waits[0].contains("<version>"), "{}", waits[0]);
    assert!(waits[1].contains("<version>1</version>"), "{}", waits[1]);
    assert!(waits[2].contains("<version>2</version>"), "{}", waits[2]);
    assert!(stub.bodies("DestroyPropertyCollector")[0].contains(&own_collector));
}

/// A task stuck at 5%: the first update, then nothing ever changes.
fn stuck_task(stub: &Stub, is_cancelable: bool) {
    stub.script(
        "WaitForUpdatesEx",
        [task_update(
            "1",
            "enter",
            &[
                ("info.state", Some(state("running"))),
                ("info.progress", Some(progress(5))),
                ("info.cancelable", Some(cancelable(is_cancelable))),
            ],
        )],
    );
    // A real server holds the call for maxWaitSeconds; the stub answers sooner.
    stub.always(Reply::ok("WaitForUpdatesEx", "").after(Duration::from_millis(100)));
}

#[tokio::test]
async fn a_task_that_never_finishes_is_cancelled_at_the_timeout() {
    let stub = Stub::start().await;
    stuck_task(&stub, true);
    let client = stub.client().await;

    let started = Instant::now();
    let mut seen = Vec::new();
    let error = task(&client)
        .wait(Duration::from_millis(1200), |progress| seen.push(progress))
        .await
        .unwrap_err();

    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1200) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    let Error::Timeout { after, .. } = &error else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!(*after, Duration::from_millis(1200));
    assert!(
        error.to_string().contains(TASK) && error.to_string().contains("asked to cancel"),
        "{error}"
    );
    assert_eq!(seen, [running(5)]);
    let calls = stub.calls();
    assert_eq!(
        calls[calls.len() - 2..],
        ["DestroyPropertyCollector", "CancelTask"]
    );
    assert!(
        stub.bodies("CancelTask")[0].contains(&format!(r#"<_this type="Task">{TASK}</_this>"#))
    );
    let waits = stub.bodies("WaitForUpdatesEx");
    assert!(waits.iter().all(|wait| wait.contains("<maxWaitSeconds>")));
    assert!(
        waits[0].contains("<maxWaitSeconds>2</maxWaitSeconds>"),
        "rounded up: {}",
        waits[0]
    );
}

#[tokio::test]
async fn a_task_that_cannot_be_cancelled_just_times_out() {
    let stub = Stub::start().await;
    stuck_task(&stub, false);
    let client = stub.client().await;

    let error = task(&client)
        .wait(Duration::from_millis(500), |_| {})
        .await
        .unwrap_err();

    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(!error.to_string().contains("cancel"), "{error}");
    assert!(!stub.calls().contains(&"CancelTask".to_owned()));
    assert_eq!(
        stub.calls().last().map(String::as_str),
        Some("DestroyPropertyCollector")
    );
}

#[tokio::test]
async fn without_property_collectors_the_task_is_polled() {
    let stub = Stub::start().await;
    stub.script(
        "CreatePropertyCollector",
        [Reply::fault(
            "MethodNotFound",
            "not implemented",
            "<method>CreatePropertyCollector</method>",
        )],
    );
    stub.script(
        "RetrievePropertiesEx",
        [
            task_properties(&[
                ("info.state", state("running")),
                ("info.progress", progress(30)),
            ]),
            task_properties(&[
                ("info.state", state("success")),
                (
                    "info.result",
                    reference_val("VirtualMachineSnapshot", "snapshot-3"),
                ),
            ]),
        ],
    );
    let client = stub.client().await;

    let mut seen = Vec::new();
    let result = task(&client)
        .wait(Duration::from_secs(30), |progress| seen.push(progress))
        .await
        .unwrap();

    assert_eq!(seen, [running(30)]);
    assert_eq!(
        result.into_typed::<ManagedObjectReference>().unwrap(),
        ManagedObjectReference::new("VirtualMachineSnapshot", "snapshot-3")
    );
    assert_eq!(
        stub.calls(),
        [
            "CreatePropertyCollector",
            "RetrievePropertiesEx",
            "RetrievePropertiesEx"
        ]
    );
    let poll = &stub.bodies("RetrievePropertiesEx")[0];
    assert!(
        poll.contains(r#"<_this type="PropertyCollector">propertyCollector</_this>"#),
        "{poll}"
    );
    assert!(
        poll.contains(&format!(r#"<obj type="Task">{TASK}</obj>"#)),
        "{poll}"
    );
}

#[tokio::test]
async fn a_collector_whose_filter_fails_is_destroyed_before_polling() {
    let stub = Stub::start().await;
    stub.script("CreateFilter", [Reply::fault("NotSupported", "", "")]);
    stub.script(
        "RetrievePropertiesEx",
        [task_properties(&[("info.state", state("success"))])],
    );
    let client = stub.client().await;

    let result = task(&client)
        .wait(Duration::from_secs(30), |_| {})
        .await
        .unwrap();

    assert_eq!(result, Value::Null);
    assert_eq!(
        stub.calls(),
        [
            "CreatePropertyCollector",
            "CreateFilter",
            "DestroyPropertyCollector",
            "RetrievePropertiesEx"
        ]
    );
}

#[tokio::test]
async fn a_task_fault_reported_by_update_is_the_typed_error() {
    let stub = Stub::start().await;
    let error_val = r#"<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="LocalizedMethodFault"><fault XMLSchema-instance:type="FileNotFound"><file>[NFS_durian] web01/web01.vmx</file></fault><localizedMessage>File [NFS_durian] web01/web01.vmx was not found</localizedMessage></val>"#;
    stub.script(
        "WaitForUpdatesEx",
        [task_update(
            "1",
            "enter",
            &[
                ("info.state", Some(state("error"))),
                ("info.error", Some(error_val.to_owned())),
            ],
        )],
    );
    let client = stub.client().await;

    let error = task(&client)
        .wait(Duration::from_secs(30), |_| {})
        .await
        .unwrap_err();

    assert!(
        error.is_fault(vsphere_client::types::FaultKind::FileFault),
        "{error}"
    );
    assert_eq!(error.fault_type(), Some("FileNotFound"));
    assert!(
        error
            .to_string()
            .contains("File [NFS_durian] web01/web01.vmx was not found"),
        "{error}"
    );
    assert_eq!(
        stub.calls().last().map(String::as_str),
        Some("DestroyPropertyCollector")
    );
}
