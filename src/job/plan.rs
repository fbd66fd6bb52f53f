//! What a run rotates by, slots or a retention policy, and the plan each makes.

use rotation_core::Plan;

use super::marker::ClonePolicy;
use super::retention::RetentionPlan;

/// The plan of one run: what to create and what to delete once it is verified.
#[derive(Debug, Clone)]
pub(crate) enum RunPlan {
    /// Slot rotation ([`rotation_core::SlotRotation`]).
    Slots(Plan),
    /// A retention policy ([`crate::RetentionConfig`]).
    Retention(RetentionPlan),
}

impl RunPlan {
    /// The name of the new clone.
    pub(crate) fn new_clone(&self) -> &str {
        match self {
            RunPlan::Slots(plan) => &plan.new_clone,
            RunPlan::Retention(plan) => &plan.new_clone,
        }
    }

    /// The names to delete once the new clone is verified, in order (oldest first).
    pub(crate) fn deletions(&self) -> Vec<&str> {
        match self {
            RunPlan::Slots(plan) => plan.deletions().collect(),
            RunPlan::Retention(plan) => oldest_first(&plan.decision.remove),
        }
    }

    /// What the new clone's marker records as rotating it out.
    pub(crate) fn clone_policy(&self) -> ClonePolicy {
        match self {
            RunPlan::Slots(plan) => ClonePolicy::Slot(plan.current),
            RunPlan::Retention(_) => ClonePolicy::Retention,
        }
    }
}

/// Names listed newest first (as a retention decision lists them), oldest first.
pub(crate) fn oldest_first(newest_first: &[String]) -> Vec<&str> {
    newest_first.iter().rev().map(String::as_str).collect()
}
