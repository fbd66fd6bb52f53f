//! Prometheus metrics of `vmrotate backup`: the textfile checked by `promtool check metrics`, and
//! a real Pushgateway receiving the push, read back through its HTTP API. The backups run on the
//! simulator.

mod cli_support;
mod notify_support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use cli_support::{Lab, VM, describe, json};
use notify_support::Pushgateway;

/// The second VM of a two-VM simulator.
const OTHER_VM: &str = "DC0_C0_RP0_VM1";

/// Writes `text` as the file of `--notify-config` in the lab's directory; returns its path.
fn settings(lab: &Lab, text: &str) -> String {
    notify_support::write_settings(lab.dir(), text)
}

/// Runs `promtool check metrics` on `text`, which must pass (no lint problem either).
fn promtool_check(text: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs (scripts/install-deps.sh installs prometheus)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("written");
    let output = child.wait_with_output().expect("promtool ends");
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "promtool: {}\n{text}",
        describe(&output)
    );
}

/// The samples of a textfile: `name{labels}` -> value.
fn samples(path: &Path) -> BTreeMap<String, f64> {
    std::fs::read_to_string(path)
        .expect("the textfile")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let (name, value) = line.rsplit_once(' ').expect("a sample");
            (name.to_owned(), value.parse().expect("a number"))
        })
        .collect()
}

/// A backup of avocado2 onto a datastore that does not exist: it fails (exit code 2).
fn failed_backup(lab: &Lab, config: &str) {
    let output = lab.run(&[
        "backup",
        VM,
        "--datastore",
        "NO_SUCH_DATASTORE",
        "--notify-config",
        config,
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
}

fn vm_sample(family: &str, vm: &str) -> String {
    format!("vmrotate_backup_{family}{{vm=\"{vm}\"}}")
}

#[test]
fn the_textfile_passes_promtool_and_keeps_the_last_success() {
    let lab = Lab::with(vcsim::Simulator::builder().vms(2));
    std::fs::create_dir(lab.dir().join("textfiles")).expect("a directory");
    let config = settings(&lab, "[metrics]\ntextfile = \"textfiles/vmrotate.prom\"\n");
    let textfile = lab.dir().join("textfiles/vmrotate.prom");

    let output = lab.backup(&["--json", "--notify-config", &config]);
    let report = json(&output);
    assert_eq!(report["notifications"][0]["channel"], "metrics_textfile");
    assert_eq!(report["notifications"][0]["ok"], true);
    promtool_check(&std::fs::read_to_string(&textfile).expect("written"));
    let first = samples(&textfile);
    let finished: jiff::Timestamp = report["reports"][0]["finished"]
        .as_str()
        .expect("a time")
        .parse()
        .expect("RFC 3339");
    let end = first[&vm_sample("last_run_end_timestamp_seconds", VM)];
    assert!((end - finished.as_millisecond() as f64 / 1000.0).abs() < 0.002);
    assert_eq!(first[&vm_sample("last_run_success", VM)], 1.0);
    assert_eq!(first[&vm_sample("last_success_timestamp_seconds", VM)], end);
    assert_eq!(first[&vm_sample("generations", VM)], 1.0);
    let listed = json(&lab.succeed(&["list", VM, "--json"]));
    let size = listed[0]["generations"][0]["size_bytes"]
        .as_f64()
        .expect("a size");
    assert_eq!(first[&vm_sample("newest_generation_bytes", VM)], size);
    assert_eq!(first["vmrotate_run_vms{result=\"succeeded\"}"], 1.0);
    assert_eq!(first["vmrotate_run_vms{result=\"failed\"}"], 0.0);
    assert!(first["vmrotate_run_duration_seconds"] >= 0.0);
    assert_eq!(
        first[&vm_sample("generations_unverified_or_failed", VM)],
        0.0
    );

    // A failed run: success 0, the last success from the first run.
    failed_backup(&lab, &config);
    promtool_check(&std::fs::read_to_string(&textfile).expect("written"));
    let second = samples(&textfile);
    assert_eq!(second[&vm_sample("last_run_success", VM)], 0.0);
    assert_eq!(
        second[&vm_sample("last_success_timestamp_seconds", VM)],
        end
    );
    assert!(second[&vm_sample("last_run_start_timestamp_seconds", VM)] > end);
    assert_eq!(second["vmrotate_run_vms{result=\"failed\"}"], 1.0);

    // Another VM's run keeps avocado2's values in the file.
    lab.succeed(&[
        "backup",
        OTHER_VM,
        "--datastore",
        "NFS_mango",
        "--notify-config",
        &config,
    ]);
    promtool_check(&std::fs::read_to_string(&textfile).expect("written"));
    let third = samples(&textfile);
    assert_eq!(third[&vm_sample("last_run_success", OTHER_VM)], 1.0);
    assert_eq!(third[&vm_sample("last_success_timestamp_seconds", VM)], end);
    assert_eq!(third[&vm_sample("last_run_success", VM)], 0.0);
    let leftovers: Vec<_> = std::fs::read_dir(lab.dir().join("textfiles"))
        .expect("readable")
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
}

#[test]
fn the_pushgateway_receives_the_run_and_keeps_the_last_success() {
    let lab = Lab::start();
    let gateway = Pushgateway::start();
    let config = settings(
        &lab,
        &format!(
            "[metrics]\npushgateway = \"http://127.0.0.1:{}\"\n",
            gateway.port
        ),
    );
    let vm_group = [("job", "vmrotate"), ("vm", VM)];
    let run_group = [("job", "vmrotate")];

    let report = json(&lab.backup(&["--json", "--notify-config", &config]));
    assert_eq!(report["notifications"][0]["channel"], "pushgateway");
    assert_eq!(report["notifications"][0]["ok"], true);
    let success = "vmrotate_backup_last_run_success";
    let last_success = "vmrotate_backup_last_success_timestamp_seconds";
    assert_eq!(gateway.value(&vm_group, success), Some(1.0));
    assert_eq!(
        gateway.value(&vm_group, "vmrotate_backup_generations"),
        Some(1.0)
    );
    let pushed = gateway.value(&vm_group, last_success).expect("pushed");
    let duration = gateway.value(&run_group, "vmrotate_run_duration_seconds");
    assert!(
        duration.is_some_and(|seconds| seconds >= 0.0),
        "{duration:?}"
    );

    failed_backup(&lab, &config);
    assert_eq!(gateway.value(&vm_group, success), Some(0.0));
    assert_eq!(gateway.value(&vm_group, last_success), Some(pushed));

    // A Pushgateway that is down: a warning, the backup still succeeds.
    drop(gateway);
    let output = lab.backup(&["--json", "--notify-config", &config]);
    let report = json(&output);
    assert_eq!(report["ok"], true);
    assert_eq!(report["notifications"][0]["ok"], false);
    let stderr = cli_support::stderr(&output);
    assert!(
        stderr
            .lines()
            .any(|line| line.starts_with("warning: pushgateway notification failed: ")),
        "{}",
        describe(&output)
    );
}

#[test]
fn the_documented_alert_fires_after_26_hours_without_a_success() {
    let dir = tempfile::tempdir().expect("a directory");
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/prometheus-alerts.yml");
    std::fs::copy(rules, dir.path().join("rules.yml")).expect("copied");
    // A success at time 0, then none, scraped every minute: quiet at 25 h, firing at 27 h.
    std::fs::write(
        dir.path().join("test.yml"),
        r#"rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'vmrotate_backup_last_success_timestamp_seconds{vm="avocado2"}'
        values: '0+0x2000'
      - series: 'vmrotate_backup_last_run_success{vm="avocado2"}'
        values: '1+0x2000'
    promql_expr_test:
      - expr: ALERTS{alertname="VmBackupMissing"}
        eval_time: 25h
        exp_samples: []
      - expr: ALERTS{alertname="VmBackupMissing"}
        eval_time: 27h
        exp_samples:
          - labels: 'ALERTS{alertname="VmBackupMissing", alertstate="firing", severity="critical", vm="avocado2"}'
            value: 1
"#,
    )
    .expect("written");
    for args in [
        ["check", "rules", "rules.yml"],
        ["test", "rules", "test.yml"],
    ] {
        let output = Command::new("promtool")
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("promtool runs (scripts/install-deps.sh installs prometheus)");
        assert!(
            output.status.success(),
            "promtool {args:?}: {}",
            describe(&output)
        );
    }
}
