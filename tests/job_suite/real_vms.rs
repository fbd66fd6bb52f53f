//! Preflight checks real VMs need, on the simulator: each refuses before the snapshot, in one
//! line, with nothing changed. (The simulator's VMs use no storage and have plain disks: the
//! snapshot room, disk and vApp checks are unit-tested in `src/job/preflight/`.)

use vmrotate::{ErrorKind, ErrorReport, JobConfig};

use crate::support::{backup_ok, inventory, job, login, on, simulator, start};

/// Runs `job` on a fresh simulator and returns its error, after checking that the inventory
/// (VMs, snapshots, markers) did not change.
async fn refused(job: &JobConfig) -> ErrorReport {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let before = inventory(&client).await;
    let report = vmrotate::backup(&client, job, &on(1), None).await;
    assert!(!report.ok);
    assert_eq!(inventory(&client).await, before, "nothing changed");
    let error = report.error.expect("the report says why");
    assert_eq!(error.kind, ErrorKind::Preflight, "{}", error.message);
    assert!(error.kind.is_usage(), "exit code 2");
    assert!(!error.message.contains('\n'), "one line: {}", error.message);
    error
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clone_name_too_long_once_escaped_is_refused_with_the_limit() {
    let mut long = job(3);
    // avocado2-01-201909010241: 24 characters after the prefix, whose % counts 3.
    long.prefix = format!("{}%", "z".repeat(54));
    let error = refused(&long).await;
    assert!(
        error.message.contains("is 81 characters once escaped") && error.message.contains("80"),
        "{}",
        error.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_simulators_plain_disks_pass_and_a_name_of_80_is_taken() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let mut fits = job(3);
    // 56 + 24 characters: exactly the limit.
    fits.prefix = "z".repeat(56);
    let report = backup_ok(&client, &fits, 1).await;
    assert_eq!(report.created.as_deref().map(str::len), Some(80));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[tokio::test(flavor = "multi_thread")]
async fn privileges_are_checked_once_per_run_on_what_it_touches() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.xml");
    let simulator = start(simulator().trace_file(&trace));
    let client = login(&simulator).await;
    backup_ok(&client, &job(3), 1).await;
    drop(simulator);
    let trace = std::fs::read_to_string(&trace).unwrap();
    let checks: Vec<&str> = trace
        .split("Request: ")
        .filter(|exchange| exchange.contains("<HasPrivilegeOnEntities"))
        .collect();
    assert_eq!(checks.len(), 1);
    for wanted in [
        "VirtualMachine.Provisioning.Clone",
        "Datastore.AllocateSpace",
        "Resource.AssignVMToPool",
        "Folder.Create",
        r#"type="Datastore""#,
        r#"type="VirtualMachine""#,
        r#"type="ResourcePool""#,
    ] {
        assert!(checks[0].contains(wanted), "{wanted} in {}", checks[0]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn preferred_and_required_quiesce_a_running_vm_and_off_does_not() {
    for (policy, quiesced) in [
        (vmrotate::Quiesce::Off, "<quiesce>false</quiesce>"),
        (vmrotate::Quiesce::Preferred, "<quiesce>true</quiesce>"),
        (vmrotate::Quiesce::Required, "<quiesce>true</quiesce>"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let trace = dir.path().join("trace.xml");
        let simulator = start(simulator().trace_file(&trace));
        let client = login(&simulator).await;
        let mut job = job(3);
        job.quiesce = policy;
        let report = backup_ok(&client, &job, 1).await;
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        drop(simulator);
        let trace = std::fs::read_to_string(&trace).unwrap();
        let snapshots: Vec<&str> = trace
            .split("Request: ")
            .filter(|exchange| exchange.contains("<CreateSnapshot_Task"))
            .collect();
        assert_eq!(snapshots.len(), 1, "{policy:?}");
        assert!(
            snapshots[0].contains(quiesced),
            "{policy:?}: {}",
            snapshots[0]
        );
    }
}
