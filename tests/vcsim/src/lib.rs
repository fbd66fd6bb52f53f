//! VMware's vCenter simulator (govmomi's `simulator` package) as a test peer for vmrotate.
//!
//! [`Simulator::builder`] configures an inventory, [`SimulatorBuilder::start`] runs the Go launcher
//! (package `tests/vcsim/launcher`) on a free loopback port and waits until it serves, and dropping
//! the [`Simulator`] stops it. [`TestCert`] makes a certificate for serving HTTPS.
//!
//! The launcher comes from `$VCSIM_BIN` if set (used as is), else `scripts/build-vcsim.sh` builds it
//! into `target/vcsim/vcsim` when missing or older than one of its `.go` files (Debian packages
//! `golang-go` and `golang-github-vmware-govmomi-dev`, see `scripts/install-deps.sh`). Its
//! command-line flags are the interface non-Rust tests use; run it with `-h` for the list.
//!
//! ```no_run
//! let dir = tempfile::tempdir()?;
//! let cert = vcsim::TestCert::generate(dir.path())?;
//! let simulator = vcsim::Simulator::builder()
//!     .hosts(2)
//!     .vm_name("avocado2")
//!     .nfs(["NFS_durian", "NFS_mango"])
//!     .tls(&cert)
//!     .start()?;
//! assert!(simulator.url().starts_with("https://127.0.0.1:"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod builder;
mod cert;
mod error;
mod launcher;
mod simulator;

pub use builder::SimulatorBuilder;
pub use cert::TestCert;
pub use error::Error;
pub use simulator::Simulator;
