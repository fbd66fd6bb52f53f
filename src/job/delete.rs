//! Deleting the clones a plan rotates out, once the new clone is verified (or, for a prune,
//! right away).

use std::time::Duration;

use vsphere_client::Client;
use vsphere_client::object::VirtualMachine;
use vsphere_client::types::ManagedObjectReference;

use super::crash::{CrashHook, Step};
use super::generations;
use super::inventory::{Inventory, PowerState, VmDetails};
use super::run::{Run, Source};
use crate::config::Mode;
use crate::error::Error;
use crate::events::Event;

/// What a delete step did.
#[derive(Debug, Default)]
pub(super) struct Deleted {
    /// The clones deleted, in order.
    pub names: Vec<String>,
    /// What the caller should know.
    pub warnings: Vec<String>,
}

/// Deletes `names`, in order, among `generations` (the source's clones the plan was made
/// from). Each is read again first: in safe mode it must still carry this VM's marker, and it
/// must be powered off unless the job forces (then it is powered off first). The source VM is
/// never deleted. Returns what was deleted, and the outcome:
///
/// # Errors
/// [`Error::Refused`] naming the clones left in place and why (the others are deleted);
/// the calls' [`Error::Vsphere`] (the deletes after a failed one are left to the next run).
pub(super) async fn rotated_out(
    run: &Run<'_>,
    source: &Source,
    names: &[&str],
    generations: &[VmDetails],
    crash: CrashHook,
) -> (Deleted, Result<(), Error>) {
    let mut deleted = Deleted::default();
    let outcome = delete_each(run, source, names, generations, crash, &mut deleted).await;
    (deleted, outcome)
}

async fn delete_each(
    run: &Run<'_>,
    source: &Source,
    names: &[&str],
    generations: &[VmDetails],
    crash: CrashHook,
    deleted: &mut Deleted,
) -> Result<(), Error> {
    let targets = targets(names, generations);
    if targets.is_empty() {
        return Ok(());
    }
    let current = Inventory::details(run.client, &targets).await?;
    let mut refused = Vec::new();
    for target in &targets {
        let Some(clone) = current.iter().find(|vm| vm.moref == *target) else {
            deleted.warnings.push(format!(
                "{} was to be deleted but no longer exists",
                target.value
            ));
            continue;
        };
        if let Some(reason) = refusal(run, source, clone) {
            refused.push(reason);
            continue;
        }
        destroy(run.client, clone, run.job.timeouts.delete).await?;
        deleted.names.push(clone.name.clone());
        run.events.emit(Event::Deleted {
            vm: run.events.vm(),
            clone: clone.name.clone(),
        });
        if deleted.names.len() == 1 {
            crash.reached(Step::AfterDelete);
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Error::Refused(format!(
            "the new clone was made, but {}",
            refused.join("; ")
        )))
    }
}

/// The VMs named `names`, matched to `generations` (a name several VMs share matches them in
/// turn).
fn targets(names: &[&str], generations: &[VmDetails]) -> Vec<ManagedObjectReference> {
    let mut taken: Vec<&ManagedObjectReference> = Vec::new();
    for name in names {
        let next = generations
            .iter()
            .find(|vm| vm.name == *name && !taken.contains(&&vm.moref));
        taken.extend(next.map(|vm| &vm.moref));
    }
    taken.into_iter().cloned().collect()
}

/// Why `clone` must not be deleted, if it must not.
fn refusal(run: &Run<'_>, source: &Source, clone: &VmDetails) -> Option<String> {
    if clone.moref == source.details.moref {
        return Some(format!(
            "{} is the VM being backed up: it is never deleted",
            clone.name
        ));
    }
    if (run.job.mode == Mode::Safe && !clone.is_backup_of(&source.uuid))
        || !generations::same_scheme(run.job, clone)
    {
        return Some(format!(
            "{} no longer carries vmrotate's marker for {}, so safe mode leaves it",
            clone.name, source.details.name
        ));
    }
    (is_running(clone) && !run.job.force).then(|| {
        format!(
            "{} is {} and was not deleted (a backup that runs may be a restore in progress): \
             power it off and the next run deletes it, or force the deletion (`force`)",
            clone.name,
            if clone.power_state == PowerState::PoweredOn {
                "powered on"
            } else {
                "suspended"
            }
        )
    })
}

pub(super) fn is_running(vm: &VmDetails) -> bool {
    matches!(
        vm.power_state,
        PowerState::PoweredOn | PowerState::Suspended
    )
}

/// Powers `clone` off if it runs (only reached when forced) and destroys it.
pub(super) async fn destroy(
    client: &Client,
    clone: &VmDetails,
    timeout: Duration,
) -> Result<(), Error> {
    let vm = VirtualMachine::new(client.clone(), clone.moref.clone());
    if is_running(clone) {
        vm.power_off().await?.wait(timeout, |_| {}).await?;
    }
    vm.destroy().await?.wait(timeout, |_| {}).await?;
    Ok(())
}

/// Destroys the clone `clone` this run made but did not verify (it is powered off: clones are
/// born so, and a run never powers one on).
pub(super) async fn destroy_unverified(
    client: &Client,
    clone: &ManagedObjectReference,
    timeout: Duration,
) -> Result<(), Error> {
    let vm = VirtualMachine::new(client.clone(), clone.clone());
    vm.destroy().await?.wait(timeout, |_| {}).await?;
    Ok(())
}
