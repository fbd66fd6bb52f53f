//! Reading the simulator captures in `tests/data/captures/` (HTTP request and response pairs
//! recorded from govmomi's vcsim). Shared by several test crates, each using a part of it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// One recorded exchange.
pub struct Capture {
    /// The file name without `.txt`.
    pub name: String,
    /// The request's XML body.
    pub request_body: String,
    /// The response's XML body.
    pub response_body: Vec<u8>,
}

fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/captures")
}

/// Splits an HTTP message into headers and body at the first blank line.
fn body_of(message: &str) -> &str {
    message
        .split_once("\n\n")
        .map_or("", |(_, body)| body)
        .trim_end_matches('\n')
}

/// Loads the capture `name` (without `.txt`).
pub fn load(name: &str) -> Capture {
    let path = captures_dir().join(format!("{name}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (request, response) = text
        .split_once("\n=== RESPONSE ===\n")
        .unwrap_or_else(|| panic!("{name}: no `=== RESPONSE ===` separator"));
    Capture {
        name: name.to_owned(),
        request_body: body_of(request).to_owned(),
        response_body: body_of(response).as_bytes().to_vec(),
    }
}

/// Every capture, sorted by name.
pub fn all() -> Vec<Capture> {
    let mut names: Vec<String> = std::fs::read_dir(captures_dir())
        .expect("tests/data/captures exists")
        .map(|entry| entry.expect("readable directory entry").file_name())
        .filter_map(|name| name.to_str()?.strip_suffix(".txt").map(str::to_owned))
        .collect();
    names.sort();
    names.iter().map(|name| load(name)).collect()
}
