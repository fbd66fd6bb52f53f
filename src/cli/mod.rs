//! Command-line parsing, dispatch to one module per subcommand, and exit codes.
//!
//! Exit codes:
//! - 0: success; for `backup` and `run`, every VM's backup succeeded;
//! - 1: a failure while running: the server unreachable or failing, a backup that failed, the
//!   VM locked by another run, output not written;
//! - 2: bad input, nothing changed: arguments, options, the jobs file, or what the server says
//!   about them (an unknown VM or datastore, an ambiguous prefix, a datastore without room, a
//!   rejected user name or password: [`vmrotate::ErrorKind::is_usage`]). With several VMs, 2
//!   only when every one failed so; when one succeeded, something changed and the code is 1.
//!
//! Every error is one line on stderr (one line per failed VM for `backup` and `run`).

mod backup;
mod connection;
#[cfg(feature = "keyring")]
mod keyring;
mod list;
mod notify;
mod output;
mod plan;
mod prune;
mod recover;
mod restore;
mod run;
mod signals;
mod unlock;
mod verify;

use std::io;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use rotation_core::PlanError;

/// Clone-based VM backup rotation for VMware vSphere.
///
/// Exit codes: 0 success, 1 failure while running, 2 bad input (nothing changed).
#[derive(Debug, Parser)]
#[command(name = "vmrotate", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Backup(backup::BackupArgs),
    List(list::ListArgs),
    Recover(recover::RecoverArgs),
    Restore(restore::RestoreArgs),
    Run(run::RunArgs),
    Unlock(unlock::UnlockArgs),
    Plan(plan::PlanArgs),
    Prune(prune::PruneArgs),
    Verify(verify::VerifyArgs),
    #[cfg(feature = "keyring")]
    Keyring(keyring::KeyringArgs),
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Rotation(#[from] PlanError),
    #[error("cannot read clone names from stdin ({0}): pass them as arguments instead")]
    ReadNames(#[source] io::Error),
    #[error("cannot write the output ({0})")]
    Write(#[source] io::Error),
    #[error("{0}")]
    Connection(&'static str),
    #[error(transparent)]
    Library(#[from] vmrotate::Error),
    #[error("{0}")]
    JobsFile(String),
    #[error("cannot start the async runtime ({0}): check the process limits (threads)")]
    Runtime(#[source] io::Error),
    #[error("cannot watch for stop signals ({0})")]
    Signals(#[source] io::Error),
    #[cfg(feature = "keyring")]
    #[error("{0}")]
    Keyring(String),
}

impl CliError {
    fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Rotation(_) | CliError::Connection(_) | CliError::JobsFile(_) => usage(),
            CliError::Library(error) => ExitCode::from(error.exit_code()),
            CliError::ReadNames(_)
            | CliError::Write(_)
            | CliError::Runtime(_)
            | CliError::Signals(_) => ExitCode::FAILURE,
            #[cfg(feature = "keyring")]
            CliError::Keyring(_) => ExitCode::FAILURE,
        }
    }
}

/// The exit code for bad input.
fn usage() -> ExitCode {
    ExitCode::from(2)
}

/// The exit code of a run of backups: 0 if all succeeded; 2 if none did and every one failed
/// for bad input (so nothing changed); else 1.
fn run_exit_code(run: &vmrotate::RunReport) -> ExitCode {
    let bad_input = |report: &vmrotate::Report| {
        report
            .error
            .as_ref()
            .is_some_and(vmrotate::ErrorReport::is_usage)
    };
    if run.ok {
        ExitCode::SUCCESS
    } else if run.reports.iter().all(bad_input) {
        usage()
    } else {
        ExitCode::FAILURE
    }
}

/// Runs the command line of this process.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            // --help and --version: print as clap formats them.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // No subcommand: the help is the best error message.
            let _ = err.print();
            return usage();
        }
        Err(err) => {
            eprintln!("{}", first_paragraph(&err.to_string()));
            return usage();
        }
    };
    let result = match cli.command {
        Command::Plan(args) => {
            plan::run(args, io::stdin().lock(), io::stdout().lock()).map(|()| ExitCode::SUCCESS)
        }
        Command::Backup(args) => backup::run(args),
        Command::Run(args) => run::run(args),
        Command::Unlock(args) => unlock::run(args),
        Command::List(args) => list::run(args),
        Command::Recover(args) => recover::run(args),
        Command::Restore(args) => restore::run(args),
        Command::Prune(args) => prune::run(args),
        Command::Verify(args) => verify::run(args),
        #[cfg(feature = "keyring")]
        Command::Keyring(args) => keyring::run(args),
    };
    result.unwrap_or_else(|err| {
        // A jobs file's settings are spelled as in the file, the core's way.
        let message = match &err {
            CliError::JobsFile(message) => message.clone(),
            other => spell_for_cli(&other.to_string()),
        };
        eprintln!("error: {}", one_line(&message));
        err.exit_code()
    })
}

/// A core message with its settings (`` `datastores` ``) spelled as this command line's flags.
pub(crate) fn spell_for_cli(message: &str) -> String {
    vmrotate::spell_settings(message, |setting| match setting {
        "datastores" => Some("--datastore".to_owned()),
        "vm" | "retention" | "free_space_margin" | "password" => None,
        flag => Some(format!("--{}", flag.replace('_', "-"))),
    })
}

/// Runs `future` to completion on a multi-threaded runtime, as the library's calls need.
fn block_on<F: Future>(future: F) -> Result<F::Output, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    Ok(runtime.block_on(future))
}

/// Runs the runs of `future`, which honour `stop`, with the stop signals asking `stop`
/// (see [`signals`]).
fn block_on_stoppable<F: Future>(stop: &vmrotate::Stop, future: F) -> Result<F::Output, CliError> {
    block_on(async {
        signals::watch(stop).map_err(CliError::Signals)?;
        Ok(future.await)
    })?
}

/// The exit code of a run of backups that honoured `stop`: 128 plus the signal's number once
/// a stop was requested, else as [`run_exit_code`] says.
fn stoppable_exit_code(run: &vmrotate::RunReport, stop: &vmrotate::Stop) -> ExitCode {
    match stop.requested() {
        Some(reason) => ExitCode::from(u8::try_from(reason.exit_code()).unwrap_or(1)),
        None => run_exit_code(run),
    }
}

/// A clap error message on one line: its first paragraph (before the usage), whitespace collapsed.
fn first_paragraph(message: &str) -> String {
    let paragraph = message.split("\n\n").next().unwrap_or(message);
    one_line(paragraph)
}

/// `message` with every run of whitespace, line breaks included, collapsed into one space.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn core_settings_are_spelled_as_flags() {
        assert_eq!(
            super::spell_for_cli("force the deletion (`force`), or set `keep_daily`"),
            "force the deletion (--force), or set --keep-daily"
        );
    }
}
