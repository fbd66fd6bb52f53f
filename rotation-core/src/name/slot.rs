//! [`Slot`]: a generation's place in the rotation.

use std::fmt;

use serde::Serialize;

/// A generation slot, 1..=99, written with two digits (`01`) in clone names.
///
/// ```
/// use rotation_core::Slot;
///
/// let slot = Slot::new(4).expect("4 is a slot");
/// assert_eq!(slot.to_string(), "04");
/// assert_eq!(slot.next_in(4), Slot::FIRST);
/// assert!(Slot::new(0).is_none() && Slot::new(100).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Slot(u8);

impl Slot {
    /// Slot 01, where every rotation starts.
    pub const FIRST: Slot = Slot(1);
    /// The highest slot a two-digit name can hold.
    pub const MAX: u8 = 99;

    /// Slot `number`, or `None` outside 1..=99.
    pub fn new(number: u8) -> Option<Slot> {
        (1..=Self::MAX).contains(&number).then_some(Slot(number))
    }

    /// The slot's number.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The slot after this one in the cycle 1..=`slots` (back to 01 after `slots`).
    pub fn next_in(self, slots: u8) -> Slot {
        if self.0 >= slots {
            Slot::FIRST
        } else {
            Slot(self.0 + 1)
        }
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}
