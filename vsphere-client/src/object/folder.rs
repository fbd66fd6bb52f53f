//! [`Folder`]: an inventory folder.

use super::handle::managed_entity;
use super::{HostSystem, ResourcePool, SearchIndex};
use crate::task::Task;
use crate::types::{
    CreateFolderRequest, ManagedObjectReference, MoveIntoFolderTaskRequest, RegisterVMTaskRequest,
    encode_entity_name,
};
use crate::{Client, Error};

managed_entity! {
    /// An inventory folder: the root folder, a datacenter's `vm`/`host`/`datastore`/`network`
    /// folders, or one made with [`create_folder`](Folder::create_folder).
    Folder
}

impl Folder {
    /// The root folder of the inventory.
    pub fn root(client: &Client) -> Self {
        let moref = client.service_content().root_folder.clone();
        Self::new(client.clone(), moref)
    }

    /// `CreateFolder`: a new subfolder named `name` (escaped for the server, so it may contain
    /// `/`).
    ///
    /// # Errors
    /// The call's [`Error`]; a `DuplicateName` fault when this folder already has a child of
    /// that name.
    pub async fn create_folder(&self, name: &str) -> Result<Folder, Error> {
        let request = CreateFolderRequest {
            this: self.moref.clone(),
            name: encode_entity_name(name).into_owned(),
        };
        let moref = self.client.call(request).await?;
        Ok(Folder::new(self.client.clone(), moref))
    }

    /// The direct child named `name`, through [`SearchIndex::find_child`]; `None` when there
    /// is none.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the server has no search index, and the call's [`Error`].
    pub async fn find_child(&self, name: &str) -> Result<Option<ManagedObjectReference>, Error> {
        SearchIndex::of(&self.client)?
            .find_child(&self.moref, name)
            .await
    }

    /// `MoveIntoFolder_Task`: moves `entities` (VMs, folders... of the kinds this folder
    /// holds) into this folder.
    ///
    /// # Errors
    /// The call's [`Error`]; the task fails with e.g. `NotSupported` when this folder cannot
    /// hold such entities, or `DuplicateName`.
    pub async fn move_into<I>(&self, entities: I) -> Result<Task, Error>
    where
        I: IntoIterator<Item = ManagedObjectReference>,
    {
        let request = MoveIntoFolderTaskRequest {
            this: self.moref.clone(),
            list: entities.into_iter().collect(),
        };
        Task::started(&self.client, request).await
    }

    /// `RegisterVM_Task`: adds the VM whose configuration file is `vmx_path` (a datastore path
    /// such as `[datastore1] web01/web01.vmx`) to the inventory in this folder, in `pool`, on
    /// `host` (needed when the pool's cluster cannot pick one). `name` (escaped for the server)
    /// defaults to the one in the file. The task's result is the new VM.
    ///
    /// # Errors
    /// The call's [`Error`]; the task fails with e.g. `AlreadyExists` when the VM is
    /// registered already, or `NotFound` for a missing file.
    pub async fn register_vm(
        &self,
        vmx_path: &str,
        name: Option<&str>,
        pool: &ResourcePool,
        host: Option<&HostSystem>,
    ) -> Result<Task, Error> {
        let request = RegisterVMTaskRequest {
            this: self.moref.clone(),
            path: vmx_path.to_owned(),
            name: name.map(|name| encode_entity_name(name).into_owned()),
            as_template: false,
            pool: Some(pool.moref().clone()),
            host: host.map(|host| host.moref().clone()),
        };
        Task::started(&self.client, request).await
    }
}
