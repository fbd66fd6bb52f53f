//! [`Datastore`]: storage for VM files.

use super::handle::managed_entity;
use crate::Error;
use crate::types::DatastoreSummary;

managed_entity! {
    /// A datastore: where VM files live.
    Datastore
}

impl Datastore {
    /// The datastore's summary: name, URL, type, capacity and free space, accessibility.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn summary(&self) -> Result<DatastoreSummary, Error> {
        self.properties(&["summary"]).await?.require("summary")
    }
}
