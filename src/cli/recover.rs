//! `vmrotate recover`: a VM's newest verified generation back into service on an ESXi host,
//! without vCenter.

use std::io::{self, Write};
use std::process::ExitCode;

use vmrotate::{Answer, FoundGeneration, RecoverRequest};

use super::connection::{ConnectionArgs, ConnectionTable};
use super::output;
use super::{CliError, block_on};

/// Recover a VM from its backups on the datastores of an ESXi host, without vCenter.
///
/// Connect straight to the surviving ESXi host (its address and its root or local account).
/// Finds VM's generations on the datastores (each clone's manifest, else its .vmx lines; a
/// name alone is never trusted), registers the newest verified one under NAME and, with
/// --power-on, powers it on, answering the "moved or copied" question. With --list, lists
/// every generation found instead.
#[derive(Debug, clap::Args)]
pub struct RecoverArgs {
    /// The backed-up VM (the name its backups' markers record); optional with --list.
    #[arg(value_name = "VM", required_unless_present = "list")]
    vm: Option<String>,
    /// A datastore to search (repeatable).
    #[arg(long = "datastore", value_name = "D", required = true)]
    datastores: Vec<String>,
    /// The recovered VM's name [default: VM]; refused if a VM has it.
    #[arg(long = "as", value_name = "NAME")]
    new_name: Option<String>,
    /// Power it on and wait until it runs.
    #[arg(long)]
    power_on: bool,
    /// The answer to the "moved or copied" question at power-on.
    #[arg(long, value_enum, default_value_t = AnswerArg::Moved)]
    answer: AnswerArg,
    /// Say what would be done; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// List every generation found on the datastores, with its state; change nothing.
    #[arg(long)]
    list: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// `--answer`'s values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum AnswerArg {
    /// The recovered VM replaces the lost one.
    Moved,
    /// The recovered VM runs beside the original.
    Copied,
}

/// Recovers (or lists) as `args` say and prints what was done.
pub(super) fn run(args: RecoverArgs) -> Result<ExitCode, CliError> {
    let connect = args.connection.options(ConnectionTable::default())?;
    let mut stdout = io::stdout().lock();
    if args.list {
        let found = block_on(async {
            let client = connect.connect().await?;
            let found =
                vmrotate::find_generations_on(&client, &args.datastores, args.vm.as_deref()).await;
            output::close(client).await;
            Ok::<_, CliError>(found?)
        })??;
        if args.json {
            output::write_json(&mut stdout, &found)?;
        } else {
            write_list(&mut stdout, &found).map_err(CliError::Write)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let request = RecoverRequest {
        vm: args.vm.unwrap_or_default(),
        datastores: args.datastores,
        new_name: args.new_name,
        power_on: args.power_on,
        answer: match args.answer {
            AnswerArg::Moved => Answer::Moved,
            AnswerArg::Copied => Answer::Copied,
        },
        dry_run: args.dry_run,
    };
    let report = block_on(async {
        let client = connect.connect().await?;
        let report = vmrotate::recover(&client, &request).await;
        output::close(client).await;
        Ok::<_, CliError>(report?)
    })??;
    if args.json {
        output::write_json(&mut stdout, &report)?;
    } else {
        writeln!(stdout, "{report}").map_err(CliError::Write)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_list(out: &mut impl Write, found: &[FoundGeneration]) -> io::Result<()> {
    if found.is_empty() {
        return writeln!(out, "no .vmx found");
    }
    for generation in found {
        let registered = if generation.registered {
            ", registered"
        } else {
            ""
        };
        writeln!(
            out,
            "{}  {}{registered}",
            generation.describe(),
            generation.vmx
        )?;
    }
    Ok(())
}
