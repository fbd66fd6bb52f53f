//! Real `vmrotate` processes stopped, killed and retried in the middle of a clone that vCenter
//! is still running (the simulator's asynchronous clone task), and rotation after lowering
//! `--slots`.

mod cli_support;

use std::collections::BTreeMap;
use std::process::{Child, Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

use cli_support::{Lab, VM, describe, json, stderr};
use serde_json::Value;

/// How long each clone task runs in the simulator.
const CLONE_TIME: Duration = Duration::from_secs(6);

/// A lab whose clone tasks run [`CLONE_TIME`] in the background, as on a real vCenter.
fn slow_clones() -> Lab {
    Lab::with(vcsim::Simulator::builder().async_task("CloneVM_Task", CLONE_TIME))
}

/// Every clone of the VM `list --json` shows: name -> (slot, verification state).
fn clones(lab: &Lab) -> BTreeMap<String, (Option<u64>, String)> {
    let list = json(&lab.succeed(&["list", VM, "--json"]));
    let mut clones = BTreeMap::new();
    for entry in list.as_array().expect("an array") {
        for generation in entry["generations"].as_array().expect("generations") {
            clones.insert(
                generation["name"].as_str().expect("a name").to_owned(),
                (
                    generation["slot"].as_u64(),
                    generation["state"].as_str().expect("a state").to_owned(),
                ),
            );
        }
    }
    clones
}

/// The verified generations per slot: never more than one.
fn verified_per_slot(lab: &Lab) -> BTreeMap<u64, Vec<String>> {
    let mut slots: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for (name, (slot, state)) in clones(lab) {
        if state == "verified" {
            slots
                .entry(slot.expect("a slot clone"))
                .or_default()
                .push(name);
        }
    }
    for (slot, names) in &slots {
        assert_eq!(
            names.len(),
            1,
            "slot {slot} holds several generations: {names:?}"
        );
    }
    slots
}

/// Starts `vmrotate <args>` and returns once its clone task runs (its snapshot exists and
/// a moment has passed, so vCenter has the task).
fn start_mid_clone(lab: &Lab, args: &[String]) -> Child {
    lab.spawn_once_locked(args, Duration::from_millis(1500))
}

/// Waits at most a minute for `child` to end by itself, and returns its status and stderr.
fn ends_by_itself(mut child: Child) -> (ExitStatus, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("waitable").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the stopped run did not end by itself");
        }
        thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().expect("its output");
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -s {signal}");
}

#[test]
fn a_run_killed_mid_clone_is_never_doubled_by_a_retry_and_the_next_night_rotates_on() {
    let lab = slow_clones();
    for _ in 0..3 {
        lab.backup(&[]);
    }
    let before = verified_per_slot(&lab);
    assert_eq!(before.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
    let newest_before = before[&3][0].clone();

    // Night 4, killed mid-clone; the scheduler retries at once, with the same time.
    let night4 = lab.backup_args(&[]);
    let mut killed = start_mid_clone(&lab, &night4);
    killed.kill().expect("SIGKILL is sent");
    assert!(!killed.wait().expect("reaped").success());

    let retry = lab.run(&night4);
    assert_eq!(retry.status.code(), Some(1), "{}", describe(&retry));
    let message = stderr(&retry);
    for part in ["still runs its task", "CloneVM_Task (task-", "% done)"] {
        assert!(message.contains(part), "{part} missing: {message}");
    }
    // The lock is live while vCenter clones: unlock refuses without --force.
    let unlock = lab.run(&["unlock", VM]);
    assert_eq!(unlock.status.code(), Some(1), "{}", describe(&unlock));
    assert!(
        stderr(&unlock).contains("CloneVM_Task"),
        "{}",
        describe(&unlock)
    );
    assert!(
        lab.inventory().has_snapshot(VM),
        "the clone's snapshot stays"
    );

    // The orphaned clone lands, unverified: it is no generation.
    thread::sleep(CLONE_TIME);
    let landed: Vec<String> = clones(&lab)
        .into_iter()
        .filter(|(_, (_, state))| state == "unverified")
        .map(|(name, _)| name)
        .collect();
    assert_eq!(landed.len(), 1, "{:?}", clones(&lab));
    assert_eq!(verified_per_slot(&lab), before);

    // The next night: the stale lock goes, the orphan is verified, and rotation goes on.
    let night5 = lab.succeed(&lab.backup_args(&["--json"]));
    let report = json(&night5);
    let report = &report["reports"][0];
    assert_eq!(
        report["unverified"][0]["name"],
        Value::from(landed[0].as_str())
    );
    assert_eq!(report["unverified"][0]["outcome"], "verified", "{report}");
    assert!(
        report["warnings"]
            .to_string()
            .contains("removed the snapshot"),
        "{report}"
    );
    let after = verified_per_slot(&lab);
    assert_eq!(after.len(), 3, "{after:?}");
    assert!(
        after.values().flatten().any(|name| *name == newest_before),
        "{after:?}"
    );
    assert!(
        after.values().flatten().any(|name| *name == landed[0]),
        "{after:?}"
    );
    assert!(!lab.inventory().has_snapshot(VM));
}

#[test]
fn sigterm_and_sigint_mid_clone_cancel_the_clone_and_remove_the_snapshot() {
    let lab = slow_clones();
    lab.backup(&[]);
    let before = clones(&lab);
    for (signal, code, name) in [("TERM", 143, "SIGTERM"), ("INT", 130, "SIGINT")] {
        let child = start_mid_clone(&lab, &lab.backup_args(&[]));
        send(&child, signal);
        let (status, message) = ends_by_itself(child);
        assert_eq!(status.code(), Some(code), "{message}");
        for part in [
            format!("stopped by {name} during the clone"),
            "cancelled the clone task".to_owned(),
            "removed the snapshot".to_owned(),
        ] {
            assert!(message.contains(&part), "{part} missing: {message}");
        }
        assert!(
            !lab.inventory().has_snapshot(VM),
            "{name} left the snapshot"
        );
        // Give a clone that was not cancelled in time the chance to land: none may.
        thread::sleep(Duration::from_secs(1));
        assert_eq!(clones(&lab), before, "{name} left a clone");
    }
    // The next run is a normal one.
    lab.backup(&[]);
    assert_eq!(verified_per_slot(&lab).len(), 2);
}

#[test]
fn lowering_slots_keeps_the_newest_generations() {
    let lab = Lab::start();
    for _ in 0..5 {
        lab.backup(&["--slots", "6"]);
    }
    let five = verified_per_slot(&lab);
    assert_eq!(five.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    let newest = five[&5][0].clone();

    let output = lab.succeed(&lab.backup_args(&["--slots", "3", "--json"]));
    let report = json(&output);
    let created = report["reports"][0]["created"]
        .as_str()
        .expect("a clone")
        .to_owned();
    let kept: Vec<String> = verified_per_slot(&lab).into_values().flatten().collect();
    let mut expected = vec![newest, created];
    expected.sort();
    let mut kept_sorted = kept.clone();
    kept_sorted.sort();
    assert_eq!(kept_sorted, expected, "{}", describe(&output));
}

#[test]
fn sigterm_mid_restore_cancels_the_copy_and_releases_the_lock() {
    let lab = slow_clones();
    lab.backup(&[]);
    let backup = clones(&lab).into_keys().next().expect("a backup");
    let args: Vec<String> = ["restore", &backup, "--as", "avocado2-restored"]
        .map(str::to_owned)
        .into();
    let child = start_mid_clone(&lab, &args);
    send(&child, "TERM");
    let (status, message) = ends_by_itself(child);
    assert_eq!(status.code(), Some(143), "{message}");
    assert!(
        message.contains("stopped by SIGTERM while restoring"),
        "{message}"
    );
    assert!(message.contains("cancelled the copy task"), "{message}");
    let inventory = lab.inventory();
    assert!(
        !inventory.vms.contains_key("avocado2-restored"),
        "{inventory:?}"
    );
    assert!(!inventory.has_snapshot(VM), "the restore's lock is gone");
}
