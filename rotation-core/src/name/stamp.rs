//! [`Stamp`]: when a clone was taken, as its name says.

use std::fmt;
use std::str::FromStr;

use jiff::civil::DateTime;
use serde::{Serialize, Serializer};

/// Digits in a stamp: `yyyyMMddHHmm`.
pub(super) const STAMP_LEN: usize = 12;

/// A civil (wall-clock, zone-less) time to the minute, written `yyyyMMddHHmm` in clone names.
///
/// It carries no offset, exactly like the script's `Get-Date -Format yyyyMMddHHmm`: two stamps a
/// daylight-saving fall-back apart can be equal or out of order. See
/// [`Existing::created`](crate::slots::Existing::created) for the precise alternative.
///
/// ```
/// use rotation_core::Stamp;
///
/// let stamp: Stamp = "201909250241".parse()?;
/// assert_eq!(stamp.to_string(), "201909250241");
/// assert_eq!(stamp.datetime(), jiff::civil::date(2019, 9, 25).at(2, 41, 0, 0));
/// assert!("2019-09-25".parse::<Stamp>().is_err());
/// # Ok::<(), rotation_core::StampError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(DateTime);

impl Stamp {
    /// The stamp of `datetime`, truncated to the minute.
    ///
    /// # Errors
    /// [`StampError::YearOutOfRange`] for years before 0, which have no four-digit form.
    pub fn from_datetime(datetime: DateTime) -> Result<Stamp, StampError> {
        if datetime.year() < 0 {
            return Err(StampError::YearOutOfRange {
                year: datetime.year(),
            });
        }
        let minute = datetime.date().at(datetime.hour(), datetime.minute(), 0, 0);
        Ok(Stamp(minute))
    }

    /// The civil time this stamp stands for (seconds are always zero).
    pub fn datetime(self) -> DateTime {
        self.0
    }

    /// The stamp as people read it, e.g. `2019-09-25 02:41`.
    pub fn readable(self) -> impl fmt::Display {
        self.0.strftime("%Y-%m-%d %H:%M")
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.strftime("%Y%m%d%H%M"))
    }
}

impl FromStr for Stamp {
    type Err = StampError;

    fn from_str(text: &str) -> Result<Stamp, StampError> {
        if text.len() != STAMP_LEN || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StampError::Shape {
                text: text.to_owned(),
            });
        }
        DateTime::strptime("%Y%m%d%H%M", text)
            .map(Stamp)
            .map_err(|source| StampError::NotACalendarTime {
                text: text.to_owned(),
                reason: source.to_string(),
            })
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why a text is not a [`Stamp`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StampError {
    /// Not exactly twelve digits.
    #[error("stamp \"{text}\" is not 12 digits yyyyMMddHHmm: write it like 201909250241")]
    Shape {
        /// The rejected text.
        text: String,
    },
    /// Twelve digits that name no calendar time, such as month 13 or February 30.
    #[error(
        "stamp \"{text}\" is not a real date and time ({reason}): check month, day, hour and minute"
    )]
    NotACalendarTime {
        /// The rejected text.
        text: String,
        /// What the calendar check said.
        reason: String,
    },
    /// A year with no four-digit form.
    #[error("year {year} cannot be written as yyyy: use a year from 0000 to 9999")]
    YearOutOfRange {
        /// The rejected year.
        year: i16,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_errors_say_what_to_write() {
        let err = "2019".parse::<Stamp>().unwrap_err().to_string();
        assert!(
            err.contains("yyyyMMddHHmm") && err.contains("201909250241"),
            "{err}"
        );
        let err = "201902300000".parse::<Stamp>().unwrap_err();
        assert!(matches!(err, StampError::NotACalendarTime { .. }), "{err}");
        assert!("+20190925024".parse::<Stamp>().is_err());
    }

    #[test]
    fn stamp_from_datetime_drops_seconds_and_rejects_negative_years() {
        let dt = jiff::civil::date(2019, 9, 25).at(2, 41, 59, 1);
        assert_eq!(
            Stamp::from_datetime(dt).unwrap().to_string(),
            "201909250241"
        );
        let bc = jiff::civil::date(-1, 1, 1).at(0, 0, 0, 0);
        assert!(matches!(
            Stamp::from_datetime(bc),
            Err(StampError::YearOutOfRange { year: -1 })
        ));
    }
}
