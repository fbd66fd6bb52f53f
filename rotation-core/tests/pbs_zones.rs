//! Proxmox Backup Server in a real time zone. PBS is not packaged for Debian, so unlike restic
//! and borg (`retention_vectors.rs`) it cannot be run here; these cases apply its published
//! rules by hand. How its zone semantics were derived: `compute_prune_info` in
//! proxmox-backup's `pbs-datastore/src/prune.rs` (3.2.4) names each snapshot's period with
//! `strftime_local` (`%Y/%m/%d/%H` hourly, `%Y/%m/%d` daily, `%G/%V` weekly, `%Y/%m` monthly,
//! `%Y` yearly) of its backup time, i.e. `localtime_r` in the zone of the server process;
//! `keep-last` uses every snapshot as its own period. The rules themselves (newest snapshot of
//! each period, periods already holding a kept snapshot skipped, rules in the order last,
//! hourly, daily, weekly, monthly, yearly) are those of the PBS documentation's "Prune
//! Simulator" and of `tests/prune.rs`, which `retention_vectors.rs` checks in UTC.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rotation_core::retention::{Flavor, Retention, Rules, Snapshot, Zone};

fn decide(zone: &str, rules: Rules, snapshots: &[(&str, &str)]) -> (Vec<String>, Vec<String>) {
    let zone = TimeZone::get(zone).expect("tzdata");
    let retention = Retention::new(Flavor::Pbs, &rules, Zone::TimeZone(zone)).expect("valid");
    let snapshots: Vec<Snapshot> = snapshots
        .iter()
        .map(|(id, time)| Snapshot::parse(*id, time).expect("valid time"))
        .collect();
    let decision = retention
        .apply(&snapshots, Timestamp::MAX)
        .expect("applies");
    (decision.keep, decision.remove)
}

/// Around the spring change in Berlin (2024-03-31, 02:00 CET → 03:00 CEST), local days begin at
/// 23:00Z before it and 22:00Z after it.
const SPRING: [(&str, &str); 4] = [
    ("mar30-0030", "2024-03-29T23:30:00Z"), // 2024-03-30 00:30 +01:00
    ("mar30-2330", "2024-03-30T22:30:00Z"), // 2024-03-30 23:30 +01:00
    ("mar31-2330", "2024-03-31T21:30:00Z"), // 2024-03-31 23:30 +02:00
    ("apr01-0030", "2024-03-31T22:30:00Z"), // 2024-04-01 00:30 +02:00
];

#[test]
fn days_are_the_servers_local_days_across_the_spring_change() {
    let daily = Rules {
        keep_daily: Some(3),
        ..Rules::default()
    };
    let (keep, remove) = decide("Europe/Berlin", daily.clone(), &SPRING);
    assert_eq!(keep, ["apr01-0030", "mar31-2330", "mar30-2330"]);
    assert_eq!(remove, ["mar30-0030"]);
    // The same snapshots on a server in UTC: other days, another answer.
    let (keep, _) = decide("UTC", daily, &SPRING);
    assert_eq!(keep, ["apr01-0030", "mar30-2330", "mar30-0030"]);
}

#[test]
fn a_local_day_already_holding_a_kept_snapshot_is_skipped() {
    let rules = Rules {
        keep_last: Some(1),
        keep_daily: Some(2),
        ..Rules::default()
    };
    // keep-last keeps apr01-0030; daily skips 2024-04-01 (already kept) and keeps the newest of
    // 2024-03-31 and of 2024-03-30.
    let (keep, remove) = decide("Europe/Berlin", rules, &SPRING);
    assert_eq!(keep, ["apr01-0030", "mar31-2330", "mar30-2330"]);
    assert_eq!(remove, ["mar30-0030"]);
}

#[test]
fn the_repeated_autumn_hour_is_one_local_hour() {
    // 2024-10-27 in New York is no change; in Berlin 02:00-03:00 happens twice (00:00Z-02:00Z).
    let snapshots = [
        ("first-0230", "2024-10-27T00:30:00Z"),  // 02:30 +02:00
        ("second-0230", "2024-10-27T01:30:00Z"), // 02:30 +01:00
        ("0330", "2024-10-27T02:30:00Z"),        // 03:30 +01:00
    ];
    let hourly = Rules {
        keep_hourly: Some(3),
        ..Rules::default()
    };
    let (keep, remove) = decide("Europe/Berlin", hourly.clone(), &snapshots);
    assert_eq!(keep, ["0330", "second-0230"]);
    assert_eq!(remove, ["first-0230"]);
    let (keep, _) = decide("America/New_York", hourly, &snapshots);
    assert_eq!(keep.len(), 3);
}

#[test]
fn weeks_are_local_iso_weeks_across_week_53() {
    // 2021-01-03 23:30 in New York (Sunday of 2020-W53) is 2021-01-04 04:30Z (Monday, 2021-W01).
    let snapshots = [
        ("w53-sun", "2021-01-04T04:30:00Z"),
        ("w01-mon", "2021-01-04T05:30:00Z"), // 2021-01-04 00:30 -05:00
    ];
    let weekly = Rules {
        keep_weekly: Some(2),
        ..Rules::default()
    };
    let (keep, _) = decide("America/New_York", weekly.clone(), &snapshots);
    assert_eq!(keep, ["w01-mon", "w53-sun"]);
    let (keep, remove) = decide("UTC", weekly, &snapshots);
    assert_eq!(
        (keep, remove),
        (vec!["w01-mon".to_owned()], vec!["w53-sun".to_owned()])
    );
}
