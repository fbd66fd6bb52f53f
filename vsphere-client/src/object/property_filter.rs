//! [`PropertyFilter`]: what a property collector watches.

use super::handle::managed_object;
use crate::Error;
use crate::types::DestroyPropertyFilterRequest;

managed_object! {
    /// A filter of a property collector, made by
    /// [`PropertyCollector::create_filter`](super::PropertyCollector::create_filter).
    PropertyFilter
}

impl PropertyFilter {
    /// `DestroyPropertyFilter`: stops watching. Destroying the collector destroys its filters
    /// too.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn destroy(self) -> Result<(), Error> {
        let request = DestroyPropertyFilterRequest { this: self.moref };
        self.client.call(request).await
    }
}
