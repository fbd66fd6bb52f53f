//! [`Mode::Safe`]: the script's naming and rotation order without its hazards.
//!
//! After the run, the generations kept are the new clone plus the newest `slots - 2` earlier
//! generations that can be kept (the newest of each slot in 1..=`slots`). Everything else of this
//! key (older duplicates, slots above the maximum, older generations) is deleted oldest first, and
//! only after the create has succeeded. The new clone takes the slot after the newest earlier
//! generation, skipping slots held by kept generations (which only happens after manual changes).
//! A run whose stamp a generation already carries has been made already and is refused, so
//! replanning after a run changes nothing.

use std::collections::BTreeMap;

use super::finding::{Finding, survey};
use super::generation::{Generation, oldest_first};
use super::{Action, Existing, Mode, Plan, SlotRotation};
use crate::name::{Slot, Stamp};

/// Plans a safe run at `stamp` over `existing`.
pub(super) fn plan(rotation: &SlotRotation, existing: &[Existing], stamp: Stamp) -> Plan {
    let generations = Generation::all_of(rotation, existing);
    let slots = rotation.slots();
    let chronology = oldest_first(generations.clone());
    // Index (into `chronology`) of the newest generation of each slot that may be kept.
    let mut newest_in_slot: BTreeMap<Slot, usize> = BTreeMap::new();
    for (age, generation) in chronology.iter().enumerate() {
        if generation.slot.get() <= slots {
            newest_in_slot.insert(generation.slot, age);
        }
    }
    let mut candidates: Vec<usize> = newest_in_slot.values().copied().collect();
    candidates.sort_unstable();
    let kept = &candidates[candidates.len().saturating_sub(usize::from(slots - 2))..];
    let newest = candidates.last().map(|&age| &chronology[age]);

    let current = newest.map_or(Slot::FIRST, |newest| {
        std::iter::successors(Some(newest.slot.next_in(slots)), |s| Some(s.next_in(slots)))
            .take(usize::from(slots))
            .find(|slot| kept.iter().all(|&age| chronology[age].slot != *slot))
            // Never taken: at most `slots - 2` slots hold kept generations.
            .unwrap_or(Slot::FIRST)
    });
    let new_clone = rotation.clone_name(current, stamp);
    let findings = survey(rotation, existing, &generations, &new_clone, stamp);
    let mut plan = Plan {
        mode: Mode::Safe,
        current,
        prev: current.next_in(slots),
        new_clone,
        blocked: None,
        actions: Vec::new(),
        findings,
    };
    let conflict = plan.findings.iter().find_map(|finding| match finding {
        Finding::Collision { name } | Finding::StampAlreadyUsed { name, .. } => Some(name),
        _ => None,
    });
    if let Some(conflict) = conflict {
        plan.blocked = Some(format!(
            "refusing to create {}: {conflict} already exists with this run's stamp; run again a minute later, or remove or rename that VM",
            plan.new_clone
        ));
        return plan;
    }

    plan.actions.push(Action::Create {
        name: plan.new_clone.clone(),
        reason: create_reason(rotation, current, newest),
    });
    let deletes = (0..chronology.len())
        .filter(|age| !kept.contains(age))
        .map(|age| {
            let generation = &chronology[age];
            let newer_in_slot = newest_in_slot
                .get(&generation.slot)
                .filter(|&&newest| newest != age)
                .map(|&newest| &chronology[newest]);
            Action::Delete {
                name: generation.name.clone(),
                reason: delete_reason(rotation, generation, newer_in_slot),
                requires_create: true,
            }
        });
    plan.actions.extend(deletes);
    plan
}

fn create_reason(rotation: &SlotRotation, current: Slot, newest: Option<&Generation>) -> String {
    match newest {
        None => format!(
            "no earlier generation of {}: the rotation starts at slot {current}",
            rotation.key()
        ),
        Some(newest) if newest.slot.next_in(rotation.slots()) == current => format!(
            "slot {current} follows slot {}, which holds the newest earlier generation ({})",
            newest.slot,
            newest.when()
        ),
        Some(newest) => format!(
            "slot {current} is the first slot after slot {} (the newest earlier generation, {}) that holds no kept generation",
            newest.slot,
            newest.when()
        ),
    }
}

/// Why `generation`, which is not kept, goes; `newer_in_slot` is the newer generation sharing its
/// slot, if any.
fn delete_reason(
    rotation: &SlotRotation,
    generation: &Generation,
    newer_in_slot: Option<&Generation>,
) -> String {
    let (slot, when) = (generation.slot, generation.when());
    if slot.get() > rotation.slots() {
        return format!(
            "slot {slot} is above the {} slots configured ({when})",
            rotation.slots()
        );
    }
    match newer_in_slot {
        Some(newer) => format!(
            "slot {slot} also holds the newer {}: this older duplicate ({when}) goes",
            newer.name
        ),
        None => {
            let kept = rotation.generations_kept();
            format!(
                "slot {slot} holds an older generation ({when}) than the {kept} kept (the new clone and the {} newest before it)",
                kept - 1
            )
        }
    }
}
