//! Sizes as people read them.

use std::fmt;

/// A size in bytes that displays in binary units with one decimal: `512 B`, `1.5 KiB`,
/// `12.3 GiB`.
///
/// ```
/// use vmrotate::Bytes;
///
/// assert_eq!(Bytes(512).to_string(), "512 B");
/// assert_eq!(Bytes(1536).to_string(), "1.5 KiB");
/// assert_eq!(Bytes(60 << 30).to_string(), "60.0 GiB");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        let mut value = self.0 as f64;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < UNITS.len() {
            value /= 1024.0;
            unit += 1;
        }
        if unit == 0 {
            write!(f, "{} B", self.0)
        } else {
            write!(f, "{value:.1} {}", UNITS[unit])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Bytes;

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(Bytes(0).to_string(), "0 B");
        assert_eq!(Bytes(1023).to_string(), "1023 B");
        assert_eq!(
            Bytes(12 * 1024 * 1024 * 1024 + 300 * 1024 * 1024).to_string(),
            "12.3 GiB"
        );
    }
}
