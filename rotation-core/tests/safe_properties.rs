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

fn created(minutes: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_569_120_060 + minutes * 60).unwrap()
}

/// One VM of a messy inventory: this key's generations (also in slots above the maximum, with or
/// without a creation time), near-miss names, other keys' clones, and anything else.
fn vm(slots: u8) -> impl Strategy<Value = Existing> {
    let generation = (1..=slots + 2, 0..SPAN, proptest::option::of(0..SPAN)).prop_map(
        |(slot, minutes, created_at)| Existing {
            name: format!("zz_{KEY}-{slot:02}-{}", stamp_after(minutes)),
            created: created_at.map(created),
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

fn generations(inventory: &[Existing]) -> Vec<(&str, CloneName)> {
    inventory
        .iter()
        .filter_map(|vm| {
            let clone = CloneName::parse("zz_", &vm.name).ok()?;
            (clone.key() == KEY).then_some((vm.name.as_str(), clone))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn safe_mode_keeps_its_promises((slots, inventory, stamp) in scenario()) {
        let rotation = SlotRotation::new("zz_", KEY, slots, Mode::Safe).unwrap();
        let plan = rotation.plan(inventory.clone(), stamp);
        // A run whose stamp a generation already carries has been made: it is refused.
        let made = generations(&inventory).iter().any(|(_, clone)| clone.stamp() == stamp);
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
        let own: BTreeSet<&str> = generations(&inventory).into_iter().map(|(name, _)| name).collect();
        for action in &plan.actions[1..] {
            let Action::Delete { name, requires_create, .. } = action else {
                return Err(TestCaseError::fail("a second create"));
            };
            prop_assert!(*requires_create);
            prop_assert!(own.contains(name.as_str()), "deletes {} which is not a generation", name);
            prop_assert_ne!(name, &plan.new_clone);
        }

        // Keeps min(slots - 1, usable earlier + 1) generations, one per slot within 1..=slots,
        // where the usable earlier generations are the distinct slots within range.
        let usable: BTreeSet<u8> = generations(&inventory)
            .iter()
            .map(|(_, clone)| clone.slot().get())
            .filter(|&slot| slot <= slots)
            .collect();
        let after = apply(&inventory, &plan);
        let kept = generations(&after);
        prop_assert!(kept.iter().any(|(name, _)| *name == plan.new_clone));
        prop_assert_eq!(kept.len(), usize::from(slots - 1).min(usable.len() + 1));
        let kept_slots: BTreeSet<u8> = kept.iter().map(|(_, clone)| clone.slot().get()).collect();
        prop_assert_eq!(kept_slots.len(), kept.len(), "two generations share a slot");
        prop_assert!(kept_slots.iter().all(|&slot| slot <= slots));
        if kept.len() == usize::from(slots - 1) {
            prop_assert_eq!(usize::from(slots) - kept_slots.len(), 1, "exactly one free slot");
        }

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

        // And the next run is an ordinary rotation: no duplicates or stray slots, one delete at most.
        let next_stamp = stamp_after(SPAN + 1);
        let next = rotation.plan(after, next_stamp);
        prop_assert!(next.deletions().count() <= 1);
        let stray = |f: &Finding| {
            matches!(f, Finding::DuplicateSlot { .. } | Finding::SlotAboveMaximum { .. })
        };
        prop_assert!(!next.findings.iter().any(stray), "{:?}", next.findings);
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
