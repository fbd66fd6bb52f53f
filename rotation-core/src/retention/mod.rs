//! Time-based retention ("7 daily, 4 weekly, 6 monthly") in the flavor of restic, borg or
//! Proxmox Backup Server (PBS).
//!
//! The three tools read the same words differently, and their users expect exactly their own
//! tool's answer, so a [`Retention`] is always built for one explicit [`Flavor`]. Each flavor is
//! checked case by case against its tool's published tests (`tests/data/retention/`).
//!
//! | | restic `forget` | borg 1.4 `prune` | PBS `prune` |
//! |---|---|---|---|
//! | rules | each rule counts on its own: one snapshot can be the daily, weekly and monthly pick | rules run secondly → yearly; a snapshot kept by an earlier rule uses up its period without counting | like borg, but a period that already holds a kept snapshot is skipped entirely |
//! | rule short of its count | keeps the oldest snapshot (`oldest daily snapshot`) | keeps the oldest archive (`daily[oldest] #3`) | keeps nothing more |
//! | `keep_last` | the last N snapshots | one per second (`--keep-secondly`) | one per second |
//! | calendar | each snapshot's recorded UTC offset; `keep_within` arithmetic in the zone `forget` runs in ([`Zone::TimeZone`]) for snapshots recorded in it | the zone of the machine running prune, DST-aware ([`Zone::TimeZone`]) | the server's zone ([`Zone::TimeZone`]) |
//! | `keep_within` | `NyNmNdNh`, calendar arithmetic back from the newest non-future snapshot | `<int>{H,d,w,m,y}` (m = 31 d, y = 365 d) back from now | none |
//! | extras | `keep_within_{hourly,…,yearly}`, `keep_tags` | `keep_secondly`, `keep_minutely`, `keep_13weekly`, `keep_3monthly` | `protected` and `partial` snapshots |
//! | `-1` | unlimited | any negative count is unlimited | not allowed |
//! | no rule above 0 | refused ([`RetentionError::EmptyPolicy`]) | refused ([`RetentionError::EmptyPolicy`]) | keeps everything |
//!
//! All three keep the *newest* snapshot of each period, align periods to the calendar (ISO 8601
//! weeks and week-years), and let periods without snapshots cost nothing.
//!
//! Only borg 1.4 is modelled: the borg 2 beta (`--keep` and interval-valued counts, `--from`,
//! keeping the oldest only for the coarsest rule) is not released behaviour and is not supported.
//!
//! The module is pure: no clock, no files. The caller passes `now` and, for borg and PBS, the
//! [`jiff::tz::TimeZone`] to bucket in, resolved at the edge from an IANA name (for example with
//! `TimeZone::get("Europe/Berlin")` or `TimeZone::system()`).
//!
//! ```
//! use jiff::Timestamp;
//! use rotation_core::retention::{Flavor, Retention, Rules, Snapshot, Zone};
//!
//! let rules: Rules = serde_json::from_str(r#"{"keep_daily": 2}"#)?;
//! let retention = Retention::new(Flavor::Restic, &rules, Zone::SnapshotOffset)?;
//! let snapshots = [
//!     Snapshot::parse("mon-early", "2024-06-03T01:00:00Z")?,
//!     Snapshot::parse("mon-late", "2024-06-03T23:00:00Z")?,
//!     Snapshot::parse("tue", "2024-06-04T12:00:00Z")?,
//! ];
//! let now: Timestamp = "2024-06-05T00:00:00Z".parse()?;
//! let decision = retention.apply(&snapshots, now)?;
//! assert_eq!(decision.keep, ["tue", "mon-late"]);
//! assert_eq!(decision.remove, ["mon-early"]);
//! assert_eq!(decision.reasons["tue"], ["daily snapshot"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod borg;
mod bucket;
mod decision;
mod error;
mod pbs;
mod restic;
mod rules;
mod snapshot;
mod within;

use std::collections::HashSet;
use std::fmt;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

pub use decision::Decision;
pub use error::RetentionError;
pub use rules::Rules;
pub use snapshot::Snapshot;

/// The tool whose retention semantics a [`Retention`] reproduces.
///
/// Serialized in lowercase (`"restic"`, `"borg"`, `"pbs"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// restic `forget`.
    Restic,
    /// borg 1.4 `prune`.
    Borg,
    /// Proxmox Backup Server `prune`.
    Pbs,
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flavor::Restic => "restic",
            Flavor::Borg => "borg",
            Flavor::Pbs => "PBS",
        })
    }
}

/// Where calendar periods (days, weeks, …) begin and end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    /// Each snapshot's own UTC offset, as it was recorded, as a fixed zone (restic only): what
    /// restic `forget` does in a zone none of the snapshots were taken in.
    SnapshotOffset,
    /// One time zone, with its DST rules: borg and PBS bucket every snapshot in it; restic
    /// `forget` running in it buckets by each snapshot's recorded offset, and computes
    /// `keep_within*` in this zone for a snapshot whose offset is the zone's at that instant
    /// (one taken in the zone), in a fixed zone of its offset otherwise.
    TimeZone(TimeZone),
}

/// A retention policy of one flavor, validated and ready to apply.
#[derive(Debug, Clone)]
pub struct Retention {
    engine: Engine,
}

#[derive(Debug, Clone)]
enum Engine {
    /// `None`: each snapshot's own offset.
    Restic(restic::Policy, Option<TimeZone>),
    Borg(borg::Policy, TimeZone),
    Pbs(pbs::Policy, TimeZone),
}

impl Retention {
    /// Validates `rules` with the meaning `flavor` gives them.
    ///
    /// # Errors
    ///
    /// A rule the flavor does not have, a count or duration the tool would reject, a policy the
    /// tool refuses to run (restic and borg with no rule above 0), or [`Zone::SnapshotOffset`]
    /// for borg or PBS (their tools bucket in one time zone).
    ///
    /// ```
    /// use rotation_core::retention::{Flavor, Retention, RetentionError, Rules, Zone};
    ///
    /// let rules = Rules { keep_within: Some("2d".into()), ..Rules::default() };
    /// let err = Retention::new(Flavor::Pbs, &rules, Zone::TimeZone(jiff::tz::TimeZone::UTC));
    /// assert!(matches!(err, Err(RetentionError::UnsupportedRule { rule: "keep_within", .. })));
    /// ```
    pub fn new(flavor: Flavor, rules: &Rules, zone: Zone) -> Result<Self, RetentionError> {
        let engine = match (flavor, zone) {
            (Flavor::Restic, Zone::SnapshotOffset) => {
                Engine::Restic(restic::Policy::new(rules)?, None)
            }
            (Flavor::Restic, Zone::TimeZone(tz)) => {
                Engine::Restic(restic::Policy::new(rules)?, Some(tz))
            }
            (Flavor::Borg, Zone::TimeZone(tz)) => Engine::Borg(borg::Policy::new(rules)?, tz),
            (Flavor::Pbs, Zone::TimeZone(tz)) => Engine::Pbs(pbs::Policy::new(rules)?, tz),
            (flavor, _) => return Err(RetentionError::ZoneMismatch { flavor }),
        };
        Ok(Self { engine })
    }

    /// The flavor this policy was built for.
    pub fn flavor(&self) -> Flavor {
        match self.engine {
            Engine::Restic(..) => Flavor::Restic,
            Engine::Borg(..) => Flavor::Borg,
            Engine::Pbs(..) => Flavor::Pbs,
        }
    }

    /// Decides which `snapshots` to keep and which to remove, as the flavor's tool would when run
    /// at `now` (restic and borg use it for `keep_within*` and future snapshots; PBS ignores it).
    ///
    /// Snapshots may come in any order; equal times keep their input order (restic and borg sort
    /// stably). The [`Decision`] lists ids newest first.
    ///
    /// # Errors
    ///
    /// An id that appears twice, or a `protected`/`partial` snapshot for a flavor without those
    /// notions (only PBS has them; ignoring them could delete a snapshot meant to be kept).
    pub fn apply(
        &self,
        snapshots: &[Snapshot],
        now: Timestamp,
    ) -> Result<Decision, RetentionError> {
        reject_duplicate_ids(snapshots)?;
        let sorted = newest_first(snapshots);
        let ledger = match &self.engine {
            Engine::Restic(policy, tz) => {
                reject_pbs_flags(Flavor::Restic, snapshots)?;
                policy.decide(&sorted, now, tz.as_ref())
            }
            Engine::Borg(policy, tz) => {
                reject_pbs_flags(Flavor::Borg, snapshots)?;
                policy.decide(&sorted, now, tz)
            }
            Engine::Pbs(policy, tz) => policy.decide(&sorted, tz),
        };
        Ok(ledger.into_decision(&sorted))
    }
}

/// The snapshots newest first; equal times keep their input order.
fn newest_first(snapshots: &[Snapshot]) -> Vec<&Snapshot> {
    let mut sorted: Vec<&Snapshot> = snapshots.iter().collect();
    sorted.sort_by_key(|snapshot| std::cmp::Reverse(snapshot.time.timestamp()));
    sorted
}

fn reject_duplicate_ids(snapshots: &[Snapshot]) -> Result<(), RetentionError> {
    let mut seen = HashSet::with_capacity(snapshots.len());
    match snapshots
        .iter()
        .find(|snapshot| !seen.insert(snapshot.id.as_str()))
    {
        Some(duplicate) => Err(RetentionError::DuplicateSnapshotId {
            id: duplicate.id.clone(),
        }),
        None => Ok(()),
    }
}

fn reject_pbs_flags(flavor: Flavor, snapshots: &[Snapshot]) -> Result<(), RetentionError> {
    for snapshot in snapshots {
        let flag = match (snapshot.protected, snapshot.partial) {
            (true, _) => "protected",
            (_, true) => "partial",
            _ => continue,
        };
        return Err(RetentionError::UnsupportedFlag {
            flavor,
            id: snapshot.id.clone(),
            flag,
        });
    }
    Ok(())
}
