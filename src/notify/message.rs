//! The one message a run sends: a subject with the counts, a plain-text body a person reads on
//! a phone, and the JSON report.

use std::fmt::Write as _;

use jiff::Timestamp;

use crate::report::{Report, RunReport};

/// A run's notification, the same for every channel.
///
/// ```
/// use vmrotate::RunReport;
/// use vmrotate::notify::Message;
///
/// let message = Message::of(&RunReport::new(Vec::new()));
/// assert!(message.subject.contains("0 succeeded, 0 failed"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// One line: the host, how many VMs' backups succeeded and how many failed.
    pub subject: String,
    /// Plain text: each failed VM with its error, then each VM's created and deleted
    /// generations and warnings.
    pub body: String,
    /// The run report as pretty JSON (`docs/report-schema.md`).
    pub report_json: String,
    /// Whether every VM's backup succeeded.
    pub ok: bool,
}

impl Message {
    /// The message reporting `run`.
    pub fn of(run: &RunReport) -> Self {
        let failed = run.reports.iter().filter(|report| !report.ok).count();
        let succeeded = run.reports.len() - failed;
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        let dry_run = if run.reports.iter().any(|report| report.dry_run) {
            " (dry run)"
        } else {
            ""
        };
        let verdict = if run.ok { "OK" } else { "FAILED" };
        Self {
            subject: format!(
                "vmrotate {verdict} on {host}: {succeeded} succeeded, {failed} failed{dry_run}"
            ),
            body: body(run, &host, succeeded, failed),
            report_json: serde_json::to_string_pretty(run).unwrap_or_else(|error| {
                format!("{{\"error\": \"the report does not serialize: {error}\"}}")
            }),
            ok: run.ok,
        }
    }
}

fn body(run: &RunReport, host: &str, succeeded: usize, failed: usize) -> String {
    let mut text = String::new();
    let started = run.reports.iter().map(|report| report.started).min();
    let finished = run.reports.iter().map(|report| report.finished).max();
    let _ = writeln!(text, "vmrotate backup run on {host}");
    if let (Some(started), Some(finished)) = (started, finished) {
        let _ = writeln!(text, "{} to {} UTC", minute(started), minute(finished));
    }
    let _ = writeln!(text, "{succeeded} succeeded, {failed} failed");
    let failures: Vec<&Report> = run.reports.iter().filter(|report| !report.ok).collect();
    if !failures.is_empty() {
        let _ = writeln!(text, "\nFAILED");
        for report in failures {
            let error = report
                .error
                .as_ref()
                .map_or("no error recorded", |error| error.message.as_str());
            let _ = writeln!(text, "- {}: {error}", report.vm);
        }
    }
    for report in &run.reports {
        let status = if report.ok { "ok" } else { "FAILED" };
        let _ = writeln!(text, "\n{} ({status})", report.vm);
        if let Some(created) = &report.created {
            let datastore = report.datastore.as_deref().unwrap_or("?");
            let _ = writeln!(text, "  created {created} on {datastore}");
        }
        for deleted in &report.deleted {
            let _ = writeln!(text, "  deleted {deleted}");
        }
        for warning in &report.warnings {
            let _ = writeln!(text, "  warning: {warning}");
        }
    }
    let _ = writeln!(text, "\nThe full report is attached as JSON (report.json).");
    text
}

/// `time` as `yyyy-mm-dd hh:mm` in UTC.
fn minute(time: Timestamp) -> String {
    time.strftime("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::report::ErrorReport;

    fn report(vm: &str, ok: bool) -> Report {
        let at: Timestamp = "2019-09-22T02:41:00Z".parse().unwrap();
        Report {
            ok,
            datastore: Some("NFS_durian".into()),
            created: ok.then(|| format!("zz_{vm}-02-201909220241")),
            deleted: if ok {
                vec![format!("zz_{vm}-03-201909190241")]
            } else {
                Vec::new()
            },
            snapshot_removed: ok,
            warnings: vec!["a look-alike VM was left alone".into()],
            error: (!ok).then(|| ErrorReport::new(ErrorKind::Preflight, "NFS_durian is full")),
            finished: at + jiff::SignedDuration::from_mins(4),
            ..Report::starting(vm, "1".into(), false, at)
        }
    }

    #[test]
    fn says_what_failed_and_what_changed() {
        let run = RunReport::new(vec![report("avocado2", true), report("vcenter", false)]);
        let message = Message::of(&run);
        assert!(message.subject.starts_with("vmrotate FAILED on "));
        assert!(message.subject.ends_with(": 1 succeeded, 1 failed"));
        let body = &message.body;
        assert!(
            body.contains("\nFAILED\n- vcenter: NFS_durian is full\n"),
            "{body}"
        );
        assert!(
            body.contains("2019-09-22 02:41 to 2019-09-22 02:45 UTC"),
            "{body}"
        );
        assert!(body.contains("created zz_avocado2-02-201909220241 on NFS_durian"));
        assert!(body.contains("deleted zz_avocado2-03-201909190241"));
        assert!(body.contains("warning: a look-alike VM was left alone"));
        let json: serde_json::Value = serde_json::from_str(&message.report_json).unwrap();
        assert_eq!(json["reports"][1]["vm"], "vcenter");
        assert!(!message.ok);
    }
}
