//! Values to and from Python: serializable Rust values as plain Python data (their JSON form,
//! the one schema of every language), times as `datetime`, option names as Rust enums.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::errors::config_error;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::de::value::{Error as NameError, StrDeserializer};

/// `value` as plain Python data (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`): its
/// JSON form, documented in `docs/report-schema.md`.
///
/// # Errors
/// `RuntimeError` if `value` cannot be serialized (a bug: the library's types always can).
pub(crate) fn to_python<'py, T: Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let json = serde_json::to_string(value).map_err(|error| {
        PyRuntimeError::new_err(format!(
            "cannot convert a vmrotate value to Python ({error}): a bug in vmrotate, please \
             report it"
        ))
    })?;
    LOADS.import(py, "json", "loads")?.call1((json,))
}

/// The Rust value whose JSON form is the plain Python data `value` (e.g. a job as a `dict` with
/// the keys of a `[[job]]` table of a jobs file).
///
/// # Errors
/// `TypeError` when `value` is not JSON-shaped data; `ValueError`, naming the key, when it does
/// not describe a `T`.
pub(crate) fn from_python<T: DeserializeOwned>(
    what: &str,
    value: &Bound<'_, PyAny>,
) -> PyResult<T> {
    static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let json: String = DUMPS
        .import(value.py(), "json", "dumps")?
        .call1((value,))
        .map_err(|error| {
            PyTypeError::new_err(format!(
                "{what} must hold only dicts, lists, strings, numbers, booleans and None: {error}"
            ))
        })?
        .extract()?;
    serde_json::from_str(&json).map_err(|error| config_error(format!("invalid {what}: {error}")))
}

/// The enum value named `name` in snake case, as in jobs files (e.g. `"compat"`, `"linked"`).
///
/// # Errors
/// `ValueError` naming the accepted names.
pub(crate) fn choice<T: DeserializeOwned>(what: &str, name: &str) -> PyResult<T> {
    T::deserialize(StrDeserializer::<NameError>::new(name))
        .map_err(|error| config_error(format!("invalid {what} {name:?}: {error}")))
}

/// `timestamp` as an aware `datetime.datetime` in UTC (to the microsecond).
pub(crate) fn to_datetime(py: Python<'_>, timestamp: Timestamp) -> PyResult<Bound<'_, PyAny>> {
    let utc = timestamp.to_zoned_datetime(TimeZone::UTC);
    let microsecond = utc.subsec_nanosecond() / 1000;
    datetime_class(py)?.call1((
        utc.year(),
        utc.month(),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        microsecond,
        utc_zone(py)?,
    ))
}

/// The instant an aware `datetime.datetime` names.
///
/// # Errors
/// `TypeError` for anything but a `datetime`; `ValueError` for a naive one (no time zone).
pub(crate) fn from_datetime(what: &str, value: &Bound<'_, PyAny>) -> PyResult<Timestamp> {
    let text = aware_isoformat(what, value)?;
    text.parse()
        .map_err(|error| config_error(format!("invalid {what} {text}: {error}")))
}

/// An aware `datetime.datetime` as ISO 8601 text with its UTC offset (`isoformat()`).
///
/// # Errors
/// `TypeError` for anything but a `datetime`; `ValueError` for a naive one (no time zone).
pub(crate) fn aware_isoformat(what: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if !value.is_instance(datetime_class(value.py())?)? {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a datetime.datetime, not {}",
            value.get_type().name()?
        )));
    }
    if value.call_method0("utcoffset")?.is_none() {
        return Err(config_error(format!(
            "{what} has no time zone: pass an aware datetime, e.g. \
             datetime(2019, 9, 25, 2, 41, tzinfo=timezone.utc)"
        )));
    }
    value.call_method0("isoformat")?.extract()
}

fn datetime_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    DATETIME.import(py, "datetime", "datetime")
}

fn utc_zone(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    static TIMEZONE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    TIMEZONE.import(py, "datetime", "timezone")?.getattr("utc")
}

/// Whether `a` and `b` hold the same data, compared as their JSON (`to_dict()`), so result
/// objects compare equal by value.
pub(crate) fn same_data<T: Serialize>(a: &T, b: &T) -> bool {
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
