//! Pruning: a job's retention policy applied to the backups it made, without a new backup.

use vsphere_client::Client;

use crate::config::JobConfig;
use crate::events::EventSink;
use crate::job::RunOptions;
use crate::job::run::Run;
use crate::report::Report;

/// Applies `job`'s [retention policy](crate::RetentionConfig) to the VM's retention clones
/// and deletes what it removes, as `vmrotate prune` does.
///
/// The policy runs as at `options.at` (default: now), over the clones whose marker names
/// this VM and a retention policy: slot clones, other VMs' backups and look-alikes are never
/// counted nor touched. The [`Report`]'s `retention` lists every clone kept, with the rules
/// that keep it, and those removed; `deleted` what was deleted. Deletes follow the backup's
/// rules: a live run's lock refuses the prune, each clone is read again first, a powered-on
/// clone is refused unless the job forces. A dry run deletes nothing. A job without a
/// retention policy fails with kind `config`.
///
/// ```no_run
/// use vmrotate::{JobConfig, RetentionConfig, RunOptions};
///
/// # async fn demo(client: &vmrotate::vsphere_client::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let mut job = JobConfig::new("avocado2", vec!["NFS_durian".into()]);
/// job.retention = Some(toml::from_str(r#"
///     flavor = "restic"
///     rules = { keep_daily = 7, keep_weekly = 4 }
/// "#)?);
/// let options = RunOptions { dry_run: true, ..Default::default() };
/// let report = vmrotate::prune(client, &job, &options, None).await;
/// if let Some(decision) = &report.retention {
///     for name in &decision.keep {
///         println!("keep {name}: {}", decision.reasons[name].join(", "));
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub async fn prune(
    client: &Client,
    job: &JobConfig,
    options: &RunOptions,
    events: Option<EventSink>,
) -> Report {
    Run::new(client, job, options, events).prune().await
}
