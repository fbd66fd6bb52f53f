//! Clone names: `<prefix><key>-<NN>-<yyyyMMddHHmm>`, their slot and their stamp.
//!
//! The format is the one the original PowerCLI script used, e.g. `zz_avocado2-02-201909250241`
//! (prefix `zz_`, key `avocado2`, slot 02, taken 2019-09-25 02:41 local time). The slot and the
//! stamp have fixed widths, so a name is parsed from the right and keys may contain `-` and digits.

mod slot;
mod stamp;

use std::fmt;

pub use slot::Slot;
pub use stamp::{Stamp, StampError};

/// Characters after the key: `-NN-yyyyMMddHHmm`.
const TAIL_LEN: usize = 1 + 2 + 1 + stamp::STAMP_LEN;

/// A parsed clone name `<prefix><key>-<NN>-<yyyyMMddHHmm>`.
///
/// Parsing needs the prefix (the key is everything between the prefix and the fixed-width tail),
/// and formatting with [`Display`](fmt::Display) gives the name back.
///
/// ```
/// use rotation_core::CloneName;
///
/// let name = CloneName::parse("zz_", "zz_web-01-02-201909250241")?;
/// assert_eq!(name.key(), "web-01");
/// assert_eq!(name.slot().get(), 2);
/// assert_eq!(name.to_string(), "zz_web-01-02-201909250241");
/// # Ok::<(), rotation_core::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CloneName {
    prefix: String,
    key: String,
    slot: Slot,
    stamp: Stamp,
}

impl CloneName {
    /// A clone name from its parts.
    ///
    /// # Errors
    /// [`NameError::EmptyKey`] when `key` is empty: the name would not say which VM it copies.
    pub fn new(
        prefix: impl Into<String>,
        key: impl Into<String>,
        slot: Slot,
        stamp: Stamp,
    ) -> Result<CloneName, NameError> {
        let (prefix, key) = (prefix.into(), key.into());
        if key.is_empty() {
            return Err(NameError::EmptyKey {
                name: format!("{prefix}-{slot}-{stamp}"),
            });
        }
        Ok(CloneName {
            prefix,
            key,
            slot,
            stamp,
        })
    }

    /// Parses `name` as a clone name starting with `prefix`, reading the slot and stamp from the
    /// right so that the key may contain `-` and digits.
    ///
    /// # Errors
    /// A [`NameError`] saying which part of `name` does not fit the format.
    pub fn parse(prefix: &str, name: &str) -> Result<CloneName, NameError> {
        let rest = name
            .strip_prefix(prefix)
            .ok_or_else(|| NameError::WrongPrefix {
                name: name.to_owned(),
                prefix: prefix.to_owned(),
            })?;
        let split = rest
            .len()
            .checked_sub(TAIL_LEN)
            .filter(|&at| rest.is_char_boundary(at));
        let Some((key, tail)) = split.map(|at| rest.split_at(at)) else {
            return Err(NameError::Shape {
                name: name.to_owned(),
            });
        };
        let &[b'-', tens @ b'0'..=b'9', ones @ b'0'..=b'9', b'-', ..] = tail.as_bytes() else {
            return Err(NameError::Shape {
                name: name.to_owned(),
            });
        };
        let slot =
            Slot::new((tens - b'0') * 10 + (ones - b'0')).ok_or_else(|| NameError::SlotZero {
                name: name.to_owned(),
            })?;
        // The first four bytes are ASCII, so byte 4 starts a character.
        let stamp = tail[4..].parse().map_err(|source| NameError::Stamp {
            name: name.to_owned(),
            source,
        })?;
        if key.is_empty() {
            return Err(NameError::EmptyKey {
                name: name.to_owned(),
            });
        }
        Ok(CloneName {
            prefix: prefix.to_owned(),
            key: key.to_owned(),
            slot,
            stamp,
        })
    }

    /// The prefix all clones share, e.g. `zz_`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The key naming the cloned VM, e.g. `avocado2`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The generation slot.
    pub fn slot(&self) -> Slot {
        self.slot
    }

    /// When the clone was taken, as written in its name.
    pub fn stamp(&self) -> Stamp {
        self.stamp
    }
}

impl fmt::Display for CloneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let CloneName {
            prefix,
            key,
            slot,
            stamp,
        } = self;
        write!(f, "{prefix}{key}-{slot}-{stamp}")
    }
}

/// The clone name for these parts; the caller guarantees a non-empty `key`.
pub(crate) fn clone_name(prefix: &str, key: &str, slot: Slot, stamp: Stamp) -> String {
    let name = CloneName {
        prefix: prefix.to_owned(),
        key: key.to_owned(),
        slot,
        stamp,
    };
    name.to_string()
}

/// Why a name is not a clone name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name does not start with the clone prefix.
    #[error("\"{name}\" does not start with the clone prefix \"{prefix}\"")]
    WrongPrefix {
        /// The rejected name.
        name: String,
        /// The expected prefix.
        prefix: String,
    },
    /// The name does not end in `-NN-yyyyMMddHHmm`.
    #[error(
        "\"{name}\" does not end in -NN-yyyyMMddHHmm: clone names look like zz_avocado2-02-201909250241"
    )]
    Shape {
        /// The rejected name.
        name: String,
    },
    /// The slot is `00`.
    #[error("\"{name}\" has slot 00: slots are numbered from 01")]
    SlotZero {
        /// The rejected name.
        name: String,
    },
    /// The stamp is not a real date and time.
    #[error("\"{name}\" has a bad stamp: {source}")]
    Stamp {
        /// The rejected name.
        name: String,
        /// What is wrong with the stamp.
        source: StampError,
    },
    /// Nothing between the prefix and the slot.
    #[error("\"{name}\" has no VM key between the prefix and the slot: give the VM's name as key")]
    EmptyKey {
        /// The rejected name.
        name: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_keys_with_dashes_and_digits_from_the_right() {
        let web = CloneName::parse("zz_", "zz_web-01-03-201909250241").unwrap();
        assert_eq!((web.key(), web.slot().get()), ("web-01", 3));
        let demo = CloneName::parse("zz1_", "zz1_okn_demo02-12-202001020304").unwrap();
        assert_eq!((demo.key(), demo.slot().get()), ("okn_demo02", 12));
        assert_eq!(demo.stamp().to_string(), "202001020304");
    }

    #[test]
    fn rejects_each_malformed_part() {
        let parse = |name| CloneName::parse("zz_", name);
        assert!(matches!(
            parse("yy_web-01-201909250241"),
            Err(NameError::WrongPrefix { .. })
        ));
        assert!(matches!(
            parse("zz_web-1-201909250241"),
            Err(NameError::Shape { .. })
        ));
        assert!(matches!(
            parse("zz_web-01-20190925024"),
            Err(NameError::Shape { .. })
        ));
        assert!(matches!(
            parse("zz_web-00-201909250241"),
            Err(NameError::SlotZero { .. })
        ));
        assert!(matches!(
            parse("zz_web-01-201913250241"),
            Err(NameError::Stamp { .. })
        ));
        assert!(matches!(
            parse("zz_-01-201909250241"),
            Err(NameError::EmptyKey { .. })
        ));
        assert!(matches!(
            parse("zz_é-01-2019092502é"),
            Err(NameError::Stamp { .. })
        ));
        assert!(matches!(
            parse("zz_aé01-201909250241"),
            Err(NameError::Shape { .. })
        ));
        assert!(matches!(
            parse("zz_aé1-201909250241"),
            Err(NameError::Shape { .. })
        ));
    }

    proptest! {
        #[test]
        fn parsing_any_text_returns_instead_of_panicking(name in "\\PC{0,24}") {
            let _ = CloneName::parse("zz_", &name);
            let _ = name.parse::<Stamp>();
        }

        #[test]
        fn names_round_trip(
            prefix in "[a-z_]{0,4}",
            key in "[A-Za-z0-9_.\\-\\[\\]*?é]{1,16}",
            slot in 1u8..=99,
            minutes in 0i64..5_000_000,
        ) {
            let start = jiff::civil::date(2000, 1, 1).at(0, 0, 0, 0);
            let datetime = start.checked_add(jiff::SignedDuration::from_mins(minutes)).unwrap();
            let stamp = Stamp::from_datetime(datetime).unwrap();
            let name = CloneName::new(prefix.clone(), key, Slot::new(slot).unwrap(), stamp).unwrap();
            let text = name.to_string();
            prop_assert_eq!(CloneName::parse(&prefix, &text), Ok(name));
            prop_assert_eq!(text[text.len() - 12..].parse::<Stamp>(), Ok(stamp));
        }
    }
}
