//! `vmrotate prune`: apply a retention policy to the backups of VMs, without a new backup.

use std::io::{self, Write};
use std::process::ExitCode;

use vmrotate::{JobConfig, Report, RunOptions, RunReport, VmMatch};

use super::backup::{RetentionFlags, serde_enum};
use super::connection::{ConnectionArgs, ConnectionTable};
use super::output;
use super::{CliError, block_on_stoppable};

/// Apply a retention policy to VMs' backups: say why each is kept, delete the others.
///
/// Only the backups `vmrotate backup --keep-*` made of each VM count (named
/// <prefix><vm>-r-<yyyyMMdd>T<HHmmss>Z and marked so); slot clones and every other VM are never
/// touched. A powered-on backup is not deleted without --force. Exit code 0 only if every VM's
/// prune succeeded; 2 for bad input such as an empty restic policy or an unknown zone.
#[derive(Debug, clap::Args)]
pub struct PruneArgs {
    /// The VMs whose backups to prune: exact names (or prefixes with --match prefix).
    #[arg(value_name = "VM", required = true)]
    vms: Vec<String>,
    #[command(flatten)]
    retention: RetentionFlags,
    /// Prefix of every clone name.
    #[arg(long, default_value = "zz_")]
    prefix: String,
    /// How VM names select VMs: exact, or prefix (must match exactly one VM).
    #[arg(long = "match", value_name = "HOW", default_value = "exact", value_parser = serde_enum::<VmMatch>)]
    vm_match: VmMatch,
    /// Delete backups that are due even when powered on.
    #[arg(long)]
    force: bool,
    /// Say what would be kept and removed, and delete nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the reports as JSON (schema: docs/report-schema.md; the decision is in
    /// `retention`) instead of a summary.
    #[arg(long)]
    json: bool,
    /// Apply the policy as at this RFC 3339 time instead of now. Hidden: for demos and tests.
    #[arg(long, hide = true, value_name = "TIME")]
    at: Option<jiff::Timestamp>,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Prunes the backups of every VM of `args`, one VM after the other.
pub(super) fn run(args: PruneArgs) -> Result<ExitCode, CliError> {
    let jobs = args.jobs()?;
    let options = RunOptions {
        dry_run: args.dry_run,
        at: args.at,
        ..RunOptions::default()
    };
    let connect = args.connection.options(ConnectionTable::default())?;
    let run = block_on_stoppable(&options.stop, async {
        let client = connect.connect().await?;
        let mut reports = Vec::with_capacity(jobs.len());
        for job in &jobs {
            reports.push(vmrotate::prune(&client, job, &options, None).await);
        }
        output::close(client).await;
        Ok::<_, CliError>(RunReport::new(reports))
    })??;
    let mut stdout = io::stdout().lock();
    if args.json {
        output::write_json(&mut stdout, &run)?;
    } else {
        write_summary(&mut stdout, &run).map_err(CliError::Write)?;
    }
    stdout.flush().map_err(CliError::Write)?;
    drop(stdout);
    output::report_failures(&run);
    Ok(super::stoppable_exit_code(&run, &options.stop))
}

impl PruneArgs {
    /// One job per VM, all with the same policy, checked before connecting.
    fn jobs(&self) -> Result<Vec<JobConfig>, CliError> {
        let Some(retention) = self.retention.retention() else {
            return Err(vmrotate::Error::Config(
                "prune needs a retention policy: pass at least one --keep-* rule, e.g. \
                 --keep-daily 7"
                    .into(),
            )
            .into());
        };
        retention.policy()?;
        Ok(self
            .vms
            .iter()
            .map(|vm| {
                let mut job = JobConfig::new(vm, Vec::new());
                job.vm_match = self.vm_match;
                job.prefix.clone_from(&self.prefix);
                job.force = self.force;
                job.retention = Some(retention.clone());
                job
            })
            .collect())
    }
}

/// One paragraph per VM: every backup kept with the rules that keep it, every one removed (or
/// that a dry run would remove), then a total line.
fn write_summary(out: &mut impl Write, run: &RunReport) -> io::Result<()> {
    for report in &run.reports {
        write_report(out, report)?;
    }
    let failed = run.reports.iter().filter(|report| !report.ok).count();
    let total = run.reports.len();
    match failed {
        0 => writeln!(out, "{total} of {total} prunes succeeded"),
        _ => writeln!(out, "{failed} of {total} prunes FAILED"),
    }
}

fn write_report(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let vm = &report.vm;
    let status = match (report.ok, report.dry_run) {
        (false, _) => "FAILED",
        (true, true) => "dry run, nothing changed",
        (true, false) => "ok",
    };
    writeln!(out, "{vm}: {status}")?;
    output::write_decision(out, report)?;
    for warning in &report.warnings {
        writeln!(out, "  warning: {warning}")?;
    }
    Ok(())
}
