//! `Task`: waiting for results and faults, and reading `info`, on the simulator (where tasks
//! have finished by the time the call that starts them returns).

use vsphere_client::task::Task;
use vsphere_client::types::{ManagedObjectReference, TaskInfoState};

use crate::support::{TASK_TIMEOUT, fresh_vm, login};

#[tokio::test]
async fn wait_returns_the_tasks_result_and_info_agrees() {
    let client = login().await;
    let vm = fresh_vm(&client, "tasks-snapshotted").await;
    let task = vm
        .create_snapshot("tasks-snap", "", false, false)
        .await
        .unwrap();
    assert_eq!(task.moref().r#type, "Task");

    let mut progress_reports = 0;
    let result = task
        .wait(TASK_TIMEOUT, |_| progress_reports += 1)
        .await
        .unwrap();
    let snapshot: ManagedObjectReference = result.into_typed().unwrap();
    assert_eq!(snapshot.r#type, "VirtualMachineSnapshot");
    assert_eq!(progress_reports, 0, "a finished task reports no progress");

    let info = Task::new(client.clone(), task.moref().clone())
        .info()
        .await
        .unwrap();
    assert_eq!(info.state, TaskInfoState::Success);
    assert_eq!(info.entity.as_ref(), Some(vm.moref()));
    assert_eq!(
        info.result
            .unwrap()
            .into_typed::<ManagedObjectReference>()
            .unwrap(),
        snapshot
    );
    assert_eq!(info.error, None);
}

#[tokio::test]
async fn a_failed_task_read_through_a_new_handle_fails_the_same_way() {
    let client = login().await;
    let vm = fresh_vm(&client, "tasks-powered-off").await;
    let task = vm.power_off().await.unwrap();
    let error = task.wait(TASK_TIMEOUT, |_| {}).await.unwrap_err();
    assert!(
        error.to_string().starts_with("PowerOffVM_Task ("),
        "{error}"
    );

    let again = Task::new(client.clone(), task.moref().clone());
    let error = again.wait(TASK_TIMEOUT, |_| {}).await.unwrap_err();
    assert_eq!(error.fault_type(), Some("InvalidPowerState"));
    assert!(
        error
            .to_string()
            .starts_with(&format!("task {} failed", task.moref().value)),
        "{error}"
    );
    assert_eq!(again.info().await.unwrap().state, TaskInfoState::Error);
}
