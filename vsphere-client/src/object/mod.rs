//! Typed handles on server-side managed objects: each holds a [`Client`](crate::Client) and
//! the object's reference, and offers the object's methods.

mod handle;

mod clone_spec;
mod cluster_compute_resource;
mod container_view;
mod custom_fields_manager;
mod datacenter;
mod datastore;
mod event_manager;
mod folder;
mod host_system;
mod property_collector;
mod property_filter;
mod resource_pool;
mod search_index;
mod service_instance;
mod session_manager;
mod view_manager;
mod virtual_machine;
mod virtual_machine_snapshot;

pub use clone_spec::{CloneSpec, extra_config_entry};
pub use cluster_compute_resource::ClusterComputeResource;
pub use container_view::ContainerView;
pub use custom_fields_manager::CustomFieldsManager;
pub use datacenter::Datacenter;
pub use datastore::Datastore;
pub use event_manager::EventManager;
pub use folder::Folder;
pub use host_system::HostSystem;
pub use property_collector::PropertyCollector;
pub use property_filter::PropertyFilter;
pub use resource_pool::ResourcePool;
pub use search_index::SearchIndex;
pub use service_instance::ServiceInstance;
pub use session_manager::SessionManager;
pub use view_manager::ViewManager;
pub use virtual_machine::VirtualMachine;
pub use virtual_machine_snapshot::VirtualMachineSnapshot;
