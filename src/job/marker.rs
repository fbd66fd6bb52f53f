//! The marks vmrotate leaves in vCenter: the [`CloneMarker`] every clone is born with, and the
//! [`SnapshotMarker`] of a run's snapshot (its lock; see [`super::lock::unlock`]).

use jiff::Timestamp;
use rotation_core::Slot;
use serde::{Deserialize, Serialize};
use vsphere_client::types::{AnyOptionValue, OptionValue, Value};

use super::holder::Holder;

/// The prefix of every marker key.
const KEY_PREFIX: &str = "vmrotate.";
const SOURCE_NAME: &str = "vmrotate.source.name";
const SOURCE_UUID: &str = "vmrotate.source.instanceUuid";
const CREATED: &str = "vmrotate.createdUtc";
const SLOT: &str = "vmrotate.slot";
const POLICY: &str = "vmrotate.policy";
/// The value of [`POLICY`] on clones a retention policy rotates; without the key, a clone is
/// a slot clone (as every clone made before retention existed).
const RETENTION: &str = "retention";
const PREFIX: &str = "vmrotate.prefix";
const RUN: &str = "vmrotate.run";
const VERSION: &str = "vmrotate.version";
/// The prefix of a run snapshot's name.
const SNAPSHOT_NAME_PREFIX: &str = "vmrotate-run ";

/// The marker a clone made by vmrotate carries in its `config.extraConfig`: whose backup it
/// is and when it was taken.
///
/// | key | value |
/// |---|---|
/// | `vmrotate.source.name` | the source VM's name |
/// | `vmrotate.source.instanceUuid` | the source VM's `config.instanceUuid` |
/// | `vmrotate.createdUtc` | when the run was taken, RFC 3339 UTC, exact |
/// | `vmrotate.slot` | the rotation slot, `1`..`99` (slot clones only) |
/// | `vmrotate.policy` | `retention` on clones a retention policy rotates (absent on slot clones) |
/// | `vmrotate.prefix` | the clone name prefix, e.g. `zz_` |
/// | `vmrotate.run` | the id of the run that made the clone |
/// | `vmrotate.version` | the vmrotate version that made it |
///
/// The clone spec carries these, so a clone exists marked or not at all; its annotation says
/// the same for people. Keys are matched without regard to case; a key set to the empty
/// string counts as absent (vSphere deletes keys set to "", which is how a restore strips the
/// marker). Safe mode counts and deletes only clones whose marker names the source's instance
/// UUID, and a slot run counts only slot clones, a retention run only retention clones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloneMarker {
    /// The source VM's name when the clone was made.
    pub source_name: String,
    /// The source VM's `config.instanceUuid`: which VM, even after renames.
    pub source_instance_uuid: String,
    /// When the run was taken, exactly.
    pub created: Timestamp,
    /// What rotates the clone out: its slot, or a retention policy.
    pub rotation: ClonePolicy,
    /// The clone name prefix.
    pub prefix: String,
    /// The id of the run that made it.
    pub run: String,
    /// The vmrotate version that made it.
    pub version: String,
}

/// What rotates a clone out, as its [`CloneMarker`] records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClonePolicy {
    /// Slot rotation: the clone holds this slot until a later run reuses it.
    Slot(Slot),
    /// A time-based retention policy (see `docs/backup-job.md`, "Retention").
    Retention,
}

/// What a VM's `extraConfig` says about vmrotate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MarkerState {
    /// No vmrotate keys: not made by vmrotate (or its marker was stripped by a restore).
    Absent,
    /// A complete marker.
    Valid(CloneMarker),
    /// Some vmrotate keys, but not a readable marker: treated as unmarked.
    Damaged(String),
}

impl CloneMarker {
    /// The `extraConfig` entries that carry this marker.
    pub(crate) fn entries(&self) -> Vec<(&'static str, String)> {
        vec![
            (SOURCE_NAME, self.source_name.clone()),
            (SOURCE_UUID, self.source_instance_uuid.clone()),
            (CREATED, self.created.to_string()),
            match self.rotation {
                ClonePolicy::Slot(slot) => (SLOT, slot.get().to_string()),
                ClonePolicy::Retention => (POLICY, RETENTION.to_owned()),
            },
            (PREFIX, self.prefix.clone()),
            (RUN, self.run.clone()),
            (VERSION, self.version.clone()),
        ]
    }

    /// The annotation (notes) of the clone, for people looking at it in the vSphere Client.
    pub(crate) fn annotation(&self) -> String {
        let rotation = match self.rotation {
            ClonePolicy::Slot(slot) => format!("rotation slot {slot}"),
            ClonePolicy::Retention => "kept by a retention policy".to_owned(),
        };
        format!(
            "Backup of {} (instance UUID {}) taken {} by vmrotate {} (run {}), {rotation}. \
             vmrotate deletes it when it rotates out; power it on only to restore.",
            self.source_name, self.source_instance_uuid, self.created, self.version, self.run,
        )
    }

    /// Whether this clone is a backup of the VM whose instance UUID is `source_uuid`.
    pub(crate) fn is_backup_of(&self, source_uuid: &str) -> bool {
        self.source_instance_uuid.eq_ignore_ascii_case(source_uuid)
    }

    /// Reads the marker from a VM's `extraConfig` entries.
    pub(crate) fn read(entries: &[AnyOptionValue]) -> MarkerState {
        // The last entry of a key counts: vSphere replaces a key's value, some servers (the
        // simulator) append; an empty value means the key is gone.
        let mut ours: Vec<(&str, &str)> = Vec::new();
        for entry in entries {
            let AnyOptionValue::OptionValue(OptionValue { key, value }) = entry else {
                continue;
            };
            if !is_marker_key(key) {
                continue;
            }
            ours.retain(|(seen, _)| !seen.eq_ignore_ascii_case(key));
            if let Some(Value::String(value)) = value
                && !value.is_empty()
            {
                ours.push((key.as_str(), value.as_str()));
            }
        }
        if ours.is_empty() {
            return MarkerState::Absent;
        }
        let lookup = |wanted: &str| {
            ours.iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(wanted))
                .map(|(_, value)| *value)
                .ok_or_else(|| format!("its marker lacks {wanted}"))
        };
        let parsed = (|| {
            let created = lookup(CREATED)?;
            let rotation = match lookup(POLICY).ok() {
                Some(policy) if policy.eq_ignore_ascii_case(RETENTION) => ClonePolicy::Retention,
                Some(policy) => {
                    return Err(format!("its {POLICY} \"{policy}\" is not \"{RETENTION}\""));
                }
                None => {
                    let slot = lookup(SLOT)?;
                    ClonePolicy::Slot(
                        slot.parse()
                            .ok()
                            .and_then(Slot::new)
                            .ok_or_else(|| format!("its {SLOT} \"{slot}\" is no slot 1..99"))?,
                    )
                }
            };
            Ok::<_, String>(CloneMarker {
                source_name: lookup(SOURCE_NAME)?.to_owned(),
                source_instance_uuid: lookup(SOURCE_UUID)?.to_owned(),
                created: created
                    .parse()
                    .map_err(|error| format!("its {CREATED} \"{created}\" is no time: {error}"))?,
                rotation,
                prefix: lookup(PREFIX)?.to_owned(),
                run: lookup(RUN)?.to_owned(),
                version: lookup(VERSION)?.to_owned(),
            })
        })();
        match parsed {
            Ok(marker) => MarkerState::Valid(marker),
            Err(problem) => MarkerState::Damaged(problem),
        }
    }

    /// The vmrotate keys among a VM's `extraConfig` entries (set them to "" to strip the
    /// marker).
    pub(crate) fn keys_in(entries: &[AnyOptionValue]) -> Vec<String> {
        entries
            .iter()
            .filter_map(|entry| match entry {
                AnyOptionValue::OptionValue(OptionValue { key, .. }) if is_marker_key(key) => {
                    Some(key.clone())
                }
                _ => None,
            })
            .collect()
    }
}

fn is_marker_key(key: &str) -> bool {
    key.get(..KEY_PREFIX.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(KEY_PREFIX))
}

/// What a run writes into its snapshot's description: who holds the VM's lock, since when,
/// and for how long at most.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SnapshotMarker {
    /// The run's id.
    pub run: String,
    /// The machine and process running it.
    #[serde(flatten)]
    pub holder: Holder,
    /// When it started (that machine's clock).
    pub started: Timestamp,
    /// After how many seconds from the snapshot's creation (vCenter's clock) the lock counts
    /// as stale, whatever the run's state.
    pub stale_after_s: u64,
    /// The vmrotate version of the run.
    pub version: String,
}

/// The JSON envelope of a [`SnapshotMarker`].
#[derive(Serialize, Deserialize)]
struct Envelope {
    vmrotate: SnapshotMarker,
}

impl SnapshotMarker {
    /// The snapshot's name: `vmrotate-run <run>`.
    pub(crate) fn snapshot_name(&self) -> String {
        format!("{SNAPSHOT_NAME_PREFIX}{}", self.run)
    }

    /// The snapshot's description: the marker as JSON.
    pub(crate) fn description(&self) -> String {
        let envelope = Envelope {
            vmrotate: self.clone(),
        };
        // A struct of strings and numbers always serializes.
        serde_json::to_string(&envelope).unwrap_or_default()
    }

    /// The marker of a snapshot named `name` with `description`, if it is a vmrotate run's.
    pub(crate) fn parse(name: &str, description: &str) -> Option<SnapshotMarker> {
        let run = name.strip_prefix(SNAPSHOT_NAME_PREFIX)?;
        let marker = serde_json::from_str::<Envelope>(description).ok()?.vmrotate;
        (marker.run == run).then_some(marker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vsphere_client::object::extra_config_entry;

    fn marker() -> CloneMarker {
        CloneMarker {
            source_name: "avocado2".into(),
            source_instance_uuid: "bfff331f-7f07-572d-951e-edd3701dc061".into(),
            created: "2019-09-25T02:41:00Z".parse().unwrap(),
            rotation: ClonePolicy::Slot(Slot::new(2).unwrap()),
            prefix: "zz_".into(),
            run: "1569379260000.42.1".into(),
            version: "0.1.0".into(),
        }
    }

    fn entries(marker: &CloneMarker) -> Vec<AnyOptionValue> {
        let mut entries = vec![extra_config_entry("govcsim", "TRUE")];
        entries.extend(
            marker
                .entries()
                .into_iter()
                .map(|(key, value)| extra_config_entry(key, &value)),
        );
        entries
    }

    #[test]
    fn a_marker_reads_back_from_its_entries() {
        let marker = marker();
        assert_eq!(
            CloneMarker::read(&entries(&marker)),
            MarkerState::Valid(marker.clone())
        );
        assert!(marker.is_backup_of("BFFF331F-7F07-572D-951E-EDD3701DC061"));
        assert!(!marker.is_backup_of("another"));
        assert!(marker.annotation().contains("Backup of avocado2"));
    }

    #[test]
    fn a_retention_marker_has_a_policy_and_no_slot() {
        let marker = CloneMarker {
            rotation: ClonePolicy::Retention,
            ..marker()
        };
        let written = marker.entries();
        assert!(written.contains(&(POLICY, RETENTION.to_owned())));
        assert!(written.iter().all(|(key, _)| *key != SLOT));
        assert_eq!(
            CloneMarker::read(&entries(&marker)),
            MarkerState::Valid(marker.clone())
        );
        assert!(marker.annotation().contains("retention policy"));
        let mut unknown = entries(&marker);
        unknown.push(extra_config_entry(POLICY, "forever"));
        unknown.retain(|entry| {
            !matches!(entry, AnyOptionValue::OptionValue(OptionValue { key, value: Some(Value::String(value)) }) if key == POLICY && value == RETENTION)
        });
        let MarkerState::Damaged(problem) = CloneMarker::read(&unknown) else {
            panic!("expected a damaged marker");
        };
        assert!(problem.contains("forever"), "{problem}");
    }

    #[test]
    fn keys_match_without_case_and_empty_values_are_absent() {
        let marker = marker();
        let shouting: Vec<AnyOptionValue> = marker
            .entries()
            .into_iter()
            .map(|(key, value)| extra_config_entry(&key.to_uppercase(), &value))
            .collect();
        assert_eq!(
            CloneMarker::read(&shouting),
            MarkerState::Valid(marker.clone())
        );
        let stripped: Vec<AnyOptionValue> = marker
            .entries()
            .into_iter()
            .map(|(key, _)| extra_config_entry(key, ""))
            .collect();
        assert_eq!(CloneMarker::read(&stripped), MarkerState::Absent);
        assert_eq!(CloneMarker::keys_in(&entries(&marker)).len(), 7);
    }

    #[test]
    fn an_incomplete_marker_is_damaged_and_says_why() {
        let mut partial = entries(&marker());
        partial.retain(|entry| {
            !matches!(entry, AnyOptionValue::OptionValue(OptionValue { key, .. }) if key == SLOT)
        });
        let MarkerState::Damaged(problem) = CloneMarker::read(&partial) else {
            panic!("expected a damaged marker");
        };
        assert!(problem.contains(SLOT), "{problem}");
        let bad_time = vec![
            extra_config_entry(CREATED, "yesterday"),
            extra_config_entry(SLOT, "1"),
        ];
        assert!(matches!(
            CloneMarker::read(&bad_time),
            MarkerState::Damaged(_)
        ));
        assert_eq!(
            CloneMarker::read(&[extra_config_entry("govcsim", "TRUE")]),
            MarkerState::Absent
        );
    }

    #[test]
    fn snapshot_markers_need_both_name_and_json() {
        let marker = SnapshotMarker {
            run: "r1".into(),
            holder: Holder {
                host: "backup01".into(),
                pid: 42,
                machine: Some("0123456789abcdef01234567".into()),
                boot: None,
                process_started: Some(7),
            },
            started: "2019-09-25T02:41:00Z".parse().unwrap(),
            stale_after_s: 600,
            version: "0.1.0".into(),
        };
        let (name, description) = (marker.snapshot_name(), marker.description());
        assert_eq!(name, "vmrotate-run r1");
        assert_eq!(SnapshotMarker::parse(&name, &description), Some(marker));
        assert_eq!(
            SnapshotMarker::parse("vmrotate-run r1", "before the upgrade"),
            None
        );
        assert_eq!(SnapshotMarker::parse("before upgrade", &description), None);
        assert_eq!(SnapshotMarker::parse("vmrotate-run r2", &description), None);
        // A lock written by an earlier version, without machine and process identity.
        let earlier = r#"{"vmrotate":{"run":"r1","host":"backup01","pid":42,"started":"2019-09-25T02:41:00Z","stale_after_s":600,"version":"0.1.0"}}"#;
        let read = SnapshotMarker::parse(&name, earlier).unwrap();
        assert_eq!(
            (read.holder.host.as_str(), read.holder.pid),
            ("backup01", 42)
        );
        assert_eq!(read.holder.machine, None);
    }
}
