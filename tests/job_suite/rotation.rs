//! The article's rotation, run by run, in both modes; datastores, folder and snapshots.

use std::collections::BTreeMap;

use vmrotate::{JobConfig, Mode};

use crate::support::{
    DURIAN, MANGO, SOURCE, backup_ok, clone_name, clones, inventory, job, login, simulator,
    source_snapshots, start, vm,
};

/// The slots after each of runs 1..8 from nothing with 4 slots, as the article lists them.
const ARTICLE: [&[u8]; 8] = [
    &[1],
    &[1, 2],
    &[1, 2, 3],
    &[2, 3, 4],
    &[1, 3, 4],
    &[1, 2, 4],
    &[1, 2, 3],
    &[2, 3, 4],
];

/// Eight runs of `job`, each checked against the article by listing the inventory: the exact
/// clone names, the default folder, the alternating datastores, no snapshot left on the source.
async fn eight_runs(job: &JobConfig) {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    // slot -> the day its clone was made
    let mut made: BTreeMap<u8, u8> = BTreeMap::new();
    for (run, slots) in (1u8..).zip(ARTICLE) {
        backup_ok(&client, job, run).await;
        let new_slot = slots
            .iter()
            .copied()
            .find(|slot| !made.contains_key(slot))
            .expect("each run fills a slot that was empty");
        made.retain(|slot, _| slots.contains(slot));
        made.insert(new_slot, run);
        let expected: Vec<String> = made
            .iter()
            .map(|(&slot, &day)| clone_name(slot, day))
            .collect();
        assert_eq!(
            clones(&client).await,
            expected,
            "{} mode, after run {run}",
            job.mode
        );

        let new_clone = vm(&client, &clone_name(new_slot, run)).await;
        assert_eq!(new_clone.folder, "vmrotate-backups", "run {run}");
        let datastore = if run % 2 == 1 { DURIAN } else { MANGO };
        assert_eq!(
            new_clone.datastores,
            [datastore],
            "run {run} alternates datastores"
        );
        assert!(
            new_clone
                .marker
                .contains(&format!("vmrotate.slot={new_slot}")),
            "{:?}",
            new_clone.marker
        );
        assert!(
            source_snapshots(&client).await.is_empty(),
            "run {run} left a snapshot"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_runs_reproduce_the_article_in_safe_mode() {
    eight_runs(&job(4)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_runs_reproduce_the_article_in_compat_mode() {
    let mut job = job(4);
    job.mode = Mode::Compat;
    eight_runs(&job).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nested_folder_is_created_and_reused() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let mut job = job(3);
    job.folder = "backups/daily".into();
    backup_ok(&client, &job, 1).await;
    backup_ok(&client, &job, 2).await;
    let folders: Vec<String> = inventory(&client)
        .await
        .into_iter()
        .filter(|vm| vm.name.starts_with("zz_"))
        .map(|vm| vm.folder)
        .collect();
    assert_eq!(folders, ["daily", "daily"]);
    let backups = crate::support::find(&client, &["vm", "backups", "daily"]).await;
    assert!(backups.is_some(), "the folder path exists once");
    assert_eq!(
        vm(&client, SOURCE).await.folder,
        "vm",
        "the source stays where it was"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_datastore_takes_every_generation() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let mut job = job(3);
    job.datastores = vec![MANGO.into()];
    for day in 1..=3 {
        backup_ok(&client, &job, day).await;
    }
    let placed: Vec<Vec<String>> = inventory(&client)
        .await
        .into_iter()
        .filter(|vm| vm.name.starts_with("zz_"))
        .map(|vm| vm.datastores)
        .collect();
    assert_eq!(placed, [[MANGO], [MANGO]]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_named_host_and_pool_and_a_linked_clone_are_accepted() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let mut job = job(3);
    job.host = Some("DC0_C0_H0".into());
    job.resource_pool = Some("Resources".into());
    job.clone_kind = vmrotate::CloneKind::Linked;
    let report = backup_ok(&client, &job, 1).await;
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("linked clones depend on avocado2's own disks")),
        "{:?}",
        report.warnings
    );
    assert_eq!(clones(&client).await, [clone_name(1, 1)]);

    job.host = Some("DC0_C0_H9".into());
    let report = vmrotate::backup(&client, &job, &crate::support::on(2), None).await;
    let error = report.error.expect("an unknown host");
    assert_eq!(error.kind, vmrotate::ErrorKind::NotFound);
    assert!(
        error.message.contains("DC0_C0_H0, DC0_C0_H1"),
        "{}",
        error.message
    );
}
