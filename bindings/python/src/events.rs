//! Progress events of backup runs, delivered to a Python callable as they happen.

use std::sync::Arc;

use pyo3::prelude::*;
use vmrotate::{Event, EventSink};

use crate::convert::to_python;

/// A sink calling `callback` with each event as a `dict` (`{"event": "clone_done", "vm": ...}`,
/// the schema of `docs/report-schema.md`), in the order the run emits them, on the thread that
/// runs the backup (attached to the interpreter for the call).
///
/// An exception raised by the callback goes to `sys.unraisablehook` (by default printed to
/// stderr) and the run goes on: progress reporting never stops a backup half-way.
pub(crate) fn sink(callback: Py<PyAny>) -> EventSink {
    Arc::new(move |event: &Event| {
        Python::attach(|py| {
            let delivered = to_python(py, event).and_then(|event| callback.call1(py, (event,)));
            if let Err(error) = delivered {
                error.write_unraisable(py, Some(callback.bind(py)));
            }
        });
    })
}
