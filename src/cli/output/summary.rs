//! The human summary of a backup run, and its errors on stderr.

use std::io::{self, Write};

use vmrotate::rotation_core::{Action, Plan};
use vmrotate::{Report, RunReport};

/// Writes one paragraph per VM, then a total line. Failures only say so here: their errors go
/// to stderr ([`report_failures`]), so logs show each message once.
pub fn write_run_summary(out: &mut impl Write, run: &RunReport) -> io::Result<()> {
    for report in &run.reports {
        write_report(out, report)?;
    }
    let failed = run.reports.iter().filter(|report| !report.ok).count();
    let total = run.reports.len();
    match failed {
        0 => writeln!(out, "{total} of {total} backups succeeded"),
        _ => writeln!(out, "{failed} of {total} backups FAILED"),
    }
}

/// A VM's outcome, with what its run did (a failed run may have done some of it).
fn write_report(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let vm = &report.vm;
    let status = if report.ok { "ok" } else { "FAILED" };
    if report.ok && report.dry_run {
        writeln!(out, "{vm}: dry run, nothing changed; a run now would:")?;
        if let Some(plan) = &report.plan {
            write_plan(out, plan)?;
        }
        write_decision(out, report)?;
    } else if let Some(created) = &report.created {
        let datastore = report.datastore.as_deref().unwrap_or("its datastore");
        writeln!(out, "{vm}: {status}, created {created} on {datastore}")?;
    } else {
        writeln!(out, "{vm}: {status}")?;
    }
    for deleted in &report.deleted {
        writeln!(out, "  deleted {deleted}")?;
    }
    for warning in &report.warnings {
        writeln!(out, "  warning: {warning}")?;
    }
    Ok(())
}

/// The plan's actions with their reasons, and why it is blocked if it is.
fn write_plan(out: &mut impl Write, plan: &Plan) -> io::Result<()> {
    for action in &plan.actions {
        let op = match action {
            Action::Create { .. } => "create",
            Action::Delete { .. } => "delete",
        };
        writeln!(out, "  {op} {} ({})", action.name(), action.reason())?;
    }
    if let Some(blocked) = &plan.blocked {
        writeln!(out, "  BLOCKED: {blocked}")?;
    }
    Ok(())
}

/// A retention decision, if the run made one: every backup kept with the rules that keep it,
/// then every one removed (or that a dry run would remove).
pub fn write_decision(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let Some(decision) = &report.retention else {
        return Ok(());
    };
    for name in &decision.keep {
        let reasons = decision.reasons.get(name).map_or(&[][..], Vec::as_slice);
        writeln!(out, "  keep    {name} ({})", reasons.join(", "))?;
    }
    for name in &decision.remove {
        let verb = if report.dry_run {
            "would remove"
        } else if report.deleted.contains(name) {
            "removed"
        } else {
            "left (see the error)"
        };
        writeln!(out, "  {verb} {name}")?;
    }
    Ok(())
}

/// One `error: <vm>: <message>` line on stderr per failed VM.
pub fn report_failures(run: &RunReport) {
    for report in run.reports.iter().filter(|report| !report.ok) {
        let message = report
            .error
            .as_ref()
            .map_or("failed without an error message", |error| {
                error.message.as_str()
            });
        let message = crate::cli::spell_for_cli(message);
        eprintln!("error: {}: {}", report.vm, crate::cli::one_line(&message));
    }
}
