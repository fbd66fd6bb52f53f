//! `vmr_plan`: what one backup run would create and delete, and why, without any server.

use serde::Deserialize;
use vmrotate::rotation_core::{Existing, Mode, Plan, SlotRotation, Stamp};
use vmrotate::{Error, JobConfig};

use crate::error::AbiError;

/// The request of `vmr_plan`: the rotation's settings (absent ones take a job's defaults:
/// prefix `zz_`, 4 slots, safe mode), the run's stamp (default: now, local time) and the
/// names of the VMs that exist.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanRequest {
    key: String,
    prefix: Option<String>,
    slots: Option<u8>,
    mode: Option<Mode>,
    stamp: Option<String>,
    #[serde(default)]
    names: Vec<String>,
}

impl PlanRequest {
    /// The rotation's plan.
    ///
    /// # Errors
    /// `config` for slots the mode does not accept, an empty key or a malformed stamp.
    pub(crate) fn plan(self) -> Result<Plan, AbiError> {
        let defaults = JobConfig::new(self.key.as_str(), Vec::new());
        let rotation = SlotRotation::new(
            self.prefix.unwrap_or(defaults.prefix),
            self.key,
            self.slots.unwrap_or(defaults.slots),
            self.mode.unwrap_or(defaults.mode),
        )
        .map_err(|error| Error::Config(error.to_string()))?;
        let stamp = match self.stamp {
            Some(text) => text
                .parse::<Stamp>()
                .map_err(|error| Error::Config(error.to_string()))?,
            None => vmrotate::default_stamp()?,
        };
        Ok(rotation.plan(self.names.into_iter().map(Existing::from), stamp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> PlanRequest {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn absent_settings_take_a_jobs_defaults() {
        let plan = request(r#"{"key": "avocado2", "stamp": "201909250241"}"#)
            .plan()
            .unwrap();
        assert_eq!(plan.mode, Mode::Safe);
        assert_eq!(plan.new_clone, "zz_avocado2-01-201909250241");
    }

    #[test]
    fn bad_settings_are_config_errors() {
        let slots = request(r#"{"key": "avocado2", "slots": 1}"#)
            .plan()
            .unwrap_err();
        assert!(matches!(&slots, AbiError::Vmrotate(Error::Config(m)) if m.contains("slots")));
        let stamp = request(r#"{"key": "avocado2", "stamp": "2019"}"#)
            .plan()
            .unwrap_err();
        assert!(matches!(&stamp, AbiError::Vmrotate(Error::Config(m)) if m.contains("12 digits")));
    }
}
