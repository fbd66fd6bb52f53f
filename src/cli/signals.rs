//! Stopping cleanly on a signal: SIGINT, SIGTERM and SIGHUP on Unix; Ctrl-C, Ctrl-Break and
//! the console's close, logoff and shutdown events on Windows. The first asks the runs to
//! stop ([`Stop`]): they cancel the running task, wait for it to end (at most
//! [`vmrotate::STOP_WAIT`]), delete a clone they had not verified and remove their snapshot.
//! A second one ends the process at once: it may leave a snapshot and an unverified clone,
//! which the next run clears (docs/backup-job.md, "Stopping").

use std::io;

use vmrotate::{Stop, StopReason};

/// Starts watching for the stop signals on the current Tokio runtime, asking `stop` on the
/// first and ending the process on the second.
///
/// # Errors
/// When the signal handlers cannot be installed.
pub(super) fn watch(stop: &Stop) -> io::Result<()> {
    let mut signals = Signals::new()?;
    let stop = stop.clone();
    tokio::spawn(async move {
        let first = signals.next().await;
        stop.request(first);
        eprintln!(
            "vmrotate: {first} received: stopping cleanly (cancelling the running task, deleting \
             an unverified clone, removing the snapshot; at most {} s per VM); send it again to \
             end at once",
            vmrotate::STOP_WAIT.as_secs()
        );
        let second = signals.next().await;
        eprintln!(
            "vmrotate: {second} received again: ending at once; the next run removes what is \
             left (the snapshot, an unverified clone)"
        );
        std::process::exit(second.exit_code());
    });
    Ok(())
}

#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    async fn next(&mut self) -> StopReason {
        tokio::select! {
            _ = self.interrupt.recv() => StopReason::Interrupt,
            _ = self.terminate.recv() => StopReason::Terminate,
            _ = self.hangup.recv() => StopReason::Hangup,
        }
    }
}

#[cfg(windows)]
struct Signals {
    ctrl_c: tokio::signal::windows::CtrlC,
    ctrl_break: tokio::signal::windows::CtrlBreak,
    close: tokio::signal::windows::CtrlClose,
    logoff: tokio::signal::windows::CtrlLogoff,
    shutdown: tokio::signal::windows::CtrlShutdown,
}

#[cfg(windows)]
impl Signals {
    fn new() -> io::Result<Self> {
        use tokio::signal::windows;
        Ok(Self {
            ctrl_c: windows::ctrl_c()?,
            ctrl_break: windows::ctrl_break()?,
            close: windows::ctrl_close()?,
            logoff: windows::ctrl_logoff()?,
            shutdown: windows::ctrl_shutdown()?,
        })
    }

    /// Ctrl-C and Ctrl-Break count as an interrupt; the console closing, the user logging off
    /// and the system shutting down (Task Scheduler's "End" among them) as a termination.
    /// Windows ends the process a few seconds after the last three whatever it does.
    async fn next(&mut self) -> StopReason {
        tokio::select! {
            _ = self.ctrl_c.recv() => StopReason::Interrupt,
            _ = self.ctrl_break.recv() => StopReason::Interrupt,
            _ = self.close.recv() => StopReason::Terminate,
            _ = self.logoff.recv() => StopReason::Terminate,
            _ = self.shutdown.recv() => StopReason::Terminate,
        }
    }
}
