//! `vmrotate::Error` as Python exceptions: one class per error kind.
//!
//! The classes are defined in `vmrotate/__init__.py`; every one is a `VmRotateError` carrying
//! the fields of the root crate's [`ErrorReport`] (`kind`, `fault_type`, `fault_ancestors`,
//! `seen_thumbprint`). `config` errors are `ConfigError`s, which are also `ValueError`s; those
//! of a rotation or retention that cannot be set up (a bad stamp included) are `PlanError`s.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use vmrotate::{Error, ErrorKind, ErrorReport};

/// The Python module defining the exception classes.
const EXCEPTIONS_MODULE: &str = "vmrotate";

/// `error` as the Python exception of its kind.
pub(crate) fn to_py_err(py: Python<'_>, error: &Error) -> PyErr {
    raise(py, class(error.kind()), &ErrorReport::from(error))
}

/// A `PlanError`: a rotation or retention that cannot be set up.
pub(crate) fn plan_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    raise(
        py,
        "PlanError",
        &ErrorReport::new(ErrorKind::Config, message),
    )
}

/// A `ConfigError` (a `ValueError`): an argument or setting the library rejects.
pub(crate) fn config_error(message: impl Into<String>) -> PyErr {
    Python::attach(|py| {
        raise(
            py,
            "ConfigError",
            &ErrorReport::new(ErrorKind::Config, message),
        )
    })
}

/// The class for errors of `kind`.
fn class(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Config => "ConfigError",
        ErrorKind::NotFound => "NotFoundError",
        ErrorKind::Ambiguous => "AmbiguousError",
        ErrorKind::Preflight => "PreflightError",
        ErrorKind::Login => "LoginError",
        ErrorKind::Tls => "TlsError",
        ErrorKind::Locked => "LockedError",
        ErrorKind::Refused => "RefusedError",
        ErrorKind::Verify => "VerifyError",
        ErrorKind::Incomplete => "IncompleteError",
        ErrorKind::Timeout => "TaskTimeoutError",
        ErrorKind::Stopped => "StoppedError",
        ErrorKind::Vsphere => "VsphereError",
    }
}

/// A core message with its settings (`` `datastores` ``) spelled as Python arguments.
fn spell_for_python(message: &str) -> String {
    vmrotate::spell_settings(message, |setting| Some(format!("{setting}=")))
}

/// An instance of `class` for `report`; failing to build it (vmrotate not importable?) raises
/// that failure instead.
fn raise(py: Python<'_>, class: &str, report: &ErrorReport) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("kind", report.kind.name())?;
        kwargs.set_item("fault_type", report.fault.as_deref())?;
        kwargs.set_item("fault_ancestors", &report.fault_ancestors)?;
        kwargs.set_item("seen_thumbprint", report.seen_thumbprint.as_deref())?;
        let exception = py
            .import(EXCEPTIONS_MODULE)?
            .getattr(class)?
            .call((spell_for_python(&report.message),), Some(&kwargs))?;
        Ok(PyErr::from_value(exception))
    };
    build().unwrap_or_else(|failure| failure)
}
