//! `vmrotate backup` and `vmrotate list`, run as real processes against the simulator.

mod cli_support;

use cli_support::{
    DATASTORES, Lab, ONTO_BOTH, VM, assert_bad_input, describe, errors, json, stderr, stdout,
};

#[test]
fn two_backups_make_two_generations_on_alternating_datastores() {
    let lab = Lab::start();
    let first = lab.backup(&[]);
    let summary = stdout(&first);
    assert!(
        summary.contains(&format!("{VM}: ok, created zz_{VM}-01-")),
        "{summary}"
    );
    assert!(summary.ends_with("1 of 1 backups succeeded\n"), "{summary}");
    lab.backup(&[]);

    let generations = lab.generations(VM);
    let slots: Vec<u64> = generations.iter().map(|(_, slot, _)| *slot).collect();
    assert_eq!(slots, [1, 2], "{generations:?}");
    let datastores: Vec<&str> = generations.iter().map(|(_, _, ds)| ds.as_str()).collect();
    assert_eq!(datastores, DATASTORES, "{generations:?}");

    let inventory = lab.inventory();
    let names: Vec<String> = generations.into_iter().map(|(name, _, _)| name).collect();
    assert_eq!(inventory.vms_starting_with("zz_"), names);
    assert!(!inventory.has_snapshot(VM), "{inventory:?}");
    assert!(
        inventory.folders.contains("vmrotate-backups"),
        "{inventory:?}"
    );

    let text = stdout(&lab.succeed(&["list", VM]));
    assert!(
        text.starts_with(&format!("{VM}: 2 generations\n")),
        "{text}"
    );
    for name in &names {
        assert!(text.contains(name.as_str()), "{text}");
    }
}

#[test]
fn json_report_has_the_documented_shape() {
    let lab = Lab::start();
    let report = json(&lab.backup(&["--json"]));
    assert_eq!(report["ok"], true, "{report:#}");
    let reports = report["reports"].as_array().expect("reports is an array");
    assert_eq!(reports.len(), 1, "{report:#}");
    let one = &reports[0];
    assert_eq!(one["vm"], VM);
    assert_eq!(one["ok"], true);
    assert_eq!(one["dry_run"], false);
    assert!(one["error"].is_null(), "{one:#}");
    let created = one["created"]
        .as_str()
        .expect("created is the new clone's name");
    assert!(created.starts_with(&format!("zz_{VM}-01-")), "{created}");
    assert_eq!(one["plan"]["new_clone"], created);
    assert!(
        one["deleted"].as_array().is_some_and(Vec::is_empty),
        "{one:#}"
    );
    assert_eq!(one["snapshot_removed"], true, "{one:#}");
    for time in ["started", "finished"] {
        let text = one[time].as_str().expect("an RFC 3339 time");
        assert!(text.parse::<jiff::Timestamp>().is_ok(), "{time}: {text}");
    }
}

#[test]
fn dry_run_plans_and_changes_nothing() {
    let lab = Lab::start();
    lab.backup(&[]);
    let before = lab.inventory();
    let output = lab.backup(&["--dry-run"]);
    assert_eq!(lab.inventory(), before);
    let summary = stdout(&output);
    assert!(
        summary.contains(&format!("{VM}: dry run, nothing changed")),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("  create zz_{VM}-02-")),
        "{summary}"
    );

    let report = json(&lab.backup(&["--dry-run", "--json"]));
    assert_eq!(report["reports"][0]["dry_run"], true, "{report:#}");
    assert!(report["reports"][0]["created"].is_null(), "{report:#}");
    assert_eq!(lab.inventory(), before);
}

#[test]
fn bad_input_exits_2_with_one_line_and_changes_nothing() {
    let lab = Lab::start();
    lab.backup(&[]);
    let before = lab.inventory();
    let wrong_password = lab.dir().join("wrong-password");
    std::fs::write(&wrong_password, "not-the-password\n").expect("written");
    let wrong_password = wrong_password.to_str().expect("a UTF-8 path").to_owned();
    // Each case would otherwise be a valid second run, a day after the first.
    let at = lab.next_at();
    let cases: [(&[&str], &str); 7] = [
        (
            &["backup", "avocado3", "--datastore", "NFS_durian"],
            "avocado3",
        ),
        (&["backup", VM, "--datastore", "NFS_papaya"], "NFS_papaya"),
        (&["backup", VM], "--datastore"),
        (
            &["backup", VM, "--datastore", "NFS_durian", "--slots", "1"],
            "2 slots",
        ),
        (
            &[
                "backup",
                VM,
                "--datastore",
                "NFS_durian",
                "--thumbprint",
                "garbage",
            ],
            "--thumbprint",
        ),
        (
            &["backup", VM, "--datastore", "NFS_durian", "--slot", "3"],
            "--slot",
        ),
        (
            &[
                "backup",
                VM,
                "--datastore",
                "NFS_durian",
                "--password-file",
                &wrong_password,
            ],
            "user name and password",
        ),
    ];
    for (args, expected) in cases {
        let output = lab.run(&[args, &["--at", &at]].concat());
        assert_bad_input(&output, expected);
        assert!(
            !stderr(&output).contains("not-the-password"),
            "{}",
            describe(&output)
        );
        assert_eq!(lab.inventory(), before, "{args:?}");
    }
}

#[test]
fn there_is_no_password_flag_and_help_says_why() {
    let lab = Lab::start();
    let output = lab.run(&["backup", VM, "--datastore", "NFS_durian", "--password", "x"]);
    assert_bad_input(&output, "--password");
    let help = stdout(&lab.succeed(&["backup", "--help"]));
    assert!(help.contains("There is no --password flag"), "{help}");
    assert!(help.contains("VMROTATE_PASSWORD"), "{help}");
}

#[test]
fn one_failure_does_not_stop_the_other_vms_and_exits_1() {
    let lab = Lab::start();
    let mut args = vec!["backup", VM, "avocado3", "--parallel", "1"];
    args.extend(ONTO_BOTH);
    let at = lab.next_at();
    args.extend(["--at", &at]);
    let output = lab.run(&args);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let summary = stdout(&output);
    assert!(
        summary.contains(&format!("{VM}: ok, created zz_{VM}-01-")),
        "{summary}"
    );
    assert!(summary.contains("avocado3: FAILED"), "{summary}");
    assert!(summary.ends_with("1 of 2 backups FAILED\n"), "{summary}");
    let errors = errors(&output);
    assert_eq!(errors.lines().count(), 1, "{errors}");
    assert!(errors.starts_with("error: avocado3: "), "{errors}");
    assert_eq!(lab.generations(VM).len(), 1);
}

#[test]
fn logs_get_plain_lines_without_terminal_control_codes() {
    let lab = Lab::start();
    let log = stdout(&lab.backup(&[]));
    assert!(!log.contains('\u{1b}'), "{log}");
    for step in ["started", "snapshot", "finished"] {
        assert!(
            log.lines()
                .any(|line| line.contains(&format!("{VM}: ")) && line.contains(step)),
            "no {step} line in {log}"
        );
    }
}

#[test]
fn a_terminal_gets_progress_bars_instead_of_log_lines() {
    let lab = Lab::with(
        vcsim::Simulator::builder().method_delay("CloneVM_Task", std::time::Duration::from_secs(1)),
    );
    // `script` runs vmrotate on a pseudo-terminal and copies what it shows to its stdout.
    let mut line = vec![env!("CARGO_BIN_EXE_vmrotate").to_owned()];
    line.extend(lab.backup_args(&[]));
    let quoted: Vec<String> = line.iter().map(|arg| format!("'{arg}'")).collect();
    let output = lab
        .wrapped("script", &["-qec", &quoted.join(" "), "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .expect("script runs");
    assert!(output.status.success(), "{}", describe(&output));
    let screen = stdout(&output);
    assert!(
        screen.contains("\u{1b}["),
        "no terminal control codes: {screen:?}"
    );
    assert!(
        screen.contains(&format!("{VM}: ok, created zz_{VM}-01-")),
        "{screen:?}"
    );
    let log_line = format!(" {VM}: started run ");
    assert!(
        !screen.contains(&log_line),
        "log lines on a terminal: {screen:?}"
    );
}

#[test]
fn host_other_places_the_clone_on_another_host_mounting_the_datastore() {
    let trace = tempfile::NamedTempFile::new().unwrap();
    let lab = Lab::with(vcsim::Simulator::builder().trace_file(trace.path()));
    lab.backup(&["--host", "other"]);
    assert_eq!(lab.generations(VM).len(), 1);
    // The clone spec names a host: not the source's (avocado2 runs on DC0_C0_H0, host-21).
    let traffic = std::fs::read_to_string(trace.path()).unwrap();
    let clone = traffic
        .split("<CloneVM_Task")
        .nth(1)
        .and_then(|call| call.split("</CloneVM_Task>").next())
        .expect("a CloneVM_Task call");
    let host = clone
        .split("<host type=\"HostSystem\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the clone spec names a host");
    let source_host = traffic
        .split("<name>runtime.host</name>")
        .nth(1)
        .and_then(|rest| rest.split('>').nth(1))
        .and_then(|rest| rest.split('<').next())
        .expect("the source's host was read");
    assert!(source_host.starts_with("host-"), "{source_host}");
    assert_ne!(host, source_host, "the clone goes to another host");

    // A host named with placement = "other-host" is refused before anything is done.
    let dir = lab.dir().join("jobs.toml");
    std::fs::write(
        &dir,
        "[[job]]\nvm = \"avocado2\"\ndatastores = [\"NFS_durian\"]\nplacement = \"other-host\"\nhost = \"DC0_C0_H1\"\n",
    )
    .unwrap();
    let refused = lab.run(&["run", "--config", dir.to_str().unwrap()]);
    assert!(
        stderr(&refused).contains("placement = \"other-host\" chooses the host"),
        "{}",
        describe(&refused)
    );
    assert_eq!(lab.generations(VM).len(), 1);
}
