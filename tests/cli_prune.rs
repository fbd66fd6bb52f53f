//! `vmrotate backup --keep-*` and `vmrotate prune`, run as real processes against the simulator.

mod cli_support;

use cli_support::{Lab, VM, assert_bad_input, json, stdout};

/// The retention clone of the lab's run on September `day`, 2019 (02:41 UTC).
fn retention_clone(day: u8) -> String {
    format!("zz_{VM}-r-201909{day:02}T024100Z")
}

#[test]
fn prune_explains_each_backup_and_leaves_slot_clones_alone() {
    let lab = Lab::start();
    for _ in 0..3 {
        lab.backup(&["--keep-last", "3", "--flavor", "restic", "--zone", "UTC"]);
    }
    lab.backup(&[]);
    let slot_clones = lab.generations(VM);
    assert_eq!(slot_clones.len(), 1, "{slot_clones:?}");
    let retention: Vec<String> = [22, 23, 24].map(retention_clone).into();
    let mut everything = retention.clone();
    everything.push(slot_clones[0].0.clone());
    everything.sort();
    assert_eq!(lab.inventory().vms_starting_with("zz_"), everything);
    let listed = json(&lab.succeed(&["list", VM, "--json"]));
    let listed: Vec<_> = listed[0]["generations"]
        .as_array()
        .expect("generations is an array")
        .iter()
        .map(|generation| (generation["name"].clone(), generation["slot"].clone()))
        .collect();
    let mut expected: Vec<_> = retention
        .iter()
        .map(|name| (serde_json::json!(name), serde_json::Value::Null))
        .collect();
    expected.push((
        serde_json::json!(slot_clones[0].0),
        serde_json::json!(slot_clones[0].1),
    ));
    assert_eq!(listed, expected);
    let table = stdout(&lab.succeed(&["list", VM]));
    assert!(table.contains(&format!("{VM}: 4 generations\n")), "{table}");
    for name in &retention {
        let row = table.lines().find(|line| line.ends_with(name.as_str()));
        assert!(
            row.is_some_and(|row| row.trim_start().starts_with("r ")),
            "{table}"
        );
    }

    let at = lab.next_at();
    let dry = stdout(&lab.succeed(&[
        "prune",
        VM,
        "--keep-last",
        "1",
        "--zone",
        "UTC",
        "--dry-run",
        "--at",
        &at,
    ]));
    assert!(
        dry.starts_with(&format!("{VM}: dry run, nothing changed\n")),
        "{dry}"
    );
    assert!(
        dry.contains(&format!("  keep    {} (last snapshot)\n", retention[2])),
        "{dry}"
    );
    for old in &retention[..2] {
        assert!(dry.contains(&format!("  would remove {old}\n")), "{dry}");
    }
    assert_eq!(lab.inventory().vms_starting_with("zz_"), everything);

    let report = json(&lab.succeed(&[
        "prune",
        VM,
        "--keep-last",
        "1",
        "--zone",
        "UTC",
        "--json",
        "--at",
        &at,
    ]));
    let one = &report["reports"][0];
    assert_eq!(
        one["retention"]["keep"],
        serde_json::json!([retention[2]]),
        "{one:#}"
    );
    assert_eq!(
        one["deleted"],
        serde_json::json!([retention[0], retention[1]]),
        "{one:#}"
    );
    let mut left = vec![retention[2].clone(), slot_clones[0].0.clone()];
    left.sort();
    assert_eq!(lab.inventory().vms_starting_with("zz_"), left);
}

#[test]
fn bad_policies_exit_with_2_before_connecting() {
    let lab = Lab::start();
    let cases: [(&[&str], &str); 4] = [
        (&["prune", VM], "--keep"),
        (&["prune", VM, "--flavor", "restic"], "restic refuses"),
        (
            &["prune", VM, "--keep-daily", "3", "--zone", "Mars/Base"],
            "Mars/Base",
        ),
        (
            &[
                "backup",
                VM,
                "--datastore",
                "NFS_durian",
                "--keep-daily",
                "3",
                "--slots",
                "5",
            ],
            "choose one",
        ),
    ];
    for (args, expected) in cases {
        assert_bad_input(&lab.run(args), expected);
    }
    assert!(lab.inventory().vms_starting_with("zz_").is_empty());
}

#[test]
fn a_retention_backup_dry_run_shows_its_decision() {
    let lab = Lab::start();
    for _ in 0..2 {
        lab.backup(&["--keep-last", "2", "--flavor", "restic", "--zone", "UTC"]);
    }
    let before = lab.inventory().vms_starting_with("zz_");
    let at = lab.next_at();
    let dry = stdout(&lab.succeed(&[
        "backup",
        VM,
        "--datastore",
        "NFS_durian",
        "--keep-last",
        "2",
        "--zone",
        "UTC",
        "--dry-run",
        "--at",
        &at,
    ]));
    assert!(dry.contains("  keep    "), "{dry}");
    assert!(
        dry.contains(&format!("  would remove {}\n", retention_clone(22))),
        "{dry}"
    );
    assert_eq!(lab.inventory().vms_starting_with("zz_"), before);
}
