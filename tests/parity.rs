//! The golden parity table (`tests/parity/`): every case through the Rust API and the command
//! line, compared byte for byte with `expected.json` after the normalization described in
//! `tests/parity/README.md`. The native library and Python compare with the same file.
//!
//! `VMROTATE_BLESS=1 cargo test --test parity` rewrites `expected.json` from the Rust API.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use vmrotate::rotation_core::retention::{Flavor, Rules, Snapshot};
use vmrotate::rotation_core::{Existing, Mode, SlotRotation, Stamp};
use vmrotate::{DEFAULT_PREFIX, DEFAULT_SLOTS, Error, ErrorReport, RetentionConfig};

#[derive(Deserialize)]
struct Cases {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    plan: Option<PlanInput>,
    retention: Option<RetentionInput>,
    backup: Option<BackupInput>,
    connect: Option<ConnectInput>,
}

/// A login to a fresh simulator with its user name and this password.
#[derive(Deserialize)]
struct ConnectInput {
    password: String,
}

/// A native `backup` call request, and the one run first on the same simulator, if any.
#[derive(Deserialize)]
struct BackupInput {
    jobs: Vec<vmrotate::JobConfig>,
    dry_run: bool,
    at: Timestamp,
    before: Option<Box<BackupInput>>,
}

#[derive(Deserialize)]
struct PlanInput {
    key: String,
    prefix: Option<String>,
    slots: Option<u8>,
    mode: Option<Mode>,
    stamp: String,
    names: Vec<String>,
}

#[derive(Deserialize)]
struct RetentionInput {
    flavor: Flavor,
    zone: Option<String>,
    rules: Rules,
    now: Option<Timestamp>,
    snapshots: Vec<Snapshot>,
}

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parity")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(folder().join("cases.json")).expect("cases.json");
    serde_json::from_str::<Cases>(&text)
        .expect("cases parse")
        .cases
}

/// A result as the native library replies: `{"ok": ...}` or `{"error": {...}}`.
fn reply<T: serde::Serialize>(result: Result<T, Error>) -> Value {
    match result {
        Ok(value) => json!({ "ok": value }),
        Err(error) => json!({ "error": ErrorReport::from(&error) }),
    }
}

fn plan(input: &PlanInput) -> Value {
    reply((|| {
        let rotation = SlotRotation::new(
            input.prefix.as_deref().unwrap_or(DEFAULT_PREFIX),
            input.key.as_str(),
            input.slots.unwrap_or(DEFAULT_SLOTS),
            input.mode.unwrap_or(Mode::Safe),
        )
        .map_err(|error| Error::Config(error.to_string()))?;
        let stamp: Stamp =
            input
                .stamp
                .parse()
                .map_err(|error: vmrotate::rotation_core::StampError| {
                    Error::Config(error.to_string())
                })?;
        Ok(rotation.plan(
            input.names.iter().map(|name| Existing::from(name.as_str())),
            stamp,
        ))
    })())
}

fn retention(input: &RetentionInput) -> Value {
    let config = RetentionConfig {
        flavor: input.flavor,
        rules: input.rules.clone(),
        zone: input.zone.clone(),
    };
    // PBS ignores `now`; the others' cases give it.
    let now = input.now.unwrap_or(Timestamp::UNIX_EPOCH);
    reply(config.decide(&input.snapshots, now))
}

/// A run of `input`'s jobs on `client`, as the native library runs a `backup` call: invalid
/// jobs refused up front.
async fn backup(client: &vmrotate::vsphere_client::Client, input: &BackupInput) -> Value {
    if let Err(error) = vmrotate::validate_jobs(&input.jobs) {
        return reply::<()>(Err(error));
    }
    let options = vmrotate::RunOptions {
        dry_run: input.dry_run,
        at: Some(input.at),
        ..vmrotate::RunOptions::default()
    };
    let run = vmrotate::backup_all(client, &input.jobs, &options, None).await;
    normalize_run(json!({ "ok": run }))
}

/// The normalization of a run report: each report's run id and clock readings replaced.
fn normalize_run(mut reply: Value) -> Value {
    let reports = reply
        .get_mut("ok")
        .and_then(|run| run.get_mut("reports"))
        .and_then(Value::as_array_mut);
    if let Some(reports) = reports {
        for report in reports {
            report["run"] = json!("<run>");
            report["started"] = json!("<time>");
            report["finished"] = json!("<time>");
        }
    }
    reply
}

/// A fresh simulator as the parity table's backup cases need it.
fn simulator() -> vcsim::Simulator {
    vcsim::Simulator::builder()
        .hosts(2)
        .vm_name("avocado2")
        .nfs(["NFS_durian", "NFS_mango"])
        .start()
        .expect("the simulator starts")
}

/// Logs in to `simulator` with `password`.
async fn connect(
    simulator: &vcsim::Simulator,
    password: &str,
) -> Result<vmrotate::vsphere_client::Client, Error> {
    let mut options = vmrotate::ConnectOptions::new(simulator.url());
    options.username = Some(simulator.username().to_owned());
    options.password = Some(password.into());
    options.connect().await
}

/// The Rust API's output for every case, by name; each backup and connect case on a fresh
/// simulator.
async fn outputs() -> serde_json::Map<String, Value> {
    let mut outputs = serde_json::Map::new();
    for case in cases() {
        let output = match (&case.plan, &case.retention, &case.backup, &case.connect) {
            (Some(input), None, None, None) => plan(input),
            (None, Some(input), None, None) => retention(input),
            (None, None, Some(input), None) => {
                let simulator = simulator();
                let client = connect(&simulator, simulator.password())
                    .await
                    .expect("connects");
                if let Some(before) = &input.before {
                    let run = backup(&client, before).await;
                    assert_eq!(run["ok"]["ok"], true, "{}: {run}", case.name);
                }
                backup(&client, input).await
            }
            (None, None, None, Some(input)) => {
                let simulator = simulator();
                reply(connect(&simulator, &input.password).await.map(drop))
            }
            _ => panic!(
                "{}: give one of plan, retention, backup and connect",
                case.name
            ),
        };
        outputs.insert(case.name, output);
    }
    outputs
}

/// The normalization: JSON with sorted keys, no whitespace.
fn canonical(value: &Value) -> String {
    serde_json::to_string(value).expect("serializes")
}

fn expected() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(folder().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json parses")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rust_api_gives_the_expected_output() {
    let outputs = outputs().await;
    if std::env::var_os("VMROTATE_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&outputs).expect("serializes") + "\n";
        std::fs::write(folder().join("expected.json"), text).expect("write expected.json");
    }
    let expected = expected();
    assert_eq!(
        outputs.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (name, output) in &outputs {
        assert_eq!(canonical(output), canonical(&expected[name]), "{name}");
    }
}

#[test]
fn the_command_line_gives_the_expected_plans_and_errors() {
    let expected = expected();
    for case in cases() {
        let Some(input) = &case.plan else { continue };
        let mut command = Command::new(env!("CARGO_BIN_EXE_vmrotate"));
        command.args([
            "plan",
            "--json",
            "--key",
            &input.key,
            "--stamp",
            &input.stamp,
        ]);
        if let Some(prefix) = &input.prefix {
            command.args(["--prefix", prefix]);
        }
        if let Some(slots) = input.slots {
            command.args(["--slots", &slots.to_string()]);
        }
        if let Some(mode) = input.mode {
            command.args(["--mode", &mode.to_string()]);
        }
        let output = command
            .args(&input.names)
            .stdin(Stdio::null())
            .output()
            .expect("vmrotate runs");
        let want = &expected[&case.name];
        if let Some(plan) = want.get("ok") {
            assert!(output.status.success(), "{}: {output:?}", case.name);
            let printed: Value = serde_json::from_slice(&output.stdout).expect("JSON");
            assert_eq!(canonical(&printed), canonical(plan), "{}", case.name);
        } else {
            let error = &want["error"];
            let kind: vmrotate::ErrorKind =
                serde_json::from_value(error["kind"].clone()).expect("a kind");
            assert_eq!(
                output.status.code(),
                Some(i32::from(kind.exit_code())),
                "{}",
                case.name
            );
            let stderr = String::from_utf8(output.stderr).expect("UTF-8");
            let message = error["message"].as_str().expect("a message");
            assert_eq!(
                without_flag_prefix(stderr.trim_end()),
                format!("error: {message}"),
                "{}",
                case.name
            );
        }
    }
}

/// The normalization of the command line's errors: clap names the flag of an invalid value
/// (`error: invalid value '2019' for '--stamp <STAMP>': stamp ...`); the library's message
/// follows.
fn without_flag_prefix(line: &str) -> String {
    match line.strip_prefix("error: invalid value '") {
        Some(rest) => {
            let message = rest.split_once(">': ").map_or(rest, |(_, message)| message);
            format!("error: {message}")
        }
        None => line.to_owned(),
    }
}

/// The backup cases through `vmrotate run --config FILE --dry-run --json --at T`: the case's jobs
/// as the file's `[[job]]` tables, on a fresh simulator.
#[test]
fn the_command_line_gives_the_expected_backup_reports() {
    let expected = expected();
    let text = std::fs::read_to_string(folder().join("cases.json")).expect("cases.json");
    let raw: Value = serde_json::from_str(&text).expect("cases parse");
    for (case, raw) in cases().iter().zip(raw["cases"].as_array().expect("cases")) {
        let Some(input) = &case.backup else { continue };
        let simulator = simulator();
        let dir = tempfile::tempdir().expect("a temporary folder");
        if let Some(before) = &input.before {
            let (output, _) =
                run_command_line(&simulator, dir.path(), &raw["backup"]["before"], before);
            assert!(output.status.success(), "{}: {output:?}", case.name);
        }
        let (output, config) = run_command_line(&simulator, dir.path(), &raw["backup"], input);
        let want = &expected[&case.name];
        if want.get("ok").is_some() {
            let printed: Value = serde_json::from_slice(&output.stdout).expect("JSON");
            let printed = normalize_run(json!({ "ok": printed }));
            assert_eq!(canonical(&printed), canonical(want), "{}", case.name);
            let ok = want["ok"]["ok"].as_bool().expect("ok");
            assert_eq!(output.status.success(), ok, "{}", case.name);
        } else {
            let error = &want["error"];
            let message = error["message"].as_str().expect("a message");
            let stderr = String::from_utf8(output.stderr).expect("UTF-8");
            // A jobs file's error names the file first.
            let prefix = format!("error: {}: ", config.display());
            assert_eq!(
                stderr.trim_end().strip_prefix(&prefix),
                Some(message),
                "{}: {stderr}",
                case.name
            );
            assert_eq!(output.status.code(), Some(2), "{}", case.name);
        }
    }
}

/// `vmrotate run --config FILE --json --at T [--dry-run]` of the backup request `raw` (`input`)
/// on `simulator`, its files in `dir`: the output and the jobs file.
fn run_command_line(
    simulator: &vcsim::Simulator,
    dir: &Path,
    raw: &Value,
    input: &BackupInput,
) -> (std::process::Output, PathBuf) {
    let password = dir.join("password");
    std::fs::write(&password, simulator.password()).expect("write the password file");
    // The jobs as written in the case (serializing a JobConfig would add its defaults).
    let jobs = toml::to_string(&json!({ "job": raw["jobs"] })).expect("TOML");
    let config = dir.join("jobs.toml");
    std::fs::write(&config, jobs).expect("write the jobs file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_vmrotate"));
    command.args(["run", "--json", "--at", &input.at.to_string(), "--config"]);
    command.arg(&config);
    command.args(["--url", simulator.url(), "--username", simulator.username()]);
    command.arg("--password-file").arg(&password);
    if input.dry_run {
        command.arg("--dry-run");
    }
    let output = command
        .stdin(Stdio::null())
        .output()
        .expect("vmrotate runs");
    (output, config)
}

/// The connect cases through `vmrotate list` (which logs in first), the password in a file.
#[test]
fn the_command_line_gives_the_expected_login_errors() {
    let expected = expected();
    for case in cases() {
        let Some(input) = &case.connect else { continue };
        let simulator = simulator();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let password = dir.path().join("password");
        std::fs::write(&password, &input.password).expect("write the password file");
        let output = Command::new(env!("CARGO_BIN_EXE_vmrotate"))
            .args([
                "list",
                "--url",
                simulator.url(),
                "--username",
                simulator.username(),
            ])
            .arg("--password-file")
            .arg(&password)
            .stdin(Stdio::null())
            .output()
            .expect("vmrotate runs");
        let error = &expected[&case.name]["error"];
        let kind: vmrotate::ErrorKind =
            serde_json::from_value(error["kind"].clone()).expect("a kind");
        assert_eq!(
            output.status.code(),
            Some(i32::from(kind.exit_code())),
            "{}",
            case.name
        );
        let stderr = String::from_utf8(output.stderr).expect("UTF-8");
        let message = error["message"].as_str().expect("a message");
        // The error is the last line; a warning (plain http://) may come before it.
        assert_eq!(
            stderr.trim_end().lines().last(),
            Some(format!("error: {message}").as_str()),
            "{}",
            case.name
        );
    }
}
