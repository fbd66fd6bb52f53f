//! Integration tests of `vsphere_client::transport` against local servers and proxies made in
//! the test: TLS policies, SOAP requests and replies, the session cookie, size limits, version
//! discovery and proxies.

mod http;
mod proxy;
mod support;
mod tls;
