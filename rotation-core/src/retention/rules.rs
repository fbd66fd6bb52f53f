//! The rules as written by the user, and the checks every flavor shares.

use serde::{Deserialize, Serialize};

use super::bucket::Period;
use super::{Flavor, RetentionError};

/// Retention rules as written, before a [`Flavor`] gives them meaning.
///
/// Counts are raw integers (`0` switches a rule off, `-1` means unlimited where the flavor allows
/// it) and durations raw strings, because their syntax depends on the flavor;
/// [`Retention::new`](super::Retention::new) validates them. Deserializes from the retention
/// vectors' `policy` object; unknown keys are an error.
///
/// ```
/// use rotation_core::retention::Rules;
///
/// let rules: Rules = serde_json::from_str(r#"{"keep_daily": 7, "keep_tags": [["prod"]]}"#)?;
/// assert_eq!(rules, Rules {
///     keep_daily: Some(7),
///     keep_tags: Some(vec![vec!["prod".to_owned()]]),
///     ..Rules::default()
/// });
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// The last N snapshots (restic, PBS); in borg, an alias of `keep_secondly`.
    pub keep_last: Option<i64>,
    /// The newest snapshot of each of the last N seconds (borg).
    pub keep_secondly: Option<i64>,
    /// The newest snapshot of each of the last N minutes (borg).
    pub keep_minutely: Option<i64>,
    /// The newest snapshot of each of the last N hours.
    pub keep_hourly: Option<i64>,
    /// The newest snapshot of each of the last N days.
    pub keep_daily: Option<i64>,
    /// The newest snapshot of each of the last N ISO 8601 weeks.
    pub keep_weekly: Option<i64>,
    /// The newest snapshot of each of the last N months.
    pub keep_monthly: Option<i64>,
    /// The newest snapshot of each of the last N quarters of 13 ISO weeks (borg).
    pub keep_13weekly: Option<i64>,
    /// The newest snapshot of each of the last N calendar quarters (borg).
    pub keep_3monthly: Option<i64>,
    /// The newest snapshot of each of the last N years.
    pub keep_yearly: Option<i64>,
    /// Every snapshot within this duration (restic `NyNmNdNh`, borg `<int>{H,d,w,m,y}`).
    pub keep_within: Option<String>,
    /// The newest snapshot of each hour within this duration (restic).
    pub keep_within_hourly: Option<String>,
    /// The newest snapshot of each day within this duration (restic).
    pub keep_within_daily: Option<String>,
    /// The newest snapshot of each ISO week within this duration (restic).
    pub keep_within_weekly: Option<String>,
    /// The newest snapshot of each month within this duration (restic).
    pub keep_within_monthly: Option<String>,
    /// The newest snapshot of each year within this duration (restic).
    pub keep_within_yearly: Option<String>,
    /// Every snapshot carrying all tags of at least one of these lists (restic).
    pub keep_tags: Option<Vec<Vec<String>>>,
}

impl Rules {
    /// `keep_last` and the five calendar rules restic and PBS share: each rule's name, its
    /// count and the period it keeps one snapshot of (`None`: every snapshot).
    pub(super) fn last_and_calendar(&self) -> [(&'static str, Option<i64>, Option<Period>); 6] {
        [
            ("keep_last", self.keep_last, None),
            ("keep_hourly", self.keep_hourly, Some(Period::Hourly)),
            ("keep_daily", self.keep_daily, Some(Period::Daily)),
            ("keep_weekly", self.keep_weekly, Some(Period::Weekly)),
            ("keep_monthly", self.keep_monthly, Some(Period::Monthly)),
            ("keep_yearly", self.keep_yearly, Some(Period::Yearly)),
        ]
    }

    /// Each rule's name and whether it is set, in the order of the fields.
    fn presence(&self) -> [(&'static str, bool); 17] {
        [
            ("keep_last", self.keep_last.is_some()),
            ("keep_secondly", self.keep_secondly.is_some()),
            ("keep_minutely", self.keep_minutely.is_some()),
            ("keep_hourly", self.keep_hourly.is_some()),
            ("keep_daily", self.keep_daily.is_some()),
            ("keep_weekly", self.keep_weekly.is_some()),
            ("keep_monthly", self.keep_monthly.is_some()),
            ("keep_13weekly", self.keep_13weekly.is_some()),
            ("keep_3monthly", self.keep_3monthly.is_some()),
            ("keep_yearly", self.keep_yearly.is_some()),
            ("keep_within", self.keep_within.is_some()),
            ("keep_within_hourly", self.keep_within_hourly.is_some()),
            ("keep_within_daily", self.keep_within_daily.is_some()),
            ("keep_within_weekly", self.keep_within_weekly.is_some()),
            ("keep_within_monthly", self.keep_within_monthly.is_some()),
            ("keep_within_yearly", self.keep_within_yearly.is_some()),
            ("keep_tags", self.keep_tags.is_some()),
        ]
    }

    /// Fails on the first set rule that is not in `supported` (a comma-separated list).
    pub(super) fn reject_unsupported(
        &self,
        flavor: Flavor,
        supported: &'static str,
    ) -> Result<(), RetentionError> {
        let is_supported = |rule: &str| supported.split(", ").any(|name| name == rule);
        match self
            .presence()
            .into_iter()
            .find(|&(rule, is_set)| is_set && !is_supported(rule))
        {
            Some((rule, _)) => Err(RetentionError::UnsupportedRule {
                flavor,
                rule,
                supported,
            }),
            None => Ok(()),
        }
    }
}

/// How many periods a counted rule may keep; a rule at 0 is off and has no `Limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Limit {
    /// At most this many (at least 1).
    AtMost(u64),
    /// No limit.
    Unlimited,
}

impl Limit {
    /// Whether a rule that has kept `kept` periods may keep another.
    pub(super) fn allows(self, kept: u64) -> bool {
        match self {
            Limit::AtMost(n) => kept < n,
            Limit::Unlimited => true,
        }
    }
}

/// What a flavor makes of a negative count.
#[derive(Debug, Clone, Copy)]
pub(super) enum Negatives {
    /// `-1` is unlimited, anything below is an error (restic).
    MinusOneIsUnlimited,
    /// Every negative count is unlimited (borg).
    AllUnlimited,
    /// Negative counts are an error (PBS).
    Rejected,
}

/// Validates the counts of `rules` (name, count, what the rule buckets by) and returns the rules
/// that are on, each with its limit, in the given order.
pub(super) fn counted<T>(
    flavor: Flavor,
    negatives: Negatives,
    rules: impl IntoIterator<Item = (&'static str, Option<i64>, T)>,
) -> Result<Vec<(T, Limit)>, RetentionError> {
    let mut on = Vec::new();
    for (rule, value, grouping) in rules {
        if let Some(limit) = limit(flavor, rule, value, negatives)? {
            on.push((grouping, limit));
        }
    }
    Ok(on)
}

/// Validates one count: `None` when the rule is absent or 0 (off).
fn limit(
    flavor: Flavor,
    rule: &'static str,
    value: Option<i64>,
    negatives: Negatives,
) -> Result<Option<Limit>, RetentionError> {
    let invalid = |expected| RetentionError::InvalidCount {
        flavor,
        rule,
        value: value.unwrap_or_default(),
        expected,
    };
    match (value, negatives) {
        (None | Some(0), _) => Ok(None),
        (Some(n @ 1..), _) => Ok(Some(Limit::AtMost(n.unsigned_abs()))),
        (Some(-1), Negatives::MinusOneIsUnlimited) | (Some(_), Negatives::AllUnlimited) => {
            Ok(Some(Limit::Unlimited))
        }
        (Some(_), Negatives::MinusOneIsUnlimited) => Err(invalid(
            "use a count of 0 or more, or -1 for unlimited (restic allows no other negative value)",
        )),
        (Some(_), Negatives::Rejected) => Err(invalid(
            "use a count of 0 or more (PBS has no unlimited count; 0 switches the rule off)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_switches_a_rule_off_and_negatives_follow_the_flavor() {
        let restic = |v| {
            limit(
                Flavor::Restic,
                "keep_daily",
                Some(v),
                Negatives::MinusOneIsUnlimited,
            )
        };
        assert_eq!(restic(0), Ok(None));
        assert_eq!(restic(3), Ok(Some(Limit::AtMost(3))));
        assert_eq!(restic(-1), Ok(Some(Limit::Unlimited)));
        assert!(matches!(
            restic(-2),
            Err(RetentionError::InvalidCount { value: -2, .. })
        ));

        let borg = limit(
            Flavor::Borg,
            "keep_daily",
            Some(-5),
            Negatives::AllUnlimited,
        );
        assert_eq!(borg, Ok(Some(Limit::Unlimited)));

        let pbs = limit(Flavor::Pbs, "keep_daily", Some(-1), Negatives::Rejected);
        assert!(matches!(
            pbs,
            Err(RetentionError::InvalidCount {
                flavor: Flavor::Pbs,
                ..
            })
        ));
    }

    #[test]
    fn a_rule_outside_the_supported_list_is_named_in_the_error() {
        let rules = Rules {
            keep_daily: Some(1),
            keep_secondly: Some(0),
            ..Rules::default()
        };
        let result = rules.reject_unsupported(Flavor::Restic, "keep_last, keep_daily");
        assert!(matches!(
            result,
            Err(RetentionError::UnsupportedRule {
                rule: "keep_secondly",
                ..
            })
        ));
        assert_eq!(
            rules.reject_unsupported(Flavor::Borg, "keep_secondly, keep_daily"),
            Ok(())
        );
    }

    #[test]
    fn unknown_policy_keys_are_rejected() {
        let result = serde_json::from_str::<Rules>(r#"{"keep": 2}"#);
        assert!(result.is_err());
    }
}
