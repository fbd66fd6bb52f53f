//! `vmrotate verify`: run the verification checks again on existing backups.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use vmrotate::{VerifyOutcome, VerifyRequest};

use super::connection::{ConnectionArgs, ConnectionTable};
use super::output;
use super::{CliError, block_on_stoppable};

/// Verify backups again and record the result on each: the metadata checks (disks, files,
/// marker, connection), and with --boot a boot test isolated from the network.
///
/// Exit codes: 0 every backup passed, 1 one failed, 2 bad input (an unknown name or host).
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The backups (clones) to verify, e.g. zz_avocado2-02-201909250241.
    #[arg(value_name = "CLONE", required = true)]
    clones: Vec<String>,
    /// Also boot each: network cards disconnected, power on, wait for the VMware Tools
    /// heartbeat, screenshot, power off (never left on).
    #[arg(long)]
    boot: bool,
    /// The host to boot on [default: where each backup is registered].
    #[arg(long, requires = "boot")]
    host: Option<String>,
    /// How long to wait for the heartbeat, e.g. 90s or 10m.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration, requires = "boot")]
    boot_timeout: Duration,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Verifies the backups of `args` and prints each result.
pub(super) fn run(args: VerifyArgs) -> Result<ExitCode, CliError> {
    let connect = args.connection.options(ConnectionTable::default())?;
    let request = VerifyRequest {
        clones: args.clones,
        boot: args.boot,
        host: args.host,
        boot_timeout: args.boot_timeout,
        stop: vmrotate::Stop::new(),
    };
    let outcomes = block_on_stoppable(&request.stop, async {
        let client = connect.connect().await?;
        let outcomes = vmrotate::verify(&client, &request).await;
        output::close(client).await;
        Ok::<_, CliError>(outcomes?)
    })??;
    let mut stdout = io::stdout().lock();
    if args.json {
        output::write_json(&mut stdout, &outcomes)?;
    } else {
        write_text(&mut stdout, &outcomes).map_err(CliError::Write)?;
    }
    if let Some(reason) = request.stop.requested() {
        return Ok(ExitCode::from(
            u8::try_from(reason.exit_code()).unwrap_or(1),
        ));
    }
    Ok(if outcomes.iter().all(|outcome| outcome.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn write_text(out: &mut impl Write, outcomes: &[VerifyOutcome]) -> io::Result<()> {
    for outcome in outcomes {
        let level = outcome
            .verification
            .as_ref()
            .map(|record| format!("{:?}", record.level).to_lowercase())
            .unwrap_or_default();
        match &outcome.error {
            None => writeln!(out, "{}: verified ({level})", outcome.clone)?,
            Some(error) => writeln!(
                out,
                "{}: FAILED ({level}): {}",
                outcome.clone, error.message
            )?,
        }
        let boot = outcome.verification.as_ref().and_then(|r| r.boot.as_ref());
        if let Some(boot) = boot {
            if let Some(ms) = boot.heartbeat_after_ms {
                writeln!(
                    out,
                    "  heartbeat {:.1} s after power-on on {}",
                    ms as f64 / 1000.0,
                    boot.host
                )?;
            }
            if let Some(screenshot) = &boot.screenshot {
                writeln!(out, "  screenshot {screenshot}")?;
            }
        }
    }
    Ok(())
}

/// A duration such as `90s`, `10m` or `PT2M`.
fn duration(text: &str) -> Result<Duration, String> {
    let signed: jiff::SignedDuration = text.parse().map_err(|error| format!("{error}"))?;
    Duration::try_from(signed).map_err(|_| "a duration must not be negative".to_owned())
}
