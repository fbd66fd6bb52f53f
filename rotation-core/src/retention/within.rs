//! `keep_within` durations in each tool's own syntax and arithmetic.

use std::fmt;

use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

/// restic's duration `NyNmNdNh`, e.g. `1y2m3d4h`; a repeated unit overrides the earlier one.
///
/// It is subtracted with calendar arithmetic in the anchor's zone, the way Go's `AddDate` does
/// it: months first, then days rolling over month ends, then hours as elapsed time. So
/// 2024-03-31 minus `1m` is "2024-02-31", which is 2024-03-02.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CalendarSpan {
    years: i64,
    months: i64,
    days: i64,
    hours: i64,
}

impl CalendarSpan {
    /// An example of the syntax, for error messages.
    pub(super) const EXAMPLE: &'static str =
        "\"7d\" or \"1y6m\" (restic: numbers followed by y, m, d or h)";

    /// Parses restic's syntax; `None` for a span of zero (the rule is off).
    pub(super) fn parse(text: &str) -> Result<Option<Self>, String> {
        let mut span = CalendarSpan {
            years: 0,
            months: 0,
            days: 0,
            hours: 0,
        };
        let mut rest = text.trim();
        while !rest.is_empty() {
            let digits_end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let (digits, after) = rest.split_at(digits_end);
            if digits.is_empty() {
                return Err(if after.starts_with('-') {
                    "negative durations are not allowed".to_owned()
                } else {
                    format!("expected a number at {after:?}")
                });
            }
            let number: i64 = digits
                .parse()
                .map_err(|_| format!("the number {digits} is too large"))?;
            let mut units = after.chars();
            let field = match units.next() {
                Some('y') => &mut span.years,
                Some('m') => &mut span.months,
                Some('d') => &mut span.days,
                Some('h') => &mut span.hours,
                Some(unit) => return Err(format!("unknown unit {unit:?} after {number}")),
                None => return Err(format!("no unit after {number}")),
            };
            *field = number;
            rest = units.as_str();
        }
        Ok((span
            != CalendarSpan {
                years: 0,
                months: 0,
                days: 0,
                hours: 0,
            })
        .then_some(span))
    }

    /// The instant this span before `anchor`, calendar fields taken in `zone`; `None` when that
    /// lies before the earliest representable time (so every snapshot is after it).
    pub(super) fn before(self, anchor: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
        let local = zone.to_datetime(anchor);
        let month_index = (i64::from(local.year()) * 12 + i64::from(local.month()) - 1)
            .checked_sub(self.years.checked_mul(12)?.checked_add(self.months)?)?;
        let year = i16::try_from(month_index.div_euclid(12)).ok()?;
        let month = i8::try_from(month_index.rem_euclid(12) + 1).ok()?;
        // Like Go's time.Date, days past the month's end roll over into the following months.
        let day_offset = (i64::from(local.day()) - 1).checked_sub(self.days)?;
        let shifted = Date::new(year, month, 1)
            .ok()?
            .to_datetime(local.time())
            .checked_add(SignedDuration::from_secs(day_offset.checked_mul(86_400)?))
            .ok()?;
        let elapsed_hours = SignedDuration::from_secs(self.hours.checked_mul(3_600)?);
        go_local_to_timestamp(zone, shifted)?
            .checked_sub(elapsed_hours)
            .ok()
    }
}

/// The instant of a civil time in `zone` as Go's `time.Date` picks it: the offset in effect at
/// the civil time read as UTC, unless the result falls outside that offset's period, then the
/// offset in effect at that result. In a skipped hour this is the later offset's reading; in a
/// repeated hour it is the earlier instant west of Greenwich and the later one east of it
/// (jiff's "compatible" rule always takes the earlier).
fn go_local_to_timestamp(zone: &TimeZone, civil: DateTime) -> Option<Timestamp> {
    let as_utc = Offset::UTC.to_timestamp(civil).ok()?;
    let guess = as_utc
        .checked_sub(SignedDuration::from(zone.to_offset(as_utc)))
        .ok()?;
    as_utc
        .checked_sub(SignedDuration::from(zone.to_offset(guess)))
        .ok()
}

/// Prints the span the way restic does: non-zero fields in the order y, m, d, h (`1y1m1d`).
impl fmt::Display for CalendarSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (value, unit) in [
            (self.years, 'y'),
            (self.months, 'm'),
            (self.days, 'd'),
            (self.hours, 'h'),
        ] {
            if value != 0 {
                write!(f, "{value}{unit}")?;
            }
        }
        Ok(())
    }
}

/// borg 1.4's interval `<int><unit>` with unit `H`, `d`, `w`, `m` (31 days) or `y` (365 days),
/// measured back from now as elapsed hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct HourInterval {
    hours: i64,
}

impl HourInterval {
    /// An example of the syntax, for error messages.
    pub(super) const EXAMPLE: &'static str =
        "\"48H\" or \"2d\" (borg: a positive integer followed by H, d, w, m or y)";

    /// Parses borg's syntax.
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        let Some(unit) = text.chars().last() else {
            return Err("it is empty".to_owned());
        };
        let hours_per_unit = match unit {
            'H' => 1,
            'd' => 24,
            'w' => 24 * 7,
            'm' => 24 * 31,
            'y' => 24 * 365,
            other => {
                return Err(format!(
                    "unknown unit {other:?}, expected one of H, d, w, m, y"
                ));
            }
        };
        let number = &text[..text.len() - unit.len_utf8()];
        let count: i64 = number
            .parse()
            .ok()
            .filter(|_| number.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| format!("{number:?} is not a whole number"))?;
        match count.checked_mul(hours_per_unit) {
            Some(hours @ 1..) => Ok(HourInterval { hours }),
            Some(_) => Err("the number must be greater than 0".to_owned()),
            None => Err(format!("the number {number} is too large")),
        }
    }

    /// The instant this interval before `now`; `None` when that lies before the earliest
    /// representable time.
    pub(super) fn before(self, now: Timestamp) -> Option<Timestamp> {
        let elapsed = SignedDuration::from_secs(self.hours.checked_mul(3_600)?);
        now.checked_sub(elapsed).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().expect("test timestamp")
    }

    fn span(text: &str) -> CalendarSpan {
        CalendarSpan::parse(text).expect("valid").expect("non-zero")
    }

    #[test]
    fn restic_months_roll_over_short_months_like_go_add_date() {
        let cutoff = span("1m").before(ts("2024-03-31T10:00:00Z"), &TimeZone::UTC);
        assert_eq!(cutoff, Some(ts("2024-03-02T10:00:00Z")));
    }

    #[test]
    fn restic_arithmetic_uses_the_anchor_offset_and_hours_are_elapsed_time() {
        // 2024-03-01T00:30+02:00 is 2024-02-29T22:30Z; one month back in +02:00 is
        // 2024-02-01T00:30+02:00, then 1 hour earlier.
        let zone = TimeZone::fixed(Offset::from_hours(2).expect("offset"));
        let cutoff = span("1m1h").before(ts("2024-02-29T22:30:00Z"), &zone);
        assert_eq!(cutoff, Some(ts("2024-01-31T21:30:00Z")));
    }

    #[test]
    fn restic_arithmetic_in_a_zone_crosses_dst_like_go_add_date() {
        let berlin = TimeZone::get("Europe/Berlin").expect("tzdata");
        // 2024-04-01 12:00+02:00 minus 3 days is 2024-03-29 12:00 in Berlin, which is +01:00.
        let cutoff = span("3d").before(ts("2024-04-01T10:00:00Z"), &berlin);
        assert_eq!(cutoff, Some(ts("2024-03-29T11:00:00Z")));
        // Landing in the repeated hour: Go takes the later instant east of Greenwich ...
        let cutoff = span("1d").before(ts("2024-10-28T01:30:00Z"), &berlin);
        assert_eq!(cutoff, Some(ts("2024-10-27T01:30:00Z")));
        // ... and the earlier one west of it; in the skipped hour, the later offset's reading.
        let new_york = TimeZone::get("America/New_York").expect("tzdata");
        let cutoff = span("1d").before(ts("2024-11-04T06:30:00Z"), &new_york);
        assert_eq!(cutoff, Some(ts("2024-11-03T05:30:00Z")));
        let cutoff = span("1d").before(ts("2024-04-01T00:30:00Z"), &berlin);
        assert_eq!(cutoff, Some(ts("2024-03-31T01:30:00Z")));
    }

    #[test]
    fn restic_spans_parse_print_and_reject_like_restic() {
        assert_eq!(span("1y1d1m").to_string(), "1y1m1d");
        assert_eq!(span(" 2d5d ").to_string(), "5d");
        assert_eq!(CalendarSpan::parse("0d"), Ok(None));
        assert_eq!(CalendarSpan::parse(""), Ok(None));
        for bad in ["5", "5x", "d", "-1d", "1d 2h", "99999999999999999999y"] {
            assert!(
                CalendarSpan::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn restic_spans_beyond_the_representable_past_have_no_cutoff() {
        assert_eq!(
            span("99999y").before(ts("2024-01-01T00:00:00Z"), &TimeZone::UTC),
            None
        );
    }

    #[test]
    fn borg_intervals_count_a_month_as_31_days_and_a_year_as_365() {
        let now = ts("2024-06-01T12:00:00Z");
        let before = |text| HourInterval::parse(text).expect("valid").before(now);
        assert_eq!(before("1m"), Some(ts("2024-05-01T12:00:00Z")));
        assert_eq!(before("1y"), Some(ts("2023-06-02T12:00:00Z")));
        assert_eq!(before("2w"), before("14d"));
        assert_eq!(before("36H"), Some(ts("2024-05-31T00:00:00Z")));
    }

    #[test]
    fn borg_intervals_must_be_positive_whole_numbers_with_a_known_unit() {
        for bad in ["", "0d", "-1d", "1.5d", "d", "2h", "2D", "+2d", "2 d"] {
            assert!(
                HourInterval::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }
}
