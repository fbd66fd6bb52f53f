//! The Tokio runtime of a client, and waiting on it with the interpreter released.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;
use tokio::runtime::Handle;
use tokio::sync::oneshot;
use vmrotate::{Stop, StopReason};

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

/// What a run that was stopped says about it, to log before the signal's exception is raised.
pub(crate) trait StopSummary {
    /// The messages of the runs that ended stopped (what each cleaned up).
    fn stopped(&self) -> Vec<String>;
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
    /// dropped and `KeyboardInterrupt` raised. For calls that change nothing, or that cannot
    /// stop cooperatively; runs use [`wait_run`](Self::wait_run).
    ///
    /// # Errors
    /// `KeyboardInterrupt` (or what a signal handler raised); `RuntimeError` when called from
    /// inside a runtime, e.g. from an `on_event` callback.
    pub(crate) fn wait<F>(&self, py: Python<'_>, future: F) -> PyResult<F::Output>
    where
        F: Future + Send,
        F::Output: Send,
    {
        outside_runtime()?;
        let (output, _) = self.block_on(py, None, future)?;
        Ok(output)
    }

    /// Runs the future `start` makes, a run given `stop` in its options, as
    /// [`wait`](Self::wait) does, except that a signal (Ctrl-C) requests `stop` and the wait
    /// goes on until the run has cleaned up (cancelled its clone task, deleted an unverified
    /// clone, removed its snapshot); what it cleaned up is logged (logger `vmrotate`), then the
    /// signal's exception is raised. A second signal meanwhile raises at once, dropping the
    /// run (the next run clears what it left).
    ///
    /// The run goes on a thread of the runtime's blocking pool, so its `on_event` callbacks
    /// never run on the main thread, where Python would deliver a signal into them instead of
    /// to this wait.
    ///
    /// # Errors
    /// As [`wait`](Self::wait); `RuntimeError` if the run panicked.
    pub(crate) fn wait_run<S, F>(
        &self,
        py: Python<'_>,
        stop: &Stop,
        start: S,
    ) -> PyResult<F::Output>
    where
        S: FnOnce() -> F + Send + 'static,
        F: Future,
        F::Output: Send + StopSummary + 'static,
    {
        outside_runtime()?;
        // Dropping `_abandon` (when this returns) drops a run still going.
        let (_abandon, abandoned) = oneshot::channel::<()>();
        let handle = self.handle.clone();
        let run = self.handle.spawn_blocking(move || {
            handle.block_on(async move {
                tokio::select! {
                    output = start() => Some(output),
                    _ = abandoned => None,
                }
            })
        });
        let (joined, signalled) = self.block_on(py, Some(stop), run)?;
        let output = joined.ok().flatten().ok_or_else(|| {
            PyRuntimeError::new_err(
                "vmrotate panicked during the run: a bug in vmrotate, please report it",
            )
        })?;
        match signalled {
            None => Ok(output),
            Some(signal) => {
                for message in output.stopped() {
                    log::warn!("{message}");
                }
                Err(signal)
            }
        }
    }

    /// Runs `future` with the interpreter released, checking for signals; with `stop`, the
    /// first signal requests it and is returned beside the output instead of ending the wait.
    fn block_on<F>(
        &self,
        py: Python<'_>,
        stop: Option<&Stop>,
        future: F,
    ) -> PyResult<(F::Output, Option<PyErr>)>
    where
        F: Future + Send,
        F::Output: Send,
    {
        py.detach(|| {
            self.handle.block_on(async {
                let mut future = pin!(future);
                let mut signalled: Option<PyErr> = None;
                loop {
                    tokio::select! {
                        output = &mut future => return Ok((output, signalled)),
                        () = tokio::time::sleep(SIGNAL_CHECK_INTERVAL) => {
                            let Err(signal) = Python::attach(|py| py.check_signals()) else {
                                continue;
                            };
                            match stop {
                                Some(stop) if signalled.is_none() => {
                                    stop.request(Python::attach(|py| reason(py, &signal)));
                                    signalled = Some(signal);
                                }
                                _ => return Err(signal),
                            }
                        }
                    }
                }
            })
        })
    }
}

/// Refuses a call from inside a runtime: from an `on_event` callback, which runs inside the
/// run it reports on.
fn outside_runtime() -> PyResult<()> {
    if Handle::try_current().is_ok() {
        return Err(PyRuntimeError::new_err(
            "a vmrotate client cannot be called from an on_event callback: return from the \
             callback quickly and call the client after the run",
        ));
    }
    Ok(())
}

/// The reason to stop for the exception a signal handler raised: `Interrupt` for
/// `KeyboardInterrupt` (Ctrl-C), `Cancel` for another handler's exception.
fn reason(py: Python<'_>, signal: &PyErr) -> StopReason {
    if signal.is_instance_of::<PyKeyboardInterrupt>(py) {
        StopReason::Interrupt
    } else {
        StopReason::Cancel
    }
}

impl StopSummary for vmrotate::Report {
    fn stopped(&self) -> Vec<String> {
        self.error
            .iter()
            .filter(|error| error.kind == vmrotate::ErrorKind::Stopped)
            .map(|error| format!("{}: {}", self.vm, error.message))
            .collect()
    }
}

impl<T> StopSummary for Result<T, vmrotate::Error> {
    fn stopped(&self) -> Vec<String> {
        match self {
            Err(error @ vmrotate::Error::Stopped(_)) => vec![error.to_string()],
            _ => Vec::new(),
        }
    }
}

impl StopSummary for vmrotate::RunReport {
    fn stopped(&self) -> Vec<String> {
        self.reports.iter().flat_map(StopSummary::stopped).collect()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.owner.take() {
            runtime.shutdown_background();
        }
    }
}
