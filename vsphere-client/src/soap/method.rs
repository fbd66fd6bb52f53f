//! The [`Method`] trait that generated request structs implement.

use crate::xml::{FromXml, ToXml};

/// A vim25 method call: the request struct (with `this`, the managed object to call, and the
/// parameters) knows the method's name and how to decode its result.
///
/// `Output` is `()` for methods that return nothing, `Option<T>` for optional results (an
/// absent `returnval`), `Vec<T>` for arrays (several `returnval` elements) and `T` otherwise.
///
/// ```
/// use vsphere_client::soap::{Method, decode_response, encode_request};
/// use vsphere_client::types::{CurrentTimeRequest, ManagedObjectReference};
/// use vsphere_client::xml::DecodeLimits;
///
/// let request = CurrentTimeRequest {
///     this: ManagedObjectReference::new("ServiceInstance", "ServiceInstance"),
/// };
/// let body = encode_request(&request);
/// assert!(String::from_utf8(body)?.contains(r#"<CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></CurrentTime>"#));
///
/// let response = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><CurrentTimeResponse xmlns="urn:vim25"><returnval>2026-11-25T14:59:26.929043916Z</returnval></CurrentTimeResponse></soapenv:Body></soapenv:Envelope>"#;
/// let now = decode_response::<<CurrentTimeRequest as Method>::Output>(response, &DecodeLimits::default())?;
/// assert_eq!(now.to_string(), "2026-11-25T14:59:26.929043916Z");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Method: ToXml {
    /// The method's WSDL name, such as `CreateSnapshot_Task`; also the request element's name.
    const NAME: &'static str;
    /// Whether the method always returns a result: then a response without `returnval` is an
    /// error ([`decode_method_response`](super::decode_method_response)), not a default value.
    const RESULT_REQUIRED: bool = false;
    /// What a successful call returns.
    type Output: FromXml + Default;
}
