//! The offline time-based retention: `Retention(flavor, keep_daily=..., ...).apply(snapshots,
//! now)` and its `RetentionDecision`.
//!
//! The policy is built by `vmrotate::RetentionConfig::policy`, as for a backup job, so the
//! flavor's rules and the zone are checked exactly as `vmrotate backup --keep-daily ...` checks
//! them.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use vmrotate::RetentionConfig;
use vmrotate::rotation_core::retention::{Decision, Flavor, Rules, Snapshot};

use crate::convert::{aware_isoformat, choice, same_data, to_python};
use crate::errors::{config_error, plan_error};

/// The keys a snapshot `dict` may have.
const SNAPSHOT_KEYS: [&str; 5] = ["id", "time", "tags", "protected", "partial"];

/// A time-based retention policy ("7 daily, 4 weekly") with the semantics of restic `forget`,
/// borg 1.4 `prune` or Proxmox Backup Server `prune` (`flavor`: `"restic"`, `"borg"`, `"pbs"`).
///
/// Each rule means what it means in the flavor's tool (in borg, `keep_last` is one per second);
/// counts may be `-1` (unlimited) where the tool allows it. Durations use the tool's syntax:
/// restic `"1y2m3d4h"`, borg `"7d"`, `"12H"`, `"2w"`. `keep_tags` (restic) is a list of tag
/// lists: a snapshot carrying all tags of one list is kept.
///
/// `zone` is the IANA time zone whose days, weeks, months and years borg and PBS count in
/// (default: this machine's zone). restic counts in each snapshot's own UTC offset: for it the
/// zone is checked but not used.
///
/// Raises `PlanError` (a `ValueError`) for a rule the flavor does not have, a count or duration
/// its tool rejects, a restic or borg policy without any rule above 0, or an unknown zone.
///
/// >>> retention = Retention("restic", keep_daily=2)
/// >>> decision = retention.apply(
/// ...     [{"id": "mon", "time": "2024-06-03T23:00:00Z"},
/// ...      {"id": "tue-early", "time": "2024-06-04T01:00:00Z"},
/// ...      {"id": "tue", "time": "2024-06-04T12:00:00Z"}],
/// ...     now="2024-06-05T00:00:00Z")
/// >>> decision.keep, decision.remove
/// (['tue', 'mon'], ['tue-early'])
#[pyclass(module = "vmrotate", frozen)]
pub(crate) struct Retention {
    /// Checked when built: `policy()` succeeds.
    config: RetentionConfig,
}

impl Retention {
    /// The policy as a backup job's retention setting.
    pub(crate) fn config(&self) -> &RetentionConfig {
        &self.config
    }
}

#[pymethods]
impl Retention {
    #[new]
    #[pyo3(signature = (
        flavor = "restic",
        *,
        zone = None,
        keep_last = None,
        keep_secondly = None,
        keep_minutely = None,
        keep_hourly = None,
        keep_daily = None,
        keep_weekly = None,
        keep_monthly = None,
        keep_13weekly = None,
        keep_3monthly = None,
        keep_yearly = None,
        keep_within = None,
        keep_within_hourly = None,
        keep_within_daily = None,
        keep_within_weekly = None,
        keep_within_monthly = None,
        keep_within_yearly = None,
        keep_tags = None,
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per rule, as in Python
    fn new(
        py: Python<'_>,
        flavor: &str,
        zone: Option<String>,
        keep_last: Option<i64>,
        keep_secondly: Option<i64>,
        keep_minutely: Option<i64>,
        keep_hourly: Option<i64>,
        keep_daily: Option<i64>,
        keep_weekly: Option<i64>,
        keep_monthly: Option<i64>,
        keep_13weekly: Option<i64>,
        keep_3monthly: Option<i64>,
        keep_yearly: Option<i64>,
        keep_within: Option<String>,
        keep_within_hourly: Option<String>,
        keep_within_daily: Option<String>,
        keep_within_weekly: Option<String>,
        keep_within_monthly: Option<String>,
        keep_within_yearly: Option<String>,
        keep_tags: Option<Vec<Vec<String>>>,
    ) -> PyResult<Self> {
        let rules = Rules {
            keep_last,
            keep_secondly,
            keep_minutely,
            keep_hourly,
            keep_daily,
            keep_weekly,
            keep_monthly,
            keep_13weekly,
            keep_3monthly,
            keep_yearly,
            keep_within,
            keep_within_hourly,
            keep_within_daily,
            keep_within_weekly,
            keep_within_monthly,
            keep_within_yearly,
            keep_tags,
        };
        let config = RetentionConfig {
            flavor: choice::<Flavor>("flavor", flavor)?,
            rules,
            zone,
        };
        config
            .policy()
            .map_err(|error| plan_error(py, error.to_string()))?;
        Ok(Self { config })
    }

    /// Decides which snapshots to keep and which to remove, as the flavor's tool would when
    /// run at `now` (default: now).
    ///
    /// Each snapshot is a `dict` with `"id"` (unique), `"time"` (RFC 3339 text with an offset,
    /// or an aware `datetime`) and optionally `"tags"` (a list of strings) and, for PBS,
    /// `"protected"` and `"partial"` (booleans). `now` is RFC 3339 text or an aware `datetime`.
    /// Raises `PlanError` for a duplicate id or a malformed time, `ValueError` for a naive
    /// `datetime` or an unknown key, `TypeError` for values of the wrong type.
    #[pyo3(signature = (snapshots, now = None))]
    fn apply(
        &self,
        py: Python<'_>,
        snapshots: Vec<Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<RetentionDecision> {
        let snapshots = snapshots
            .iter()
            .map(|snapshot| snapshot_from_python(py, snapshot))
            .collect::<PyResult<Vec<_>>>()?;
        let now = match now {
            Some(now) => {
                let text = time_text("now", now)?;
                text.parse().map_err(|error| {
                    config_error(format!(
                        "now {text:?} is not an RFC 3339 time with an offset ({error}); write \
                         it like \"2024-06-01T12:00:00Z\""
                    ))
                })?
            }
            None => jiff::Timestamp::now(),
        };
        self.config
            .decide(&snapshots, now)
            .map(RetentionDecision::from)
            .map_err(|error| plan_error(py, error.to_string()))
    }

    /// `"restic"`, `"borg"` or `"pbs"`.
    #[getter]
    fn flavor(&self) -> String {
        flavor_name(self.config.flavor)
    }

    /// The IANA zone given, or `None` (borg and PBS then use this machine's zone).
    #[getter]
    fn zone(&self) -> Option<&str> {
        self.config.zone.as_deref()
    }

    /// The rules that are set, by name, e.g. `{"keep_daily": 7}`.
    #[getter]
    fn rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let all = to_python(py, &self.config.rules)?;
        let set = PyDict::new(py);
        for (name, value) in all.cast::<PyDict>()?.iter() {
            if !value.is_none() {
                set.set_item(name, value)?;
            }
        }
        Ok(set.into_any())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut arguments = vec![format!("{:?}", flavor_name(self.config.flavor))];
        if let Some(zone) = &self.config.zone {
            arguments.push(format!("zone={zone:?}"));
        }
        for (name, value) in self.rules(py)?.cast::<PyDict>()?.iter() {
            arguments.push(format!("{name}={}", value.repr()?));
        }
        Ok(format!("Retention({})", arguments.join(", ")))
    }
}

/// The flavor's name as the `flavor` argument takes it.
fn flavor_name(flavor: Flavor) -> String {
    flavor.to_string().to_lowercase()
}

/// A snapshot `dict` as the library's snapshot.
fn snapshot_from_python(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Snapshot> {
    let fields = value.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!(
            "each snapshot must be a dict with \"id\" and \"time\", not {}",
            value
                .get_type()
                .name()
                .map_or_else(|_| "?".into(), |n| n.to_string())
        ))
    })?;
    for key in fields.keys() {
        let key: String = key.extract()?;
        if !SNAPSHOT_KEYS.contains(&key.as_str()) {
            return Err(config_error(format!(
                "a snapshot has the unknown key {key:?}: use only {}",
                SNAPSHOT_KEYS.join(", ")
            )));
        }
    }
    let required = |key: &str| {
        fields.get_item(key)?.ok_or_else(|| {
            config_error(format!(
                "a snapshot has no {key:?}: give each one an id and a time"
            ))
        })
    };
    let id: String = required("id")?.extract()?;
    let time = time_text(&format!("the time of snapshot {id:?}"), &required("time")?)?;
    let mut snapshot =
        Snapshot::parse(id, &time).map_err(|error| plan_error(py, error.to_string()))?;
    if let Some(tags) = fields.get_item("tags")? {
        snapshot = snapshot.with_tags(tags.extract::<Vec<String>>()?);
    }
    if flag(fields, "protected")? {
        snapshot = snapshot.mark_protected();
    }
    if flag(fields, "partial")? {
        snapshot = snapshot.mark_partial();
    }
    Ok(snapshot)
}

/// The boolean `key` of a snapshot `dict`; `False` when absent.
fn flag(fields: &Bound<'_, PyDict>, key: &str) -> PyResult<bool> {
    fields
        .get_item(key)?
        .map_or(Ok(false), |value| value.extract())
}

/// A time given as RFC 3339 text or an aware `datetime`, as RFC 3339 text with its offset.
fn time_text(what: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if value.is_instance_of::<PyString>() {
        value.extract()
    } else {
        aware_isoformat(what, value)
    }
}

/// Which snapshots a [`Retention`] keeps and removes, and why each kept one is kept.
#[pyclass(module = "vmrotate", frozen)]
pub(crate) struct RetentionDecision(Decision);

impl From<Decision> for RetentionDecision {
    fn from(decision: Decision) -> Self {
        Self(decision)
    }
}

#[pymethods]
impl RetentionDecision {
    /// Equal when the data is (what `to_dict()` returns).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Self>()
            .is_ok_and(|other| same_data(&self.0, &other.get().0))
    }

    /// The ids to keep, newest first.
    #[getter]
    fn keep(&self) -> Vec<String> {
        self.0.keep.clone()
    }

    /// The ids to remove, newest first.
    #[getter]
    fn remove(&self) -> Vec<String> {
        self.0.remove.clone()
    }

    /// For each kept id, the rules that keep it, phrased like the flavor's tool (restic
    /// `"daily snapshot"`, borg `"daily #3"`, PBS `"keep"`).
    #[getter]
    fn reasons<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0.reasons)
    }

    /// The decision as plain data: `{"keep": [...], "remove": [...], "reasons": {...}}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<RetentionDecision keep={:?} remove={:?}>",
            self.0.keep, self.0.remove
        )
    }
}
