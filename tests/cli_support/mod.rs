//! The lab the CLI tests run the real `vmrotate` binary in: VMware's vCenter simulator with the
//! article's setup (VM `avocado2`, two hosts, datastores `NFS_durian` and `NFS_mango`), the
//! connection in `VMROTATE_*` variables, and an inventory read with vsphere-client, independent
//! of what vmrotate reports.
//!
//! Each `tests/cli_*.rs` binary includes this module and uses a part of it.
#![allow(dead_code)]

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;
use vcsim::{Simulator, SimulatorBuilder};
use vmrotate::vsphere_client::property::ViewQuery;
use vmrotate::vsphere_client::{Client, ClientConfig, Password};

/// The VM the article backs up.
pub const VM: &str = "avocado2";
/// The backup datastores, alternated by the jobs.
pub const DATASTORES: [&str; 2] = ["NFS_durian", "NFS_mango"];
/// `--datastore NFS_durian --datastore NFS_mango`.
pub const ONTO_BOTH: [&str; 4] = ["--datastore", "NFS_durian", "--datastore", "NFS_mango"];

/// When the lab's first backup run counts as taken: the article's first run.
const FIRST_RUN: &str = "2019-09-22T02:41:00Z";

/// A running simulator, a directory holding its password file, and the number of backup runs
/// so far (each counts as taken a day after the one before, so their stamps differ).
pub struct Lab {
    pub simulator: Simulator,
    dir: TempDir,
    runs: Cell<i64>,
}

impl Lab {
    /// The article's setup.
    pub fn start() -> Self {
        Self::with(Simulator::builder())
    }

    /// The article's setup on top of `builder` (for delays, more VMs, TLS).
    pub fn with(builder: SimulatorBuilder) -> Self {
        let simulator = builder
            .hosts(2)
            .vm_name(VM)
            .nfs(DATASTORES)
            .start()
            .expect("the simulator starts");
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("password"), simulator.password())
            .expect("the password file is written");
        Self {
            simulator,
            dir,
            runs: Cell::new(0),
        }
    }

    /// A scratch directory for files a test writes.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The file holding the simulator's password.
    pub fn password_file(&self) -> PathBuf {
        self.dir.path().join("password")
    }

    /// `vmrotate <args>` with the connection in `VMROTATE_*` variables and nothing else from
    /// this process's `VMROTATE_*` environment.
    pub fn command(&self, args: &[impl AsRef<OsStr>]) -> Command {
        self.wrapped(env!("CARGO_BIN_EXE_vmrotate"), args)
    }

    /// `program <args>`, e.g. a wrapper that runs vmrotate, with the environment of
    /// [`command`](Self::command).
    pub fn wrapped(&self, program: &str, args: &[impl AsRef<OsStr>]) -> Command {
        let mut command = clean_command(program, args);
        command
            .env("VMROTATE_URL", self.simulator.url())
            .env("VMROTATE_USERNAME", self.simulator.username())
            .env("VMROTATE_PASSWORD_FILE", self.password_file());
        command
    }

    /// `vmrotate <args>` without any connection setting.
    pub fn bare_command(&self, args: &[impl AsRef<OsStr>]) -> Command {
        clean_command(env!("CARGO_BIN_EXE_vmrotate"), args)
    }

    /// Runs `vmrotate <args>` to its end.
    pub fn run(&self, args: &[impl AsRef<OsStr> + fmt::Debug]) -> Output {
        self.command(args).output().expect("vmrotate runs")
    }

    /// Runs `vmrotate <args>` and checks that it succeeded.
    pub fn succeed(&self, args: &[impl AsRef<OsStr> + fmt::Debug]) -> Output {
        let output = self.run(args);
        assert!(output.status.success(), "{args:?}: {}", describe(&output));
        output
    }

    /// The time the next backup run counts as taken at (`--at`): a day after the last one.
    pub fn next_at(&self) -> String {
        let runs = self.runs.replace(self.runs.get() + 1);
        let first: jiff::Timestamp = FIRST_RUN.parse().expect("a timestamp");
        (first + jiff::SignedDuration::from_hours(24 * runs)).to_string()
    }

    /// The arguments of `vmrotate backup avocado2` onto both datastores at [`next_at`].
    pub fn backup_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args = vec!["backup", VM];
        args.extend(ONTO_BOTH);
        args.extend(extra);
        let mut args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        args.extend(["--at".to_owned(), self.next_at()]);
        args
    }

    /// `vmrotate backup avocado2` onto both datastores, which must succeed.
    pub fn backup(&self, extra: &[&str]) -> Output {
        self.succeed(&self.backup_args(extra))
    }

    /// The slot generations `vmrotate list --json` shows for `vm`: (name, slot, datastore);
    /// retention clones (slot `null`) are left out.
    pub fn generations(&self, vm: &str) -> Vec<(String, u64, String)> {
        let list = json(&self.succeed(&["list", vm, "--json"]));
        let entry = list
            .as_array()
            .expect("list --json is an array")
            .iter()
            .find(|entry| entry["vm"] == vm);
        let Some(entry) = entry else {
            return Vec::new();
        };
        let mut generations: Vec<_> = entry["generations"]
            .as_array()
            .expect("generations is an array")
            .iter()
            .filter(|generation| !generation["slot"].is_null())
            .map(|generation| {
                (
                    generation["name"].as_str().expect("a name").to_owned(),
                    generation["slot"].as_u64().expect("a slot"),
                    generation["datastore"]
                        .as_str()
                        .expect("a datastore")
                        .to_owned(),
                )
            })
            .collect();
        generations.sort_by_key(|(_, slot, _)| *slot);
        generations
    }

    /// Starts `vmrotate <args>` and returns once the VM has a snapshot (the run holds its
    /// lock and has asked for its clone) and `settle` has passed.
    pub fn spawn_once_locked(
        &self,
        args: &[String],
        settle: std::time::Duration,
    ) -> std::process::Child {
        use std::time::{Duration, Instant};
        let mut child = self
            .command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("vmrotate starts");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.inventory().has_snapshot(VM) {
            assert!(Instant::now() < deadline, "the run never took its snapshot");
            assert!(
                child.try_wait().expect("waitable").is_none(),
                "the run ended early"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(settle);
        child
    }

    /// Every VM, with whether it has snapshots, and every folder, read with vsphere-client.
    pub fn inventory(&self) -> Inventory {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let mut config = ClientConfig::new(self.simulator.url().parse().expect("a URL"));
            config.keepalive = None;
            config.transport.proxy = vmrotate::vsphere_client::transport::ProxyPolicy::Direct;
            let client = Client::connect(config).await.expect("connects");
            client
                .login(
                    self.simulator.username(),
                    &Password::from(self.simulator.password()),
                )
                .await
                .expect("logs in");
            let inventory = read_inventory(&client).await;
            let _ = client.close().await;
            inventory
        })
    }
}

/// `program <args>` without this process's `VMROTATE_*` variables, and with no proxy for the
/// simulator.
fn clean_command(program: &str, args: &[impl AsRef<OsStr>]) -> Command {
    let mut command = Command::new(program);
    command.args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("VMROTATE_") {
            command.env_remove(name);
        }
    }
    command.env("NO_PROXY", "127.0.0.1,localhost");
    command
}

/// What the tests compare before and after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// VM name -> whether it has at least one snapshot.
    pub vms: BTreeMap<String, bool>,
    /// Folder names.
    pub folders: BTreeSet<String>,
}

impl Inventory {
    /// Whether `vm` has a snapshot; panics if there is no such VM.
    pub fn has_snapshot(&self, vm: &str) -> bool {
        *self
            .vms
            .get(vm)
            .unwrap_or_else(|| panic!("no VM {vm} in {self:?}"))
    }

    /// The names of the VMs starting with `prefix`.
    pub fn vms_starting_with(&self, prefix: &str) -> Vec<String> {
        self.vms
            .keys()
            .filter(|name| name.starts_with(prefix))
            .cloned()
            .collect()
    }
}

async fn read_inventory(client: &Client) -> Inventory {
    let root = client.service_content().root_folder.clone();
    let objects = ViewQuery::new(root, "VirtualMachine", &["name", "snapshot"])
        .and_type("Folder", &["name"])
        .retrieve(client)
        .await
        .expect("the inventory is read");
    let mut inventory = Inventory {
        vms: BTreeMap::new(),
        folders: BTreeSet::new(),
    };
    for object in &objects {
        let name = object.name().expect("a name").to_owned();
        if object.obj.r#type == "VirtualMachine" {
            let has_snapshot = object.value("snapshot").expect("readable").is_some();
            inventory.vms.insert(name, has_snapshot);
        } else {
            inventory.folders.insert(name);
        }
    }
    inventory
}

/// Standard output as JSON.
pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("stdout is not JSON ({error}): {}", describe(output)))
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// Exit status, stdout and stderr, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Checks the bad-input contract: exit code 2 and one `error: ` line on stderr containing
/// `expected`.
pub fn assert_bad_input(output: &Output, expected: &str) {
    assert_one_error(output, 2, expected);
}

/// Standard error without the `warning: ` lines (the simulator's plain-HTTP URL gets one).
pub fn errors(output: &Output) -> String {
    stderr(output)
        .lines()
        .filter(|line| !line.starts_with("warning: "))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Checks a failure: exit code `code` and one `error: ` line on stderr containing `expected`
/// (besides `warning: ` lines).
pub fn assert_one_error(output: &Output, code: i32, expected: &str) {
    assert_eq!(output.status.code(), Some(code), "{}", describe(output));
    let stderr = errors(output);
    assert_eq!(stderr.lines().count(), 1, "{}", describe(output));
    assert!(
        stderr.starts_with("error: ") && stderr.contains(expected),
        "expected {expected:?}: {}",
        describe(output)
    );
}
