//! The generations of one rotation found in an inventory, and their age order.

use jiff::Timestamp;

use super::{Existing, SlotRotation};
use crate::name::{CloneName, Slot, Stamp};

/// An existing VM whose name parses exactly as one of this rotation's clones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Generation {
    pub name: String,
    pub slot: Slot,
    pub stamp: Stamp,
    pub created: Option<Timestamp>,
}

impl Generation {
    /// The VMs in `existing` that are generations of `rotation`: exact prefix and key, case
    /// included, and a well-formed slot and stamp.
    pub fn all_of(rotation: &SlotRotation, existing: &[Existing]) -> Vec<Generation> {
        existing
            .iter()
            .filter_map(|vm| {
                let clone = CloneName::parse(rotation.prefix(), &vm.name).ok()?;
                (clone.key() == rotation.key()).then(|| Generation {
                    name: vm.name.clone(),
                    slot: clone.slot(),
                    stamp: clone.stamp(),
                    created: vm.created,
                })
            })
            .collect()
    }

    /// When this generation was taken, for reasons: the creation time if known, else the stamp.
    pub fn when(&self) -> String {
        match self.created {
            Some(created) => format!("created {created}"),
            None => self.stamp.readable().to_string(),
        }
    }
}

/// `generations` from oldest to newest.
///
/// Generations with a creation time are ordered by it, those without by their stamp, and the two
/// sequences are merged by stamp (on equal stamps the one without a creation time counts as
/// older). This is a total order even when stamps and creation times disagree, as they do around
/// a daylight-saving fall-back.
pub(super) fn oldest_first(generations: Vec<Generation>) -> Vec<Generation> {
    let (mut timed, mut untimed): (Vec<_>, Vec<_>) =
        generations.into_iter().partition(|g| g.created.is_some());
    timed.sort_by(|a, b| (a.created, a.stamp, &a.name).cmp(&(b.created, b.stamp, &b.name)));
    untimed.sort_by(|a, b| (a.stamp, &a.name).cmp(&(b.stamp, &b.name)));

    let mut merged = Vec::with_capacity(timed.len() + untimed.len());
    let (mut timed, mut untimed) = (timed.into_iter().peekable(), untimed.into_iter().peekable());
    loop {
        let take_untimed = match (untimed.peek(), timed.peek()) {
            (Some(u), Some(t)) => u.stamp <= t.stamp,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return merged,
        };
        merged.extend(if take_untimed {
            untimed.next()
        } else {
            timed.next()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generation(name: &str, stamp: &str, created: Option<&str>) -> Generation {
        Generation {
            name: name.to_owned(),
            slot: Slot::FIRST,
            stamp: stamp.parse().unwrap(),
            created: created.map(|c| c.parse().unwrap()),
        }
    }

    fn names(generations: &[Generation]) -> Vec<&str> {
        generations.iter().map(|g| g.name.as_str()).collect()
    }

    #[test]
    fn creation_time_beats_stamp_among_timed_generations() {
        let first_pass = generation("a", "201911030150", Some("2019-11-03T05:50:00Z"));
        let second_pass = generation("b", "201911030110", Some("2019-11-03T06:10:00Z"));
        let sorted = oldest_first(vec![second_pass.clone(), first_pass.clone()]);
        assert_eq!(names(&sorted), ["a", "b"]);
        // Without creation times the stamps decide, which gets the fall-back wrong.
        let untimed = |g: Generation| Generation { created: None, ..g };
        let sorted = oldest_first(vec![untimed(first_pass), untimed(second_pass)]);
        assert_eq!(names(&sorted), ["b", "a"]);
    }

    #[test]
    fn mixed_generations_merge_by_stamp() {
        let sorted = oldest_first(vec![
            generation("timed-late", "201909250000", Some("2019-09-24T15:00:00Z")),
            generation("untimed-mid", "201909240000", None),
            generation("timed-early", "201909230000", Some("2019-09-22T15:00:00Z")),
            generation("untimed-tie", "201909230000", None),
        ]);
        assert_eq!(
            names(&sorted),
            ["untimed-tie", "timed-early", "untimed-mid", "timed-late"]
        );
    }
}
