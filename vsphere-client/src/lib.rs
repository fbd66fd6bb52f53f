//! A typed VMware vSphere (vim25) SOAP client.
//!
//! Layers, each small and with one job (after govmomi):
//! - [`xml`]: streaming vim25 XML decoding/encoding (`FromXml` / `ToXml`);
//! - [`types`]: the vim25 data objects, enums and faults (generated) and managed object references;
//! - [`soap`]: SOAP envelopes and faults;
//! - [`transport`]: HTTP, TLS verification and pinning, proxies, cookies;
//! - [`client`]: the session: connecting, logging in, every call, re-login and keep-alive;
//! - [`object`]: typed handles on managed objects;
//! - [`property`]: reading properties of many objects in few round trips;
//! - [`task`]: waiting for server-side tasks.

pub mod client;
pub mod error;
pub mod files;
pub mod object;
pub mod property;
pub mod soap;
pub mod task;
pub mod transport;
pub mod types;
pub mod xml;

pub use client::{Client, ClientConfig, Password};
pub use error::Error;

/// The crate README's example, compiled as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
