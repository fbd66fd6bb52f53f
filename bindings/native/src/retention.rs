//! `vmr_retention_plan`: which snapshots a time-based retention policy keeps and removes, and
//! why, without any server.

use jiff::Timestamp;
use serde::Deserialize;
use vmrotate::RetentionConfig;
use vmrotate::rotation_core::retention::{Decision, Flavor, Rules, Snapshot};

use crate::error::AbiError;

/// The request of `vmr_retention_plan`: the policy as a job's `retention` setting writes it
/// (flavor, rules, IANA zone; borg and PBS count in the machine's zone when it is absent), the
/// snapshots (`{"id", "time", "tags"?, "protected"?, "partial"?}`) and the time the decision
/// is made at (default: now).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RetentionRequest {
    flavor: Flavor,
    rules: Rules,
    zone: Option<String>,
    snapshots: Vec<Snapshot>,
    now: Option<Timestamp>,
}

impl RetentionRequest {
    /// The policy's decision.
    ///
    /// # Errors
    /// `config` for rules the flavor's tool would reject, an unknown zone, or snapshots the
    /// policy cannot decide on (a duplicate id, a flag the flavor does not know).
    pub(crate) fn decide(self) -> Result<Decision, AbiError> {
        let config = RetentionConfig {
            flavor: self.flavor,
            rules: self.rules,
            zone: self.zone,
        };
        let now = self.now.unwrap_or_else(Timestamp::now);
        Ok(config.decide(&self.snapshots, now)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vmrotate::Error;

    fn request(json: &str) -> RetentionRequest {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn decides_as_the_flavor_does() {
        let decision = request(
            r#"{"flavor": "restic", "rules": {"keep_daily": 1}, "now": "2024-06-05T00:00:00Z",
                "snapshots": [{"id": "a", "time": "2024-06-03T01:00:00Z"},
                              {"id": "b", "time": "2024-06-03T02:00:00Z"}]}"#,
        )
        .decide()
        .unwrap();
        assert_eq!(decision.keep, ["b"]);
        assert_eq!(decision.remove, ["a"]);
    }

    #[test]
    fn bad_policies_and_snapshots_are_config_errors() {
        let empty = request(r#"{"flavor": "restic", "rules": {}, "snapshots": []}"#)
            .decide()
            .unwrap_err();
        assert!(matches!(&empty, AbiError::Vmrotate(Error::Config(m)) if m.contains("refuses")));
        let zone = request(
            r#"{"flavor": "borg", "rules": {"keep_daily": 1}, "zone": "Mars/Olympus", "snapshots": []}"#,
        )
        .decide()
        .unwrap_err();
        assert!(
            matches!(&zone, AbiError::Vmrotate(Error::Config(m)) if m.contains("Mars/Olympus"))
        );
        let twice = request(
            r#"{"flavor": "restic", "rules": {"keep_last": 1}, "snapshots": [
                {"id": "a", "time": "2024-06-03T01:00:00Z"}, {"id": "a", "time": "2024-06-03T02:00:00Z"}]}"#,
        )
        .decide()
        .unwrap_err();
        assert!(
            matches!(&twice, AbiError::Vmrotate(Error::Config(m)) if m.contains("more than once"))
        );
    }
}
