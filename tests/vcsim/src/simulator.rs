//! A running simulator: the launcher process, its URL, and stopping or restarting it.

use std::fmt;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::SimulatorBuilder;
use crate::error::{Error, tail};
use crate::launcher::launcher;

/// How long a stopping simulator may take before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// How often to look for the URL file or the process's exit.
const POLL: Duration = Duration::from_millis(20);
/// How many lines of the launcher's stderr an error quotes.
const STDERR_LINES: usize = 60;

/// VMware's vCenter simulator, serving on a loopback port until stopped or dropped.
///
/// Dropping it stops it gracefully (its temporary datastore directories are removed), killing it after
/// 10 s; the launcher also stops by itself if the test process dies.
///
/// ```no_run
/// let simulator = vcsim::Simulator::builder().vm_name("avocado2").start()?;
/// assert!(simulator.url().starts_with("http://127.0.0.1:"));
/// assert!(simulator.url().ends_with("/sdk"));
/// # Ok::<(), vcsim::Error>(())
/// ```
pub struct Simulator {
    config: SimulatorBuilder,
    program: PathBuf,
    /// Holds the URL file and the launcher's stdout/stderr logs.
    workdir: TempDir,
    /// `None` only after a failed restart.
    child: Option<Child>,
    url: String,
    address: String,
}

impl Simulator {
    /// A builder with the defaults described on [`SimulatorBuilder`].
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    pub(crate) fn start(config: SimulatorBuilder) -> Result<Self, Error> {
        let program = launcher()?;
        let workdir = tempfile::Builder::new()
            .prefix("vcsim-")
            .tempdir()
            .map_err(|source| {
                io_error("cannot create a directory in", std::env::temp_dir(), source)
            })?;
        let mut simulator = Self {
            config,
            program,
            workdir,
            child: None,
            url: String::new(),
            address: String::new(),
        };
        simulator.launch("127.0.0.1:0")?;
        Ok(simulator)
    }

    /// The service URL without credentials, e.g. `https://127.0.0.1:41234/sdk`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `host:port` the simulator listens on, e.g. `127.0.0.1:41234`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The only user name Login accepts.
    pub fn username(&self) -> &str {
        &self.config.username
    }

    /// The only password Login accepts.
    pub fn password(&self) -> &str {
        &self.config.password
    }

    /// The launcher's process id; `None` after a failed [`restart`](Self::restart).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Stops the simulator and starts a fresh one on the same address: sessions, tasks and every
    /// change made by the test are gone, and local datastores get new directories (and morefs).
    ///
    /// # Errors
    /// As [`SimulatorBuilder::start`]; [`Error::Exited`] also when the port was taken meanwhile.
    pub fn restart(&mut self) -> Result<(), Error> {
        self.terminate()?;
        let address = self.address.clone();
        self.launch(&address)
    }

    /// Stops the simulator and checks that it shut down cleanly.
    ///
    /// # Errors
    /// [`Error::Exited`] if it exited with a failure or had to be killed.
    pub fn stop(mut self) -> Result<(), Error> {
        match self.terminate()? {
            Some(status) if !status.success() => Err(self.exited(status, "when stopped")),
            _ => Ok(()),
        }
    }

    /// Runs the launcher listening on `listen` and waits until it announces its URL.
    fn launch(&mut self, listen: &str) -> Result<(), Error> {
        let url_file = self.workdir.path().join("url");
        match fs::remove_file(&url_file) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => {
                return Err(io_error("cannot remove", url_file, err));
            }
            _ => {}
        }
        let log = |name: &str| {
            let path = self.workdir.path().join(name);
            File::create(&path).map_err(|source| io_error("cannot create", path, source))
        };
        let child = Command::new(&self.program)
            .arg("-listen")
            .arg(listen)
            .arg("-url-file")
            .arg(&url_file)
            .arg("-watch-stdin")
            .args(self.config.args())
            .stdin(Stdio::piped())
            .stdout(log("stdout.log")?)
            .stderr(log("stderr.log")?)
            .spawn()
            .map_err(|source| io_error("cannot run", self.program.clone(), source))?;
        self.child = Some(child);
        let announced = self
            .wait_for_url(&url_file)
            .and_then(|url| match address_of(&url) {
                Some(address) => Ok((address.to_owned(), url)),
                None => Err(Error::BadUrl { url }),
            });
        match announced {
            Ok((address, url)) => {
                (self.address, self.url) = (address, url);
                Ok(())
            }
            Err(err) => {
                // The start failed already; that error says more than a failure to stop would.
                let _ = self.terminate();
                Err(err)
            }
        }
    }

    /// Polls for the URL file until the launcher writes it, exits, or the start timeout passes.
    fn wait_for_url(&mut self, url_file: &Path) -> Result<String, Error> {
        let deadline = Instant::now() + self.config.start_timeout;
        loop {
            match fs::read_to_string(url_file) {
                Ok(url) => return Ok(url.trim().to_owned()),
                Err(err) if err.kind() != io::ErrorKind::NotFound => {
                    return Err(io_error("cannot read", url_file.to_owned(), err));
                }
                Err(_) => {}
            }
            if let Some(status) = self.try_wait()? {
                return Err(self.exited(status, "before serving"));
            }
            if Instant::now() >= deadline {
                let timeout = self.config.start_timeout;
                return Err(Error::StartTimeout {
                    timeout,
                    stderr_tail: self.stderr_tail(),
                });
            }
            thread::sleep(POLL);
        }
    }

    fn try_wait(&mut self) -> Result<Option<ExitStatus>, Error> {
        match self.child.as_mut() {
            Some(child) => child
                .try_wait()
                .map_err(|source| self.process_error(source)),
            None => Ok(None),
        }
    }

    /// Stops the launcher if running: closing its stdin asks it to shut down as SIGTERM does
    /// (`-watch-stdin`); it is killed if still running after [`STOP_GRACE`]. Returns its exit status.
    fn terminate(&mut self) -> Result<Option<ExitStatus>, Error> {
        let Some(mut child) = self.child.take() else {
            return Ok(None);
        };
        drop(child.stdin.take());
        let deadline = Instant::now() + STOP_GRACE;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(POLL),
                Ok(None) => break child.kill().and_then(|()| child.wait()),
                Err(err) => break Err(err),
            }
        };
        status
            .map(Some)
            .map_err(|source| self.process_error(source))
    }

    fn exited(&self, status: ExitStatus, when: &'static str) -> Error {
        Error::Exited {
            status,
            when,
            stderr_tail: self.stderr_tail(),
        }
    }

    fn process_error(&self, source: io::Error) -> Error {
        io_error("cannot wait for", self.program.clone(), source)
    }

    fn stderr_tail(&self) -> String {
        let path = self.workdir.path().join("stderr.log");
        fs::read_to_string(&path).map_or_else(
            |err| format!("(cannot read {}: {err})", path.display()),
            |text| tail(&text, STDERR_LINES),
        )
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        // Nothing useful to do with a failure while dropping: the process is killed or already gone.
        let _ = self.terminate();
    }
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("url", &self.url)
            .field("pid", &self.pid())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The `host:port` of an `http(s)://host:port/sdk` URL.
fn address_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    rest.strip_suffix("/sdk")
        .filter(|address| address.contains(':'))
}

fn io_error(action: &'static str, path: PathBuf, source: io::Error) -> Error {
    Error::Io {
        action,
        path,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::address_of;

    #[test]
    fn address_of_takes_host_and_port_from_sdk_urls() {
        assert_eq!(
            address_of("http://127.0.0.1:4321/sdk"),
            Some("127.0.0.1:4321")
        );
        assert_eq!(
            address_of("https://127.0.0.1:4321/sdk"),
            Some("127.0.0.1:4321")
        );
        assert_eq!(address_of("ftp://127.0.0.1:4321/sdk"), None);
        assert_eq!(address_of("http://127.0.0.1:4321/"), None);
        assert_eq!(address_of("http:///sdk"), None);
    }
}
