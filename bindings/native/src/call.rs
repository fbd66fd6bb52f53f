//! `vmr_call`'s requests, one per library operation, and what each replies.

use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vmrotate::vsphere_client::Client;
use vmrotate::{Event, JobConfig, RestoreReport, RestoreRequest, RunOptions, RunReport, VmBackups};

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

/// `{"op": "backup", ...}`: the jobs and [`RunOptions`] (absent options take its defaults).
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
}

/// `{"op": "list", ...}`: the VMs (none: every VM with backups) and the clone prefix.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListRequest {
    #[serde(default)]
    vms: Vec<String>,
    prefix: Option<String>,
}

/// `{"op": "unlock", "vm": ...}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnlockRequest {
    vm: String,
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
    /// Runs the request with `client`, sending progress to `events`.
    ///
    /// # Errors
    /// The library's errors.
    pub(crate) async fn run(
        self,
        client: &Client,
        events: &Arc<EventHub>,
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
                };
                let sink = Some(events.sink());
                CallReply::Run(vmrotate::backup_all(client, &request.jobs, &options, sink).await)
            }
            CallRequest::List(request) => {
                let prefix = request
                    .prefix
                    .unwrap_or_else(|| JobConfig::new("", Vec::new()).prefix);
                CallReply::Backups(vmrotate::list_backups(client, &request.vms, &prefix).await?)
            }
            CallRequest::Restore(request) => {
                CallReply::Restored(vmrotate::restore(client, &request).await?)
            }
            CallRequest::Unlock(request) => {
                CallReply::Unlocked(vmrotate::unlock(client, &request.vm).await?)
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
            r#"{"op": "unlock"}"#,
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
