//! Feeds arbitrary bodies to the SOAP response decoder: it must never panic, whatever it is
//! given; errors are fine.
//!
//! How to run it: `vsphere-client/fuzz/README.md`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vsphere_client::soap::{decode_response, decode_response_value};
use vsphere_client::types::{ManagedObjectReference, RetrieveResult, UpdateSet, UserSession};
use vsphere_client::xml::DecodeLimits;

fuzz_target!(|body: &[u8]| {
    let limits = DecodeLimits::default();
    let _ = decode_response::<Option<RetrieveResult>>(body, &limits);
    let _ = decode_response::<Option<UpdateSet>>(body, &limits);
    let _ = decode_response::<UserSession>(body, &limits);
    let _ = decode_response::<Vec<ManagedObjectReference>>(body, &limits);
    let _ = decode_response_value(body, &limits);
});
