//! Feeds arbitrary bodies to the SOAP response decoder: it must never panic, whatever it is
//! given; errors are fine.
//!
//! Run (cargo-fuzz needs nightly features; on stable use RUSTC_BOOTSTRAP=1):
//!
//! ```sh
//! cd vsphere-client/fuzz
//! mkdir -p corpus/decode_response
//! for f in ../tests/data/captures/*.txt; do
//!     sed '1,/^=== RESPONSE ===$/d' "$f" | sed '1,/^$/d' > "corpus/decode_response/$(basename "$f")"
//! done
//! RUSTC_BOOTSTRAP=1 cargo fuzz run decode_response corpus/decode_response -- -max_total_time=300
//! ```

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
