//! [`ContainerView`]: a server-side list of the objects in a container.

use super::handle::managed_object;
use crate::Error;
use crate::types::DestroyViewRequest;

managed_object! {
    /// A view made by [`ViewManager::create_container_view`](super::ViewManager::create_container_view).
    ///
    /// Its `view` property lists the objects; a property collector reaches them with a
    /// traversal over `view` (see [`crate::property::ViewQuery`], which also destroys the view).
    /// Views live until destroyed or until the session ends: destroy them, as leaked views use
    /// the server's memory.
    ContainerView
}

impl ContainerView {
    /// `DestroyView`: removes the view from the server.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn destroy(self) -> Result<(), Error> {
        let request = DestroyViewRequest { this: self.moref };
        self.client.call(request).await
    }
}
