//! Command-line parsing, dispatch to one module per subcommand, and exit codes.
//!
//! Exit codes: 0 success, 1 a failure while running (reading input, writing output), 2 bad
//! input (arguments, options, values). Every error is one line on stderr.

mod plan;

use std::io;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use rotation_core::{PlanError, StampError};

/// Clone-based VM backup rotation for VMware vSphere.
#[derive(Debug, Parser)]
#[command(name = "vmrotate", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Plan(plan::PlanArgs),
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Rotation(#[from] PlanError),
    #[error("the clock reads a time with no yyyyMMddHHmm form ({0}): pass --stamp")]
    Clock(#[from] StampError),
    #[error("cannot read clone names from stdin ({0}): pass them as arguments instead")]
    ReadNames(#[source] io::Error),
    #[error("cannot write the output ({0})")]
    Write(#[source] io::Error),
}

impl CliError {
    fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Rotation(_) => usage(),
            CliError::Clock(_) | CliError::ReadNames(_) | CliError::Write(_) => ExitCode::FAILURE,
        }
    }
}

/// The exit code for bad input.
fn usage() -> ExitCode {
    ExitCode::from(2)
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
        Command::Plan(args) => plan::run(args, io::stdin().lock(), io::stdout().lock()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            err.exit_code()
        }
    }
}

/// A clap error message on one line: its first paragraph (before the usage), whitespace collapsed.
fn first_paragraph(message: &str) -> String {
    let paragraph = message.split("\n\n").next().unwrap_or(message);
    paragraph.split_whitespace().collect::<Vec<_>>().join(" ")
}
