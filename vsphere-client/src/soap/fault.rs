//! SOAP faults: the server's answer when a call fails.

use std::fmt;

use crate::types::{AnyMethodFault, FaultKind};
use crate::xml::{DecodeError, FromXml, XmlReader, XsiType};

/// A SOAP fault: the server rejected the call.
///
/// `fault` is the typed vim25 fault from `<detail>`: its type comes from `xsi:type`, or else from
/// the detail element's name without the `Fault` suffix (`InvalidLoginFault` is an
/// `InvalidLogin`). A fault type this client does not know is kept as
/// [`AnyMethodFault::Unknown`] with its fields; `fault` is `None` only when the server sent no
/// detail at all.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SoapFault {
    /// `faultcode`, such as `ServerFaultCode`.
    pub code: String,
    /// `faultstring`; often empty (vSphere sends none for `NotAuthenticated`).
    pub message: String,
    /// The typed fault from `<detail>`.
    pub fault: Option<AnyMethodFault>,
}

impl SoapFault {
    /// Whether the detail is a fault of type `kind` or a subtype of it.
    ///
    /// ```
    /// use vsphere_client::soap::SoapFault;
    /// use vsphere_client::types::{AnyMethodFault, FaultKind};
    ///
    /// let fault = SoapFault {
    ///     fault: Some(AnyMethodFault::NotAuthenticated(Box::default())),
    ///     ..SoapFault::default()
    /// };
    /// assert!(fault.is_a(FaultKind::NoPermission));
    /// ```
    pub fn is_a(&self, kind: FaultKind) -> bool {
        self.fault.as_ref().is_some_and(|fault| fault.is_a(kind))
    }

    /// Decodes the children of `<soapenv:Fault>` (the current element of `reader`).
    pub(crate) fn decode(reader: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let mut fault = SoapFault::default();
        while let Some(child) = reader.next_child()? {
            match child.name() {
                "faultcode" => fault.code.decode_into(reader, &child)?,
                "faultstring" => fault.message.decode_into(reader, &child)?,
                "detail" => fault.fault = decode_detail(reader)?,
                _ => reader.skip_element()?,
            }
        }
        Ok(fault)
    }
}

/// Decodes the first element of `<detail>` as a fault and skips the rest.
fn decode_detail(reader: &mut XmlReader<'_>) -> Result<Option<AnyMethodFault>, DecodeError> {
    let mut fault = None;
    while let Some(child) = reader.next_child()? {
        if fault.is_some() {
            reader.skip_element()?;
            continue;
        }
        let type_name = match child.xsi_type() {
            Some(XsiType::Vim(name)) => name.to_owned(),
            Some(other) => other.qualified(),
            None => child
                .name()
                .strip_suffix("Fault")
                .unwrap_or(child.name())
                .to_owned(),
        };
        fault = Some(AnyMethodFault::decode_as(&type_name, reader, &child)?);
    }
    Ok(fault)
}

impl fmt::Display for SoapFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let type_name = self
            .fault
            .as_ref()
            .map_or("SOAP fault", AnyMethodFault::type_name);
        write!(f, "{type_name} ({})", self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}
