//! Proxmox Backup Server `prune`: like borg, but a period that already holds a kept snapshot is
//! skipped entirely.
//!
//! First, the newest partial (unfinished) snapshot is kept if no finished one is newer; every
//! other partial one is removed. Then each rule, last to yearly, ignores the periods of snapshots
//! already kept and keeps the newest not-yet-decided snapshot of each further period, up to its
//! count; the other snapshots of those periods are removed for good. Protected snapshots are
//! never removed and never counted. There is no oldest-snapshot fallback and no `keep_within`.
//! When no rule is above 0, PBS keeps everything.

use jiff::tz::TimeZone;

use super::bucket::{Period, PeriodKey};
use super::decision::Ledger;
use super::rules::{self, Limit, Negatives};
use super::{Flavor, RetentionError, Rules, Snapshot};

const SUPPORTED: &str =
    "keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly, keep_yearly";

/// A validated PBS policy.
#[derive(Debug, Clone)]
pub(super) struct Policy {
    /// The rules that are on, in PBS's order (last to yearly); empty when no rule is above 0.
    /// No period groups by the backup time's UTC second (`keep_last`).
    selections: Vec<(Option<Period>, Limit)>,
}

/// What PBS has decided about a snapshot; the text is PBS's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Keep,
    KeepPartial,
    Protected,
    Remove,
}

impl Mark {
    fn reason(self) -> Option<&'static str> {
        match self {
            Mark::Keep => Some("keep"),
            Mark::KeepPartial => Some("keep-partial"),
            Mark::Protected => Some("protected"),
            Mark::Remove => None,
        }
    }
}

/// A period as PBS names it for one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selector {
    UtcSecond(i64),
    Calendar(PeriodKey),
}

impl Policy {
    /// Validates `rules` as the PBS prune API does.
    pub(super) fn new(rules: &Rules) -> Result<Self, RetentionError> {
        rules.reject_unsupported(Flavor::Pbs, SUPPORTED)?;
        let selections =
            rules::counted(Flavor::Pbs, Negatives::Rejected, rules.last_and_calendar())?;
        Ok(Policy { selections })
    }

    /// Marks what to keep among `sorted` (newest first), periods taken in `tz`.
    pub(super) fn decide(&self, sorted: &[&Snapshot], tz: &TimeZone) -> Ledger {
        let marks = if self.selections.is_empty() {
            vec![Some(Mark::Keep); sorted.len()]
        } else {
            let mut marks = partial_marks(sorted);
            for &(period, limit) in &self.selections {
                select(period, limit, sorted, tz, &mut marks);
            }
            marks
        };
        let mut ledger = Ledger::new(sorted.len());
        for (position, (snapshot, mark)) in sorted.iter().zip(marks).enumerate() {
            let mark = if snapshot.protected {
                Mark::Protected
            } else {
                mark.unwrap_or(Mark::Remove)
            };
            if let Some(reason) = mark.reason() {
                ledger.keep(position, reason);
            }
        }
        ledger
    }
}

/// Keeps the newest partial snapshot if nothing finished is newer; removes the other partial ones.
fn partial_marks(sorted: &[&Snapshot]) -> Vec<Option<Mark>> {
    let mut newest_so_far = true;
    sorted
        .iter()
        .map(|snapshot| {
            let mark = match (snapshot.partial, newest_so_far) {
                (false, _) => None,
                (true, true) => Some(Mark::KeepPartial),
                (true, false) => Some(Mark::Remove),
            };
            newest_so_far = false;
            mark
        })
        .collect()
}

/// The period `snapshot` falls in for a rule grouping by `period`.
fn selector(period: Option<Period>, snapshot: &Snapshot, tz: &TimeZone) -> Selector {
    let instant = snapshot.time.timestamp();
    match period {
        None => Selector::UtcSecond(instant.as_second()),
        Some(period) => Selector::Calendar(period.key(tz.to_datetime(instant))),
    }
}

/// One rule: skip the periods of snapshots already kept, then keep the newest undecided snapshot
/// of each further period and remove the rest of that period, until `limit` periods are kept.
fn select(
    period: Option<Period>,
    limit: Limit,
    sorted: &[&Snapshot],
    tz: &TimeZone,
    marks: &mut [Option<Mark>],
) {
    let already_kept: Vec<Selector> = sorted
        .iter()
        .zip(marks.iter())
        .filter(|(_, mark)| **mark == Some(Mark::Keep))
        .map(|(snapshot, _)| selector(period, snapshot, tz))
        .collect();
    let mut chosen: Vec<Selector> = Vec::new();
    for (snapshot, mark) in sorted.iter().zip(marks.iter_mut()) {
        if mark.is_some() {
            continue;
        }
        if snapshot.protected {
            *mark = Some(Mark::Protected);
            continue;
        }
        let selector = selector(period, snapshot, tz);
        if already_kept.contains(&selector) {
            continue;
        }
        if chosen.contains(&selector) {
            *mark = Some(Mark::Remove);
        } else if limit.allows(chosen.len() as u64) {
            chosen.push(selector);
            *mark = Some(Mark::Keep);
        } else {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(rules: &Rules, snapshots: &[Snapshot]) -> Vec<Option<String>> {
        let sorted: Vec<&Snapshot> = snapshots.iter().collect();
        let decision = Policy::new(rules)
            .expect("valid policy")
            .decide(&sorted, &TimeZone::UTC)
            .into_decision(&sorted);
        snapshots
            .iter()
            .map(|snapshot| {
                decision
                    .reasons
                    .get(&snapshot.id)
                    .map(|reasons| reasons.join(","))
            })
            .collect()
    }

    fn snapshot(id: &str, time: &str) -> Snapshot {
        Snapshot::parse(id, time).expect("valid snapshot")
    }

    #[test]
    fn no_rule_above_zero_keeps_everything() {
        let snapshots = [
            snapshot("a", "2024-06-02T00:00:00Z"),
            snapshot("b", "2024-06-01T00:00:00Z").mark_protected(),
        ];
        let rules = Rules {
            keep_daily: Some(0),
            ..Rules::default()
        };
        assert_eq!(
            reasons(&rules, &snapshots),
            [Some("keep".into()), Some("protected".into())]
        );
    }

    #[test]
    fn only_the_newest_partial_snapshot_survives_and_only_ahead_of_finished_ones() {
        let snapshots = [
            snapshot("running", "2024-06-03T00:00:00Z").mark_partial(),
            snapshot("done", "2024-06-02T00:00:00Z"),
            snapshot("crashed", "2024-06-01T00:00:00Z").mark_partial(),
            snapshot("old", "2024-05-01T00:00:00Z"),
        ];
        let rules = Rules {
            keep_daily: Some(5),
            ..Rules::default()
        };
        let expected = [
            Some("keep-partial".into()),
            Some("keep".into()),
            None,
            Some("keep".into()),
        ];
        assert_eq!(reasons(&rules, &snapshots), expected);
    }

    #[test]
    fn a_period_holding_a_kept_snapshot_is_skipped_by_later_rules() {
        // keep_last keeps the newest; weekly skips its week and keeps one from each older week.
        let snapshots = [
            snapshot("w23-b", "2024-06-05T00:00:00Z"),
            snapshot("w23-a", "2024-06-04T00:00:00Z"),
            snapshot("w22", "2024-05-29T00:00:00Z"),
            snapshot("w21", "2024-05-22T00:00:00Z"),
        ];
        let rules = Rules {
            keep_last: Some(1),
            keep_weekly: Some(2),
            ..Rules::default()
        };
        let expected = [
            Some("keep".into()),
            None,
            Some("keep".into()),
            Some("keep".into()),
        ];
        assert_eq!(reasons(&rules, &snapshots), expected);
    }

    #[test]
    fn negative_counts_and_keep_within_are_not_pbs() {
        let unlimited = Rules {
            keep_daily: Some(-1),
            ..Rules::default()
        };
        assert!(matches!(
            Policy::new(&unlimited),
            Err(RetentionError::InvalidCount { .. })
        ));
        let within = Rules {
            keep_within: Some("1d".into()),
            ..Rules::default()
        };
        assert!(matches!(
            Policy::new(&within),
            Err(RetentionError::UnsupportedRule { .. })
        ));
    }
}
