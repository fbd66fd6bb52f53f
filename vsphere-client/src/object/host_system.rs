//! [`HostSystem`]: an ESXi host.

use super::handle::managed_entity;
use crate::Error;
use crate::types::ManagedObjectReference;

managed_entity! {
    /// An ESXi host.
    HostSystem
}

impl HostSystem {
    /// The datastores the host has mounted.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn datastores(&self) -> Result<Vec<ManagedObjectReference>, Error> {
        Ok(self
            .properties(&["datastore"])
            .await?
            .get("datastore")?
            .unwrap_or_default())
    }
}
