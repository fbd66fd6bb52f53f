//! A typed VMware vSphere (vim25) SOAP client.
//!
//! Layers, each small and with one job (after govmomi):
//! - [`xml`]: streaming vim25 XML decoding/encoding (`FromXml` / `ToXml`);
//! - [`types`]: the vim25 data objects, enums and faults (generated) and managed object references;
//! - [`soap`]: SOAP envelopes and faults;
//! - [`transport`]: HTTP, TLS verification and pinning, proxies, cookies.

pub mod soap;
pub mod transport;
pub mod types;
pub mod xml;
