//! Finds the Go launcher (package `tests/vcsim/launcher`), building it once per process if needed.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, tail};

/// The environment variable naming a launcher built beforehand (used as is, never rebuilt).
const VCSIM_BIN: &str = "VCSIM_BIN";

/// The launcher built by this process, so parallel tests run the build script only once.
static BUILT: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The launcher to run: `$VCSIM_BIN` if set, else the one `scripts/build-vcsim.sh` builds (or finds
/// up to date) under `target/vcsim/`. The script itself serialises builds across processes.
pub(crate) fn launcher() -> Result<PathBuf, Error> {
    if let Some(path) = env::var_os(VCSIM_BIN) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error::MissingBinary { path })
        };
    }
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(path) = built.as_ref() {
        return Ok(path.clone());
    }
    let path = build()?;
    *built = Some(path.clone());
    Ok(path)
}

/// Runs `scripts/build-vcsim.sh`, which prints the launcher's path as its last line.
fn build() -> Result<PathBuf, Error> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/build-vcsim.sh");
    let failed = |reason: String| Error::Build {
        script: script.clone(),
        reason,
    };
    let output = Command::new("bash")
        .arg(&script)
        .output()
        .map_err(|err| failed(format!("cannot run bash: {err}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    match stdout.lines().last() {
        Some(path) if output.status.success() => Ok(PathBuf::from(path)),
        _ => Err(failed(format!("{}:\n{}", output.status, tail(&stderr, 20)))),
    }
}
