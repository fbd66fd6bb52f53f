//! [`ResourcePool`]: where VMs get their CPU and memory.

use super::handle::managed_entity;

managed_entity! {
    /// A resource pool (every cluster and standalone host has a root one): VMs run in one.
    ResourcePool
}
