//! Crash safety: a run killed at any step boundary, or mid-clone, loses no complete
//! generation, and the next run cleans up and continues the rotation. Also a simulator
//! restarted mid-run and an expired session.
//!
//! The killed runs are child processes: this test binary again, running only the test that
//! started it, which [`act_as_probe_if_child`] turns into the run to kill.

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use vcsim::Simulator;
use vmrotate::{ErrorKind, JobConfig};

use crate::support::{
    backup_ok, clone_name, clones, find_vm, job, login, on, simulator, source_snapshots, start,
};

/// The variable that makes this test binary a probe: the run to make, as JSON [`Probe`].
const PROBE: &str = "VMROTATE_JOB_SUITE_PROBE";

/// The run a child process makes.
#[derive(Serialize, Deserialize)]
struct Probe {
    url: String,
    username: String,
    password: String,
    job: JobConfig,
    day: u8,
}

/// In a child process started by [`probe_command`], makes the probe's run, which the crash
/// hook or a kill is to cut short (the child fails if the run ends); in the test itself,
/// returns at once.
async fn act_as_probe_if_child() {
    let Ok(probe) = std::env::var(PROBE) else {
        return;
    };
    let probe: Probe = serde_json::from_str(&probe).expect("the parent's probe");
    let mut connect = vmrotate::ConnectOptions::new(probe.url);
    connect.username = Some(probe.username);
    connect.password = Some(probe.password.as_str().into());
    let client = connect.connect().await.expect("the probe connects");
    let report = vmrotate::backup(&client, &probe.job, &on(probe.day), None).await;
    panic!("the probe's run was to be cut short, but it ended: {report:?}");
}

/// The name libtest gave the running test (its thread's name).
fn this_test() -> String {
    std::thread::current()
        .name()
        .expect("libtest names each test's thread")
        .to_owned()
}

/// A child process running `test` of this binary as a probe of `job` on `day`.
fn probe_command(test: &str, simulator: &Simulator, job: &JobConfig, day: u8) -> Command {
    let probe = Probe {
        url: simulator.url().to_owned(),
        username: simulator.username().to_owned(),
        password: simulator.password().to_owned(),
        job: job.clone(),
        day,
    };
    let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
    command
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(
            PROBE,
            serde_json::to_string(&probe).expect("probes serialize"),
        )
        .env_remove("VMROTATE_TEST_CRASH_AT");
    for proxy in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        command.env_remove(proxy);
    }
    command
}

/// Runs `test` as a probe on `day`, aborting at `step`, and checks that it aborted there.
fn crash_at(test: &str, simulator: &Simulator, job: &JobConfig, day: u8, step: &str) {
    let Output { status, stderr, .. } = probe_command(test, simulator, job, day)
        .env("VMROTATE_TEST_CRASH_AT", step)
        .output()
        .expect("the probe runs");
    let stderr = String::from_utf8_lossy(&stderr);
    assert!(
        !status.success(),
        "the probe was to abort at {step}: {stderr}"
    );
    assert!(stderr.contains(&format!("aborting at {step}")), "{stderr}");
}

/// Days 1 and 2 normally, day 3 aborted at `step`, day 4 normally, with 3 slots (2
/// generations). Returns the clones after day 3's crash and after day 4.
async fn crash_on_day_three(step: &str) -> (Vec<String>, Vec<String>) {
    let test = this_test();
    act_as_probe_if_child().await;
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let job = job(3);
    backup_ok(&client, &job, 1).await;
    backup_ok(&client, &job, 2).await;

    crash_at(&test, &simulator, &job, 3, step);
    let after_crash = clones(&client).await;
    assert!(
        after_crash.contains(&clone_name(2, 2)),
        "the newest complete generation survives a crash at {step}: {after_crash:?}"
    );
    let complete = after_crash.len();
    assert!(
        complete >= 2,
        "a crash at {step} lost a generation: {after_crash:?}"
    );
    assert!(
        source_snapshots(&client)
            .await
            .iter()
            .any(|name| name.starts_with("vmrotate-run ")),
        "the crash at {step} left the run's snapshot (the lock)"
    );

    let report = backup_ok(&client, &job, 4).await;
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("removed the snapshot")),
        "{:?}",
        report.warnings
    );
    assert!(
        source_snapshots(&client).await.is_empty(),
        "no snapshot after the next run"
    );
    (after_crash, clones(&client).await)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_after_the_snapshot_loses_nothing() {
    let (crashed, next) = crash_on_day_three("after-snapshot").await;
    assert_eq!(crashed, [clone_name(1, 1), clone_name(2, 2)]);
    assert_eq!(next, [clone_name(2, 2), clone_name(3, 4)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_after_the_lock_loses_nothing() {
    let (crashed, next) = crash_on_day_three("after-lock").await;
    assert_eq!(crashed, [clone_name(1, 1), clone_name(2, 2)]);
    assert_eq!(next, [clone_name(2, 2), clone_name(3, 4)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_after_the_clone_keeps_the_marked_clone() {
    let (crashed, next) = crash_on_day_three("after-clone").await;
    assert_eq!(
        crashed,
        [clone_name(1, 1), clone_name(2, 2), clone_name(3, 3)]
    );
    assert_eq!(next, [clone_name(1, 4), clone_name(3, 3)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_after_the_verification_deletes_nothing() {
    let (crashed, next) = crash_on_day_three("after-verify").await;
    assert_eq!(
        crashed,
        [clone_name(1, 1), clone_name(2, 2), clone_name(3, 3)]
    );
    assert_eq!(next, [clone_name(1, 4), clone_name(3, 3)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_after_a_delete_leaves_the_rotation_consistent() {
    let (crashed, next) = crash_on_day_three("after-delete").await;
    assert_eq!(crashed, [clone_name(2, 2), clone_name(3, 3)]);
    assert_eq!(next, [clone_name(1, 4), clone_name(3, 3)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_before_the_snapshot_removal_only_leaves_the_snapshot() {
    let (crashed, next) = crash_on_day_three("before-snapshot-removal").await;
    assert_eq!(crashed, [clone_name(2, 2), clone_name(3, 3)]);
    assert_eq!(next, [clone_name(1, 4), clone_name(3, 3)]);
}

/// Waits until `done` holds, at most `limit`.
async fn eventually<F: std::future::Future<Output = bool>>(
    limit: Duration,
    mut done: impl FnMut() -> F,
) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_mid_clone_is_recovered_by_the_next_run() {
    let test = this_test();
    act_as_probe_if_child().await;
    let simulator = start(simulator().method_delay("CloneVM_Task", Duration::from_millis(1500)));
    let client = login(&simulator).await;
    let job = job(3);
    backup_ok(&client, &job, 1).await;
    backup_ok(&client, &job, 2).await;

    let mut child: Child = probe_command(&test, &simulator, &job, 3)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the probe starts");
    let locked = eventually(Duration::from_secs(10), || async {
        source_snapshots(&client)
            .await
            .iter()
            .any(|name| name.starts_with("vmrotate-run "))
    })
    .await;
    assert!(locked, "the probe never took its snapshot");
    // Inside CloneVM_Task's delay now (the clone call follows the snapshot at once).
    tokio::time::sleep(Duration::from_millis(500)).await;
    child.kill().expect("SIGKILL");
    child.wait().expect("the probe is reaped");

    // vCenter finishes a clone whose client died; so does the simulator.
    let cloned = eventually(Duration::from_secs(10), || async {
        find_vm(&client, &clone_name(3, 3)).await.is_some()
    })
    .await;
    assert!(
        cloned,
        "the clone the killed run started completes on the server"
    );
    assert!(clones(&client).await.contains(&clone_name(2, 2)));

    let report = backup_ok(&client, &job, 4).await;
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("removed the snapshot")),
        "{:?}",
        report.warnings
    );
    assert!(source_snapshots(&client).await.is_empty());
    assert_eq!(clones(&client).await, [clone_name(1, 4), clone_name(3, 3)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_simulator_restarted_mid_run_gives_a_clean_error() {
    let mut simulator = start(simulator().method_delay("CloneVM_Task", Duration::from_secs(2)));
    let client = login(&simulator).await;
    let run = tokio::spawn({
        let client = client.clone();
        async move { vmrotate::backup(&client, &job(3), &on(1), None).await }
    });
    let locked = eventually(Duration::from_secs(10), || async {
        source_snapshots(&client)
            .await
            .iter()
            .any(|name| name.starts_with("vmrotate-run "))
    })
    .await;
    assert!(locked, "the run never took its snapshot");
    tokio::time::sleep(Duration::from_millis(300)).await;
    simulator.restart().expect("the simulator restarts");

    let report = run.await.expect("the run returns a report");
    let error = report.error.expect("the run fails");
    assert_eq!(error.kind, ErrorKind::Vsphere);
    assert!(
        error
            .message
            .starts_with("cloning avocado2 as zz_avocado2-01-201909010241"),
        "{}",
        error.message
    );
    assert!(error.message.contains("broke off"), "{}", error.message);
    assert!(!error.message.contains('\n'), "one line: {}", error.message);
    assert_eq!(report.created, None);
    assert!(report.deleted.is_empty());

    // The same client carries on against the restarted server.
    backup_ok(&client, &job(3), 2).await;
    assert_eq!(clones(&client).await, [clone_name(1, 2)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_session_is_reestablished() {
    let simulator = start(simulator().session_idle_timeout(Duration::from_millis(300)));
    let client = login(&simulator).await;
    backup_ok(&client, &job(3), 1).await;
    let cookie = client.session_cookie();
    tokio::time::sleep(Duration::from_millis(1200)).await;

    backup_ok(&client, &job(3), 2).await;
    assert_ne!(
        client.session_cookie(),
        cookie,
        "the client logged in again"
    );
    assert_eq!(clones(&client).await, [clone_name(1, 1), clone_name(2, 2)]);
}
