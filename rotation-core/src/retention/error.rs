//! Why a retention policy could not be built or applied.

use thiserror::Error;

use super::Flavor;

/// Why a [`Retention`](super::Retention) could not be built or applied.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RetentionError {
    /// The rules name a rule the flavor's tool does not have.
    #[error(
        "{flavor} has no rule `{rule}`: remove it, or choose a flavor that has it ({flavor} has: {supported})"
    )]
    UnsupportedRule {
        /// The flavor the rules were validated for.
        flavor: Flavor,
        /// The rule's name, as in [`Rules`](super::Rules).
        rule: &'static str,
        /// The rules this flavor does have, comma-separated.
        supported: &'static str,
    },

    /// A count the flavor's tool rejects.
    #[error("`{rule}` = {value} is not a {flavor} count: {expected}")]
    InvalidCount {
        /// The flavor the rules were validated for.
        flavor: Flavor,
        /// The rule's name.
        rule: &'static str,
        /// The count as given.
        value: i64,
        /// What the tool accepts instead.
        expected: &'static str,
    },

    /// A duration the flavor's tool cannot parse or rejects.
    #[error("`{rule}` = {value:?} is not a {flavor} duration ({problem}); write it like {example}")]
    InvalidDuration {
        /// The flavor the rules were validated for.
        flavor: Flavor,
        /// The rule's name.
        rule: &'static str,
        /// The duration as given.
        value: String,
        /// What is wrong with it.
        problem: String,
        /// A valid duration in the flavor's syntax.
        example: &'static str,
    },

    /// Two rules the flavor's tool does not accept together.
    #[error("{flavor} accepts only one of `{first}` and `{second}` ({why}): remove one of them")]
    ConflictingRules {
        /// The flavor the rules were validated for.
        flavor: Flavor,
        /// The first rule's name.
        first: &'static str,
        /// The second rule's name.
        second: &'static str,
        /// Why the tool refuses both.
        why: &'static str,
    },

    /// No rule is above 0, which would remove every snapshot; restic and borg refuse to run.
    #[error(
        "{flavor} refuses a policy without any rule above 0, because it would remove every snapshot: set at least one keep rule"
    )]
    EmptyPolicy {
        /// The flavor whose tool refuses.
        flavor: Flavor,
    },

    /// [`Zone::SnapshotOffset`](super::Zone::SnapshotOffset) for a flavor whose tool buckets
    /// in one time zone (borg, PBS).
    #[error(
        "{flavor} does not bucket snapshots in their own UTC offsets: it uses the local time zone of the machine that prunes; pass Zone::TimeZone with that zone"
    )]
    ZoneMismatch {
        /// The flavor the zone was given for.
        flavor: Flavor,
    },

    /// A snapshot time that is not an RFC 3339 date and time with an offset.
    #[error(
        "snapshot time {text:?} is not an RFC 3339 time with an offset ({problem}); write it like \"2024-06-01T12:00:00Z\" or \"2024-06-01T14:00:00+02:00\""
    )]
    InvalidSnapshotTime {
        /// The time as given.
        text: String,
        /// What is wrong with it.
        problem: String,
    },

    /// Two snapshots share an id, so a decision about one would name the other.
    #[error("snapshot id {id:?} appears more than once: give every snapshot a unique id")]
    DuplicateSnapshotId {
        /// The repeated id.
        id: String,
    },

    /// A snapshot is marked `protected` or `partial`, which only PBS understands.
    #[error(
        "snapshot {id:?} is marked {flag}, which {flavor} does not know and would ignore: clear the flag or use the PBS flavor"
    )]
    UnsupportedFlag {
        /// The flavor applied.
        flavor: Flavor,
        /// The flagged snapshot.
        id: String,
        /// `"protected"` or `"partial"`.
        flag: &'static str,
    },
}
