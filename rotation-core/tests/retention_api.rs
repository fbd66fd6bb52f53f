//! The retention API's contract beyond the tools' own test cases: validation, errors, serde.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rotation_core::retention::{
    Decision, Flavor, Retention, RetentionError, Rules, Snapshot, Zone,
};

fn daily(n: i64) -> Rules {
    Rules {
        keep_daily: Some(n),
        ..Rules::default()
    }
}

fn now() -> Timestamp {
    "2024-07-01T00:00:00Z".parse().expect("valid timestamp")
}

fn snapshot(id: &str, time: &str) -> Snapshot {
    Snapshot::parse(id, time).expect("valid snapshot")
}

#[test]
fn only_restic_buckets_in_each_snapshots_own_offset() {
    let utc = || Zone::TimeZone(TimeZone::UTC);
    for flavor in [Flavor::Borg, Flavor::Pbs] {
        let err = Retention::new(flavor, &daily(1), Zone::SnapshotOffset)
            .expect_err("zone must be refused");
        assert_eq!(err, RetentionError::ZoneMismatch { flavor });
        assert!(err.to_string().contains("pass Zone::TimeZone"), "{err}");
    }
    for (flavor, zone) in [
        (Flavor::Restic, Zone::SnapshotOffset),
        (Flavor::Restic, utc()),
        (Flavor::Borg, utc()),
        (Flavor::Pbs, utc()),
    ] {
        let retention = Retention::new(flavor, &daily(1), zone).expect("matching zone");
        assert_eq!(retention.flavor(), flavor);
    }
}

#[test]
fn rules_a_flavor_lacks_are_refused_by_name() {
    let cases = [
        (
            Flavor::Restic,
            Rules {
                keep_minutely: Some(3),
                ..daily(1)
            },
            "keep_minutely",
        ),
        (
            Flavor::Borg,
            Rules {
                keep_within_daily: Some("7d".into()),
                ..daily(1)
            },
            "keep_within_daily",
        ),
        (
            Flavor::Pbs,
            Rules {
                keep_3monthly: Some(1),
                ..daily(1)
            },
            "keep_3monthly",
        ),
    ];
    for (flavor, rules, rule) in cases {
        let zone = if flavor == Flavor::Restic {
            Zone::SnapshotOffset
        } else {
            Zone::TimeZone(TimeZone::UTC)
        };
        let err = Retention::new(flavor, &rules, zone).expect_err("rule must be refused");
        assert!(
            matches!(err, RetentionError::UnsupportedRule { rule: named, .. } if named == rule),
            "{err}"
        );
    }
}

#[test]
fn durations_use_each_flavors_own_syntax() {
    let restic = Rules {
        keep_within: Some("2d".into()),
        ..Rules::default()
    };
    assert!(Retention::new(Flavor::Restic, &restic, Zone::SnapshotOffset).is_ok());
    let err = Retention::new(
        Flavor::Borg,
        &Rules {
            keep_within: Some("1y2m".into()),
            ..Rules::default()
        },
        Zone::TimeZone(TimeZone::UTC),
    )
    .expect_err("restic syntax is not borg syntax");
    assert!(
        matches!(
            err,
            RetentionError::InvalidDuration {
                flavor: Flavor::Borg,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("write it like"), "{err}");
}

#[test]
fn duplicate_ids_are_refused() {
    let retention = Retention::new(Flavor::Restic, &daily(3), Zone::SnapshotOffset).expect("valid");
    let snapshots = [
        snapshot("a", "2024-06-01T00:00:00Z"),
        snapshot("a", "2024-06-02T00:00:00Z"),
    ];
    let err = retention
        .apply(&snapshots, now())
        .expect_err("duplicate id");
    assert_eq!(err, RetentionError::DuplicateSnapshotId { id: "a".into() });
}

#[test]
fn protected_and_partial_snapshots_are_refused_where_the_tool_has_no_such_notion() {
    let restic = Retention::new(Flavor::Restic, &daily(1), Zone::SnapshotOffset).expect("valid");
    let borg =
        Retention::new(Flavor::Borg, &daily(1), Zone::TimeZone(TimeZone::UTC)).expect("valid");
    let protected = [snapshot("p", "2024-06-01T00:00:00Z").mark_protected()];
    let partial = [snapshot("q", "2024-06-01T00:00:00Z").mark_partial()];
    assert!(matches!(
        restic.apply(&protected, now()),
        Err(RetentionError::UnsupportedFlag {
            flag: "protected",
            ..
        })
    ));
    assert!(matches!(
        borg.apply(&partial, now()),
        Err(RetentionError::UnsupportedFlag {
            flag: "partial",
            ..
        })
    ));
}

#[test]
fn decisions_serialize_as_keep_remove_and_reasons() {
    let retention =
        Retention::new(Flavor::Borg, &daily(1), Zone::TimeZone(TimeZone::UTC)).expect("valid");
    let snapshots = [
        snapshot("old", "2024-06-01T00:00:00Z"),
        snapshot("new", "2024-06-01T12:00:00Z"),
    ];
    let decision = retention.apply(&snapshots, now()).expect("valid snapshots");
    let json = serde_json::to_value(&decision).expect("serializable");
    assert_eq!(
        json,
        serde_json::json!({"keep": ["new"], "remove": ["old"], "reasons": {"new": ["daily #1"]}})
    );
    let back: Decision = serde_json::from_value(json).expect("deserializable");
    assert_eq!(back, decision);
}

#[test]
fn flavors_serialize_in_lowercase() {
    let flavors: Vec<Flavor> =
        serde_json::from_str(r#"["restic", "borg", "pbs"]"#).expect("valid flavors");
    assert_eq!(flavors, [Flavor::Restic, Flavor::Borg, Flavor::Pbs]);
    assert_eq!(
        serde_json::to_string(&Flavor::Pbs).expect("serializable"),
        r#""pbs""#
    );
}
