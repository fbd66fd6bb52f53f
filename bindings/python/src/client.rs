//! Connecting to vCenter and the operations of a connected client.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use pyo3::prelude::*;
use vmrotate::metrics::MetricsConfig;
use vmrotate::notify::NotifyConfig;
use vmrotate::vsphere_client::{self, Password};
use vmrotate::{ConnectOptions, EventSink, JobConfig, RestoreRequest, RunOptions};

use crate::convert::{choice, from_datetime, from_python};
use crate::errors::{config_error, to_py_err};
use crate::events;
use crate::policy::slot_count;
use crate::reports::{Report, RestoreReport, RunReport, VmBackups};
use crate::retention::Retention;
use crate::runtime::{Runtime, StopSummary};

/// Connects to vCenter (or ESXi) and logs in, or attaches to an existing session.
///
/// `url` is a host name, `host:port` or `https://host/sdk`. The password is `password`, else
/// the first line of `password_file`. `session_cookie` instead attaches to a session another
/// tool logged in, e.g. pyVmomi's `si._stub.cookie`; closing the client then leaves that
/// session to its owner. TLS: the certificate is checked against the system's CAs, or
/// `ca_file` (a PEM bundle), or pinned by `thumbprint` (SHA-256 or SHA-1); `insecure` skips
/// the check (a warning is logged; test labs only).
///
/// Raises `LoginError` for a rejected user name, password or session cookie, `TlsError` for an
/// untrusted certificate, `VmRotateError` when the server cannot be reached, `ValueError` for
/// invalid or missing settings.
#[pyfunction]
#[pyo3(signature = (
    url, *, username = None, password = None, password_file = None, thumbprint = None,
    ca_file = None, insecure = false, session_cookie = None,
))]
#[allow(clippy::too_many_arguments)] // one per keyword argument of the Python function
pub(crate) fn connect(
    py: Python<'_>,
    url: String,
    username: Option<String>,
    password: Option<String>,
    password_file: Option<PathBuf>,
    thumbprint: Option<&str>,
    ca_file: Option<PathBuf>,
    insecure: bool,
    session_cookie: Option<&str>,
) -> PyResult<Client> {
    let mut options = ConnectOptions::new(url);
    options.username = username;
    options.password = password.map(Password::from);
    options.password_file = password_file;
    options.thumbprint = thumbprint
        .map(str::parse)
        .transpose()
        .map_err(|error| config_error(format!("invalid thumbprint: {error}")))?;
    options.ca_file = ca_file;
    options.insecure = insecure;
    options.session_cookie = session_cookie
        .map(str::parse)
        .transpose()
        .map_err(|error| config_error(format!("invalid session cookie: {error}")))?;
    Client::connect(py, &options)
}

/// Connects as `connect()` does, with the settings of the `VMROTATE_*` environment variables
/// the command line reads: `VMROTATE_URL`, `VMROTATE_USERNAME`, `VMROTATE_PASSWORD` or
/// `VMROTATE_PASSWORD_FILE`, `VMROTATE_THUMBPRINT`, `VMROTATE_CA_FILE`, `VMROTATE_INSECURE`.
///
/// Raises as `connect()` does; `ValueError` when `VMROTATE_URL` is unset or a variable is
/// invalid.
#[pyfunction]
pub(crate) fn from_env(py: Python<'_>) -> PyResult<Client> {
    let options = ConnectOptions::from_env().map_err(|error| to_py_err(py, &error))?;
    Client::connect(py, &options)
}

/// A connected vCenter client (from `connect()` or `from_env()`). Use it as a context manager,
/// or call `close()`, to log out.
///
/// Every call releases the interpreter while it waits on the network, so other Python threads
/// run meanwhile, and one client may be used from several threads.
///
/// Ctrl-C (`KeyboardInterrupt`, or another exception a signal handler raises) stops a call.
/// `backup`, `backup_all` and `prune` stop cooperatively first: the run cancels its clone task,
/// waits for it to end (at most two minutes), deletes a clone it had not verified and removes
/// its snapshot; what it cleaned up is logged (logger `vmrotate`), then the exception is
/// raised. A second Ctrl-C meanwhile raises at once (the next run clears what is left). Other
/// calls raise at once: `list_backups` and `find_vms` change nothing; an interrupted `restore`
/// leaves its clone task running in vCenter.
#[pyclass(module = "vmrotate", frozen)]
pub(crate) struct Client {
    /// `None` once closed.
    session: Mutex<Option<vsphere_client::Client>>,
    /// Whether the client logged in itself (then closing logs out) rather than attaching to a
    /// session handed over by another tool.
    owns_session: bool,
    url: String,
    runtime: Runtime,
}

impl Client {
    fn connect(py: Python<'_>, options: &ConnectOptions) -> PyResult<Self> {
        let runtime = Runtime::start()?;
        let session = runtime
            .wait(py, options.connect())?
            .map_err(|error| to_py_err(py, &error))?;
        Ok(Self {
            session: Mutex::new(Some(session)),
            owns_session: options.session_cookie.is_none(),
            url: options.url.clone(),
            runtime,
        })
    }

    fn session(&self) -> MutexGuard<'_, Option<vsphere_client::Client>> {
        // The lock guards a plain value that no panic can leave half-written.
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The open session, or `VmRotateError` once closed.
    fn open(&self, py: Python<'_>) -> PyResult<vsphere_client::Client> {
        self.session().clone().ok_or_else(|| {
            let closed =
                vsphere_client::Error::Session(vsphere_client::error::SessionError::Closed);
            to_py_err(py, &vmrotate::Error::Vsphere(closed))
        })
    }

    /// Runs `operation` on the open session with the interpreter released.
    fn call<T, F, Fut>(&self, py: Python<'_>, operation: F) -> PyResult<T>
    where
        F: FnOnce(vsphere_client::Client) -> Fut,
        Fut: Future<Output = Result<T, vmrotate::Error>> + Send,
        T: Send,
    {
        let session = self.open(py)?;
        self.runtime
            .wait(py, operation(session))?
            .map_err(|error| to_py_err(py, &error))
    }

    /// Runs `job` (one backup, several, or a prune, given `options`) on the open session with
    /// the interpreter released, sending its events to `on_event`. Ctrl-C requests
    /// `options.stop` and raises once the job has cleaned up (see `Runtime::wait_run`).
    fn run_job<T, F, Fut>(
        &self,
        py: Python<'_>,
        on_event: Option<Py<PyAny>>,
        options: RunOptions,
        job: F,
    ) -> PyResult<T>
    where
        F: FnOnce(vsphere_client::Client, Option<EventSink>, RunOptions) -> Fut + Send + 'static,
        Fut: Future<Output = T>,
        T: Send + StopSummary + 'static,
    {
        let session = self.open(py)?;
        let stop = options.stop.clone();
        self.runtime.wait_run(py, &stop, move || {
            job(session, on_event.map(events::sink), options)
        })
    }
}

#[pymethods]
impl Client {
    /// The names of every VM, or of those whose name starts with `prefix`, sorted.
    #[pyo3(signature = (prefix = None))]
    fn find_vms(&self, py: Python<'_>, prefix: Option<String>) -> PyResult<Vec<String>> {
        self.call(py, |session| async move {
            vmrotate::find_vms(&session, prefix.as_deref()).await
        })
    }

    /// Backs up the VM `vm` onto `datastores` (consecutive generations alternate between
    /// them) and rotates its clones: snapshot, clone born marked, verify, the plan's deletes,
    /// snapshot removed.
    ///
    /// The settings are those of a jobs file's `[[job]]`: `mode` `"safe"` or `"compat"`,
    /// `vm_match` `"exact"` or `"prefix"`, `clone_kind` `"full"` or `"linked"`, `folder`
    /// (default `vmrotate-backups`), `utc` for UTC stamps (default: local time), `timeouts` a
    /// dict such as `{"clone": "2h"}`. `dry_run` checks and plans only. `at` (an aware
    /// `datetime`) is the time the run counts as taken at (default: now). `on_event` is called
    /// with each progress event, a `dict`, as it happens.
    ///
    /// `retention` (a `Retention`) makes a retention backup instead of a slot one: the new
    /// clone carries no slot, and the policy, run as at `at`, deletes the VM's retention clones
    /// it removes (the report's `retention` holds its decision). It excludes `slots` and
    /// compat mode.
    ///
    /// A failed run returns a report with `ok` false and its `error`; invalid settings raise
    /// `ValueError` (`PlanError` for impossible `slots`) before anything is changed.
    #[pyo3(signature = (
        vm, datastores, *, slots = 4, retention = None, prefix = "zz_", folder = None,
        mode = "safe", vm_match = "exact", clone_kind = "full", host = None,
        resource_pool = None, quiesce = false, utc = false, free_space_margin = 0.1,
        force = false, timeouts = None, dry_run = false, at = None, on_event = None,
    ))]
    #[allow(clippy::too_many_arguments)] // one per keyword argument of the Python method
    fn backup(
        &self,
        py: Python<'_>,
        vm: String,
        datastores: Vec<String>,
        slots: i64,
        retention: Option<PyRef<'_, Retention>>,
        prefix: &str,
        folder: Option<String>,
        mode: &str,
        vm_match: &str,
        clone_kind: &str,
        host: Option<String>,
        resource_pool: Option<String>,
        quiesce: bool,
        utc: bool,
        free_space_margin: f64,
        force: bool,
        timeouts: Option<Bound<'_, PyAny>>,
        dry_run: bool,
        at: Option<Bound<'_, PyAny>>,
        on_event: Option<Py<PyAny>>,
    ) -> PyResult<Report> {
        let mut job = JobConfig::new(vm, datastores);
        job.slots = slot_count(py, slots)?;
        job.retention = retention.map(|retention| retention.config().clone());
        job.prefix = prefix.to_owned();
        job.folder = folder.unwrap_or(job.folder);
        job.mode = choice("mode", mode)?;
        job.vm_match = choice("vm_match", vm_match)?;
        job.clone_kind = choice("clone_kind", clone_kind)?;
        job.host = host;
        job.resource_pool = resource_pool;
        job.quiesce = quiesce.into();
        job.stamp_zone = if utc {
            vmrotate::StampZone::Utc
        } else {
            vmrotate::StampZone::Local
        };
        job.free_space_margin = free_space_margin;
        job.force = force;
        if let Some(timeouts) = timeouts {
            job.timeouts = from_python("timeouts", &timeouts)?;
        }
        job.validate().map_err(|error| to_py_err(py, &error))?;
        let options = run_options(1, dry_run, at)?;
        self.run_job(py, on_event, options, |session, sink, options| async move {
            vmrotate::backup(&session, &job, &options, sink).await
        })
        .map(Report::from)
    }

    /// Applies `retention` (a `Retention`) to the retention clones of the VM `vm` and deletes
    /// those it removes, without a new backup, as `vmrotate prune` does.
    ///
    /// The policy runs as at `at` (an aware `datetime`, default: now) over the clones whose
    /// marker names `vm` and a retention policy; slot clones and other VMs' backups are never
    /// counted nor touched. The report's `retention` is the decision, its `deleted` the clones
    /// deleted. A live backup's lock refuses the prune; a powered-on clone is refused unless
    /// `force`. `dry_run` decides only. `on_event` as for `backup()`.
    ///
    /// A failed prune returns a report with `ok` false and its `error`.
    #[pyo3(signature = (
        vm, retention, *, prefix = "zz_", force = false, dry_run = false, at = None,
        on_event = None,
    ))]
    #[allow(clippy::too_many_arguments)] // one per keyword argument of the Python method
    fn prune(
        &self,
        py: Python<'_>,
        vm: String,
        retention: PyRef<'_, Retention>,
        prefix: &str,
        force: bool,
        dry_run: bool,
        at: Option<Bound<'_, PyAny>>,
        on_event: Option<Py<PyAny>>,
    ) -> PyResult<Report> {
        let mut job = JobConfig::new(vm, Vec::new());
        job.prefix = prefix.to_owned();
        job.force = force;
        job.retention = Some(retention.config().clone());
        let options = run_options(1, dry_run, at)?;
        self.run_job(py, on_event, options, |session, sink, options| async move {
            vmrotate::prune(&session, &job, &options, sink).await
        })
        .map(Report::from)
    }

    /// Backs up several VMs, `parallel` at a time, at most `clones_per_host` clones at once
    /// from one host and `clones_per_datastore` onto one datastore (further jobs wait); one
    /// VM's failure does not stop the others. The jobs share one reading of the inventory.
    /// Each job is a `dict` with the keys of a jobs file's `[[job]]` table (`vm` and
    /// `datastores` required; `slots`, `prefix`, `folder`, `mode`, `vm_match`, `clone_kind`,
    /// `host`, `resource_pool`, `quiesce`, `stamp_zone` (`"local"` or `"utc"`), `timeouts`,
    /// `free_space_margin`, `force`, `retention` as `{"flavor": "restic", "rules":
    /// {"keep_daily": 7}, "zone": ...}`). `dry_run`, `at` and `on_event` as for `backup()`.
    ///
    /// `notify` (the keys of a jobs file's `[notify]` table: `when`, `timeout`, `email`,
    /// `webhook`) sends one e-mail and one webhook call about the run; `metrics` (the keys of
    /// `[metrics]`: `textfile`, `pushgateway`) writes its Prometheus metrics. A failed delivery
    /// never raises nor changes `ok`: it is in the report's `notifications`.
    ///
    /// Invalid jobs or settings raise `ValueError` before anything is changed.
    #[pyo3(signature = (
        jobs, *, parallel = 2, clones_per_host = 2, clones_per_datastore = 2, dry_run = false,
        at = None, on_event = None, notify = None, metrics = None,
    ))]
    #[allow(clippy::too_many_arguments)] // one per keyword argument of the Python method
    fn backup_all(
        &self,
        py: Python<'_>,
        jobs: Bound<'_, PyAny>,
        parallel: usize,
        clones_per_host: usize,
        clones_per_datastore: usize,
        dry_run: bool,
        at: Option<Bound<'_, PyAny>>,
        on_event: Option<Py<PyAny>>,
        notify: Option<Bound<'_, PyAny>>,
        metrics: Option<Bound<'_, PyAny>>,
    ) -> PyResult<RunReport> {
        let jobs: Vec<JobConfig> = from_python("jobs", &jobs)?;
        vmrotate::validate_jobs(&jobs).map_err(|error| to_py_err(py, &error))?;
        let notify: Option<NotifyConfig> = notify
            .map(|notify| from_python("notify", &notify))
            .transpose()?;
        let metrics: Option<MetricsConfig> = metrics
            .map(|metrics| from_python("metrics", &metrics))
            .transpose()?;
        let invalid = |error: vmrotate::Error| to_py_err(py, &error);
        notify
            .as_ref()
            .map(NotifyConfig::validate)
            .transpose()
            .map_err(invalid)?;
        metrics
            .as_ref()
            .map(MetricsConfig::validate)
            .transpose()
            .map_err(invalid)?;
        let options = RunOptions {
            clones_per_host,
            clones_per_datastore,
            ..run_options(parallel, dry_run, at)?
        };
        self.run_job(py, on_event, options, |session, sink, options| async move {
            let mut run = vmrotate::backup_all(&session, &jobs, &options, sink).await;
            let (notify, metrics) = (notify.as_ref(), metrics.as_ref());
            vmrotate::notify::deliver(&session, &jobs, &mut run, notify, metrics).await;
            run
        })
        .map(RunReport::from)
    }

    /// The backups of the VM `vm`, or of every VM that has some; clones are named
    /// `<prefix><vm>-<NN>-<yyyyMMddHHmm>`. Raises `NotFoundError` for a `vm` that neither
    /// exists nor has backups.
    #[pyo3(signature = (vm = None, *, prefix = "zz_"))]
    fn list_backups(
        &self,
        py: Python<'_>,
        vm: Option<String>,
        prefix: &str,
    ) -> PyResult<Vec<VmBackups>> {
        let vms: Vec<String> = vm.into_iter().collect();
        let prefix = prefix.to_owned();
        let listed = self.call(py, |session| async move {
            vmrotate::list_backups(&session, &vms, &prefix).await
        })?;
        Ok(listed.into_iter().map(VmBackups::from).collect())
    }

    /// Restores the backup `clone` as a new VM: a full copy (default), or with `register_only`
    /// the backup's own files registered on a host (the backup then becomes the VM). Never
    /// replaces a VM. `new_name` defaults to `<vm>-restored-<yyyyMMddHHmm>`; `host`,
    /// `datastore` to the backup's; `folder` (created if missing) to the datacenter's VM
    /// folder.
    ///
    /// Raises `NotFoundError` for an unknown backup, host or datastore, `VmRotateError` with
    /// kind `refused` when the new name is taken.
    #[pyo3(signature = (
        clone, *, new_name = None, host = None, datastore = None, folder = None,
        power_on = false, register_only = false,
    ))]
    #[allow(clippy::too_many_arguments)] // one per keyword argument of the Python method
    fn restore(
        &self,
        py: Python<'_>,
        clone: String,
        new_name: Option<String>,
        host: Option<String>,
        datastore: Option<String>,
        folder: Option<String>,
        power_on: bool,
        register_only: bool,
    ) -> PyResult<RestoreReport> {
        let request = RestoreRequest {
            clone,
            new_name,
            host,
            datastore,
            folder,
            power_on,
            register_only,
            stop: vmrotate::Stop::new(),
        };
        // Ctrl-C stops the copy cooperatively: cancelled, what it made deleted, the lock gone.
        let session = self.open(py)?;
        let stop = request.stop.clone();
        self.runtime
            .wait_run(py, &stop, move || async move {
                vmrotate::restore(&session, &request).await
            })?
            .map(RestoreReport::from)
            .map_err(|error| to_py_err(py, &error))
    }

    /// Removes the snapshots of vmrotate runs (the VM's backup lock) from `vm` at once, e.g.
    /// after a crashed run; returns their names. A user's snapshots are never touched.
    ///
    /// A live lock (a run in progress, or vCenter still running a task of one on the VM) is
    /// refused with `VmRotateError` of kind `locked`, naming its holder, unless `force`.
    #[pyo3(signature = (vm, *, force = false))]
    fn unlock(&self, py: Python<'_>, vm: String, force: bool) -> PyResult<Vec<String>> {
        self.call(py, |session| async move {
            vmrotate::unlock(&session, &vm, force).await
        })
    }

    /// Logs out (a session handed over with `session_cookie=` is left to its owner) and
    /// closes the client; later calls raise `VmRotateError`. Closing twice does nothing.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let Some(session) = self.session().take() else {
            return Ok(());
        };
        if !self.owns_session {
            return Ok(());
        }
        self.runtime
            .wait(py, session.close())?
            .map_err(|error| to_py_err(py, &vmrotate::Error::Vsphere(error)))
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.session().is_none()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the client; exceptions raised in the `with` block propagate.
    #[pyo3(signature = (*_exc_info))]
    fn __exit__(&self, py: Python<'_>, _exc_info: Bound<'_, PyAny>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        let state = if self.closed() { "closed" } else { "open" };
        format!("<vmrotate.Client {} ({state})>", self.url)
    }
}

/// How a backup call runs: `parallel` VMs at a time, maybe a dry run, maybe at a given time.
fn run_options(
    parallel: usize,
    dry_run: bool,
    at: Option<Bound<'_, PyAny>>,
) -> PyResult<RunOptions> {
    Ok(RunOptions {
        parallel,
        dry_run,
        at: at.map(|at| from_datetime("at", &at)).transpose()?,
        ..RunOptions::default()
    })
}
