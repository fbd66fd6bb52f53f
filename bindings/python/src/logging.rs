//! Rust `log` records into Python's `logging`: every record of vmrotate and of its vSphere client
//! goes to a child of the logger `vmrotate`, named after the Rust module (e.g.
//! `vmrotate.vsphere_client.client`). No record contains a password or a session cookie (the
//! crates never log them).

use pyo3::prelude::*;
use pyo3_log::{Caching, Logger};

/// The parent of every logger the records go to.
const LOGGER: &str = "vmrotate";

/// Sends Rust log records to Python's `logging` from now on.
///
/// Levels are asked of Python for each record (no level caching), so a script may configure
/// `logging` at any time. When another extension module installed its own bridge first, the
/// records keep going there.
pub(crate) fn install(py: Python<'_>) -> PyResult<()> {
    let logger = Logger::new(py, Caching::Loggers)?.set_prefix(LOGGER);
    // Err means a Rust logger is installed already (by another extension): it keeps the records.
    let _already_installed = logger.install();
    Ok(())
}
