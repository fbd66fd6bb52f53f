//! A simulator per test, a client, jobs, and the inventory as vsphere-client lists it: the
//! tests check what vCenter holds, never the job's own report alone.

use std::time::Duration;

use jiff::Timestamp;
use vcsim::{Simulator, SimulatorBuilder};
use vmrotate::vsphere_client::object::{
    CloneSpec, Folder, SearchIndex, VirtualMachine, VirtualMachineSnapshot,
};
use vmrotate::vsphere_client::property::ViewQuery;
use vmrotate::vsphere_client::transport::ProxyPolicy;
use vmrotate::vsphere_client::types::{
    AnyOptionValue, ManagedObjectReference, VirtualMachinePowerState, VirtualMachineSnapshotInfo,
    VirtualMachineSnapshotTree,
};
use vmrotate::vsphere_client::{Client, ClientConfig, Password};
use vmrotate::{JobConfig, Report, RunOptions, StampZone};

/// The VM the tests back up.
pub const SOURCE: &str = "avocado2";
/// The two NFS datastores, mounted on both hosts.
pub const DURIAN: &str = "NFS_durian";
pub const MANGO: &str = "NFS_mango";
/// Long enough for any simulator task.
pub const TASK_TIMEOUT: Duration = Duration::from_secs(60);

/// The simulator most tests use: two hosts, `avocado2`, two NFS datastores.
pub fn simulator() -> SimulatorBuilder {
    Simulator::builder()
        .hosts(2)
        .vm_name(SOURCE)
        .nfs([DURIAN, MANGO])
}

/// Starts `builder`'s simulator.
pub fn start(builder: SimulatorBuilder) -> Simulator {
    builder.start().expect("the simulator starts")
}

/// A client logged in to `simulator`, without proxy or keep-alive.
pub async fn login(simulator: &Simulator) -> Client {
    login_with(simulator, |_| {}).await
}

/// A client logged in to `simulator`, its configuration changed by `adjust` first.
pub async fn login_with(simulator: &Simulator, adjust: impl FnOnce(&mut ClientConfig)) -> Client {
    let mut config = ClientConfig::new(simulator.url().parse().expect("the simulator's URL"));
    config.transport.proxy = ProxyPolicy::Direct;
    config.keepalive = None;
    adjust(&mut config);
    let client = Client::connect(config).await.expect("connect");
    client
        .login(simulator.username(), &Password::from(simulator.password()))
        .await
        .expect("login");
    client
}

/// A job backing up `avocado2` onto both NFS datastores with `slots`, stamped in UTC.
pub fn job(slots: u8) -> JobConfig {
    let mut job = JobConfig::new(SOURCE, vec![DURIAN.into(), MANGO.into()]);
    job.slots = slots;
    job.stamp_zone = StampZone::Utc;
    job
}

/// The run of day `day` of September 2019, at 02:41 UTC (the article's time).
pub fn day(day: u8) -> Timestamp {
    format!("2019-09-{day:02}T02:41:00Z")
        .parse()
        .expect("a valid day")
}

/// Run options for a run taken on `day`.
pub fn on(day: u8) -> RunOptions {
    RunOptions {
        at: Some(self::day(day)),
        ..RunOptions::default()
    }
}

/// Runs `job` on `day` and checks that it succeeded.
pub async fn backup_ok(client: &Client, job: &JobConfig, day: u8) -> Report {
    let report = vmrotate::backup(client, job, &on(day), None).await;
    assert!(report.ok, "the run of day {day} failed: {:?}", report.error);
    report
}

/// The clone name of slot `slot` taken on `day`.
pub fn clone_name(slot: u8, day: u8) -> String {
    format!("zz_{SOURCE}-{slot:02}-201909{day:02}0241")
}

/// One VM as the inventory shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Vm {
    pub name: String,
    pub moref: ManagedObjectReference,
    pub datastores: Vec<String>,
    pub folder: String,
    pub host: String,
    pub powered_on: bool,
    /// Names of its snapshots, depth first.
    pub snapshots: Vec<String>,
    /// Its `vmrotate.*` extraConfig entries, `key=value`, sorted.
    pub marker: Vec<String>,
}

/// Every VM, with its placement, power, snapshots and marker, sorted by name; read with
/// vsphere-client, independently of the job.
pub async fn inventory(client: &Client) -> Vec<Vm> {
    let root = client.service_content().root_folder.clone();
    let objects = ViewQuery::new(
        root,
        "VirtualMachine",
        &[
            "name",
            "datastore",
            "parent",
            "runtime.host",
            "runtime.powerState",
            "snapshot",
            "config.extraConfig",
        ],
    )
    .and_type("Datastore", &["name"])
    .and_type("HostSystem", &["name"])
    .and_type("Folder", &["name"])
    .retrieve(client)
    .await
    .expect("the inventory");
    let name_of = |moref: &ManagedObjectReference| {
        objects
            .iter()
            .find(|props| props.obj == *moref)
            .and_then(|props| props.name().ok())
            .unwrap_or(&moref.value)
            .to_owned()
    };
    let mut vms: Vec<Vm> = objects
        .iter()
        .filter(|props| props.obj.r#type == "VirtualMachine")
        .map(|props| {
            let datastores: Vec<ManagedObjectReference> =
                props.get("datastore").unwrap().unwrap_or_default();
            let parent: ManagedObjectReference = props.require("parent").unwrap();
            let host: ManagedObjectReference = props.require("runtime.host").unwrap();
            let power: VirtualMachinePowerState = props.require("runtime.powerState").unwrap();
            let snapshots: Option<VirtualMachineSnapshotInfo> = props.get("snapshot").unwrap();
            let extra: Vec<AnyOptionValue> =
                props.get("config.extraConfig").unwrap().unwrap_or_default();
            let mut marker: Vec<String> = extra
                .into_iter()
                .filter_map(|entry| match entry {
                    AnyOptionValue::OptionValue(option) if option.key.starts_with("vmrotate.") => {
                        let value = option
                            .value
                            .and_then(|value| value.as_str().map(str::to_owned));
                        Some(format!("{}={}", option.key, value.unwrap_or_default()))
                    }
                    _ => None,
                })
                .collect();
            marker.sort();
            Vm {
                name: props.name().unwrap().to_owned(),
                moref: props.obj.clone(),
                datastores: datastores.iter().map(name_of).collect(),
                folder: name_of(&parent),
                host: name_of(&host),
                powered_on: power == VirtualMachinePowerState::PoweredOn,
                snapshots: snapshot_names(snapshots.as_ref()),
                marker,
            }
        })
        .collect();
    vms.sort_by(|a, b| a.name.cmp(&b.name));
    vms
}

fn snapshot_names(info: Option<&VirtualMachineSnapshotInfo>) -> Vec<String> {
    fn walk(trees: &[VirtualMachineSnapshotTree], names: &mut Vec<String>) {
        for tree in trees {
            names.push(tree.name.clone());
            walk(&tree.child_snapshot_list, names);
        }
    }
    let mut names = Vec::new();
    walk(
        info.map_or(&[], |info| &info.root_snapshot_list),
        &mut names,
    );
    names
}

/// The VM named `name`, which must exist.
pub async fn vm(client: &Client, name: &str) -> Vm {
    find_vm(client, name)
        .await
        .unwrap_or_else(|| panic!("no VM named {name}"))
}

/// The VM named `name`, if any.
pub async fn find_vm(client: &Client, name: &str) -> Option<Vm> {
    inventory(client)
        .await
        .into_iter()
        .find(|vm| vm.name == name)
}

/// The names of the clones of `avocado2` (names starting with `zz_avocado2-`), sorted.
pub async fn clones(client: &Client) -> Vec<String> {
    inventory(client)
        .await
        .into_iter()
        .map(|vm| vm.name)
        .filter(|name| name.starts_with("zz_avocado2-"))
        .collect()
}

/// The snapshot names on `avocado2`.
pub async fn source_snapshots(client: &Client) -> Vec<String> {
    vm(client, SOURCE).await.snapshots
}

/// The reference of the entity at `DC0/<segments>`.
pub async fn find(client: &Client, segments: &[&str]) -> Option<ManagedObjectReference> {
    let path: Vec<&str> = std::iter::once("DC0")
        .chain(segments.iter().copied())
        .collect();
    SearchIndex::of(client)
        .unwrap()
        .find_by_inventory_path(&path)
        .await
        .unwrap()
}

/// A handle on the VM named `name` in the datacenter's VM folder or the backup folder.
pub async fn handle(client: &Client, name: &str) -> VirtualMachine {
    VirtualMachine::new(client.clone(), vm(client, name).await.moref)
}

/// Clones `avocado2` as `name` into the VM folder, without any vmrotate marker: what the
/// original script, or a person, makes.
pub async fn unmarked_clone(client: &Client, name: &str) {
    let folder = Folder::new(client.clone(), find(client, &["vm"]).await.unwrap());
    handle(client, SOURCE)
        .await
        .clone_vm(&folder, name, CloneSpec::new())
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();
}

/// Takes a snapshot of `avocado2` named `name` with `description`, as a user would.
pub async fn user_snapshot(
    client: &Client,
    name: &str,
    description: &str,
) -> VirtualMachineSnapshot {
    let result = handle(client, SOURCE)
        .await
        .create_snapshot(name, description, false, false)
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();
    VirtualMachineSnapshot::new(client.clone(), result.into_typed().unwrap())
}

/// Powers the VM named `name` on or off.
pub async fn set_power(client: &Client, name: &str, on: bool) {
    let vm = handle(client, name).await;
    let task = if on {
        vm.power_on(None).await
    } else {
        vm.power_off().await
    };
    task.unwrap().wait(TASK_TIMEOUT, |_| {}).await.unwrap();
}

/// Takes a snapshot of `avocado2` as a vmrotate run on `host` with process `pid` would, with
/// the documented JSON marker and a time limit of `stale_after_s` seconds; returns its name.
pub async fn foreign_lock(client: &Client, host: &str, pid: u32, stale_after_s: u64) -> String {
    let run = format!("{host}-{pid}");
    let name = format!("vmrotate-run {run}");
    let description = serde_json::json!({
        "vmrotate": {
            "run": run,
            "host": host,
            "pid": pid,
            "started": "2019-09-01T02:41:00Z",
            "stale_after_s": stale_after_s,
            "version": "0.1.0",
        }
    });
    user_snapshot(client, &name, &description.to_string()).await;
    name
}
