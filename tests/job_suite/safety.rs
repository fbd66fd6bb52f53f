//! What a run never does: delete a running backup, touch a user's snapshot, delete what it
//! did not make, change anything in a dry run, leave its snapshot after a failure.

use std::time::Duration;

use vmrotate::{ErrorKind, RunOptions};

use crate::support::{
    backup_ok, clone_name, clones, foreign_lock, inventory, job, login, login_with, on, set_power,
    simulator, source_snapshots, start, unmarked_clone, user_snapshot, vm,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_powered_on_clone_due_for_deletion_is_refused_without_force_and_deleted_with_it() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let mut job = job(3);
    backup_ok(&client, &job, 1).await;
    backup_ok(&client, &job, 2).await;
    set_power(&client, &clone_name(1, 1), true).await;

    let refused = vmrotate::backup(&client, &job, &on(3), None).await;
    let error = refused.error.expect("the run reports the refusal");
    assert_eq!(error.kind, ErrorKind::Refused);
    assert!(error.message.contains("powered on"), "{}", error.message);
    assert!(error.message.contains("`force`"), "{}", error.message);
    assert_eq!(
        clones(&client).await,
        [clone_name(1, 1), clone_name(2, 2), clone_name(3, 3)],
        "the new clone is made, the running one kept"
    );
    assert!(vm(&client, &clone_name(1, 1)).await.powered_on);
    assert!(source_snapshots(&client).await.is_empty());

    job.force = true;
    backup_ok(&client, &job, 4).await;
    assert_eq!(clones(&client).await, [clone_name(1, 4), clone_name(3, 3)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_users_snapshots_are_never_touched() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    user_snapshot(&client, "before upgrade", "the user's own").await;
    // Named like a run's snapshot, but without vmrotate's JSON marker: still the user's.
    user_snapshot(&client, "vmrotate-run 1", "not JSON").await;
    let job = job(2);
    for day in 1..=3 {
        backup_ok(&client, &job, day).await;
        assert_eq!(
            source_snapshots(&client).await,
            ["before upgrade", "vmrotate-run 1"],
            "after run {day}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_look_alike_without_the_marker_is_never_deleted_in_safe_mode() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let look_alike = "zz_avocado2-01-201908010241";
    unmarked_clone(&client, look_alike).await;
    let job = job(2);
    for day in 1..=3 {
        let report = backup_ok(&client, &job, day).await;
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.contains(look_alike) && w.contains("no vmrotate marker")),
            "{:?}",
            report.warnings
        );
    }
    assert_eq!(
        clones(&client).await,
        [look_alike.to_owned(), clone_name(1, 3)]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_changes_nothing() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let dry = RunOptions {
        dry_run: true,
        ..on(1)
    };

    // From nothing: not even the folder is made.
    let before = inventory(&client).await;
    let report = vmrotate::backup(&client, &job(2), &dry, None).await;
    assert!(report.ok && report.dry_run, "{:?}", report.error);
    assert_eq!(report.plan.expect("a plan").new_clone, clone_name(1, 1));
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("vmrotate-backups would be created"))
    );
    assert_eq!(inventory(&client).await, before);
    assert!(
        crate::support::find(&client, &["vm", "vmrotate-backups"])
            .await
            .is_none()
    );

    // With generations, a stale lock and a rotation due.
    backup_ok(&client, &job(2), 1).await;
    foreign_lock(&client, "elsewhere", 1, 0).await;
    let before = inventory(&client).await;
    let dry = RunOptions {
        dry_run: true,
        ..on(2)
    };
    let report = vmrotate::backup(&client, &job(2), &dry, None).await;
    assert!(report.ok, "{:?}", report.error);
    let plan = report.plan.expect("a plan");
    assert_eq!(plan.deletions().collect::<Vec<_>>(), [clone_name(1, 1)]);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("would be removed"))
    );
    assert_eq!(report.created, None);
    assert_eq!(inventory(&client).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_clone_removes_the_snapshot_and_deletes_nothing() {
    let simulator = start(simulator().method_delay("CloneVM_Task", Duration::from_secs(3)));
    let patient = login(&simulator).await;
    // Whatever the delay, the first run completes.
    backup_ok(&patient, &job(2), 1).await;
    let hasty = login_with(&simulator, |config| {
        config.transport.request_timeout = Duration::from_secs(1);
    })
    .await;

    let report = vmrotate::backup(&hasty, &job(2), &on(2), None).await;
    let error = report.error.expect("the clone times out");
    assert_eq!(error.kind, ErrorKind::Timeout);
    assert!(
        error
            .message
            .starts_with("cloning avocado2 as zz_avocado2-02-201909020241"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("did not finish within 1s"),
        "{}",
        error.message
    );
    assert!(report.snapshot_removed);
    assert!(report.deleted.is_empty());
    assert!(
        source_snapshots(&patient).await.is_empty(),
        "no snapshot left"
    );
    assert!(
        clones(&patient).await.contains(&clone_name(1, 1)),
        "the older generation is kept when the new one failed"
    );
}
