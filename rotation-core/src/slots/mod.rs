//! The slot rotation: which clone to create and which to delete on one backup run.
//!
//! A rotation has `slots` numbered slots. Each run clones the VM into one slot and leaves the slot
//! after it free, so `slots` = generations kept + 1: with `slots = 4` three generations are kept
//! (`01 -> 02 -> 03 -> 04 -> 01 ...`, the next generation's slot always missing).
//! See the [crate documentation](crate) for the two [`Mode`]s.

mod compat;
mod finding;
mod generation;
mod plan;
mod safe;

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use finding::Finding;
pub use plan::{Action, Plan};

use crate::name::{Slot, Stamp};

/// One existing VM as the caller's inventory lists it.
///
/// Only the name is needed; `created`, when the caller knows it, orders generations precisely
/// (clone stamps are local time without an offset and repeat at a daylight-saving fall-back).
///
/// ```
/// use rotation_core::Existing;
///
/// let plain = Existing::from("zz_avocado2-01-201909220241");
/// assert_eq!(plain.created, None);
/// let precise = Existing::created_at("zz_avocado2-02-201909230241", "2019-09-22T17:41:07Z".parse()?);
/// assert!(precise.created.is_some());
/// # Ok::<(), jiff::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    /// The VM's name, exactly as the inventory shows it (vSphere's `%2f`, `%5c`, `%25` escapes
    /// already decoded: the policy compares names as plain strings).
    pub name: String,
    /// When the VM was created, if recorded (the backup job records it on each clone).
    pub created: Option<Timestamp>,
}

impl Existing {
    /// A VM whose creation time is known.
    pub fn created_at(name: impl Into<String>, created: Timestamp) -> Existing {
        Existing {
            name: name.into(),
            created: Some(created),
        }
    }
}

impl From<&str> for Existing {
    fn from(name: &str) -> Existing {
        Existing::from(name.to_owned())
    }
}

impl From<String> for Existing {
    fn from(name: String) -> Existing {
        Existing {
            name,
            created: None,
        }
    }
}

/// How a rotation decides; [`Mode::Safe`] unless you need the script's exact behaviour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The script's naming and rotation order without its hazards: exact names only, duplicates
    /// and stray slots cleaned up, deletes only after the new clone exists.
    #[default]
    Safe,
    /// The script exactly, quirks included, for users migrating from it.
    Compat,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Safe => "safe",
            Mode::Compat => "compat",
        })
    }
}

impl FromStr for Mode {
    type Err = ModeError;

    fn from_str(text: &str) -> Result<Mode, ModeError> {
        match text {
            "safe" => Ok(Mode::Safe),
            "compat" => Ok(Mode::Compat),
            _ => Err(ModeError {
                text: text.to_owned(),
            }),
        }
    }
}

/// A mode name that is neither `safe` nor `compat`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown mode \"{text}\": use safe or compat")]
pub struct ModeError {
    text: String,
}

/// Why a rotation cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Safe mode with fewer than two slots: there would be no free slot to rotate into.
    #[error(
        "{mode} mode needs at least 2 slots, got {slots}: slots = generations kept + 1 (one slot stays free), so use 2 or more"
    )]
    TooFewSlots {
        /// The slots asked for.
        slots: u8,
        /// The mode asked for.
        mode: Mode,
    },
    /// Slots outside 1..=99: clone names hold the slot in two digits.
    #[error(
        "slots must be between 1 and 99 (clone names hold the slot in two digits), got {slots}"
    )]
    SlotsOutOfRange {
        /// The slots asked for.
        slots: u8,
    },
    /// No key: clone names would not say which VM they copy.
    #[error("the VM key is empty: give the name of the VM to back up")]
    EmptyKey,
}

/// The rotation of one VM's clones.
///
/// ```
/// use rotation_core::{Mode, SlotRotation};
///
/// let rotation = SlotRotation::new("zz_", "avocado2", 4, Mode::Safe)?;
/// assert_eq!(rotation.generations_kept(), 3);
/// let plan = rotation.plan(
///     ["zz_avocado2-01-201909220241", "zz_avocado2-02-201909230241", "zz_avocado2-03-201909240241"],
///     "201909250241".parse()?,
/// );
/// assert_eq!(plan.new_clone, "zz_avocado2-04-201909250241");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotRotation {
    prefix: String,
    key: String,
    slots: u8,
    mode: Mode,
}

impl SlotRotation {
    /// A rotation of `key`'s clones named `<prefix><key>-<NN>-<yyyyMMddHHmm>` over slots
    /// 1..=`slots`, keeping `slots - 1` generations.
    ///
    /// # Errors
    /// [`PlanError::SlotsOutOfRange`] unless 1 <= `slots` <= 99, [`PlanError::TooFewSlots`] for
    /// one slot in [`Mode::Safe`], [`PlanError::EmptyKey`] for an empty key.
    pub fn new(
        prefix: impl Into<String>,
        key: impl Into<String>,
        slots: u8,
        mode: Mode,
    ) -> Result<SlotRotation, PlanError> {
        let (prefix, key) = (prefix.into(), key.into());
        if Slot::new(slots).is_none() {
            return Err(PlanError::SlotsOutOfRange { slots });
        }
        if mode == Mode::Safe && slots < 2 {
            return Err(PlanError::TooFewSlots { slots, mode });
        }
        if key.is_empty() {
            return Err(PlanError::EmptyKey);
        }
        Ok(SlotRotation {
            prefix,
            key,
            slots,
            mode,
        })
    }

    /// The prefix of every clone name.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The key naming the VM.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The number of slots (the script's `maxBackupIdx`).
    pub fn slots(&self) -> u8 {
        self.slots
    }

    /// The generations kept after each run, the new clone included: `slots - 1`.
    pub fn generations_kept(&self) -> u8 {
        self.slots - 1
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Plans one run taken at `stamp` over the VMs that exist now.
    ///
    /// `existing` may list every VM of the inventory: only this rotation's clones are
    /// considered (in [`Mode::Compat`], those the script's `-like` patterns match).
    pub fn plan<I>(&self, existing: I, stamp: Stamp) -> Plan
    where
        I: IntoIterator,
        I::Item: Into<Existing>,
    {
        let existing: Vec<Existing> = existing.into_iter().map(Into::into).collect();
        match self.mode {
            Mode::Safe => safe::plan(self, &existing, stamp),
            Mode::Compat => compat::plan(self, &existing, stamp),
        }
    }

    /// The name of this rotation's clone in `slot` taken at `stamp`.
    fn clone_name(&self, slot: Slot, stamp: Stamp) -> String {
        crate::name::clone_name(&self.prefix, &self.key, slot, stamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_slot_counts_with_advice() {
        let err = SlotRotation::new("zz_", "a", 1, Mode::Safe).unwrap_err();
        assert_eq!(
            err,
            PlanError::TooFewSlots {
                slots: 1,
                mode: Mode::Safe
            }
        );
        assert!(err.to_string().contains("use 2 or more"), "{err}");
        assert!(SlotRotation::new("zz_", "a", 1, Mode::Compat).is_ok());
        for slots in [0, 100] {
            assert_eq!(
                SlotRotation::new("zz_", "a", slots, Mode::Compat),
                Err(PlanError::SlotsOutOfRange { slots })
            );
        }
        assert_eq!(
            SlotRotation::new("zz_", "", 3, Mode::Safe),
            Err(PlanError::EmptyKey)
        );
    }

    #[test]
    fn modes_parse_and_print() {
        assert_eq!("compat".parse(), Ok(Mode::Compat));
        assert_eq!(Mode::default().to_string(), "safe");
        let err = "Safe".parse::<Mode>().unwrap_err().to_string();
        assert_eq!(err, "unknown mode \"Safe\": use safe or compat");
    }
}
