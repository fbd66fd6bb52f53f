//! The 8-run example of the seed article: key avocado2, 4 slots, runs 1..8 from nothing.

mod support;

use rotation_core::{Action, CloneName, Existing, Mode, SlotRotation};
use support::{apply, ops, stamp_after};

const DAY: i64 = 24 * 60;

/// The slots held after each run, and each run's (current, prev), from nothing.
fn eight_runs(mode: Mode) -> Vec<(Vec<u8>, (u8, u8))> {
    let rotation = SlotRotation::new("zz_", "avocado2", 4, mode).unwrap();
    // The VM itself and other VMs share the inventory with the clones.
    let mut inventory: Vec<Existing> = vec!["avocado2".into(), "papaya3".into()];
    (0..8)
        .map(|run| {
            let plan = rotation.plan(inventory.clone(), stamp_after(run * DAY));
            assert_eq!(plan.blocked, None);
            inventory = apply(&inventory, &plan);
            let mut slots: Vec<u8> = inventory
                .iter()
                .filter_map(|vm| CloneName::parse("zz_", &vm.name).ok())
                .map(|clone| clone.slot().get())
                .collect();
            slots.sort_unstable();
            (slots, (plan.current.get(), plan.prev.get()))
        })
        .collect()
}

const TABLE: [&[u8]; 8] = [
    &[1],
    &[1, 2],
    &[1, 2, 3],
    &[2, 3, 4],
    &[1, 3, 4],
    &[1, 2, 4],
    &[1, 2, 3],
    &[2, 3, 4],
];
const CURRENT_PREV: [(u8, u8); 8] = [
    (1, 2),
    (2, 3),
    (3, 4),
    (4, 1),
    (1, 2),
    (2, 3),
    (3, 4),
    (4, 1),
];

fn assert_table(mode: Mode) {
    let runs = eight_runs(mode);
    let slots: Vec<&[u8]> = runs.iter().map(|(slots, _)| slots.as_slice()).collect();
    assert_eq!(slots, TABLE, "{mode}");
    let current_prev: Vec<(u8, u8)> = runs.iter().map(|(_, cp)| *cp).collect();
    assert_eq!(current_prev, CURRENT_PREV, "{mode}");
}

#[test]
fn compat_reproduces_the_articles_table() {
    assert_table(Mode::Compat);
}

#[test]
fn safe_reproduces_the_articles_table() {
    assert_table(Mode::Safe);
}

#[test]
fn run_four_deletes_slot_one_after_creating_slot_four() {
    for mode in [Mode::Compat, Mode::Safe] {
        let rotation = SlotRotation::new("zz_", "avocado2", 4, mode).unwrap();
        let plan = rotation.plan(
            [
                "zz_avocado2-01-201909220241",
                "zz_avocado2-02-201909230241",
                "zz_avocado2-03-201909240241",
            ],
            "201909250241".parse().unwrap(),
        );
        assert_eq!(
            ops(&plan),
            [
                ("create", "zz_avocado2-04-201909250241"),
                ("delete", "zz_avocado2-01-201909220241")
            ],
            "{mode}"
        );
        // Slot 01 is the prev slot: the script, too, deletes it only after a successful clone.
        assert!(
            matches!(
                plan.actions[1],
                Action::Delete {
                    requires_create: true,
                    ..
                }
            ),
            "{mode}"
        );
    }
}
