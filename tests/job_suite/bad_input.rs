//! Bad input: each a clear error of the right kind, with nothing changed in vCenter.

use vmrotate::{ConnectOptions, ErrorKind, ErrorReport, JobConfig, VmMatch};

use crate::support::{
    DURIAN, MANGO, SOURCE, backup_ok, clones, inventory, job, login, on, simulator, start,
};

/// Runs `job` on a fresh simulator (with `vms` VMs) and returns its error, after checking that
/// the inventory did not change.
async fn refused(vms: usize, job: &JobConfig) -> ErrorReport {
    let simulator = start(simulator().vms(vms));
    let client = login(&simulator).await;
    let before = inventory(&client).await;
    let report = vmrotate::backup(&client, job, &on(1), None).await;
    assert!(!report.ok);
    assert_eq!(inventory(&client).await, before, "nothing changed");
    report.error.expect("the report says why")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_vm_is_not_found() {
    let mut job = job(4);
    job.vm = "avocado".into();
    let error = refused(1, &job).await;
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert!(
        error.message.contains("no VM is named \"avocado\""),
        "{}",
        error.message
    );
    assert!(error.kind.is_usage());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ambiguous_prefix_names_the_matches() {
    let mut job = job(4);
    job.vm = "DC0_C0_RP0_VM".into();
    job.vm_match = VmMatch::Prefix;
    let error = refused(3, &job).await;
    assert_eq!(error.kind, ErrorKind::Ambiguous);
    assert!(
        error.message.contains("DC0_C0_RP0_VM1, DC0_C0_RP0_VM2"),
        "{}",
        error.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_unique_prefix_selects_the_vm_and_keys_the_clones_as_the_script_did() {
    let simulator = start(simulator().vms(3));
    let client = login(&simulator).await;
    let mut job = job(4);
    job.vm = "avo".into();
    job.vm_match = VmMatch::Prefix;
    backup_ok(&client, &job, 1).await;
    let made: Vec<String> = inventory(&client)
        .await
        .into_iter()
        .filter(|vm| vm.name.starts_with("zz_"))
        .map(|vm| vm.name)
        .collect();
    assert_eq!(made, ["zz_avo-01-201909010241"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_datastore_lists_the_datastores() {
    let mut job = job(4);
    job.datastores = vec![DURIAN.into(), "NFS_papaya".into()];
    let error = refused(1, &job).await;
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert!(
        error.message.contains("\"NFS_papaya\""),
        "{}",
        error.message
    );
    assert!(error.message.contains(MANGO), "{}", error.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_datastore_without_room_says_how_much_is_needed() {
    let mut job = job(4);
    job.free_space_margin = 1.5;
    let error = refused(1, &job).await;
    assert_eq!(error.kind, ErrorKind::Preflight);
    for part in [
        DURIAN,
        MANGO,
        "free, but the clone needs",
        "free_space_margin",
    ] {
        assert!(
            error.message.contains(part),
            "{part} missing: {}",
            error.message
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_slot_in_safe_mode_is_a_config_error() {
    let error = refused(1, &job(1)).await;
    assert_eq!(error.kind, ErrorKind::Config);
    assert!(error.message.contains("use 2 or more"), "{}", error.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_a_login_error_that_hides_the_password() {
    let simulator = start(simulator());
    let mut options = ConnectOptions::new(simulator.url());
    options.username = Some(simulator.username().into());
    options.password = Some("hunter2-wrong".into());
    let error = options.connect().await.expect_err("the login is refused");
    assert_eq!(error.kind(), ErrorKind::Login);
    assert!(error.is_usage());
    let message = error.to_string();
    assert!(
        message.contains("check the user name and password"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");

    let client = login(&simulator).await;
    assert!(clones(&client).await.is_empty(), "nothing was made");
    assert!(inventory(&client).await.iter().any(|vm| vm.name == SOURCE));
}
