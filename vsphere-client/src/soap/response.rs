//! Decoding SOAP response envelopes.

use super::Method;
use super::SOAP_ENVELOPE_NAMESPACE;
use super::fault::SoapFault;
use crate::types::Value;
use crate::xml::{DecodeError, DecodeErrorKind, DecodeLimits, FromXml, StartTag, XmlReader};

/// A response could not be turned into a result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResponseError {
    /// The server answered with a SOAP fault.
    #[error("the server returned a fault: {0}")]
    Fault(Box<SoapFault>),
    /// The body is not a well-formed vim25 SOAP response.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Decodes a response body into a method's result type (see
/// [`Method::Output`](super::Method::Output)), or the [`SoapFault`] it carries.
///
/// The `returnval` elements of the response are decoded into `T`: none leaves `T::default()`
/// (`None`, an empty `Vec`, `()`), one sets it, several fill a `Vec`. HTTP status codes do not
/// matter here: vSphere sends faults with status 500, the caller passes the body either way.
///
/// ```
/// use vsphere_client::soap::{ResponseError, decode_response};
/// use vsphere_client::types::{FaultKind, ManagedObjectReference};
/// use vsphere_client::xml::DecodeLimits;
///
/// let not_found = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><FindByInventoryPathResponse xmlns="urn:vim25"></FindByInventoryPathResponse></soapenv:Body></soapenv:Envelope>"#;
/// let found: Option<ManagedObjectReference> = decode_response(not_found, &DecodeLimits::default())?;
/// assert_eq!(found, None);
///
/// let fault = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring></faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"></NotAuthenticatedFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
/// match decode_response::<()>(fault, &DecodeLimits::default()) {
///     Err(ResponseError::Fault(fault)) => assert!(fault.is_a(FaultKind::NotAuthenticated)),
///     other => panic!("expected a fault, got {other:?}"),
/// }
/// # Ok::<(), ResponseError>(())
/// ```
pub fn decode_response<T: FromXml + Default>(
    body: &[u8],
    limits: &DecodeLimits,
) -> Result<T, ResponseError> {
    decode_returnvals(body, limits, false)
}

/// Decodes the response of the method `M`, as [`decode_response`] does, except that a
/// response without `returnval` to a method whose result is required
/// ([`Method::RESULT_REQUIRED`]) is an error rather than an empty default.
///
/// ```
/// use vsphere_client::soap::{Method, decode_method_response};
/// use vsphere_client::types::CurrentTimeRequest;
/// use vsphere_client::xml::DecodeLimits;
///
/// let empty = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><CurrentTimeResponse xmlns="urn:vim25"></CurrentTimeResponse></soapenv:Body></soapenv:Envelope>"#;
/// let error = decode_method_response::<CurrentTimeRequest>(empty, &DecodeLimits::default())
///     .unwrap_err();
/// assert!(error.to_string().contains("returnval"));
/// ```
///
/// # Errors
/// As [`decode_response`], and [`DecodeErrorKind::Missing`] for a missing required result.
pub fn decode_method_response<M: Method>(
    body: &[u8],
    limits: &DecodeLimits,
) -> Result<M::Output, ResponseError> {
    decode_returnvals(body, limits, M::RESULT_REQUIRED)
}

/// Decodes the `returnval` elements into `T`; none is an error when the result is `required`.
fn decode_returnvals<T: FromXml + Default>(
    body: &[u8],
    limits: &DecodeLimits,
    required: bool,
) -> Result<T, ResponseError> {
    let mut reader = XmlReader::new(body, *limits)?;
    read_to_response(&mut reader)?;
    let mut output = T::default();
    let mut found = 0;
    while let Some(child) = reader.next_child()? {
        if child.name() == "returnval" {
            output.decode_into(&mut reader, &child)?;
            found += 1;
        } else {
            reader.skip_element()?;
        }
    }
    if required && found == 0 {
        let kind = DecodeErrorKind::Missing("the returnval of a method that always returns one");
        return Err(reader.error(kind).into());
    }
    Ok(output)
}

/// Decodes a response body without knowing the method: the `returnval` as a [`Value`]
/// ([`Value::Null`] when there is none, a [`Value::Array`] of `anyType` items when there are
/// several). Without an `xsi:type`, a structure decodes as a [`Value::Object`] with an empty type.
pub fn decode_response_value(body: &[u8], limits: &DecodeLimits) -> Result<Value, ResponseError> {
    let mut values: Vec<Value> = decode_response(body, limits)?;
    Ok(match values.len() {
        0 => Value::Null,
        1 => values.remove(0),
        _ => Value::Array {
            item_type: "anyType".to_owned(),
            items: values,
        },
    })
}

/// Reads through `<Envelope><Body>` to the response element, which becomes current; a
/// `<Fault>` there is decoded and returned as the error.
fn read_to_response<'a>(reader: &mut XmlReader<'a>) -> Result<StartTag<'a>, ResponseError> {
    let envelope = reader.root()?;
    expect_soap_element(reader, &envelope, "Envelope", "a SOAP 1.1 Envelope")?;
    loop {
        let Some(child) = reader.next_child()? else {
            return Err(reader
                .error(DecodeErrorKind::Missing("the SOAP Body"))
                .into());
        };
        if child.name() == "Body" {
            expect_soap_element(reader, &child, "Body", "the SOAP Body")?;
            break;
        }
        reader.skip_element()?;
    }
    let Some(response) = reader.next_child()? else {
        let kind = DecodeErrorKind::Missing("the response element inside the SOAP Body");
        return Err(reader.error(kind).into());
    };
    if response.name() == "Fault" && reader.namespace(&response) == Some(SOAP_ENVELOPE_NAMESPACE) {
        let fault = SoapFault::decode(reader)?;
        return Err(ResponseError::Fault(Box::new(fault)));
    }
    Ok(response)
}

fn expect_soap_element(
    reader: &XmlReader<'_>,
    tag: &StartTag<'_>,
    name: &str,
    expected: &'static str,
) -> Result<(), DecodeError> {
    if tag.name() == name && reader.namespace(tag) == Some(SOAP_ENVELOPE_NAMESPACE) {
        return Ok(());
    }
    let found = format!(
        "<{}> in namespace {:?}",
        tag.name(),
        reader.namespace(tag).unwrap_or("")
    );
    Err(reader.invalid_value(expected, &found))
}
