//! `vmrotate backup`: one backup run for each VM named on the command line.

use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use serde::de::DeserializeOwned;
use vmrotate::rotation_core::retention::{Flavor, Rules};
use vmrotate::{
    CloneKind, ConnectOptions, HostPlacement, IndependentDisks, JobConfig, Mode, Quiesce,
    RetentionConfig, RunOptions, StampZone, VerifyMode, VmMatch,
};

use super::connection::{ConnectionArgs, ConnectionTable};
use super::notify::NotifyTables;
use super::output::{self, Progress};
use super::{CliError, block_on_stoppable};

/// `--host other`: [`HostPlacement::OtherHost`].
const OTHER_HOST: &str = "other";

/// Back up VMs: snapshot, clone onto a backup datastore, rotate the generations.
///
/// Generations rotate through --slots, or, with any --keep-* rule, are kept by a time-based
/// retention policy (restic, borg or PBS semantics); such clones are named
/// <prefix><vm>-r-<yyyyMMdd>T<HHmmss>Z and never mixed with slot clones. Each VM gets its own
/// run; one VM's failure does not stop the others. Exit code 0 only if every VM's backup
/// succeeded.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The VMs to back up: exact names (or prefixes with --match prefix).
    #[arg(value_name = "VM", required = true)]
    vms: Vec<String>,
    /// A datastore for the clones; repeat it to alternate generations between datastores.
    #[arg(long = "datastore", value_name = "DATASTORE")]
    datastores: Vec<String>,
    /// Number of slots; slots - 1 generations are kept (one slot stays free). Not with a
    /// retention policy.
    #[arg(long, default_value_t = 4)]
    slots: u8,
    #[command(flatten)]
    retention: RetentionFlags,
    /// Prefix of every clone name.
    #[arg(long, default_value = "zz_")]
    prefix: String,
    /// VM folder for the clones, created if missing.
    #[arg(long, default_value = "vmrotate-backups")]
    folder: String,
    /// safe, or compat to do exactly what the original PowerCLI script did.
    #[arg(long, default_value_t = Mode::Safe)]
    mode: Mode,
    /// How VM names select VMs: exact, or prefix (must match exactly one VM, as the script).
    #[arg(long = "match", value_name = "HOW", default_value = "exact", value_parser = serde_enum::<VmMatch>)]
    vm_match: VmMatch,
    /// full (an independent thin copy) or linked (depends on the source VM's disks).
    #[arg(long, value_name = "KIND", default_value = "full", value_parser = serde_enum::<CloneKind>)]
    clone_kind: CloneKind,
    /// How deep to verify each new clone: metadata, boot (also a boot test isolated from the
    /// network), or boot-weekly (the boot test in the first run of each ISO week).
    #[arg(long, value_name = "LEVEL", default_value = "metadata", value_parser = serde_enum::<VerifyMode>)]
    verify: VerifyMode,
    /// The host to register the clones on [default: the source VM's host]; `other`: a host
    /// other than the source VM's that mounts the target datastore (placement = "other-host").
    #[arg(long)]
    host: Option<String>,
    /// The resource pool for the clones [default: the source VM's pool].
    #[arg(long)]
    resource_pool: Option<String>,
    /// Quiesce the guest file systems (needs VMware Tools) when taking the snapshot of a
    /// running VM: `preferred` falls back to a crash-consistent snapshot with a warning,
    /// `required` (the flag alone) fails the backup instead.
    #[arg(long, value_name = "POLICY", default_value = "off", num_args = 0..=1,
          default_missing_value = "required", value_parser = serde_enum::<Quiesce>)]
    quiesce: Quiesce,
    /// Stamp clone names in UTC instead of local time.
    #[arg(long)]
    utc: bool,
    /// Free space the datastore must have beyond the VM's storage, as a fraction of it.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.1)]
    free_space_margin: f64,
    /// Free space each of the VM's own datastores must have for its snapshot to grow into
    /// while the clone runs, as a fraction of the VM's used storage.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.1)]
    snapshot_room: f64,
    /// Leave independent disks and physical-mode RDMs out of the clone instead of refusing
    /// the backup (the report names them).
    #[arg(long)]
    skip_independent_disks: bool,
    /// Delete clones that are due even when powered on.
    #[arg(long)]
    force: bool,
    /// A TOML file with `[notify]` (e-mail, webhook) and `[metrics]` (Prometheus) tables, as in
    /// a jobs file: the run is reported there after the backups.
    #[arg(long, value_name = "FILE")]
    notify_config: Option<PathBuf>,
    #[command(flatten)]
    run: RunFlags,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// A retention policy on the command line, shared with `vmrotate prune`.
#[derive(Debug, Clone, Default, clap::Args)]
pub(super) struct RetentionFlags {
    /// Keep the last N backups (borg: one per second). -1: all, where the flavor allows it.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    keep_last: Option<i64>,
    /// Keep the newest backup of each of the last N hours.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    keep_hourly: Option<i64>,
    /// Keep the newest backup of each of the last N days.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    keep_daily: Option<i64>,
    /// Keep the newest backup of each of the last N ISO 8601 weeks.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    keep_weekly: Option<i64>,
    /// Keep the newest backup of each of the last N months.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    keep_monthly: Option<i64>,
    /// Keep the newest backup of each of the last N years.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    keep_yearly: Option<i64>,
    /// Keep every backup this recent, in the flavor's syntax (restic 2d12h, borg 7d).
    #[arg(long, value_name = "DURATION")]
    keep_within: Option<String>,
    /// Whose retention semantics: restic, borg or pbs [default: restic].
    #[arg(long, value_name = "TOOL", value_parser = serde_enum::<Flavor>)]
    flavor: Option<Flavor>,
    /// The IANA time zone of days and weeks, e.g. Europe/Berlin [default: this machine's].
    #[arg(long, value_name = "ZONE")]
    zone: Option<String>,
}

impl RetentionFlags {
    /// The policy these flags give, `None` when none is given (slot rotation).
    pub(super) fn retention(&self) -> Option<RetentionConfig> {
        let rules = Rules {
            keep_last: self.keep_last,
            keep_hourly: self.keep_hourly,
            keep_daily: self.keep_daily,
            keep_weekly: self.keep_weekly,
            keep_monthly: self.keep_monthly,
            keep_yearly: self.keep_yearly,
            keep_within: self.keep_within.clone(),
            ..Rules::default()
        };
        let given = rules != Rules::default() || self.flavor.is_some() || self.zone.is_some();
        given.then(|| RetentionConfig {
            flavor: self.flavor.unwrap_or(Flavor::Restic),
            rules,
            zone: self.zone.clone(),
        })
    }
}

/// The bounds of a run a jobs file's `[run]` table may set.
#[derive(Debug, Default, Clone, Copy, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RunLimits {
    /// How many VMs are backed up at the same time.
    pub parallel: Option<NonZeroUsize>,
    /// How many clones are made at the same time from one source host.
    pub clones_per_host: Option<NonZeroUsize>,
    /// How many clones are made at the same time onto one datastore.
    pub clones_per_datastore: Option<NonZeroUsize>,
}

/// The flags of a run of several jobs, shared with `vmrotate run`.
#[derive(Debug, Clone, Copy, clap::Args)]
pub(super) struct RunFlags {
    /// How many VMs are backed up at the same time [default: 2, or the jobs file's
    /// `parallel`].
    #[arg(long, value_name = "N")]
    parallel: Option<NonZeroUsize>,
    /// How many clones are made at the same time from one source host; further jobs wait
    /// [default: 2, or the jobs file's `clones_per_host`].
    #[arg(long, value_name = "N")]
    clones_per_host: Option<NonZeroUsize>,
    /// How many clones are made at the same time onto one datastore; further jobs wait
    /// [default: 2, or the jobs file's `clones_per_datastore`].
    #[arg(long, value_name = "N")]
    clones_per_datastore: Option<NonZeroUsize>,
    /// Check and plan only: connect, preflight, print the plan, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the run's report as JSON (schema: docs/report-schema.md) instead of a summary.
    #[arg(long)]
    json: bool,
    /// Count the run as taken at this RFC 3339 time instead of now (its clone's name and
    /// marker). Hidden: it replays a schedule in demos and tests; in production it would make
    /// new clones look as old as the time given.
    #[arg(long, hide = true, value_name = "TIME")]
    at: Option<jiff::Timestamp>,
}

impl RunFlags {
    /// The library's options: each flag, else the jobs file's setting in `file`, else the
    /// library's default.
    pub(super) fn run_options(self, file: RunLimits) -> RunOptions {
        let defaults = RunOptions::default();
        let pick = |flag: Option<NonZeroUsize>, file: Option<NonZeroUsize>, default: usize| {
            flag.or(file).map_or(default, NonZeroUsize::get)
        };
        RunOptions {
            parallel: pick(self.parallel, file.parallel, defaults.parallel),
            clones_per_host: pick(
                self.clones_per_host,
                file.clones_per_host,
                defaults.clones_per_host,
            ),
            clones_per_datastore: pick(
                self.clones_per_datastore,
                file.clones_per_datastore,
                defaults.clones_per_datastore,
            ),
            dry_run: self.dry_run,
            at: self.at,
            stop: vmrotate::Stop::new(),
        }
    }

    /// Whether the report is printed as JSON.
    pub(super) fn json(self) -> bool {
        self.json
    }
}

/// Backs up every VM of `args`.
pub(super) fn run(args: BackupArgs) -> Result<ExitCode, CliError> {
    let jobs = args.jobs();
    for job in &jobs {
        job.validate()?;
    }
    let tables = match &args.notify_config {
        Some(path) => NotifyTables::read(path)?,
        None => NotifyTables::default(),
    };
    let connect = args.connection.options(ConnectionTable::default())?;
    run_jobs(
        &jobs,
        &args.run.run_options(RunLimits::default()),
        args.run.json(),
        connect,
        &tables,
    )
}

impl BackupArgs {
    /// One job per VM, all with the same settings.
    fn jobs(&self) -> Vec<JobConfig> {
        self.vms
            .iter()
            .map(|vm| {
                let mut job = JobConfig::new(vm, self.datastores.clone());
                job.vm_match = self.vm_match;
                job.prefix.clone_from(&self.prefix);
                job.slots = self.slots;
                job.folder.clone_from(&self.folder);
                job.clone_kind = self.clone_kind;
                match self.host.as_deref() {
                    Some(OTHER_HOST) => job.placement = HostPlacement::OtherHost,
                    host => job.host = host.map(str::to_owned),
                }
                job.resource_pool.clone_from(&self.resource_pool);
                job.mode = self.mode;
                job.quiesce = self.quiesce;
                job.verify = self.verify;
                job.stamp_zone = if self.utc {
                    StampZone::Utc
                } else {
                    StampZone::Local
                };
                job.free_space_margin = self.free_space_margin;
                job.snapshot_room = self.snapshot_room;
                if self.skip_independent_disks {
                    job.independent_disks = IndependentDisks::Skip;
                }
                job.force = self.force;
                job.retention = self.retention.retention();
                job
            })
            .collect()
    }
}

/// Connects, runs `jobs`, reports them as `tables` say and prints their report; the exit code
/// says whether all backups succeeded (a failed notification is a warning only). Shared with
/// `vmrotate run`. The jobs are already validated.
pub(super) fn run_jobs(
    jobs: &[JobConfig],
    options: &RunOptions,
    json: bool,
    connect: ConnectOptions,
    tables: &NotifyTables,
) -> Result<ExitCode, CliError> {
    let progress = Progress::for_this_process(json);
    let report = block_on_stoppable(&options.stop, async {
        let client = match connect.connect().await {
            Ok(client) => client,
            Err(error) => {
                tables.connection_failed(jobs, &error).await;
                return Err(error.into());
            }
        };
        let mut report = vmrotate::backup_all(&client, jobs, options, progress.sink()).await;
        tables.deliver(&client, jobs, &mut report).await;
        output::close(client).await;
        Ok::<_, CliError>(report)
    })??;
    progress.finish();
    let mut stdout = io::stdout().lock();
    if json {
        output::write_json(&mut stdout, &report)?;
    } else {
        output::write_run_summary(&mut stdout, &report).map_err(CliError::Write)?;
    }
    stdout.flush().map_err(CliError::Write)?;
    drop(stdout);
    output::report_failures(&report);
    super::notify::report_warnings(&report);
    Ok(super::stoppable_exit_code(&report, &options.stop))
}

/// Parses a command-line value with the serde name of a library enum (e.g. `linked`).
pub(super) fn serde_enum<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|error| error.to_string())
}
