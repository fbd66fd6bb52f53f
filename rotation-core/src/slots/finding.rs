//! Anomalies a plan reports about the inventory it was given.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::generation::Generation;
use super::{Existing, SlotRotation};
use crate::name::{CloneName, Slot, Stamp};

/// Something unusual in the inventory. Both modes report the same findings; what they do about
/// them differs (see each variant).
///
/// In JSON a finding is an object with a `kind` (the variant in snake case), the variant's fields
/// and a human `message`, e.g.
/// `{"kind": "duplicate_slot", "slot": 2, "names": [...], "message": "slot 02 holds 2 ..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// Several generations share a slot. The script never cleans them (it deletes only when
    /// exactly one VM matches); safe mode keeps them only while they are among the newest
    /// generations kept.
    DuplicateSlot {
        /// The shared slot.
        slot: Slot,
        /// The generations in it, by name.
        names: Vec<String>,
    },
    /// A generation in a slot above the configured maximum (left over from a larger `slots`).
    /// Safe mode keeps it while it is among the newest generations kept, and never puts a new
    /// clone there; the script never looks at it.
    SlotAboveMaximum {
        /// The generation.
        name: String,
        /// Its slot.
        slot: Slot,
        /// The configured number of slots.
        slots: u8,
    },
    /// A VM named like this rotation's clones (same prefix and key) that is not a well-formed
    /// clone name. Safe mode never touches it; the script's patterns may match it.
    UnparsableName {
        /// The VM's name.
        name: String,
    },
    /// A generation stamped later than this run: clock skew, another time zone, or a
    /// daylight-saving fall-back.
    StampInFuture {
        /// The generation.
        name: String,
        /// Its stamp.
        stamp: Stamp,
        /// This run's stamp.
        run: Stamp,
    },
    /// A generation in another slot already carries this run's stamp: the run seems to have been
    /// made already (twice in one minute). Safe mode refuses to run, which makes replanning an
    /// applied plan a no-op; compat mode goes ahead as the script would.
    StampAlreadyUsed {
        /// The generation.
        name: String,
        /// The stamp both carry.
        stamp: Stamp,
    },
    /// A VM already has the new clone's name. Safe mode refuses to run (see
    /// [`Plan::blocked`](super::Plan::blocked)); compat mode goes ahead as the script would.
    Collision {
        /// The name both would have.
        name: String,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::DuplicateSlot { slot, names } => {
                write!(
                    f,
                    "slot {slot} holds {} generations: {}",
                    names.len(),
                    names.join(", ")
                )
            }
            Finding::SlotAboveMaximum { name, slot, slots } => {
                write!(
                    f,
                    "{name} is in slot {slot}, above the {slots} slots configured"
                )
            }
            Finding::UnparsableName { name } => write!(
                f,
                "{name} is named like a clone of this VM but is not <prefix><key>-NN-yyyyMMddHHmm"
            ),
            Finding::StampInFuture { name, stamp, run } => write!(
                f,
                "{name} is stamped {}, later than this run's {} (clock skew, another time zone or a daylight-saving fall-back?)",
                stamp.readable(),
                run.readable()
            ),
            Finding::StampAlreadyUsed { name, stamp } => write!(
                f,
                "{name} already carries this run's stamp {}: the run seems to have been made already",
                stamp.readable()
            ),
            Finding::Collision { name } => {
                write!(
                    f,
                    "a VM named {name} already exists, so the new clone cannot take that name"
                )
            }
        }
    }
}

/// Serializes findings as their variant plus a `message`.
pub(super) fn serialize_with_messages<S: serde::Serializer>(
    findings: &[Finding],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct WithMessage<'a> {
        #[serde(flatten)]
        finding: &'a Finding,
        message: String,
    }
    serializer.collect_seq(findings.iter().map(|finding| WithMessage {
        finding,
        message: finding.to_string(),
    }))
}

/// What a run of `rotation` at `run` creating `new_clone` finds in `existing`, whose
/// `generations` are already parsed.
pub(super) fn survey(
    rotation: &SlotRotation,
    existing: &[Existing],
    generations: &[Generation],
    new_clone: &str,
    run: Stamp,
) -> Vec<Finding> {
    let mut by_slot: BTreeMap<Slot, Vec<String>> = BTreeMap::new();
    for generation in generations {
        by_slot
            .entry(generation.slot)
            .or_default()
            .push(generation.name.clone());
    }
    let duplicates = by_slot
        .into_iter()
        .filter(|(_, names)| names.len() > 1)
        .map(|(slot, names)| Finding::DuplicateSlot { slot, names });
    let above_maximum = generations
        .iter()
        .filter(|g| g.slot.get() > rotation.slots())
        .map(|g| Finding::SlotAboveMaximum {
            name: g.name.clone(),
            slot: g.slot,
            slots: rotation.slots(),
        });
    let base = format!("{}{}", rotation.prefix(), rotation.key());
    let unparsable = existing
        .iter()
        .filter(|vm| {
            vm.name.starts_with(&base) && CloneName::parse(rotation.prefix(), &vm.name).is_err()
        })
        .map(|vm| Finding::UnparsableName {
            name: vm.name.clone(),
        });
    let in_future = generations
        .iter()
        .filter(|g| g.stamp > run)
        .map(|g| Finding::StampInFuture {
            name: g.name.clone(),
            stamp: g.stamp,
            run,
        });
    let stamp_used = generations
        .iter()
        .filter(|g| g.stamp == run && g.name != new_clone)
        .map(|g| Finding::StampAlreadyUsed {
            name: g.name.clone(),
            stamp: g.stamp,
        });
    let collision = existing
        .iter()
        .find(|vm| vm.name == new_clone)
        .map(|vm| Finding::Collision {
            name: vm.name.clone(),
        });
    duplicates
        .chain(above_maximum)
        .chain(unparsable)
        .chain(in_future)
        .chain(stamp_used)
        .chain(collision)
        .collect()
}
