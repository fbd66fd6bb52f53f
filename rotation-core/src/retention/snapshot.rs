//! A backup snapshot as retention sees it.

use jiff::ZonedDateTime;
use jiff::fmt::temporal::Pieces;
use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer};

use super::RetentionError;

/// One backup snapshot: an id, the time it was taken with the UTC offset it was recorded in, and
/// what some flavors look at besides the time.
///
/// Deserializes from the retention vectors' snapshot objects
/// (`{"id": "s1", "time": "2024-06-01T12:00:00+02:00", "tags": ["prod"], "protected": true}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Snapshot {
    /// Unique among the snapshots given to one [`Retention::apply`](super::Retention::apply).
    pub id: String,
    /// When the snapshot was taken. restic buckets by this value's own calendar fields (its
    /// offset); borg and PBS only use the instant.
    #[serde(deserialize_with = "deserialize_time")]
    pub time: ZonedDateTime,
    /// Tags, for restic's `keep_tags`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// PBS: never removed, and not counted by any rule.
    #[serde(default)]
    pub protected: bool,
    /// PBS: an unfinished backup; only the newest is kept, and only while no finished backup is
    /// newer.
    #[serde(default)]
    pub partial: bool,
}

impl Snapshot {
    /// A snapshot taken at `time`, without tags or flags.
    pub fn new(id: impl Into<String>, time: ZonedDateTime) -> Self {
        Self {
            id: id.into(),
            time,
            tags: Vec::new(),
            protected: false,
            partial: false,
        }
    }

    /// A snapshot taken at an RFC 3339 time with an offset, such as `2024-06-01T12:00:00Z`.
    ///
    /// The offset is kept as the snapshot's own (restic buckets by it); a bracketed time zone
    /// annotation, if present, is ignored.
    ///
    /// ```
    /// use rotation_core::retention::Snapshot;
    ///
    /// let snapshot = Snapshot::parse("s1", "2024-06-01T23:30:00-05:00")?;
    /// assert_eq!(snapshot.time.day(), 1);
    /// assert_eq!(snapshot.time.timestamp().to_string(), "2024-06-02T04:30:00Z");
    /// assert!(Snapshot::parse("s2", "2024-06-01T23:30:00").is_err()); // no offset
    /// # Ok::<(), rotation_core::retention::RetentionError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`RetentionError::InvalidSnapshotTime`] when `time` is not RFC 3339 or has no offset.
    pub fn parse(id: impl Into<String>, time: &str) -> Result<Self, RetentionError> {
        Ok(Self::new(id, parse_time(time)?))
    }

    /// The same snapshot with these tags.
    pub fn with_tags<I, T>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// The same snapshot, marked protected (PBS).
    pub fn mark_protected(mut self) -> Self {
        self.protected = true;
        self
    }

    /// The same snapshot, marked partial, i.e. unfinished (PBS).
    pub fn mark_partial(mut self) -> Self {
        self.partial = true;
        self
    }
}

fn parse_time(text: &str) -> Result<ZonedDateTime, RetentionError> {
    let invalid = |problem: String| RetentionError::InvalidSnapshotTime {
        text: text.to_owned(),
        problem,
    };
    let pieces = Pieces::parse(text).map_err(|err| invalid(err.to_string()))?;
    let time = pieces
        .time()
        .ok_or_else(|| invalid("it has no time of day".to_owned()))?;
    let offset = pieces
        .to_numeric_offset()
        .ok_or_else(|| invalid("it has no UTC offset".to_owned()))?;
    let instant = offset
        .to_timestamp(pieces.date().to_datetime(time))
        .map_err(|err| invalid(err.to_string()))?;
    Ok(ZonedDateTime::new(instant, TimeZone::fixed(offset)))
}

fn deserialize_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ZonedDateTime, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_time(&text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deserializes_the_vector_shape_with_defaults() {
        let json =
            r#"{"id": "a", "time": "2014-08-13T10:20:30.1Z", "tags": ["foo"], "paths": ["/x"]}"#;
        let snapshot: Snapshot = serde_json::from_str(json).expect("valid snapshot");
        assert_eq!(snapshot.id, "a");
        assert_eq!(snapshot.time.subsec_nanosecond(), 100_000_000);
        assert_eq!(snapshot.tags, ["foo"]);
        assert!(!snapshot.protected && !snapshot.partial);
    }

    #[test]
    fn keeps_the_recorded_offset() {
        let snapshot = Snapshot::parse("a", "2024-01-01T00:30:00+05:30").expect("valid");
        assert_eq!(snapshot.time.offset().seconds(), 5 * 3600 + 30 * 60);
        assert_eq!(snapshot.time.year(), 2024);
        assert_eq!(
            snapshot.time.timestamp().to_string(),
            "2023-12-31T19:00:00Z"
        );
    }

    #[test]
    fn rejects_times_without_offset_or_time_of_day() {
        for bad in ["2024-01-01", "2024-01-01T00:00:00", "yesterday"] {
            let err = Snapshot::parse("a", bad).expect_err("must be rejected");
            assert!(
                matches!(err, RetentionError::InvalidSnapshotTime { .. }),
                "{bad}"
            );
        }
    }
}
