//! What the client's operations return. Each class has `to_dict()`: the JSON form the command
//! line prints with `--json` (`docs/report-schema.md`), so every language shares one schema.

use pyo3::prelude::*;

use crate::convert::{same_data, to_datetime, to_python};
use crate::policy::Plan;
use crate::retention::RetentionDecision;

/// The outcome of one VM's backup run: what was planned, made and deleted, and what went wrong.
/// A failed run is a report with `ok` false and an `error`, not an exception.
#[pyclass(module = "vmrotate", frozen)]
pub(crate) struct Report(vmrotate::Report);

impl From<vmrotate::Report> for Report {
    fn from(report: vmrotate::Report) -> Self {
        Self(report)
    }
}

#[pymethods]
impl Report {
    /// Equal when the data is (what `to_dict()` returns).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Self>()
            .is_ok_and(|other| same_data(&self.0, &other.get().0))
    }

    /// The VM, as the job names it.
    #[getter]
    fn vm(&self) -> &str {
        &self.0.vm
    }

    /// The run's id (in its snapshot's name and its clone's marker).
    #[getter]
    fn run(&self) -> &str {
        &self.0.run
    }

    /// Whether the run succeeded: the new clone exists and is verified, every planned delete
    /// was done and the snapshot removed (for a dry run: the checks passed).
    #[getter]
    fn ok(&self) -> bool {
        self.0.ok
    }

    /// Whether this was a dry run: nothing was changed.
    #[getter]
    fn dry_run(&self) -> bool {
        self.0.dry_run
    }

    /// The rotation's plan, once made.
    #[getter]
    fn plan(&self) -> Option<Plan> {
        self.0.plan.clone().map(Plan::from)
    }

    /// The retention policy's decision over the VM's retention clones, once made (retention
    /// backups and prunes only): the clones kept, with the rules that keep them, and those
    /// removed.
    #[getter]
    fn retention(&self) -> Option<RetentionDecision> {
        self.0.retention.clone().map(RetentionDecision::from)
    }

    /// The datastore chosen for the new clone, once chosen.
    #[getter]
    fn datastore(&self) -> Option<&str> {
        self.0.datastore.as_deref()
    }

    /// The new clone, if it was made.
    #[getter]
    fn created(&self) -> Option<&str> {
        self.0.created.as_deref()
    }

    /// The old clones deleted, in order.
    #[getter]
    fn deleted(&self) -> Vec<String> {
        self.0.deleted.clone()
    }

    /// The unverified clones the run found (left by a killed run or a failed verification) and
    /// what it did with each: dicts with `name`, `outcome` (`"verified"`, `"deleted"` or
    /// `"left_alone"`) and `reason`.
    #[getter]
    fn unverified<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.unverified)
    }

    /// Whether the run's snapshot was removed (false when none was taken).
    #[getter]
    fn snapshot_removed(&self) -> bool {
        self.0.snapshot_removed
    }

    /// Things to know that did not stop the run.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.0.warnings.clone()
    }

    /// Why the run failed, if it did.
    #[getter]
    fn error(&self) -> Option<ErrorReport> {
        self.0.error.clone().map(ErrorReport)
    }

    /// When the run started (this machine's clock), in UTC.
    #[getter]
    fn started<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, self.0.started)
    }

    /// When the run ended (this machine's clock), in UTC.
    #[getter]
    fn finished<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, self.0.finished)
    }

    /// The report as plain data, as in `vmrotate backup --json`'s `reports`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<Report vm={:?} ok={} created={:?} deleted={:?}>",
            self.0.vm, self.0.ok, self.0.created, self.0.deleted
        )
    }
}

/// The outcome of backing up several VMs: one report per job, in the order given.
#[pyclass(module = "vmrotate", frozen)]
pub(crate) struct RunReport(vmrotate::RunReport);

impl From<vmrotate::RunReport> for RunReport {
    fn from(report: vmrotate::RunReport) -> Self {
        Self(report)
    }
}

#[pymethods]
impl RunReport {
    /// Equal when the data is (what `to_dict()` returns).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Self>()
            .is_ok_and(|other| same_data(&self.0, &other.get().0))
    }

    /// Whether every VM's run succeeded.
    #[getter]
    fn ok(&self) -> bool {
        self.0.ok
    }

    /// One report per job, in the order the jobs were given.
    #[getter]
    fn reports(&self) -> Vec<Report> {
        self.0.reports.iter().cloned().map(Report).collect()
    }

    /// The notifications sent about the run (`notify=`, `metrics=`), as plain data: each a
    /// `dict` with `channel`, `ok` and `error`.
    #[getter]
    fn notifications<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.notifications)
    }

    /// The run as plain data, exactly what `vmrotate backup --json` prints.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<RunReport ok={} vms={:?}>",
            self.0.ok,
            self.0
                .reports
                .iter()
                .map(|report| &report.vm)
                .collect::<Vec<_>>()
        )
    }
}

/// Why a backup run failed.
#[pyclass(module = "vmrotate", frozen)]
pub(crate) struct ErrorReport(vmrotate::ErrorReport);

#[pymethods]
impl ErrorReport {
    /// Equal when the data is (what `to_dict()` returns).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Self>()
            .is_ok_and(|other| same_data(&self.0, &other.get().0))
    }

    /// What kind of failure: `config`, `not_found`, `ambiguous`, `preflight`, `login`, `tls`,
    /// `locked`, `refused`, `verify`, `incomplete`, `timeout`, `stopped` or `vsphere` (see
    /// `VmRotateError.kind`).
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind.name()
    }

    /// What went wrong and what to do, in one message.
    #[getter]
    fn message(&self) -> &str {
        &self.0.message
    }

    /// The vim25 type of the server's fault behind it, e.g. `"InvalidLogin"`, else `None`.
    #[getter]
    fn fault_type(&self) -> Option<&str> {
        self.0.fault.as_deref()
    }

    /// `fault_type` and its ancestors up to `"MethodFault"`; empty without a fault.
    #[getter]
    fn fault_ancestors(&self) -> Vec<String> {
        self.0.fault_ancestors.clone()
    }

    /// The SHA-256 thumbprint of a server certificate that was rejected, else `None`.
    #[getter]
    fn seen_thumbprint(&self) -> Option<&str> {
        self.0.seen_thumbprint.as_deref()
    }

    /// The failure as plain data, as in a report's `error`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!("<ErrorReport {:?}: {}>", self.0.kind, self.0.message)
    }
}

/// The backups of one VM: its generations and what looks wrong.
#[pyclass(module = "vmrotate", frozen)]
pub(crate) struct VmBackups(vmrotate::VmBackups);

impl From<vmrotate::VmBackups> for VmBackups {
    fn from(backups: vmrotate::VmBackups) -> Self {
        Self(backups)
    }
}

#[pymethods]
impl VmBackups {
    /// Equal when the data is (what `to_dict()` returns).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Self>()
            .is_ok_and(|other| same_data(&self.0, &other.get().0))
    }

    /// The VM (the key in its clones' names).
    #[getter]
    fn vm(&self) -> &str {
        &self.0.vm
    }

    /// Whether a VM of that name exists now.
    #[getter]
    fn exists(&self) -> bool {
        self.0.exists
    }

    /// Its generations, oldest first.
    #[getter]
    fn generations(&self) -> Vec<Generation> {
        self.0.generations.iter().cloned().map(Generation).collect()
    }

    /// What the rotation policy notices: each a `dict` with `kind`, its fields and `message`.
    #[getter]
    fn findings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.to_dict(py)?.get_item("findings")
    }

    /// What else looks wrong (`unmarked`, `damaged_marker`, `other_source`, `powered_on`,
    /// `run_snapshot`): each a `dict` with `kind`, its fields and `message`.
    #[getter]
    fn anomalies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.to_dict(py)?.get_item("anomalies")
    }

    /// The backups as plain data, as one entry of `vmrotate list --json`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<VmBackups vm={:?} generations={:?}>",
            self.0.vm,
            self.0
                .generations
                .iter()
                .map(|generation| &generation.name)
                .collect::<Vec<_>>()
        )
    }
}

/// One backup generation: a slot clone named `<prefix><vm>-<NN>-<yyyyMMddHHmm>` or a retention
/// clone named `<prefix><vm>-r-<yyyyMMdd>T<HHmmss>Z`.
#[pyclass(module = "vmrotate", frozen)]
pub(crate) struct Generation(vmrotate::Generation);

#[pymethods]
impl Generation {
    /// Equal when the data is (what `to_dict()` returns).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Self>()
            .is_ok_and(|other| same_data(&self.0, &other.get().0))
    }

    /// The clone's name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// Its rotation slot; `None` for a retention clone, which a retention policy rotates.
    #[getter]
    fn slot(&self) -> Option<u8> {
        self.0.slot.map(|slot| slot.get())
    }

    /// The time in its name, `yyyyMMddHHmm`: in the job's zone for a slot clone, in UTC for a
    /// retention clone.
    #[getter]
    fn stamp(&self) -> String {
        self.0.stamp.to_string()
    }

    /// When it was taken, exactly, from its marker (UTC); `None` without one.
    #[getter]
    fn created<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.0
            .created
            .map(|created| to_datetime(py, created))
            .transpose()
    }

    /// The datastores holding it, comma-separated.
    #[getter]
    fn datastore(&self) -> &str {
        &self.0.datastore
    }

    /// The storage it uses, in bytes.
    #[getter]
    fn size_bytes(&self) -> u64 {
        self.0.size_bytes
    }

    /// `"powered_off"`, `"powered_on"`, `"suspended"` or `"unknown"`.
    #[getter]
    fn power_state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.power_state)
    }

    /// Whether it carries vmrotate's marker (safe mode only rotates marked clones).
    #[getter]
    fn marked(&self) -> bool {
        self.0.marked
    }

    /// Whether a run verified it: `"verified"`, `"unverified"` (no run checked it yet: a killed
    /// run's clone) or `"failed"`. Only verified clones count as generations in safe mode.
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.state)
    }

    /// Its last verification record, if any: a dict with `state`, `level`, `at`, `run`,
    /// `checks` and (when failed) `problem`.
    #[getter]
    fn verification<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.verification)
    }

    /// The generation as plain data, as in `VmBackups.to_dict()["generations"]`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        match self.0.slot {
            Some(slot) => format!("<Generation {} slot {slot}>", self.0.name),
            None => format!("<Generation {} retention>", self.0.name),
        }
    }
}

/// What a restore made.
#[pyclass(module = "vmrotate", frozen)]
pub(crate) struct RestoreReport(vmrotate::RestoreReport);

impl From<vmrotate::RestoreReport> for RestoreReport {
    fn from(report: vmrotate::RestoreReport) -> Self {
        Self(report)
    }
}

#[pymethods]
impl RestoreReport {
    /// Equal when the data is (what `to_dict()` returns).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Self>()
            .is_ok_and(|other| same_data(&self.0, &other.get().0))
    }

    /// The restored VM's name.
    #[getter]
    fn vm(&self) -> &str {
        &self.0.vm
    }

    /// The backup it came from (`"from"` in `to_dict()`).
    #[getter]
    fn from_(&self) -> &str {
        &self.0.from
    }

    /// Whether the backup's own files were registered (no copy; the backup is no longer one).
    #[getter]
    fn register_only(&self) -> bool {
        self.0.register_only
    }

    /// The host it is registered on.
    #[getter]
    fn host(&self) -> &str {
        &self.0.host
    }

    /// The datastore holding its files.
    #[getter]
    fn datastore(&self) -> &str {
        &self.0.datastore
    }

    /// Whether it was powered on.
    #[getter]
    fn powered_on(&self) -> bool {
        self.0.powered_on
    }

    /// Things to know.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.0.warnings.clone()
    }

    /// The restore as plain data, as `vmrotate restore --json` prints it.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    /// What was restored, in one sentence (and its warnings), as the command line prints it.
    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __repr__(&self) -> String {
        format!("<RestoreReport vm={:?} from={:?}>", self.0.vm, self.0.from)
    }
}
