//! [`ViewManager`]: makes views over the inventory.

use super::container_view::ContainerView;
use super::handle::managed_object;
use crate::types::{CreateContainerViewRequest, ManagedObjectReference};
use crate::{Client, Error};

managed_object! {
    /// The view manager of the service.
    ViewManager
}

impl ViewManager {
    /// The service's view manager.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the server has none (its service content lists none).
    pub fn of(client: &Client) -> Result<Self, Error> {
        let moref = client
            .service_content()
            .view_manager
            .clone()
            .ok_or_else(|| Error::NotFound {
                what: "the server's view manager (its service content lists none)".to_owned(),
            })?;
        Ok(Self::new(client.clone(), moref))
    }

    /// `CreateContainerView`: a view of the objects of the given types (all types when empty)
    /// in `container` (a folder, datacenter, compute resource, resource pool or host), and in
    /// its descendants when `recursive`. Destroy it with [`ContainerView::destroy`] when done.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn create_container_view(
        &self,
        container: &ManagedObjectReference,
        types: &[&str],
        recursive: bool,
    ) -> Result<ContainerView, Error> {
        let request = CreateContainerViewRequest {
            this: self.moref.clone(),
            container: container.clone(),
            r#type: types.iter().map(|&name| name.to_owned()).collect(),
            recursive,
        };
        let moref = self.client.call(request).await?;
        Ok(ContainerView::new(self.client.clone(), moref))
    }
}
