//! Verifying existing backups again: the metadata checks, and optionally the boot test.

use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use vsphere_client::Client;

use crate::error::Error;
use crate::job::boot::{self, BootTest};
use crate::job::deep::{self, CloneState, Target};
use crate::job::hardware::Disk;
use crate::job::holder::new_run_id;
use crate::job::inventory::{Inventory, VmDetails};
use crate::job::lock;
use crate::job::verification::Verification;
use crate::report::ErrorReport;
use crate::stop::Stop;

/// Which backups to verify, and how deep.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    /// The backups (clones), by exact name.
    pub clones: Vec<String>,
    /// Also boot-test each: see [`verify()`]. Default: off.
    pub boot: bool,
    /// The host to boot them on. Default: where each is registered.
    pub host: Option<String>,
    /// How long a boot test waits for the VMware Tools heartbeat. Default: 10 minutes.
    pub boot_timeout: Duration,
    /// The request to stop cooperatively: a boot test in progress powers its clone off and
    /// ends. Default: one nobody requests.
    pub stop: Stop,
}

impl Default for VerifyRequest {
    fn default() -> Self {
        Self {
            clones: Vec::new(),
            boot: false,
            host: None,
            boot_timeout: crate::Timeouts::default().boot,
            stop: Stop::new(),
        }
    }
}

/// The verification of one backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyOutcome {
    /// The backup's name.
    pub clone: String,
    /// Whether every check passed.
    pub ok: bool,
    /// The record written on the backup (none when the checks could not run).
    pub verification: Option<Verification>,
    /// Why it failed, when it did.
    pub error: Option<ErrorReport>,
}

/// Verifies the backups `request.clones` again and records each result on the backup
/// (`vmrotate.verification`), as a run does: the metadata checks (marker, connection,
/// consolidation, every disk and the `.vmx` on the backup's own datastore, no disk depending
/// on another datastore, the disks' number and capacities as its run recorded them of the
/// source), then with `boot` the boot test (network cards disconnected, power-on, the VMware
/// Tools heartbeat, a screenshot when the host takes one, power-off on every path). Each
/// backup is verified holding its source VM's lock, so no backup run rotates it meanwhile.
///
/// # Errors
/// [`Error::NotFound`] for a name no VM has, or an unknown host; [`Error::Refused`] for a VM
/// without vmrotate's marker; the calls' [`Error::Vsphere`] while reading the inventory. A
/// backup that fails its checks is no error: its [`VerifyOutcome`] says so.
pub async fn verify(client: &Client, request: &VerifyRequest) -> Result<Vec<VerifyOutcome>, Error> {
    let inventory = Inventory::read(client).await?;
    let host = match &request.host {
        None => None,
        Some(name) => Some(
            inventory
                .hosts
                .iter()
                .find(|host| host.name == *name)
                .ok_or_else(|| Error::NotFound(format!("no host is named {name}")))?,
        ),
    };
    let mut backups = Vec::new();
    for name in &request.clones {
        let morefs: Vec<_> = inventory
            .vms
            .iter()
            .filter(|vm| vm.name == *name)
            .map(|vm| vm.moref.clone())
            .collect();
        let details = Inventory::details(client, &morefs).await?;
        let backup = match details.as_slice() {
            [] => return Err(Error::NotFound(format!("no VM is named {name}"))),
            [backup] => backup.clone(),
            _ => return Err(Error::Ambiguous(format!("several VMs are named {name}"))),
        };
        if backup.valid_marker().is_none() {
            return Err(Error::Refused(format!(
                "{name} carries no vmrotate marker: it is no backup vmrotate made"
            )));
        }
        backups.push(backup);
    }
    let mut outcomes = Vec::new();
    for backup in backups {
        let limit = request.boot_timeout + boot::STEP_TIMEOUT * 4;
        let checked = lock::holding_source_of(client, &inventory, &backup, limit, async {
            let record = metadata(client, &backup).await?;
            match (request.boot, record.state) {
                (true, crate::VerificationState::Verified) => {
                    let test = BootTest {
                        client,
                        vm: &backup.moref,
                        name: &backup.name,
                        host: host.map(|host| (&host.moref, host.name.as_str())),
                        timeout: request.boot_timeout,
                        stop: &request.stop,
                    };
                    boot::test_and_record(&test, record).await
                }
                _ => Ok(record),
            }
        })
        .await;
        outcomes.push(outcome(&backup, checked, client).await);
    }
    Ok(outcomes)
}

/// The metadata checks of `backup`, recorded on it.
async fn metadata(client: &Client, backup: &VmDetails) -> Result<Verification, Error> {
    let state = CloneState::read(client, &backup.moref).await?;
    let earlier = Verification::read(&backup.extra_config);
    let source_disks = earlier
        .map(|record| record.source_disks)
        .filter(|disks| !disks.is_empty());
    let datastore = state
        .vmx_path
        .as_deref()
        .and_then(Disk::datastore_name)
        .unwrap_or_default()
        .to_owned();
    let target = Target {
        name: &datastore,
        moref: None,
    };
    let checked = deep::check(&state, source_disks.as_deref(), &target, false);
    let mut record = Verification::passed(
        &new_run_id(Timestamp::now()),
        checked.passed.clone(),
        Timestamp::now(),
    );
    record.source_disks = source_disks.unwrap_or_default();
    if let Some(problem) = checked.problem() {
        let names = checked
            .failed
            .iter()
            .map(|(name, _)| name.clone())
            .collect();
        record = record.failing(names, problem);
    }
    let vm = vsphere_client::object::VirtualMachine::new(client.clone(), backup.moref.clone());
    record.record(&vm, boot::STEP_TIMEOUT).await?;
    Ok(record)
}

/// The outcome of verifying `backup`: `checked` is the record written, or why none was.
async fn outcome(
    backup: &VmDetails,
    checked: Result<Verification, Error>,
    client: &Client,
) -> VerifyOutcome {
    let (verification, error) = match checked {
        Ok(record) => {
            let error = record.problem.clone().map(|problem| {
                ErrorReport::from(&Error::Verify(format!("{} failed: {problem}", backup.name)))
            });
            (Some(record), error)
        }
        Err(error) => {
            // The record a failed boot test wrote, if any.
            let written = Inventory::details(client, std::slice::from_ref(&backup.moref))
                .await
                .ok()
                .and_then(|details| {
                    details
                        .first()
                        .and_then(|vm| Verification::read(&vm.extra_config))
                });
            (written, Some(ErrorReport::from(&error)))
        }
    };
    VerifyOutcome {
        clone: backup.name.clone(),
        ok: error.is_none(),
        verification,
        error,
    }
}
