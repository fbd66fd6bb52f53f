//! restic `forget`: every rule counts on its own.
//!
//! Walking the snapshots newest first, each counted rule keeps a snapshot whose bucket differs
//! from the last bucket that rule kept, until its count runs out; if it still has count left at
//! the oldest snapshot, it keeps that one too ("oldest daily snapshot"). One snapshot can satisfy
//! several rules at once. The `keep_within*` rules measure back from the newest snapshot that is
//! not in the future, with calendar arithmetic; `keep_within_*` keep the newest snapshot of each
//! bucket inside that window, without a count. `keep_tags` keeps every snapshot with all tags of
//! one of its lists.
//!
//! Buckets use each snapshot's calendar fields in its recorded UTC offset. restic reads a
//! snapshot's time with Go's rule: when the recorded offset is the offset of the zone `forget`
//! runs in at that instant, the time is in that zone, otherwise in a fixed zone of the recorded
//! offset. That zone matters to `keep_within*`, whose calendar arithmetic crosses DST changes
//! in the former case and not in the latter; [`Zone::SnapshotOffset`](super::Zone) is a
//! `forget` run in a zone none of the snapshots match.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::bucket::{Period, PeriodKey};
use super::decision::Ledger;
use super::rules::{self, Limit, Negatives};
use super::within::CalendarSpan;
use super::{Flavor, RetentionError, Rules, Snapshot};

const SUPPORTED: &str = "keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly, \
    keep_yearly, keep_within, keep_within_hourly, keep_within_daily, keep_within_weekly, \
    keep_within_monthly, keep_within_yearly, keep_tags";

/// Where restic measures `keep_within*` from when every snapshot is in the future: Go's zero
/// time, 0001-01-01T00:00:00Z.
const GO_ZERO_TIME: Timestamp = Timestamp::constant(-62_135_596_800, 0);

/// A validated restic policy.
#[derive(Debug, Clone)]
pub(super) struct Policy {
    tags: Vec<Vec<String>>,
    within: Option<CalendarSpan>,
    /// `keep_last`, `keep_hourly`, …: the newest snapshot of each bucket, up to a count. No
    /// period puts every snapshot in a bucket of its own (`keep_last`).
    counted: Vec<(Option<Period>, Limit)>,
    /// `keep_within_hourly`, …: the newest snapshot of each bucket inside a window.
    windowed: Vec<(Period, CalendarSpan)>,
}

/// Which bucket a rule last kept a snapshot in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bucket {
    Position(usize),
    Period(PeriodKey),
}

impl Policy {
    /// Validates `rules` as restic `forget` does.
    pub(super) fn new(rules: &Rules) -> Result<Self, RetentionError> {
        rules.reject_unsupported(Flavor::Restic, SUPPORTED)?;
        let counted = rules::counted(
            Flavor::Restic,
            Negatives::MinusOneIsUnlimited,
            rules.last_and_calendar(),
        )?;
        let mut windowed = Vec::new();
        for (rule, text, period) in [
            (
                "keep_within_hourly",
                &rules.keep_within_hourly,
                Period::Hourly,
            ),
            ("keep_within_daily", &rules.keep_within_daily, Period::Daily),
            (
                "keep_within_weekly",
                &rules.keep_within_weekly,
                Period::Weekly,
            ),
            (
                "keep_within_monthly",
                &rules.keep_within_monthly,
                Period::Monthly,
            ),
            (
                "keep_within_yearly",
                &rules.keep_within_yearly,
                Period::Yearly,
            ),
        ] {
            if let Some(span) = span(rule, text.as_deref())? {
                windowed.push((period, span));
            }
        }
        let policy = Policy {
            tags: rules.keep_tags.clone().unwrap_or_default(),
            within: span("keep_within", rules.keep_within.as_deref())?,
            counted,
            windowed,
        };
        let keeps_nothing = policy.tags.is_empty()
            && policy.within.is_none()
            && policy.counted.is_empty()
            && policy.windowed.is_empty();
        if keeps_nothing {
            return Err(RetentionError::EmptyPolicy {
                flavor: Flavor::Restic,
            });
        }
        Ok(policy)
    }

    /// Marks what to keep among `sorted` (newest first) when run at `now` in `zone` (`None`:
    /// a zone no snapshot's offset matches).
    pub(super) fn decide(
        &self,
        sorted: &[&Snapshot],
        now: Timestamp,
        zone: Option<&TimeZone>,
    ) -> Ledger {
        let zone_of = |snapshot: &Snapshot| {
            let offset = snapshot.time.offset();
            match zone {
                Some(zone) if zone.to_offset(snapshot.time.timestamp()) == offset => zone.clone(),
                _ => TimeZone::fixed(offset),
            }
        };
        let (anchor, anchor_zone) = sorted
            .iter()
            .find(|snapshot| snapshot.time.timestamp() < now)
            .map_or((GO_ZERO_TIME, TimeZone::UTC), |snapshot| {
                (snapshot.time.timestamp(), zone_of(snapshot))
            });
        let within = self
            .within
            .map(|span| (span, span.before(anchor, &anchor_zone)));
        let window_cutoffs: Vec<_> = self
            .windowed
            .iter()
            .map(|(_, span)| span.before(anchor, &anchor_zone))
            .collect();
        let mut counted_state = vec![(0_u64, None::<Bucket>); self.counted.len()];
        let mut windowed_last = vec![None::<PeriodKey>; self.windowed.len()];

        let mut ledger = Ledger::new(sorted.len());
        for (position, snapshot) in sorted.iter().enumerate() {
            let is_oldest = position + 1 == sorted.len();
            let local_time = snapshot.time.datetime();

            for tags in &self.tags {
                if has_all_tags(snapshot, tags) {
                    ledger.keep(position, format!("has tags [{}]", tags.join(", ")));
                }
            }
            if let Some((span, cutoff)) = within
                && is_after(snapshot, cutoff)
            {
                ledger.keep(position, format!("within {span}"));
            }
            for (&(period, limit), (kept, last)) in self.counted.iter().zip(&mut counted_state) {
                if !limit.allows(*kept) {
                    continue;
                }
                let bucket = match period {
                    None => Bucket::Position(position),
                    Some(period) => Bucket::Period(period.key(local_time)),
                };
                if let Some(oldest) = new_bucket_or_oldest(last, bucket, is_oldest) {
                    *kept += 1;
                    let name = period.map_or("last", Period::name);
                    ledger.keep(position, format!("{}{name} snapshot", prefix(oldest)));
                }
            }
            let windows = self
                .windowed
                .iter()
                .zip(&window_cutoffs)
                .zip(&mut windowed_last);
            for ((&(period, span), &cutoff), last) in windows {
                if !is_after(snapshot, cutoff) {
                    continue;
                }
                let bucket = period.key(local_time);
                if let Some(oldest) = new_bucket_or_oldest(last, bucket, is_oldest) {
                    let name = period.name();
                    ledger.keep(position, format!("{}{name} within {span}", prefix(oldest)));
                }
            }
        }
        ledger
    }
}

/// Parses one restic duration rule; `None` when absent or zero.
fn span(rule: &'static str, text: Option<&str>) -> Result<Option<CalendarSpan>, RetentionError> {
    let Some(text) = text else { return Ok(None) };
    CalendarSpan::parse(text).map_err(|problem| RetentionError::InvalidDuration {
        flavor: Flavor::Restic,
        rule,
        value: text.to_owned(),
        problem,
        example: CalendarSpan::EXAMPLE,
    })
}

/// Whether a rule keeps a snapshot in `bucket`: it does when the bucket differs from the last one
/// it kept (`Some(false)`), or, as restic's fallback, when it is the oldest snapshot
/// (`Some(true)` if the bucket was already kept). Updates `last` when it keeps.
fn new_bucket_or_oldest<B: PartialEq + Copy>(
    last: &mut Option<B>,
    bucket: B,
    is_oldest: bool,
) -> Option<bool> {
    let same_bucket = *last == Some(bucket);
    if same_bucket && !is_oldest {
        return None;
    }
    *last = Some(bucket);
    Some(same_bucket)
}

/// restic marks the fallback keep of the oldest snapshot: "oldest daily snapshot".
fn prefix(oldest: bool) -> &'static str {
    if oldest { "oldest " } else { "" }
}

/// restic's `within` test: strictly after the cutoff; `None` means no cutoff.
fn is_after(snapshot: &Snapshot, cutoff: Option<Timestamp>) -> bool {
    cutoff.is_none_or(|cutoff| snapshot.time.timestamp() > cutoff)
}

/// restic's tag match: every listed tag is present; the empty tag matches an untagged snapshot.
fn has_all_tags(snapshot: &Snapshot, tags: &[String]) -> bool {
    tags.iter()
        .all(|tag| (tag.is_empty() && snapshot.tags.is_empty()) || snapshot.tags.contains(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(rules: &Rules, snapshots: &[Snapshot], now: &str) -> Ledger {
        let policy = Policy::new(rules).expect("valid policy");
        let sorted: Vec<&Snapshot> = snapshots.iter().collect();
        policy.decide(&sorted, now.parse().expect("now"), None)
    }

    fn snapshot(id: &str, time: &str) -> Snapshot {
        Snapshot::parse(id, time).expect("valid snapshot")
    }

    #[test]
    fn an_empty_policy_is_refused_like_restic_forget() {
        let zero = Rules {
            keep_daily: Some(0),
            keep_within: Some("0d".into()),
            ..Rules::default()
        };
        for rules in [Rules::default(), zero] {
            let err = Policy::new(&rules).expect_err("must be refused");
            assert_eq!(
                err,
                RetentionError::EmptyPolicy {
                    flavor: Flavor::Restic
                }
            );
        }
    }

    #[test]
    fn buckets_use_each_snapshots_own_offset() {
        // Both are 2024-06-01T22:30Z, but on different calendar days in their own offsets.
        let snapshots = [
            snapshot("tokyo", "2024-06-02T07:30:00+09:00"),
            snapshot("utc", "2024-06-01T22:30:00Z"),
        ];
        let rules = Rules {
            keep_daily: Some(2),
            ..Rules::default()
        };
        let ledger = decide(&rules, &snapshots, "2024-07-01T00:00:00Z");
        assert!(ledger.is_kept(0) && ledger.is_kept(1));
    }

    #[test]
    fn keep_within_measures_from_the_newest_snapshot_not_in_the_future() {
        let snapshots = [
            snapshot("future", "2024-06-10T00:00:00Z"),
            snapshot("newest-past", "2024-06-01T00:00:00Z"),
            snapshot("inside", "2024-05-31T01:00:00Z"),
            snapshot("outside", "2024-05-31T00:00:00Z"),
        ];
        let rules = Rules {
            keep_within: Some("1d".into()),
            ..Rules::default()
        };
        let ledger = decide(&rules, &snapshots, "2024-06-05T00:00:00Z");
        let kept: Vec<bool> = (0..4).map(|position| ledger.is_kept(position)).collect();
        assert_eq!(kept, [true, true, true, false]);
    }

    #[test]
    fn the_empty_tag_matches_untagged_snapshots() {
        let tagged = snapshot("t", "2024-06-01T00:00:00Z").with_tags(["a"]);
        let untagged = snapshot("u", "2024-05-01T00:00:00Z");
        assert!(has_all_tags(&untagged, &[String::new()]));
        assert!(!has_all_tags(&tagged, &[String::new()]));
        assert!(has_all_tags(&tagged, &["a".to_owned()]));
    }
}
