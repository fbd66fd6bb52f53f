//! [`EventManager`]: the server's event history.

use super::handle::managed_object;
use crate::types::{AnyEvent, EventFilterSpec, QueryEventsRequest};
use crate::{Client, Error};

managed_object! {
    /// The event manager of the service: what happened to which object, and who did it.
    EventManager
}

impl EventManager {
    /// The service's event manager.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the server has none (its service content lists none).
    pub fn of(client: &Client) -> Result<Self, Error> {
        let moref = client
            .service_content()
            .event_manager
            .clone()
            .ok_or_else(|| Error::NotFound {
                what: "the server's event manager (its service content lists none)".to_owned(),
            })?;
        Ok(Self::new(client.clone(), moref))
    }

    /// `QueryEvents`: the events `filter` selects, newest first. Event types this crate does
    /// not generate come as [`AnyEvent::Unknown`] with their fields.
    ///
    /// ```no_run
    /// # async fn example(client: &vsphere_client::Client, vm: vsphere_client::types::ManagedObjectReference) -> Result<(), vsphere_client::Error> {
    /// use vsphere_client::object::EventManager;
    /// use vsphere_client::types::{EventFilterSpec, EventFilterSpecByEntity, EventFilterSpecRecursionOption};
    ///
    /// let filter = EventFilterSpec {
    ///     entity: Some(EventFilterSpecByEntity { entity: vm, recursion: EventFilterSpecRecursionOption::Self_ }),
    ///     ..EventFilterSpec::default()
    /// };
    /// for event in EventManager::of(client)?.query_events(filter).await? {
    ///     println!("{event:?}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn query_events(&self, filter: EventFilterSpec) -> Result<Vec<AnyEvent>, Error> {
        let request = QueryEventsRequest {
            this: self.moref.clone(),
            filter,
            event_view_spec: None,
        };
        self.client.call(request).await
    }
}
