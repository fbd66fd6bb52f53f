//! Settling the unverified clones a run finds (left by a killed run, or whose verification
//! failed): each is verified if it passes the checks, or deleted; it never displaces a
//! verified generation.

use jiff::Timestamp;
use rotation_core::CloneName;
use vsphere_client::object::VirtualMachine;

use super::delete::{destroy, is_running};
use super::generations::Selection;
use super::inventory::{Inventory, VmDetails};
use super::marker::ClonePolicy;
use super::run::{Run, Source};
use super::verification::Verification;
use crate::error::Error;
use crate::report::{Settlement, UnverifiedClone};

/// Verifies or deletes each of `selection`'s unverified clones, moving the verified ones to
/// its generations, and says what became of each. Runs under the lock only.
///
/// # Errors
/// The calls' [`Error::Vsphere`].
pub(super) async fn settle(
    run: &Run<'_>,
    inventory: &Inventory,
    source: &Source,
    selection: &mut Selection,
) -> Result<Vec<UnverifiedClone>, Error> {
    let mut settled = Vec::new();
    for clone in std::mem::take(&mut selection.unverified) {
        let (outcome, reason) = if is_running(&clone) {
            (
                Settlement::LeftAlone,
                "it is powered on (a restore in progress?), so it is no generation and the run \
                 leaves it alone: power it off and the next run verifies or deletes it"
                    .to_owned(),
            )
        } else if let Some(newer) = superseded_by(&clone, &selection.generations) {
            destroy(run.client, &clone, run.job.timeouts.delete).await?;
            (
                Settlement::Deleted,
                format!("its slot holds the newer verified generation {newer}"),
            )
        } else {
            match problem(&clone, inventory, run) {
                None => {
                    let checks = ["name", "marker", "powered_off", "connected", "datastore"];
                    let record = Verification::passed(
                        &run.id,
                        checks.iter().map(|&check| check.to_owned()).collect(),
                        Timestamp::now(),
                    );
                    let vm = VirtualMachine::new(run.client.clone(), clone.moref.clone());
                    record.record(&vm, run.job.timeouts.delete).await?;
                    selection.generations.push(clone.clone());
                    (
                        Settlement::Verified,
                        format!(
                            "it passed the checks, as a backup of {}",
                            source.details.name
                        ),
                    )
                }
                Some(problem) => {
                    destroy(run.client, &clone, run.job.timeouts.delete).await?;
                    (
                        Settlement::Deleted,
                        format!("it failed the checks: {problem}"),
                    )
                }
            }
        };
        settled.push(UnverifiedClone {
            name: clone.name,
            outcome,
            reason,
        });
    }
    Ok(settled)
}

/// The newer verified generation holding the slot of `clone` (a slot clone), if any.
fn superseded_by<'a>(clone: &VmDetails, generations: &'a [VmDetails]) -> Option<&'a str> {
    let marker = clone.valid_marker()?;
    let ClonePolicy::Slot(slot) = marker.rotation else {
        return None;
    };
    generations
        .iter()
        .filter_map(|generation| Some((generation, generation.valid_marker()?)))
        .find(|(_, theirs)| {
            theirs.rotation == ClonePolicy::Slot(slot) && theirs.created > marker.created
        })
        .map(|(generation, _)| generation.name.as_str())
}

/// What keeps `clone` from being a generation of `run`'s job, if anything: its name must
/// match its marker, it must be reachable and on one of the job's datastores.
fn problem(clone: &VmDetails, inventory: &Inventory, run: &Run<'_>) -> Option<String> {
    let job = run.job;
    let marker = clone.valid_marker()?;
    let name_matches = match marker.rotation {
        ClonePolicy::Slot(slot) => CloneName::parse(&job.prefix, &clone.name)
            .is_ok_and(|name| name.key() == job.vm && name.slot() == slot),
        ClonePolicy::Retention => super::generations::is_clone_name(job, &clone.name),
    };
    if !name_matches {
        return Some(format!("its name does not match its marker ({})", job.vm));
    }
    if !clone.connected {
        return Some("vCenter cannot reach it (not connected)".to_owned());
    }
    if clone.vmx_path.is_none() {
        return Some("it has no configuration file".to_owned());
    }
    let on_a_job_datastore = clone.datastores.iter().any(|moref| {
        inventory
            .datastore(moref)
            .is_some_and(|datastore| job.datastores.contains(&datastore.name))
    });
    (!on_a_job_datastore).then(|| {
        format!(
            "it is on none of the datastores {} (the job's)",
            job.datastores.join(", ")
        )
    })
}
