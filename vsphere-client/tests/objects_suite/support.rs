//! The shared simulator, a logged-in client, and the inventory objects the tests start from.

use std::sync::OnceLock;
use std::time::Duration;

use vcsim::Simulator;
use vsphere_client::object::{
    CloneSpec, Datacenter, Datastore, Folder, SearchIndex, VirtualMachine,
};
use vsphere_client::transport::ProxyPolicy;
use vsphere_client::types::{ManagedObjectReference, Value};
use vsphere_client::{Client, ClientConfig, Password};

/// The simulator's datacenter.
pub const DATACENTER: &str = "DC0";
/// The simulator's only VM at start, the source of the tests' clones.
pub const SOURCE_VM: &str = "avocado2";
/// The NFS datastore mounted on every host.
pub const NFS: &str = "NFS_durian";
/// Long enough for any simulator task (they finish before the call that starts them returns).
pub const TASK_TIMEOUT: Duration = Duration::from_secs(60);

fn simulator() -> &'static Simulator {
    static SIMULATOR: OnceLock<Simulator> = OnceLock::new();
    SIMULATOR.get_or_init(|| {
        Simulator::builder()
            .hosts(2)
            .vm_name(SOURCE_VM)
            .nfs([NFS])
            .start()
            .expect("the simulator starts")
    })
}

/// A client logged in to the shared simulator.
pub async fn login() -> Client {
    let simulator = simulator();
    let mut config = ClientConfig::new(simulator.url().parse().expect("the simulator's URL"));
    config.transport.proxy = ProxyPolicy::Direct;
    config.keepalive = None;
    let client = Client::connect(config).await.expect("connect");
    client
        .login(simulator.username(), &Password::from(simulator.password()))
        .await
        .expect("login");
    client
}

/// The entity at `DC0/<segments...>`, which must exist.
pub async fn find(client: &Client, segments: &[&str]) -> ManagedObjectReference {
    let path: Vec<&str> = [DATACENTER].iter().chain(segments).copied().collect();
    SearchIndex::of(client)
        .expect("a search index")
        .find_by_inventory_path(&path)
        .await
        .expect("FindByInventoryPath")
        .unwrap_or_else(|| panic!("{path:?} exists"))
}

pub async fn datacenter(client: &Client) -> Datacenter {
    Datacenter::new(client.clone(), find(client, &[]).await)
}

pub async fn vm_folder(client: &Client) -> Folder {
    datacenter(client)
        .await
        .vm_folder()
        .await
        .expect("the vm folder")
}

pub async fn source_vm(client: &Client) -> VirtualMachine {
    VirtualMachine::new(client.clone(), find(client, &["vm", SOURCE_VM]).await)
}

pub async fn nfs_datastore(client: &Client) -> Datastore {
    Datastore::new(client.clone(), find(client, &["datastore", NFS]).await)
}

/// A new subfolder of the vm folder.
pub async fn new_folder(client: &Client, name: &str) -> Folder {
    vm_folder(client)
        .await
        .create_folder(name)
        .await
        .expect("CreateFolder")
}

/// A new, powered-off copy of the source VM named `name`, in `folder`.
pub async fn clone_into(client: &Client, folder: &Folder, name: &str) -> VirtualMachine {
    let task = source_vm(client)
        .await
        .clone_vm(folder, name, CloneSpec::new())
        .await
        .expect("CloneVM_Task");
    let clone = task
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .expect("the clone task succeeds");
    VirtualMachine::new(client.clone(), reference(clone))
}

/// A new, powered-off copy of the source VM named `name`, in the vm folder.
pub async fn fresh_vm(client: &Client, name: &str) -> VirtualMachine {
    clone_into(client, &vm_folder(client).await, name).await
}

/// The managed object reference a task returned.
pub fn reference(result: Value) -> ManagedObjectReference {
    result
        .into_typed()
        .expect("the task's result is a reference")
}
