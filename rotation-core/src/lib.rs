//! Pure backup rotation policy: which clone generations to create and delete, and why.
//!
//! No I/O, no async, no clock: the caller passes the inventory and the time of the run.
//!
//! # Slots and generations
//!
//! Each backup run clones a VM under a name `<prefix><key>-<NN>-<yyyyMMddHHmm>`
//! ([`CloneName`]), e.g. `zz_avocado2-02-201909250241`: prefix `zz_`, VM key `avocado2`, slot 02,
//! taken 2019-09-25 02:41 local time ([`Stamp`]). A [`SlotRotation`] cycles through slots
//! 1..=`slots` and always leaves the slot after the newest clone free, so it keeps
//! **`slots - 1` generations**: with `slots = 4`, three (`01 -> 02 -> 03 -> 04 -> 01 ...`).
//!
//! # Two modes
//!
//! - [`Mode::Safe`] (the default) names and rotates like the original PowerCLI script, but only
//!   ever deletes VMs whose names parse exactly as this key's clones, keeps the newest
//!   generations by creation time across all slots rather than whatever sits in slot 01 (also
//!   after lowering `slots`: duplicates and slots above the maximum go once they are the oldest),
//!   and deletes only after the new clone exists ([`Action::Delete::requires_create`]). It needs
//!   `slots >= 2`. In every state the script itself produces, it makes the same names and
//!   deletions as the script.
//! - [`Mode::Compat`] reproduces the script exactly, quirks included: PowerShell `-like`
//!   matching ([`like`]), the first-free-slot rule, "delete only if exactly one VM matches", and
//!   deleting the current slot's old clone before creating the new one (the prev slot's only
//!   after a successful clone, as the script's `try {}` makes it).
//!
//! # Example
//!
//! ```
//! use rotation_core::{Action, Mode, SlotRotation};
//!
//! let rotation = SlotRotation::new("zz_", "avocado2", 4, Mode::Safe)?;
//! let existing = [
//!     "zz_avocado2-02-201909230241",
//!     "zz_avocado2-03-201909240241",
//!     "zz_avocado2-04-201909250241",
//!     "avocado2",
//! ];
//! let plan = rotation.plan(existing, "201909260241".parse()?);
//! assert_eq!((plan.current.get(), plan.prev.get()), (1, 2));
//! assert_eq!(
//!     plan.actions[0],
//!     Action::Create {
//!         name: "zz_avocado2-01-201909260241".into(),
//!         reason: "slot 01 follows slot 04, which holds the newest earlier generation (2019-09-25 02:41)".into(),
//!     }
//! );
//! assert_eq!(plan.deletions().collect::<Vec<_>>(), ["zz_avocado2-02-201909230241"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod like;
pub mod name;
pub mod retention;
pub mod slots;

pub use name::{CloneName, NameError, Slot, Stamp, StampError};
pub use slots::{Action, Existing, Finding, Mode, ModeError, Plan, PlanError, SlotRotation};
