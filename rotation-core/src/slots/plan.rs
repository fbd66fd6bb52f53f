//! What one run will do: the plan, its actions, and their JSON form.

use serde::Serialize;

use super::Mode;
use super::finding::{Finding, serialize_with_messages};
use crate::name::Slot;

/// The plan for one run of a [`SlotRotation`](super::SlotRotation).
///
/// # JSON schema
///
/// Serialized (e.g. by `vmrotate plan --json`) a plan is one object:
///
/// ```json
/// {
///   "mode": "safe",
///   "current": 4,
///   "prev": 1,
///   "new_clone": "zz_avocado2-04-201909250241",
///   "blocked": null,
///   "actions": [
///     {"op": "create", "name": "zz_avocado2-04-201909250241", "reason": "..."},
///     {"op": "delete", "name": "zz_avocado2-01-201909220241", "reason": "...", "requires_create": true}
///   ],
///   "findings": [{"kind": "duplicate_slot", "slot": 2, "names": ["..."], "message": "..."}]
/// }
/// ```
///
/// - `mode`: `"safe"` or `"compat"`.
/// - `current`: the slot (1..=99) the new clone takes; `prev`: the slot whose clone the script
///   deletes after creating, the one after `current` in the cycle (in compat mode exactly as the
///   script computes it, so 2 when `current` is 1 even with one slot).
/// - `new_clone`: the name the new clone gets.
/// - `blocked`: `null`, or why the run must not go ahead; `actions` is then empty.
/// - `actions`: in execution order. `op` is `"create"` or `"delete"`, `name` the VM, `reason` a
///   sentence. A delete's `requires_create` says whether it may only run once the create has
///   succeeded: always `true` in safe mode; in compat mode `false` for the current slot's clone,
///   which the script deletes before cloning, and `true` for the prev slot's, which it deletes
///   after the clone (a failed clone throws and skips it).
/// - `findings`: anomalies, each with a `kind` (see [`Finding`]), its fields and a `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The mode that made the plan.
    pub mode: Mode,
    /// The slot the new clone takes.
    pub current: Slot,
    /// The slot after `current`, whose clone the script deletes after creating.
    pub prev: Slot,
    /// The name of the new clone.
    pub new_clone: String,
    /// Why the run must not go ahead, if it must not; there are no actions then.
    pub blocked: Option<String>,
    /// What to do, in order.
    pub actions: Vec<Action>,
    /// Anomalies seen in the inventory.
    #[serde(serialize_with = "serialize_with_messages")]
    pub findings: Vec<Finding>,
}

impl Plan {
    /// The names this plan deletes, in order.
    ///
    /// ```
    /// use rotation_core::{Mode, SlotRotation};
    ///
    /// let rotation = SlotRotation::new("zz_", "web", 2, Mode::Safe)?;
    /// let plan = rotation.plan(["zz_web-01-201909240241"], "201909250241".parse()?);
    /// assert_eq!(plan.deletions().collect::<Vec<_>>(), ["zz_web-01-201909240241"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn deletions(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().filter_map(|action| match action {
            Action::Delete { name, .. } => Some(name.as_str()),
            Action::Create { .. } => None,
        })
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Action {
    /// Clone the VM under `name`.
    Create {
        /// The new clone's name.
        name: String,
        /// Why this name and slot.
        reason: String,
    },
    /// Delete the VM `name` permanently.
    Delete {
        /// The VM to delete.
        name: String,
        /// Why it goes.
        reason: String,
        /// Run only if this plan's create succeeded.
        requires_create: bool,
    },
}

impl Action {
    /// The VM this action creates or deletes.
    pub fn name(&self) -> &str {
        match self {
            Action::Create { name, .. } | Action::Delete { name, .. } => name,
        }
    }

    /// Why the action is in the plan.
    pub fn reason(&self) -> &str {
        match self {
            Action::Create { reason, .. } | Action::Delete { reason, .. } => reason,
        }
    }
}
