//! Safe mode's guarantees from any starting inventory, and its agreement with the script in every
//! state the script itself produces.

mod support;

use std::collections::BTreeSet;

use proptest::prelude::*;
use rotation_core::{Action, CloneName, Existing, Finding, Mode, SlotRotation, Stamp};
use support::{apply, ops, stamp_after};

const KEY: &str = "web";

/// Minutes within which the generated stamps and creation times fall (about two weeks).
const SPAN: i64 = 20_000;

/// The creation time of a clone stamped `stamp_after(minutes)`, `second` seconds into the minute.
fn created(minutes: i64, second: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_569_120_060 + minutes * 60 + second).unwrap()
}

/// One VM of a messy inventory: this key's generations (also in slots up to three above the
/// maximum, as left by lowering `slots`, several in one slot, with or without a creation time),
/// near-miss names, other keys' clones, and anything else.
///
/// A creation time agrees with the stamp (stamps and creation times that disagree, as at a
/// daylight-saving fall-back, are the weak points test's), so a generation's age is its
/// [`age`].
fn vm(slots: u8) -> impl Strategy<Value = Existing> {
    let generation = (1..=slots + 3, 0..SPAN, proptest::option::of(0..60i64)).prop_map(
        |(slot, minutes, second)| Existing {
            name: format!("zz_{KEY}-{slot:02}-{}", stamp_after(minutes)),
            created: second.map(|second| created(minutes, second)),
        },
    );
    let near_miss = (1..=slots, 0..SPAN, 0..4usize).prop_map(|(slot, minutes, shape)| {
        let stamp = stamp_after(minutes);
        Existing::from(match shape {
            0 => format!("ZZ_WEB-{slot:02}-{stamp}"),
            1 => format!("zz_{KEY}-01-{slot:02}-{stamp}"),
            2 => format!("zz_{KEY}2-{slot:02}-{stamp}"),
            _ => format!("zz_{KEY}-{slot:02}-{}", &stamp.to_string()[..8]),
        })
    });
    let anything = "[a-zA-Z0-9_\\-%]{0,24}".prop_map(Existing::from);
    prop_oneof![3 => generation, 2 => near_miss, 1 => anything]
}

fn scenario() -> impl Strategy<Value = (u8, Vec<Existing>, Stamp)> {
    (2u8..=7).prop_flat_map(|slots| {
        (
            Just(slots),
            proptest::collection::vec(vm(slots), 0..14),
            (0..SPAN).prop_map(stamp_after),
        )
    })
}

/// This key's generations in `inventory`, by name.
fn generations(inventory: &[Existing]) -> Vec<(&Existing, CloneName)> {
    inventory
        .iter()
        .filter_map(|vm| {
            let clone = CloneName::parse("zz_", &vm.name).ok()?;
            (clone.key() == KEY).then_some((vm, clone))
        })
        .collect()
}

/// What orders generations by age: the stamp, then the creation time (none counts as older on
/// equal stamps). Generations with equal ages may go either way.
fn age((vm, clone): &(&Existing, CloneName)) -> (Stamp, Option<jiff::Timestamp>) {
    (clone.stamp(), vm.created)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn safe_mode_keeps_its_promises((slots, inventory, stamp) in scenario()) {
        let rotation = SlotRotation::new("zz_", KEY, slots, Mode::Safe).unwrap();
        let plan = rotation.plan(inventory.clone(), stamp);
        let earlier = generations(&inventory);
        // A run whose stamp a generation already carries has been made: it is refused.
        let made = earlier.iter().any(|(_, clone)| clone.stamp() == stamp);
        prop_assert_eq!(plan.blocked.is_some(), made);
        if made {
            prop_assert!(plan.actions.is_empty());
            return Ok(());
        }

        // Creates first, then deletes this key's generations only, never the new clone, all
        // conditional on the create.
        prop_assert_eq!(&plan.actions[0], &Action::Create {
            name: plan.new_clone.clone(),
            reason: plan.actions[0].reason().to_owned(),
        });
        let own: BTreeSet<&str> = earlier.iter().map(|(vm, _)| vm.name.as_str()).collect();
        for action in &plan.actions[1..] {
            let Action::Delete { name, requires_create, .. } = action else {
                return Err(TestCaseError::fail("a second create"));
            };
            prop_assert!(*requires_create);
            prop_assert!(own.contains(name.as_str()), "deletes {} which is not a generation", name);
            prop_assert_ne!(name, &plan.new_clone);
        }

        // Keeps min(slots - 1, earlier + 1) generations, the new clone included, whatever their
        // slots (also above the maximum, also several in one slot).
        let after = apply(&inventory, &plan);
        let kept = generations(&after);
        prop_assert!(kept.iter().any(|(vm, _)| vm.name == plan.new_clone));
        prop_assert_eq!(kept.len(), usize::from(slots - 1).min(earlier.len() + 1));

        // No deleted generation is newer than a kept one, and deletes go oldest first.
        let deleted: Vec<_> = plan
            .deletions()
            .map(|name| earlier.iter().find(|(vm, _)| vm.name == name).unwrap())
            .collect();
        for pair in deleted.windows(2) {
            prop_assert!(age(pair[0]) <= age(pair[1]), "{} deleted before {}", pair[0].0.name, pair[1].0.name);
        }
        for gone in &deleted {
            for stays in kept.iter().filter(|(vm, _)| vm.name != plan.new_clone) {
                prop_assert!(age(gone) <= age(stays), "deletes {} but keeps the older {}", gone.0.name, stays.0.name);
            }
        }

        // The new clone's slot is within 1..=slots and holds no kept earlier generation.
        let slot_of = |name: &str| CloneName::parse("zz_", name).unwrap().slot().get();
        let current = slot_of(&plan.new_clone);
        prop_assert!(current <= slots);
        prop_assert_eq!(kept.iter().filter(|(_, clone)| clone.slot().get() == current).count(), 1);

        // Everything not a generation is untouched.
        let others = |vms: &[Existing]| -> Vec<String> {
            let mut names: Vec<String> = vms
                .iter()
                .filter(|vm| !own.contains(vm.name.as_str()) && vm.name != plan.new_clone)
                .map(|vm| vm.name.clone())
                .collect();
            names.sort();
            names
        };
        prop_assert_eq!(others(&inventory), others(&after));

        // Idempotent: replanning the same run finds its own clone and does nothing more.
        let replan = rotation.plan(after.clone(), stamp);
        prop_assert!(replan.actions.is_empty() && replan.blocked.is_some());

        // The next runs delete one generation at most; once `slots - 1` of them, all newer than
        // any earlier generation, have run, only their clones are left, one per slot, and the
        // rotation is an ordinary one.
        let mut inventory = after;
        for run in 1..slots {
            let next = rotation.plan(inventory.clone(), stamp_after(SPAN + i64::from(run)));
            prop_assert!(next.deletions().count() <= 1);
            inventory = apply(&inventory, &next);
        }
        prop_assert_eq!(generations(&inventory).len(), usize::from(slots - 1));
        let ordinary = rotation.plan(inventory, stamp_after(SPAN + i64::from(slots)));
        let stray = |f: &Finding| {
            matches!(f, Finding::DuplicateSlot { .. } | Finding::SlotAboveMaximum { .. })
        };
        prop_assert!(!ordinary.findings.iter().any(stray), "{:?}", ordinary.findings);
        prop_assert!(ordinary.deletions().count() <= 1);
    }

    #[test]
    fn safe_matches_compat_in_every_state_the_script_produces(
        slots in 2u8..=12,
        gaps in proptest::collection::vec(1i64..3000, 0..30),
    ) {
        let compat = SlotRotation::new("zz_", KEY, slots, Mode::Compat).unwrap();
        let safe = SlotRotation::new("zz_", KEY, slots, Mode::Safe).unwrap();
        let mut inventory: Vec<Existing> = vec![KEY.into(), "zz_db-01-201909220241".into()];
        let mut minutes = 0;
        for gap in gaps {
            minutes += gap;
            let stamp = stamp_after(minutes);
            let by_script = compat.plan(inventory.clone(), stamp);
            let by_safe = safe.plan(inventory.clone(), stamp);
            prop_assert_eq!(
                (by_script.current, by_script.prev, &by_script.new_clone),
                (by_safe.current, by_safe.prev, &by_safe.new_clone)
            );
            prop_assert_eq!(ops(&by_script), ops(&by_safe));
            inventory = apply(&inventory, &by_script);
        }
    }
}
