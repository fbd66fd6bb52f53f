//! Backing up many VMs in one run, a bounded number at a time.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use vsphere_client::Client;

use crate::config::JobConfig;
use crate::error::ErrorKind;
use crate::events::EventSink;
use crate::job::RunOptions;
use crate::job::fleet::{self, Fleet};
use crate::report::{ErrorReport, Report, RunReport};

/// Backs up the VMs of `jobs`, at most [`RunOptions::parallel`] at a time, each as
/// [`backup`](crate::backup) does. One VM's failure does not stop the others; the
/// [`RunReport`] has one report per job, in the order given, and is ok only when all are.
///
/// The jobs share one reading of the inventory (each re-reads only its own VM and clones),
/// and clones wait for their turn beyond [`RunOptions::clones_per_host`] from one host and
/// [`RunOptions::clones_per_datastore`] onto one datastore; the room check counts every
/// clone of the run on a datastore (see `docs/backup-job.md`, "Many VMs").
///
/// Needs a Tokio runtime (each job runs as a task on it).
///
/// ```no_run
/// use vmrotate::{JobConfig, RunOptions};
///
/// # async fn demo(client: &vmrotate::vsphere_client::Client) {
/// let jobs = [
///     JobConfig::new("avocado2", vec!["NFS_durian".into(), "NFS_mango".into()]),
///     JobConfig::new("vcenter", vec!["NFS_mango".into()]),
/// ];
/// let run = vmrotate::backup_all(client, &jobs, &RunOptions::default(), None).await;
/// std::process::exit(if run.ok { 0 } else { 1 });
/// # }
/// ```
pub async fn backup_all(
    client: &Client,
    jobs: &[JobConfig],
    options: &RunOptions,
    events: Option<EventSink>,
) -> RunReport {
    let slots = Arc::new(Semaphore::new(options.parallel.max(1)));
    let shared = Fleet::new(options);
    let mut tasks = JoinSet::new();
    for (index, job) in jobs.iter().enumerate() {
        let (client, job, options) = (client.clone(), job.clone(), options.clone());
        let (slots, events, shared) = (Arc::clone(&slots), events.clone(), Arc::clone(&shared));
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring only waits.
            let _slot = slots.acquire_owned().await;
            (
                index,
                fleet::backup(shared, &client, &job, &options, events).await,
            )
        });
    }
    let mut reports: Vec<Option<Report>> = vec![None; jobs.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, report)) = joined {
            reports[index] = Some(report);
        }
    }
    let reports = reports
        .into_iter()
        .zip(jobs)
        .map(|(report, job)| report.unwrap_or_else(|| crashed(job)))
        .collect();
    RunReport::new(reports)
}

/// The report of a job whose task ended without one (it panicked: a bug).
fn crashed(job: &JobConfig) -> Report {
    Report::failed(
        &job.vm,
        ErrorReport::new(
            ErrorKind::Vsphere,
            format!(
                "the backup of {} stopped unexpectedly (a bug in vmrotate: please report it); \
                 its snapshot, if it took one, is removed by the next run",
                job.vm
            ),
        ),
    )
}
