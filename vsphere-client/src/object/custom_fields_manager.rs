//! [`CustomFieldsManager`]: custom attributes of inventory objects.

use super::handle::managed_object;
use crate::types::{
    AddCustomFieldDefRequest, CustomFieldDef, ManagedObjectReference, SetFieldRequest,
};
use crate::{Client, Error};

managed_object! {
    /// The service's custom fields manager: defines custom attributes and sets their values on
    /// entities.
    CustomFieldsManager
}

impl CustomFieldsManager {
    /// The service's custom fields manager.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the server has none (standalone ESXi hosts have none).
    pub fn of(client: &Client) -> Result<Self, Error> {
        let moref = client
            .service_content()
            .custom_fields_manager
            .clone()
            .ok_or_else(|| Error::NotFound {
                what: "the server's custom fields manager (its service content lists none; \
                       standalone ESXi hosts have none)"
                    .to_owned(),
            })?;
        Ok(Self::new(client.clone(), moref))
    }

    /// `AddCustomFieldDef`: defines the custom attribute `name`, for entities of the managed
    /// object type `object_type` (such as `VirtualMachine`), or of all types when `None`.
    /// Returns the definition; its `key` identifies the attribute in [`set_field`](Self::set_field).
    ///
    /// # Errors
    /// The call's [`Error`]; a `DuplicateName` fault when the attribute exists already.
    pub async fn add_field_def(
        &self,
        name: &str,
        object_type: Option<&str>,
    ) -> Result<CustomFieldDef, Error> {
        let request = AddCustomFieldDefRequest {
            this: self.moref.clone(),
            name: name.to_owned(),
            mo_type: object_type.map(str::to_owned),
            field_def_policy: None,
            field_policy: None,
        };
        self.client.call(request).await
    }

    /// `SetField`: sets the custom attribute `key` of `entity` to `value`.
    ///
    /// # Errors
    /// The call's [`Error`]; `InvalidArgument` for an unknown key.
    pub async fn set_field(
        &self,
        entity: &ManagedObjectReference,
        key: i32,
        value: &str,
    ) -> Result<(), Error> {
        let request = SetFieldRequest {
            this: self.moref.clone(),
            entity: entity.clone(),
            key,
            value: value.to_owned(),
        };
        self.client.call(request).await
    }
}
