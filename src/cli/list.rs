//! `vmrotate list`: the backups in vCenter, per VM, with their anomalies.

use std::io::{self, Write};
use std::process::ExitCode;

use vmrotate::{Generation, PowerState, VmBackups};
use vmrotate::{VerificationLevel, VerificationState};

use super::connection::{ConnectionArgs, ConnectionTable};
use super::output;
use super::{CliError, block_on};

/// List the backups (generations, slot and retention clones) of VMs: slot (`r` for retention),
/// time, datastore, size, and anomalies.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The VMs whose backups to list [default: every VM that has backups].
    #[arg(value_name = "VM")]
    vms: Vec<String>,
    /// Prefix of every clone name.
    #[arg(long, default_value = "zz_")]
    prefix: String,
    /// Print the list as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Lists the backups of `args` and prints them.
pub(super) fn run(args: ListArgs) -> Result<ExitCode, CliError> {
    let connect = args.connection.options(ConnectionTable::default())?;
    let backups = block_on(async {
        let client = connect.connect().await?;
        let backups = vmrotate::list_backups(&client, &args.vms, &args.prefix).await;
        output::close(client).await;
        Ok::<_, CliError>(backups?)
    })??;
    let mut stdout = io::stdout().lock();
    if args.json {
        output::write_json(&mut stdout, &backups)?;
    } else {
        write_text(&mut stdout, &backups).map_err(CliError::Write)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One paragraph per VM: a table of its generations, then what looks wrong.
fn write_text(out: &mut impl Write, list: &[VmBackups]) -> io::Result<()> {
    if list.is_empty() {
        writeln!(out, "no backups")?;
    }
    for vm in list {
        let gone = if vm.exists {
            ""
        } else {
            " (the VM no longer exists)"
        };
        writeln!(out, "{}{gone}: {} generations", vm.vm, vm.generations.len())?;
        let rows: Vec<[String; 7]> = vm.generations.iter().map(row).collect();
        if !rows.is_empty() {
            let header = [
                "slot",
                "taken",
                "datastore",
                "size",
                "power",
                "state",
                "name",
            ]
            .map(String::from);
            output::write_table(out, "  ", &header, &rows)?;
        }
        for anomaly in &vm.anomalies {
            writeln!(out, "  ! {}", super::spell_for_cli(&anomaly.to_string()))?;
        }
        for finding in &vm.findings {
            writeln!(out, "  ! {finding}")?;
        }
    }
    Ok(())
}

/// A generation's cells: the slot is `r` for a retention clone; the time it was taken is its
/// marker's, in local time, else its name's stamp.
fn row(generation: &Generation) -> [String; 7] {
    let taken = generation.created.map_or_else(
        || generation.stamp.readable().to_string(),
        output::local_minute,
    );
    let power = match generation.power_state {
        PowerState::PoweredOff => "off",
        PowerState::PoweredOn => "ON",
        PowerState::Suspended => "suspended",
        PowerState::Unknown => "unknown",
    };
    [
        generation
            .slot
            .map_or_else(|| "r".to_owned(), |slot| slot.to_string()),
        taken,
        generation.datastore.clone(),
        vmrotate::Bytes(generation.size_bytes).to_string(),
        power.to_owned(),
        verification(generation),
        generation.name.clone(),
    ]
}

/// A generation's verification in brief: its state, and the level and local time of its last
/// check (`verified boot 2019-09-25 04:45`).
fn verification(generation: &Generation) -> String {
    let state = match generation.state {
        VerificationState::Verified => "verified",
        VerificationState::Unverified => "unverified",
        VerificationState::Failed => "FAILED",
    };
    match &generation.verification {
        None => state.to_owned(),
        Some(record) => {
            let level = match record.level {
                VerificationLevel::Metadata => "metadata",
                VerificationLevel::Boot => "boot",
            };
            format!("{state} {level} {}", output::local_minute(record.at))
        }
    }
}
