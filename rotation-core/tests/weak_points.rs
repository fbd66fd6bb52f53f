//! The script's weak points that a rotation policy can show (seed-workflow.md): for each, compat
//! mode reproduces it and safe mode does not.

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

    let (plans, inventory) = run(Mode::Safe);
    assert_eq!(
        plans[0].deletions().collect::<Vec<_>>(),
        ["zz_web-02-201909230241"]
    );
    assert!(plans[1..].iter().all(|plan| !has_duplicate_finding(plan)));
    assert_eq!(inventory.len(), 3);
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
    let compat = plan(Mode::Compat, "web", 2, &full, "201909240241");
    assert!(matches!(
        compat.actions[0],
        Action::Delete {
            requires_create: false,
            ..
        }
    ));
    assert!(compat.actions.iter().all(|action| !matches!(
        action,
        Action::Delete {
            requires_create: true,
            ..
        }
    )));

    let safe = plan(Mode::Safe, "web", 2, &full, "201909240241");
    assert!(matches!(safe.actions[0], Action::Create { .. }));
    assert_eq!(safe.deletions().count(), 2);
    assert!(safe.actions[1..].iter().all(|action| matches!(
        action,
        Action::Delete {
            requires_create: true,
            ..
        }
    )));
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
