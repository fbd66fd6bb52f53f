//! [`Run`]: one VM's backup run, step by step, and its report.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rotation_core::{SlotRotation, Stamp};
use vsphere_client::Client;
use vsphere_client::object::VirtualMachine;
use vsphere_client::types::ManagedObjectReference;

use super::clone::{self, Expected};
use super::crash::{CrashHook, Step};
use super::fleet::Fleet;
use super::folder::FolderTarget;
use super::generations::{self, Selection};
use super::inventory::{Inventory, VmDetails};
use super::lock::{self, Holder, RunSnapshot};
use super::marker::SnapshotMarker;
use super::plan::{RunPlan, oldest_first};
use super::preflight::Placement;
use super::{RunOptions, delete, retention};
use crate::config::{CloneKind, JobConfig, StampZone};
use crate::error::Error;
use crate::events::{Event, EventSink, Events};
use crate::report::{ErrorReport, Report};

/// The version written into markers.
pub(super) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The source VM of a run, as found.
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
    dry_run: bool,
    /// What the run shares with the other jobs of its `backup_all`.
    pub(super) fleet: Arc<Fleet>,
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
        let report = Report {
            vm: job.vm.clone(),
            run: id.clone(),
            ok: false,
            dry_run: options.dry_run,
            plan: None,
            retention: None,
            datastore: None,
            created: None,
            deleted: Vec::new(),
            snapshot_removed: false,
            warnings: Vec::new(),
            error: None,
            started,
            finished: started,
        };
        Self {
            client,
            job,
            id,
            at: options.at.unwrap_or(started),
            events: Events::new(sink, &job.vm),
            report,
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
        let prepared = self.prepare().await?;
        if self.dry_run {
            if let FolderTarget::Missing { names, .. } = &prepared.placement.folder {
                self.warn(format!("the folder {} would be created", names.join("/")));
            }
            return Ok(());
        }
        self.back_up(&prepared, crash).await
    }

    /// Steps 1 to 3, which change nothing but stale snapshots: find, check the lock, plan,
    /// preflight.
    async fn prepare(&mut self) -> Result<Prepared, Error> {
        let job = self.job;
        let (inventory, source, selection) = self.survey().await?;
        let plan = self.plan(&selection)?;
        let placement = self.fleet.place(
            &inventory,
            job,
            &source.details,
            plan.new_clone(),
            &plan.deletions(),
            &selection.generations,
        )?;
        self.check_privileges(&inventory, &source.details, &placement)
            .await?;
        self.report.datastore = Some(placement.datastore.name.clone());
        self.report
            .warnings
            .extend(placement.warnings.iter().cloned());
        if job.clone_kind == CloneKind::Linked {
            self.report.warnings.push(format!(
                "linked clones depend on {}'s own disks: they are no backup if those are lost; \
                 use full clones for backups",
                source.details.name
            ));
        }
        Ok(Prepared {
            source,
            plan,
            placement,
            generations: selection.generations,
        })
    }

    /// Steps 1 and 2 and the first half of 3: read the inventory, find the source and its
    /// clones, check the lock (removing stale snapshots), and sort out the generations.
    async fn survey(&mut self) -> Result<(Arc<Inventory>, Source, Selection), Error> {
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
            name,
            lock::run_snapshots(source.details.snapshots.as_ref()),
        )
        .await
        .map_err(|error| error.during(|| format!("checking the snapshots of {name}")))?;
        self.clear_stale(stale)
            .await
            .map_err(|error| error.during(|| format!("removing a stale snapshot of {name}")))?;
        let selection = generations::select(job, &source.uuid, candidates);
        self.report
            .warnings
            .extend(selection.warnings.iter().cloned());
        Ok((inventory, source, selection))
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
                "pruning {} needs a retention policy: pass at least one --keep-* rule",
                job.vm
            )));
        };
        let crash = CrashHook::from_env()?;
        let (_, source, selection) = self.survey().await?;
        let decision = retention::decide(config, &selection.generations, None, self.at)?;
        self.report.retention = Some(decision.clone());
        if self.dry_run {
            return Ok(());
        }
        let name = &source.details.name;
        delete::rotated_out(
            self,
            &source,
            &oldest_first(&decision.remove),
            &selection.generations,
            crash,
        )
        .await
        .map_err(|error| error.during(|| format!("pruning the clones of {name}")))
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

    /// Steps 4 to 7: snapshot, clone, verify, delete, and the snapshot's removal whatever
    /// happened after it was taken.
    async fn back_up(&mut self, prepared: &Prepared, crash: CrashHook) -> Result<(), Error> {
        let (job, source, placement) = (self.job, &prepared.source, &prepared.placement);
        let name = &source.details.name;
        let folder = placement
            .folder
            .ensure(self.client)
            .await
            .map_err(|error| error.during(|| format!("creating the folder {}", job.folder)))?;
        let holder = Holder::this_process();
        let marker = SnapshotMarker {
            run: self.id.clone(),
            host: holder.host,
            pid: holder.pid,
            started: self.report.started,
            stale_after_s: lock::lifetime(job, prepared.plan.deletions().len()).as_secs(),
            version: VERSION.to_owned(),
        };
        let _slot = self.fleet.clone_slot(&source.details, placement).await;
        let snapshot = self
            .take_snapshot(source, &marker)
            .await
            .map_err(|error| error.during(|| format!("taking the snapshot of {name}")))?;
        self.events.emit(Event::SnapshotCreated {
            vm: self.events.vm(),
            snapshot: marker.snapshot_name(),
        });
        crash.reached(Step::AfterSnapshot);

        let expected = Expected {
            name: prepared.plan.new_clone(),
            folder: folder.moref(),
            datastore: &placement.datastore,
        };
        let outcome = self
            .under_snapshot(prepared, &snapshot, &expected, crash)
            .await;

        crash.reached(Step::BeforeSnapshotRemoval);
        let removal = lock::remove(self.client, &snapshot, job.timeouts.snapshot).await;
        match removal.map_err(|error| error.during(|| format!("removing the snapshot of {name}"))) {
            Ok(()) => {
                self.report.snapshot_removed = true;
                self.events.emit(Event::SnapshotRemoved {
                    vm: self.events.vm(),
                    snapshot: marker.snapshot_name(),
                });
                let snapshot_timeout = job.timeouts.snapshot;
                self.consolidate_if_needed(&source.vm, name, snapshot_timeout)
                    .await;
                outcome
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

    /// The steps that need the snapshot: confirm the lock, clone, verify, delete.
    async fn under_snapshot(
        &mut self,
        prepared: &Prepared,
        snapshot: &ManagedObjectReference,
        expected: &Expected<'_>,
        crash: CrashHook,
    ) -> Result<(), Error> {
        let source = &prepared.source;
        let name = &source.details.name;
        lock::confirm(&source.vm, name, snapshot)
            .await
            .map_err(|error| error.during(|| format!("confirming the lock of {name}")))?;
        crash.reached(Step::AfterLock);
        let clone = clone::make(self, prepared, snapshot, expected)
            .await
            .map_err(|error| {
                error.during(|| {
                    format!(
                        "cloning {name} as {} onto {}",
                        expected.name, expected.datastore.name
                    )
                })
            })?;
        prepared.placement.reservation.keep();
        crash.reached(Step::AfterClone);
        clone::verify(self.client, &clone, expected, &self.id, &source.uuid)
            .await
            .map_err(|error| error.during(|| format!("verifying the clone {}", expected.name)))?;
        crash.reached(Step::AfterVerify);
        delete::rotated_out(
            self,
            source,
            &prepared.plan.deletions(),
            &prepared.generations,
            crash,
        )
        .await
        .map_err(|error| error.during(|| format!("deleting the old clones of {name}")))
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

/// A run id unique across machines and processes: the start in milliseconds, the process id,
/// and a counter for runs of one process.
fn new_run_id(started: Timestamp) -> String {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}-{}-{}",
        started.as_millisecond(),
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    )
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

    #[test]
    fn run_ids_differ_within_one_process() {
        let at = Timestamp::now();
        assert_ne!(new_run_id(at), new_run_id(at));
    }
}
