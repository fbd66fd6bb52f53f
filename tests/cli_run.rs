//! `vmrotate run --config jobs.toml`, run as a real process against the simulator.

mod cli_support;

use cli_support::{Lab, VM, assert_bad_input, describe, json, stdout};

/// The second VM of a two-VM simulator, on the second host.
const OTHER_VM: &str = "DC0_C0_RP0_VM1";

/// A jobs file for `lab`: the connection (password by file, relative to the jobs file) and two
/// jobs, one VM per job.
fn jobs_file(lab: &Lab) -> String {
    format!(
        r#"
[connection]
url = "{url}"
username = "{username}"
password_file = "password"

[run]
parallel = 2

[[job]]
vm = "{VM}"
datastores = ["NFS_durian", "NFS_mango"]

[[job]]
vm = "{OTHER_VM}"
datastores = ["NFS_mango"]
slots = 3
"#,
        url = lab.simulator.url(),
        username = lab.simulator.username(),
    )
}

#[test]
fn runs_every_job_of_the_file() {
    let lab = Lab::with(vcsim::Simulator::builder().vms(2));
    let config = lab.dir().join("jobs.toml");
    std::fs::write(&config, jobs_file(&lab)).expect("written");
    let config = config.to_str().expect("a UTF-8 path");

    for run in 1..=2 {
        let at = lab.next_at();
        let output = lab
            .bare_command(&["run", "--config", config, "--at", &at])
            .output()
            .expect("vmrotate runs");
        assert!(output.status.success(), "run {run}: {}", describe(&output));
        assert!(
            stdout(&output).ends_with("2 of 2 backups succeeded\n"),
            "{}",
            describe(&output)
        );
    }
    let slots = |vm| -> Vec<u64> {
        lab.generations(vm)
            .iter()
            .map(|(_, slot, _)| *slot)
            .collect()
    };
    assert_eq!(slots(VM), [1, 2]);
    assert_eq!(slots(OTHER_VM), [1, 2]);
    let datastores: Vec<String> = lab
        .generations(OTHER_VM)
        .into_iter()
        .map(|(_, _, ds)| ds)
        .collect();
    assert_eq!(datastores, ["NFS_mango", "NFS_mango"]);

    let report = json(
        &lab.bare_command(&[
            "run",
            "--config",
            config,
            "--dry-run",
            "--json",
            "--at",
            &lab.next_at(),
        ])
        .output()
        .expect("vmrotate runs"),
    );
    let vms: Vec<&str> = report["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .map(|one| one["vm"].as_str().expect("a VM"))
        .collect();
    assert_eq!(vms, [VM, OTHER_VM], "{report:#}");
}

#[test]
fn flags_and_environment_win_over_the_file() {
    let lab = Lab::start();
    let config = lab.dir().join("jobs.toml");
    std::fs::write(
        &config,
        format!(
            "[connection]\nurl = \"http://127.0.0.1:9/sdk\"\nusername = \"nobody\"\n\n[[job]]\nvm = \"{VM}\"\ndatastores = [\"NFS_durian\"]\n"
        ),
    )
    .expect("written");
    lab.succeed(&["run", "--config", config.to_str().expect("a UTF-8 path")]);
    assert_eq!(lab.generations(VM).len(), 1);
}

#[test]
fn a_bad_jobs_file_exits_2_before_connecting() {
    let lab = Lab::start();
    let before = lab.inventory();
    let cases = [
        (
            "[[job]]\nvm = \"a\"\ndatastores = [\"d\"]\nslot = 3\n",
            "line 4: unknown field `slot`",
        ),
        ("[connection]\npassword = \"S3cret!\"\n", "password_file"),
        ("[run]\nparallel = 2\n", "no [[job]] table"),
        (
            &format!("[[job]]\nvm = \"{VM}\"\ndatastores = []\n"),
            "set `datastores`",
        ),
    ];
    for (index, (text, expected)) in cases.into_iter().enumerate() {
        let config = lab.dir().join(format!("bad-{index}.toml"));
        std::fs::write(&config, text).expect("written");
        let output = lab.run(&["run", "--config", config.to_str().expect("a UTF-8 path")]);
        assert_bad_input(&output, expected);
        assert!(
            !describe(&output).contains("S3cret!"),
            "{}",
            describe(&output)
        );
    }
    let missing = lab.run(&["run", "--config", "/nonexistent/jobs.toml"]);
    assert_bad_input(&missing, "cannot read the jobs file /nonexistent/jobs.toml");
    assert_eq!(lab.inventory(), before);
}
