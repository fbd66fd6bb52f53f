//! The Tokio runtime of a client, and waiting on it with the interpreter released.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::runtime::Handle;

/// The worker threads of a client's runtime: the calls wait on the network, so two suffice
/// for `backup_all`'s default of two VMs at a time.
const WORKER_THREADS: usize = 2;

/// How often a wait looks for a signal (Ctrl-C) to deliver to Python.
const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// One client's Tokio runtime. Dropping it does not wait for its threads (they may be waiting
/// for the interpreter, which the dropping thread holds).
pub(crate) struct Runtime {
    handle: Handle,
    /// Always `Some` until dropped; an `Option` only to shut down in the background.
    owner: Option<tokio::runtime::Runtime>,
}

impl Runtime {
    /// Starts a runtime with its worker threads.
    pub(crate) fn start() -> PyResult<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name("vmrotate")
            .enable_all()
            .build()
            .map_err(|error| {
                PyRuntimeError::new_err(format!("cannot start vmrotate's I/O threads: {error}"))
            })?;
        Ok(Self {
            handle: runtime.handle().clone(),
            owner: Some(runtime),
        })
    }

    /// Runs `future` to completion with the interpreter released, so other Python threads run
    /// meanwhile. Looks for signals every [`SIGNAL_CHECK_INTERVAL`]: on Ctrl-C the future is
    /// dropped (what that leaves behind is as the dropped Rust future documents) and
    /// `KeyboardInterrupt` raised.
    ///
    /// # Errors
    /// `KeyboardInterrupt` (or what a signal handler raised); `RuntimeError` when called from
    /// inside a runtime, e.g. from an `on_event` callback.
    pub(crate) fn wait<F>(&self, py: Python<'_>, future: F) -> PyResult<F::Output>
    where
        F: Future + Send,
        F::Output: Send,
    {
        if Handle::try_current().is_ok() {
            return Err(PyRuntimeError::new_err(
                "a vmrotate client cannot be called from an on_event callback: return from the \
                 callback quickly and call the client after the run",
            ));
        }
        py.detach(|| {
            self.handle.block_on(async {
                let mut future = pin!(future);
                loop {
                    tokio::select! {
                        output = &mut future => return Ok(output),
                        () = tokio::time::sleep(SIGNAL_CHECK_INTERVAL) => {
                            Python::attach(|py| py.check_signals())?;
                        }
                    }
                }
            })
        })
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.owner.take() {
            runtime.shutdown_background();
        }
    }
}
