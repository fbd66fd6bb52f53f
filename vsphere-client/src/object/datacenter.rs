//! [`Datacenter`]: a datacenter and its top-level folders.

use super::Folder;
use super::handle::managed_entity;
use crate::Error;
use crate::types::ManagedObjectReference;

managed_entity! {
    /// A datacenter: the container of hosts, VMs, datastores and networks, each kind in its
    /// own top-level folder.
    Datacenter
}

impl Datacenter {
    /// The folder of the datacenter's VMs and templates (`vmFolder`).
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn vm_folder(&self) -> Result<Folder, Error> {
        self.folder("vmFolder").await
    }

    /// The folder of the datacenter's hosts and clusters (`hostFolder`).
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn host_folder(&self) -> Result<Folder, Error> {
        self.folder("hostFolder").await
    }

    /// The folder of the datacenter's datastores (`datastoreFolder`).
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn datastore_folder(&self) -> Result<Folder, Error> {
        self.folder("datastoreFolder").await
    }

    async fn folder(&self, path: &str) -> Result<Folder, Error> {
        let moref: ManagedObjectReference = self.properties(&[path]).await?.require(path)?;
        Ok(Folder::new(self.client.clone(), moref))
    }
}
