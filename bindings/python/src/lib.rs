//! Python bindings of vmrotate: the extension module `vmrotate._native` behind the `vmrotate`
//! package (its Python half, exceptions and type stubs are in `python/vmrotate/`).
//!
//! Every class and function wraps the public API of the `vmrotate` crate; nothing here decides
//! anything about backups. The modules:
//!
//! | module | wraps |
//! |---|---|
//! | `policy` | `rotation_core::SlotRotation` and its `Plan` (offline) |
//! | `retention` | `vmrotate::RetentionConfig`'s policy and its `Decision` (offline) |
//! | `client` | connecting (`ConnectOptions`) and the operations of a connected client |
//! | `reports` | what the operations return, each with `to_dict()` in the JSON schema of `docs/report-schema.md` |
//! | `events` | progress events, delivered to a Python callable |
//! | `errors` | `vmrotate::Error` as the Python exception tree |
//! | `runtime` | the Tokio runtime of a client, waited on with the interpreter released |
//! | `convert` | values to and from Python: JSON-shaped data, `datetime`, option names |
//! | `logging` | Rust `log` records into Python's `logging` (logger `vmrotate`) |

mod client;
mod convert;
mod errors;
mod events;
mod logging;
mod policy;
mod reports;
mod retention;
mod runtime;

use pyo3::prelude::*;

/// The native half of the `vmrotate` package; import `vmrotate`, not this module.
#[pymodule]
#[pyo3(name = "_native")]
fn native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install(module.py())?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_class::<policy::SlotRotation>()?;
    module.add_class::<policy::Plan>()?;
    module.add_class::<policy::Action>()?;
    module.add_class::<retention::Retention>()?;
    module.add_class::<retention::RetentionDecision>()?;
    module.add_class::<client::Client>()?;
    module.add_class::<reports::Report>()?;
    module.add_class::<reports::RunReport>()?;
    module.add_class::<reports::ErrorReport>()?;
    module.add_class::<reports::VmBackups>()?;
    module.add_class::<reports::Generation>()?;
    module.add_class::<reports::RestoreReport>()?;
    module.add_function(wrap_pyfunction!(client::connect, module)?)?;
    module.add_function(wrap_pyfunction!(client::from_env, module)?)?;
    Ok(())
}
