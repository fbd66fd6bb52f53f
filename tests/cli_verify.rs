//! `vmrotate verify` and `backup --verify boot`, run as a real process against the simulator
//! (with the launcher's VMware Tools test double where a heartbeat must come).

mod cli_support;

use std::time::Duration;

use cli_support::{Lab, VM, assert_bad_input, describe, json, stdout};
use vcsim::Simulator;

/// The `verification` record `list --json` shows for the backup `name`.
fn verification(lab: &Lab, name: &str) -> serde_json::Value {
    generation(lab, name)["verification"].clone()
}

/// Whether `list --json` shows the backup `name` powered off.
fn powered_off(lab: &Lab, name: &str) -> bool {
    generation(lab, name)["power_state"] == "powered_off"
}

/// The backup `name` as `list --json` shows it.
fn generation(lab: &Lab, name: &str) -> serde_json::Value {
    let list = json(&lab.succeed(&["list", VM, "--json"]));
    list[0]["generations"]
        .as_array()
        .expect("generations")
        .iter()
        .find(|generation| generation["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not listed: {list}"))
        .clone()
}

#[test]
fn backup_verify_boot_records_the_heartbeat() {
    let lab = Lab::with(Simulator::builder().tools_heartbeat_after(Duration::from_secs(1)));
    lab.succeed(&lab.backup_args(&["--verify", "boot"]));
    let (backup, _, _) = lab.generations(VM).remove(0);
    let record = verification(&lab, &backup);
    assert_eq!(record["level"], "boot", "{record}");
    assert!(
        record["boot"]["heartbeat_after_ms"].as_u64().unwrap() >= 900,
        "{record}"
    );
    assert!(stdout(&lab.succeed(&["list", VM])).contains("verified boot"));
    assert!(powered_off(&lab, &backup), "powered off again");
}

#[test]
fn verify_exits_0_1_or_2() {
    let lab = Lab::start();
    lab.backup(&[]);
    let (backup, _, _) = lab.generations(VM).remove(0);

    let passed = json(&lab.succeed(&["verify", &backup, "--json"]));
    assert_eq!(passed[0]["ok"], true, "{passed}");
    assert!(
        passed[0]["verification"]["checks"]
            .as_array()
            .unwrap()
            .contains(&"disks_on_target".into())
    );

    // No Tools: no heartbeat within the timeout.
    let failed = lab.run(&["verify", &backup, "--boot", "--boot-timeout", "2s"]);
    assert_eq!(failed.status.code(), Some(1), "{}", describe(&failed));
    assert!(stdout(&failed).contains("FAILED"), "{}", describe(&failed));
    assert!(powered_off(&lab, &backup), "powered off again");
    assert_eq!(verification(&lab, &backup)["state"], "failed");
    assert!(stdout(&lab.succeed(&["list", VM])).contains("FAILED boot"));

    assert_bad_input(&lab.run(&["verify", "zz_nobody"]), "zz_nobody");
    assert_bad_input(
        &lab.run(&["verify", &backup, "--boot", "--host", "nohost"]),
        "nohost",
    );
}
