//! [`ServiceInstance`]: the root object of a server.

use jiff::Timestamp;

use super::handle::managed_object;
use crate::client::service_instance;
use crate::types::CurrentTimeRequest;
use crate::{Client, Error};

managed_object! {
    /// The server's root object, `ServiceInstance`.
    ///
    /// ```no_run
    /// use vsphere_client::object::ServiceInstance;
    /// # async fn demo(client: vsphere_client::Client) -> Result<(), vsphere_client::Error> {
    /// let now = ServiceInstance::of(&client).current_time().await?;
    /// println!("the server's clock says {now}");
    /// # Ok(())
    /// # }
    /// ```
    ServiceInstance
}

impl ServiceInstance {
    /// The service instance of `client`'s server (`ServiceInstance:ServiceInstance` on every
    /// server).
    pub fn of(client: &Client) -> Self {
        Self::new(client.clone(), service_instance())
    }

    /// `CurrentTime`: the server's clock. Also a cheap way to check that the session is alive.
    ///
    /// # Errors
    /// The errors of [`Client::call`].
    pub async fn current_time(&self) -> Result<Timestamp, Error> {
        let request = CurrentTimeRequest {
            this: self.moref.clone(),
        };
        self.client.call(request).await
    }
}
