//! Restoring a backup: a full copy into a new VM, or its own files registered on a host.

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rotation_core::Stamp;
use serde::{Deserialize, Serialize};
use vsphere_client::Client;
use vsphere_client::object::{
    CloneSpec, Datastore, Folder, HostSystem, ResourcePool, VirtualMachine, extra_config_entry,
};
use vsphere_client::task::Task;
use vsphere_client::types::{
    ManagedObjectReference, Value, VirtualMachineConfigSpec, VirtualMachineRelocateTransformation,
    encode_entity_name,
};

use crate::config::VmMatch;
use crate::error::Error;
use crate::job::PowerState;
use crate::job::crash::{CrashHook, Step};
use crate::job::folder::FolderTarget;
use crate::job::inventory::{DatastoreInfo, HostInfo, Inventory, VmDetails};
use crate::job::lock;
use crate::job::marker::CloneMarker;
use crate::job::returned_ref;
use crate::job::tasks::{self, CutShort, Ended};
use crate::stop::Stop;

/// How long copying a backup may take.
const COPY_TIMEOUT: Duration = Duration::from_secs(6 * 3600);
/// How long each other step of a restore may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// What to restore, and where to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreRequest {
    /// The backup (clone) to restore, by its exact name.
    pub clone: String,
    /// The restored VM's name. Default: `<vm>-restored-<yyyyMMddHHmm>` (local time), `<vm>`
    /// being the backed-up VM's name from the backup's marker (else the backup's name).
    pub new_name: Option<String>,
    /// The host to run it on. Default: the backup's host.
    pub host: Option<String>,
    /// The datastore for its files (full restore only). Default: the backup's datastore.
    pub datastore: Option<String>,
    /// The VM folder for it, a path below the datacenter's VM folder, created if missing.
    /// Default: the datacenter's VM folder.
    pub folder: Option<String>,
    /// Power it on once restored. Default: off.
    #[serde(default)]
    pub power_on: bool,
    /// Register the backup's own files instead of copying them (see [`restore()`]). Default:
    /// off.
    #[serde(default)]
    pub register_only: bool,
    /// The request to stop the restore cooperatively ([`Stop`]): a copy in progress is
    /// cancelled and what it made deleted. Default: one nobody requests.
    #[serde(skip)]
    pub stop: Stop,
}

/// What a restore made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    /// The restored VM's name.
    pub vm: String,
    /// The backup it came from.
    pub from: String,
    /// Whether the backup's own files were registered (no copy).
    pub register_only: bool,
    /// The host it is registered on.
    pub host: String,
    /// The datastore holding its files.
    pub datastore: String,
    /// Whether it was powered on.
    pub powered_on: bool,
    /// Things to know.
    pub warnings: Vec<String>,
}

impl fmt::Display for RestoreReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = if self.register_only {
            "registered the files of"
        } else {
            "copied"
        };
        write!(
            f,
            "{how} {} as {} on host {}, datastore {}{}",
            self.from,
            self.vm,
            self.host,
            self.datastore,
            if self.powered_on { ", powered on" } else { "" }
        )?;
        for warning in &self.warnings {
            write!(f, "\nwarning: {warning}")?;
        }
        Ok(())
    }
}

/// Restores the backup `request.clone` as a new VM.
///
/// - **Full restore** (default): clones the backup into a new VM (thin disks) on the backup's
///   datastore and host unless told otherwise. The backup stays a backup. The copy does not
///   carry vmrotate's marker, so no rotation ever counts or deletes it.
/// - **Register only** (`register_only`): the way back when a host died, as the original
///   article does it: the backup's own `.vmx` is registered on a surviving host. No copy is
///   made, so the backup *becomes* the VM: it is removed from the inventory (`UnregisterVM`,
///   needed because vCenter refuses to register a file that is still registered, which it is
///   even when its host is dead), registered on the host, renamed, and its marker removed so
///   that no rotation deletes it. Should registering fail, the backup is registered back as
///   it was.
///
/// Neither ever replaces a VM: a name in use is refused. The restored VM goes to the VM folder
/// of the backup's datacenter unless a folder (a path below it, created if missing) is given.
/// vCenter may ask whether a registered VM was moved or copied when it powers on: answer in
/// the vSphere Client.
///
/// ```no_run
/// use vmrotate::RestoreRequest;
///
/// # async fn demo(client: &vmrotate::vsphere_client::Client) -> Result<(), vmrotate::Error> {
/// let request = RestoreRequest {
///     clone: "zz_avocado2-02-201909250241".into(),
///     new_name: Some("avocado2-restored".into()),
///     power_on: true,
///     ..RestoreRequest::default()
/// };
/// println!("{}", vmrotate::restore(client, &request).await?);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`Error::NotFound`] or [`Error::Ambiguous`] for the backup, host, datastore;
/// [`Error::Refused`] when the new name is taken or a backup to register runs;
/// [`Error::Preflight`] when the host does not mount the datastore; [`Error::Incomplete`] when
/// registering failed after the backup was unregistered; the calls' [`Error::Vsphere`].
pub async fn restore(client: &Client, request: &RestoreRequest) -> Result<RestoreReport, Error> {
    let inventory = Inventory::read(client).await?;
    let entity = inventory.select_vm(&request.clone, VmMatch::Exact, |_| false)?;
    let backup = Inventory::details(client, std::slice::from_ref(&entity.moref))
        .await?
        .pop()
        .ok_or_else(|| {
            Error::NotFound(format!(
                "the backup {} disappeared: list the backups again",
                entity.name
            ))
        })?;
    let target = Target::choose(&inventory, request, &backup)?;
    // The backup's source stays locked meanwhile, so no rotation deletes the backup.
    let limit = STEP_TIMEOUT * 4;
    if request.register_only {
        let work = register(client, &inventory, request, &backup, &target);
        lock::holding_source_of(client, &inventory, &backup, limit, work).await
    } else {
        let work = copy(client, &inventory, request, &backup, &target);
        lock::holding_source_of(client, &inventory, &backup, limit, work).await
    }
}

/// Where the restored VM goes.
struct Target<'a> {
    name: String,
    host: &'a HostInfo,
    pool: ManagedObjectReference,
    folder: FolderTarget,
}

impl<'a> Target<'a> {
    fn choose(
        inventory: &'a Inventory,
        request: &RestoreRequest,
        backup: &VmDetails,
    ) -> Result<Self, Error> {
        let name = request
            .new_name
            .clone()
            .unwrap_or_else(|| default_name(backup));
        if inventory.has_vm_named(&name) {
            return Err(Error::Refused(format!(
                "a VM named {name} already exists, and a restore never replaces a VM: choose \
                 another name for the restored VM"
            )));
        }
        let (host, pool) = match &request.host {
            Some(host_name) => {
                let host = inventory.host_named(host_name)?;
                let pool = host
                    .compute_resource
                    .as_ref()
                    .and_then(|resource| inventory.root_pool_of(resource))
                    .map(|pool| pool.moref.clone());
                (host, pool)
            }
            None => (
                backup
                    .host
                    .as_ref()
                    .and_then(|host| inventory.host(host))
                    .ok_or_else(|| {
                        Error::Preflight(format!(
                            "the host of {} is unknown (disconnected?): name the host to restore on",
                            backup.name
                        ))
                    })?,
                backup.pool.clone(),
            ),
        };
        let pool = pool.ok_or_else(|| {
            Error::Preflight(format!(
                "cannot find a resource pool on host {}: check the host in vCenter",
                host.name
            ))
        })?;
        let datacenter = inventory.datacenter_holding(backup)?;
        let folder = FolderTarget::resolve(
            inventory,
            &datacenter.vm_folder,
            request.folder.as_deref().unwrap_or_default(),
        );
        Ok(Self {
            name,
            host,
            pool,
            folder,
        })
    }

    /// Checks that the host mounts `datastore`.
    fn mounts(&self, datastore: &DatastoreInfo) -> Result<(), Error> {
        if self.host.datastores.contains(&datastore.moref) {
            Ok(())
        } else {
            Err(Error::Preflight(format!(
                "host {} does not mount the datastore {}: choose a host that does, or mount it",
                self.host.name, datastore.name
            )))
        }
    }
}

/// `<vm>-restored-<yyyyMMddHHmm>` in local time.
fn default_name(backup: &VmDetails) -> String {
    let vm = backup
        .valid_marker()
        .map_or(backup.name.as_str(), |marker| marker.source_name.as_str());
    let now = TimeZone::system().to_datetime(Timestamp::now());
    match Stamp::from_datetime(now) {
        Ok(stamp) => format!("{vm}-restored-{stamp}"),
        Err(_) => format!("{vm}-restored"),
    }
}

/// A full restore: a copy of the backup, without its marker.
async fn copy(
    client: &Client,
    inventory: &Inventory,
    request: &RestoreRequest,
    backup: &VmDetails,
    target: &Target<'_>,
) -> Result<RestoreReport, Error> {
    let datastore = match &request.datastore {
        Some(name) => {
            let named = inventory.datastores_named(name);
            named
                .iter()
                .find(|ds| target.host.datastores.contains(&ds.moref))
                .or(named.first())
                .copied()
                .ok_or_else(|| {
                    Error::NotFound(format!("no datastore is named \"{name}\": check the name"))
                })?
        }
        None => backup
            .datastores
            .first()
            .and_then(|moref| inventory.datastore(moref))
            .ok_or_else(|| {
                Error::Preflight(format!(
                    "the datastore of {} is unknown: name the datastore to restore to",
                    backup.name
                ))
            })?,
    };
    target.mounts(datastore)?;
    let folder = target.folder.ensure(client).await?;
    let mut spec = CloneSpec::new()
        .datastore(&Datastore::new(client.clone(), datastore.moref.clone()))
        .pool(&ResourcePool::new(client.clone(), target.pool.clone()))
        .host(&HostSystem::new(client.clone(), target.host.moref.clone()))
        .transform(VirtualMachineRelocateTransformation::Sparse)
        .annotation(&annotation(backup));
    for key in CloneMarker::keys_in(&backup.extra_config) {
        spec = spec.extra_config(&key, "");
    }
    let source = VirtualMachine::new(client.clone(), backup.moref.clone());
    let task = source.clone_vm(&folder, &target.name, spec).await?;
    let copy = match tasks::finish(&task, COPY_TIMEOUT, &request.stop, |_| {}).await {
        Ended::Finished(result) => returned_ref("CloneVM_Task", result?)?,
        Ended::CutShort { why, late } => {
            let mut done = vec![format!("cancelled the copy task {}", task.moref().value)];
            if let Some(partial) = late.ok().and_then(|v| returned_ref("CloneVM_Task", v).ok()) {
                let vm = VirtualMachine::new(client.clone(), partial);
                match vm.destroy().await?.wait(STEP_TIMEOUT, |_| {}).await {
                    Ok(_) => done.push(format!("deleted the copy {}", target.name)),
                    Err(error) => done.push(format!(
                        "could not delete the copy {} ({error}): delete it by hand",
                        target.name
                    )),
                }
            }
            return Err(match why {
                CutShort::Stopped(reason) => Error::Stopped(format!(
                    "stopped by {reason} while restoring {}: {}",
                    backup.name,
                    done.join(", ")
                )),
                CutShort::TimedOut(error) => {
                    Error::Incomplete(format!("{error}; {}", done.join(", ")))
                }
            });
        }
    };
    if request.power_on {
        VirtualMachine::new(client.clone(), copy)
            .power_on(None)
            .await?
            .wait(STEP_TIMEOUT, |_| {})
            .await?;
    }
    Ok(RestoreReport {
        vm: target.name.clone(),
        from: backup.name.clone(),
        register_only: false,
        host: target.host.name.clone(),
        datastore: datastore.name.clone(),
        powered_on: request.power_on,
        warnings: Vec::new(),
    })
}

/// A register-only restore: the backup's own files, registered on the host.
async fn register(
    client: &Client,
    inventory: &Inventory,
    request: &RestoreRequest,
    backup: &VmDetails,
    target: &Target<'_>,
) -> Result<RestoreReport, Error> {
    let crash = CrashHook::from_env()?;
    if request.datastore.is_some() {
        return Err(Error::Config(
            "a register-only restore uses the backup's files where they are: leave out the \
             datastore"
                .into(),
        ));
    }
    // A backup on a dead host reports no power state: that is the case this path is for.
    if matches!(
        backup.power_state,
        PowerState::PoweredOn | PowerState::Suspended
    ) {
        return Err(Error::Refused(format!(
            "{} runs (power state: {}), so its files are in use: power it off before \
             registering them",
            backup.name, backup.power_state
        )));
    }
    let vmx = backup.vmx_path.clone().ok_or_else(|| {
        Error::Preflight(format!(
            "the configuration file of {} is unknown (is it inaccessible?): register its .vmx \
             by hand in the vSphere Client",
            backup.name
        ))
    })?;
    let datastores: Vec<&DatastoreInfo> = backup
        .datastores
        .iter()
        .filter_map(|moref| inventory.datastore(moref))
        .collect();
    for datastore in &datastores {
        target.mounts(datastore)?;
    }
    let folder = target.folder.ensure(client).await?;
    VirtualMachine::new(client.clone(), backup.moref.clone())
        .unregister()
        .await?;
    let vm = match register_on(client, &folder, &vmx, target).await {
        Ok(vm) => vm,
        Err(error) => return Err(register_back(client, backup, &vmx, error).await),
    };
    make_ordinary(client, &vm, backup, target, request.power_on, crash)
        .await
        .map_err(|error| {
            Error::Incomplete(format!(
                "the files of {} were registered on host {}, but {error}. Rename the VM to {} \
                 and delete its vmrotate.* advanced settings by hand, or a later run may treat \
                 it as a backup",
                backup.name, target.host.name, target.name
            ))
        })?;
    Ok(RestoreReport {
        vm: target.name.clone(),
        from: backup.name.clone(),
        register_only: true,
        host: target.host.name.clone(),
        datastore: inventory.datastore_names(&backup.datastores),
        powered_on: request.power_on,
        warnings: vec![format!(
            "{} is no longer a backup: its files are now the VM {} (its vmrotate marker was \
             removed, so no rotation deletes it)",
            backup.name, target.name
        )],
    })
}

/// Registers `vmx` in `folder` on the target host, and returns the VM.
async fn register_on(
    client: &Client,
    folder: &Folder,
    vmx: &str,
    target: &Target<'_>,
) -> Result<VirtualMachine, vsphere_client::Error> {
    let pool = ResourcePool::new(client.clone(), target.pool.clone());
    let host = HostSystem::new(client.clone(), target.host.moref.clone());
    let registered = folder
        .register_vm(vmx, None, &pool, Some(&host))
        .await?
        .wait(STEP_TIMEOUT, |_| {})
        .await?;
    let moref = returned_ref("RegisterVM_Task", registered)?;
    Ok(VirtualMachine::new(client.clone(), moref))
}

/// Makes the registered backup `vm` an ordinary VM: its new name, no marker, a note saying
/// where it came from; powered on if asked.
async fn make_ordinary(
    client: &Client,
    vm: &VirtualMachine,
    backup: &VmDetails,
    target: &Target<'_>,
    power_on: bool,
    crash: CrashHook,
) -> Result<(), vsphere_client::Error> {
    // The marker goes first: a failure before the rename must never leave the only copy of a
    // dead host's VM looking like a backup that a rotation may delete.
    let spec = VirtualMachineConfigSpec {
        annotation: Some(annotation(backup)),
        extra_config: CloneMarker::keys_in(&backup.extra_config)
            .iter()
            .map(|key| extra_config_entry(key, ""))
            .collect(),
        ..VirtualMachineConfigSpec::default()
    };
    vm.reconfigure(spec)
        .await?
        .wait(STEP_TIMEOUT, |_| {})
        .await?;
    crash.reached(Step::RestoreBeforeRename);
    rename(client, vm, &target.name).await?;
    if power_on {
        vm.power_on(None).await?.wait(STEP_TIMEOUT, |_| {}).await?;
    }
    Ok(())
}

/// After registering on the target host failed with `error`: registers the backup back where
/// it was, and says what happened.
async fn register_back(
    client: &Client,
    backup: &VmDetails,
    vmx: &str,
    error: vsphere_client::Error,
) -> Error {
    let undo = async {
        let folder = backup
            .parent
            .clone()
            .ok_or_else(|| "its folder is unknown".to_owned())?;
        let pool = backup
            .pool
            .clone()
            .ok_or_else(|| "its pool is unknown".to_owned())?;
        let host = backup
            .host
            .clone()
            .map(|host| HostSystem::new(client.clone(), host));
        Folder::new(client.clone(), folder)
            .register_vm(
                vmx,
                None,
                &ResourcePool::new(client.clone(), pool),
                host.as_ref(),
            )
            .await
            .map_err(|error| error.to_string())?
            .wait(STEP_TIMEOUT, |_| {})
            .await
            .map_err(|error| error.to_string())
    };
    let undone = match undo.await {
        Ok(_) => format!("{} was registered back as it was", backup.name),
        Err(problem) => format!(
            "registering {} back failed too ({problem}): register {vmx} by hand",
            backup.name
        ),
    };
    Error::Incomplete(format!(
        "registering {vmx} on the target host failed ({error}); {undone}"
    ))
}

/// `Rename_Task`, through the untyped call (the method is not generated).
pub(crate) async fn rename(
    client: &Client,
    vm: &VirtualMachine,
    name: &str,
) -> Result<(), vsphere_client::Error> {
    let encoded = encode_entity_name(name).into_owned();
    let task = client
        .invoke(
            "Rename_Task",
            vm.moref(),
            &[("newName", Value::String(encoded))],
        )
        .await?;
    let task = returned_ref("Rename_Task", task)?;
    Task::new(client.clone(), task)
        .wait(STEP_TIMEOUT, |_| {})
        .await?;
    Ok(())
}

/// The restored VM's notes.
fn annotation(backup: &VmDetails) -> String {
    format!(
        "Restored by vmrotate from the backup {} on {}.",
        backup.name,
        Timestamp::now()
    )
}
