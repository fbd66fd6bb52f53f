//! The offline rotation policy: `SlotRotation(...).plan(names, stamp=...)` and its `Plan`.

use pyo3::prelude::*;
use vmrotate::rotation_core::{self, Mode, Stamp};

use crate::convert::{choice, same_data, to_python};
use crate::errors::plan_error;

/// The slot rotation of one VM's clones, named `<prefix><key>-<NN>-<yyyyMMddHHmm>`: `slots`
/// slots, `slots - 1` generations kept, one slot always free.
///
/// `mode` is `"safe"` (the default) or `"compat"` (exactly what the original PowerCLI script
/// did). Raises `PlanError` (a `ValueError`) for slots outside 2..=99 in safe mode (1..=99 in
/// compat mode) or an empty key.
///
/// >>> rotation = SlotRotation("avocado2", slots=4)
/// >>> plan = rotation.plan(["zz_avocado2-01-201909240241"], stamp="201909250241")
/// >>> plan.new_clone
/// 'zz_avocado2-02-201909250241'
#[pyclass(module = "vmrotate", frozen)]
pub(crate) struct SlotRotation(rotation_core::SlotRotation);

#[pymethods]
impl SlotRotation {
    #[new]
    // The defaults are vmrotate::DEFAULT_PREFIX and DEFAULT_SLOTS, written out so the
    // signature shows them; keep them equal.
    #[pyo3(signature = (key, *, prefix = "zz_", slots = 4, mode = "safe"))]
    fn new(py: Python<'_>, key: &str, prefix: &str, slots: i64, mode: &str) -> PyResult<Self> {
        let mode: Mode = choice("mode", mode)?;
        let slots = slot_count(py, slots)?;
        rotation_core::SlotRotation::new(prefix, key, slots, mode)
            .map(Self)
            .map_err(|error| plan_error(py, error.to_string()))
    }

    /// Plans one run taken at `stamp` (`yyyyMMddHHmm`; default: now, local time) over the VMs
    /// that exist now, given by name (every VM of the inventory may be given: only this
    /// rotation's clones count). Changes nothing anywhere.
    #[pyo3(signature = (names, *, stamp = None))]
    fn plan(&self, py: Python<'_>, names: Vec<String>, stamp: Option<&str>) -> PyResult<Plan> {
        let stamp = match stamp {
            Some(text) => text
                .parse::<Stamp>()
                .map_err(|error| plan_error(py, error.to_string()))?,
            None => vmrotate::default_stamp().map_err(|error| plan_error(py, error.to_string()))?,
        };
        Ok(Plan(self.0.plan(names, stamp)))
    }

    /// The prefix of every clone name.
    #[getter]
    fn prefix(&self) -> &str {
        self.0.prefix()
    }

    /// The VM's name, as used in clone names.
    #[getter]
    fn key(&self) -> &str {
        self.0.key()
    }

    /// The number of slots.
    #[getter]
    fn slots(&self) -> u8 {
        self.0.slots()
    }

    /// The generations kept after each run, the new clone included: `slots - 1`.
    #[getter]
    fn generations_kept(&self) -> u8 {
        self.0.generations_kept()
    }

    /// `"safe"` or `"compat"`.
    #[getter]
    fn mode(&self) -> String {
        self.0.mode().to_string()
    }

    fn __repr__(&self) -> String {
        format!(
            "SlotRotation({:?}, prefix={:?}, slots={}, mode={:?})",
            self.0.key(),
            self.0.prefix(),
            self.0.slots(),
            self.0.mode().to_string()
        )
    }
}

/// `slots` as the slot count of a rotation, if it fits one (the rotation checks the rest).
///
/// # Errors
/// `PlanError` for a number outside 0..=255.
pub(crate) fn slot_count(py: Python<'_>, slots: i64) -> PyResult<u8> {
    u8::try_from(slots).map_err(|_| {
        let message = format!(
            "slots must be between 1 and 99 (clone names hold the slot in two digits), got \
             {slots}"
        );
        plan_error(py, message)
    })
}

/// What one backup run will create and delete, and why.
#[pyclass(module = "vmrotate", frozen)]
pub(crate) struct Plan(rotation_core::Plan);

impl From<rotation_core::Plan> for Plan {
    fn from(plan: rotation_core::Plan) -> Self {
        Self(plan)
    }
}

#[pymethods]
impl Plan {
    /// Equal when the data is (what `to_dict()` returns).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Self>()
            .is_ok_and(|other| same_data(&self.0, &other.get().0))
    }

    /// The mode that made the plan: `"safe"` or `"compat"`.
    #[getter]
    fn mode(&self) -> String {
        self.0.mode.to_string()
    }

    /// The slot the new clone takes.
    #[getter]
    fn current(&self) -> u8 {
        self.0.current.get()
    }

    /// The slot after `current` in the cycle (whose clone the original script deletes).
    #[getter]
    fn prev(&self) -> u8 {
        self.0.prev.get()
    }

    /// The new clone's name.
    #[getter]
    fn new_clone(&self) -> &str {
        &self.0.new_clone
    }

    /// Why the run must not go ahead, or `None`; `actions` is empty then.
    #[getter]
    fn blocked(&self) -> Option<&str> {
        self.0.blocked.as_deref()
    }

    /// What to do, in order.
    #[getter]
    fn actions(&self) -> Vec<Action> {
        self.0.actions.iter().cloned().map(Action).collect()
    }

    /// The names this plan deletes, in order.
    #[getter]
    fn deletions(&self) -> Vec<String> {
        self.0.deletions().map(str::to_owned).collect()
    }

    /// Anomalies seen in the names: each a `dict` with a `kind` (`duplicate_slot`,
    /// `slot_above_maximum`, `unparsable_name`, `stamp_in_future`, `stamp_already_used`,
    /// `collision`), its fields and a `message`.
    #[getter]
    fn findings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.to_dict(py)?.get_item("findings")
    }

    /// The plan as plain data, as `vmrotate plan --json` prints it.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<Plan new_clone={:?} deletions={:?} blocked={:?}>",
            self.0.new_clone,
            self.0.deletions().collect::<Vec<_>>(),
            self.0.blocked
        )
    }
}

/// One step of a plan: create or delete the VM `name`, for `reason`.
#[pyclass(module = "vmrotate", frozen)]
pub(crate) struct Action(rotation_core::Action);

#[pymethods]
impl Action {
    /// Equal when the data is (what `to_dict()` returns).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Self>()
            .is_ok_and(|other| same_data(&self.0, &other.get().0))
    }

    /// `"create"` or `"delete"`.
    #[getter]
    fn op(&self) -> &'static str {
        match self.0 {
            rotation_core::Action::Create { .. } => "create",
            rotation_core::Action::Delete { .. } => "delete",
        }
    }

    /// The VM created or deleted.
    #[getter]
    fn name(&self) -> &str {
        self.0.name()
    }

    /// Why the action is in the plan, in one sentence.
    #[getter]
    fn reason(&self) -> &str {
        self.0.reason()
    }

    /// For a delete: whether it may run only once the plan's create succeeded (always in safe
    /// mode). `False` for a create.
    #[getter]
    fn requires_create(&self) -> bool {
        matches!(
            self.0,
            rotation_core::Action::Delete {
                requires_create: true,
                ..
            }
        )
    }

    /// The action as plain data, as in `Plan.to_dict()["actions"]`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!("<Action {} {}>", self.op(), self.0.name())
    }
}
