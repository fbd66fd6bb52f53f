//! `VirtualMachine::consolidate_disks`: the call's shape and its task's outcome.

use std::time::Duration;

use vsphere_client::object::VirtualMachine;
use vsphere_client::types::{FaultKind, ManagedObjectReference};

use crate::canned::{TASK, state, task_update};
use crate::stub::{Reply, Stub};

fn vm(client: &vsphere_client::Client) -> VirtualMachine {
    VirtualMachine::new(
        client.clone(),
        ManagedObjectReference::new("VirtualMachine", "vm-36"),
    )
}

#[tokio::test]
async fn consolidation_calls_the_vm_and_waits_for_its_task() {
    let stub = Stub::start().await;
    stub.script(
        "ConsolidateVMDisks_Task",
        [Reply::reference("ConsolidateVMDisks_Task", "Task", TASK)],
    );
    stub.script(
        "WaitForUpdatesEx",
        [task_update(
            "1",
            "enter",
            &[("info.state", Some(state("success")))],
        )],
    );
    let client = stub.client().await;

    let task = vm(&client).consolidate_disks().await.unwrap();
    task.wait(Duration::from_secs(30), |_| {}).await.unwrap();

    let call = &stub.bodies("ConsolidateVMDisks_Task")[0];
    assert!(
        call.contains(r#"<_this type="VirtualMachine">vm-36</_this></ConsolidateVMDisks_Task>"#),
        "{call}"
    );
}

#[tokio::test]
async fn a_failed_consolidation_is_the_tasks_fault() {
    let stub = Stub::start().await;
    stub.script(
        "ConsolidateVMDisks_Task",
        [Reply::reference("ConsolidateVMDisks_Task", "Task", TASK)],
    );
    let fault = r#"<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="LocalizedMethodFault"><fault XMLSchema-instance:type="FileLocked"><file>[NFS_durian] avocado2/avocado2-000001.vmdk</file></fault><localizedMessage>Unable to access file [NFS_durian] avocado2/avocado2-000001.vmdk since it is locked</localizedMessage></val>"#;
    stub.script(
        "WaitForUpdatesEx",
        [task_update(
            "1",
            "enter",
            &[
                ("info.state", Some(state("error"))),
                ("info.error", Some(fault.to_owned())),
            ],
        )],
    );
    let client = stub.client().await;

    let error = vm(&client)
        .consolidate_disks()
        .await
        .unwrap()
        .wait(Duration::from_secs(30), |_| {})
        .await
        .unwrap_err();

    assert!(error.is_fault(FaultKind::FileFault), "{error}");
    assert!(error.to_string().contains("since it is locked"), "{error}");
}
