//! A fleet in one run: one inventory reading for all jobs, and clones at once per datastore.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vmrotate::{Event, EventSink, JobConfig, RunOptions};

use crate::support::{DURIAN, MANGO, inventory, login, on, simulator, start};

/// The SOAP exchanges (request and response) of a simulator trace.
fn exchanges(trace: &str) -> Vec<&str> {
    trace.split("Request: ").skip(1).collect()
}

/// Jobs backing up the simulator's VMs `DC0_C0_RP0_VM1` to `..VM<count>` onto both NFS
/// datastores.
fn jobs(count: usize) -> Vec<JobConfig> {
    (1..=count)
        .map(|i| {
            let mut job = JobConfig::new(
                format!("DC0_C0_RP0_VM{i}"),
                vec![DURIAN.into(), MANGO.into()],
            );
            job.slots = 3;
            job
        })
        .collect()
}

/// Runs `jobs` backups of as many VMs on a simulator holding `vms` VMs, and returns the trace.
async fn traced_run(vms: usize, jobs: usize, dir: &Path) -> String {
    let trace = dir.join(format!("trace-{vms}.xml"));
    let simulator = start(simulator().vms(vms).trace_file(&trace));
    let client = login(&simulator).await;
    let options = RunOptions {
        parallel: 8,
        ..on(1)
    };
    let run = vmrotate::backup_all(&client, &self::jobs(jobs), &options, None).await;
    for report in &run.reports {
        assert!(report.ok, "{}: {:?}", report.vm, report.error);
    }
    drop(simulator);
    std::fs::read_to_string(&trace).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_jobs_read_the_inventory_once_whatever_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let small = traced_run(200, 50, dir.path()).await;
    let large = traced_run(4000, 50, dir.path()).await;

    let views = |trace: &str| {
        exchanges(trace)
            .iter()
            // Views of the root folder (the inventory listing); each run also lists the names
            // in its own backup folder through a view once it holds the lock.
            .filter(|exchange| {
                exchange.contains("<CreateContainerView") && exchange.contains(">group-d1<")
            })
            .count()
    };
    assert_eq!(
        (views(&small), views(&large)),
        (1, 1),
        "one listing per run"
    );
    // The listing is the one exchange that grows with the inventory.
    let listing = |trace: &str| {
        exchanges(trace)
            .into_iter()
            .map(str::len)
            .max()
            .unwrap_or(0)
    };
    let listing_growth = listing(&large) - listing(&small);
    let growth = large.len().saturating_sub(small.len());
    println!(
        "50 jobs: {} bytes of SOAP with 200 VMs, {} with 4000 (+{growth}); the listing grew \
         by {listing_growth}",
        small.len(),
        large.len()
    );
    assert!(
        growth < listing_growth + listing_growth / 2,
        "the run grew by {growth} bytes, the listing by {listing_growth}: more than one listing"
    );
    assert!(
        large.len() < small.len() * 3,
        "{} vs {}",
        large.len(),
        small.len()
    );
}

/// The clones in progress at once per datastore, as the events of a run show them (from the
/// snapshot, taken once a clone slot is held, to its removal).
#[derive(Default)]
struct Cloning {
    by_vm: Vec<String>,
    most: usize,
}

#[tokio::test(flavor = "multi_thread")]
async fn clones_onto_one_datastore_queue_beyond_its_limit() {
    let simulator = start(
        simulator()
            .vms(6)
            .method_delay("CloneVM_Task", Duration::from_millis(400)),
    );
    let client = login(&simulator).await;
    let jobs: Vec<JobConfig> = jobs(5)
        .into_iter()
        .map(|job| JobConfig {
            datastores: vec![MANGO.into()],
            ..job
        })
        .collect();
    let cloning = Arc::new(Mutex::new(Cloning::default()));
    let sink: EventSink = Arc::new({
        let cloning = Arc::clone(&cloning);
        move |event: &Event| {
            let mut cloning = cloning.lock().unwrap();
            match event {
                Event::SnapshotCreated { vm, .. } => cloning.by_vm.push(vm.clone()),
                Event::SnapshotRemoved { vm, .. } => cloning.by_vm.retain(|v| v != vm),
                _ => {}
            }
            cloning.most = cloning.most.max(cloning.by_vm.len());
        }
    });
    let options = RunOptions {
        parallel: 5,
        clones_per_host: 8,
        clones_per_datastore: 2,
        ..on(1)
    };
    let run = vmrotate::backup_all(&client, &jobs, &options, Some(sink)).await;

    assert!(run.ok, "{:?}", run.reports);
    assert_eq!(
        cloning.lock().unwrap().most,
        2,
        "two clones at once onto NFS_mango"
    );
    let made = inventory(&client)
        .await
        .into_iter()
        .filter(|vm| vm.name.starts_with("zz_") && vm.datastores == [MANGO])
        .count();
    assert_eq!(made, 5, "every job waited for its turn, none failed");
}
