//! vmrotate: clone-based VM backup rotation for VMware vSphere.

pub use rotation_core;
