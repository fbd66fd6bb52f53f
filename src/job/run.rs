//! [`Run`]: one VM's backup run, step by step, and its report.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rotation_core::{SlotRotation, Stamp};
use vsphere_client::Client;
use vsphere_client::object::VirtualMachine;
use vsphere_client::types::ManagedObjectReference;

use super::clone::{self, CloneFailure, Expected};
use super::crash::{CrashHook, Step};
use super::fleet::Fleet;
use super::folder::FolderTarget;
use super::generations::{self, Selection};
use super::holder::{Holder, new_run_id};
use super::inventory::{Inventory, VmDetails};
use super::lock::{self, RunSnapshot};
use super::marker::SnapshotMarker;
use super::plan::{RunPlan, oldest_first};
use super::preflight::Placement;
use super::{RunOptions, boot, delete, hardware, manifest, retention, unverified};
use crate::config::{CloneKind, JobConfig, StampZone};
use crate::error::Error;
use crate::events::{Event, EventSink, Events};
use crate::report::{ErrorReport, Report};
use crate::stop::Stop;

/// The version written into markers.
pub(super) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The source VM of a run, as found.
#[derive(Clone)]
pub(crate) struct Source {
    pub vm: VirtualMachine,
    pub details: VmDetails,
    /// Its `config.instanceUuid`, which its clones' markers name.
    pub uuid: String,
}

/// What the checks decided, for the steps that change things.
pub(super) struct Prepared {
    pub source: Source,
    pub plan: RunPlan,
    pub placement: Placement,
    /// The generations the plan was made from.
    pub generations: Vec<VmDetails>,
}

/// One VM's backup run in progress.
pub(crate) struct Run<'a> {
    pub client: &'a Client,
    pub job: &'a JobConfig,
    /// The run's id: in its snapshot's name and its clone's marker.
    pub id: String,
    /// The time the run counts as taken at.
    pub at: Timestamp,
    pub events: Events,
    pub report: Report,
    /// The request to stop that this run honours.
    pub stop: Stop,
    dry_run: bool,
    /// What the run shares with the other jobs of its `backup_all`.
    pub(super) fleet: Arc<Fleet>,
}

/// What the survey found: the inventory, the source, its generations and the stale
/// snapshots it cleared.
pub(super) struct Survey {
    pub inventory: Arc<Inventory>,
    pub source: Source,
    pub selection: Selection,
    /// The source's clone candidates by name, as first read.
    pub candidates: Vec<VmDetails>,
}

impl<'a> Run<'a> {
    pub(crate) fn new(
        client: &'a Client,
        job: &'a JobConfig,
        options: &RunOptions,
        sink: Option<EventSink>,
    ) -> Self {
        let started = Timestamp::now();
        let id = new_run_id(started);
        let report = Report::starting(&job.vm, id.clone(), options.dry_run, started);
        Self {
            client,
            job,
            id,
            at: options.at.unwrap_or(started),
            events: Events::new(sink, &job.vm),
            report,
            stop: options.stop.clone(),
            dry_run: options.dry_run,
            fleet: Fleet::new(options),
        }
    }

    /// Runs every step and returns the report.
    pub(super) async fn go(mut self) -> Report {
        self.emit_started();
        let outcome = self.steps().await;
        self.finish(outcome)
    }

    fn emit_started(&self) {
        self.events.emit(Event::Started {
            vm: self.events.vm(),
            run: self.id.clone(),
            dry_run: self.dry_run,
        });
    }

    /// The report, once the steps' `outcome` is known.
    fn finish(mut self, outcome: Result<(), Error>) -> Report {
        self.report.finished = Timestamp::now();
        match outcome {
            Ok(()) => {
                self.report.ok = true;
                self.events.emit(Event::Finished {
                    vm: self.events.vm(),
                });
            }
            Err(error) => {
                self.report.error = Some(ErrorReport::from(&error));
                self.events.emit(Event::Failed {
                    vm: self.events.vm(),
                    error: error.to_string(),
                });
            }
        }
        self.report
    }

    async fn steps(&mut self) -> Result<(), Error> {
        self.job.validate()?;
        let crash = CrashHook::from_env()?;
        self.check_stop("before anything was changed")?;
        let survey = self.survey().await?;
        let prepared = self.prepare(&survey)?;
        self.check_privileges(
            &survey.inventory,
            &survey.source.details,
            &prepared.placement,
        )
        .await?;
        if self.dry_run {
            if let FolderTarget::Missing { names, .. } = &prepared.placement.folder {
                self.warn(format!("the folder {} would be created", names.join("/")));
            }
            for clone in &survey.selection.unverified {
                self.warn(format!(
                    "{} is not verified: a run verifies it, or deletes it if it fails the checks",
                    clone.name
                ));
            }
            return Ok(());
        }
        self.back_up(survey, prepared, crash).await
    }

    /// `Err(Stopped)` when a stop was requested; `when` says what state things are in.
    fn check_stop(&self, when: &str) -> Result<(), Error> {
        match self.stop.requested() {
            Some(reason) => Err(Error::Stopped(format!("stopped by {reason} {when}"))),
            None => Ok(()),
        }
    }

    /// Steps 1 to 3 on what the survey saw, which change nothing: plan and preflight. The
    /// run plans again once it holds the lock.
    fn prepare(&mut self, survey: &Survey) -> Result<Prepared, Error> {
        let plan = self.plan(&survey.selection)?;
        self.place(survey, plan, survey.selection.generations.clone())
    }

    /// The preflight of `plan` over `generations`: where the clone goes.
    fn place(
        &mut self,
        survey: &Survey,
        plan: RunPlan,
        generations: Vec<VmDetails>,
    ) -> Result<Prepared, Error> {
        let (job, source) = (self.job, &survey.source);
        let placement = self.fleet.place(
            &survey.inventory,
            job,
            &source.details,
            plan.new_clone(),
            &plan.deletions(),
            &generations,
        )?;
        self.report.datastore = Some(placement.datastore.name.clone());
        let mut warnings = placement.warnings.clone();
        if job.clone_kind == CloneKind::Linked {
            warnings.push(format!(
                "linked clones depend on {}'s own disks: they are no backup if those are lost; \
                 use full clones for backups",
                source.details.name
            ));
        }
        for warning in warnings {
            if !self.report.warnings.contains(&warning) {
                self.report.warnings.push(warning);
            }
        }
        Ok(Prepared {
            source: source.clone(),
            plan,
            placement,
            generations,
        })
    }

    /// Steps 1 and 2 and the first half of 3: read the inventory, find the source and its
    /// clones, check the lock (removing stale snapshots), and sort out the generations.
    async fn survey(&mut self) -> Result<Survey, Error> {
        let job = self.job;
        let inventory = self
            .fleet
            .inventory(self.client)
            .await
            .map_err(|error| error.during(|| "reading the inventory".into()))?;
        let (source, candidates) = self.find(&inventory).await?;
        let name = &source.details.name;
        let stale = lock::check(
            self.client,
            &source.details.moref,
            name,
            lock::run_snapshots(source.details.snapshots.as_ref()),
        )
        .await
        .map_err(|error| error.during(|| format!("checking the snapshots of {name}")))?;
        self.clear_stale(stale)
            .await
            .map_err(|error| error.during(|| format!("removing a stale snapshot of {name}")))?;
        let selection = generations::select(job, &source.uuid, candidates.clone());
        self.report
            .warnings
            .extend(selection.warnings.iter().cloned());
        Ok(Survey {
            inventory,
            source,
            selection,
            candidates,
        })
    }

    /// Once the lock is held: reads the generations again (a run that finished since the
    /// survey is seen), verifies or deletes the unverified clones, and plans and checks again.
    async fn replan(
        &mut self,
        survey: &Survey,
        folder: &ManagedObjectReference,
    ) -> Result<Prepared, Error> {
        let job = self.job;
        let source = &survey.source;
        let current = generations::reread(self.client, job, folder, &survey.candidates)
            .await
            .map_err(|error| {
                error.during(|| format!("reading the clones of {} again", source.details.name))
            })?;
        let mut selection = generations::select(job, &source.uuid, current);
        let settled = unverified::settle(self, &survey.inventory, source, &mut selection)
            .await
            .map_err(|error| {
                error
                    .during(|| format!("settling the unverified clones of {}", source.details.name))
            })?;
        self.report.unverified.extend(settled);
        for warning in selection.warnings.drain(..) {
            if !self.report.warnings.contains(&warning) {
                self.report.warnings.push(warning);
            }
        }
        let plan = self.plan(&selection)?;
        self.place(survey, plan, selection.generations)
    }

    /// The plan of a backup: slot rotation, or the job's retention policy with the new clone.
    fn plan(&mut self, selection: &Selection) -> Result<RunPlan, Error> {
        let job = self.job;
        if let Some(config) = &job.retention {
            let plan = retention::plan(job, config, &selection.generations, self.at)?;
            self.report.retention = Some(plan.decision.clone());
            return Ok(RunPlan::Retention(plan));
        }
        let rotation = SlotRotation::new(&job.prefix, &job.vm, job.slots, job.mode)
            .map_err(|error| Error::Config(error.to_string()))?;
        let plan = rotation.plan(selection.existing(), stamp(self.at, job.stamp_zone)?);
        self.report.plan = Some(plan.clone());
        match &plan.blocked {
            Some(blocked) => Err(Error::Preflight(blocked.clone())),
            None => Ok(RunPlan::Slots(plan)),
        }
    }

    /// Runs a prune and returns the report: the job's retention policy applied at the run's
    /// time to the source's retention clones, and what it removes deleted (unless a dry run),
    /// with the same checks as a backup's deletes. No clone is made and no snapshot taken.
    pub(crate) async fn prune(mut self) -> Report {
        self.emit_started();
        let outcome = self.prune_steps().await;
        self.finish(outcome)
    }

    async fn prune_steps(&mut self) -> Result<(), Error> {
        let job = self.job;
        if job.vm.trim().is_empty() {
            return Err(Error::Config("no VM given: name the VM to prune".into()));
        }
        let Some(config) = job.checked_retention()? else {
            return Err(Error::Config(format!(
                "pruning {} needs a retention policy: set at least one rule, e.g. `keep_daily`",
                job.vm
            )));
        };
        let crash = CrashHook::from_env()?;
        let survey = self.survey().await?;
        let decision = retention::decide(config, &survey.selection.generations, None, self.at)?;
        self.report.retention = Some(decision.clone());
        if self.dry_run {
            return Ok(());
        }
        let source = &survey.source;
        let name = &source.details.name;
        let (snapshot, marker) = self.lock(source, decision.remove.len()).await?;
        let outcome = match lock::confirm(&source.vm, name, &snapshot).await {
            Ok(()) => {
                let (deleted, outcome) = delete::rotated_out(
                    self,
                    source,
                    &oldest_first(&decision.remove),
                    &survey.selection.generations,
                    crash,
                )
                .await;
                self.record_deleted(deleted);
                outcome.map_err(|error| error.during(|| format!("pruning the clones of {name}")))
            }
            Err(error) => Err(error.during(|| format!("confirming the lock of {name}"))),
        };
        self.unlock(source, &snapshot, &marker, outcome).await
    }

    /// Adds what a delete step did to the report.
    fn record_deleted(&mut self, deleted: delete::Deleted) {
        self.report.deleted.extend(deleted.names);
        self.report.warnings.extend(deleted.warnings);
    }

    /// Finds the source VM and the details of the VMs that may be its clones.
    async fn find(&self, inventory: &Inventory) -> Result<(Source, Vec<VmDetails>), Error> {
        let job = self.job;
        let entity = inventory.select_vm(&job.vm, job.vm_match, |name| {
            generations::is_clone_name(job, name)
        })?;
        let mut wanted = vec![entity.moref.clone()];
        wanted.extend(generations::candidates(inventory, job, &entity.moref));
        let mut details = Inventory::details(self.client, &wanted)
            .await
            .map_err(|error| error.during(|| format!("reading {} and its clones", entity.name)))?;
        let position = details.iter().position(|vm| vm.moref == entity.moref);
        let Some(details_of_source) = position.map(|at| details.remove(at)) else {
            return Err(Error::NotFound(format!(
                "the VM {} disappeared while the run looked at it: run again",
                entity.name
            )));
        };
        let uuid = details_of_source.instance_uuid.clone().ok_or_else(|| {
            Error::Preflight(format!(
                "{} has no instance UUID (is it inaccessible?), so its backups could not be told \
                 from others: check the VM in vCenter",
                entity.name
            ))
        })?;
        let source = Source {
            vm: VirtualMachine::new(self.client.clone(), entity.moref.clone()),
            details: details_of_source,
            uuid,
        };
        Ok((source, details))
    }

    /// Removes the snapshots crashed runs left (in a dry run, only says so).
    async fn clear_stale(&mut self, stale: Vec<(RunSnapshot, String)>) -> Result<(), Error> {
        for (snapshot, reason) in stale {
            if self.dry_run {
                self.warn(format!(
                    "the snapshot \"{}\" of an earlier run would be removed: {reason}",
                    snapshot.name
                ));
                continue;
            }
            lock::remove(self.client, &snapshot.moref, self.job.timeouts.snapshot).await?;
            self.warn(format!(
                "removed the snapshot \"{}\" an earlier run left behind: {reason}",
                snapshot.name
            ));
        }
        Ok(())
    }

    /// Takes the lock of `source`: its run snapshot (quiesced if the job asks and the VM
    /// runs), for a run that deletes at most `deletes` clones.
    async fn lock(
        &mut self,
        source: &Source,
        deletes: usize,
    ) -> Result<(ManagedObjectReference, SnapshotMarker), Error> {
        let job = self.job;
        let name = &source.details.name;
        let marker = SnapshotMarker {
            run: self.id.clone(),
            holder: Holder::this_process(),
            started: self.report.started,
            stale_after_s: lock::lifetime(job, deletes).as_secs(),
            version: VERSION.to_owned(),
        };
        let snapshot = self
            .take_snapshot(source, &marker)
            .await
            .map_err(|error| error.during(|| format!("taking the snapshot of {name}")))?;
        self.events.emit(Event::SnapshotCreated {
            vm: self.events.vm(),
            snapshot: marker.snapshot_name(),
        });
        Ok((snapshot, marker))
    }

    /// Removes the run's `snapshot` of `source` after the steps under it ended with
    /// `outcome`, and returns the run's outcome.
    async fn unlock(
        &mut self,
        source: &Source,
        snapshot: &ManagedObjectReference,
        marker: &SnapshotMarker,
        outcome: Result<(), Error>,
    ) -> Result<(), Error> {
        let name = &source.details.name;
        let removal = lock::remove(self.client, snapshot, self.job.timeouts.snapshot).await;
        match removal.map_err(|error| error.during(|| format!("removing the snapshot of {name}"))) {
            Ok(()) => {
                self.report.snapshot_removed = true;
                self.events.emit(Event::SnapshotRemoved {
                    vm: self.events.vm(),
                    snapshot: marker.snapshot_name(),
                });
                self.consolidate_if_needed(&source.vm, name, self.job.timeouts.snapshot)
                    .await;
                outcome.map_err(|error| match error {
                    Error::Stopped(done) => Error::Stopped(format!(
                        "{done}; removed the snapshot \"{}\" of {name}",
                        marker.snapshot_name()
                    )),
                    error => error,
                })
            }
            Err(error) => {
                let left = format!(
                    "could not remove the snapshot \"{}\" of {} ({error}): the next run removes \
                     it, or delete it now (vSphere Client: the VM > Snapshots > Manage \
                     Snapshots), as it grows on the production datastore",
                    marker.snapshot_name(),
                    name
                );
                self.warn(left.clone());
                outcome.and(Err(Error::Incomplete(format!(
                    "the backup succeeded, but {left}"
                ))))
            }
        }
    }

    /// Steps 4 to 7: snapshot, clone, verify, delete, and the snapshot's removal whatever
    /// happened after it was taken.
    async fn back_up(
        &mut self,
        survey: Survey,
        prepared: Prepared,
        crash: CrashHook,
    ) -> Result<(), Error> {
        let job = self.job;
        let folder = prepared
            .placement
            .folder
            .ensure(self.client)
            .await
            .map_err(|error| error.during(|| format!("creating the folder {}", job.folder)))?;
        self.check_stop("before anything was changed")?;
        let source = &survey.source;
        // Queues while the source's host or the datastore has its share of clones running.
        let _slot = self
            .fleet
            .clone_slot(&source.details, &prepared.placement)
            .await;
        let deletes = prepared.plan.deletions().len();
        // The plan made under the lock replaces this one, with its own room reservation.
        drop(prepared);
        let (snapshot, marker) = self.lock(source, deletes).await?;
        crash.reached(Step::AfterSnapshot);
        let outcome = self
            .under_snapshot(&survey, &snapshot, folder.moref(), crash)
            .await;
        crash.reached(Step::BeforeSnapshotRemoval);
        self.unlock(source, &snapshot, &marker, outcome).await
    }

    /// The steps that need the snapshot: confirm the lock, plan again, clone, verify, delete.
    async fn under_snapshot(
        &mut self,
        survey: &Survey,
        snapshot: &ManagedObjectReference,
        folder: &ManagedObjectReference,
        crash: CrashHook,
    ) -> Result<(), Error> {
        let source = &survey.source;
        let name = &source.details.name;
        lock::confirm(&source.vm, name, snapshot)
            .await
            .map_err(|error| error.during(|| format!("confirming the lock of {name}")))?;
        crash.reached(Step::AfterLock);
        let prepared = self.replan(survey, folder).await?;
        self.check_stop("before cloning")?;
        // Before the clone: the simulator aliases the source's disks to the clone's after one.
        let source_disks: Vec<u64> = hardware::disks_of(self.client, snapshot)
            .await
            .map_err(|error| error.during(|| format!("reading the disks of {name}'s snapshot")))?
            .iter()
            .map(|disk| disk.capacity_bytes)
            .collect();
        let expected = Expected {
            name: prepared.plan.new_clone(),
            folder,
            datastore: &prepared.placement.datastore,
        };
        let clone = match clone::make(self, &prepared, snapshot, &expected).await {
            Ok(clone) => clone,
            Err(mut failure) => {
                failure.error = failure.error.during(|| {
                    format!(
                        "cloning {name} as {} onto {}",
                        expected.name, expected.datastore.name
                    )
                });
                return Err(self.after_failed_clone(failure, &expected).await);
            }
        };
        prepared.placement.reservation.keep();
        self.report.created = Some(expected.name.to_owned());
        crash.reached(Step::AfterClone);
        let verifying = || format!("verifying the clone {}", expected.name);
        let record = clone::verify(self, &clone, &expected, &source.uuid, &source_disks)
            .await
            .map_err(|error| error.during(verifying))?;
        let timeout = self.job.timeouts.delete;
        manifest::write(
            self.client,
            &survey.inventory,
            &clone,
            expected.name,
            &self.id,
            timeout,
        )
        .await?;
        crash.reached(Step::AfterVerify);
        boot::in_run(self, &clone, expected.name, record, &prepared.generations)
            .await
            .map_err(|error| {
                error.during(|| format!("boot-testing the clone {}", expected.name))
            })?;
        self.check_stop(&format!(
            "after the new clone {} was verified (the deletes of its rotation are left to the \
             next run)",
            expected.name
        ))?;
        let (deleted, outcome) = delete::rotated_out(
            self,
            source,
            &prepared.plan.deletions(),
            &prepared.generations,
            crash,
        )
        .await;
        self.record_deleted(deleted);
        outcome.map_err(|error| error.during(|| format!("deleting the old clones of {name}")))
    }

    /// After the clone step failed: deletes the clone it left unverified, if any, and returns
    /// the run's error, saying what was cleaned up.
    async fn after_failed_clone(
        &mut self,
        failure: CloneFailure,
        expected: &Expected<'_>,
    ) -> Error {
        let CloneFailure {
            error,
            cancelled,
            made,
        } = failure;
        let mut done = Vec::new();
        if let Some(task) = cancelled {
            done.push(format!("cancelled {task}"));
        }
        if let Some(clone) = made {
            match delete::destroy_unverified(self.client, &clone, self.job.timeouts.delete).await {
                Ok(()) => done.push(format!("deleted the unverified clone {}", expected.name)),
                Err(problem) => {
                    self.warn(format!(
                        "could not delete the unverified clone {} ({problem}): the next run \
                         verifies or deletes it",
                        expected.name
                    ));
                }
            }
        }
        match error {
            Error::Stopped(when) if done.is_empty() => Error::Stopped(when),
            Error::Stopped(when) => Error::Stopped(format!("{when}: {}", done.join(", "))),
            error if done.is_empty() => error,
            error => Error::Incomplete(format!("{error}; {}", done.join(", "))),
        }
    }

    /// Adds a warning to the report.
    pub(super) fn warn(&mut self, warning: String) {
        self.report.warnings.push(warning);
    }
}

/// The stamp of a run taken at `at`, in `zone`.
fn stamp(at: Timestamp, zone: StampZone) -> Result<Stamp, Error> {
    let zone = match zone {
        StampZone::Local => TimeZone::system(),
        StampZone::Utc => TimeZone::UTC,
    };
    Stamp::from_datetime(zone.to_datetime(at)).map_err(|error| {
        Error::Config(format!(
            "the run's time {at} has no clone name stamp: {error}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_follow_the_zone() {
        let at: Timestamp = "2019-09-25T02:41:59Z".parse().unwrap();
        assert_eq!(
            stamp(at, StampZone::Utc).unwrap().to_string(),
            "201909250241"
        );
    }
}
