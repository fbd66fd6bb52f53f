//! Backups kept by a retention policy, and `prune`: checked against the inventory, next to slot
//! clones of the same VM that neither ever touches.

use jiff::Timestamp;
use vmrotate::rotation_core::retention::{Flavor, Rules};
use vmrotate::{ErrorKind, JobConfig, RetentionConfig, RunOptions};

use crate::support::{
    SOURCE, backup_ok, clone_name, clones, inventory, job, login, set_power, simulator,
    source_snapshots, start, vm,
};

/// `avocado2`'s job with `rules` in `flavor`'s semantics, counted in UTC.
fn retention_job(flavor: Flavor, rules: Rules) -> JobConfig {
    let mut job = job(4);
    job.retention = Some(RetentionConfig {
        flavor,
        rules,
        zone: Some("UTC".into()),
    });
    job
}

fn restic(rules: Rules) -> JobConfig {
    retention_job(Flavor::Restic, rules)
}

/// 2024-`month`-`day` at 02:00 UTC.
fn at(month: u8, day: u8) -> Timestamp {
    format!("2024-{month:02}-{day:02}T02:00:00Z")
        .parse()
        .expect("a valid day")
}

/// The name of the retention clone taken at 2024-`month`-`day` 02:00 UTC.
fn retention_name(month: u8, day: u8) -> String {
    format!("zz_{SOURCE}-r-2024{month:02}{day:02}T020000Z")
}

fn options(at: Timestamp, dry_run: bool) -> RunOptions {
    RunOptions {
        at: Some(at),
        dry_run,
        ..RunOptions::default()
    }
}

async fn backup_at(client: &vmrotate::vsphere_client::Client, job: &JobConfig, at: Timestamp) {
    let report = vmrotate::backup(client, job, &options(at, false), None).await;
    assert!(report.ok, "the backup at {at} failed: {:?}", report.error);
    assert!(report.plan.is_none(), "a retention run makes no slot plan");
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_daily_backups_under_restic_keep_three_daily_and_two_weekly() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let job = restic(Rules {
        keep_daily: Some(3),
        keep_weekly: Some(2),
        ..Rules::default()
    });
    // 2024-05-29 (Wednesday of ISO week 22) to 2024-06-07 (Friday of week 23).
    let days = [(5, 29), (5, 30), (5, 31)]
        .into_iter()
        .chain((1..=7).map(|day| (6, day)));
    for (month, day) in days {
        backup_at(&client, &job, at(month, day)).await;
        assert!(source_snapshots(&client).await.is_empty());
    }
    // Daily: June 7, 6, 5; weekly: June 7 (week 23) and June 2 (the newest of week 22).
    let expected: Vec<String> = [(6, 2), (6, 5), (6, 6), (6, 7)]
        .into_iter()
        .map(|(month, day)| retention_name(month, day))
        .collect();
    assert_eq!(clones(&client).await, expected);
    let newest = vm(&client, &retention_name(6, 7)).await;
    assert!(
        newest
            .marker
            .contains(&"vmrotate.createdUtc=2024-06-07T02:00:00Z".to_owned()),
        "{:?}",
        newest.marker
    );
    assert!(
        newest
            .marker
            .contains(&"vmrotate.policy=retention".to_owned())
    );
    assert!(
        newest
            .marker
            .iter()
            .all(|entry| !entry.starts_with("vmrotate.slot="))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn slot_runs_and_retention_runs_leave_each_other_s_clones_alone() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let slots = job(2);
    let keep_two = restic(Rules {
        keep_last: Some(2),
        ..Rules::default()
    });
    backup_ok(&client, &slots, 1).await;
    for day in 1..=3 {
        backup_at(&client, &keep_two, at(6, day)).await;
    }
    let mut expected = vec![clone_name(1, 1), retention_name(6, 2), retention_name(6, 3)];
    assert_eq!(
        clones(&client).await,
        expected,
        "retention kept the slot clone"
    );

    // Two slots keep one generation: the slot run deletes its own old clone only.
    backup_ok(&client, &slots, 2).await;
    expected[0] = clone_name(2, 2);
    assert_eq!(
        clones(&client).await,
        expected,
        "the slot run kept the retention clones"
    );
    let listed = vmrotate::list_backups(&client, &[SOURCE.to_owned()], "zz_")
        .await
        .unwrap();
    let generations: Vec<_> = listed[0]
        .generations
        .iter()
        .map(|generation| {
            (
                generation.name.clone(),
                generation.slot.map(|slot| slot.get()),
                generation.stamp.to_string(),
                generation.marked,
            )
        })
        .collect();
    let listed_as = |name: &String, slot, stamp: &str| (name.clone(), slot, stamp.to_owned(), true);
    assert_eq!(
        generations,
        [
            listed_as(&expected[0], Some(2), "201909020241"),
            listed_as(&expected[1], None, "202406020200"),
            listed_as(&expected[2], None, "202406030200"),
        ]
    );
    assert!(listed[0].findings.is_empty(), "{:?}", listed[0].findings);
    assert!(listed[0].anomalies.is_empty(), "{:?}", listed[0].anomalies);

    // A prune to one backup removes the older retention clone, never the slot clone.
    let keep_one = restic(Rules {
        keep_last: Some(1),
        ..Rules::default()
    });
    let report = vmrotate::prune(&client, &keep_one, &options(at(6, 4), false), None).await;
    assert!(report.ok, "{:?}", report.error);
    assert_eq!(report.deleted, [retention_name(6, 2)]);
    expected.remove(1);
    assert_eq!(clones(&client).await, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_explains_and_a_dry_run_deletes_nothing() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let keep_all = retention_job(Flavor::Pbs, Rules::default());
    for day in 1..=3 {
        backup_at(&client, &keep_all, at(6, day)).await;
    }
    let before = inventory(&client).await;
    let keep_last = retention_job(
        Flavor::Pbs,
        Rules {
            keep_last: Some(1),
            ..Rules::default()
        },
    );
    let report = vmrotate::prune(&client, &keep_last, &options(at(6, 4), true), None).await;
    assert!(report.ok, "{:?}", report.error);
    let decision = report.retention.expect("a decision");
    assert_eq!(decision.keep, [retention_name(6, 3)]);
    assert_eq!(decision.reasons[&retention_name(6, 3)], ["keep"]);
    assert_eq!(
        decision.remove,
        [retention_name(6, 2), retention_name(6, 1)]
    );
    assert!(report.deleted.is_empty());
    assert_eq!(
        inventory(&client).await,
        before,
        "a dry run changed the inventory"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_refuses_a_powered_on_backup_unless_forced() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let mut job = restic(Rules {
        keep_last: Some(5),
        ..Rules::default()
    });
    for day in 1..=2 {
        backup_at(&client, &job, at(6, day)).await;
    }
    set_power(&client, &retention_name(6, 1), true).await;
    job.retention = restic(Rules {
        keep_last: Some(1),
        ..Rules::default()
    })
    .retention;
    let refused = vmrotate::prune(&client, &job, &options(at(6, 3), false), None).await;
    let error = refused.error.expect("a refusal");
    assert_eq!(error.kind, ErrorKind::Refused);
    assert!(error.message.contains("`force`"), "{}", error.message);
    assert_eq!(clones(&client).await.len(), 2);

    job.force = true;
    let forced = vmrotate::prune(&client, &job, &options(at(6, 3), false), None).await;
    assert!(forced.ok, "{:?}", forced.error);
    assert_eq!(clones(&client).await, [retention_name(6, 2)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_policies_fail_before_anything_changes() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let before = inventory(&client).await;
    let empty = restic(Rules::default());
    let report = vmrotate::backup(&client, &empty, &options(at(6, 1), false), None).await;
    assert_eq!(report.error.expect("refused").kind, ErrorKind::Config);
    let report = vmrotate::prune(&client, &job(4), &options(at(6, 1), false), None).await;
    let error = report.error.expect("no policy");
    assert_eq!(error.kind, ErrorKind::Config);
    assert!(error.message.contains("`keep_daily`"), "{}", error.message);
    let tags_only = restic(Rules {
        keep_tags: Some(vec![vec!["prod".into()]]),
        ..Rules::default()
    });
    let report = vmrotate::backup(&client, &tags_only, &options(at(6, 1), false), None).await;
    let error = report.error.expect("the new clone would go at once");
    assert_eq!(error.kind, ErrorKind::Config);
    assert!(error.message.contains("keep_last"), "{}", error.message);
    assert_eq!(inventory(&client).await, before);
}
