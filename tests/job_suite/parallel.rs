//! Many VMs in one run, a bounded number at a time; and the cost of finding a VM.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use vmrotate::{ErrorKind, Event, EventSink, JobConfig, RunOptions};

use crate::support::{SOURCE, inventory, job, login, on, simulator, source_snapshots, start};

/// The events of a run, and the most runs seen in progress at once.
#[derive(Default)]
struct Recorder {
    events: Vec<Event>,
    running: usize,
    most_running: usize,
}

fn recorder() -> (Arc<Mutex<Recorder>>, EventSink) {
    let recorder = Arc::new(Mutex::new(Recorder::default()));
    let sink: EventSink = Arc::new({
        let recorder = Arc::clone(&recorder);
        move |event: &Event| {
            let mut recorder = recorder.lock().unwrap();
            match event {
                Event::Started { .. } => recorder.running += 1,
                Event::Finished { .. } | Event::Failed { .. } => recorder.running -= 1,
                _ => {}
            }
            recorder.most_running = recorder.most_running.max(recorder.running);
            recorder.events.push(event.clone());
        }
    });
    (recorder, sink)
}

/// Backs up `avocado2`, `DC0_C0_RP0_VM1` and a VM that does not exist, `parallel` at a time.
async fn three_jobs(parallel: usize) -> (vmrotate::RunReport, Recorder, Vec<String>) {
    let simulator = start(
        simulator()
            .vms(2)
            .method_delay("CloneVM_Task", Duration::from_millis(300)),
    );
    let client = login(&simulator).await;
    let mut jobs: Vec<JobConfig> = ["avocado2", "DC0_C0_RP0_VM1", "ghost"]
        .into_iter()
        .map(|vm| JobConfig {
            vm: vm.into(),
            ..job(3)
        })
        .collect();
    jobs[1].datastores.reverse();
    let (recorder, sink) = recorder();
    let options = RunOptions { parallel, ..on(1) };
    let run = vmrotate::backup_all(&client, &jobs, &options, Some(sink)).await;
    let made = inventory(&client)
        .await
        .into_iter()
        .filter(|vm| vm.name.starts_with("zz_"))
        .map(|vm| format!("{} on {}", vm.name, vm.datastores.join(",")))
        .collect();
    assert!(source_snapshots(&client).await.is_empty());
    let recorded = std::mem::take(&mut *recorder.lock().unwrap());
    (run, recorded, made)
}

#[tokio::test(flavor = "multi_thread")]
async fn one_failure_does_not_stop_the_others_and_parallelism_is_bounded() {
    let (run, recorder, made) = three_jobs(2).await;
    let outcome: Vec<(&str, bool)> = run.reports.iter().map(|r| (r.vm.as_str(), r.ok)).collect();
    assert_eq!(
        outcome,
        [
            ("avocado2", true),
            ("DC0_C0_RP0_VM1", true),
            ("ghost", false)
        ]
    );
    assert!(!run.ok);
    assert_eq!(
        run.reports[2].error.as_ref().unwrap().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        made,
        [
            "zz_DC0_C0_RP0_VM1-01-201909010241 on NFS_mango",
            "zz_avocado2-01-201909010241 on NFS_durian"
        ]
    );
    assert_eq!(recorder.most_running, 2);

    let steps: Vec<&str> = recorder
        .events
        .iter()
        .filter(|event| event.vm() == SOURCE)
        .map(|event| match event {
            Event::Started { .. } => "started",
            Event::SnapshotCreated { .. } => "snapshot created",
            Event::CloneProgress { .. } => "clone progress",
            Event::CloneDone { .. } => "clone done",
            Event::Deleted { .. } => "deleted",
            Event::SnapshotRemoved { .. } => "snapshot removed",
            Event::Finished { .. } => "finished",
            Event::Failed { .. } => "failed",
        })
        .collect();
    assert_eq!(
        steps,
        [
            "started",
            "snapshot created",
            "clone done",
            "snapshot removed",
            "finished"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_one_runs_one_vm_at_a_time() {
    let (run, recorder, made) = three_jobs(1).await;
    assert_eq!(run.reports.iter().filter(|r| r.ok).count(), 2);
    assert_eq!(made.len(), 2);
    assert_eq!(recorder.most_running, 1);
}

/// The `RetrievePropertiesEx` (each page counted: `ContinueRetrievePropertiesEx` too) and
/// `CreateContainerView` calls a dry run makes with `vms` VMs in the inventory.
async fn lookups(vms: usize) -> (usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.xml");
    let simulator = start(simulator().vms(vms).trace_file(&trace));
    let client = login(&simulator).await;
    let options = RunOptions {
        dry_run: true,
        ..on(1)
    };
    let report = vmrotate::backup(&client, &job(3), &options, None).await;
    assert!(report.ok, "{:?}", report.error);
    drop(simulator);
    let trace = std::fs::read_to_string(&trace).unwrap();
    let requests = |method: &str| {
        trace
            .split("Request: ")
            .skip(1)
            .filter_map(|exchange| exchange.split("Response: ").next())
            .filter(|request| request.contains(&format!("<{method}")))
            .count()
    };
    (
        requests("RetrievePropertiesEx") + requests("ContinueRetrievePropertiesEx"),
        requests("CreateContainerView"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_the_vm_costs_the_same_whatever_the_inventory_size() {
    let small = lookups(2).await;
    let large = lookups(400).await;
    assert_eq!(small, large);
    assert_eq!(
        small,
        (3, 1),
        "one view, one detail read, one read of the session for the privilege check"
    );
}
