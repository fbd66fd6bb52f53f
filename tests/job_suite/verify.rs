//! Deep verification and the boot test on the simulator (with the launcher's VMware Tools test
//! double for a heartbeat), and `vmrotate::verify` on existing backups.

use std::time::{Duration, Instant};

use vmrotate::vsphere_client::Client;
use vmrotate::vsphere_client::property::retrieve_one;
use vmrotate::vsphere_client::types::{
    ManagedObjectReference, Object, Value, VirtualMachineConfigSpec,
};
use vmrotate::{
    ErrorKind, Verification, VerificationLevel, VerificationState, VerifyMode, VerifyRequest,
};

use super::support::*;

/// The verification record on the backup named `name`, as `list` reads it (the last entry
/// of the key counts: the simulator appends rather than replaces).
async fn record(client: &Client, name: &str) -> Verification {
    vmrotate::list_backups(client, &[SOURCE.to_owned()], "zz_")
        .await
        .unwrap()
        .into_iter()
        .flat_map(|vm| vm.generations)
        .find(|generation| generation.name == name)
        .and_then(|generation| generation.verification)
        .unwrap_or_else(|| panic!("{name} carries no verification record"))
}

/// The devices of the VM `vm`.
async fn devices(client: &Client, vm: &ManagedObjectReference) -> Vec<Object> {
    let props = retrieve_one(client, vm, &["config.hardware.device"])
        .await
        .unwrap();
    let devices = props.value("config.hardware.device").unwrap().cloned();
    devices
        .and_then(|value| value.as_array().map(<[Value]>::to_vec))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|value| match value {
            Value::Object(object) => Some(object),
            _ => None,
        })
        .collect()
}

/// Whether the card `nic` is connected, or connects at power-on.
fn connects(nic: &Object) -> bool {
    let Some(Value::Object(connectable)) = nic.get("connectable") else {
        return false;
    };
    ["connected", "startConnected"]
        .iter()
        .filter_map(|flag| connectable.get(flag))
        .any(|flag| flag.as_bool() == Some(true) || flag.as_str() == Some("true"))
}

async fn powered_on(client: &Client, vm: &ManagedObjectReference) -> bool {
    let props = retrieve_one(client, vm, &["runtime.powerState"])
        .await
        .unwrap();
    props
        .value("runtime.powerState")
        .unwrap()
        .and_then(Value::as_str)
        == Some("poweredOn")
}

fn request(clone: &str) -> VerifyRequest {
    VerifyRequest {
        clones: vec![clone.to_owned()],
        ..VerifyRequest::default()
    }
}

#[tokio::test]
async fn every_run_verifies_disks_and_files_and_verify_repeats_it() {
    let sim = start(simulator());
    let client = login(&sim).await;
    backup_ok(&client, &job(4), 1).await;
    let name = clone_name(1, 1);
    let recorded = record(&client, &name).await;
    assert_eq!(recorded.state, VerificationState::Verified);
    assert_eq!(recorded.level, VerificationLevel::Metadata);
    for check in [
        "disk_count",
        "disk_capacity",
        "disks_on_target",
        "full_clone",
        "connected",
        "consolidated",
        "vmx_on_target",
        "marker",
    ] {
        assert!(
            recorded.checks.iter().any(|c| c == check),
            "{check}: {recorded:?}"
        );
    }
    assert_eq!(
        recorded.source_disks,
        [1024 * 1024],
        "the simulator's one 1 MB disk"
    );

    let outcomes = vmrotate::verify(&client, &request(&name)).await.unwrap();
    assert!(outcomes[0].ok, "{outcomes:?}");
    let again = record(&client, &name).await;
    assert!(again.at > recorded.at, "verify recorded its own result");
    assert_eq!(again.source_disks, recorded.source_disks);

    let unknown = vmrotate::verify(&client, &request("zz_nobody")).await;
    assert_eq!(unknown.unwrap_err().kind(), ErrorKind::NotFound);
    let unmarked = vmrotate::verify(&client, &request(SOURCE)).await;
    assert_eq!(unmarked.unwrap_err().kind(), ErrorKind::Refused);
}

#[tokio::test]
async fn verify_catches_a_clone_that_lost_its_disk() {
    let sim = start(simulator());
    let client = login(&sim).await;
    backup_ok(&client, &job(4), 1).await;
    let name = clone_name(1, 1);
    let clone = vm(&client, &name).await.moref;
    let disk = devices(&client, &clone)
        .await
        .into_iter()
        .find(|device| device.xsi_type == "VirtualDisk")
        .expect("the clone has a disk");
    let remove = Value::Object(Object {
        xsi_type: "VirtualDeviceConfigSpec".into(),
        fields: vec![
            (
                "operation".into(),
                Value::Enum {
                    xsi_type: "VirtualDeviceConfigSpecOperation".into(),
                    value: "remove".into(),
                },
            ),
            ("device".into(), Value::Object(disk)),
        ],
    });
    let spec = VirtualMachineConfigSpec {
        device_change: vec![remove],
        ..VirtualMachineConfigSpec::default()
    };
    handle(&client, &name)
        .await
        .reconfigure(spec)
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();

    let outcomes = vmrotate::verify(&client, &request(&name)).await.unwrap();
    assert!(!outcomes[0].ok);
    let error = outcomes[0].error.as_ref().unwrap();
    assert_eq!(error.kind, ErrorKind::Verify);
    assert!(error.message.contains("disk_count"), "{}", error.message);
    let recorded = record(&client, &name).await;
    assert_eq!(recorded.state, VerificationState::Failed);
    assert!(recorded.failed.iter().any(|check| check == "disk_count"));
}

#[tokio::test]
async fn a_boot_test_isolates_the_clone_and_waits_for_the_heartbeat() {
    let sim = start(simulator().tools_heartbeat_after(Duration::from_secs(2)));
    let client = login(&sim).await;
    backup_ok(&client, &job(4), 1).await;
    let name = clone_name(1, 1);
    let clone = vm(&client, &name).await.moref;
    assert!(
        devices(&client, &clone)
            .await
            .iter()
            .any(|d| d.get("macAddress").is_some() && connects(d)),
        "the simulator's card connects at power-on before the test"
    );

    // Watch the clone through the inventory while the test runs.
    let watcher = {
        let (client, clone) = (client.clone(), clone.clone());
        tokio::spawn(async move {
            let mut seen_on = 0;
            loop {
                if powered_on(&client, &clone).await {
                    seen_on += 1;
                    let nics: Vec<Object> = devices(&client, &clone)
                        .await
                        .into_iter()
                        .filter(|d| d.get("macAddress").is_some())
                        .collect();
                    assert!(!nics.is_empty());
                    assert!(
                        !nics.iter().any(connects),
                        "a card is connected while booted"
                    );
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                if seen_on > 0 && !powered_on(&client, &clone).await {
                    return seen_on;
                }
            }
        })
    };
    let boot = VerifyRequest {
        boot: true,
        boot_timeout: Duration::from_secs(30),
        ..request(&name)
    };
    let outcomes = vmrotate::verify(&client, &boot).await.unwrap();
    assert!(outcomes[0].ok, "{outcomes:?}");
    let seen_on = tokio::time::timeout(Duration::from_secs(10), watcher)
        .await
        .expect("the watcher saw it on, then off")
        .unwrap();
    assert!(seen_on > 0);
    let recorded = record(&client, &name).await;
    assert_eq!(recorded.state, VerificationState::Verified);
    assert_eq!(recorded.level, VerificationLevel::Boot);
    let heartbeat = recorded.boot.unwrap().heartbeat_after_ms.unwrap();
    assert!((1500..30_000).contains(&heartbeat), "{heartbeat} ms");
    assert!(!vm(&client, &name).await.powered_on, "powered off again");

    // A clone already on is refused, and left on.
    handle(&client, &name)
        .await
        .power_on(None)
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();
    let outcomes = vmrotate::verify(&client, &boot).await.unwrap();
    assert_eq!(outcomes[0].error.as_ref().unwrap().kind, ErrorKind::Refused);
    assert!(vm(&client, &name).await.powered_on);
}

#[tokio::test]
async fn a_failed_boot_test_fails_the_run_deletes_nothing_and_is_rotated_first() {
    // No Tools double: no heartbeat ever comes.
    let sim = start(simulator());
    let client = login(&sim).await;
    let mut job = job(3);
    backup_ok(&client, &job, 1).await;
    backup_ok(&client, &job, 2).await;
    let source_before = vm(&client, SOURCE).await;

    job.verify = VerifyMode::Boot;
    job.timeouts.boot = Duration::from_secs(3);
    let started = Instant::now();
    let report = vmrotate::backup(&client, &job, &on(3), None).await;
    let took = started.elapsed();
    let error = report.error.expect("the boot test fails");
    assert_eq!(error.kind, ErrorKind::Verify, "{}", error.message);
    assert!(error.message.contains("heartbeat"), "{}", error.message);
    assert!(
        took < Duration::from_secs(30),
        "failed within the timeout: {took:?}"
    );
    assert_eq!(report.deleted, Vec::<String>::new());
    let failed = clone_name(3, 3);
    assert_eq!(
        clones(&client).await,
        [clone_name(1, 1), clone_name(2, 2), failed.clone()],
        "the plan's delete of day 1 was not done"
    );
    assert!(!vm(&client, &failed).await.powered_on, "powered off again");
    let recorded = record(&client, &failed).await;
    assert_eq!(
        (recorded.state, recorded.level),
        (VerificationState::Failed, VerificationLevel::Boot)
    );
    let source_after = vm(&client, SOURCE).await;
    assert_eq!(source_after.powered_on, source_before.powered_on);
    assert_eq!(source_after.snapshots, source_before.snapshots);
    let listed = vmrotate::list_backups(&client, &[SOURCE.to_owned()], "zz_").await;
    let listed = serde_json::to_string(&listed.unwrap()).unwrap();
    assert!(listed.contains(r#""state":"failed""#), "{listed}");

    // The next run counts the failed clone oldest: it goes, the newest verified one stays.
    job.verify = VerifyMode::Metadata;
    let report = backup_ok(&client, &job, 4).await;
    assert!(report.deleted.contains(&failed), "{:?}", report.deleted);
    assert!(clones(&client).await.contains(&clone_name(2, 2)));
}

#[tokio::test]
async fn verify_catches_a_disk_on_another_datastore() {
    let sim = start(simulator());
    let client = login(&sim).await;
    // The source's disk file, read before the clone (which the simulator aliases to it).
    let source = vm(&client, SOURCE).await.moref;
    let production = disk_file(&devices(&client, &source).await);
    assert!(production.starts_with("[LocalDS_0]"), "{production}");
    backup_ok(&client, &job(4), 1).await;
    let name = clone_name(1, 1);
    let clone = vm(&client, &name).await.moref;
    let mut disk = devices(&client, &clone)
        .await
        .into_iter()
        .find(|device| device.xsi_type == "VirtualDisk")
        .expect("the clone has a disk");
    // Point the disk's backing at the production datastore, as a disk left behind would be.
    for (field, value) in &mut disk.fields {
        if let ("backing", Value::Object(backing)) = (field.as_str(), value) {
            backing.fields.retain(|(name, _)| name != "datastore");
            for (name, value) in &mut backing.fields {
                if name == "fileName" {
                    *value = Value::String(production.clone());
                }
            }
        }
    }
    let edit = Value::Object(Object {
        xsi_type: "VirtualDeviceConfigSpec".into(),
        fields: vec![
            (
                "operation".into(),
                Value::Enum {
                    xsi_type: "VirtualDeviceConfigSpecOperation".into(),
                    value: "edit".into(),
                },
            ),
            ("device".into(), Value::Object(disk)),
        ],
    });
    let spec = VirtualMachineConfigSpec {
        device_change: vec![edit],
        ..VirtualMachineConfigSpec::default()
    };
    handle(&client, &name)
        .await
        .reconfigure(spec)
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();

    let outcomes = vmrotate::verify(&client, &request(&name)).await.unwrap();
    assert!(!outcomes[0].ok);
    let message = &outcomes[0].error.as_ref().unwrap().message;
    assert!(message.contains("disks_on_target"), "{message}");
    assert!(message.contains("[LocalDS_0]"), "{message}");
}

/// The backing file of the first disk among `devices`.
fn disk_file(devices: &[Object]) -> String {
    let disk = devices
        .iter()
        .find(|device| device.xsi_type == "VirtualDisk")
        .expect("a disk");
    let Some(Value::Object(backing)) = disk.get("backing") else {
        panic!("a disk without backing");
    };
    backing
        .get("fileName")
        .and_then(Value::as_str)
        .expect("a backing file")
        .to_owned()
}

#[tokio::test]
async fn a_stop_request_during_the_boot_test_powers_the_clone_off() {
    let sim = start(simulator());
    let client = login(&sim).await;
    backup_ok(&client, &job(4), 1).await;
    let name = clone_name(1, 1);
    let stop = vmrotate::Stop::new();
    let boot = VerifyRequest {
        boot: true,
        boot_timeout: Duration::from_secs(60),
        stop: stop.clone(),
        ..request(&name)
    };
    let clone = vm(&client, &name).await.moref;
    let asker = {
        let (client, stop) = (client.clone(), stop.clone());
        tokio::spawn(async move {
            while !powered_on(&client, &clone).await {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            stop.request(vmrotate::StopReason::Interrupt);
        })
    };
    let started = Instant::now();
    let outcomes = vmrotate::verify(&client, &boot).await.unwrap();
    asker.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(outcomes[0].error.as_ref().unwrap().kind, ErrorKind::Stopped);
    assert!(!vm(&client, &name).await.powered_on, "powered off again");
}
