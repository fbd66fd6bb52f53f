//! The keep-alive: a background task that sends `CurrentTime` when the client was idle for
//! the keep-alive period, so the server does not end the session for idleness.

use std::sync::Weak;
use std::time::Duration;

use tokio::task::AbortHandle;

use super::{Client, Inner, service_instance};
use crate::types::CurrentTimeRequest;

/// Stops the keep-alive task when dropped, i.e. when the last clone of the client is.
#[derive(Debug)]
pub(super) struct KeepAlive(AbortHandle);

impl Drop for KeepAlive {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Spawns the keep-alive task of `client`. It holds the client weakly: it ends when the last
/// clone is dropped, or at its next wake-up after the client is closed.
pub(super) fn start(client: &Client, period: Duration) -> KeepAlive {
    let weak = std::sync::Arc::downgrade(&client.inner);
    KeepAlive(tokio::spawn(run(weak, period)).abort_handle())
}

async fn run(client: Weak<Inner>, period: Duration) {
    let mut wait = period;
    loop {
        tokio::time::sleep(wait).await;
        let Some(inner) = client.upgrade() else {
            return;
        };
        let client = Client { inner };
        if client.inner.session.is_closed() {
            return;
        }
        let idle = client.connection().idle_for();
        wait = period.saturating_sub(idle);
        if !wait.is_zero() {
            continue;
        }
        wait = period;
        if client.session_cookie().is_none() {
            continue;
        }
        log::debug!("keep-alive: no call for {idle:?}; sending CurrentTime");
        let ping = CurrentTimeRequest {
            this: service_instance(),
        };
        if let Err(error) = client.call(ping).await {
            log::warn!("keep-alive: CurrentTime failed: {error}");
        }
    }
}
