//! `vmrotate::Error` as Python exceptions.
//!
//! The exception classes are defined in `vmrotate/__init__.py`: `VmRotateError` (attribute
//! `kind`, the error kind of the JSON reports) and its subclasses `LoginError`, `TlsError`
//! (`seen_thumbprint`), `NotFoundError`, `FaultError` (`fault_type`, `fault_ancestors`),
//! `TaskTimeoutError`, `StoppedError` and `PlanError`. A missing or invalid setting is a `ValueError`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use vmrotate::vsphere_client::error::SessionError;
use vmrotate::vsphere_client::transport::TlsError;
use vmrotate::{Error, ErrorKind};

use crate::convert::to_python;

/// The Python module defining the exception classes.
const EXCEPTIONS_MODULE: &str = "vmrotate";

/// `error` as the Python exception to raise.
pub(crate) fn to_py_err(py: Python<'_>, error: &Error) -> PyErr {
    if let Error::Config(message) = error {
        return PyValueError::new_err(message.clone());
    }
    // Failing to build the exception (vmrotate not importable?) raises that failure instead.
    exception(py, error).unwrap_or_else(|failure| failure)
}

/// A `PlanError`: a rotation that cannot be set up.
pub(crate) fn plan_error(py: Python<'_>, message: String) -> PyErr {
    let kwargs = PyDict::new(py);
    raise(py, "PlanError", message, &kwargs, ErrorKind::Config).unwrap_or_else(|failure| failure)
}

fn exception(py: Python<'_>, error: &Error) -> PyResult<PyErr> {
    let kwargs = PyDict::new(py);
    let class = match server_error(error) {
        Some(vmrotate::vsphere_client::Error::Tls(tls)) => {
            kwargs.set_item("seen_thumbprint", seen_thumbprint(tls))?;
            "TlsError"
        }
        Some(server) if server.fault().is_some() => {
            kwargs.set_item("fault_type", server.fault_type())?;
            let ancestors: Vec<&str> = server.fault_ancestors().map(|kind| kind.name()).collect();
            kwargs.set_item("fault_ancestors", ancestors)?;
            if error.kind() == ErrorKind::Login {
                "LoginError"
            } else {
                "FaultError"
            }
        }
        Some(vmrotate::vsphere_client::Error::Session(SessionError::NotALiveSession)) => {
            "LoginError"
        }
        Some(vmrotate::vsphere_client::Error::Timeout { .. }) => "TaskTimeoutError",
        Some(vmrotate::vsphere_client::Error::NotFound { .. }) => "NotFoundError",
        _ if error.kind() == ErrorKind::NotFound => "NotFoundError",
        _ if error.kind() == ErrorKind::Stopped => "StoppedError",
        _ => "VmRotateError",
    };
    raise(py, class, error.to_string(), &kwargs, error.kind())
}

/// An instance of the exception class `class` with `message` and the attributes `kwargs`.
fn raise(
    py: Python<'_>,
    class: &str,
    message: String,
    kwargs: &Bound<'_, PyDict>,
    kind: ErrorKind,
) -> PyResult<PyErr> {
    kwargs.set_item("kind", to_python(py, &kind)?)?;
    let exception = py
        .import(EXCEPTIONS_MODULE)?
        .getattr(class)?
        .call((message,), Some(kwargs))?;
    Ok(PyErr::from_value(exception))
}

/// The error of the server or of the connection to it behind `error`, if any.
fn server_error(error: &Error) -> Option<&vmrotate::vsphere_client::Error> {
    match error {
        Error::Vsphere(server) => Some(server),
        Error::Step { source, .. } => Some(source),
        _ => None,
    }
}

/// The SHA-256 thumbprint of the certificate the server presented, when it was rejected.
fn seen_thumbprint(error: &TlsError) -> Option<String> {
    match error {
        TlsError::Untrusted { certificate, .. } | TlsError::PinMismatch { certificate, .. } => {
            Some(certificate.sha256.to_string())
        }
        _ => None,
    }
}
