//! What the jobs of one run share: the inventory, read once, and the [limits](super::limits)
//! on clones at once and on the room they take.
//!
//! [`backup_all`](crate::backup_all) runs every job with one [`Fleet`]: the first job to need
//! the inventory reads it (one container view), the others wait for that reading and use it.
//! Each job still re-reads its own VM and its clones' details when it starts
//! ([`Inventory::details`]), so its lock check, plan and markers are current; what it takes
//! from the shared reading is only where things are (names, hosts, pools, folders) and the
//! datastores' capacity, whose free space the limits' ledger corrects by the run's own clones.

use std::sync::Arc;

use tokio::sync::OnceCell;
use vsphere_client::Client;

use super::RunOptions;
use super::inventory::{Inventory, VmDetails};
use super::limits::{CloneSlot, Limits};
use super::preflight::{self, Placement};
use super::run::Run;
use crate::config::JobConfig;
use crate::error::Error;
use crate::events::EventSink;
use crate::report::Report;

/// What the jobs of one run share; see the [module docs](self).
#[derive(Debug)]
pub(crate) struct Fleet {
    inventory: OnceCell<Arc<Inventory>>,
    limits: Arc<Limits>,
    dry_run: bool,
}

impl Fleet {
    /// The shared state of a run with `options`.
    pub(crate) fn new(options: &RunOptions) -> Arc<Self> {
        Arc::new(Self {
            inventory: OnceCell::new(),
            limits: Limits::new(options.clones_per_host, options.clones_per_datastore),
            dry_run: options.dry_run,
        })
    }

    /// The inventory: read by the first job that asks (again by the next one if that reading
    /// failed), then shared.
    ///
    /// # Errors
    /// The reading's [`Error::Vsphere`].
    pub(crate) async fn inventory(&self, client: &Client) -> Result<Arc<Inventory>, Error> {
        self.inventory
            .get_or_try_init(|| async { Inventory::read(client).await.map(Arc::new) })
            .await
            .cloned()
    }

    /// [`preflight::check`] with the room the run's other clones reserved, and the new clone's
    /// room reserved on the datastore chosen (for good in a dry run, which counts its clones as
    /// made so that the whole run's room shows).
    ///
    /// # Errors
    /// As [`preflight::check`].
    pub(crate) fn place(
        &self,
        inventory: &Inventory,
        job: &JobConfig,
        source: &VmDetails,
        new_clone: &str,
        deleted: &[&str],
        generations: &[VmDetails],
    ) -> Result<Placement, Error> {
        let mut ledger = self.limits.ledger();
        let placement = preflight::check(
            inventory,
            job,
            source,
            preflight::Plan {
                new_clone,
                deleted,
                generations,
            },
            &mut ledger,
        )?;
        if self.dry_run {
            placement.reservation.keep();
        }
        Ok(placement)
    }

    /// Waits until `source`'s host and `placement`'s datastore take one more clone; the slot
    /// counts until dropped.
    pub(crate) async fn clone_slot(&self, source: &VmDetails, placement: &Placement) -> CloneSlot {
        self.limits
            .clone_slot(source.host.as_ref(), &placement.datastore.moref)
            .await
    }
}

/// Backs up one VM as [`backup`](super::backup) does, sharing `fleet` with the run's other
/// jobs.
pub(crate) async fn backup(
    fleet: Arc<Fleet>,
    client: &Client,
    job: &JobConfig,
    options: &RunOptions,
    events: Option<EventSink>,
) -> Report {
    Run::new(client, job, options, events)
        .in_fleet(fleet)
        .go()
        .await
}

impl Run<'_> {
    /// The run, sharing `fleet` with other jobs instead of its own.
    fn in_fleet(mut self, fleet: Arc<Fleet>) -> Self {
        self.fleet = fleet;
        self
    }

    /// Checks the session's privileges on what the run touches (see
    /// [`privileges`](preflight::privileges)); a server that cannot tell is a warning.
    ///
    /// # Errors
    /// [`Error::Preflight`] naming what is missing; the calls' errors.
    pub(super) async fn check_privileges(
        &mut self,
        inventory: &Inventory,
        source: &VmDetails,
        placement: &Placement,
    ) -> Result<(), Error> {
        let wanted = preflight::privileges::wanted(inventory, self.job, source, placement);
        let warning = preflight::privileges::check(self.client, &wanted)
            .await
            .map_err(|error| error.during(|| "checking the backup user's privileges".into()))?;
        self.report.warnings.extend(warning);
        Ok(())
    }
}
