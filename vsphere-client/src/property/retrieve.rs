//! Reading properties: of every object of some types in a container ([`ViewQuery`]), of given
//! objects ([`retrieve_objects`]) or of one ([`retrieve_one`]), each in one round trip per page.

use super::ObjectProps;
use crate::object::{PropertyCollector, ViewManager};
use crate::types::{
    AnySelectionSpec, ManagedObjectReference, ObjectSpec, PropertyFilterSpec, PropertySpec,
    RetrieveOptions, TraversalSpec,
};
use crate::{Client, Error};

/// The objects asked for per page (`RetrieveOptions.maxObjects`) when a query sets no page
/// size: every read names its page size rather than leave it to the server, so that a large
/// inventory arrives in bounded pages (vCenter may still send smaller ones).
pub const DEFAULT_PAGE_SIZE: u32 = 1000;

/// Reads properties of all objects of some types in a container (recursively by default) with
/// a fixed number of round trips, however large the inventory: `CreateContainerView`, one
/// `RetrievePropertiesEx`, one `ContinueRetrievePropertiesEx` per further page, `DestroyView`.
///
/// The view is destroyed whether or not retrieval succeeded (a failure to destroy it is
/// logged; the session's end removes it anyway). If the future is dropped before it completes,
/// the view lives on until the session ends.
///
/// ```no_run
/// use vsphere_client::Client;
/// use vsphere_client::property::ViewQuery;
///
/// # async fn example(client: &Client) -> Result<(), vsphere_client::Error> {
/// let root = client.service_content().root_folder.clone();
/// let vms = ViewQuery::new(root, "VirtualMachine", &["name", "runtime.powerState"])
///     .page_size(1000)
///     .retrieve(client)
///     .await?;
/// for vm in &vms {
///     println!("{} {:?}", vm.name()?, vm.get::<String>("runtime.powerState")?);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ViewQuery {
    container: ManagedObjectReference,
    recursive: bool,
    properties: Vec<PropertySpec>,
    page_size: i32,
}

impl ViewQuery {
    /// Reads `paths` of every object of type `type_name` (a vim25 managed object type such as
    /// `VirtualMachine`) in `container` and below. With no paths, only the objects' references
    /// are returned.
    pub fn new(container: ManagedObjectReference, type_name: &str, paths: &[&str]) -> Self {
        Self {
            container,
            recursive: true,
            properties: vec![property_spec(type_name, paths)],
            page_size: page(DEFAULT_PAGE_SIZE),
        }
    }

    /// Also reads `paths` of every object of type `type_name`.
    pub fn and_type(mut self, type_name: &str, paths: &[&str]) -> Self {
        self.properties.push(property_spec(type_name, paths));
        self
    }

    /// Whether objects below the container's direct children are included (default: yes).
    pub fn recursive(mut self, recursive: bool) -> Self {
        self.recursive = recursive;
        self
    }

    /// Asks the server for at most `objects` objects per page (`RetrieveOptions.maxObjects`);
    /// by default [`DEFAULT_PAGE_SIZE`]. Servers may send fewer, or ignore it.
    pub fn page_size(mut self, objects: u32) -> Self {
        self.page_size = page(objects);
        self
    }

    /// Creates the view, reads all pages, destroys the view.
    ///
    /// When the session expires during the listing, the client logs in again, but the view
    /// and the paging token belong to the old session: the listing then starts again, once,
    /// from a new view.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the server has no view manager, and the calls' [`Error`]s.
    pub async fn retrieve(&self, client: &Client) -> Result<Vec<ObjectProps>, Error> {
        client
            .restarting_after_relogin("listing through a container view", || {
                self.retrieve_once(client)
            })
            .await
    }

    async fn retrieve_once(&self, client: &Client) -> Result<Vec<ObjectProps>, Error> {
        let types: Vec<&str> = self
            .properties
            .iter()
            .map(|spec| spec.r#type.as_str())
            .collect();
        let session = client.session_generation();
        let view = ViewManager::of(client)?
            .create_container_view(&self.container, &types, self.recursive)
            .await?;
        let spec = PropertyFilterSpec {
            prop_set: self.properties.clone(),
            object_set: vec![ObjectSpec {
                obj: view.moref().clone(),
                skip: Some(true),
                select_set: vec![traverse_view()],
            }],
            report_missing_objects_in_results: None,
        };
        let retrieved = collect(&PropertyCollector::of(client), spec, self.page_size).await;
        let view_ref = view.moref().clone();
        if client.session_generation() != session {
            log::debug!("the container view {view_ref} ended with its session");
        } else if let Err(error) = view.destroy().await {
            log::warn!("could not destroy the container view {view_ref}: {error}");
        }
        retrieved
    }
}

/// Reads `paths` of each object in `objects` (of any types) in one round trip per page of
/// [`DEFAULT_PAGE_SIZE`] objects, in the server's order.
///
/// # Errors
/// The calls' [`Error`]s; `ManagedObjectNotFound` when an object does not exist.
pub async fn retrieve_objects(
    client: &Client,
    objects: &[ManagedObjectReference],
    paths: &[&str],
) -> Result<Vec<ObjectProps>, Error> {
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let mut types: Vec<&str> = objects
        .iter()
        .map(|object| object.r#type.as_str())
        .collect();
    types.sort_unstable();
    types.dedup();
    let spec = PropertyFilterSpec {
        prop_set: types
            .iter()
            .map(|type_name| property_spec(type_name, paths))
            .collect(),
        object_set: objects
            .iter()
            .map(|object| ObjectSpec {
                obj: object.clone(),
                skip: None,
                select_set: Vec::new(),
            })
            .collect(),
        report_missing_objects_in_results: None,
    };
    let collector = PropertyCollector::of(client);
    client
        .restarting_after_relogin("reading properties", || {
            collect(&collector, spec.clone(), page(DEFAULT_PAGE_SIZE))
        })
        .await
}

/// Reads `paths` of `object`.
///
/// ```no_run
/// use vsphere_client::Client;
/// use vsphere_client::property::retrieve_one;
///
/// # async fn example(client: &Client) -> Result<(), vsphere_client::Error> {
/// let root = client.service_content().root_folder.clone();
/// let folder = retrieve_one(client, &root, &["name", "childEntity"]).await?;
/// println!("{} has {} children", folder.name()?,
///          folder.get::<Vec<vsphere_client::types::ManagedObjectReference>>("childEntity")?
///              .unwrap_or_default().len());
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// The call's [`Error`]; `ManagedObjectNotFound` when the object does not exist.
pub async fn retrieve_one(
    client: &Client,
    object: &ManagedObjectReference,
    paths: &[&str],
) -> Result<ObjectProps, Error> {
    retrieve_objects(client, std::slice::from_ref(object), paths)
        .await?
        .into_iter()
        .find(|props| props.obj == *object)
        .ok_or_else(|| Error::NotFound {
            what: format!("{object} (the property collector returned nothing for it)"),
        })
}

/// Retrieves every page of `spec`'s result from `collector`. When reading a page fails, the
/// retrieval is cancelled (`CancelRetrievePropertiesEx`) so the server frees its result,
/// unless the session changed meanwhile (the token died with it).
async fn collect(
    collector: &PropertyCollector,
    spec: PropertyFilterSpec,
    max_objects: i32,
) -> Result<Vec<ObjectProps>, Error> {
    let options = RetrieveOptions {
        max_objects: Some(max_objects),
    };
    let session = collector.client().session_generation();
    let mut page = collector
        .retrieve_properties_ex(vec![spec], options)
        .await?;
    let mut objects = Vec::new();
    while let Some(result) = page {
        objects.extend(result.objects.into_iter().map(ObjectProps::from));
        let Some(token) = result.token else {
            break;
        };
        match collector.continue_retrieve_properties_ex(&token).await {
            Ok(next) => page = Some(next),
            Err(error) => {
                if collector.client().session_generation() == session
                    && let Err(cancel) = collector.cancel_retrieve_properties_ex(&token).await
                {
                    log::warn!("could not cancel the paged retrieval: {cancel}");
                }
                return Err(error);
            }
        }
    }
    Ok(objects)
}

/// `objects` as a `maxObjects` value.
fn page(objects: u32) -> i32 {
    i32::try_from(objects).unwrap_or(i32::MAX)
}

fn property_spec(type_name: &str, paths: &[&str]) -> PropertySpec {
    PropertySpec {
        r#type: type_name.to_owned(),
        all: Some(false),
        path_set: paths.iter().map(|&path| path.to_owned()).collect(),
    }
}

/// From a container view to the objects it lists.
fn traverse_view() -> AnySelectionSpec {
    AnySelectionSpec::TraversalSpec(TraversalSpec {
        name: Some("view".to_owned()),
        r#type: "ContainerView".to_owned(),
        path: "view".to_owned(),
        skip: Some(false),
        select_set: Vec::new(),
    })
}
