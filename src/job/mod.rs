//! One VM's backup run ([`backup`], whose documentation lists the steps), and the pieces it
//! shares with listing and restoring: the inventory, the markers, the lock, the folder.

pub(crate) mod boot;
mod clone;
mod consolidate;
pub(crate) mod crash;
pub(crate) mod deep;
mod delete;
pub(crate) mod fleet;
pub(crate) mod folder;
pub(crate) mod generations;
pub(crate) mod hardware;
pub(crate) mod holder;
pub(crate) mod inventory;
mod limits;
pub(crate) mod lock;
pub(crate) mod manifest;
pub(crate) mod marker;
mod other_host;
mod plan;
mod preflight;
mod quiesce;
mod retention;
mod retention_name;
pub(crate) mod run;
pub(crate) mod tasks;
mod unverified;
pub(crate) mod verification;

use jiff::Timestamp;
use vsphere_client::Client;
use vsphere_client::types::{ManagedObjectReference, Value};

pub use inventory::PowerState;
pub use lock::unlock;
pub use marker::{CloneMarker, ClonePolicy};
pub use retention_name::RetentionCloneName;
pub use tasks::STOP_WAIT;
pub use verification::{BootResult, Verification, VerificationLevel, VerificationState};

use crate::config::JobConfig;
use crate::events::EventSink;
use crate::report::Report;
use crate::stop::Stop;

/// How jobs run.
///
/// ```
/// let options = vmrotate::RunOptions { dry_run: true, ..Default::default() };
/// assert_eq!(options.parallel, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// How many VMs [`backup_all`](crate::backup_all) backs up at the same time (at least 1).
    /// Default: 2.
    pub parallel: usize,
    /// How many clones [`backup_all`](crate::backup_all) makes at the same time from one
    /// source host (at least 1; jobs beyond it wait). Default: 2.
    pub clones_per_host: usize,
    /// How many clones [`backup_all`](crate::backup_all) makes at the same time onto one
    /// datastore (at least 1; jobs beyond it wait). Default: 2.
    pub clones_per_datastore: usize,
    /// Plan and check only; change nothing anywhere. Default: off.
    pub dry_run: bool,
    /// The time the run counts as taken at: the stamp in the clone's name (in the job's
    /// [`StampZone`](crate::StampZone)) and the creation time in its marker. Default (`None`):
    /// now. Set it to replay a schedule, e.g. in tests.
    pub at: Option<Timestamp>,
    /// The request to stop these runs cooperatively: see [`Stop`]. Default: one nobody
    /// requests.
    pub stop: Stop,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            parallel: 2,
            clones_per_host: 2,
            clones_per_datastore: 2,
            dry_run: false,
            at: None,
            stop: Stop::new(),
        }
    }
}

/// Backs up one VM as `job` says.
///
/// A run goes through these steps; the names in brackets are the step boundaries at which the
/// test hook `VMROTATE_TEST_CRASH_AT=<name>` aborts the process (see `docs/backup-job.md`):
///
/// 1. **Find** the VM and every VM named like its clones in a constant number of round trips
///    (one container view; details only for those candidates).
/// 2. **Lock check**: a live vmrotate snapshot on the VM makes the run refuse; stale ones left
///    by crashed runs are removed (see [`unlock`] for the lock's rules). A user's snapshots are
///    never touched.
/// 3. **Plan** with [`rotation_core`] (safe mode counts only clones carrying vmrotate's
///    [marker](CloneMarker) for this VM, ordered by the marker's exact creation time) and
///    **preflight**: the new name is free, a datastore can take the clone (consecutive
///    generations alternate between datastores), the folder. With a
///    [retention policy](crate::RetentionConfig) the plan is the policy's decision over the
///    source's retention clones and the new one, counted apart from slot clones. A dry run
///    stops here and changes nothing.
/// 4. Create the folder if missing, take the run's **snapshot** (no memory; quiesced if asked
///    and the VM runs) \[`after-snapshot`\], and confirm the lock against racing runs
///    \[`after-lock`\].
/// 5. **Clone** from the snapshot into the folder on the chosen datastore, the clone born
///    marked (`config.extraConfig`) and annotated \[`after-clone`\]; **verify** it: it exists
///    under its name, in the folder, on the datastore, and its marker reads back; write its
///    manifest next to it on the datastore (`vmrotate-manifest.json`, for recovery without
///    vCenter) \[`after-verify`\].
/// 6. **Delete** what the plan rotates out, each only if (safe mode) it carries this VM's
///    marker and it is powered off (or the job forces) \[`after-delete`, after the first\].
///    Nothing is deleted unless the new clone was verified, in compat mode too (compat keeps
///    the script's names and deletions, not its delete-before-clone order).
/// 7. \[`before-snapshot-removal`\] **Remove the snapshot**, on every exit path once it
///    exists, failures included. Only a killed process (or a dropped future) leaves it; the
///    next run then removes it as stale.
///
/// Never panics and never returns an error: the [`Report`] says what was done and, if the run
/// failed, why. `events` receives progress as it happens.
///
/// ```no_run
/// use vmrotate::{JobConfig, RunOptions};
///
/// # async fn demo(client: &vmrotate::vsphere_client::Client) {
/// let job = JobConfig::new("avocado2", vec!["NFS_durian".into(), "NFS_mango".into()]);
/// let report = vmrotate::backup(client, &job, &RunOptions::default(), None).await;
/// match &report.error {
///     None => println!("created {:?}, deleted {:?}", report.created, report.deleted),
///     Some(error) => eprintln!("{}: {}", report.vm, error.message),
/// }
/// # }
/// ```
pub async fn backup(
    client: &Client,
    job: &JobConfig,
    options: &RunOptions,
    events: Option<EventSink>,
) -> Report {
    run::Run::new(client, job, options, events).go().await
}

/// The managed object a call of `method` returned (a task, a new VM, a snapshot...).
///
/// # Errors
/// [`vsphere_client::Error::UnexpectedValue`] when the value is no reference.
pub(crate) fn returned_ref(
    method: &str,
    value: Value,
) -> Result<ManagedObjectReference, vsphere_client::Error> {
    value
        .into_typed()
        .map_err(|error| vsphere_client::Error::UnexpectedValue {
            what: format!("the result of {method}"),
            error,
        })
}
