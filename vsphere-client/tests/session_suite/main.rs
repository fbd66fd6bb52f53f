//! Integration tests of `vsphere_client::Client`'s session layer against VMware's vCenter
//! simulator (crate `vcsim`): login and logout, faults, version negotiation, re-login after
//! expiry, attached sessions, the keep-alive, and TLS policies.

mod attach;
mod expiry;
mod keepalive;
mod login;
mod support;
mod tls;
