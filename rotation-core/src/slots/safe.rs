//! [`Mode::Safe`]: the script's naming and rotation order without its hazards.
//!
//! After the run, the generations kept are the new clone plus the newest `slots - 2` earlier
//! generations of this key by creation time, whatever their slots: also generations in slots
//! above the maximum (left after lowering `slots`) and several in one slot. So no deleted
//! generation is ever newer than a kept one, and a run keeps min(`slots - 1`, earlier + 1)
//! generations. Everything else of this key is deleted oldest first, and only after the create
//! has succeeded. The new clone takes the slot after the newest earlier generation (wrapping
//! within 1..=`slots`), skipping slots held by kept generations (which only happens after manual
//! changes or a lowered `slots`); the leftovers are gone once `slots - 1` runs have made newer
//! generations. A run whose stamp a generation already carries has been made already and is
//! refused, so replanning after a run changes nothing.

use super::finding::{Finding, survey};
use super::generation::{Generation, oldest_first};
use super::{Action, Existing, Mode, Plan, SlotRotation};
use crate::name::{Slot, Stamp};

/// Plans a safe run at `stamp` over `existing`.
pub(super) fn plan(rotation: &SlotRotation, existing: &[Existing], stamp: Stamp) -> Plan {
    let slots = rotation.slots();
    let generations = Generation::all_of(rotation, existing);
    let chronology = oldest_first(generations.clone());
    let (deleted, kept) =
        chronology.split_at(chronology.len().saturating_sub(usize::from(slots - 2)));
    let newest = chronology.last();

    let current = newest.map_or(Slot::FIRST, |newest| {
        std::iter::successors(Some(newest.slot.next_in(slots)), |s| Some(s.next_in(slots)))
            .take(usize::from(slots))
            .find(|slot| kept.iter().all(|generation| generation.slot != *slot))
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
    let deletes = deleted.iter().enumerate().map(|(age, generation)| {
        let newer_in_slot = chronology[age + 1..]
            .iter()
            .rev()
            .find(|newer| newer.slot == generation.slot);
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
        Some(newest) if newest.slot.get() > rotation.slots() => format!(
            "slot {} holds the newest earlier generation ({}), above the {} slots configured: the rotation wraps to slot {current}",
            newest.slot,
            newest.when(),
            rotation.slots()
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

/// Why `generation`, which is not kept (so older than every kept one), goes; `newer_in_slot` is
/// the newest generation sharing its slot, if any.
fn delete_reason(
    rotation: &SlotRotation,
    generation: &Generation,
    newer_in_slot: Option<&Generation>,
) -> String {
    let (slot, when) = (generation.slot, generation.when());
    let kept = match rotation.generations_kept() {
        1 => "the 1 kept (the new clone alone)".to_owned(),
        kept => format!(
            "the {kept} kept (the new clone and the {} newest before it)",
            kept - 1
        ),
    };
    if slot.get() > rotation.slots() {
        return format!(
            "slot {slot} is above the {} slots configured and holds an older generation ({when}) than {kept}",
            rotation.slots()
        );
    }
    match newer_in_slot {
        Some(newer) => format!(
            "slot {slot} also holds the newer {}, and this duplicate ({when}) is older than {kept}",
            newer.name
        ),
        None => format!("slot {slot} holds an older generation ({when}) than {kept}"),
    }
}
