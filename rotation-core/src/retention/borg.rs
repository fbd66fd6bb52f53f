//! borg 1.4 `prune`: rules run one after another, secondly to yearly.
//!
//! `keep_within` first keeps every archive newer than now minus the interval. Then each period
//! rule walks the archives newest first and, at every change of period, keeps that period's
//! newest archive unless an earlier rule already kept it; such an archive still uses up its
//! period without counting. A rule that ends short of its count keeps the oldest archive
//! (`yearly[oldest] #3`). Periods are taken in the given time zone, DST included.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::bucket::Period;
use super::decision::Ledger;
use super::rules::{self, Limit, Negatives};
use super::within::HourInterval;
use super::{Flavor, RetentionError, Rules, Snapshot};

const SUPPORTED: &str = "keep_last, keep_secondly, keep_minutely, keep_hourly, keep_daily, \
    keep_weekly, keep_monthly, keep_13weekly, keep_3monthly, keep_yearly, keep_within";

/// A validated borg policy.
#[derive(Debug, Clone)]
pub(super) struct Policy {
    within: Option<HourInterval>,
    /// The period rules that are on, in borg's order: secondly to yearly.
    splits: Vec<(Period, Limit)>,
}

impl Policy {
    /// Validates `rules` as borg 1.4 `prune` does.
    pub(super) fn new(rules: &Rules) -> Result<Self, RetentionError> {
        rules.reject_unsupported(Flavor::Borg, SUPPORTED)?;
        reject_both(
            ("keep_last", rules.keep_last),
            ("keep_secondly", rules.keep_secondly),
            "they are the same option",
        )?;
        reject_both(
            ("keep_13weekly", rules.keep_13weekly),
            ("keep_3monthly", rules.keep_3monthly),
            "they are two exclusive ways to keep quarters",
        )?;
        // `keep_last` is borg's other name for `keep_secondly`; at most one is set.
        let (secondly_rule, secondly) = match rules.keep_secondly {
            Some(_) => ("keep_secondly", rules.keep_secondly),
            None => ("keep_last", rules.keep_last),
        };
        let splits = rules::counted(
            Flavor::Borg,
            Negatives::AllUnlimited,
            [
                (secondly_rule, secondly, Period::Secondly),
                ("keep_minutely", rules.keep_minutely, Period::Minutely),
                ("keep_hourly", rules.keep_hourly, Period::Hourly),
                ("keep_daily", rules.keep_daily, Period::Daily),
                ("keep_weekly", rules.keep_weekly, Period::Weekly),
                ("keep_monthly", rules.keep_monthly, Period::Monthly),
                (
                    "keep_13weekly",
                    rules.keep_13weekly,
                    Period::Quarterly13Weekly,
                ),
                (
                    "keep_3monthly",
                    rules.keep_3monthly,
                    Period::Quarterly3Monthly,
                ),
                ("keep_yearly", rules.keep_yearly, Period::Yearly),
            ],
        )?;
        let within = match rules.keep_within.as_deref() {
            None => None,
            Some(text) => Some(HourInterval::parse(text).map_err(|problem| {
                RetentionError::InvalidDuration {
                    flavor: Flavor::Borg,
                    rule: "keep_within",
                    value: text.to_owned(),
                    problem,
                    example: HourInterval::EXAMPLE,
                }
            })?),
        };
        if within.is_none() && splits.is_empty() {
            return Err(RetentionError::EmptyPolicy {
                flavor: Flavor::Borg,
            });
        }
        Ok(Policy { within, splits })
    }

    /// Marks what to keep among `sorted` (newest first) when run at `now`, periods taken in `tz`.
    pub(super) fn decide(&self, sorted: &[&Snapshot], now: Timestamp, tz: &TimeZone) -> Ledger {
        let mut ledger = Ledger::new(sorted.len());
        if let Some(interval) = self.within {
            let cutoff = interval.before(now);
            let inside = sorted.iter().enumerate().filter(|(_, snapshot)| {
                cutoff.is_none_or(|cutoff| snapshot.time.timestamp() > cutoff)
            });
            for (count, (position, _)) in (1..).zip(inside) {
                ledger.keep(position, format!("within #{count}"));
            }
        }
        for &(period, limit) in &self.splits {
            split(period, limit, sorted, tz, &mut ledger);
        }
        ledger
    }
}

/// One period rule: at each change of period, keep the period's newest archive unless already
/// kept, until `limit` archives are kept; short of it at the end, keep the oldest archive too.
fn split(period: Period, limit: Limit, sorted: &[&Snapshot], tz: &TimeZone, ledger: &mut Ledger) {
    let name = period.name();
    let mut last_period = None;
    let mut kept = 0_u64;
    let mut visited = None;
    for (position, snapshot) in sorted.iter().enumerate() {
        visited = Some(position);
        let this_period = Some(period.key(tz.to_datetime(snapshot.time.timestamp())));
        if this_period == last_period {
            continue;
        }
        last_period = this_period;
        if !ledger.is_kept(position) {
            kept += 1;
            ledger.keep(position, format!("{name} #{kept}"));
            if !limit.allows(kept) {
                break;
            }
        }
    }
    // After reaching its count, the last archive visited is the one just kept, so this only
    // adds the oldest archive when a counted rule walked to the end short of its count.
    if let (Some(oldest), Limit::AtMost(_)) = (visited, limit)
        && !ledger.is_kept(oldest)
    {
        ledger.keep(oldest, format!("{name}[oldest] #{}", kept + 1));
    }
}

/// borg's argument parser accepts only one of two options, even when one is 0.
fn reject_both(
    (first, first_value): (&'static str, Option<i64>),
    (second, second_value): (&'static str, Option<i64>),
    why: &'static str,
) -> Result<(), RetentionError> {
    if first_value.is_some() && second_value.is_some() {
        return Err(RetentionError::ConflictingRules {
            flavor: Flavor::Borg,
            first,
            second,
            why,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(rules: &Rules, times: &[&str], tz: &TimeZone) -> Vec<bool> {
        let snapshots: Vec<Snapshot> = times
            .iter()
            .enumerate()
            .map(|(i, time)| Snapshot::parse(format!("a{i}"), time).expect("valid snapshot"))
            .collect();
        let sorted: Vec<&Snapshot> = snapshots.iter().collect();
        let now = "2030-01-01T00:00:00Z".parse().expect("now");
        let ledger = Policy::new(rules)
            .expect("valid policy")
            .decide(&sorted, now, tz);
        (0..sorted.len())
            .map(|position| ledger.is_kept(position))
            .collect()
    }

    fn berlin() -> TimeZone {
        TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").expect("valid POSIX zone")
    }

    #[test]
    fn days_are_taken_in_the_given_zone() {
        // In Berlin (CEST) these are 2 June 00:30, 1 June 23:30 and 1 June 22:00; in UTC all
        // three are on 1 June, so the rule ends short and keeps the oldest instead.
        let times = [
            "2024-06-01T22:30:00Z",
            "2024-06-01T21:30:00Z",
            "2024-06-01T20:00:00Z",
        ];
        let daily = Rules {
            keep_daily: Some(2),
            ..Rules::default()
        };
        assert_eq!(kept(&daily, &times, &berlin()), [true, true, false]);
        assert_eq!(kept(&daily, &times, &TimeZone::UTC), [true, false, true]);
    }

    #[test]
    fn the_repeated_hour_at_the_end_of_dst_is_one_local_hour() {
        // 00:30Z and 01:30Z on 27 Oct 2024 are both 02:30 in Berlin (CEST, then CET).
        let times = [
            "2024-10-27T01:30:00Z",
            "2024-10-27T00:30:00Z",
            "2024-10-26T12:00:00Z",
        ];
        let hourly = Rules {
            keep_hourly: Some(2),
            ..Rules::default()
        };
        assert_eq!(kept(&hourly, &times, &berlin()), [true, false, true]);
        assert_eq!(kept(&hourly, &times, &TimeZone::UTC), [true, true, false]);
    }

    #[test]
    fn a_period_already_kept_by_an_earlier_rule_is_used_up_without_counting() {
        // daily keeps Wed and Tue; weekly finds week 23 taken and keeps weeks 22 and 21 instead.
        let times = [
            "2024-06-05T12:00:00Z", // Wed, week 23
            "2024-06-04T12:00:00Z", // Tue, week 23
            "2024-06-02T12:00:00Z", // Sun, week 22
            "2024-05-26T12:00:00Z", // Sun, week 21
            "2024-05-19T12:00:00Z", // Sun, week 20
        ];
        let rules = Rules {
            keep_daily: Some(2),
            keep_weekly: Some(2),
            ..Rules::default()
        };
        assert_eq!(
            kept(&rules, &times, &TimeZone::UTC),
            [true, true, true, true, false]
        );
    }

    #[test]
    fn keep_last_is_keep_secondly_and_conflicting_options_are_refused() {
        let times = [
            "2024-06-01T00:00:00.9Z",
            "2024-06-01T00:00:00.1Z",
            "2024-05-31T23:59:59Z",
        ];
        let last = Rules {
            keep_last: Some(2),
            ..Rules::default()
        };
        assert_eq!(kept(&last, &times, &TimeZone::UTC), [true, false, true]);

        let both = Rules {
            keep_last: Some(1),
            keep_secondly: Some(1),
            ..Rules::default()
        };
        assert!(matches!(
            Policy::new(&both),
            Err(RetentionError::ConflictingRules { .. })
        ));
        let quarters = Rules {
            keep_13weekly: Some(1),
            keep_3monthly: Some(0),
            ..Rules::default()
        };
        assert!(matches!(
            Policy::new(&quarters),
            Err(RetentionError::ConflictingRules { .. })
        ));
    }

    #[test]
    fn a_policy_without_any_rule_above_zero_is_refused_and_tags_are_not_borg() {
        let zero = Rules {
            keep_daily: Some(0),
            ..Rules::default()
        };
        assert_eq!(
            Policy::new(&zero).expect_err("refused"),
            RetentionError::EmptyPolicy {
                flavor: Flavor::Borg
            }
        );
        let tags = Rules {
            keep_daily: Some(1),
            keep_tags: Some(vec![]),
            ..Rules::default()
        };
        assert!(matches!(
            Policy::new(&tags),
            Err(RetentionError::UnsupportedRule {
                rule: "keep_tags",
                ..
            })
        ));
    }
}
