//! Session expiry that arrives with HTTP 200: a property collector answers a call without a
//! live session with each object's `missingSet` holding a `NotAuthenticated` fault, instead
//! of failing the call (see the simulator capture `01-RetrievePropertiesEx-without-session`).

use std::any::Any;

use crate::types::{
    AnyMethodFault, DataObject, FaultKind, LocalizedMethodFault, Object, RetrieveResult, Value,
};

/// The methods whose results can carry the expiry in a `missingSet`.
const PROPERTY_RETRIEVALS: [&str; 2] = ["RetrievePropertiesEx", "ContinueRetrievePropertiesEx"];

/// The `NotAuthenticated` fault hidden in a typed result of `RetrievePropertiesEx`
/// (`Option<RetrieveResult>`) or `ContinueRetrievePropertiesEx` (`RetrieveResult`); `None`
/// for every other result.
pub(super) fn in_typed_result(output: &dyn Any) -> Option<LocalizedMethodFault> {
    if let Some(result) = output.downcast_ref::<Option<RetrieveResult>>() {
        return result.as_ref().and_then(in_retrieve_result);
    }
    output
        .downcast_ref::<RetrieveResult>()
        .and_then(in_retrieve_result)
}

/// The `NotAuthenticated` fault hidden in an untyped result of `method`: a `RetrieveResult`
/// decoded as a structure without `xsi:type` (how servers send it) or as the typed data object.
pub(super) fn in_value_result(method: &str, output: &Value) -> Option<LocalizedMethodFault> {
    if !PROPERTY_RETRIEVALS.contains(&method) {
        return None;
    }
    match output {
        Value::Object(result) => in_result_object(result),
        Value::Data(DataObject::RetrieveResult(result)) => in_retrieve_result(result),
        _ => None,
    }
}

fn in_retrieve_result(result: &RetrieveResult) -> Option<LocalizedMethodFault> {
    result
        .objects
        .iter()
        .flat_map(|object| &object.missing_set)
        .map(|missing| &missing.fault)
        .find(|fault| is_expiry(&fault.fault))
        .cloned()
}

/// Walks `objects/missingSet/fault/fault` of an untyped `RetrieveResult`.
fn in_result_object(result: &Object) -> Option<LocalizedMethodFault> {
    let fault = fields(result, "objects")
        .flat_map(|object| fields(object, "missingSet"))
        .flat_map(|missing| fields(missing, "fault"))
        .filter_map(|localized| localized.get("fault"))
        .find_map(|fault| match fault {
            Value::Fault(fault) if is_expiry(fault) => Some(fault.clone()),
            _ => None,
        })?;
    Some(LocalizedMethodFault {
        fault,
        localized_message: None,
    })
}

/// The structures in the field `name` of `object`.
fn fields<'o>(object: &'o Object, name: &'o str) -> impl Iterator<Item = &'o Object> + 'o {
    object.get_all(name).filter_map(|value| match value {
        Value::Object(object) => Some(object),
        _ => None,
    })
}

fn is_expiry(fault: &AnyMethodFault) -> bool {
    fault.is_a(FaultKind::NotAuthenticated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soap::{decode_response, decode_response_value};
    use crate::types::UserSession;
    use crate::xml::DecodeLimits;

    /// The simulator's answer to `RetrievePropertiesEx` without a session (capture 01).
    const WITHOUT_SESSION: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="Folder">group-d1</obj><missingSet><path>name</path><fault><fault xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="NotAuthenticated"><object type="Folder">group-d1</object><privilegeId>System.Read</privilegeId></fault></fault></missingSet></objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;

    /// The same object with a property the server refuses for another reason.
    const NO_PERMISSION: &[u8] = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="Folder">group-d1</obj><missingSet><path>name</path><fault><fault xsi:type="NoPermission"><privilegeId>System.Read</privilegeId></fault></fault></missingSet></objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;

    fn limits() -> DecodeLimits {
        DecodeLimits::default()
    }

    #[test]
    fn finds_the_expiry_in_a_typed_retrieve_result() {
        let output: Option<RetrieveResult> = decode_response(WITHOUT_SESSION, &limits()).unwrap();
        let fault = in_typed_result(&output).expect("NotAuthenticated in the missingSet");
        assert_eq!(fault.fault.type_name(), "NotAuthenticated");

        let page: RetrieveResult = decode_response(WITHOUT_SESSION, &limits()).unwrap();
        assert!(in_typed_result(&page).is_some());
    }

    #[test]
    fn finds_the_expiry_in_an_untyped_retrieve_result() {
        let output = decode_response_value(WITHOUT_SESSION, &limits()).unwrap();
        let fault = in_value_result("RetrievePropertiesEx", &output).expect("NotAuthenticated");
        assert_eq!(fault.fault.type_name(), "NotAuthenticated");
        assert!(in_value_result("ContinueRetrievePropertiesEx", &output).is_some());
    }

    #[test]
    fn other_missing_properties_and_other_results_are_not_expiry() {
        let refused: Option<RetrieveResult> = decode_response(NO_PERMISSION, &limits()).unwrap();
        assert!(in_typed_result(&refused).is_none());
        let refused = decode_response_value(NO_PERMISSION, &limits()).unwrap();
        assert!(in_value_result("RetrievePropertiesEx", &refused).is_none());

        let untyped = decode_response_value(WITHOUT_SESSION, &limits()).unwrap();
        assert!(in_value_result("FindByInventoryPath", &untyped).is_none());
        assert!(in_typed_result(&UserSession::default()).is_none());
        assert!(in_typed_result(&None::<RetrieveResult>).is_none());
    }
}
