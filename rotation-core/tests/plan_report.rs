//! What a plan reports: findings, refusals, the script's slot arithmetic, and the JSON schema.

mod support;

use rotation_core::{Finding, Mode, Plan, SlotRotation};
use serde_json::json;
use support::ops;

fn plan(mode: Mode, slots: u8, existing: &[&str], stamp: &str) -> Plan {
    SlotRotation::new("zz_", "web", slots, mode)
        .unwrap()
        .plan(existing.iter().copied(), stamp.parse().unwrap())
}

#[test]
fn every_anomaly_is_reported_in_both_modes() {
    let existing = [
        "zz_web-01-201909220241",
        "zz_web-01-201909221200",
        "zz_web-07-201909230241",
        "zz_web-02-2019",
        "zz_web-03-201912310000",
        "zz_web-01-01-201909220241",
        "web",
    ];
    for mode in [Mode::Safe, Mode::Compat] {
        let plan = plan(mode, 4, &existing, "201909250241");
        assert_eq!(
            plan.findings,
            [
                Finding::DuplicateSlot {
                    slot: rotation_core::Slot::FIRST,
                    names: vec![
                        "zz_web-01-201909220241".into(),
                        "zz_web-01-201909221200".into()
                    ],
                },
                Finding::SlotAboveMaximum {
                    name: "zz_web-07-201909230241".into(),
                    slot: rotation_core::Slot::new(7).unwrap(),
                    slots: 4,
                },
                Finding::UnparsableName {
                    name: "zz_web-02-2019".into()
                },
                Finding::StampInFuture {
                    name: "zz_web-03-201912310000".into(),
                    stamp: "201912310000".parse().unwrap(),
                    run: "201909250241".parse().unwrap(),
                },
            ],
            "{mode}"
        );
    }
}

#[test]
fn safe_never_deletes_unparsable_names_compat_may() {
    let existing = ["zz_web-01-2019", "zz_web-02-201909230241"];
    let safe = plan(Mode::Safe, 3, &existing, "201909250241");
    assert_eq!(safe.deletions().count(), 0);
    // The script sees slot 01 and 02 taken, creates 03 and deletes the only `zz_web-01*`.
    let compat = plan(Mode::Compat, 3, &existing, "201909250241");
    assert_eq!(compat.deletions().collect::<Vec<_>>(), ["zz_web-01-2019"]);
}

#[test]
fn a_run_already_made_blocks_safe_mode_but_not_compat() {
    let existing = ["zz_web-02-201909250241"];
    let safe = plan(Mode::Safe, 3, &existing, "201909250241");
    assert!(safe.actions.is_empty());
    let blocked = safe.blocked.as_deref().unwrap();
    assert!(blocked.contains("zz_web-02-201909250241") && blocked.contains("a minute later"));

    let compat = plan(Mode::Compat, 3, &existing, "201909250241");
    assert_eq!(compat.blocked, None);
    assert!(matches!(
        compat.findings.as_slice(),
        [Finding::StampAlreadyUsed { name, .. }] if name == "zz_web-02-201909250241"
    ));
    assert_eq!(
        ops(&compat),
        [
            ("create", "zz_web-01-201909250241"),
            ("delete", "zz_web-02-201909250241"),
        ]
    );
}

#[test]
fn a_name_collision_blocks_safe_mode_but_not_compat() {
    let collision = Finding::Collision {
        name: "zz_web-01-201909250241".into(),
    };
    // Slot 03's future stamp makes it the newest, so safe mode picks slot 01, whose VM has the
    // very name the new clone would get.
    let existing = ["zz_web-01-201909250241", "zz_web-03-201909260241"];
    let safe = plan(Mode::Safe, 3, &existing, "201909250241");
    assert_eq!(safe.new_clone, "zz_web-01-201909250241");
    assert!(safe.findings.contains(&collision));
    assert!(safe.blocked.is_some() && safe.actions.is_empty());

    // With one slot, the script deletes the only match of slot 01 and recreates the same name.
    let compat = plan(Mode::Compat, 1, &["zz_web-01-201909250241"], "201909250241");
    assert!(compat.findings.contains(&collision));
    assert_eq!(compat.blocked, None);
    assert_eq!(
        ops(&compat),
        [
            ("delete", "zz_web-01-201909250241"),
            ("create", "zz_web-01-201909250241"),
        ]
    );
}

#[test]
fn compat_slot_arithmetic_matches_the_script() {
    // One slot: always current 1, prev 2.
    let one = plan(
        Mode::Compat,
        1,
        &["zz_web-01-201909220241", "zz_web-02-201909230241"],
        "201909250241",
    );
    assert_eq!((one.current.get(), one.prev.get()), (1, 2));
    assert_eq!(
        ops(&one),
        [
            ("delete", "zz_web-01-201909220241"),
            ("create", "zz_web-01-201909250241"),
            ("delete", "zz_web-02-201909230241"),
        ]
    );
    // No free slot: current 1, prev 2; the middle slot: prev = current + 1.
    let full = plan(
        Mode::Compat,
        3,
        &["zz_web-01-2", "zz_web-02-2", "zz_web-03-2"],
        "201909250241",
    );
    assert_eq!((full.current.get(), full.prev.get()), (1, 2));
    let middle = plan(Mode::Compat, 3, &["zz_web-01-2"], "201909250241");
    assert_eq!((middle.current.get(), middle.prev.get()), (2, 3));
}

#[test]
fn json_follows_the_documented_schema() {
    let plan = plan(
        Mode::Safe,
        4,
        &[
            "zz_web-01-201909220241",
            "zz_web-02-201909230241",
            "zz_web-02-201909231200",
            "zz_web-03-201909240241",
        ],
        "201909250241",
    );
    let value = serde_json::to_value(&plan).unwrap();
    assert_eq!(value["mode"], "safe");
    assert_eq!(
        (value["current"].clone(), value["prev"].clone()),
        (json!(4), json!(1))
    );
    assert_eq!(value["new_clone"], "zz_web-04-201909250241");
    assert_eq!(value["blocked"], json!(null));
    let actions = value["actions"].as_array().unwrap();
    assert_eq!(actions[0]["op"], "create");
    assert_eq!(actions[0]["name"], "zz_web-04-201909250241");
    assert!(actions[0].get("requires_create").is_none());
    assert_eq!(
        actions[1],
        json!({
            "op": "delete",
            "name": "zz_web-01-201909220241",
            "reason": "slot 01 holds an older generation (2019-09-22 02:41) than the 3 kept (the new clone and the 2 newest before it)",
            "requires_create": true,
        })
    );
    assert_eq!(actions[2]["name"], "zz_web-02-201909230241");
    assert_eq!(
        value["findings"],
        json!([{
            "kind": "duplicate_slot",
            "slot": 2,
            "names": ["zz_web-02-201909230241", "zz_web-02-201909231200"],
            "message": "slot 02 holds 2 generations: zz_web-02-201909230241, zz_web-02-201909231200",
        }])
    );
}
