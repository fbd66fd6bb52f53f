//! The names of clones made under a retention policy, which can never be taken for slot clones.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::error::Error;

/// What follows the key: `-r-` and the UTC time `yyyyMMddTHHmmssZ`.
const MARK: &str = "-r-";
const STAMP_FORMAT: &str = "%Y%m%dT%H%M%S";
const STAMP_LEN: usize = "20240601T120000Z".len();

/// The name of a clone made under a retention policy: `<prefix><key>-r-<yyyyMMdd>T<HHmmss>Z`,
/// e.g. `zz_avocado2-r-20240601T024100Z` (prefix `zz_`, key `avocado2`, taken
/// 2024-06-01 02:41:00 UTC).
///
/// The time is UTC to the second (ISO 8601 basic format), so names never repeat at a
/// daylight-saving change and sort by time. A slot clone's name
/// ([`CloneName`](rotation_core::CloneName), `<prefix><key>-NN-yyyyMMddHHmm`) always ends in a
/// digit and this one always in `Z`, so neither ever parses as the other, whatever the key.
///
/// ```
/// use vmrotate::RetentionCloneName;
///
/// let taken = "2024-06-01T02:41:00.750Z".parse()?;
/// let name = RetentionCloneName::new("zz_", "avocado2", taken)?;
/// assert_eq!(name.to_string(), "zz_avocado2-r-20240601T024100Z");
/// assert_eq!(RetentionCloneName::parse("zz_", "zz_avocado2-r-20240601T024100Z"), Some(name));
/// assert!(vmrotate::rotation_core::CloneName::parse("zz_", "zz_avocado2-r-20240601T024100Z").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RetentionCloneName {
    prefix: String,
    key: String,
    taken: Timestamp,
}

impl RetentionCloneName {
    /// The name of `key`'s clone taken at `taken` (to the second; the exact time belongs in
    /// the clone's marker).
    ///
    /// # Errors
    /// [`Error::Config`] when `key` is empty (the name would not say which VM it copies) or
    /// `taken` is outside the years 1000 to 9999.
    pub fn new(
        prefix: impl Into<String>,
        key: impl Into<String>,
        taken: Timestamp,
    ) -> Result<Self, Error> {
        let key = key.into();
        if key.is_empty() {
            return Err(Error::Config(
                "a retention clone name needs the VM's name: name the VM to back up".into(),
            ));
        }
        let seconds = Timestamp::from_second(taken.as_second())
            .map_err(|error| Error::Config(format!("the time {taken} has no second: {error}")))?;
        let year = TimeZone::UTC.to_datetime(seconds).year();
        if !(1000..=9999).contains(&year) {
            return Err(Error::Config(format!(
                "the time {taken} has no retention clone name stamp: give a time in the years \
                 1000 to 9999"
            )));
        }
        Ok(Self {
            prefix: prefix.into(),
            key,
            taken: seconds,
        })
    }

    /// Parses `name` as a retention clone name starting with `prefix`; `None` for any other
    /// name, slot clone names included.
    pub fn parse(prefix: &str, name: &str) -> Option<Self> {
        let rest = name.strip_prefix(prefix)?;
        let split = rest.len().checked_sub(MARK.len() + STAMP_LEN)?;
        let key = rest.get(..split)?;
        let stamp = rest.get(split..)?.strip_prefix(MARK)?.strip_suffix('Z')?;
        if key.is_empty()
            || !stamp
                .bytes()
                .all(|byte| byte.is_ascii_digit() || byte == b'T')
        {
            return None;
        }
        let taken = DateTime::strptime(STAMP_FORMAT, stamp).ok()?;
        let taken = TimeZone::UTC.to_timestamp(taken).ok()?;
        Self::new(prefix, key, taken).ok()
    }

    /// The prefix all clones share, e.g. `zz_`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The key naming the cloned VM, e.g. `avocado2`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// When the clone was taken, to the second, as written in its name.
    pub fn taken(&self) -> Timestamp {
        self.taken
    }
}

impl fmt::Display for RetentionCloneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stamp = TimeZone::UTC.to_datetime(self.taken).strftime(STAMP_FORMAT);
        write!(f, "{}{}{MARK}{stamp}Z", self.prefix, self.key)
    }
}

#[cfg(test)]
mod tests {
    use rotation_core::CloneName;

    use super::*;

    const KEYS: [&str; 5] = ["avocado2", "web-01", "db-r-1", "a-01-201909250241", "x"];

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn names_round_trip_whatever_the_key() {
        for key in KEYS {
            let name = RetentionCloneName::new("zz_", key, at("2024-12-31T23:59:59Z")).unwrap();
            let text = name.to_string();
            assert_eq!(text, format!("zz_{key}-r-20241231T235959Z"));
            assert_eq!(RetentionCloneName::parse("zz_", &text), Some(name));
        }
    }

    #[test]
    fn slot_names_and_retention_names_never_parse_as_each_other() {
        for key in KEYS {
            let retention = RetentionCloneName::new("zz_", key, at("2019-09-25T02:41:00Z"))
                .unwrap()
                .to_string();
            assert!(CloneName::parse("zz_", &retention).is_err(), "{retention}");
            let slot = format!("zz_{key}-02-201909250241");
            assert!(CloneName::parse("zz_", &slot).is_ok(), "{slot}");
            assert_eq!(RetentionCloneName::parse("zz_", &slot), None, "{slot}");
        }
    }

    #[test]
    fn other_names_do_not_parse() {
        for name in [
            "zz_avocado2-r-20240601T024100",
            "zz_avocado2-r-2024060lT024100Z",
            "zz_avocado2-r-20241301T024100Z",
            "zz_-r-20240601T024100Z",
            "yy_avocado2-r-20240601T024100Z",
            "zz_avocado2-x-20240601T024100Z",
            "zz_avöcado2-r-20240601T024100Z\u{e9}",
        ] {
            assert_eq!(RetentionCloneName::parse("zz_", name), None, "{name}");
        }
    }

    #[test]
    fn new_refuses_what_no_name_can_say() {
        assert!(RetentionCloneName::new("zz_", "", at("2024-06-01T00:00:00Z")).is_err());
        assert!(RetentionCloneName::new("zz_", "a", at("0999-12-31T23:59:59Z")).is_err());
        let subsecond = RetentionCloneName::new("zz_", "a", at("2024-06-01T00:00:00.9Z")).unwrap();
        assert_eq!(subsecond.taken(), at("2024-06-01T00:00:00Z"));
    }
}
