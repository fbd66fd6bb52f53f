//! The plan of a retention run or a prune: which of the source's retention clones a
//! [`RetentionConfig`] keeps, and why.

use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use rotation_core::retention::{Decision, RetentionError, Snapshot};

use super::inventory::VmDetails;
use super::retention_name::RetentionCloneName;
use crate::config::{JobConfig, RetentionConfig};
use crate::error::Error;

/// What a retention run does: make `new_clone`, then remove what `decision` removes.
#[derive(Debug, Clone)]
pub(crate) struct RetentionPlan {
    /// The name of the new clone.
    pub new_clone: String,
    /// The policy's decision over the existing retention clones and the new one, by name.
    pub decision: Decision,
}

/// The plan of a run taken at `at` that adds a clone to `generations`, the source's retention
/// clones.
///
/// # Errors
/// As [`decide`], and [`Error::Config`] when the policy would remove the new clone at once.
pub(crate) fn plan(
    job: &JobConfig,
    config: &RetentionConfig,
    generations: &[VmDetails],
    at: Timestamp,
) -> Result<RetentionPlan, Error> {
    let new_clone = RetentionCloneName::new(&job.prefix, &job.vm, at)?.to_string();
    let decision = decide(config, generations, Some(&new_clone), at)?;
    if decision.remove.contains(&new_clone) {
        return Err(Error::Config(format!(
            "the {} retention policy would remove the new clone {new_clone} at once: add a rule \
             that keeps the newest backup, such as keep_last = 1",
            config.flavor
        )));
    }
    Ok(RetentionPlan {
        new_clone,
        decision,
    })
}

/// Which of `generations` (the source's retention clones), plus `new_clone` taken at `now`
/// if given, the policy keeps when applied at `now`.
///
/// # Errors
/// [`Error::Config`] for an invalid policy; [`Error::Preflight`] when two clones share a
/// name, since the decision tells them apart by name.
pub(crate) fn decide(
    config: &RetentionConfig,
    generations: &[VmDetails],
    new_clone: Option<&str>,
    now: Timestamp,
) -> Result<Decision, Error> {
    let retention = config.policy()?;
    let zone = config.time_zone()?;
    // A clone whose boot test failed is never kept by the policy: removed first.
    let (boot_failed, counted): (Vec<&VmDetails>, Vec<&VmDetails>) = generations
        .iter()
        .partition(|vm| super::generations::rotation_time(vm) == Some(Timestamp::UNIX_EPOCH));
    let mut snapshots = snapshots(&counted, &zone);
    snapshots.extend(new_clone.map(|name| Snapshot::new(name, ZonedDateTime::new(now, zone))));
    let mut decision = retention
        .apply(&snapshots, now)
        .map_err(|error| match error {
            RetentionError::DuplicateSnapshotId { id } => Error::Preflight(format!(
                "several VMs are named {id}, so the retention policy cannot tell them apart: \
             rename or remove all but one"
            )),
            other => Error::Config(format!("the retention policy cannot run: {other}")),
        })?;
    decision
        .remove
        .extend(boot_failed.into_iter().map(|vm| vm.name.clone()));
    Ok(decision)
}

/// The generations as retention snapshots: named by the VM, taken at the creation time their
/// marker records, in `zone` (whose offset restic buckets by). Only marked clones are counted.
fn snapshots(generations: &[&VmDetails], zone: &TimeZone) -> Vec<Snapshot> {
    generations
        .iter()
        .filter_map(|vm| {
            let created = vm.valid_marker()?.created;
            Some(Snapshot::new(
                vm.name.clone(),
                ZonedDateTime::new(created, zone.clone()),
            ))
        })
        .collect()
}
