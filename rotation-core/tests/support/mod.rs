//! Helpers shared by the integration tests: carrying out a plan on an inventory.
// Each test crate uses only some of these helpers.
#![allow(dead_code)]

use rotation_core::{Action, Existing, Plan, Stamp};

/// The inventory after every action of `plan` succeeded (a new clone has no recorded creation
/// time, like the clones the script made).
pub fn apply(inventory: &[Existing], plan: &Plan) -> Vec<Existing> {
    let mut after = inventory.to_vec();
    for action in &plan.actions {
        match action {
            Action::Create { name, .. } => after.push(Existing::from(name.as_str())),
            Action::Delete { name, .. } => {
                let at = after.iter().position(|vm| vm.name == *name);
                after.remove(at.expect("a plan deletes only VMs that exist"));
            }
        }
    }
    after
}

/// The stamp `minutes` after 2019-09-22 02:41.
pub fn stamp_after(minutes: i64) -> Stamp {
    let start = jiff::civil::date(2019, 9, 22).at(2, 41, 0, 0);
    let datetime = start
        .checked_add(jiff::SignedDuration::from_mins(minutes))
        .expect("test stamps stay within the civil range");
    Stamp::from_datetime(datetime).expect("test stamps have four-digit years")
}

/// The plan's actions as (`"create"` or `"delete"`, name), in order.
pub fn ops(plan: &Plan) -> Vec<(&'static str, &str)> {
    plan.actions
        .iter()
        .map(|action| match action {
            Action::Create { name, .. } => ("create", name.as_str()),
            Action::Delete { name, .. } => ("delete", name.as_str()),
        })
        .collect()
}
