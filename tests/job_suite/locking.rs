//! The per-VM lock (the run's snapshot): concurrent runs, stale and live locks, unlock.

use std::time::{Duration, Instant};

use vmrotate::ErrorKind;

use crate::support::{
    SOURCE, backup_ok, clone_name, clones, foreign_lock, inventory, job, login, on, simulator,
    source_snapshots, start, user_snapshot,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_for_the_same_vm_refuses_while_the_first_holds_the_lock() {
    let simulator = start(simulator().method_delay("CloneVM_Task", Duration::from_secs(2)));
    let client = login(&simulator).await;
    let first = tokio::spawn({
        let client = client.clone();
        async move { vmrotate::backup(&client, &job(3), &on(1), None).await }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while !source_snapshots(&client)
        .await
        .iter()
        .any(|name| name.starts_with("vmrotate-run "))
    {
        assert!(
            Instant::now() < deadline,
            "the first run never took its snapshot"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let second = vmrotate::backup(&client, &job(3), &on(2), None).await;
    let error = second.error.expect("the second run refuses");
    assert_eq!(error.kind, ErrorKind::Locked);
    assert!(
        error
            .message
            .contains("another vmrotate run holds the lock of avocado2"),
        "{}",
        error.message
    );
    assert_eq!(second.created, None);
    assert!(!second.snapshot_removed);

    let first = first.await.expect("the first run completes");
    assert!(first.ok, "{:?}", first.error);
    assert_eq!(clones(&client).await, [clone_name(1, 1)]);
    assert!(source_snapshots(&client).await.is_empty());
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn the_lock_of_a_dead_process_on_this_machine_is_cleared_at_once() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    // Linux process ids stay below 2^22: this process does not exist.
    let lock = foreign_lock(&client, &host, u32::MAX, 3600).await;

    let report = backup_ok(&client, &job(3), 1).await;
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains(&lock) && w.contains("no longer runs")),
        "{:?}",
        report.warnings
    );
    assert!(source_snapshots(&client).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_lock_from_another_machine_is_cleared() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let lock = foreign_lock(&client, "backup02.example", 4242, 0).await;

    let report = backup_ok(&client, &job(3), 1).await;
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains(&lock) && w.contains("time limit")),
        "{:?}",
        report.warnings
    );
    assert!(source_snapshots(&client).await.is_empty());
    assert_eq!(clones(&client).await, [clone_name(1, 1)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_live_lock_from_another_machine_refuses_until_unlocked() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    user_snapshot(&client, "before upgrade", "the user's own").await;
    let lock = foreign_lock(&client, "backup02.example", 4242, 3600).await;
    let before = inventory(&client).await;

    let report = vmrotate::backup(&client, &job(3), &on(1), None).await;
    let error = report.error.expect("the run refuses");
    assert_eq!(error.kind, ErrorKind::Locked);
    for part in [
        "backup02.example",
        "pid 4242",
        lock.as_str(),
        "unlock avocado2",
    ] {
        assert!(
            error.message.contains(part),
            "{part} missing: {}",
            error.message
        );
    }
    assert_eq!(inventory(&client).await, before, "nothing changed");

    // Live: unlocking needs force, and says who holds the lock.
    let refused = vmrotate::unlock(&client, SOURCE, false).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Locked);
    assert!(
        refused.to_string().contains("backup02.example"),
        "{refused}"
    );
    assert_eq!(inventory(&client).await, before, "nothing changed");
    assert_eq!(
        vmrotate::unlock(&client, SOURCE, true).await.unwrap(),
        [lock]
    );
    assert_eq!(source_snapshots(&client).await, ["before upgrade"]);
    backup_ok(&client, &job(3), 1).await;
    assert_eq!(source_snapshots(&client).await, ["before upgrade"]);
}
