//! What one backup job does: which VM, where its clones go, how many generations, and how.
//!
//! [`JobConfig`] is the same structure everywhere: built in Rust, read from a `[[job]]` table of a
//! `jobs.toml` file (`vmrotate run --config jobs.toml`), or sent as JSON by the bindings. Only
//! `vm` and `datastores` are required:
//!
//! ```
//! use vmrotate::{CloneKind, JobConfig, Mode};
//!
//! let job: JobConfig = toml::from_str(r#"
//!     vm = "avocado2"
//!     datastores = ["NFS_durian", "NFS_mango"]
//!     slots = 4
//!     timeouts = { clone = "2h" }
//! "#)?;
//! assert_eq!(job.prefix, "zz_");
//! assert_eq!(job.mode, Mode::Safe);
//! assert_eq!(job.clone_kind, CloneKind::Full);
//! assert_eq!(job.timeouts.clone.as_secs(), 7200);
//! job.validate()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use rotation_core::Mode;

use crate::error::Error;

/// One backup job: the VM and how its clones are made and rotated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobConfig {
    /// The VM to back up: its exact name, or with [`vm_match`](Self::vm_match) `prefix`, a
    /// prefix that must match exactly one VM (as the original script did).
    pub vm: String,
    /// How [`vm`](Self::vm) is matched. Default: `exact`.
    #[serde(default)]
    pub vm_match: VmMatch,
    /// The prefix of every clone's name. Default: `zz_`.
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// The number of slots; `slots - 1` generations are kept and one slot stays free.
    /// Default: 4 (three generations).
    #[serde(default = "default_slots")]
    pub slots: u8,
    /// The datastores the clones go to. With two or more, consecutive generations alternate
    /// between them, so losing one NAS never loses every copy.
    pub datastores: Vec<String>,
    /// The VM folder (in the VM's datacenter) the clones go to, created if missing.
    /// Default: `vmrotate-backups`.
    #[serde(default = "default_folder")]
    pub folder: String,
    /// Full thin copy (default) or linked clone.
    #[serde(default)]
    pub clone_kind: CloneKind,
    /// The host the clones are registered on. Default: the source VM's host.
    #[serde(default)]
    pub host: Option<String>,
    /// The resource pool the clones go to. Default: the source VM's pool.
    #[serde(default)]
    pub resource_pool: Option<String>,
    /// `safe` (default) or `compat` (exactly what the original PowerCLI script did).
    #[serde(default)]
    pub mode: Mode,
    /// Quiesce the guest file systems (VMware Tools) when taking the snapshot. Default: off.
    #[serde(default)]
    pub quiesce: bool,
    /// How long each step may take.
    #[serde(default)]
    pub timeouts: Timeouts,
    /// The zone of the stamp in clone names. Default: `local`, as the script.
    #[serde(default)]
    pub stamp_zone: StampZone,
    /// The share of the target datastore's capacity that must stay free after the clone
    /// (0.1 = 10 %): a datastore has room when its free space is at least the VM's used
    /// storage plus this fraction of its capacity. Default: 0.1.
    #[serde(default = "default_free_space_margin")]
    pub free_space_margin: f64,
    /// Delete clones that are due for deletion even when powered on. Default: off (a
    /// powered-on backup is someone's restore in progress: the run stops and says so).
    #[serde(default)]
    pub force: bool,
}

/// How [`JobConfig::vm`] selects the VM.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VmMatch {
    /// The VM whose name is exactly `vm`.
    #[default]
    Exact,
    /// The one VM whose name starts with `vm`; an error when none or several do.
    Prefix,
}

/// What kind of copy a clone is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloneKind {
    /// A full, independent copy with thin disks, from the snapshot (the script's `sparse`).
    #[default]
    Full,
    /// A linked clone: fast and small, but it depends on the source VM's disks, so it is no
    /// backup if those are lost.
    Linked,
}

/// The time zone of the `yyyyMMddHHmm` stamp in clone names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StampZone {
    /// The local time of the machine running vmrotate, as the script.
    #[default]
    Local,
    /// UTC: stamps that never repeat at a daylight-saving change.
    Utc,
}

/// How long each step of a run may take before it is cancelled and the run fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timeouts {
    /// Creating or removing the snapshot. Default: 30 minutes.
    #[serde(with = "friendly_duration")]
    pub snapshot: Duration,
    /// Cloning. Default: 6 hours.
    #[serde(with = "friendly_duration")]
    pub clone: Duration,
    /// Deleting one old clone. Default: 30 minutes.
    #[serde(with = "friendly_duration")]
    pub delete: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            snapshot: Duration::from_secs(30 * 60),
            clone: Duration::from_secs(6 * 3600),
            delete: Duration::from_secs(30 * 60),
        }
    }
}

impl JobConfig {
    /// A job for `vm` onto `datastores` with every other setting at its default.
    pub fn new(vm: impl Into<String>, datastores: Vec<String>) -> Self {
        Self {
            vm: vm.into(),
            vm_match: VmMatch::default(),
            prefix: default_prefix(),
            slots: default_slots(),
            datastores,
            folder: default_folder(),
            clone_kind: CloneKind::default(),
            host: None,
            resource_pool: None,
            mode: Mode::default(),
            quiesce: false,
            timeouts: Timeouts::default(),
            stamp_zone: StampZone::default(),
            free_space_margin: default_free_space_margin(),
            force: false,
        }
    }

    /// Checks the settings that need no server: a VM, at least one datastore, slots the mode
    /// accepts, a sane margin.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting and what to do.
    pub fn validate(&self) -> Result<(), Error> {
        if self.vm.trim().is_empty() {
            return Err(Error::Config("no VM given: name the VM to back up".into()));
        }
        if self.datastores.is_empty() {
            return Err(Error::Config(format!(
                "no backup datastore for {}: pass --datastore (e.g. NFS_durian)",
                self.vm
            )));
        }
        if !(self.free_space_margin.is_finite() && self.free_space_margin >= 0.0) {
            return Err(Error::Config(format!(
                "free_space_margin {} must be a fraction of 0 or more (0.1 = 10 %)",
                self.free_space_margin
            )));
        }
        rotation_core::SlotRotation::new(&self.prefix, &self.vm, self.slots, self.mode)
            .map(drop)
            .map_err(|error| Error::Config(error.to_string()))
    }
}

fn default_prefix() -> String {
    "zz_".into()
}

fn default_slots() -> u8 {
    4
}

fn default_folder() -> String {
    "vmrotate-backups".into()
}

fn default_free_space_margin() -> f64 {
    0.1
}

/// Durations written as `"90s"`, `"30m"`, `"2h"`, `"1h 30m"` or ISO 8601 (`"PT2H"`).
mod friendly_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(super) fn serialize<S: Serializer>(duration: &Duration, s: S) -> Result<S::Ok, S::Error> {
        let signed =
            jiff::SignedDuration::try_from(*duration).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&format!("{signed:#}"))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        let signed: jiff::SignedDuration = text.parse().map_err(|error| {
            D::Error::custom(format!(
                "invalid duration {text:?} ({error}): write e.g. \"30m\" or \"2h\""
            ))
        })?;
        Duration::try_from(signed)
            .map_err(|_| D::Error::custom(format!("duration {text:?} must not be negative")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_script_except_where_safety_needs_otherwise() {
        let job = JobConfig::new("avocado2", vec!["NFS_durian".into()]);
        assert_eq!((job.prefix.as_str(), job.slots), ("zz_", 4));
        assert_eq!(job.clone_kind, CloneKind::Full);
        assert_eq!(job.stamp_zone, StampZone::Local);
        job.validate().unwrap();
    }

    #[test]
    fn validation_names_the_setting() {
        let mut job = JobConfig::new("avocado2", vec![]);
        assert!(
            job.validate()
                .unwrap_err()
                .to_string()
                .contains("--datastore")
        );
        job.datastores.push("NFS_durian".into());
        job.slots = 1;
        assert!(job.validate().unwrap_err().to_string().contains("slot"));
        job.mode = Mode::Compat;
        job.validate().unwrap();
        job.free_space_margin = -1.0;
        assert!(
            job.validate()
                .unwrap_err()
                .to_string()
                .contains("free_space_margin")
        );
    }

    #[test]
    fn toml_round_trips_and_rejects_unknown_keys() {
        let mut job = JobConfig::new("avo", vec!["NFS_durian".into(), "NFS_mango".into()]);
        job.vm_match = VmMatch::Prefix;
        job.timeouts.clone = Duration::from_secs(5400);
        let text = toml::to_string(&job).unwrap();
        assert!(text.contains("clone = \"1h 30m\""), "{text}");
        assert_eq!(toml::from_str::<JobConfig>(&text).unwrap(), job);
        let unknown = toml::from_str::<JobConfig>("vm = \"a\"\ndatastores = []\nslot = 3\n");
        assert!(unknown.unwrap_err().to_string().contains("slot"));
        let bad = toml::from_str::<JobConfig>(
            "vm = \"a\"\ndatastores = []\ntimeouts = { clone = \"soon\" }\n",
        );
        assert!(bad.unwrap_err().to_string().contains("invalid duration"));
    }
}
