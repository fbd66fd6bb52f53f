//! The keep-alive keeps an idle session from expiring.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use vcsim::Simulator;
use vsphere_client::Client;
use vsphere_client::object::ServiceInstance;

use crate::support::{PAST_IDLE_TIMEOUT, config, expiring_simulator, password, start};

/// Well below the simulator's idle timeout.
const KEEPALIVE: Duration = Duration::from_millis(200);

/// Logs in with `keepalive`, stays idle past the idle timeout, makes a call; whether the
/// session survived (no login again was needed).
async fn session_survives_idleness(keepalive: Option<Duration>) -> bool {
    let simulator = expiring_simulator();
    let mut config = config(simulator);
    config.keepalive = keepalive;
    let client = Client::connect(config).await.expect("connects");
    client
        .login(simulator.username(), &password())
        .await
        .expect("logs in");
    let before = client.session_cookie();

    tokio::time::sleep(PAST_IDLE_TIMEOUT).await;
    ServiceInstance::of(&client)
        .current_time()
        .await
        .expect("CurrentTime");
    let survived = client.session_cookie() == before;
    client.close().await.expect("closes");
    survived
}

#[tokio::test]
async fn keepalive_keeps_an_idle_session_alive() {
    assert!(session_survives_idleness(Some(KEEPALIVE)).await);
}

#[tokio::test]
async fn without_keepalive_an_idle_session_expires() {
    assert!(!session_survives_idleness(None).await);
}

/// A simulator that traces its traffic to a file in `dir`, and a client logged in to it that
/// sends its keep-alive every [`KEEPALIVE`].
async fn traced_client_with_keepalive(dir: &Path) -> (Simulator, PathBuf, Client) {
    let trace = dir.join("trace.xml");
    let simulator = start(Simulator::builder().trace_file(&trace));
    let mut config = config(&simulator);
    config.keepalive = Some(KEEPALIVE);
    let client = Client::connect(config).await.expect("connects");
    client
        .login(simulator.username(), &password())
        .await
        .expect("logs in");
    (simulator, trace, client)
}

/// How many `CurrentTime` calls the simulator traced.
fn current_time_calls(trace: &Path) -> usize {
    fs::read_to_string(trace)
        .expect("the trace")
        .matches("<CurrentTime xmlns")
        .count()
}

/// Lets the keep-alive run for a few periods, ends the client with `end`, and returns how
/// many keep-alives were sent before and after.
async fn keepalives_around<F, Fut>(end: F) -> (usize, usize)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (_simulator, trace, client) = traced_client_with_keepalive(dir.path()).await;
    tokio::time::sleep(KEEPALIVE * 3).await;
    end(client).await;
    let before = current_time_calls(&trace);
    tokio::time::sleep(KEEPALIVE * 3).await;
    (before, current_time_calls(&trace) - before)
}

#[tokio::test]
async fn keepalive_stops_when_the_last_clone_is_dropped() {
    let (before, after) = keepalives_around(|client| async move { drop(client) }).await;
    assert!(before >= 2, "{before} keep-alives while the client lived");
    assert_eq!(after, 0, "keep-alives after the client was dropped");
}

#[tokio::test]
async fn keepalive_stops_when_the_client_is_closed() {
    let (before, after) = keepalives_around(|client| async move {
        client.close().await.expect("closes");
    })
    .await;
    assert!(
        before >= 2,
        "{before} keep-alives while the client was open"
    );
    assert_eq!(after, 0, "keep-alives after the client was closed");
}
