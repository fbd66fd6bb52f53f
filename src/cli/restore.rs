//! `vmrotate restore`: a backup back into service, as a new VM.

use std::io::{self, Write};
use std::process::ExitCode;

use vmrotate::{RestoreReport, RestoreRequest};

use super::connection::{ConnectionArgs, ConnectionTable};
use super::output;
use super::{CliError, block_on_stoppable};

/// Restore a backup as a new VM (never over an existing one).
///
/// By default a full clone of the backup, which stays a backup. With --register-only, the
/// backup's own .vmx is registered on a surviving host instead (the way back when a host
/// died): no copy, the backup becomes the VM and leaves the rotation.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup (clone) to restore, e.g. zz_avocado2-02-201909250241.
    #[arg(value_name = "CLONE")]
    clone: String,
    /// The new VM's name [default: VM-restored-yyyyMMddHHmm]; refused if a VM has it.
    #[arg(long = "as", value_name = "NAME")]
    new_name: Option<String>,
    /// The host to run the new VM on [default: the backup's host].
    #[arg(long)]
    host: Option<String>,
    /// The datastore for the new VM's files [default: the backup's datastore].
    #[arg(long)]
    datastore: Option<String>,
    /// The VM folder for the new VM [default: the backup's folder].
    #[arg(long)]
    folder: Option<String>,
    /// Power the new VM on once it exists.
    #[arg(long)]
    power_on: bool,
    /// Register the backup's own .vmx instead of copying it (no copy: the backup becomes the VM).
    #[arg(long)]
    register_only: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Restores the backup of `args` and prints what was made.
pub(super) fn run(args: RestoreArgs) -> Result<ExitCode, CliError> {
    let connect = args.connection.options(ConnectionTable::default())?;
    let request = RestoreRequest {
        clone: args.clone,
        new_name: args.new_name,
        host: args.host,
        datastore: args.datastore,
        folder: args.folder,
        power_on: args.power_on,
        register_only: args.register_only,
        stop: vmrotate::Stop::new(),
    };
    let restored = block_on_stoppable(&request.stop, async {
        let client = connect.connect().await?;
        let report = vmrotate::restore(&client, &request).await;
        output::close(client).await;
        Ok::<_, CliError>(report?)
    })?;
    let report = match (restored, request.stop.requested()) {
        (Ok(report), _) => report,
        (Err(error), Some(reason)) => {
            eprintln!("error: {}", super::one_line(&error.to_string()));
            return Ok(ExitCode::from(
                u8::try_from(reason.exit_code()).unwrap_or(1),
            ));
        }
        (Err(error), None) => return Err(error),
    };
    let mut stdout = io::stdout().lock();
    if args.json {
        output::write_json(&mut stdout, &report)?;
    } else {
        write_text(&mut stdout, &report).map_err(CliError::Write)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_text(out: &mut impl Write, report: &RestoreReport) -> io::Result<()> {
    writeln!(out, "{report}")
}
