//! [`PropertyCollector`]: reads properties of many objects at once, and waits for changes.

use super::handle::managed_object;
use super::property_filter::PropertyFilter;
use crate::types::{
    CancelRetrievePropertiesExRequest, CancelWaitForUpdatesRequest,
    ContinueRetrievePropertiesExRequest, CreateFilterRequest, CreatePropertyCollectorRequest,
    DestroyPropertyCollectorRequest, PropertyFilterSpec, RetrieveOptions,
    RetrievePropertiesExRequest, RetrieveResult, UpdateSet, WaitForUpdatesExRequest, WaitOptions,
};
use crate::{Client, Error};

managed_object! {
    /// A property collector: the session's own ([`PropertyCollector::of`]) or one created with
    /// [`create_property_collector`](Self::create_property_collector).
    ///
    /// These are the raw vim25 calls; [`crate::property`] builds the usual queries on them.
    PropertyCollector
}

impl PropertyCollector {
    /// The session's default property collector, from the service content.
    pub fn of(client: &Client) -> Self {
        let moref = client.service_content().property_collector.clone();
        Self::new(client.clone(), moref)
    }

    /// `CreatePropertyCollector`: a new collector of this session, with its own filters and
    /// update versions. Destroy it with [`destroy`](Self::destroy) when done.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn create_property_collector(&self) -> Result<PropertyCollector, Error> {
        let request = CreatePropertyCollectorRequest {
            this: self.moref.clone(),
        };
        let moref = self.client.call(request).await?;
        Ok(Self::new(self.client.clone(), moref))
    }

    /// `DestroyPropertyCollector`: destroys this collector and its filters. The session's
    /// default collector cannot be destroyed.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn destroy(self) -> Result<(), Error> {
        let request = DestroyPropertyCollectorRequest { this: self.moref };
        self.client.call(request).await
    }

    /// `CreateFilter`: watches the objects and properties of `spec`; changes are reported by
    /// [`wait_for_updates_ex`](Self::wait_for_updates_ex). With `partial_updates`, only the
    /// changed properties of an object are reported.
    ///
    /// # Errors
    /// The call's [`Error`], e.g. `InvalidProperty` for a path the type does not have.
    pub async fn create_filter(
        &self,
        spec: PropertyFilterSpec,
        partial_updates: bool,
    ) -> Result<PropertyFilter, Error> {
        let request = CreateFilterRequest {
            this: self.moref.clone(),
            spec,
            partial_updates,
        };
        let moref = self.client.call(request).await?;
        Ok(PropertyFilter::new(self.client.clone(), moref))
    }

    /// `RetrievePropertiesEx`: the first page of the properties `specs` select; `None` when
    /// nothing matched. When the result has a `token`, fetch the next page with
    /// [`continue_retrieve_properties_ex`](Self::continue_retrieve_properties_ex).
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn retrieve_properties_ex(
        &self,
        specs: Vec<PropertyFilterSpec>,
        options: RetrieveOptions,
    ) -> Result<Option<RetrieveResult>, Error> {
        let request = RetrievePropertiesExRequest {
            this: self.moref.clone(),
            spec_set: specs,
            options,
        };
        self.client.call(request).await
    }

    /// `ContinueRetrievePropertiesEx`: the page after the one that returned `token`.
    ///
    /// # Errors
    /// The call's [`Error`]; `InvalidProperty` for a token that is unknown or used up.
    pub async fn continue_retrieve_properties_ex(
        &self,
        token: &str,
    ) -> Result<RetrieveResult, Error> {
        let request = ContinueRetrievePropertiesExRequest {
            this: self.moref.clone(),
            token: token.to_owned(),
        };
        self.client.call(request).await
    }

    /// `CancelRetrievePropertiesEx`: frees the rest of a paged result that will not be read,
    /// given the last `token`.
    ///
    /// # Errors
    /// The call's [`Error`]; `InvalidProperty` for a token that is unknown or used up.
    pub async fn cancel_retrieve_properties_ex(&self, token: &str) -> Result<(), Error> {
        let request = CancelRetrievePropertiesExRequest {
            this: self.moref.clone(),
            token: token.to_owned(),
        };
        self.client.call(request).await
    }

    /// `WaitForUpdatesEx`: the changes since `version` (`None` for the first call, which
    /// reports the current values), or `None` when nothing changed within
    /// `options.max_wait_seconds`. Always set `max_wait_seconds`: without it the call blocks
    /// until something changes, however long that takes.
    ///
    /// # Errors
    /// The call's [`Error`]; `RequestCanceled` after
    /// [`cancel_wait_for_updates`](Self::cancel_wait_for_updates).
    pub async fn wait_for_updates_ex(
        &self,
        version: Option<&str>,
        options: WaitOptions,
    ) -> Result<Option<UpdateSet>, Error> {
        let request = WaitForUpdatesExRequest {
            this: self.moref.clone(),
            version: version.map(str::to_owned),
            options: Some(options),
        };
        self.client.call(request).await
    }

    /// `CancelWaitForUpdates`: ends a pending [`wait_for_updates_ex`](Self::wait_for_updates_ex)
    /// on this collector, which then fails with `RequestCanceled`.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn cancel_wait_for_updates(&self) -> Result<(), Error> {
        let request = CancelWaitForUpdatesRequest {
            this: self.moref.clone(),
        };
        self.client.call(request).await
    }
}
