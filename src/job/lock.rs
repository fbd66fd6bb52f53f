//! The per-VM lock, kept in vCenter itself: a run's own marked snapshot. The rules are on
//! [`unlock`], the public way to clear it.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use vsphere_client::Client;
use vsphere_client::object::{ServiceInstance, VirtualMachine, VirtualMachineSnapshot};
use vsphere_client::types::{
    ManagedObjectReference, VirtualMachineSnapshotInfo, VirtualMachineSnapshotTree,
};

use super::boot;
use super::holder::{Holder, Liveness};
use super::inventory::Inventory;
use super::marker::SnapshotMarker;
use super::returned_ref;
use super::tasks::{self, RunningTask};
use crate::config::{JobConfig, VerifyMode, VmMatch};
use crate::error::Error;

/// Slack added to a run's timeouts before its lock counts as stale.
const LIFETIME_SLACK: Duration = Duration::from_secs(10 * 60);
/// How long [`unlock`] lets the removal of each snapshot take.
const REMOVAL_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// A vmrotate run's snapshot found on a VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunSnapshot {
    pub moref: ManagedObjectReference,
    pub name: String,
    /// When vCenter made it (vCenter's clock).
    pub created: Timestamp,
    pub marker: SnapshotMarker,
}

/// The longest a run of `job` that deletes `deletes` clones may hold its lock (slot runs
/// count one delete per slot, however many they plan): see [`unlock`].
pub(crate) fn lifetime(job: &JobConfig, deletes: usize) -> Duration {
    let timeouts = &job.timeouts;
    let deletes = match job.retention {
        None => u32::from(job.slots),
        Some(_) => u32::try_from(deletes).unwrap_or(u32::MAX),
    };
    let boot = match job.verify {
        VerifyMode::Metadata => Duration::ZERO,
        VerifyMode::Boot | VerifyMode::BootWeekly => timeouts.boot + boot::STEP_TIMEOUT * 3,
    };
    (timeouts.snapshot * 2 + timeouts.clone + boot + LIFETIME_SLACK)
        .saturating_add(timeouts.delete.saturating_mul(deletes))
}

/// The vmrotate run snapshots in a VM's snapshot tree; a user's snapshots never count.
pub(crate) fn run_snapshots(info: Option<&VirtualMachineSnapshotInfo>) -> Vec<RunSnapshot> {
    fn walk(trees: &[VirtualMachineSnapshotTree], found: &mut Vec<RunSnapshot>) {
        for tree in trees {
            if let Some(marker) = SnapshotMarker::parse(&tree.name, &tree.description) {
                found.push(RunSnapshot {
                    moref: tree.snapshot.clone(),
                    name: tree.name.clone(),
                    created: tree.create_time,
                    marker,
                });
            }
            walk(&tree.child_snapshot_list, found);
        }
    }
    let mut found = Vec::new();
    walk(
        info.map_or(&[], |info| &info.root_snapshot_list),
        &mut found,
    );
    found
}

/// Why a run snapshot no longer holds the lock by its own record, or `None` while it does:
/// older than its run's time limit (vCenter's clock), or made on this machine by a process
/// that is gone. A task of its run that vCenter still runs keeps it live all the same (see
/// [`check`]).
fn stale_because(snapshot: &RunSnapshot, server_now: Timestamp, this: &Holder) -> Option<String> {
    let marker = &snapshot.marker;
    let age = server_now.duration_since(snapshot.created);
    let limit = SignedDuration::from_secs(i64::try_from(marker.stale_after_s).unwrap_or(i64::MAX));
    if age > limit {
        return Some(format!(
            "it is older than its run's time limit of {:#}",
            limit.round(jiff::Unit::Minute).unwrap_or(limit)
        ));
    }
    match marker.holder.liveness(this) {
        Liveness::Gone(why) => Some(why),
        Liveness::Unknown => None,
    }
}

/// The run snapshot that holds the lock among `live` ones: the oldest, by creation time and
/// then by reference, so that every run picks the same.
fn holder_of(live: &[RunSnapshot]) -> Option<&RunSnapshot> {
    live.iter()
        .min_by(|a, b| (a.created, &a.moref.value).cmp(&(b.created, &b.moref.value)))
}

/// Sorts `snapshots` into live and stale (with the reason), reading vCenter's clock if there
/// are any.
async fn sort_out(
    client: &Client,
    snapshots: Vec<RunSnapshot>,
) -> Result<(Vec<RunSnapshot>, Vec<(RunSnapshot, String)>), Error> {
    if snapshots.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let server_now = ServiceInstance::of(client).current_time().await?;
    let this = Holder::this_process();
    let mut live = Vec::new();
    let mut stale = Vec::new();
    for snapshot in snapshots {
        match stale_because(&snapshot, server_now, &this) {
            Some(reason) => stale.push((snapshot, reason)),
            None => live.push(snapshot),
        }
    }
    Ok((live, stale))
}

/// The error for a VM whose lock `holder` holds.
fn locked(vm: &str, holder: &RunSnapshot) -> Error {
    let marker = &holder.marker;
    let Holder { host, pid, .. } = &marker.holder;
    let limit = SignedDuration::from_secs(i64::try_from(marker.stale_after_s).unwrap_or(i64::MAX));
    Error::Locked(format!(
        "another vmrotate run holds the lock of {vm}: run {} on host {host} (pid {pid}), started \
         {}, holds the snapshot \"{}\". Wait for it to finish; if it crashed, its lock clears \
         itself {:#} after {} (vCenter's clock), or at once when the next run on that host finds \
         its process gone; to clear it now, unlock {vm} (vmrotate's unlock, or delete that \
         snapshot in the vSphere Client)",
        marker.run, marker.started, holder.name, limit, holder.created
    ))
}

/// The error for a VM whose crashed run's `snapshot` vCenter still reads from with `task`.
fn still_running(vm: &str, snapshot: &RunSnapshot, task: &RunningTask) -> Error {
    Error::Locked(format!(
        "the run {} that holds the lock of {vm} is gone, but vCenter still runs its task {}: \
         its snapshot \"{}\" stays until the task ends. Run again once it has ended (or cancel \
         it in the vSphere Client: Monitor > Tasks)",
        snapshot.marker.run, task, snapshot.name
    ))
}

/// Checks the lock of the VM `vm` before a run: `Ok` with the stale run snapshots (and why
/// each is stale) when no live one holds it.
///
/// # Errors
/// [`Error::Locked`] naming the live holder; the call's [`Error::Vsphere`].
/// A stale snapshot stays live while vCenter runs a task on the VM that was queued after
/// the snapshot was made (the crashed run's clone, most likely): removing a snapshot a task
/// reads from would break that task, and its clone would land unverified.
pub(crate) async fn check(
    client: &Client,
    vm: &ManagedObjectReference,
    name: &str,
    snapshots: Vec<RunSnapshot>,
) -> Result<Vec<(RunSnapshot, String)>, Error> {
    let (live, stale) = sort_out(client, snapshots).await?;
    if let Some(holder) = holder_of(&live) {
        return Err(locked(name, holder));
    }
    if let Some(oldest) = stale
        .iter()
        .map(|(snapshot, _)| snapshot)
        .min_by_key(|s| s.created)
    {
        let running = tasks::running_on(client, vm).await?;
        if let Some(task) = running.iter().find(|task| task.queued >= oldest.created) {
            return Err(still_running(name, oldest, task));
        }
    }
    Ok(stale)
}

/// Takes the lock: creates the run's snapshot (without memory) and returns it.
///
/// # Errors
/// The calls' [`Error::Vsphere`].
pub(crate) async fn take(
    vm: &VirtualMachine,
    marker: &SnapshotMarker,
    quiesce: bool,
    timeout: Duration,
) -> Result<ManagedObjectReference, Error> {
    let task = vm
        .create_snapshot(
            &marker.snapshot_name(),
            &marker.description(),
            false,
            quiesce,
        )
        .await?;
    let snapshot = task.wait(timeout, |_| {}).await?;
    Ok(returned_ref("CreateSnapshot_Task", snapshot)?)
}

/// Confirms after taking the snapshot `ours` that this run holds the lock of `vm` named
/// `name`, i.e. that no older live vmrotate snapshot exists.
///
/// # Errors
/// [`Error::Locked`] when another run got there first; the calls' [`Error::Vsphere`].
pub(crate) async fn confirm(
    vm: &VirtualMachine,
    name: &str,
    ours: &ManagedObjectReference,
) -> Result<(), Error> {
    let info = vm.snapshot_info().await?;
    let (mine, others): (Vec<_>, Vec<_>) = run_snapshots(info.as_ref())
        .into_iter()
        .partition(|snapshot| snapshot.moref == *ours);
    let (mut live, _) = sort_out(vm.client(), others).await?;
    live.extend(mine);
    match holder_of(&live) {
        Some(holder) if holder.moref != *ours => Err(locked(name, holder)),
        _ => Ok(()),
    }
}

/// Removes the snapshot `snapshot` (its children stay), merging its changes into the disks.
///
/// # Errors
/// The calls' [`Error::Vsphere`].
pub(crate) async fn remove(
    client: &Client,
    snapshot: &ManagedObjectReference,
    timeout: Duration,
) -> Result<(), Error> {
    let snapshot = VirtualMachineSnapshot::new(client.clone(), snapshot.clone());
    snapshot
        .remove(false, Some(true))
        .await?
        .wait(timeout, |_| {})
        .await?;
    Ok(())
}

/// Runs `work` holding the lock of the VM whose backup `backup` is (its source, found by the
/// name and instance UUID in the backup's marker), so that no rotation deletes the backup
/// while `work` reads it; `limit` is how long `work` may take. Without a source that can be
/// locked (no marker, the source is gone or unreachable: then no backup run can rotate either)
/// `work` runs as it is.
///
/// # Errors
/// [`Error::Locked`] while a run holds the source's lock; `work`'s error; the calls'
/// [`Error::Vsphere`].
pub(crate) async fn holding_source_of<T>(
    client: &Client,
    inventory: &Inventory,
    backup: &super::inventory::VmDetails,
    limit: Duration,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let Some(marker) = backup.valid_marker() else {
        return work.await;
    };
    let same_name: Vec<ManagedObjectReference> = inventory
        .vms
        .iter()
        .filter(|vm| vm.name == marker.source_name)
        .map(|vm| vm.moref.clone())
        .collect();
    let source = super::inventory::Inventory::details(client, &same_name)
        .await?
        .into_iter()
        .find(|vm| {
            vm.connected
                && vm
                    .instance_uuid
                    .as_deref()
                    .is_some_and(|uuid| marker.is_backup_of(uuid))
        });
    let Some(source) = source else {
        return work.await;
    };
    let stale = check(
        client,
        &source.moref,
        &source.name,
        run_snapshots(source.snapshots.as_ref()),
    )
    .await?;
    for (snapshot, _) in stale {
        remove(client, &snapshot.moref, REMOVAL_TIMEOUT).await?;
    }
    let started = Timestamp::now();
    let marker = SnapshotMarker {
        run: super::holder::new_run_id(started),
        holder: Holder::this_process(),
        started,
        stale_after_s: (limit + LIFETIME_SLACK).as_secs(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let vm = VirtualMachine::new(client.clone(), source.moref.clone());
    let ours = take(&vm, &marker, false, REMOVAL_TIMEOUT).await?;
    let outcome = match confirm(&vm, &source.name, &ours).await {
        Ok(()) => work.await,
        Err(error) => Err(error),
    };
    let removal = remove(client, &ours, REMOVAL_TIMEOUT).await;
    match (outcome, removal) {
        (outcome, Ok(())) => outcome,
        (Ok(_), Err(error)) => Err(Error::Incomplete(format!(
            "done, but the lock snapshot \"{}\" of {} could not be removed ({error}): delete it \
             (vSphere Client: the VM > Snapshots > Manage Snapshots)",
            marker.snapshot_name(),
            source.name
        ))),
        (Err(error), Err(_)) => Err(error),
    }
}

/// Removes every vmrotate run snapshot from the VM named exactly `vm` and returns their
/// names: the way to clear a lock at once when its run is known to be dead. A user's snapshots
/// are left alone. Without `force` it refuses while the lock is live (its run's process runs
/// or cannot be checked from here and its time limit has not passed, or vCenter still runs a
/// task a crashed run started), naming the holder; with `force` it removes live locks too.
/// Removing the snapshot of a run that is still cloning makes that clone fail.
///
/// # The lock
///
/// Runs on different machines share nothing but vCenter, so the per-VM lock is the one thing
/// every run makes anyway: its snapshot, named `vmrotate-run <run>`, whose description is
/// JSON saying which host and process runs it and for how long at most:
/// `{"vmrotate":{"run":"…","host":"…","pid":123,"started":"…","stale_after_s":33000,"version":"…"}}`.
/// A snapshot counts only when both its name and that JSON match, so a user's snapshot is
/// never taken for a lock.
///
/// - Before its snapshot, a run reads the VM's snapshot tree. A *live* vmrotate snapshot makes
///   it refuse ([`Error::Locked`], naming the holder); *stale* ones, left by crashed runs, are
///   removed, with a warning in the report.
/// - After taking its snapshot it reads the tree again: if another live vmrotate snapshot is
///   older (creation time, then reference as tie-break, so that every run decides the same),
///   it lost the race, removes its own snapshot and refuses.
///
/// A vmrotate snapshot is stale when vCenter's clock says it is older than the time limit its
/// run wrote into it (the sum of the run's timeouts: snapshot taken and removed, clone, one
/// delete per slot, plus ten minutes), or, at once, when it was made on this machine by a
/// process that no longer exists (checked on Linux through `/proc`; elsewhere only the age
/// counts). To clear a lock by hand, delete that snapshot (vSphere Client: the VM > Snapshots
/// > Manage Snapshots), or call this function.
///
/// ```no_run
/// # async fn demo(client: &vmrotate::vsphere_client::Client) -> Result<(), vmrotate::Error> {
/// for snapshot in vmrotate::unlock(client, "avocado2", false).await? {
///     println!("removed {snapshot}");
/// }
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`Error::Locked`] naming the holder of a live lock (without `force`); [`Error::NotFound`]
/// or [`Error::Ambiguous`] for the VM; the calls' [`Error::Vsphere`].
pub async fn unlock(client: &Client, vm: &str, force: bool) -> Result<Vec<String>, Error> {
    let inventory = Inventory::read(client).await?;
    let entity = inventory.select_vm(vm, VmMatch::Exact, |_| false)?;
    let details = Inventory::details(client, std::slice::from_ref(&entity.moref)).await?;
    let snapshots: Vec<RunSnapshot> = details
        .iter()
        .flat_map(|vm| run_snapshots(vm.snapshots.as_ref()))
        .collect();
    if !force {
        // Refuses, naming the holder, while the lock is live (a run, or a task of a crashed run).
        check(client, &entity.moref, &entity.name, snapshots.clone())
            .await
            .map_err(|error| match error {
                Error::Locked(message) => Error::Locked(format!(
                    "{message}. The lock is live: unlock with force only if you know that run is \
                     dead (removing the snapshot of a running clone breaks that clone)"
                )),
                error => error,
            })?;
    }
    let mut removed = Vec::new();
    for snapshot in snapshots {
        remove(client, &snapshot.moref, REMOVAL_TIMEOUT).await?;
        removed.push(snapshot.name);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(
        value: &str,
        created: &str,
        host: &str,
        pid: u32,
        stale_after_s: u64,
    ) -> RunSnapshot {
        let this = Holder::this_process();
        let marker = SnapshotMarker {
            run: value.into(),
            holder: Holder {
                host: host.into(),
                pid,
                // Only this machine's own host name marks a lock as this machine's.
                machine: (host == this.host).then_some(this.machine).flatten(),
                boot: this.boot,
                process_started: (pid == this.pid).then_some(this.process_started).flatten(),
            },
            started: created.parse().unwrap(),
            stale_after_s,
            version: "0.1.0".into(),
        };
        RunSnapshot {
            moref: ManagedObjectReference::new("VirtualMachineSnapshot", value),
            name: marker.snapshot_name(),
            created: created.parse().unwrap(),
            marker,
        }
    }

    #[test]
    fn a_snapshot_older_than_its_limit_is_stale() {
        let this = Holder::this_process();
        let now: Timestamp = "2024-01-01T12:00:00Z".parse().unwrap();
        let young = snapshot("s1", "2024-01-01T11:30:00Z", "elsewhere", 1, 3600);
        assert_eq!(stale_because(&young, now, &this), None);
        let old = snapshot("s2", "2024-01-01T10:00:00Z", "elsewhere", 1, 3600);
        let reason = stale_because(&old, now, &this).unwrap();
        assert!(reason.contains("time limit of 1h"), "{reason}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_snapshot_of_a_dead_process_on_this_machine_is_stale_at_once() {
        let this = Holder::this_process();
        let now: Timestamp = "2024-01-01T12:00:00Z".parse().unwrap();
        let ours_alive = snapshot("s1", "2024-01-01T11:59:00Z", &this.host, this.pid, 3600);
        assert_eq!(stale_because(&ours_alive, now, &this), None);
        // Linux pids stay below 2^22.
        let dead = snapshot("s2", "2024-01-01T11:59:00Z", &this.host, u32::MAX, 3600);
        let reason = stale_because(&dead, now, &this).unwrap();
        assert!(reason.contains("no longer runs"), "{reason}");
        let elsewhere = snapshot("s3", "2024-01-01T11:59:00Z", "another-host", u32::MAX, 3600);
        assert_eq!(stale_because(&elsewhere, now, &this), None);
    }

    #[test]
    fn the_oldest_live_snapshot_holds_the_lock_with_the_reference_as_tie_break() {
        let a = snapshot("snapshot-7", "2024-01-01T11:00:00Z", "h", 1, 60);
        let b = snapshot("snapshot-5", "2024-01-01T11:00:01Z", "h", 2, 60);
        let c = snapshot("snapshot-6", "2024-01-01T11:00:00Z", "h", 3, 60);
        let live = [a, b, c.clone()];
        assert_eq!(holder_of(&live), Some(&c));
        assert_eq!(holder_of(&[]), None);
    }

    #[test]
    fn the_lock_message_says_who_holds_it_and_how_it_clears() {
        let holder = snapshot("r9", "2024-01-01T11:00:00Z", "backup01", 4242, 5400);
        let message = locked("avocado2", &holder).to_string();
        for part in [
            "holds the lock of avocado2",
            "backup01",
            "pid 4242",
            "vmrotate-run r9",
            "1h 30m",
            "unlock avocado2",
        ] {
            assert!(message.contains(part), "{part} missing from {message}");
        }
    }

    #[test]
    fn the_lifetime_covers_every_timeout() {
        let job = JobConfig::new("avocado2", vec!["NFS_durian".into()]);
        // 2 x 30 min + 6 h + 4 x 30 min + 10 min
        assert_eq!(lifetime(&job, 1), Duration::from_secs(9 * 3600 + 10 * 60));
        let retention = JobConfig {
            retention: Some(crate::RetentionConfig {
                flavor: rotation_core::retention::Flavor::Restic,
                rules: rotation_core::retention::Rules {
                    keep_last: Some(1),
                    ..Default::default()
                },
                zone: None,
            }),
            ..job
        };
        // 2 x 30 min + 6 h + 10 x 30 min + 10 min: one delete per clone the policy removes
        assert_eq!(
            lifetime(&retention, 10),
            Duration::from_secs(12 * 3600 + 10 * 60)
        );
    }
}
