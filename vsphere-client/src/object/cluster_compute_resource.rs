//! [`ClusterComputeResource`]: a cluster of ESXi hosts sharing a root resource pool.

use super::handle::managed_entity;
use super::{HostSystem, ResourcePool};
use crate::Error;
use crate::types::ManagedObjectReference;

managed_entity! {
    /// A cluster of ESXi hosts.
    ClusterComputeResource
}

impl ClusterComputeResource {
    /// The cluster's hosts.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn hosts(&self) -> Result<Vec<HostSystem>, Error> {
        let hosts: Vec<ManagedObjectReference> = self
            .properties(&["host"])
            .await?
            .get("host")?
            .unwrap_or_default();
        Ok(hosts
            .into_iter()
            .map(|host| HostSystem::new(self.client.clone(), host))
            .collect())
    }

    /// The cluster's root resource pool, where its VMs run unless placed in a child pool.
    ///
    /// # Errors
    /// The call's [`Error`]; [`Error::NotFound`] when the server reports no pool.
    pub async fn resource_pool(&self) -> Result<ResourcePool, Error> {
        let pool: Option<ManagedObjectReference> = self
            .properties(&["resourcePool"])
            .await?
            .get("resourcePool")?;
        let pool = pool.ok_or_else(|| Error::NotFound {
            what: format!("the resource pool of cluster {}", self.moref),
        })?;
        Ok(ResourcePool::new(self.client.clone(), pool))
    }
}
