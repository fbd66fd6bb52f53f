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

use jiff::tz::TimeZone;
use rotation_core::retention::{Flavor, Retention, Rules, Zone};
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
    /// `other-host`: register the clones on a host other than the source VM's, one that
    /// mounts the target datastore (the fewest registered VMs first), so that a copy can be
    /// powered on when the source's host dies. Default: `same-host` (or [`host`](Self::host)).
    #[serde(default)]
    pub placement: HostPlacement,
    /// The resource pool the clones go to. Default: the source VM's pool.
    #[serde(default)]
    pub resource_pool: Option<String>,
    /// `safe` (default) or `compat` (exactly what the original PowerCLI script did).
    #[serde(default)]
    pub mode: Mode,
    /// Whether the snapshot of a running VM quiesces its guest file systems (VMware Tools):
    /// `off` (default), `preferred` (crash-consistent, with a warning, when quiescing fails) or
    /// `required` (the run fails when quiescing fails). `true` and `false` mean `required` and
    /// `off`, as before the policy existed.
    #[serde(default, deserialize_with = "quiesce_policy")]
    pub quiesce: Quiesce,
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
    /// What to do with the source's independent disks and physical-mode RDMs, which a clone
    /// from a snapshot cannot hold: refuse the run (default), or leave them out of the clone.
    #[serde(default)]
    pub independent_disks: IndependentDisks,
    /// The share of the source VM's used storage that must be free on each of its own
    /// datastores for the snapshot to grow into while the clone runs (0.1 = 10 %).
    /// Default: 0.1.
    #[serde(default = "default_snapshot_room")]
    pub snapshot_room: f64,
    /// Delete clones that are due for deletion even when powered on. Default: off (a
    /// powered-on backup is someone's restore in progress: the run stops and says so).
    #[serde(default)]
    pub force: bool,
    /// A time-based retention policy instead of slots (safe mode only; leave `slots` at its
    /// default). Its clones are named and marked apart from slot clones (see
    /// [`RetentionCloneName`](crate::RetentionCloneName)). Default: none, slot rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<RetentionConfig>,
    /// How deep each run verifies its new clone: `metadata` (default: the inventory record,
    /// disks and files), `boot` (also a boot test isolated from the network) or `boot-weekly`
    /// (the boot test in the first run of each ISO week). See `docs/backup-job.md`.
    #[serde(default)]
    pub verify: VerifyMode,
}

/// How deep a run verifies its new clone ([`JobConfig::verify`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyMode {
    /// The metadata checks: inventory record, disks and files against the source.
    #[default]
    Metadata,
    /// The metadata checks and a boot test after every run.
    Boot,
    /// The metadata checks, and a boot test in the first run of each ISO week (no generation
    /// yet created that week).
    BootWeekly,
}

/// Whether the snapshot of a running VM quiesces its guest file systems; see
/// [`JobConfig::quiesce`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quiesce {
    /// A crash-consistent snapshot, as if the power were cut.
    #[default]
    Off,
    /// Quiesced, or crash-consistent with a warning when quiescing fails (no VMware Tools, a
    /// VSS writer failing).
    Preferred,
    /// Quiesced, or the run fails.
    Required,
}

impl From<bool> for Quiesce {
    /// `true` is [`Quiesce::Required`] (what `quiesce = true` always meant), `false`
    /// [`Quiesce::Off`].
    fn from(quiesce: bool) -> Self {
        if quiesce {
            Quiesce::Required
        } else {
            Quiesce::Off
        }
    }
}

/// A [`Quiesce`] policy written as its name or, as before policies, a boolean.
fn quiesce_policy<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Quiesce, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Flag(bool),
        Policy(Quiesce),
    }
    Ok(
        match Written::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom("quiesce must be \"off\", \"preferred\" or \"required\"")
        })? {
            Written::Flag(flag) => Quiesce::from(flag),
            Written::Policy(policy) => policy,
        },
    )
}

/// What a run does with disks a clone from a snapshot cannot hold: independent disks (which
/// snapshots do not capture, so the clone would not be point-in-time) and physical-mode RDMs
/// (which cannot be snapshotted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndependentDisks {
    /// Refuse the run, naming the disk.
    #[default]
    Refuse,
    /// Leave them out of the clone; the report says which.
    Skip,
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

/// Which host a clone is registered on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostPlacement {
    /// The source VM's host, or the job's [`host`](JobConfig::host).
    #[default]
    SameHost,
    /// Another host mounting the target datastore, the one with the fewest registered VMs.
    OtherHost,
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

/// A time-based retention policy ("7 daily, 4 weekly") in the semantics of one tool, as
/// written in settings: the [`Flavor`], its [`Rules`] and the IANA time zone its calendar
/// periods are counted in.
///
/// [`policy`](Self::policy) validates it into a [`Retention`]. The backups' creation times
/// are expressed in [`time_zone`](Self::time_zone): borg and PBS count days and weeks in that
/// zone (DST included); restic counts them in each snapshot's own UTC offset, which is the
/// offset of that zone at the time the backup was taken, as restic records it, and measures
/// `keep_within*` in the zone, as `forget` run there does.
///
/// ```
/// use vmrotate::RetentionConfig;
///
/// let config: RetentionConfig = toml::from_str(r#"
///     flavor = "borg"
///     zone = "Europe/Berlin"
///     rules = { keep_daily = 7, keep_weekly = 4 }
/// "#)?;
/// let retention = config.policy()?;
/// assert_eq!(retention.flavor(), vmrotate::rotation_core::retention::Flavor::Borg);
///
/// let unknown = RetentionConfig { zone: Some("Mars/Olympus".into()), ..config };
/// assert!(unknown.policy().unwrap_err().to_string().contains("Mars/Olympus"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Whose semantics the rules have: `restic`, `borg` or `pbs`.
    pub flavor: Flavor,
    /// The rules (`keep_daily`, `keep_weekly`, ...), each with its flavor's meaning.
    pub rules: Rules,
    /// The IANA time zone (e.g. `Europe/Berlin`) of the calendar periods. Default: the time
    /// zone of the machine running vmrotate, as each of the three tools does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

impl RetentionConfig {
    /// The time zone the backups' times are expressed in: [`zone`](Self::zone) resolved from
    /// the IANA database, or the machine's own zone.
    ///
    /// # Errors
    /// [`Error::Config`] naming an unknown zone and how to write a known one.
    pub fn time_zone(&self) -> Result<TimeZone, Error> {
        let Some(name) = &self.zone else {
            return Ok(TimeZone::system());
        };
        TimeZone::get(name).map_err(|error| {
            Error::Config(format!(
                "unknown time zone {name:?} ({error}): name an IANA time zone such as \
                 Europe/Berlin or UTC"
            ))
        })
    }

    /// The validated policy, bucketing in [`time_zone`](Self::time_zone) for every flavor (for
    /// restic, as `forget` does with backups taken in the zone it runs in).
    ///
    /// # Errors
    /// [`Error::Config`] for an unknown zone, or rules the flavor's tool would reject (such
    /// as an empty restic policy, or `keep_within` for PBS), saying which and why.
    pub fn policy(&self) -> Result<Retention, Error> {
        let zone = Zone::TimeZone(self.time_zone()?);
        Retention::new(self.flavor, &self.rules, zone).map_err(|error| {
            Error::Config(format!("invalid {} retention policy: {error}", self.flavor))
        })
    }

    /// The policy's decision over `snapshots` at `now`: what every front end's offline
    /// retention plan returns (`vmr_retention_plan`, Python's `Retention.apply`).
    ///
    /// # Errors
    /// As [`policy`](Self::policy), and [`Error::Config`] for snapshots the policy cannot decide
    /// on (a duplicate id, a flag the flavor does not know).
    pub fn decide(
        &self,
        snapshots: &[rotation_core::retention::Snapshot],
        now: jiff::Timestamp,
    ) -> Result<rotation_core::retention::Decision, Error> {
        self.policy()?.apply(snapshots, now).map_err(|error| {
            Error::Config(format!(
                "cannot apply the {} retention policy: {error}",
                self.flavor
            ))
        })
    }
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
    /// A boot test's wait for the VMware Tools heartbeat after power-on. Default: 10 minutes.
    #[serde(with = "friendly_duration")]
    pub boot: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            snapshot: Duration::from_secs(30 * 60),
            clone: Duration::from_secs(6 * 3600),
            delete: Duration::from_secs(30 * 60),
            boot: Duration::from_secs(10 * 60),
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
            placement: HostPlacement::default(),
            resource_pool: None,
            mode: Mode::default(),
            quiesce: Quiesce::Off,
            timeouts: Timeouts::default(),
            stamp_zone: StampZone::default(),
            free_space_margin: default_free_space_margin(),
            independent_disks: IndependentDisks::default(),
            snapshot_room: default_snapshot_room(),
            force: false,
            retention: None,
            verify: VerifyMode::default(),
        }
    }

    /// Checks the settings that need no server: a VM, at least one datastore, slots the mode
    /// accepts or a valid retention policy (not both), a sane margin.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting and what to do.
    pub fn validate(&self) -> Result<(), Error> {
        if self.vm.trim().is_empty() {
            return Err(Error::Config("no VM given: name the VM to back up".into()));
        }
        if self.datastores.is_empty() {
            return Err(Error::Config(format!(
                "no backup datastore for {}: set `datastores` (e.g. NFS_durian)",
                self.vm
            )));
        }
        if self.placement == HostPlacement::OtherHost && self.host.is_some() {
            return Err(Error::Config(format!(
                "{}: placement = \"other-host\" chooses the host, so do not name one (host)",
                self.vm
            )));
        }
        if !(self.free_space_margin.is_finite() && self.free_space_margin >= 0.0) {
            return Err(Error::Config(format!(
                "free_space_margin {} must be a fraction of 0 or more (0.1 = 10 %)",
                self.free_space_margin
            )));
        }
        if !(self.snapshot_room.is_finite() && self.snapshot_room >= 0.0) {
            return Err(Error::Config(format!(
                "snapshot_room {} must be a fraction of 0 or more (0.1 = 10 %)",
                self.snapshot_room
            )));
        }
        if self.checked_retention()?.is_some() {
            return Ok(());
        }
        rotation_core::SlotRotation::new(&self.prefix, &self.vm, self.slots, self.mode)
            .map(drop)
            .map_err(|error| Error::Config(error.to_string()))
    }

    /// The retention policy, if any, checked: not together with slots, not in compat mode,
    /// valid for its flavor.
    ///
    /// # Errors
    /// [`Error::Config`] naming the conflict or the invalid rule.
    pub(crate) fn checked_retention(&self) -> Result<Option<&RetentionConfig>, Error> {
        let Some(retention) = &self.retention else {
            return Ok(None);
        };
        if self.slots != default_slots() {
            return Err(Error::Config(format!(
                "{} has both {} slots and a retention policy: choose one (remove the slots \
                 setting, or the retention policy)",
                self.vm, self.slots
            )));
        }
        if self.mode == Mode::Compat {
            return Err(Error::Config(format!(
                "{} has a retention policy in compat mode, which only knows slots: use safe mode",
                self.vm
            )));
        }
        retention.policy().map(|_| Some(retention))
    }
}

/// Checks every job's settings up front, as all front ends do before a run (the command line,
/// Python's `backup_all`, the native library's `backup`), so an invalid job changes nothing.
///
/// # Errors
/// The first invalid job's [`Error::Config`], prefixed with its number and VM: `job 2
/// (avocado2): no backup datastore for avocado2: set `datastores` (e.g. NFS_durian)`.
pub fn validate_jobs(jobs: &[JobConfig]) -> Result<(), Error> {
    for (index, job) in jobs.iter().enumerate() {
        job.validate().map_err(|error| match error {
            Error::Config(message) => {
                Error::Config(format!("job {} ({}): {message}", index + 1, job.vm))
            }
            other => other,
        })?;
    }
    Ok(())
}

/// The default clone name prefix, `zz_`.
pub const DEFAULT_PREFIX: &str = "zz_";

/// The default number of slots, 4.
pub const DEFAULT_SLOTS: u8 = 4;

/// The names of the settings the core's messages use (in backticks), for front ends that
/// spell them their own way: the command line's `--datastore`, Python's `datastores=`,
/// PowerShell's `-Datastore`.
pub const SETTINGS: &[&str] = &[
    "vm",
    "datastores",
    "slots",
    "prefix",
    "mode",
    "retention",
    "free_space_margin",
    "username",
    "password",
    "password_file",
    "thumbprint",
    "ca_file",
    "insecure",
    "stamp",
    "force",
    "keep_daily",
];

/// `message` with every backticked core setting name (`` `datastores` ``) replaced by
/// `spell(name)`, the front end's own spelling of that setting.
pub fn spell_settings(message: &str, spell: impl Fn(&str) -> Option<String>) -> String {
    let mut out = message.to_owned();
    for setting in SETTINGS {
        if let Some(spelled) = spell(setting) {
            out = out.replace(&format!("`{setting}`"), &spelled);
        }
    }
    out
}

/// The stamp of a run now, in this machine's local time: the default stamp of a plan in every
/// front end.
///
/// # Errors
/// [`Error::Config`] when the clock reads a year without four digits.
pub fn default_stamp() -> Result<rotation_core::Stamp, Error> {
    rotation_core::Stamp::from_datetime(jiff::ZonedDateTime::now().datetime()).map_err(|error| {
        Error::Config(format!(
            "the clock reads a time with no yyyyMMddHHmm form ({error}): pass `stamp`"
        ))
    })
}

fn default_prefix() -> String {
    DEFAULT_PREFIX.into()
}

fn default_slots() -> u8 {
    DEFAULT_SLOTS
}

fn default_folder() -> String {
    "vmrotate-backups".into()
}

fn default_free_space_margin() -> f64 {
    0.1
}

fn default_snapshot_room() -> f64 {
    0.1
}

/// Durations written as `"90s"`, `"30m"`, `"2h"`, `"1h 30m"` or ISO 8601 (`"PT2H"`).
pub(crate) mod friendly_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(crate) fn serialize<S: Serializer>(duration: &Duration, s: S) -> Result<S::Ok, S::Error> {
        let signed =
            jiff::SignedDuration::try_from(*duration).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&format!("{signed:#}"))
    }

    /// `duration` as the settings write it, e.g. `30s` or `1h 30m`.
    pub(crate) fn display(duration: Duration) -> String {
        jiff::SignedDuration::try_from(duration)
            .map_or_else(|_| format!("{duration:?}"), |signed| format!("{signed:#}"))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
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
    fn jobs_are_validated_up_front_with_their_number() {
        let good = JobConfig::new("avocado2", vec!["NFS_durian".into()]);
        let bad = JobConfig::new("banana", vec![]);
        let error = validate_jobs(&[good.clone(), bad]).unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Config);
        assert!(
            error
                .to_string()
                .starts_with("job 2 (banana): no backup datastore"),
            "{error}"
        );
        validate_jobs(&[good]).unwrap();
    }

    #[test]
    fn front_ends_spell_the_settings_their_own_way() {
        let message = "no backup datastore for x: set `datastores` (e.g. NFS_durian)";
        let cli = spell_settings(message, |setting| {
            (setting == "datastores").then(|| "--datastore".to_owned())
        });
        assert_eq!(
            cli,
            "no backup datastore for x: set --datastore (e.g. NFS_durian)"
        );
    }

    #[test]
    fn quiesce_is_a_policy_or_the_old_boolean() {
        let read = |value: &str| {
            serde_json::from_str::<JobConfig>(&format!(
                r#"{{"vm": "a", "datastores": ["d"], "quiesce": {value}}}"#
            ))
            .map(|job| job.quiesce)
        };
        assert_eq!(read("\"preferred\"").unwrap(), Quiesce::Preferred);
        assert_eq!(read("\"off\"").unwrap(), Quiesce::Off);
        assert_eq!(read("true").unwrap(), Quiesce::Required);
        assert_eq!(read("false").unwrap(), Quiesce::Off);
        let wrong = read("\"always\"").unwrap_err().to_string();
        assert!(wrong.contains("\"preferred\""), "{wrong}");
    }

    #[test]
    fn validation_names_the_setting() {
        let mut job = JobConfig::new("avocado2", vec![]);
        assert!(
            job.validate()
                .unwrap_err()
                .to_string()
                .contains("`datastores`")
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

    fn retention(flavor: Flavor, rules: Rules, zone: Option<&str>) -> RetentionConfig {
        RetentionConfig {
            flavor,
            rules,
            zone: zone.map(str::to_owned),
        }
    }

    #[test]
    fn retention_resolves_the_zone_for_every_flavor() {
        let daily = Rules {
            keep_daily: Some(7),
            ..Rules::default()
        };
        for flavor in [Flavor::Restic, Flavor::Borg, Flavor::Pbs] {
            let config = retention(flavor, daily.clone(), Some("Europe/Berlin"));
            assert_eq!(config.policy().unwrap().flavor(), flavor);
            assert_eq!(
                config.time_zone().unwrap().iana_name(),
                Some("Europe/Berlin")
            );
            let unknown = retention(flavor, daily.clone(), Some("Europe/Atlantis"));
            let error = unknown.policy().unwrap_err();
            assert_eq!(error.kind(), crate::ErrorKind::Config);
            assert!(error.to_string().contains("Europe/Atlantis"), "{error}");
        }
        let local = retention(Flavor::Borg, daily, None);
        assert_eq!(local.time_zone().unwrap(), TimeZone::system());
    }

    #[test]
    fn a_job_has_slots_or_retention_not_both() {
        let mut job: JobConfig = toml::from_str(
            r#"
            vm = "avocado2"
            datastores = ["NFS_durian"]
            retention = { flavor = "restic", rules = { keep_daily = 3, keep_weekly = 2 } }
            "#,
        )
        .unwrap();
        job.validate().unwrap();
        assert_eq!(
            toml::from_str::<JobConfig>(&toml::to_string(&job).unwrap()).unwrap(),
            job
        );
        job.slots = 5;
        assert!(
            job.validate()
                .unwrap_err()
                .to_string()
                .contains("choose one")
        );
        job.slots = 4;
        job.mode = Mode::Compat;
        assert!(
            job.validate()
                .unwrap_err()
                .to_string()
                .contains("safe mode")
        );
        job.mode = Mode::Safe;
        job.retention = Some(retention(Flavor::Restic, Rules::default(), None));
        assert_eq!(job.validate().unwrap_err().kind(), crate::ErrorKind::Config);
    }

    #[test]
    fn retention_refuses_what_the_flavor_refuses() {
        let empty = retention(Flavor::Restic, Rules::default(), Some("UTC"));
        let error = empty.policy().unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Config);
        assert!(error.to_string().contains("restic"), "{error}");
        // PBS keeps everything without rules, as the tool does.
        retention(Flavor::Pbs, Rules::default(), Some("UTC"))
            .policy()
            .unwrap();
        let within = Rules {
            keep_within: Some("2d".into()),
            ..Rules::default()
        };
        let error = retention(Flavor::Pbs, within, None).policy().unwrap_err();
        assert!(error.to_string().contains("keep_within"), "{error}");
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
