//! The stand-in for secret fields in `Debug` output.

use std::fmt;

/// Prints `<redacted>`: generated `Debug` impls show it instead of a secret field's value.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}
