//! Reading properties of many managed objects in few round trips (govmomi's `property`).
//!
//! - [`ViewQuery`]: every object of some types in a container, through a container view, with
//!   paging (`maxObjects` and `ContinueRetrievePropertiesEx`); the view is always destroyed.
//! - [`retrieve_objects`] and [`retrieve_one`]: given objects.
//!
//! Results are [`ObjectProps`]: the object, its properties with typed getters, and the
//! properties the server could not read (`missingSet`) with their faults.

mod fault;
mod object_props;
mod retrieve;

pub(crate) use fault::fault_error;
pub use object_props::ObjectProps;
pub use retrieve::{DEFAULT_PAGE_SIZE, ViewQuery, retrieve_objects, retrieve_one};
