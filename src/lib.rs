//! vmrotate: clone-based VM backup rotation for VMware vSphere.
//!
//! The library behind the `vmrotate` command and its Python and PowerShell bindings: it
//! connects to vCenter ([`ConnectOptions`]), runs backup jobs ([`JobConfig`]) whose decisions
//! come from [`rotation_core`] ([`backup()`], [`backup_all`]), lists the backups
//! ([`list_backups`]) and restores them ([`restore()`]).
//!
//! ```no_run
//! use vmrotate::{ConnectOptions, JobConfig, RunOptions};
//!
//! # async fn demo() -> Result<(), vmrotate::Error> {
//! let client = ConnectOptions::from_env()?.connect().await?;
//! let job = JobConfig::new("avocado2", vec!["NFS_durian".into(), "NFS_mango".into()]);
//! let run = vmrotate::backup_all(&client, &[job], &RunOptions::default(), None).await;
//! println!("{}", serde_json::to_string_pretty(&run).expect("reports serialize"));
//! # Ok(())
//! # }
//! ```

mod backup;
mod bytes;
mod config;
mod connect;
mod error;
mod events;
mod find;
mod http;
mod job;
mod list;
pub mod metrics;
pub mod notify;
mod prune;
mod recover;
mod report;
mod restore;
mod stop;
mod verify;

pub use backup::backup_all;
pub use bytes::Bytes;
pub use config::{
    CloneKind, DEFAULT_PREFIX, DEFAULT_SLOTS, HostPlacement, IndependentDisks, JobConfig, Mode,
    Quiesce, RetentionConfig, SETTINGS, StampZone, Timeouts, VerifyMode, VmMatch, default_stamp,
    spell_settings, validate_jobs,
};
pub use connect::ConnectOptions;
pub use error::{Error, ErrorKind};
pub use events::{Event, EventSink};
pub use find::find_vms;
pub use job::{
    BootResult, CloneMarker, ClonePolicy, PowerState, RetentionCloneName, RunOptions, STOP_WAIT,
    Verification, VerificationLevel, VerificationState, backup, unlock,
};
pub use list::{Anomaly, Generation, VmBackups, list_backups};
pub use prune::prune;
pub use recover::{
    Answer, Evidence, FoundGeneration, FoundState, RecoverReport, RecoverRequest,
    find_generations_on, recover,
};
pub use report::{ErrorReport, Report, RunReport, Settlement, UnverifiedClone};
pub use restore::{RestoreReport, RestoreRequest, restore};
pub use rotation_core;
pub use stop::{Stop, StopReason};
pub use verify::{VerifyOutcome, VerifyRequest, verify};
pub use vsphere_client;
