//! `vmrotate run --config jobs.toml`: the jobs of a file, for schedulers.
//!
//! The file has an optional `[connection]` table (the connection flags' settings, which the
//! flags and `VMROTATE_*` variables override), an optional `[run]` table (`parallel`,
//! `clones_per_host`, `clones_per_datastore`), optional `[notify]` and `[metrics]` tables (see
//! `docs/scheduling.md`), and one `[[job]]` table per VM, each a [`JobConfig`].
//! `examples/jobs.toml` shows every setting.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use vmrotate::JobConfig;
use vmrotate::metrics::MetricsConfig;
use vmrotate::notify::NotifyConfig;

use super::CliError;
use super::backup::{self, RunFlags, RunLimits};
use super::connection::{ConnectionArgs, ConnectionTable};
use super::notify::NotifyTables;

/// Run the backup jobs of a file (for cron, systemd timers, Task Scheduler).
///
/// Exit code 0 only if every job succeeded.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The jobs file (TOML): `[connection]`, `[run]` and one `[[job]]` table per VM.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    #[command(flatten)]
    run: RunFlags,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// A jobs file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobsFile {
    #[serde(default)]
    connection: ConnectionTable,
    #[serde(default)]
    run: RunLimits,
    #[serde(default)]
    job: Vec<JobConfig>,
    /// The `[notify]` table: e-mail and webhook.
    #[serde(default)]
    notify: Option<NotifyConfig>,
    /// The `[metrics]` table: Prometheus textfile and Pushgateway.
    #[serde(default)]
    metrics: Option<MetricsConfig>,
}

/// Reads the jobs file of `args` and runs its jobs.
pub(super) fn run(args: RunArgs) -> Result<ExitCode, CliError> {
    let file = read(&args.config)?;
    let options = args.run.run_options(file.run);
    let dir = args.config.parent().unwrap_or(Path::new("."));
    let connect = args.connection.options(file.connection.relative_to(dir))?;
    let tables = NotifyTables {
        notify: file.notify,
        metrics: file.metrics,
    }
    .checked(dir)?;
    backup::run_jobs(&file.job, &options, args.run.json(), connect, &tables)
}

/// Parses and checks the jobs file at `path`.
fn read(path: &Path) -> Result<JobsFile, CliError> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        CliError::JobsFile(format!(
            "cannot read the jobs file {}: {error}",
            path.display()
        ))
    })?;
    let file = parse(&text)
        .map_err(|message| CliError::JobsFile(format!("{}: {message}", path.display())))?;
    Ok(file)
}

/// Parses TOML settings; the error is one line, with the line number. It never quotes the
/// file (as the TOML error's `Display` does): a misplaced password must not reach a log.
pub(super) fn parse_toml<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|error| {
        let line = error
            .span()
            .and_then(|span| text.get(..span.start))
            .map(|before| before.matches('\n').count() + 1);
        match line {
            Some(line) => format!("line {line}: {}", error.message()),
            None => error.message().to_owned(),
        }
    })
}

/// Parses a jobs file's text and checks its jobs.
fn parse(text: &str) -> Result<JobsFile, String> {
    let file: JobsFile = parse_toml(text)?;
    if file.job.is_empty() {
        return Err("no [[job]] table: add one per VM to back up (see examples/jobs.toml)".into());
    }
    vmrotate::validate_jobs(&file.job).map_err(|error| error.to_string())?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_parses() {
        let text = include_str!("../../examples/jobs.toml");
        let file = parse(text).unwrap();
        assert!(file.job.len() >= 2);
        assert!(file.job.iter().all(|job| !job.datastores.is_empty()));
        assert_eq!(file.run.clones_per_datastore.map(|n| n.get()), Some(2));
        assert!(
            file.job
                .iter()
                .any(|job| job.placement == vmrotate::HostPlacement::OtherHost)
        );
    }

    #[test]
    fn errors_name_the_line_or_the_job() {
        let unknown =
            parse("[run]\nparallel = 2\n\n[[job]]\nvm = \"a\"\ndatastores = [\"d\"]\nslot = 3\n");
        let message = unknown.unwrap_err();
        assert!(
            message.starts_with("line 7: unknown field `slot`"),
            "{message}"
        );
        let invalid = parse("[[job]]\nvm = \"a\"\ndatastores = [\"d\"]\nslots = 1\n");
        let message = invalid.unwrap_err();
        assert!(message.starts_with("job 1 (a): "), "{message}");
        assert!(message.contains("2 slots"), "{message}");
        let empty = parse("[run]\nparallel = 1\n").unwrap_err();
        assert!(empty.contains("[[job]]"), "{empty}");
        let zero = parse("[run]\nparallel = 0\n").unwrap_err();
        assert!(zero.starts_with("line 2: "), "{zero}");
        let limits = parse("[run]\nclones_per_datastore = 0\n").unwrap_err();
        assert!(limits.starts_with("line 2: "), "{limits}");
    }
}
