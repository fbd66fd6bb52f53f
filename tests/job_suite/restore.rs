//! Restores (full copy and register-only) and the list of backups.

use vmrotate::{Anomaly, ErrorKind, PowerState, RestoreRequest};

use crate::support::{
    DURIAN, MANGO, SOURCE, backup_ok, clone_name, clones, find_vm, foreign_lock, inventory, job,
    login, set_power, simulator, start, unmarked_clone, vm,
};

/// Whether the VM carries no usable vmrotate marker (keys absent, or emptied as vSphere does
/// to delete them).
fn unmarked(marker: &[String]) -> bool {
    marker.iter().all(|entry| entry.ends_with('='))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_restore_copies_the_backup_into_a_new_unmarked_vm() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    backup_ok(&client, &job(2), 1).await;
    let backup = clone_name(1, 1);

    let request = RestoreRequest {
        clone: backup.clone(),
        new_name: Some("avocado2-restored".into()),
        datastore: Some(MANGO.into()),
        folder: Some("restored".into()),
        power_on: true,
        ..RestoreRequest::default()
    };
    let report = vmrotate::restore(&client, &request)
        .await
        .expect("the restore");
    assert_eq!(
        (report.vm.as_str(), report.from.as_str()),
        ("avocado2-restored", backup.as_str())
    );
    assert!(
        report
            .to_string()
            .starts_with("copied zz_avocado2-01-201909010241 as avocado2-restored")
    );

    let restored = vm(&client, "avocado2-restored").await;
    assert_eq!(restored.datastores, [MANGO]);
    assert_eq!(restored.folder, "restored");
    assert!(restored.powered_on);
    assert!(unmarked(&restored.marker), "{:?}", restored.marker);
    assert!(
        find_vm(&client, &backup).await.is_some(),
        "the backup stays a backup"
    );

    // Rotation never counts it.
    backup_ok(&client, &job(2), 2).await;
    backup_ok(&client, &job(2), 3).await;
    assert!(find_vm(&client, "avocado2-restored").await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restore_never_replaces_a_vm_and_names_itself_by_default() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    backup_ok(&client, &job(2), 1).await;
    let before = inventory(&client).await;
    let taken = RestoreRequest {
        clone: clone_name(1, 1),
        new_name: Some(SOURCE.into()),
        ..RestoreRequest::default()
    };
    let error = vmrotate::restore(&client, &taken)
        .await
        .expect_err("the name is taken");
    assert_eq!(error.kind(), ErrorKind::Refused);
    assert!(error.to_string().contains("never replaces a VM"), "{error}");
    assert_eq!(inventory(&client).await, before);

    let unnamed = RestoreRequest {
        clone: clone_name(1, 1),
        ..RestoreRequest::default()
    };
    let report = vmrotate::restore(&client, &unnamed)
        .await
        .expect("the restore");
    assert!(report.vm.starts_with("avocado2-restored-"), "{}", report.vm);
    assert_eq!(
        vm(&client, &report.vm).await.datastores,
        [DURIAN],
        "the backup's datastore"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn register_only_turns_the_backup_into_a_vm_on_another_host() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    backup_ok(&client, &job(2), 1).await;
    let backup = vm(&client, &clone_name(1, 1)).await;
    let other_host = if backup.host == "DC0_C0_H0" {
        "DC0_C0_H1"
    } else {
        "DC0_C0_H0"
    };

    let request = RestoreRequest {
        clone: backup.name.clone(),
        new_name: Some("avocado2-rescued".into()),
        host: Some(other_host.into()),
        register_only: true,
        ..RestoreRequest::default()
    };
    let report = vmrotate::restore(&client, &request)
        .await
        .expect("the registration");
    assert!(report.register_only);
    assert!(
        report.warnings[0].contains("no longer a backup"),
        "{:?}",
        report.warnings
    );

    let rescued = vm(&client, "avocado2-rescued").await;
    assert_eq!(rescued.host, other_host);
    assert_eq!(
        rescued.datastores, backup.datastores,
        "the backup's own files"
    );
    assert!(unmarked(&rescued.marker), "{:?}", rescued.marker);
    assert!(
        find_vm(&client, &backup.name).await.is_none(),
        "registered once, under its new name"
    );

    // The rescued VM is no generation: later runs leave it alone.
    backup_ok(&client, &job(2), 2).await;
    backup_ok(&client, &job(2), 3).await;
    assert!(find_vm(&client, "avocado2-rescued").await.is_some());
    assert_eq!(clones(&client).await, [clone_name(2, 3)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn register_only_refuses_a_running_backup() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    backup_ok(&client, &job(2), 1).await;
    set_power(&client, &clone_name(1, 1), true).await;
    let before = inventory(&client).await;
    let request = RestoreRequest {
        clone: clone_name(1, 1),
        register_only: true,
        ..RestoreRequest::default()
    };
    let error = vmrotate::restore(&client, &request)
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Refused);
    assert!(error.to_string().contains("power it off"), "{error}");
    assert_eq!(inventory(&client).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_shows_generations_and_anomalies() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let job = job(4);
    for day in 1..=3 {
        backup_ok(&client, &job, day).await;
    }
    unmarked_clone(&client, "zz_avocado2-01-201908010241").await;
    set_power(&client, &clone_name(3, 3), true).await;
    let lock = foreign_lock(&client, "backup02.example", 4242, 3600).await;

    let listed = vmrotate::list_backups(&client, &[SOURCE.to_owned()], "zz_")
        .await
        .unwrap();
    let [avocado] = listed.as_slice() else {
        panic!("one VM listed: {listed:?}");
    };
    assert!(avocado.exists);
    let names: Vec<&str> = avocado
        .generations
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "zz_avocado2-01-201908010241",
            &clone_name(1, 1),
            &clone_name(2, 2),
            &clone_name(3, 3)
        ]
    );
    let marked: Vec<bool> = avocado.generations.iter().map(|g| g.marked).collect();
    assert_eq!(marked, [false, true, true, true]);
    let datastores: Vec<&str> = avocado
        .generations
        .iter()
        .map(|g| g.datastore.as_str())
        .collect();
    assert_eq!(datastores, ["LocalDS_0", DURIAN, MANGO, DURIAN]);
    assert_eq!(avocado.generations[3].power_state, PowerState::PoweredOn);
    assert_eq!(avocado.generations[1].created, Some(crate::support::day(1)));
    assert_eq!(avocado.generations[0].created, None);

    assert!(avocado.anomalies.contains(&Anomaly::Unmarked {
        name: "zz_avocado2-01-201908010241".into()
    }));
    assert!(avocado.anomalies.contains(&Anomaly::PoweredOn {
        name: clone_name(3, 3)
    }));
    assert!(avocado.anomalies.iter().any(
        |anomaly| matches!(anomaly, Anomaly::RunSnapshot { snapshot, .. } if *snapshot == lock)
    ));
    assert!(
        avocado
            .findings
            .iter()
            .any(|finding| finding.to_string().contains("slot 01 holds 2")),
        "{:?}",
        avocado.findings
    );
    let json = serde_json::to_value(avocado).unwrap();
    assert_eq!(json["anomalies"][0]["kind"], "unmarked");
    assert!(
        json["anomalies"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no vmrotate marker")
    );

    let everything = vmrotate::list_backups(&client, &[], "zz_").await.unwrap();
    assert_eq!(everything.len(), 1);
    assert_eq!(everything[0].generations.len(), 4);
    let missing = vmrotate::list_backups(&client, &["avocado".to_owned()], "zz_").await;
    assert_eq!(missing.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restore_holds_the_sources_lock_and_waits_for_a_run_that_holds_it() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    backup_ok(&client, &job(2), 1).await;
    let request = RestoreRequest {
        clone: clone_name(1, 1),
        new_name: Some("avocado2-restored".into()),
        ..RestoreRequest::default()
    };
    // A live run on another machine holds avocado2's lock: the restore refuses, changing
    // nothing, so a rotation cannot delete the backup it would copy.
    let lock = foreign_lock(&client, "backup02.example", 4242, 3600).await;
    let before = inventory(&client).await;
    let error = vmrotate::restore(&client, &request).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Locked, "{error}");
    assert!(error.to_string().contains("backup02.example"), "{error}");
    assert_eq!(inventory(&client).await, before);

    vmrotate::unlock(&client, SOURCE, true)
        .await
        .expect("unlocked");
    assert!(
        !crate::support::source_snapshots(&client)
            .await
            .contains(&lock)
    );
    vmrotate::restore(&client, &request)
        .await
        .expect("the restore");
    assert!(
        crate::support::source_snapshots(&client).await.is_empty(),
        "the restore's lock is gone"
    );
    assert!(find_vm(&client, "avocado2-restored").await.is_some());
}
