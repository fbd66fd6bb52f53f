//! Notifications and metrics of `vmrotate backup` and `vmrotate run`: the `[notify]` and
//! `[metrics]` tables (of the jobs file, or of `--notify-config FILE`), sent after the run.

use std::path::Path;

use serde::Deserialize;
use vmrotate::metrics::MetricsConfig;
use vmrotate::notify::{NotifyConfig, notify};
use vmrotate::vsphere_client::Client;
use vmrotate::{ErrorReport, JobConfig, Report, RunReport};

use super::CliError;

/// The `[notify]` and `[metrics]` tables.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NotifyTables {
    /// Where and when the run is reported.
    #[serde(default)]
    pub(super) notify: Option<NotifyConfig>,
    /// Where the run's metrics go.
    #[serde(default)]
    pub(super) metrics: Option<MetricsConfig>,
}

impl NotifyTables {
    /// Reads the tables of `--notify-config FILE`; relative file names in it are relative to
    /// its directory.
    pub(super) fn read(path: &Path) -> Result<Self, CliError> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            CliError::JobsFile(format!(
                "cannot read the notification settings {}: {error}",
                path.display()
            ))
        })?;
        let tables: Self = super::run::parse_toml(&text)
            .map_err(|message| CliError::JobsFile(format!("{}: {message}", path.display())))?;
        tables.checked(path.parent().unwrap_or(Path::new(".")))
    }

    /// The tables with relative file names taken relative to `dir`, validated, and the mail
    /// password from the OS keyring when no other source gives one (keyring builds).
    pub(super) fn checked(self, dir: &Path) -> Result<Self, CliError> {
        let mut tables = Self {
            notify: self.notify.map(|notify| notify.relative_to(dir)),
            metrics: self.metrics.map(|metrics| metrics.relative_to(dir)),
        };
        if let Some(notify) = &mut tables.notify {
            notify.validate()?;
            #[cfg(feature = "keyring")]
            if let Some(email) = &mut notify.email {
                super::keyring::fill_mail_password(email)?;
            }
        }
        if let Some(metrics) = &tables.metrics {
            metrics.validate()?;
        }
        Ok(tables)
    }

    /// Writes the metrics of `run`, then sends its notification, recording each delivery in
    /// the report.
    pub(super) async fn deliver(&self, client: &Client, jobs: &[JobConfig], run: &mut RunReport) {
        vmrotate::notify::deliver(
            client,
            jobs,
            run,
            self.notify.as_ref(),
            self.metrics.as_ref(),
        )
        .await;
    }

    /// Reports a run of `jobs` that could not start because connecting failed with `error`:
    /// every job failed (the metrics stay as they were, so a missing success still alerts).
    pub(super) async fn connection_failed(&self, jobs: &[JobConfig], error: &vmrotate::Error) {
        let Some(config) = &self.notify else {
            return;
        };
        let reports = jobs
            .iter()
            .map(|job| Report::failed(&job.vm, ErrorReport::from(error)))
            .collect();
        let mut run = RunReport::new(reports);
        notify(&mut run, config).await;
        report_warnings(&run);
    }
}

/// Prints one `warning:` line on stderr per failed delivery of `run`.
pub(super) fn report_warnings(run: &RunReport) {
    for warning in run
        .notifications
        .iter()
        .filter_map(|delivery| delivery.warning())
    {
        eprintln!("warning: {}", super::one_line(&warning));
    }
}
