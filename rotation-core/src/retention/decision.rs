//! The outcome of applying a retention policy.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Snapshot;

/// Which snapshots to keep and which to remove, and why each kept one is kept.
///
/// Every input id appears exactly once, in `keep` or in `remove`, both newest first. `reasons`
/// has an entry for every kept id, phrased like the flavor's tool: restic `"daily snapshot"`,
/// `"oldest monthly snapshot"`, `"within 7d"`, `"has tags [prod]"`; borg `"daily #3"`,
/// `"yearly[oldest] #1"`, `"within #2"`; PBS `"keep"`, `"protected"`, `"keep-partial"`.
///
/// Serializes as `{"keep": [...], "remove": [...], "reasons": {"id": [...]}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The ids to keep, newest first.
    pub keep: Vec<String>,
    /// The ids to remove, newest first.
    pub remove: Vec<String>,
    /// For each kept id, the rules that keep it, in the order the tool applies them.
    pub reasons: BTreeMap<String, Vec<String>>,
}

/// The reasons gathered so far for each snapshot, by position in newest-first order.
/// A snapshot is kept exactly when it has a reason.
#[derive(Debug)]
pub(super) struct Ledger {
    reasons: Vec<Vec<String>>,
}

impl Ledger {
    /// A ledger for `len` snapshots, none kept yet.
    pub(super) fn new(len: usize) -> Self {
        Self {
            reasons: vec![Vec::new(); len],
        }
    }

    /// Records a reason to keep the snapshot at `position`.
    pub(super) fn keep(&mut self, position: usize, reason: impl Into<String>) {
        self.reasons[position].push(reason.into());
    }

    /// Whether the snapshot at `position` has a reason to be kept.
    pub(super) fn is_kept(&self, position: usize) -> bool {
        !self.reasons[position].is_empty()
    }

    /// The decision for `sorted`, the snapshots this ledger was kept for, newest first.
    pub(super) fn into_decision(self, sorted: &[&Snapshot]) -> Decision {
        let mut decision = Decision::default();
        for (snapshot, reasons) in sorted.iter().zip(self.reasons) {
            if reasons.is_empty() {
                decision.remove.push(snapshot.id.clone());
            } else {
                decision.keep.push(snapshot.id.clone());
                decision.reasons.insert(snapshot.id.clone(), reasons);
            }
        }
        decision
    }
}
