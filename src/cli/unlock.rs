//! `vmrotate unlock`: clear a VM's backup lock at once, when the run holding it is known dead.

use std::io::{self, Write};
use std::process::ExitCode;

use super::connection::{ConnectionArgs, ConnectionTable};
use super::output;
use super::{CliError, block_on};

/// Remove the snapshots of vmrotate runs from a VM (its backup lock), leaving user snapshots.
///
/// A crashed run's lock clears by itself: the next run removes it once its run's time limit has
/// passed, or at once if the run was on the same machine. Use this when the crashed run was on
/// another machine and the next backup cannot wait. While the lock is live (its run may still
/// go, or vCenter still runs its clone), it refuses and names the holder; --force removes it
/// anyway, which makes a run that is still going fail.
#[derive(Debug, clap::Args)]
pub struct UnlockArgs {
    /// The VM (exact name).
    #[arg(value_name = "VM")]
    vm: String,
    /// Remove the lock even while it is live.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Removes the run snapshots of the VM of `args` and says which.
pub(super) fn run(args: UnlockArgs) -> Result<ExitCode, CliError> {
    let connect = args.connection.options(ConnectionTable::default())?;
    let removed = block_on(async {
        let client = connect.connect().await?;
        let removed = vmrotate::unlock(&client, &args.vm, args.force).await;
        output::close(client).await;
        Ok::<_, CliError>(removed?)
    })??;
    let mut stdout = io::stdout().lock();
    if removed.is_empty() {
        writeln!(
            stdout,
            "{}: no vmrotate run snapshot, nothing to unlock",
            args.vm
        )
    } else {
        removed.iter().try_for_each(|snapshot| {
            writeln!(stdout, "{}: removed snapshot \"{snapshot}\"", args.vm)
        })
    }
    .map_err(CliError::Write)?;
    Ok(ExitCode::SUCCESS)
}
