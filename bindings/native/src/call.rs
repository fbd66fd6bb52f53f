//! `vmr_call`'s requests, one per library operation, and what each replies.

use std::future::Future;
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vmrotate::metrics::MetricsConfig;
use vmrotate::notify::NotifyConfig;
use vmrotate::vsphere_client::Client;
use vmrotate::{
    Event, JobConfig, RestoreReport, RestoreRequest, RunOptions, RunReport, Stop, VmBackups,
};

use crate::error::AbiError;
use crate::events::EventHub;

/// A request of `vmr_call`, chosen by its `op` field.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum CallRequest {
    /// Back up VMs: [`vmrotate::backup_all`].
    Backup(BackupRequest),
    /// List backups: [`vmrotate::list_backups`].
    List(ListRequest),
    /// Restore a backup: [`vmrotate::restore()`].
    Restore(RestoreRequest),
    /// Remove a VM's run snapshots: [`vmrotate::unlock`].
    Unlock(UnlockRequest),
    /// The progress events queued since the last poll.
    Events,
    /// Log out and close the session; later calls fail.
    Logout,
}

/// `{"op": "backup", ...}`: the jobs and [`RunOptions`] (absent options take its defaults),
/// and where the run is reported (a jobs file's `[notify]` and `[metrics]` tables).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackupRequest {
    jobs: Vec<JobConfig>,
    #[serde(default)]
    dry_run: bool,
    parallel: Option<usize>,
    clones_per_host: Option<usize>,
    clones_per_datastore: Option<usize>,
    at: Option<Timestamp>,
    /// Boxed: the settings are large, the other requests small.
    notify: Option<Box<NotifyConfig>>,
    metrics: Option<MetricsConfig>,
}

/// `{"op": "list", ...}`: the VMs (none: every VM with backups) and the clone prefix.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListRequest {
    #[serde(default)]
    vms: Vec<String>,
    prefix: Option<String>,
}

/// `{"op": "unlock", "vm": ..., "force": ...}`: `force` removes a live lock too.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnlockRequest {
    vm: String,
    #[serde(default)]
    force: bool,
}

/// What a call replies with, by operation.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum CallReply {
    /// `backup`: the run's report (a failed backup is a report with `ok: false`, not an error).
    Run(RunReport),
    /// `list`: the backups per VM.
    Backups(Vec<VmBackups>),
    /// `restore`: what was restored.
    Restored(RestoreReport),
    /// `unlock`: the snapshots removed.
    Unlocked(Vec<String>),
    /// `events`: the queued events, oldest first.
    Events(Vec<Event>),
    /// `logout`: `null`.
    LoggedOut,
}

impl CallRequest {
    /// Runs the request with `client`, sending progress to `events`, until it ends or `stop`
    /// is requested: a backup then cleans up and reports each VM's run as `stopped`; a list,
    /// restore or unlock is abandoned with an error of kind `stopped`.
    ///
    /// # Errors
    /// The library's errors.
    pub(crate) async fn run(
        self,
        client: &Client,
        events: &Arc<EventHub>,
        stop: &Stop,
    ) -> Result<CallReply, AbiError> {
        Ok(match self {
            CallRequest::Backup(request) => {
                let defaults = RunOptions::default();
                let options = RunOptions {
                    parallel: request.parallel.unwrap_or(defaults.parallel),
                    clones_per_host: request.clones_per_host.unwrap_or(defaults.clones_per_host),
                    clones_per_datastore: request
                        .clones_per_datastore
                        .unwrap_or(defaults.clones_per_datastore),
                    dry_run: request.dry_run,
                    at: request.at,
                    stop: stop.clone(),
                };
                // An invalid job is refused before anything runs, as the command line and
                // Python refuse it.
                vmrotate::validate_jobs(&request.jobs)?;
                let (notify, metrics) = (request.notify.as_deref(), request.metrics.as_ref());
                notify.map(NotifyConfig::validate).transpose()?;
                metrics.map(MetricsConfig::validate).transpose()?;
                let sink = Some(events.sink());
                let mut run = vmrotate::backup_all(client, &request.jobs, &options, sink).await;
                vmrotate::notify::deliver(client, &request.jobs, &mut run, notify, metrics).await;
                CallReply::Run(run)
            }
            CallRequest::List(request) => {
                let prefix = request
                    .prefix
                    .unwrap_or_else(|| vmrotate::DEFAULT_PREFIX.to_owned());
                let listing = vmrotate::list_backups(client, &request.vms, &prefix);
                CallReply::Backups(until_stopped(stop, "nothing was changed", listing).await?)
            }
            CallRequest::Restore(mut request) => {
                // The restore stops cooperatively: its copy cancelled, what it made deleted.
                request.stop = stop.clone();
                CallReply::Restored(vmrotate::restore(client, &request).await?)
            }
            CallRequest::Unlock(request) => {
                let unlocking = vmrotate::unlock(client, &request.vm, request.force);
                let left = "a snapshot removal it started may still run in vCenter";
                CallReply::Unlocked(until_stopped(stop, left, unlocking).await?)
            }
            CallRequest::Events => CallReply::Events(events.drain()),
            CallRequest::Logout => {
                client
                    .clone()
                    .close()
                    .await
                    .map_err(vmrotate::Error::from)?;
                CallReply::LoggedOut
            }
        })
    }
}

/// The output of `operation`, unless `stop` is requested first: then `operation` is dropped
/// and the error says so and what it may have `left`.
async fn until_stopped<T>(
    stop: &Stop,
    left: &str,
    operation: impl Future<Output = Result<T, vmrotate::Error>>,
) -> Result<T, vmrotate::Error> {
    tokio::select! {
        output = operation => output,
        reason = stop.wait() => Err(vmrotate::Error::Stopped(format!("stopped by {reason}: {left}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_chosen_by_op_and_check_their_fields() {
        let backup: CallRequest = serde_json::from_str(
            r#"{"op": "backup", "jobs": [{"vm": "avocado2", "datastores": ["NFS_durian"]}], "dry_run": true}"#,
        )
        .unwrap();
        assert!(matches!(
            backup,
            CallRequest::Backup(BackupRequest { dry_run: true, .. })
        ));
        let reported: CallRequest = serde_json::from_str(
            r#"{"op": "backup", "jobs": [], "notify": {"when": "always", "webhook": {"url": "https://hooks.example.lan/x"}}, "metrics": {"textfile": "/tmp/vmrotate.prom"}}"#,
        )
        .unwrap();
        let CallRequest::Backup(reported) = reported else {
            panic!("a backup request");
        };
        assert!(
            reported
                .notify
                .is_some_and(|notify| notify.webhook.is_some())
        );
        assert!(
            reported
                .metrics
                .is_some_and(|metrics| metrics.textfile.is_some())
        );
        let restore: CallRequest =
            serde_json::from_str(r#"{"op": "restore", "clone": "zz_avocado2-01-201909250241"}"#)
                .unwrap();
        assert!(matches!(
            restore,
            CallRequest::Restore(RestoreRequest {
                power_on: false,
                ..
            })
        ));
        let events: CallRequest = serde_json::from_str(r#"{"op": "events"}"#).unwrap();
        assert!(matches!(events, CallRequest::Events));
        for bad in [
            r#"{"op": "format_disk"}"#,
            r#"{"jobs": []}"#,
            r#"{"op": "backup", "jobs": [], "dryrun": true}"#,
            r#"{"op": "backup", "jobs": [], "notify": {"when": "sometimes"}}"#,
            r#"{"op": "unlock"}"#,
            r#"{"op": "unlock", "vm": "avocado2", "force": "yes"}"#,
        ] {
            assert!(serde_json::from_str::<CallRequest>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn logout_replies_null() {
        assert_eq!(
            serde_json::to_string(&CallReply::LoggedOut).unwrap(),
            "null"
        );
    }
}
