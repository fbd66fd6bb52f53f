//! Prometheus metrics of backup runs: a textfile for node_exporter's textfile collector, written
//! atomically, and an optional push to a Pushgateway.
//!
//! [`MetricsConfig`] is the `[metrics]` table of a jobs file (and of `--notify-config`):
//!
//! ```
//! let config: vmrotate::metrics::MetricsConfig = toml::from_str(r#"
//!     textfile = "/var/lib/prometheus/node-exporter/vmrotate.prom"
//!     pushgateway = "http://pushgateway.example.lan:9091"
//! "#)?;
//! config.validate()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `docs/scheduling.md` lists the metrics and has an alert rule for "no successful backup of a
//! VM in 26 hours".

mod exposition;
mod push;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vsphere_client::Client;

use crate::VerificationState;
use crate::config::JobConfig;
use crate::error::Error;
use crate::list::{Generation, VmBackups, list_backups};
use crate::notify::Delivery;
use crate::report::RunReport;
use exposition::{
    END, GENERATIONS, LAST_SUCCESS, NEWEST_BYTES, PER_VM, START, SUCCESS, UNVERIFIED, VmValues,
};

/// The `[metrics]` table: where the metrics of each run go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// The file node_exporter's textfile collector reads (`*.prom` in its directory),
    /// replaced atomically after every run. VMs not in a run keep their values from the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub textfile: Option<PathBuf>,
    /// A Pushgateway's base URL, e.g. `http://pushgateway.example.lan:9091`: the run's metrics
    /// go to the group `job="vmrotate"`, each VM's to `job="vmrotate",vm="<vm>"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushgateway: Option<String>,
}

impl MetricsConfig {
    /// Checks the Pushgateway URL.
    ///
    /// # Errors
    /// [`Error::Config`] for a URL that is not `http://` or `https://`.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(url) = &self.pushgateway {
            crate::http::parse_url(url, "[metrics] pushgateway").map_err(Error::Config)?;
        }
        Ok(())
    }

    /// These settings with a relative `textfile` taken relative to `dir`.
    pub fn relative_to(mut self, dir: &Path) -> Self {
        if let Some(path) = &mut self.textfile
            && path.is_relative()
        {
            *path = dir.join(&*path);
        }
        self
    }
}

/// Writes the metrics of `run` (the run of `jobs`) where `config` says, with each VM's
/// generations as listed now, and appends a [`Delivery`] per destination to
/// [`RunReport::notifications`] (`metrics_textfile`, `pushgateway`; `metrics_generations` when
/// the generations cannot be listed). Never fails; dry runs write nothing. Each HTTP call is
/// bounded by `timeout`.
pub async fn publish_metrics(
    client: &Client,
    jobs: &[JobConfig],
    run: &mut RunReport,
    config: &MetricsConfig,
    timeout: Duration,
) {
    if run.reports.iter().any(|report| report.dry_run) {
        return;
    }
    let backups = match generations(client, jobs).await {
        Ok(backups) => backups,
        Err(error) => {
            run.notifications
                .push(Delivery::of("metrics_generations", Err(error.to_string())));
            Vec::new()
        }
    };
    let previous = config
        .textfile
        .as_deref()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .map(|text| exposition::read_per_vm(&text))
        .unwrap_or_default();
    let this_run = per_vm(run, &backups, &previous);
    if let Some(path) = &config.textfile {
        let mut all = previous;
        all.extend(this_run.clone());
        let mut text = String::new();
        exposition::write_per_vm(&mut text, &all);
        text.push_str(&run_families(run));
        let result = write_atomically(path, &text);
        run.notifications
            .push(Delivery::of("metrics_textfile", result));
    }
    if let Some(url) = &config.pushgateway {
        let result = push::push(url, &this_run, &run_families(run), timeout).await;
        run.notifications.push(Delivery::of("pushgateway", result));
    }
}

/// The backups of the VMs of `jobs`, one listing per clone prefix.
async fn generations(client: &Client, jobs: &[JobConfig]) -> Result<Vec<VmBackups>, Error> {
    let mut prefixes: Vec<&str> = jobs.iter().map(|job| job.prefix.as_str()).collect();
    prefixes.sort_unstable();
    prefixes.dedup();
    let mut all = Vec::new();
    for prefix in prefixes {
        all.extend(list_backups(client, &[], prefix).await?);
    }
    Ok(all)
}

/// The per-VM values of this run's VMs; a failed VM keeps its last success from `previous`.
fn per_vm(
    run: &RunReport,
    backups: &[VmBackups],
    previous: &BTreeMap<String, VmValues>,
) -> BTreeMap<String, VmValues> {
    let mut vms = BTreeMap::new();
    for report in &run.reports {
        let mut values: VmValues = [None; PER_VM.len()];
        values[START] = Some(seconds(report.started));
        values[END] = Some(seconds(report.finished));
        values[SUCCESS] = Some(if report.ok { 1.0 } else { 0.0 });
        values[LAST_SUCCESS] = if report.ok {
            Some(seconds(report.finished))
        } else {
            previous
                .get(&report.vm)
                .and_then(|values| values[LAST_SUCCESS])
        };
        // A VM the listing does not show (no clone of it, a job naming it by prefix, or the
        // listing failed) gets no generation metrics rather than a guessed zero.
        let listed = backups.iter().find(|backups| backups.vm == report.vm);
        if let Some(generations) = listed.map(|backups| backups.generations.as_slice()) {
            values[GENERATIONS] = Some(generations.len() as f64);
            values[UNVERIFIED] = Some(unverified_or_failed(generations) as f64);
            values[NEWEST_BYTES] = newest(generations).map(|newest| newest.size_bytes as f64);
        }
        vms.insert(report.vm.clone(), values);
    }
    vms
}

/// The number of `generations` that are unverified or failed their verification.
fn unverified_or_failed(generations: &[Generation]) -> usize {
    generations
        .iter()
        .filter(|generation| generation.state != VerificationState::Verified)
        .count()
}

/// The newest of `generations`: by the marker's time, else by the stamp in the name.
fn newest(generations: &[Generation]) -> Option<&Generation> {
    generations
        .iter()
        .max_by_key(|generation| (generation.created, generation.stamp))
}

/// The run-level families of `run` in the text format.
fn run_families(run: &RunReport) -> String {
    let started = run.reports.iter().map(|report| report.started).min();
    let finished = run.reports.iter().map(|report| report.finished).max();
    let failed = run.reports.iter().filter(|report| !report.ok).count();
    let one = |value: f64| vec![(String::new(), value)];
    let mut text = String::new();
    if let (Some(started), Some(finished)) = (started, finished) {
        exposition::write_family(&mut text, &exposition::RUN_START, &one(seconds(started)));
        exposition::write_family(&mut text, &exposition::RUN_END, &one(seconds(finished)));
        let duration = seconds(finished) - seconds(started);
        exposition::write_family(&mut text, &exposition::RUN_DURATION, &one(duration));
    }
    let counts = vec![
        (
            "{result=\"succeeded\"}".to_owned(),
            (run.reports.len() - failed) as f64,
        ),
        ("{result=\"failed\"}".to_owned(), failed as f64),
    ];
    exposition::write_family(&mut text, &exposition::RUN_VMS, &counts);
    text
}

/// Unix time in seconds, to the millisecond.
fn seconds(time: Timestamp) -> f64 {
    time.as_millisecond() as f64 / 1000.0
}

/// Replaces `path` with `text` atomically: a temporary file in the same directory, renamed, so
/// the collector never reads half a file.
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let name = path.file_name().map_or_else(
        || "vmrotate.prom".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, path));
    result.map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        format!("cannot write the metrics file {}: {error}", path.display())
    })
}
