//! SOAP envelopes and faults: [`encode_request`] a [`Method`] call (or [`encode_dynamic`] any
//! call) and [`decode_response`] the result or the [`SoapFault`] (or [`decode_response_value`]
//! it dynamically). Transport is elsewhere ([`crate::transport`]).

mod envelope;
mod fault;
mod method;
mod response;

pub use envelope::{encode_dynamic, encode_request};
pub use fault::SoapFault;
pub use method::Method;
pub use response::{ResponseError, decode_method_response, decode_response, decode_response_value};

/// The SOAP 1.1 envelope namespace.
pub const SOAP_ENVELOPE_NAMESPACE: &str = "http://schemas.xmlsoap.org/soap/envelope/";
