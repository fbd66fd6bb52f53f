//! [`Mode::Compat`]: the script's decisions, step by step, quirks included.
//!
//! The script looks VMs up with `Get-VM | Where Name -like "<prefix><key>-<NN>*"` (see
//! [`like`](crate::like)) and:
//! 1. takes the first slot no VM matches as `current` (none free, or slot 1: current 1, prev 2;
//!    current = max: prev 1; else prev = current + 1);
//! 2. deletes the VM matching the current slot, if exactly one does, before cloning;
//! 3. creates the new clone;
//! 4. deletes the VM matching the prev slot, if exactly one does, looking again at the inventory
//!    (which now holds the new clone), only if the clone succeeded: the script calls
//!    `$vmView.CloneVM(...)`, a .NET method that throws on a failed clone, inside its `try {}`,
//!    which skips the rest. The current slot's delete in step 2 happens whatever the clone does.

use super::finding::survey;
use super::generation::Generation;
use super::{Action, Existing, Mode, Plan, SlotRotation};
use crate::like::like;
use crate::name::{Slot, Stamp};

/// Plans a compat run at `stamp` over `existing`, as the script would run it.
pub(super) fn plan(rotation: &SlotRotation, existing: &[Existing], stamp: Stamp) -> Plan {
    let mut inventory: Vec<&str> = existing.iter().map(|vm| vm.name.as_str()).collect();
    let pattern = |slot: Slot| format!("{}{}-{slot}*", rotation.prefix(), rotation.key());
    let matching = |inventory: &[&str], slot: Slot| -> Vec<String> {
        let pattern = pattern(slot);
        inventory
            .iter()
            .filter(|name| like(name, &pattern))
            .map(|name| (*name).to_owned())
            .collect()
    };

    let slots = rotation.slots();
    let first_free = (1..=slots)
        .filter_map(Slot::new)
        .find(|&slot| matching(&inventory, slot).is_empty());
    let (current, prev) = match first_free {
        Some(free) if free != Slot::FIRST => (free, free.next_in(slots)),
        // The script's fallback, slot 02 even when only one slot is configured.
        _ => (Slot::FIRST, Slot::FIRST.next_in(Slot::MAX)),
    };
    let new_clone = rotation.clone_name(current, stamp);
    let generations = Generation::all_of(rotation, existing);
    let findings = survey(rotation, existing, &generations, &new_clone, stamp);

    let mut actions = Vec::new();
    if let [only] = matching(&inventory, current).as_slice() {
        actions.push(Action::Delete {
            name: only.clone(),
            reason: format!(
                "{only} is the only VM matching {} (current slot {current}): the script deletes it before cloning",
                pattern(current)
            ),
            requires_create: false,
        });
        inventory.retain(|name| name != only);
    }
    let create_reason = match first_free {
        Some(free) => format!(
            "slot {free} is the first slot where no VM matches {}",
            pattern(free)
        ),
        None => format!(
            "every slot 01..{slots:02} has a VM matching its pattern, so the script falls back to slot {current}"
        ),
    };
    actions.push(Action::Create {
        name: new_clone.clone(),
        reason: create_reason,
    });
    inventory.push(&new_clone);
    if let [only] = matching(&inventory, prev).as_slice() {
        actions.push(Action::Delete {
            name: only.clone(),
            reason: format!(
                "{only} is the only VM matching {} (prev slot {prev}) once the new clone exists: the script deletes it after cloning, in the same try block, which a failed clone (CloneVM throws) leaves before this delete",
                pattern(prev)
            ),
            requires_create: true,
        });
    }

    Plan {
        mode: Mode::Compat,
        current,
        prev,
        new_clone,
        blocked: None,
        actions,
        findings,
    }
}
