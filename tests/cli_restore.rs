//! `vmrotate restore`, run as a real process against the simulator.

mod cli_support;

use cli_support::{Lab, VM, assert_bad_input, assert_one_error, describe, json, stdout};

#[test]
fn restore_makes_a_new_vm_and_never_overwrites_one() {
    let lab = Lab::start();
    lab.backup(&[]);
    let (backup, _, _) = lab.generations(VM).remove(0);

    let output = lab.succeed(&[
        "restore",
        &backup,
        "--as",
        "avocado2-restored",
        "--host",
        "DC0_C0_H1",
        "--datastore",
        "NFS_mango",
    ]);
    assert!(
        stdout(&output).contains("avocado2-restored"),
        "{}",
        describe(&output)
    );
    let inventory = lab.inventory();
    assert!(
        inventory.vms.contains_key("avocado2-restored"),
        "{inventory:?}"
    );
    assert!(
        inventory.vms.contains_key(&backup),
        "the backup stays: {inventory:?}"
    );
    assert_eq!(
        lab.generations(VM).len(),
        1,
        "a restored VM is no generation"
    );

    // Refused (exit 1), as vmrotate refuses every unsafe step: it would replace a VM.
    for existing in ["avocado2-restored", VM] {
        let output = lab.run(&["restore", &backup, "--as", existing]);
        assert_one_error(&output, 1, &format!("a VM named {existing} already exists"));
    }
    assert_eq!(lab.inventory(), inventory);

    let unknown = lab.run(&["restore", "zz_avocado2-09-201909250241"]);
    assert_bad_input(&unknown, "zz_avocado2-09-201909250241");
    assert_eq!(lab.inventory(), inventory);
}

#[test]
fn register_only_turns_the_backup_itself_into_the_vm() {
    let lab = Lab::start();
    lab.backup(&[]);
    let (backup, _, _) = lab.generations(VM).remove(0);

    let report = json(&lab.succeed(&[
        "restore",
        &backup,
        "--register-only",
        "--as",
        "avocado2-dr",
        "--host",
        "DC0_C0_H1",
        "--power-on",
        "--json",
    ]));
    assert_eq!(report["vm"], "avocado2-dr", "{report:#}");
    assert_eq!(report["from"], backup.as_str(), "{report:#}");
    assert_eq!(report["register_only"], true, "{report:#}");
    assert_eq!(report["host"], "DC0_C0_H1", "{report:#}");
    assert_eq!(report["powered_on"], true, "{report:#}");

    let inventory = lab.inventory();
    assert!(inventory.vms.contains_key("avocado2-dr"), "{inventory:?}");
    assert!(!inventory.vms.contains_key(&backup), "{inventory:?}");
    assert!(
        lab.generations(VM).is_empty(),
        "the registered VM is no backup any more"
    );
}

#[test]
fn a_register_only_restore_cut_short_before_the_rename_leaves_no_backup_look_alike() {
    let lab = Lab::start();
    lab.backup(&[]);
    let (backup, _, _) = lab.generations(VM).remove(0);
    let crashed = lab
        .command(&[
            "restore",
            &backup,
            "--register-only",
            "--as",
            "avocado2-dr",
            "--host",
            "DC0_C0_H1",
        ])
        .env("VMROTATE_TEST_CRASH_AT", "restore-before-rename")
        .output()
        .expect("vmrotate runs");
    assert!(!crashed.status.success(), "{}", describe(&crashed));
    assert!(
        String::from_utf8_lossy(&crashed.stderr).contains("aborting at restore-before-rename"),
        "{}",
        describe(&crashed)
    );
    // Still under the backup's name, but without its marker: no rotation counts or deletes it.
    let list = json(&lab.succeed(&["list", VM, "--json"]));
    let generation = &list[0]["generations"][0];
    assert_eq!(generation["name"], backup.as_str(), "{list:#}");
    assert_eq!(generation["marked"], false, "{list:#}");
    let next = json(&lab.succeed(&lab.backup_args(&["--slots", "2", "--json"])));
    assert_eq!(
        next["reports"][0]["deleted"],
        serde_json::json!([]),
        "{next:#}"
    );
    assert!(lab.inventory().vms.contains_key(&backup));
}
