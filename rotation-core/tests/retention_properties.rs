//! Properties every flavor's decision must have, on random snapshots and policies.

use std::collections::BTreeSet;

use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, ZonedDateTime};
use proptest::prelude::*;
use rotation_core::retention::{Decision, Flavor, Retention, Rules, Snapshot, Zone};

/// 2023-01-01T00:00:00Z: snapshots fall within three years of it.
const BASE: i64 = 1_672_531_200;
const YEAR: i64 = 365 * 86_400;

fn snapshots(flavor: Flavor) -> impl Strategy<Value = Vec<Snapshot>> {
    // Clustered and spread-out times, so that buckets both collide and stay empty.
    let second = prop_oneof![0..3 * YEAR, 0..2 * 86_400_i64, 0..120_i64];
    let offset_hours = if flavor == Flavor::Restic {
        -12..=14_i8
    } else {
        0..=0
    };
    let tags = proptest::sample::subsequence(vec!["a", "b"], 0..=2);
    let flags = if flavor == Flavor::Pbs {
        (any::<bool>(), any::<bool>()).boxed()
    } else {
        Just((false, false)).boxed()
    };
    prop::collection::vec((second, offset_hours, tags, flags), 0..40).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(
                |(index, (second, offset_hours, tags, (protected, partial)))| {
                    let instant = Timestamp::from_second(BASE + second).expect("in range");
                    let zone =
                        TimeZone::fixed(Offset::from_hours(offset_hours).expect("valid offset"));
                    let mut snapshot =
                        Snapshot::new(format!("s{index:02}"), ZonedDateTime::new(instant, zone))
                            .with_tags(tags);
                    snapshot.protected = protected;
                    snapshot.partial = partial;
                    snapshot
                },
            )
            .collect()
    })
}

fn count(allow_unlimited: bool) -> BoxedStrategy<Option<i64>> {
    let low = if allow_unlimited { -1 } else { 0 };
    prop_oneof![Just(None), (low..=4_i64).prop_map(Some)].boxed()
}

fn duration(choices: &'static [&'static str]) -> BoxedStrategy<Option<String>> {
    prop_oneof![
        Just(None),
        proptest::sample::select(choices).prop_map(|text| Some(text.to_owned()))
    ]
    .boxed()
}

fn rules(flavor: Flavor) -> BoxedStrategy<Rules> {
    match flavor {
        Flavor::Restic => {
            let counts = (
                count(true),
                count(true),
                count(true),
                count(true),
                count(true),
                count(true),
            );
            let spans = &["1h", "1d", "7d", "1m", "1y2m3d3h", "0d"];
            let windows = (
                duration(spans),
                duration(spans),
                duration(spans),
                duration(spans),
                duration(spans),
            );
            let tags = prop_oneof![
                Just(None),
                Just(Some(vec![vec!["a".to_owned()]])),
                Just(Some(vec![vec!["a".to_owned(), "b".to_owned()]]))
            ];
            (counts, duration(spans), windows, tags)
                .prop_map(
                    |(
                        (last, hourly, daily, weekly, monthly, yearly),
                        within,
                        (wh, wd, ww, wm, wy),
                        tags,
                    )| Rules {
                        keep_last: last,
                        keep_hourly: hourly,
                        keep_daily: daily,
                        keep_weekly: weekly,
                        keep_monthly: monthly,
                        keep_yearly: yearly,
                        keep_within: within,
                        keep_within_hourly: wh,
                        keep_within_daily: wd,
                        keep_within_weekly: ww,
                        keep_within_monthly: wm,
                        keep_within_yearly: wy,
                        keep_tags: tags,
                        ..Rules::default()
                    },
                )
                .boxed()
        }
        Flavor::Borg => {
            let fine = (count(true), count(true), count(true), count(true));
            let coarse = (count(true), count(true), count(true), any::<bool>());
            (fine, coarse, duration(&["1H", "2d", "1w", "1m", "1y"]))
                .prop_map(
                    |(
                        (secondly, minutely, hourly, daily),
                        (weekly, monthly, quarterly, by_13_weeks),
                        within,
                    )| Rules {
                        keep_secondly: secondly,
                        keep_minutely: minutely,
                        keep_hourly: hourly,
                        keep_daily: daily,
                        keep_weekly: weekly,
                        keep_monthly: monthly,
                        keep_13weekly: quarterly.filter(|_| by_13_weeks),
                        keep_3monthly: quarterly.filter(|_| !by_13_weeks),
                        keep_within: within,
                        ..Rules::default()
                    },
                )
                .boxed()
        }
        Flavor::Pbs => (
            count(false),
            count(false),
            count(false),
            count(false),
            count(false),
            count(false),
        )
            .prop_map(|(last, hourly, daily, weekly, monthly, yearly)| Rules {
                keep_last: last,
                keep_hourly: hourly,
                keep_daily: daily,
                keep_weekly: weekly,
                keep_monthly: monthly,
                keep_yearly: yearly,
                ..Rules::default()
            })
            .boxed(),
    }
}

/// A flavor, a policy it accepts, snapshots and a prune time (which may precede some snapshots).
fn scenario() -> impl Strategy<Value = (Retention, Rules, Vec<Snapshot>, Timestamp)> {
    prop_oneof![Just(Flavor::Restic), Just(Flavor::Borg), Just(Flavor::Pbs)].prop_flat_map(
        |flavor| {
            let zone = if flavor == Flavor::Restic {
                Zone::SnapshotOffset
            } else {
                Zone::TimeZone(
                    TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").expect("valid POSIX zone"),
                )
            };
            let now = (2 * YEAR..4 * YEAR)
                .prop_map(|second| Timestamp::from_second(BASE + second).expect("in range"));
            (rules(flavor), snapshots(flavor), now).prop_filter_map(
                "policy the flavor refuses",
                move |(rules, snapshots, now)| {
                    Retention::new(flavor, &rules, zone.clone())
                        .ok()
                        .map(|retention| (retention, rules, snapshots, now))
                },
            )
        },
    )
}

/// Whether a counted rule (last, hourly, …, yearly) is above 0 or unlimited.
fn has_counted_rule(rules: &Rules) -> bool {
    [
        rules.keep_last,
        rules.keep_secondly,
        rules.keep_minutely,
        rules.keep_hourly,
        rules.keep_daily,
        rules.keep_weekly,
        rules.keep_monthly,
        rules.keep_13weekly,
        rules.keep_3monthly,
        rules.keep_yearly,
    ]
    .into_iter()
    .flatten()
    .any(|count| count != 0)
}

fn apply(retention: &Retention, snapshots: &[Snapshot], now: Timestamp) -> Decision {
    retention.apply(snapshots, now).expect("valid snapshots")
}

proptest! {
    #[test]
    fn the_newest_snapshot_is_kept_when_a_counted_rule_is_above_zero((retention, rules, snapshots, now) in scenario()) {
        prop_assume!(has_counted_rule(&rules));
        let newest_time = snapshots.iter().map(|snapshot| snapshot.time.timestamp()).max();
        // Among equal times, the first given counts as the newest.
        if let Some(newest) = snapshots.iter().find(|snapshot| Some(snapshot.time.timestamp()) == newest_time) {
            let decision = apply(&retention, &snapshots, now);
            prop_assert!(decision.keep.contains(&newest.id), "{:?} removed: {decision:?}", newest.id);
        }
    }

    #[test]
    fn applying_again_to_the_kept_snapshots_removes_nothing((retention, _rules, snapshots, now) in scenario()) {
        let first = apply(&retention, &snapshots, now);
        let kept: Vec<Snapshot> = snapshots.into_iter().filter(|snapshot| first.keep.contains(&snapshot.id)).collect();
        let second = apply(&retention, &kept, now);
        prop_assert!(second.remove.is_empty(), "second run removes {:?} after {first:?}", second.remove);
        prop_assert_eq!(second.keep, first.keep);
    }

    #[test]
    fn every_id_is_decided_exactly_once_and_every_kept_id_has_a_reason((retention, _rules, snapshots, now) in scenario()) {
        let decision = apply(&retention, &snapshots, now);
        let mut decided: Vec<&String> = decision.keep.iter().chain(&decision.remove).collect();
        decided.sort();
        let mut given: Vec<&String> = snapshots.iter().map(|snapshot| &snapshot.id).collect();
        given.sort();
        prop_assert_eq!(decided, given);
        let with_reasons: BTreeSet<&String> = decision.reasons.iter().filter(|(_, reasons)| !reasons.is_empty()).map(|(id, _)| id).collect();
        prop_assert_eq!(with_reasons, decision.keep.iter().collect::<BTreeSet<_>>());
    }
}
