//! [`SearchIndex`]: finds inventory objects by path or name.

use super::handle::managed_object;
use crate::types::{
    FindByInventoryPathRequest, FindChildRequest, ManagedObjectReference, encode_entity_name,
};
use crate::{Client, Error};

managed_object! {
    /// The service's search index.
    ///
    /// Names are given as users see them: `/`, `\` and `%` in a name are escaped for the server
    /// (see [`crate::types::encode_entity_name`]).
    SearchIndex
}

impl SearchIndex {
    /// The service's search index.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the server has none (its service content lists none).
    pub fn of(client: &Client) -> Result<Self, Error> {
        let moref = client
            .service_content()
            .search_index
            .clone()
            .ok_or_else(|| Error::NotFound {
                what: "the server's search index (its service content lists none)".to_owned(),
            })?;
        Ok(Self::new(client.clone(), moref))
    }

    /// `FindByInventoryPath`: the entity at the inventory path made of `segments` (such as
    /// `["DC0", "vm", "backups", "web/db"]`: datacenter, the `vm` folder, folders, the VM);
    /// `None` when there is none. Each segment is one name, escaped here, so a name may
    /// contain `/`. To look up a path string whose names contain no `/`, pass
    /// `path.split('/')`.
    ///
    /// ```no_run
    /// # async fn example(client: &vsphere_client::Client) -> Result<(), vsphere_client::Error> {
    /// use vsphere_client::object::SearchIndex;
    ///
    /// let search = SearchIndex::of(client)?;
    /// match search.find_by_inventory_path(["DC0", "vm", "web/db"]).await? {
    ///     Some(vm) => println!("found {vm}"),
    ///     None => println!("no such VM"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn find_by_inventory_path<I, S>(
        &self,
        segments: I,
    ) -> Result<Option<ManagedObjectReference>, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let escaped: Vec<String> = segments
            .into_iter()
            .map(|segment| encode_entity_name(segment.as_ref()).into_owned())
            .collect();
        let request = FindByInventoryPathRequest {
            this: self.moref.clone(),
            inventory_path: escaped.join("/"),
        };
        self.client.call(request).await
    }

    /// `FindChild`: the direct child of `entity` (a folder, datacenter, compute resource or
    /// resource pool) named `name`; `None` when there is none.
    ///
    /// # Errors
    /// The call's [`Error`].
    pub async fn find_child(
        &self,
        entity: &ManagedObjectReference,
        name: &str,
    ) -> Result<Option<ManagedObjectReference>, Error> {
        let request = FindChildRequest {
            this: self.moref.clone(),
            entity: entity.clone(),
            name: encode_entity_name(name).into_owned(),
        };
        self.client.call(request).await
    }
}
