//! Simulators shared by the tests, and clients connected to them.

use std::sync::OnceLock;
use std::time::Duration;

use vcsim::Simulator;
use vsphere_client::{Client, ClientConfig, Password};

/// The password the simulators accept: a value to look for in error messages and `Debug`.
pub const PASSWORD: &str = "S3cret!";

/// How long the expiring simulator keeps an idle session.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(1);

/// Long enough for the expiring simulator to end an idle session: it checks every
/// [`IDLE_TIMEOUT`], so a session dies between one and two timeouts after its last call.
pub const PAST_IDLE_TIMEOUT: Duration = Duration::from_millis(2500);

/// A simulator whose sessions never expire, shared by the tests.
pub fn simulator() -> &'static Simulator {
    static SIMULATOR: OnceLock<Simulator> = OnceLock::new();
    SIMULATOR.get_or_init(|| start(Simulator::builder()))
}

/// A simulator that ends sessions idle for [`IDLE_TIMEOUT`], shared by the tests.
pub fn expiring_simulator() -> &'static Simulator {
    static SIMULATOR: OnceLock<Simulator> = OnceLock::new();
    SIMULATOR.get_or_init(|| start(Simulator::builder().session_idle_timeout(IDLE_TIMEOUT)))
}

/// Starts a simulator that accepts [`PASSWORD`].
pub fn start(builder: vcsim::SimulatorBuilder) -> Simulator {
    builder
        .password(PASSWORD)
        .start()
        .expect("the simulator starts")
}

/// The configuration for `simulator`, without keep-alive.
pub fn config(simulator: &Simulator) -> ClientConfig {
    let mut config = ClientConfig::new(simulator.url().parse().expect("the simulator's URL"));
    config.keepalive = None;
    config
}

/// A client connected to `simulator`, not logged in.
pub async fn connect(simulator: &Simulator) -> Client {
    Client::connect(config(simulator))
        .await
        .expect("connects to the simulator")
}

/// A client logged in to `simulator`.
pub async fn logged_in(simulator: &Simulator) -> Client {
    let client = connect(simulator).await;
    client
        .login(simulator.username(), &password())
        .await
        .expect("logs in");
    client
}

pub fn password() -> Password {
    Password::from(PASSWORD)
}
