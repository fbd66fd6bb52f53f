//! Faults the server reports inside data (a missing property, a failed task) as [`Error`]s.

use crate::Error;
use crate::soap::SoapFault;
use crate::types::LocalizedMethodFault;

/// The fault code given to faults that arrive as data rather than as SOAP faults; they are the
/// server's faults all the same.
const SERVER_FAULT_CODE: &str = "ServerFaultCode";

/// An [`Error::Fault`] for `fault`, reported while doing `method`.
pub(crate) fn fault_error(method: impl Into<String>, fault: &LocalizedMethodFault) -> Error {
    Error::Fault {
        method: method.into(),
        fault: Box::new(SoapFault {
            code: SERVER_FAULT_CODE.to_owned(),
            message: fault.localized_message.clone().unwrap_or_default(),
            fault: Some(fault.fault.clone()),
        }),
    }
}
