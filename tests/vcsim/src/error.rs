//! What can go wrong while building, starting or stopping the simulator, or making a test certificate.

use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

/// An error of the simulator harness. Messages end with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `scripts/build-vcsim.sh` could not build the Go launcher.
    #[error(
        "cannot build the simulator launcher with {script}: {reason}; run scripts/install-deps.sh \
         (golang-go, golang-github-vmware-govmomi-dev) or set VCSIM_BIN to a built launcher"
    )]
    Build {
        /// The build script that was run.
        script: PathBuf,
        /// Why it failed, with the tail of its output.
        reason: String,
    },

    /// `VCSIM_BIN` names a file that does not exist.
    #[error(
        "VCSIM_BIN is {path}, which is not a file; build it with `VCSIM_BIN={path} \
         scripts/build-vcsim.sh` or unset VCSIM_BIN to build one under target/vcsim"
    )]
    MissingBinary {
        /// The value of `VCSIM_BIN`.
        path: PathBuf,
    },

    /// A file or process operation failed.
    #[error("{action} {path}: {source}; check that the path exists and is writable")]
    Io {
        /// What was being done, e.g. "cannot run".
        action: &'static str,
        /// The file or program concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// The launcher exited before it served, or exited with a failure when stopped.
    #[error("the simulator exited ({status}) {when}; its stderr ends with:\n{stderr_tail}")]
    Exited {
        /// The launcher's exit status.
        status: ExitStatus,
        /// "before serving" or "when stopped".
        when: &'static str,
        /// The last lines the launcher wrote to stderr.
        stderr_tail: String,
    },

    /// The launcher did not write its URL in time.
    #[error(
        "the simulator did not serve within {timeout:?}; raise SimulatorBuilder::start_timeout \
         for large inventories; its stderr ends with:\n{stderr_tail}"
    )]
    StartTimeout {
        /// How long it was given.
        timeout: Duration,
        /// The last lines the launcher wrote to stderr.
        stderr_tail: String,
    },

    /// The launcher wrote something that is not an `http(s)://host:port/sdk` URL.
    #[error(
        "the simulator announced {url:?}, not an http(s)://host:port/sdk URL; rebuild the launcher"
    )]
    BadUrl {
        /// What the launcher wrote.
        url: String,
    },

    /// The `openssl` command failed.
    #[error("`openssl {command}` failed: {reason}; install openssl (scripts/install-deps.sh)")]
    OpenSsl {
        /// The openssl subcommand, e.g. "req".
        command: String,
        /// Why it failed, with openssl's stderr.
        reason: String,
    },
}

/// The last `lines` lines of `text`, for error messages quoting a process's output.
pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::tail;

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a\nb", 5), "a\nb");
        assert_eq!(tail("", 3), "");
    }
}
