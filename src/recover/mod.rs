//! Recovery without vCenter: the newest verified generation of a VM, found on the datastores
//! an ESXi host mounts, registered on that host and powered on (see `docs/backup-job.md`,
//! "vCenter is down").

mod found;
mod power;

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use vsphere_client::Client;
use vsphere_client::object::{Folder, HostSystem, ResourcePool, VirtualMachine};
use vsphere_client::property::retrieve_one;
use vsphere_client::types::Value;

pub use found::{Evidence, FoundGeneration, FoundState};
pub use power::Answer;

use crate::error::Error;
use crate::job::returned_ref;

/// How long each step of a recovery may take.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// What to recover, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoverRequest {
    /// The backed-up VM, by the name its backups' markers record.
    pub vm: String,
    /// The datastores to search (by name, as the host shows them).
    pub datastores: Vec<String>,
    /// The recovered VM's name. Default: [`vm`](Self::vm).
    pub new_name: Option<String>,
    /// Power it on, answering the "moved or copied" question, and wait until it runs.
    pub power_on: bool,
    /// The answer to the "moved or copied" question. Default: moved.
    pub answer: Answer,
    /// Say what would be done; change nothing.
    pub dry_run: bool,
}

/// What a recovery did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecoverReport {
    /// The recovered VM's name.
    pub vm: String,
    /// The generation used.
    pub from: FoundGeneration,
    /// The host it is registered on.
    pub host: String,
    /// Whether this was a dry run (nothing changed).
    pub dry_run: bool,
    /// Whether it was powered on.
    pub powered_on: bool,
    /// The answer given to the "moved or copied" question, if the VM asked it.
    pub answered: Option<Answer>,
    /// Every `.vmx` seen on the datastores, newest first.
    pub seen: Vec<FoundGeneration>,
    /// Things to know.
    pub warnings: Vec<String>,
}

impl fmt::Display for RecoverReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run {
            "would register"
        } else {
            "registered"
        };
        write!(
            f,
            "{verb} {} ({}) on host {} as {}",
            self.from.vmx,
            self.from.describe(),
            self.host,
            self.vm
        )?;
        if let Some(answer) = self.answered {
            write!(f, ", answered \"{answer}\"")?;
        }
        if self.powered_on {
            write!(f, ", powered on")?;
        }
        for warning in &self.warnings {
            write!(f, "\nwarning: {warning}")?;
        }
        Ok(())
    }
}

/// Every `.vmx` on `datastores` and what it is (see [`FoundState`]), newest first; with `vm`,
/// only the clones whose marker names it (and those whose identity is unknown). Reads only
/// what is on the datastores: `client` may be connected straight to an ESXi host.
///
/// # Errors
/// [`Error::NotFound`] for a datastore the server does not have; the calls' errors.
pub async fn find_generations_on(
    client: &Client,
    datastores: &[String],
    vm: Option<&str>,
) -> Result<Vec<FoundGeneration>, Error> {
    let view = found::HostView::read(client).await?;
    found::find(client, &view, datastores, vm).await
}

/// Recovers `request.vm` on the host `client` is connected to (an ESXi host, without
/// vCenter): finds its newest verified generation on the datastores (a clone's manifest,
/// else its `.vmx` lines, say what it is; a name alone is never trusted), checks its hardware
/// version against the host's, registers its `.vmx` into the host's VM folder and root pool
/// under the clone's own name, renames it, and with `power_on` powers it on, answering the
/// "moved or copied" question.
///
/// # Errors
/// [`Error::NotFound`] when no verified generation is found (the message lists what was
/// seen) or a datastore does not exist; [`Error::Refused`] when the name is taken or the
/// `.vmx` is registered already (nothing changed); [`Error::Preflight`] for a hardware version
/// the host cannot run; the calls' errors.
pub async fn recover(client: &Client, request: &RecoverRequest) -> Result<RecoverReport, Error> {
    let view = found::HostView::read(client).await?;
    let seen = found::find(client, &view, &request.datastores, Some(&request.vm)).await?;
    let Some(chosen) = seen
        .iter()
        .find(|found| found.state == FoundState::Verified && found.source.is_some())
        .cloned()
    else {
        let saw = if seen.is_empty() {
            "no .vmx of it at all".to_owned()
        } else {
            seen.iter()
                .map(FoundGeneration::describe)
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(Error::NotFound(format!(
            "no verified generation of {} on {}: saw {saw}",
            request.vm,
            request.datastores.join(", ")
        )));
    };
    let name = request
        .new_name
        .clone()
        .unwrap_or_else(|| request.vm.clone());
    if view.has_vm_named(&name) {
        return Err(Error::Refused(format!(
            "a VM named {name} is already registered on host {}: nothing was changed; recover \
             under another name (--as NAME) or remove that VM",
            view.host_name
        )));
    }
    if chosen.registered {
        return Err(Error::Refused(format!(
            "{} is already registered on host {}: nothing was changed; use that VM",
            chosen.vmx, view.host_name
        )));
    }
    let mut warnings = Vec::new();
    check_hardware(client, &view, &chosen, &mut warnings).await?;
    let mut report = RecoverReport {
        vm: name.clone(),
        from: chosen.clone(),
        host: view.host_name.clone(),
        dry_run: request.dry_run,
        powered_on: false,
        answered: None,
        seen,
        warnings,
    };
    if request.dry_run {
        return Ok(report);
    }
    let pool = view.root_pool().cloned().ok_or_else(|| {
        Error::Preflight(format!(
            "cannot find the root resource pool of host {}",
            view.host_name
        ))
    })?;
    let task = Folder::new(client.clone(), view.vm_folder.clone())
        .register_vm(
            &chosen.vmx,
            Some(&chosen.clone),
            &ResourcePool::new(client.clone(), pool),
            Some(&HostSystem::new(client.clone(), view.host.clone())),
        )
        .await
        .map_err(|error| Error::from(error).during(|| format!("registering {}", chosen.vmx)))?;
    let registered = task
        .wait(STEP_TIMEOUT, |_| {})
        .await
        .map_err(|error| Error::from(error).during(|| format!("registering {}", chosen.vmx)))?;
    let vm = VirtualMachine::new(client.clone(), returned_ref("RegisterVM_Task", registered)?);
    if name != chosen.clone {
        crate::restore::rename(client, &vm, &name)
            .await
            .map_err(|error| Error::from(error).during(|| format!("renaming it to {name}")))?;
    }
    if request.power_on {
        report.answered = power::power_on(client, &vm, request.answer)
            .await
            .map_err(|error| error.during(|| format!("powering {name} on")))?;
        report.powered_on = true;
    }
    Ok(report)
}

/// Checks the generation's hardware version against those the host can run
/// (`QueryConfigOptionDescriptor` of the host's compute resource's environment browser).
async fn check_hardware(
    client: &Client,
    view: &found::HostView,
    chosen: &FoundGeneration,
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    let Some(version) = &chosen.hardware_version else {
        warnings.push(format!(
            "{} names no hardware version (virtualHW.version): not checked against the host",
            chosen.vmx
        ));
        return Ok(());
    };
    let Some(resource) = &view.compute_resource else {
        return Ok(());
    };
    let props = retrieve_one(client, resource, &["environmentBrowser"]).await?;
    let Some(browser) = props.get("environmentBrowser")? else {
        return Ok(());
    };
    let descriptors = client
        .invoke("QueryConfigOptionDescriptor", &browser, &[])
        .await?;
    let supported: Vec<String> = match &descriptors {
        Value::Array { items, .. } => items.as_slice(),
        other => std::slice::from_ref(other),
    }
    .iter()
    .filter_map(|item| match item {
        Value::Object(object) => object.get("key").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    })
    .collect();
    if supported.is_empty() || supported.contains(version) {
        return Ok(());
    }
    Err(Error::Preflight(format!(
        "{} needs hardware version {version}, which host {} cannot run (it runs {}): recover \
         it on a newer host",
        chosen.vmx,
        view.host_name,
        supported.join(", ")
    )))
}
