//! Every case of restic's, borg 1.4's and PBS's own published retention tests
//! (`tests/data/retention/`, see the README there), applied with the matching flavor, and the
//! borg 2 beta's cases sorted into those the borg (1.4) flavor answers alike and those it cannot.
//!
//! Each test reports every failing case id with its diff and fails if any case fails. Run with
//! `--nocapture` to see how many cases pass per file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rotation_core::retention::{
    Decision, Flavor, Retention, RetentionError, Rules, Snapshot, Zone,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct VectorFile {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    id: String,
    tz: String,
    now: Option<String>,
    /// A [`Rules`] object, except in borg 2 cases that use borg 2's own syntax.
    policy: serde_json::Value,
    #[serde(default)]
    snapshots: Vec<Snapshot>,
    expected: Option<Expected>,
    #[serde(default)]
    initial_snapshots: Vec<Snapshot>,
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Expected {
    keep: Vec<String>,
    remove: Vec<String>,
    reasons: Option<BTreeMap<String, Vec<String>>>,
    /// PBS: `keep`, `remove`, `protected`, … for every snapshot.
    marks: Option<BTreeMap<String, String>>,
}

/// One step of a `"kind": "sequence"` case: add a snapshot, prune, compare what is kept.
#[derive(Deserialize)]
struct Step {
    add: Snapshot,
    now: String,
    expected_keep_after_prune: Vec<String>,
}

/// What the tool's command does with a policy that keeps nothing, where the upstream case calls
/// the tool's selection function directly and expects every snapshot removed.
#[derive(Debug, Clone, Copy)]
enum CommandGuard {
    /// restic `forget` and borg `prune` refuse to run.
    Refuses,
    /// The PBS prune API keeps every snapshot.
    KeepsAll,
}

const COMMAND_GUARDS: &[(&str, CommandGuard)] = &[
    ("restic-golden-00", CommandGuard::Refuses),
    ("borg14-split-daily-0", CommandGuard::Refuses),
    ("borg2-prune-daily-0", CommandGuard::Refuses),
    ("pbs-test_prune_simple-last0", CommandGuard::KeepsAll),
];

/// borg 2 beta cases in borg 1.4's syntax whose answer differs from borg 1.4's, and why.
const BORG2_DIFFERENCES: &[(&str, &str)] = &[(
    "borg2-test_prune_from_prefiltered_archives_ignored_in_pruning-keep-daily_1",
    "borg 2 keeps archives newer than `--from` as \"skip\" without counting them; borg 1.4 has no `--from`",
)];

#[test]
fn restic_golden_files() {
    check_file("restic-golden.json", Flavor::Restic);
}

#[test]
fn borg_1_4_prune_tests() {
    check_file("borg14-upstream.json", Flavor::Borg);
}

#[test]
fn pbs_prune_tests() {
    check_file("pbs-upstream.json", Flavor::Pbs);
}

/// borg 2 is not a flavor. Its cases in borg 2's own syntax (`keep`, counts given as intervals or
/// `"all"`) must be rejected rather than misread; the others must get borg 2's answer from the
/// borg flavor, except for the differences listed in [`BORG2_DIFFERENCES`].
#[test]
fn borg_2_beta_cases_are_rejected_or_answered_as_in_borg_1_4() {
    let vectors = read_vectors("borg2-upstream.json");
    let mut failures = String::new();
    let (mut borg2_syntax, mut alike) = (Vec::new(), 0);
    for case in &vectors.cases {
        let difference = BORG2_DIFFERENCES.iter().find(|(id, _)| *id == case.id);
        let result = if uses_borg2_syntax(&case.policy) {
            borg2_syntax.push(case.id.as_str());
            match rules(case) {
                Ok(rules) => Err(format!("borg 2 syntax was accepted as {rules:?}")),
                Err(_) => Ok(()),
            }
        } else if let Some((_, why)) = difference {
            match check(case, Flavor::Borg) {
                Ok(()) => Err(format!(
                    "now answered like borg 2; remove it from BORG2_DIFFERENCES ({why})"
                )),
                Err(_) => Ok(()),
            }
        } else {
            let result = check(case, Flavor::Borg);
            alike += usize::from(result.is_ok());
            result
        };
        if let Err(diff) = result {
            let _ = writeln!(failures, "  {}: {diff}", case.id);
        }
    }
    println!(
        "borg2-upstream.json: {alike} cases answered as borg 2 does, {} in borg 2 syntax rejected, {} known differences",
        borg2_syntax.len(),
        BORG2_DIFFERENCES.len(),
    );
    assert!(failures.is_empty(), "borg2-upstream.json:\n{failures}");
}

/// `keep` (borg 2's flat count) or a count given as a string (an interval or `"all"`).
fn uses_borg2_syntax(policy: &serde_json::Value) -> bool {
    policy.as_object().is_some_and(|rules| {
        rules
            .iter()
            .any(|(rule, value)| rule == "keep" || (rule != "keep_within" && value.is_string()))
    })
}

fn check_file(file: &str, flavor: Flavor) {
    let vectors: VectorFile = read_vectors(file);
    let total = vectors.cases.len();
    let mut failures = String::new();
    let mut guarded = Vec::new();
    for case in &vectors.cases {
        let is_guarded = COMMAND_GUARDS.iter().any(|(id, _)| *id == case.id);
        let result = check(case, flavor);
        if result.is_ok() && is_guarded {
            guarded.push(case.id.as_str());
        }
        if let Err(diff) = result {
            let _ = writeln!(failures, "  {}: {diff}", case.id);
        }
    }
    let failed = failures.lines().count();
    println!(
        "{file}: {}/{total} cases pass ({} checked against the command's guard: {})",
        total - failed,
        guarded.len(),
        guarded.join(", "),
    );
    assert!(
        failures.is_empty(),
        "{file}: {failed} of {total} cases fail:\n{failures}"
    );
}

fn read_vectors(file: &str) -> VectorFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/retention")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("parse {}: {err}", path.display()))
}

fn rules(case: &Case) -> Result<Rules, serde_json::Error> {
    serde_json::from_value(case.policy.clone())
}

fn retention(case: &Case, flavor: Flavor) -> Result<Result<Retention, RetentionError>, String> {
    let rules = rules(case).map_err(|err| format!("policy not understood: {err}"))?;
    let zone = match case.tz.as_str() {
        "snapshot-offset" => Zone::SnapshotOffset,
        name => Zone::TimeZone(TimeZone::get(name).map_err(|err| format!("zone {name}: {err}"))?),
    };
    Ok(Retention::new(flavor, &rules, zone))
}

/// Checks one case, against the command's guard where [`COMMAND_GUARDS`] lists it.
fn check(case: &Case, flavor: Flavor) -> Result<(), String> {
    match COMMAND_GUARDS.iter().find(|(id, _)| *id == case.id) {
        Some(&(_, guard)) => check_guarded(case, flavor, guard),
        None => check_case(case, flavor),
    }
}

/// PBS cases carry no `now`, and PBS ignores it.
fn now(case_id: &str, now: Option<&str>) -> Timestamp {
    now.map_or(Timestamp::MAX, |text| {
        text.parse()
            .unwrap_or_else(|err| panic!("{case_id}: now {text:?}: {err}"))
    })
}

fn check_case(case: &Case, flavor: Flavor) -> Result<(), String> {
    let retention = retention(case, flavor)?.map_err(|err| format!("policy rejected: {err}"))?;
    match &case.expected {
        Some(expected) => {
            let decision = retention
                .apply(&case.snapshots, now(&case.id, case.now.as_deref()))
                .map_err(|err| format!("apply failed: {err}"))?;
            compare(expected, &decision)
        }
        None => check_sequence(case, &retention),
    }
}

fn check_sequence(case: &Case, retention: &Retention) -> Result<(), String> {
    let mut snapshots = case.initial_snapshots.clone();
    for (number, step) in case.steps.iter().enumerate() {
        snapshots.push(step.add.clone());
        let decision = retention
            .apply(&snapshots, now(&case.id, Some(&step.now)))
            .map_err(|err| format!("step {number}: apply failed: {err}"))?;
        if decision.keep != step.expected_keep_after_prune {
            return Err(format!(
                "step {number} (add {}): keep {:?}, expected {:?}",
                step.add.id, decision.keep, step.expected_keep_after_prune
            ));
        }
        snapshots.retain(|snapshot| decision.keep.contains(&snapshot.id));
    }
    Ok(())
}

fn compare(expected: &Expected, actual: &Decision) -> Result<(), String> {
    let mut diff = Vec::new();
    if actual.keep != expected.keep {
        diff.push(format!(
            "keep {:?}, expected {:?}",
            actual.keep, expected.keep
        ));
    }
    if actual.remove != expected.remove {
        diff.push(format!(
            "remove {:?}, expected {:?}",
            actual.remove, expected.remove
        ));
    }
    if let Some(reasons) = expected
        .reasons
        .as_ref()
        .filter(|reasons| **reasons != actual.reasons)
    {
        diff.push(format!(
            "reasons {:?}, expected {reasons:?}",
            actual.reasons
        ));
    }
    if let Some(marks) = &expected.marks {
        let actual_marks: BTreeMap<String, String> = marks
            .keys()
            .map(|id| {
                (
                    id.clone(),
                    actual
                        .reasons
                        .get(id)
                        .map_or_else(|| "remove".to_owned(), |r| r.join(",")),
                )
            })
            .collect();
        if actual_marks != *marks {
            diff.push(format!("marks {actual_marks:?}, expected {marks:?}"));
        }
    }
    if diff.is_empty() {
        Ok(())
    } else {
        Err(diff.join("; "))
    }
}

fn check_guarded(case: &Case, flavor: Flavor, guard: CommandGuard) -> Result<(), String> {
    let expected = case
        .expected
        .as_ref()
        .ok_or("a guarded case needs `expected`")?;
    if !expected.keep.is_empty() {
        return Err(format!(
            "guarded as {guard:?}, but upstream keeps {:?}: review COMMAND_GUARDS",
            expected.keep
        ));
    }
    let all: Vec<&str> = case
        .snapshots
        .iter()
        .map(|snapshot| snapshot.id.as_str())
        .collect();
    match (guard, retention(case, flavor)?) {
        (CommandGuard::Refuses, Err(RetentionError::EmptyPolicy { .. })) => Ok(()),
        (CommandGuard::KeepsAll, Ok(retention)) => {
            let decision = retention
                .apply(&case.snapshots, now(&case.id, case.now.as_deref()))
                .map_err(|err| format!("apply failed: {err}"))?;
            let mut kept: Vec<&str> = decision.keep.iter().map(String::as_str).collect();
            kept.sort_unstable();
            let mut expected_kept = all;
            expected_kept.sort_unstable();
            if kept == expected_kept && decision.remove.is_empty() {
                Ok(())
            } else {
                Err(format!("expected every snapshot kept, got {decision:?}"))
            }
        }
        (guard, Ok(_)) => Err(format!(
            "expected the command's guard ({guard:?}), but the policy was accepted"
        )),
        (guard, Err(err)) => Err(format!(
            "expected the command's guard ({guard:?}), got: {err}"
        )),
    }
}

/// Cases where restic 0.14 (Debian's, which produced `restic-tz-oracle.json`) answers as
/// restic does since 0.16, except for the fallback that 0.16 added (restic/restic#4366): a rule
/// with count left at the oldest snapshot keeps it ("oldest daily snapshot" since 0.17.2,
/// restic/restic#5039). The flavor follows current restic; the test checks that the fallback is
/// the only difference.
const RESTIC_0_14_NO_OLDEST_FALLBACK: &[&str] = &[
    "restic-berlin-spring-daily40",
    "restic-newyork-spring-daily40",
    "restic-berlin-week53-within_weekly1m",
    "restic-newyork-week53-within_weekly1m",
];

/// restic 0.14 and borg 1.4.5 run with `TZ` set to a zone whose DST changes, ISO week 53 and
/// month ends the snapshots cross (`tests/oracle/generate.py`): the flavors must give the
/// tools' answers in the zone the vector names.
#[test]
fn restic_in_real_time_zones() {
    let vectors = read_vectors("restic-tz-oracle.json");
    let mut failures = String::new();
    for case in &vectors.cases {
        let result = if RESTIC_0_14_NO_OLDEST_FALLBACK.contains(&case.id.as_str()) {
            check_without_oldest_fallback(case)
        } else {
            check(case, Flavor::Restic)
        };
        if let Err(diff) = result {
            let _ = writeln!(failures, "  {}: {diff}", case.id);
        }
    }
    assert!(failures.is_empty(), "restic-tz-oracle.json:\n{failures}");
}

#[test]
fn borg_1_4_in_real_time_zones() {
    check_file("borg14-tz-oracle.json", Flavor::Borg);
}

/// The zone decides: with every snapshot read in UTC (borg) or in its own fixed offset
/// (restic, whose `keep_within*` then ignore DST), some cases get another answer.
#[test]
fn the_real_time_zone_vectors_tell_zones_apart() {
    for (file, flavor, zone) in [
        (
            "restic-tz-oracle.json",
            Flavor::Restic,
            Zone::SnapshotOffset,
        ),
        (
            "borg14-tz-oracle.json",
            Flavor::Borg,
            Zone::TimeZone(TimeZone::UTC),
        ),
    ] {
        let vectors = read_vectors(file);
        let differing: Vec<&str> = vectors
            .cases
            .iter()
            .filter(|case| !RESTIC_0_14_NO_OLDEST_FALLBACK.contains(&case.id.as_str()))
            .filter(|case| {
                let rules = rules(case).expect("valid policy");
                let retention = Retention::new(flavor, &rules, zone.clone()).expect("valid");
                let decision = retention
                    .apply(&case.snapshots, now(&case.id, case.now.as_deref()))
                    .expect("applies");
                compare(case.expected.as_ref().expect("expected"), &decision).is_err()
            })
            .map(|case| case.id.as_str())
            .collect();
        println!(
            "{file}: {} cases answered otherwise in {zone:?}: {}",
            differing.len(),
            differing.join(", ")
        );
        assert!(!differing.is_empty(), "{file}: no case depends on the zone");
    }
}

/// Checks a restic case against a restic older than 0.16: the current answer, less the
/// oldest snapshot's keep by the fallback.
fn check_without_oldest_fallback(case: &Case) -> Result<(), String> {
    let retention = retention(case, Flavor::Restic)?.map_err(|err| format!("rejected: {err}"))?;
    let mut decision = retention
        .apply(&case.snapshots, now(&case.id, case.now.as_deref()))
        .map_err(|err| format!("apply failed: {err}"))?;
    let oldest = decision.keep.last().cloned().ok_or("nothing kept")?;
    let reasons = decision.reasons.get_mut(&oldest).ok_or("no reasons")?;
    let before = reasons.len();
    reasons.retain(|reason| !reason.starts_with("oldest "));
    if reasons.len() == before {
        return Err(
            "the oldest snapshot is not kept by the fallback: remove it from \
                    RESTIC_0_14_NO_OLDEST_FALLBACK"
                .to_owned(),
        );
    }
    if reasons.is_empty() {
        decision.reasons.remove(&oldest);
        decision.keep.pop();
        decision.remove.push(oldest);
    }
    compare(case.expected.as_ref().ok_or("no expected")?, &decision)
}
