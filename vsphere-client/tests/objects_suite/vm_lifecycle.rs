//! Snapshots, clones, power, destroy, registration, moves and reconfiguration of VMs.

use vsphere_client::object::{
    CloneSpec, Folder, HostSystem, ResourcePool, VirtualMachine, VirtualMachineSnapshot,
    extra_config_entry,
};
use vsphere_client::types::{
    AnyMethodFault, FaultKind, ManagedObjectReference, Value, VirtualMachineConfigSpec,
    VirtualMachinePowerState, VirtualMachineRelocateDiskMoveOptions,
    VirtualMachineRelocateTransformation,
};

use crate::support::{
    DATACENTER, TASK_TIMEOUT, find, fresh_vm, login, new_folder, nfs_datastore, reference,
};

async fn power_state(vm: &VirtualMachine) -> VirtualMachinePowerState {
    vm.properties(&["runtime.powerState"])
        .await
        .unwrap()
        .require("runtime.powerState")
        .unwrap()
}

fn extra_config_value(entries: &[vsphere_client::types::OptionValue], key: &str) -> Option<Value> {
    entries
        .iter()
        .find(|entry| entry.key == key)
        .and_then(|entry| entry.value.clone())
}

#[tokio::test]
async fn a_clone_from_a_snapshot_lands_in_the_folder_on_the_datastore_with_its_extra_config() {
    let client = login().await;
    let source = fresh_vm(&client, "lifecycle-source").await;
    let snapshot_task = source
        .create_snapshot("backup-snap", "before the clone", false, false)
        .await
        .unwrap();
    let snapshot = VirtualMachineSnapshot::new(
        client.clone(),
        reference(snapshot_task.wait(TASK_TIMEOUT, |_| {}).await.unwrap()),
    );
    let info = source
        .snapshot_info()
        .await
        .unwrap()
        .expect("the VM has a snapshot");
    assert_eq!(info.current_snapshot.as_ref(), Some(snapshot.moref()));
    assert_eq!(info.root_snapshot_list[0].name, "backup-snap");
    assert_eq!(info.root_snapshot_list[0].description, "before the clone");

    let backups = new_folder(&client, "lifecycle-backups").await;
    let nfs = nfs_datastore(&client).await;
    let source_props = source
        .properties(&["resourcePool", "runtime.host"])
        .await
        .unwrap();
    let pool = ResourcePool::new(
        client.clone(),
        source_props.require("resourcePool").unwrap(),
    );
    let host = HostSystem::new(
        client.clone(),
        source_props.require("runtime.host").unwrap(),
    );
    let spec = CloneSpec::new()
        .snapshot(&snapshot)
        .datastore(&nfs)
        .pool(&pool)
        .host(&host)
        .disk_move_type(
            VirtualMachineRelocateDiskMoveOptions::MoveAllDiskBackingsAndDisallowSharing,
        )
        .transform(VirtualMachineRelocateTransformation::Sparse)
        .power_on(false)
        .annotation("backup of lifecycle-source")
        .extra_config("vmrotate.source", "lifecycle-source")
        .extra_config("vmrotate.slot", "1");
    let task = source
        .clone_vm(&backups, "lifecycle-source-backup-1", spec)
        .await
        .unwrap();
    let clone = VirtualMachine::new(
        client.clone(),
        reference(task.wait(TASK_TIMEOUT, |_| {}).await.unwrap()),
    );

    assert_eq!(clone.name().await.unwrap(), "lifecycle-source-backup-1");
    assert_eq!(
        clone.parent().await.unwrap().as_ref(),
        Some(backups.moref())
    );
    let datastores: Vec<ManagedObjectReference> = clone
        .properties(&["datastore"])
        .await
        .unwrap()
        .require("datastore")
        .unwrap();
    assert_eq!(datastores, [nfs.moref().clone()]);
    let extra = clone.extra_config().await.unwrap();
    assert_eq!(
        extra_config_value(&extra, "vmrotate.source"),
        Some(Value::String("lifecycle-source".into()))
    );
    assert_eq!(
        extra_config_value(&extra, "vmrotate.slot"),
        Some(Value::String("1".into()))
    );
    assert_eq!(
        power_state(&clone).await,
        VirtualMachinePowerState::PoweredOff
    );

    snapshot
        .remove(false, Some(true))
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();
    assert_eq!(
        source
            .snapshot_info()
            .await
            .unwrap()
            .map(|info| info.root_snapshot_list.len())
            .unwrap_or(0),
        0
    );
}

#[tokio::test]
async fn destroying_a_powered_on_vm_fails_with_invalid_power_state_and_works_once_off() {
    let client = login().await;
    let vm = fresh_vm(&client, "lifecycle-doomed").await;
    vm.power_on(None)
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();
    assert_eq!(power_state(&vm).await, VirtualMachinePowerState::PoweredOn);

    let error = vm
        .destroy()
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap_err();
    assert!(error.is_fault(FaultKind::InvalidPowerState), "{error}");
    let Some(AnyMethodFault::InvalidPowerState(fault)) = error.fault() else {
        panic!("expected InvalidPowerState, got {error:?}");
    };
    assert_eq!(fault.existing_state, VirtualMachinePowerState::PoweredOn);
    assert!(error.to_string().starts_with("Destroy_Task ("), "{error}");
    assert!(
        find_vm(&client, "lifecycle-doomed").await.is_some(),
        "the VM survives the failed destroy"
    );

    vm.power_off()
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();
    assert_eq!(power_state(&vm).await, VirtualMachinePowerState::PoweredOff);
    let result = vm
        .destroy()
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();
    assert_eq!(result, Value::Null);
    assert_eq!(find_vm(&client, "lifecycle-doomed").await, None);
}

async fn find_vm(client: &vsphere_client::Client, name: &str) -> Option<ManagedObjectReference> {
    vsphere_client::object::SearchIndex::of(client)
        .unwrap()
        .find_by_inventory_path([DATACENTER, "vm", name])
        .await
        .unwrap()
}

#[tokio::test]
async fn an_unregistered_vm_can_be_registered_again_on_the_other_host() {
    let client = login().await;
    let vm = fresh_vm(&client, "lifecycle-nomad").await;
    let props = vm
        .properties(&[
            "config.files.vmPathName",
            "resourcePool",
            "runtime.host",
            "parent",
        ])
        .await
        .unwrap();
    let vmx: String = props.require("config.files.vmPathName").unwrap();
    let pool = ResourcePool::new(client.clone(), props.require("resourcePool").unwrap());
    let old_host: ManagedObjectReference = props.require("runtime.host").unwrap();
    let folder = Folder::new(client.clone(), props.require("parent").unwrap());
    let other_host = [
        find(&client, &["host", "DC0_C0", "DC0_C0_H0"]).await,
        find(&client, &["host", "DC0_C0", "DC0_C0_H1"]).await,
    ]
    .into_iter()
    .find(|host| *host != old_host)
    .expect("two hosts");

    vm.unregister().await.unwrap();
    assert_eq!(find_vm(&client, "lifecycle-nomad").await, None);

    let other = HostSystem::new(client.clone(), other_host.clone());
    let task = folder
        .register_vm(&vmx, Some("lifecycle-nomad"), &pool, Some(&other))
        .await
        .unwrap();
    let registered = VirtualMachine::new(
        client.clone(),
        reference(task.wait(TASK_TIMEOUT, |_| {}).await.unwrap()),
    );
    assert_eq!(
        find_vm(&client, "lifecycle-nomad").await.as_ref(),
        Some(registered.moref())
    );
    let host: ManagedObjectReference = registered
        .properties(&["runtime.host"])
        .await
        .unwrap()
        .require("runtime.host")
        .unwrap();
    assert_eq!(host, other_host);
}

#[tokio::test]
async fn move_into_folder_moves_the_vm() {
    let client = login().await;
    let vm = fresh_vm(&client, "lifecycle-mover").await;
    let target = new_folder(&client, "lifecycle-moved-here").await;

    let result = target
        .move_into([vm.moref().clone()])
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();

    assert_eq!(result, Value::Null);
    assert_eq!(vm.parent().await.unwrap().as_ref(), Some(target.moref()));
    assert_eq!(
        target.find_child("lifecycle-mover").await.unwrap().as_ref(),
        Some(vm.moref())
    );
}

#[tokio::test]
async fn reconfigure_round_trips_the_annotation_and_extra_config() {
    let client = login().await;
    let vm = fresh_vm(&client, "lifecycle-reconfigured").await;
    let annotation = "backup of web01\nkept until <2027> & beyond";

    let spec = VirtualMachineConfigSpec {
        annotation: Some(annotation.into()),
        extra_config: vec![extra_config_entry("vmrotate.job", "nightly")],
        ..VirtualMachineConfigSpec::default()
    };
    vm.reconfigure(spec)
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();

    let read: String = vm
        .properties(&["config.annotation"])
        .await
        .unwrap()
        .require("config.annotation")
        .unwrap();
    assert_eq!(read, annotation);
    let extra = vm.extra_config().await.unwrap();
    assert_eq!(
        extra_config_value(&extra, "vmrotate.job"),
        Some(Value::String("nightly".into()))
    );
}
