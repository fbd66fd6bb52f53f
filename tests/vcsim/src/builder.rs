//! The simulator's configuration, turned into the launcher's command-line flags.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::{Error, Simulator, TestCert};

/// Configures a [`Simulator`]; made by [`Simulator::builder`], consumed by [`start`](Self::start).
///
/// The inventory is datacenter `DC0` with one cluster `DC0_C0` of [`hosts`](Self::hosts) ESXi hosts
/// (`DC0_C0_H0`, ...), [`datastores`](Self::datastores) local datastores (`LocalDS_0`, ...) and the
/// [`nfs`](Self::nfs) datastores, all mounted on every host, and [`vms`](Self::vms) powered-on VMs in
/// total (`DC0_C0_RP0_VM0`, ...) in the cluster's root resource pool, spread over the hosts.
///
/// Defaults: user `vmrotate` with password `vmrotate-secret` (the only pair Login accepts), 1 host,
/// 1 VM, 1 local datastore, no NFS datastore, plain HTTP, sessions never expire, no delays, tasks
/// finished before the call that starts them returns (see [`async_task`](Self::async_task)), no
/// trace, and 120 s to start.
///
/// ```
/// use std::time::Duration;
///
/// let builder = vcsim::Simulator::builder()
///     .hosts(2)
///     .vms(1)
///     .vm_name("avocado2")
///     .nfs(["NFS_durian", "NFS_mango"])
///     .async_task("CloneVM_Task", Duration::from_secs(6));
/// assert!(!format!("{builder:?}").contains("vmrotate-secret"));
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until `.start()`"]
pub struct SimulatorBuilder {
    pub(crate) username: String,
    pub(crate) password: String,
    hosts: usize,
    vms: usize,
    datastores: usize,
    nfs: Vec<String>,
    nfs_root: Option<PathBuf>,
    esx: bool,
    vm_name: Option<String>,
    tls: Option<(PathBuf, PathBuf)>,
    session_idle_timeout: Option<Duration>,
    method_delays: BTreeMap<String, Duration>,
    async_tasks: BTreeMap<String, Duration>,
    trace_file: Option<PathBuf>,
    tools_heartbeat_after: Option<Duration>,
    pub(crate) start_timeout: Duration,
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        Self {
            username: "vmrotate".to_owned(),
            password: "vmrotate-secret".to_owned(),
            hosts: 1,
            vms: 1,
            datastores: 1,
            nfs: Vec::new(),
            nfs_root: None,
            esx: false,
            vm_name: None,
            tls: None,
            session_idle_timeout: None,
            method_delays: BTreeMap::new(),
            async_tasks: BTreeMap::new(),
            trace_file: None,
            tools_heartbeat_after: None,
            start_timeout: Duration::from_secs(120),
        }
    }
}

impl SimulatorBuilder {
    /// The only user name Login accepts.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = username.into();
        self
    }

    /// The only password Login accepts (it is passed on the launcher's command line).
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = password.into();
        self
    }

    /// ESXi hosts in cluster `DC0_C0`; at least 1.
    pub fn hosts(mut self, hosts: usize) -> Self {
        self.hosts = hosts;
        self
    }

    /// VMs in total (not per host). 10,000 start in about 10 s on two cores.
    pub fn vms(mut self, vms: usize) -> Self {
        self.vms = vms;
        self
    }

    /// Local datastores `LocalDS_0`, ..., mounted on every host.
    pub fn datastores(mut self, datastores: usize) -> Self {
        self.datastores = datastores;
        self
    }

    /// NFS datastores with these names (no `,` or `/` in a name), mounted on every host.
    pub fn nfs<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.nfs.extend(names.into_iter().map(Into::into));
        self
    }

    /// Keeps the [`nfs`](Self::nfs) datastores' directories below `dir` (created if missing,
    /// kept when the simulator stops) instead of a temporary directory. Two simulators given the
    /// same `dir` and NFS names share those datastores' files, as two hosts mounting the same
    /// NAS export do.
    pub fn nfs_root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.nfs_root = Some(dir.into());
        self
    }

    /// Serves one standalone ESXi host (govmomi's ESX model) instead of a vCenter: datacenter
    /// `ha-datacenter`, host `localhost.localdomain`, no `CloneVM_Task`; [`hosts`](Self::hosts)
    /// and [`vm_name`](Self::vm_name) do not apply (the latter is refused).
    pub fn esx(mut self) -> Self {
        self.esx = true;
        self
    }

    /// Renames the first VM, `DC0_C0_RP0_VM0`, to `name`; needs at least one VM.
    pub fn vm_name(mut self, name: impl Into<String>) -> Self {
        self.vm_name = Some(name.into());
        self
    }

    /// Serves HTTPS with this certificate instead of plain HTTP.
    pub fn tls(mut self, cert: &TestCert) -> Self {
        self.tls = Some((cert.cert_path().to_owned(), cert.key_path().to_owned()));
        self
    }

    /// Expires sessions idle for longer than `timeout` (checked every `timeout`).
    pub fn session_idle_timeout(mut self, timeout: Duration) -> Self {
        self.session_idle_timeout = Some(timeout);
        self
    }

    /// Sleeps `delay` (millisecond resolution) before running each call of `method`, e.g. `CloneVM_Task`.
    pub fn method_delay(mut self, method: impl Into<String>, delay: Duration) -> Self {
        self.method_delays.insert(method.into(), delay);
        self
    }

    /// Makes `method` (a `*_Task` method, e.g. `CloneVM_Task`) behave like a real vCenter's
    /// asynchronous task that takes `duration` (at least 1 ms, millisecond resolution): a test
    /// double, since the simulator itself finishes every task before it answers and has no
    /// `CancelTask`.
    ///
    /// - The call returns at once a task in state `running`, `cancelable`, with `startTime`, the
    ///   entity's name, the [`username`](Self::username) as the reason's user, and a `progress`
    ///   that advances every 500 ms (up to 99). Its `name` is the method (`CloneVM_Task`, as on
    ///   vCenter) and its `descriptionId` the entity's type and the method (`VirtualMachine.cloneVM`;
    ///   vCenter says `VirtualMachine.clone`, the simulator's own clone `VirtualMachine.cloneVm`).
    ///   It is listed in the TaskManager's `recentTask`, and in the entity's while it runs.
    /// - After `duration` the simulator runs the method in a session of its own, so the work is
    ///   done even if the caller has disconnected, been killed or logged out; the task then ends
    ///   `success` with the method's `result` (progress 100), or `error` with its fault
    ///   (`SystemError` if the simulator panics, e.g. on a destination folder destroyed meanwhile).
    /// - `CancelTask` before then ends it in `error` with `RequestCanceled` and `cancelled` true,
    ///   and the method never runs; afterwards `CancelTask` faults `InvalidState`.
    /// - Without a valid session, or on a missing object, the call faults as the simulator does.
    ///
    /// Quirks: the method's synchronous checks and events (e.g. `VmBeingClonedEvent`) happen only
    /// when it runs, at the end; nothing locks what the task reads (removing the source's snapshot
    /// meanwhile is not refused); a [`method_delay`] on the same method adds to the duration.
    ///
    /// [`method_delay`]: Self::method_delay
    pub fn async_task(mut self, method: impl Into<String>, duration: Duration) -> Self {
        self.async_tasks.insert(method.into(), duration);
        self
    }

    /// A test double of VMware Tools (the simulator has none): every VM powered on for `delay`
    /// reports `guest.toolsRunningStatus` `guestToolsRunning` and `guestHeartbeatStatus`
    /// green, and reports them not running and gray again once powered off (polled every
    /// 50 ms). Without it no VM ever reports a heartbeat.
    pub fn tools_heartbeat_after(mut self, delay: Duration) -> Self {
        self.tools_heartbeat_after = Some(delay);
        self
    }

    /// Writes the raw SOAP traffic to `path`; it includes Login passwords in clear.
    pub fn trace_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.trace_file = Some(path.into());
        self
    }

    /// How long [`start`](Self::start) and [`Simulator::restart`] wait for the simulator to serve.
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// Builds the launcher if needed, starts the simulator on a free loopback port and waits until it
    /// serves.
    ///
    /// # Errors
    /// [`Error::Build`] or [`Error::MissingBinary`] without a launcher, [`Error::Exited`] when it
    /// rejects the configuration, [`Error::StartTimeout`] when it takes too long.
    pub fn start(self) -> Result<Simulator, Error> {
        Simulator::start(self)
    }

    /// The launcher's flags for this configuration (all but `-listen`, `-url-file`, `-watch-stdin`).
    pub(crate) fn args(&self) -> Vec<OsString> {
        let mut args = Vec::new();
        let mut flag = |name: &str, value: OsString| {
            args.push(OsString::from(format!("-{name}")));
            args.push(value);
        };
        flag("username", self.username.clone().into());
        flag("password", self.password.clone().into());
        flag("hosts", self.hosts.to_string().into());
        flag("vms", self.vms.to_string().into());
        flag("datastores", self.datastores.to_string().into());
        for name in &self.nfs {
            flag("nfs", name.into());
        }
        if let Some(dir) = &self.nfs_root {
            flag("nfs-root", dir.into());
        }
        if let Some(name) = &self.vm_name {
            flag("vm-name", name.into());
        }
        if let Some((cert, key)) = &self.tls {
            flag("tls-cert", cert.into());
            flag("tls-key", key.into());
        }
        if let Some(timeout) = self.session_idle_timeout {
            flag(
                "session-idle-timeout",
                format!("{}ns", timeout.as_nanos()).into(),
            );
        }
        for (method, delay) in &self.method_delays {
            flag(
                "method-delay",
                format!("{method}={}", delay.as_millis()).into(),
            );
        }
        for (method, duration) in &self.async_tasks {
            flag(
                "async-task",
                format!("{method}={}", duration.as_millis()).into(),
            );
        }
        if let Some(path) = &self.trace_file {
            flag("trace-file", path.into());
        }
        if let Some(delay) = self.tools_heartbeat_after {
            flag(
                "tools-heartbeat-after",
                format!("{}ms", delay.as_millis()).into(),
            );
        }
        if self.esx {
            args.push("-esx".into());
        }
        args
    }
}

impl fmt::Debug for SimulatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorBuilder")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("hosts", &self.hosts)
            .field("vms", &self.vms)
            .field("datastores", &self.datastores)
            .field("nfs", &self.nfs)
            .field("nfs_root", &self.nfs_root)
            .field("esx", &self.esx)
            .field("vm_name", &self.vm_name)
            .field("tls", &self.tls)
            .field("session_idle_timeout", &self.session_idle_timeout)
            .field("method_delays", &self.method_delays)
            .field("async_tasks", &self.async_tasks)
            .field("trace_file", &self.trace_file)
            .field("start_timeout", &self.start_timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(builder: SimulatorBuilder) -> Vec<String> {
        builder
            .args()
            .into_iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn every_option_becomes_a_launcher_flag() {
        let args = args(
            Simulator::builder()
                .username("u")
                .password("p")
                .hosts(3)
                .vms(10_000)
                .datastores(2)
                .nfs(["NFS_durian", "NFS_mango"])
                .vm_name("avocado2")
                .session_idle_timeout(Duration::from_millis(1500))
                .method_delay("Destroy_Task", Duration::from_millis(100))
                .method_delay("CloneVM_Task", Duration::from_secs(3))
                .async_task("CloneVM_Task", Duration::from_millis(6000))
                .trace_file("/tmp/trace"),
        );
        let expected = [
            "-username",
            "u",
            "-password",
            "p",
            "-hosts",
            "3",
            "-vms",
            "10000",
            "-datastores",
            "2",
            "-nfs",
            "NFS_durian",
            "-nfs",
            "NFS_mango",
            "-vm-name",
            "avocado2",
            "-session-idle-timeout",
            "1500000000ns",
            "-method-delay",
            "CloneVM_Task=3000",
            "-method-delay",
            "Destroy_Task=100",
            "-async-task",
            "CloneVM_Task=6000",
            "-trace-file",
            "/tmp/trace",
        ];
        assert_eq!(args, expected);
    }

    #[test]
    fn debug_hides_the_password() {
        let debug = format!("{:?}", Simulator::builder().password("hunter2"));
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
}
