//! The shape every managed object handle shares: a reference bound to the client that calls it,
//! and for managed entities (folders, VMs, hosts...) their name and parent.

/// Defines a handle type for one vim25 managed object type (named as the handle): the struct,
/// `new`, `moref`, `client`, `properties` and a `Debug` that shows only the reference's value.
macro_rules! managed_object {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            client: $crate::Client,
            moref: $crate::types::ManagedObjectReference,
        }

        impl $name {
            /// The vim25 managed object type this handle calls.
            pub const TYPE: &'static str = stringify!($name);

            /// A handle on `moref`, called through `client`. The reference is not checked here:
            /// a wrong one makes calls fail with the server's `ManagedObjectNotFound` fault.
            pub fn new(client: $crate::Client, moref: $crate::types::ManagedObjectReference) -> Self {
                Self { client, moref }
            }

            /// The managed object reference.
            pub fn moref(&self) -> &$crate::types::ManagedObjectReference {
                &self.moref
            }

            /// The client that calls this object.
            pub fn client(&self) -> &$crate::Client {
                &self.client
            }

            /// Reads the properties `paths` of this object (see
            /// [`retrieve_one`](crate::property::retrieve_one)).
            ///
            /// # Errors
            /// The call's [`Error`](crate::Error).
            pub async fn properties(
                &self,
                paths: &[&str],
            ) -> Result<$crate::property::ObjectProps, $crate::Error> {
                $crate::property::retrieve_one(&self.client, &self.moref, paths).await
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.moref.value).finish()
            }
        }
    };
}

/// Defines a handle type for a managed entity: as [`managed_object!`], plus `name` (decoded)
/// and `parent`.
macro_rules! managed_entity {
    ($(#[$doc:meta])* $name:ident) => {
        $crate::object::handle::managed_object! { $(#[$doc])* $name }

        impl $name {
            /// The entity's name, decoded (`%2f` is `/`).
            ///
            /// # Errors
            /// The call's [`Error`](crate::Error).
            pub async fn name(&self) -> Result<String, $crate::Error> {
                Ok(self.properties(&["name"]).await?.name()?.to_owned())
            }

            /// The entity's parent: a folder, or for hosts and resource pools a compute resource
            /// or resource pool; `None` for the root folder.
            ///
            /// # Errors
            /// The call's [`Error`](crate::Error).
            pub async fn parent(
                &self,
            ) -> Result<Option<$crate::types::ManagedObjectReference>, $crate::Error> {
                self.properties(&["parent"]).await?.get("parent")
            }
        }
    };
}

pub(crate) use {managed_entity, managed_object};
