//! A real SIGKILL of `vmrotate backup` in the middle of a clone, then the next run.

mod cli_support;

use std::thread;
use std::time::Duration;

use cli_support::{Lab, VM, describe, stdout};

/// How long the simulator holds each CloneVM_Task call before running it.
const CLONE_DELAY: Duration = Duration::from_secs(3);

#[test]
fn a_run_killed_mid_clone_is_cleaned_up_by_the_next_run() {
    let lab = Lab::with(vcsim::Simulator::builder().method_delay("CloneVM_Task", CLONE_DELAY));
    lab.backup(&[]);
    let first = lab.generations(VM);
    assert_eq!(first.len(), 1, "{first:?}");

    // The run's snapshot exists once it has asked for the clone, which the simulator delays.
    let mut child = lab.spawn_once_locked(&lab.backup_args(&[]), Duration::from_millis(500));
    child.kill().expect("SIGKILL is sent");
    let status = child.wait().expect("the child is reaped");
    assert!(!status.success(), "{status}");
    // The simulator still runs the clone it was asked for: let it settle.
    thread::sleep(CLONE_DELAY + Duration::from_secs(1));
    assert!(
        lab.inventory().has_snapshot(VM),
        "the killed run left its snapshot behind"
    );

    let output = lab.backup(&[]);
    assert!(output.status.success(), "{}", describe(&output));
    let inventory = lab.inventory();
    assert!(!inventory.has_snapshot(VM), "{inventory:?}");
    let after = lab.generations(VM);
    assert!(
        after.contains(&first[0]),
        "the first generation survives: {after:?}"
    );
    let slots: Vec<u64> = after.iter().map(|(_, slot, _)| *slot).collect();
    assert!(
        slots == [1, 2] || slots == [1, 2, 3],
        "rotation continues from the surviving generations: {after:?}"
    );
}

#[test]
fn list_shows_a_crashed_runs_lock_and_unlock_clears_it() {
    let lab = Lab::start();
    let args = lab.backup_args(&[]);
    let crashed = lab
        .command(&args)
        .env("VMROTATE_TEST_CRASH_AT", "after-lock")
        .output()
        .expect("vmrotate runs");
    assert!(!crashed.status.success(), "{}", describe(&crashed));
    assert!(lab.inventory().has_snapshot(VM));

    let list = stdout(&lab.succeed(&["list", VM]));
    assert!(list.contains("  ! the snapshot \"vmrotate-run "), "{list}");

    let unlocked = stdout(&lab.succeed(&["unlock", VM]));
    assert!(
        unlocked.starts_with(&format!("{VM}: removed snapshot \"vmrotate-run ")),
        "{unlocked}"
    );
    assert!(!lab.inventory().has_snapshot(VM));
    let again = stdout(&lab.succeed(&["unlock", VM]));
    assert_eq!(
        again,
        format!("{VM}: no vmrotate run snapshot, nothing to unlock\n")
    );
}
