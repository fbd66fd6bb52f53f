//! Finding VMs by name, e.g. to choose which to back up.

use vsphere_client::Client;

use crate::error::Error;
use crate::job::inventory::Inventory;

/// The names of every VM, or of those whose name starts with `prefix`, sorted, read in a
/// constant number of round trips (the inventory a backup run reads).
///
/// ```no_run
/// # async fn demo(client: &vmrotate::vsphere_client::Client) -> Result<(), vmrotate::Error> {
/// for name in vmrotate::find_vms(client, Some("web")).await? {
///     println!("{name}");
/// }
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// The calls' [`Error::Vsphere`].
pub async fn find_vms(client: &Client, prefix: Option<&str>) -> Result<Vec<String>, Error> {
    let inventory = Inventory::read(client).await?;
    let mut names: Vec<String> = inventory
        .vms
        .into_iter()
        .map(|vm| vm.name)
        .filter(|name| prefix.is_none_or(|prefix| name.starts_with(prefix)))
        .collect();
    names.sort();
    Ok(names)
}
