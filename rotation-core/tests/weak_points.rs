//! The script's weak points that a rotation policy can show (seed-workflow.md): for each, compat
//! mode reproduces it and safe mode does not. Also lowering `slots`, where safe mode once
//! deleted the newest generations.

mod support;

use rotation_core::{Action, Existing, Finding, Mode, Plan, SlotRotation};
use support::{apply, ops, stamp_after};

const DAY: i64 = 24 * 60;

fn plan(mode: Mode, key: &str, slots: u8, existing: &[&str], stamp: &str) -> Plan {
    SlotRotation::new("zz_", key, slots, mode)
        .unwrap()
        .plan(existing.iter().copied(), stamp.parse().unwrap())
}

fn has_duplicate_finding(plan: &Plan) -> bool {
    plan.findings
        .iter()
        .any(|f| matches!(f, Finding::DuplicateSlot { .. }))
}

#[test]
fn duplicates_are_never_cleaned_by_compat_but_are_by_safe() {
    let start: Vec<Existing> = [
        "zz_web-01-201909220241",
        "zz_web-02-201909230241",
        "zz_web-02-201909231200",
    ]
    .map(Existing::from)
    .to_vec();
    let run = |mode| {
        let rotation = SlotRotation::new("zz_", "web", 4, mode).unwrap();
        let mut inventory = start.clone();
        let plans: Vec<Plan> = (2..10)
            .map(|day| {
                let plan = rotation.plan(inventory.clone(), stamp_after(day * DAY));
                inventory = apply(&inventory, &plan);
                plan
            })
            .collect();
        (plans, inventory)
    };

    let (plans, inventory) = run(Mode::Compat);
    assert!(plans.iter().all(has_duplicate_finding));
    for duplicate in ["zz_web-02-201909230241", "zz_web-02-201909231200"] {
        assert!(inventory.iter().any(|vm| vm.name == duplicate));
    }

    // Safe mode keeps the newest generations, here both duplicates: slot 01 is older, then the
    // older duplicate goes on the next run.
    let (plans, inventory) = run(Mode::Safe);
    assert_eq!(
        plans[0].deletions().collect::<Vec<_>>(),
        ["zz_web-01-201909220241"]
    );
    assert_eq!(
        plans[1].deletions().collect::<Vec<_>>(),
        ["zz_web-02-201909230241"]
    );
    assert_eq!(
        plans[1].actions[1].reason(),
        "slot 02 also holds the newer zz_web-02-201909231200, and this duplicate (2019-09-23 02:41) is older than the 3 kept (the new clone and the 2 newest before it)"
    );
    assert!(plans[2..].iter().all(|plan| !has_duplicate_finding(plan)));
    assert_eq!(inventory.len(), 3);
}

#[test]
fn lowering_slots_keeps_the_newest_generations_in_safe_mode_not_the_lowest_slots() {
    // Five runs of a six-slot rotation, then `slots` lowered to 3: slot 05 holds the newest.
    let five: Vec<String> = (1..=5)
        .map(|slot| format!("zz_web-{slot:02}-2019092{slot}0241"))
        .collect();
    let five: Vec<&str> = five.iter().map(String::as_str).collect();

    // Safe mode keeps 2: the new clone and the newest earlier generation, whatever its slot; the
    // new clone takes the slot after it, wrapping within 1..=3.
    let safe = plan(Mode::Safe, "web", 3, &five, "201909260241");
    assert_eq!(
        ops(&safe),
        [
            ("create", "zz_web-01-201909260241"),
            ("delete", "zz_web-01-201909210241"),
            ("delete", "zz_web-02-201909220241"),
            ("delete", "zz_web-03-201909230241"),
            ("delete", "zz_web-04-201909240241"),
        ]
    );
    assert_eq!(
        safe.actions[0].reason(),
        "slot 05 holds the newest earlier generation (2019-09-25 02:41), above the 3 slots configured: the rotation wraps to slot 01"
    );
    assert_eq!(
        safe.actions[4].reason(),
        "slot 04 is above the 3 slots configured and holds an older generation (2019-09-24 02:41) than the 2 kept (the new clone and the 1 newest before it)"
    );
    assert_eq!(
        safe.actions[3].reason(),
        "slot 03 holds an older generation (2019-09-23 02:41) than the 2 kept (the new clone and the 1 newest before it)"
    );
    // The next run rotates on and lets slot 05 go, now the oldest.
    let inventory: Vec<Existing> = five.iter().copied().map(Existing::from).collect();
    let after = apply(&inventory, &safe);
    let next = SlotRotation::new("zz_", "web", 3, Mode::Safe)
        .unwrap()
        .plan(after, "201909270241".parse().unwrap());
    assert_eq!(
        ops(&next),
        [
            ("create", "zz_web-02-201909270241"),
            ("delete", "zz_web-05-201909250241"),
        ]
    );

    // The script never looks above slot 03: it fills slot 01 again and deletes slot 02, and
    // slots 04 and 05 stay for ever.
    let compat = plan(Mode::Compat, "web", 3, &five, "201909260241");
    assert_eq!(
        ops(&compat),
        [
            ("delete", "zz_web-01-201909210241"),
            ("create", "zz_web-01-201909260241"),
            ("delete", "zz_web-02-201909220241"),
        ]
    );
}

#[test]
fn all_slots_full_compat_deletes_slot_one_even_if_newest_safe_keeps_it() {
    let full = [
        "zz_web-01-201909250241",
        "zz_web-02-201909230241",
        "zz_web-03-201909240241",
    ];
    let compat = plan(Mode::Compat, "web", 3, &full, "201909260241");
    assert_eq!(
        ops(&compat),
        [
            ("delete", "zz_web-01-201909250241"),
            ("create", "zz_web-01-201909260241"),
            ("delete", "zz_web-02-201909230241"),
        ]
    );

    let safe = plan(Mode::Safe, "web", 3, &full, "201909260241");
    assert_eq!(
        ops(&safe),
        [
            ("create", "zz_web-02-201909260241"),
            ("delete", "zz_web-02-201909230241"),
            ("delete", "zz_web-03-201909240241"),
        ]
    );
}

#[test]
fn compat_deletes_before_creating_safe_only_after() {
    let full = ["zz_web-01-201909220241", "zz_web-02-201909230241"];
    let requires_create = |plan: &Plan| -> Vec<(&'static str, bool)> {
        plan.actions
            .iter()
            .map(|action| match action {
                Action::Create { .. } => ("create", true),
                Action::Delete {
                    requires_create, ..
                } => ("delete", *requires_create),
            })
            .collect()
    };
    // The script deletes the current slot's clone before cloning; the prev slot's delete comes
    // after CloneVM in the same try block, so a failed clone skips it.
    let compat = plan(Mode::Compat, "web", 2, &full, "201909240241");
    assert_eq!(
        requires_create(&compat),
        [("delete", false), ("create", true), ("delete", true)]
    );
    assert_eq!(
        compat.actions[2].reason(),
        "zz_web-02-201909230241 is the only VM matching zz_web-02* (prev slot 02) once the new clone exists: the script deletes it after cloning, in the same try block, which a failed clone (CloneVM throws) leaves before this delete"
    );

    let safe = plan(Mode::Safe, "web", 2, &full, "201909240241");
    assert_eq!(
        requires_create(&safe),
        [("create", true), ("delete", true), ("delete", true)]
    );
    assert_eq!(
        safe.actions[1].reason(),
        "slot 01 holds an older generation (2019-09-22 02:41) than the 1 kept (the new clone alone)"
    );
}

#[test]
fn like_prefix_matching_makes_compat_delete_another_keys_clone() {
    // `zz_web-01-01-...` is slot 01 of the VM `web-01`, but matches `web`'s pattern `zz_web-01*`.
    let existing = [
        "zz_web-01-01-201909240241",
        "zz_web-02-201909230241",
        "zz_web-03-201909240241",
    ];
    let compat = plan(Mode::Compat, "web", 3, &existing, "201909250241");
    assert_eq!(compat.deletions().next(), Some("zz_web-01-01-201909240241"));

    let safe = plan(Mode::Safe, "web", 3, &existing, "201909250241");
    assert_eq!(
        ops(&safe),
        [
            ("create", "zz_web-01-201909250241"),
            ("delete", "zz_web-02-201909230241"),
        ]
    );
}

#[test]
fn like_wildcards_in_the_key_make_compat_miss_its_own_clones_and_hit_others() {
    // For key `db[1]` the pattern `zz_db[1]-01*` matches `zz_db1-01-...`, never `zz_db[1]-01-...`.
    let existing = [
        "zz_db[1]-01-201909220241",
        "zz_db[1]-02-201909230241",
        "zz_db1-01-201909200241",
        "zz_db1-02-201909210241",
    ];
    let compat = plan(Mode::Compat, "db[1]", 3, &existing, "201909240241");
    assert_eq!(
        ops(&compat),
        [
            ("create", "zz_db[1]-03-201909240241"),
            ("delete", "zz_db1-01-201909200241"),
        ]
    );

    let safe = plan(Mode::Safe, "db[1]", 3, &existing, "201909240241");
    assert_eq!(
        ops(&safe),
        [
            ("create", "zz_db[1]-03-201909240241"),
            ("delete", "zz_db[1]-01-201909220241"),
        ]
    );
}

#[test]
fn a_wildcard_key_makes_compat_delete_the_clone_it_just_created() {
    // Key `db*`: VMs zz_db-01..18 fill slots 01..18, so current is 19 and prev 20; once created,
    // the new clone `zz_db*-19-2020...` is the only VM matching `zz_db*-20*` ("-2020...").
    let existing: Vec<String> = (1..=18).map(|slot| format!("zz_db-{slot:02}")).collect();
    let existing: Vec<&str> = existing.iter().map(String::as_str).collect();
    let compat = plan(Mode::Compat, "db*", 20, &existing, "202001010000");
    assert_eq!((compat.current.get(), compat.prev.get()), (19, 20));
    assert_eq!(
        ops(&compat),
        [
            ("create", "zz_db*-19-202001010000"),
            ("delete", "zz_db*-19-202001010000"),
        ]
    );

    let safe = plan(Mode::Safe, "db*", 20, &existing, "202001010000");
    assert_eq!(ops(&safe), [("create", "zz_db*-01-202001010000")]);
}

#[test]
fn like_ignores_case_so_compat_deletes_a_differently_cased_vm() {
    let existing = [
        "ZZ_Web-01-201801010000",
        "zz_web-02-201909230241",
        "zz_web-03-201909240241",
    ];
    let compat = plan(Mode::Compat, "web", 3, &existing, "201909250241");
    assert_eq!(compat.deletions().next(), Some("ZZ_Web-01-201801010000"));

    let safe = plan(Mode::Safe, "web", 3, &existing, "201909250241");
    assert_eq!(
        safe.deletions().collect::<Vec<_>>(),
        ["zz_web-02-201909230241"]
    );
}

#[test]
fn escaped_names_are_just_names_to_both_modes() {
    // vSphere lists the clones of VM `a/b` as `zz_a%2fb-...` unless the client decodes them.
    let escaped = ["zz_a%2fb-01-201909220241", "zz_a%2fb-02-201909230241"];
    let decoded = ["zz_a/b-01-201909220241", "zz_a/b-02-201909230241"];
    for mode in [Mode::Compat, Mode::Safe] {
        let blind = plan(mode, "a/b", 3, &escaped, "201909240241");
        assert_eq!(
            ops(&blind),
            [("create", "zz_a/b-01-201909240241")],
            "{mode}"
        );

        let seeing = plan(mode, "a/b", 3, &decoded, "201909240241");
        assert_eq!(
            ops(&seeing),
            [
                ("create", "zz_a/b-03-201909240241"),
                ("delete", "zz_a/b-01-201909220241"),
            ],
            "{mode}"
        );

        // `%` has no meaning in a key: it is matched literally.
        let literal = plan(mode, "a%2fb", 3, &escaped, "201909240241");
        assert_eq!(literal.current.get(), 3, "{mode}");
    }
}

#[test]
fn stamps_repeating_at_dst_fall_back_are_ordered_by_creation_time_in_safe_mode() {
    // America/New_York, 2019-11-03: 01:50 EDT (05:50Z) then, after the fall-back, 01:10 EST
    // (06:10Z). The next run is at 01:40 EST (06:40Z): slot 01 holds the older clone.
    let first = ("zz_web-01-201911030150", "2019-11-03T05:50:00Z");
    let second = ("zz_web-02-201911030110", "2019-11-03T06:10:00Z");
    let timed: Vec<Existing> = [first, second]
        .map(|(name, created)| Existing::created_at(name, created.parse().unwrap()))
        .to_vec();
    let untimed: Vec<Existing> = [first, second].map(|(name, _)| name.into()).to_vec();
    let rotation = |mode| SlotRotation::new("zz_", "web", 3, mode).unwrap();
    let run = "201911030140".parse().unwrap();

    // The script only knows the names: its stamps repeat and creation times change nothing.
    let compat = rotation(Mode::Compat).plan(timed.clone(), run);
    assert_eq!(compat, rotation(Mode::Compat).plan(untimed.clone(), run));
    assert!(
        compat
            .findings
            .iter()
            .any(|f| matches!(f, Finding::StampInFuture { .. }))
    );

    let safe = rotation(Mode::Safe).plan(timed, run);
    assert_eq!(
        ops(&safe),
        [
            ("create", "zz_web-03-201911030140"),
            ("delete", "zz_web-01-201911030150"),
        ]
    );
    // Stamps alone would take the second pass for the older clone and delete the newest one.
    let by_stamp = rotation(Mode::Safe).plan(untimed, run);
    assert_eq!(
        by_stamp.deletions().collect::<Vec<_>>(),
        ["zz_web-02-201911030110"]
    );
}
