//! Every simulator capture's response decodes to the typed result of its method.

mod xml_support;

use jiff::Timestamp;
use vsphere_client::soap::{ResponseError, SoapFault, decode_response, decode_response_value};
use vsphere_client::types::{
    AnyMethodFault, CustomFieldDef, FaultKind, LocalizedMethodFault, ManagedObjectReference,
    ObjectUpdateKind, PropertyChangeOp, RetrieveResult, TaskInfoState, UpdateSet, UserSession,
    Value, VirtualMachinePowerState, VirtualMachineSnapshotInfo,
};
use vsphere_client::xml::{DecodeLimits, FromXml};
use xml_support::Capture;

fn decode<T: FromXml + Default>(capture: &Capture) -> T {
    decode_response(&capture.response_body, &DecodeLimits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", capture.name))
}

fn fault(capture: &Capture) -> SoapFault {
    match decode_response::<Value>(&capture.response_body, &DecodeLimits::default()) {
        Err(ResponseError::Fault(fault)) => *fault,
        other => panic!("{}: expected a SOAP fault, got {other:?}", capture.name),
    }
}

fn moref(type_name: &str, value: &str) -> ManagedObjectReference {
    ManagedObjectReference::new(type_name, value)
}

/// The `RetrievePropertiesEx` result of a capture, with its single object.
fn properties(capture: &Capture) -> RetrieveResult {
    let result: Option<RetrieveResult> = decode(capture);
    result.unwrap_or_else(|| panic!("{}: no returnval", capture.name))
}

/// The value of property `name` of the first object.
fn property(result: &RetrieveResult, name: &str) -> Value {
    result.objects[0]
        .prop_set
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.val.clone())
        .unwrap_or_else(|| panic!("no property {name}"))
}

/// The `info.error` of a task: its state must be `error`.
fn task_error(capture: &Capture) -> LocalizedMethodFault {
    let result = properties(capture);
    let state: TaskInfoState = property(&result, "info.state").into_typed().unwrap();
    assert_eq!(state, TaskInfoState::Error);
    property(&result, "info.error").into_typed().unwrap()
}

fn assert_task(capture: &Capture, task: &str) {
    assert_eq!(
        decode::<ManagedObjectReference>(capture),
        moref("Task", task),
        "{}",
        capture.name
    );
}

fn assert_void(capture: &Capture) {
    decode::<()>(capture);
    assert_eq!(
        decode_response_value(&capture.response_body, &DecodeLimits::default()).unwrap(),
        Value::Null
    );
}

#[test]
fn every_capture_response_decodes_to_its_typed_result() {
    let captures = xml_support::all();
    assert_eq!(captures.len(), 50, "captures in tests/data/captures");
    for capture in &captures {
        check(capture);
    }
}

fn check(c: &Capture) {
    match c.name.as_str() {
        "01-Login-bad-password-InvalidLogin" => {
            let fault = fault(c);
            assert_eq!(fault.code, "ServerFaultCode");
            assert_eq!(fault.message, "Login failure");
            assert!(matches!(fault.fault, Some(AnyMethodFault::InvalidLogin(_))));
            assert_eq!(
                fault.to_string(),
                "InvalidLogin (ServerFaultCode): Login failure"
            );
        }
        "01-Login-ok" => {
            let session: UserSession = decode(c);
            assert_eq!(session.key, "1f9f679d-1699-4127-9e94-6b4170a1f23c");
            assert_eq!(session.user_name, "admin");
            assert_eq!(session.login_time.subsec_nanosecond(), 929_043_916);
            assert!(!session.extension_session);
            assert_eq!(session.call_count, 1);
        }
        "01-Logout" | "02-DestroyView" | "08-UnregisterVM" | "09-SetField"
        | "09-setCustomValue" => {
            assert_void(c);
        }
        "01-RetrievePropertiesEx-without-session" => {
            let result = properties(c);
            let missing = &result.objects[0].missing_set[0];
            assert_eq!(missing.path, "name");
            let AnyMethodFault::NotAuthenticated(fault) = &missing.fault.fault else {
                panic!("missingSet fault: {:?}", missing.fault);
            };
            assert_eq!(fault.object, Some(moref("Folder", "group-d1")));
            assert_eq!(fault.privilege_id.as_deref(), Some("System.Read"));
            assert!(missing.fault.fault.is_a(FaultKind::NotAuthenticated));
        }
        "01-SessionManager-currentSession" => {
            let session: UserSession = property(&properties(c), "currentSession")
                .into_typed()
                .unwrap();
            assert_eq!(session.call_count, 9);
            assert_eq!(
                session.last_active_time.to_string(),
                "2026-11-25T14:59:26.975667047Z"
            );
        }
        "01-after-logout-NotAuthenticated" | "01-no-session-NotAuthenticated" => {
            let fault = fault(c);
            assert_eq!(fault.message, "");
            assert!(fault.is_a(FaultKind::NotAuthenticated));
            let Some(AnyMethodFault::NotAuthenticated(detail)) = &fault.fault else {
                unreachable!()
            };
            assert_eq!(detail.privilege_id.as_deref(), Some("System.View"));
        }
        "01-prefixed-envelope-accepted" => {
            let fault = fault(c);
            assert_eq!(fault.message, "xml.Unmarshal: EOF");
            assert!(fault.is_a(FaultKind::InvalidRequest));
        }
        "01-unknown-method-InvalidRequest" => {
            let fault = fault(c);
            assert_eq!(fault.message, "no vmomi type defined for 'FooBar'");
            assert!(fault.is_a(FaultKind::RuntimeFault));
        }
        "02-ContinueRetrievePropertiesEx-MethodNotFound" => {
            let Some(AnyMethodFault::MethodNotFound(detail)) = fault(c).fault else {
                unreachable!()
            };
            assert_eq!(
                detail.receiver,
                moref("PropertyCollector", "propertyCollector")
            );
            assert_eq!(detail.method, "ContinueRetrievePropertiesEx");
        }
        "02-CreateContainerView" => assert_eq!(
            decode::<ManagedObjectReference>(c),
            moref(
                "ContainerView",
                "session[2520f4be-fabb-4aff-b695-bf4fdfacc5cf]0b0bc856-8995-43b9-93f3-3b1b5c1cd22d"
            )
        ),
        "02-FindByInventoryPath-found" => {
            assert_eq!(
                decode::<Option<ManagedObjectReference>>(c),
                Some(moref("VirtualMachine", "vm-36"))
            );
        }
        "02-FindByInventoryPath-notfound" => {
            assert_eq!(decode::<Option<ManagedObjectReference>>(c), None);
        }
        "02-RetrievePropertiesEx-invalid-property-missingSet" => {
            let result = properties(c);
            let missing = &result.objects[0].missing_set[0];
            let AnyMethodFault::InvalidProperty(fault) = &missing.fault.fault else {
                unreachable!()
            };
            assert_eq!(fault.name, "nonexistentProp");
        }
        "02-RetrievePropertiesEx-names-maxObjects1-ignored" => {
            let result = properties(c);
            assert_eq!(result.token, None);
            let names: Vec<_> = result
                .objects
                .iter()
                .map(|o| (o.obj.value.as_str(), o.prop_set[0].val.as_str().unwrap()))
                .collect();
            assert_eq!(
                names,
                [
                    ("vm-36", "DC0_C0_RP0_VM0"),
                    ("vm-39", "DC0_C0_RP0_VM1"),
                    ("vm-42", "DC0_C0_RP0_VM2")
                ]
            );
        }
        "03-CreateFilter" => {
            assert_eq!(decode::<ManagedObjectReference>(c).r#type, "PropertyFilter")
        }
        "03-CreateSnapshot_Task" => assert_task(c, "task-44"),
        "03-RetrievePropertiesEx-task-info-state" => {
            let result = properties(c);
            assert_eq!(
                property(&result, "info.state").into_typed(),
                Ok(TaskInfoState::Success)
            );
            assert_eq!(
                property(&result, "info.result"),
                Value::ManagedObjectReference(moref("VirtualMachineSnapshot", "snapshot-45"))
            );
        }
        "03-WaitForUpdatesEx-CancelWaitForUpdates-RequestCanceled" => {
            assert!(fault(c).is_a(FaultKind::RequestCanceled));
        }
        "03-WaitForUpdatesEx-initial-version-empty" => {
            let update: UpdateSet = decode::<Option<UpdateSet>>(c).unwrap();
            assert_eq!(update.version, "-");
            let object = &update.filter_set[0].object_set[0];
            assert_eq!(object.kind, ObjectUpdateKind::Enter);
            assert_eq!(object.obj, moref("Task", "task-44"));
            let changes: Vec<_> = object
                .change_set
                .iter()
                .map(|c| (c.name.as_str(), c.val.is_some()))
                .collect();
            assert_eq!(
                changes,
                [
                    ("info.state", true),
                    ("info.error", false),
                    ("info.result", true)
                ]
            );
            assert!(
                object
                    .change_set
                    .iter()
                    .all(|c| c.op == PropertyChangeOp::Assign)
            );
        }
        "03-WaitForUpdatesEx-modify" => {
            let update: UpdateSet = decode::<Option<UpdateSet>>(c).unwrap();
            let change = &update.filter_set[0].object_set[0].change_set[0];
            let info: VirtualMachineSnapshotInfo =
                change.val.clone().unwrap().into_typed().unwrap();
            assert_eq!(
                info.current_snapshot,
                Some(moref("VirtualMachineSnapshot", "snapshot-47"))
            );
            let child = &info.root_snapshot_list[0].child_snapshot_list[0];
            assert_eq!(child.name, "backup-snap-2");
            assert_eq!(child.state, VirtualMachinePowerState::PoweredOn);
        }
        "03-WaitForUpdatesEx-timeout-null" => assert_eq!(decode::<Option<UpdateSet>>(c), None),
        "04-CloneVM_Task-linked-from-snapshot" => assert_task(c, "task-51"),
        "04-CloneVM_Task-sparse" => assert_task(c, "task-54"),
        "04-CreateLocalDatastore" => assert_eq!(
            decode::<ManagedObjectReference>(c),
            moref("Datastore", "/srv/ds/other/NFS_durian@folder-5")
        ),
        "04-CreateNasDatastore" => assert_eq!(
            decode::<ManagedObjectReference>(c),
            moref("Datastore", "nfs.example.invalid:/export/durian@folder-5")
        ),
        "04-CreateNasDatastore-DuplicateName"
        | "05-CreateFolder-DuplicateName"
        | "09-AddCustomFieldDef-DuplicateName" => {
            let Some(AnyMethodFault::DuplicateName(detail)) = fault(c).fault else {
                unreachable!()
            };
            let expected = match c.name.as_str() {
                "04-CreateNasDatastore-DuplicateName" => ("NFS_durian", "Datastore"),
                "05-CreateFolder-DuplicateName" => ("backups", "Folder"),
                _ => ("backup.source", "CustomFieldsManager"),
            };
            assert_eq!(
                (detail.name.as_str(), detail.object.r#type.as_str()),
                expected
            );
        }
        "04-CreateNasDatastore-NotFound-localPath" => {
            let fault = fault(c);
            assert!(matches!(fault.fault, Some(AnyMethodFault::NotFound(_))));
            assert!(fault.message.starts_with("stat /srv/ds/does-not-exist"));
        }
        "04-task-info-error-InvalidVmConfig-empty-name" => {
            let AnyMethodFault::InvalidVmConfig(fault) = task_error(c).fault else {
                unreachable!()
            };
            assert_eq!(fault.property.as_deref(), Some("configSpec.name"));
        }
        "05-CreateFolder" => assert_eq!(
            decode::<ManagedObjectReference>(c),
            moref("Folder", "folder-46")
        ),
        "05-MoveIntoFolder_Task" => assert_task(c, "task-56"),
        "05-task-info-error-NotSupported-move-into-hostFolder" => {
            let error = task_error(c);
            assert_eq!(
                error.localized_message.as_deref(),
                Some("*types.NotSupported")
            );
            assert!(error.fault.is_a(FaultKind::NotSupported));
            assert!(error.fault.is_a(FaultKind::RuntimeFault));
        }
        "06-RemoveAllSnapshots_Task" => assert_task(c, "task-75"),
        "06-RemoveSnapshot_Task" => assert_task(c, "task-67"),
        "06-RemoveSnapshot_Task-ManagedObjectNotFound"
        | "07-Destroy_Task-ManagedObjectNotFound" => {
            let Some(AnyMethodFault::ManagedObjectNotFound(detail)) = fault(c).fault else {
                unreachable!()
            };
            assert!(["snapshot-64", "vm-52"].contains(&detail.obj.value.as_str()));
        }
        "06-RetrievePropertiesEx-snapshot-tree" => check_snapshot_tree(c),
        "07-Destroy_Task" => assert_task(c, "task-76"),
        "07-PowerOffVM_Task" => assert_task(c, "task-77"),
        "07-task-info-error-InvalidPowerState" => {
            let AnyMethodFault::InvalidPowerState(fault) = task_error(c).fault else {
                unreachable!()
            };
            assert_eq!(
                fault.requested_state,
                Some(VirtualMachinePowerState::PoweredOff)
            );
            assert_eq!(fault.existing_state, VirtualMachinePowerState::PoweredOn);
        }
        "08-RegisterVM_Task" => assert_task(c, "task-85"),
        "08-task-info-error-AlreadyExists" => {
            let AnyMethodFault::AlreadyExists(fault) = task_error(c).fault else {
                unreachable!()
            };
            assert_eq!(fault.name.as_deref(), Some("vm-104"));
        }
        "09-AddCustomFieldDef" => {
            let definition: CustomFieldDef = decode(c);
            assert_eq!(
                (definition.key, definition.name.as_str()),
                (0, "backup.source")
            );
            assert_eq!(
                definition.managed_object_type.as_deref(),
                Some("VirtualMachine")
            );
        }
        "09-ReconfigVM_Task-annotation" => assert_task(c, "task-107"),
        other => panic!("no expectation for the capture {other}: add one to check()"),
    }
}

fn check_snapshot_tree(c: &Capture) {
    let result = properties(c);
    let info: VirtualMachineSnapshotInfo = property(&result, "snapshot").into_typed().unwrap();
    let mut names = Vec::new();
    let mut level = &info.root_snapshot_list;
    while let Some(tree) = level.first() {
        names.push(tree.name.as_str());
        level = &tree.child_snapshot_list;
    }
    assert_eq!(names, ["backup-snap", "backup-snap-b", "backup-snap-c"]);

    let Value::Array { item_type, items } = property(&result, "layoutEx.snapshot") else {
        panic!("layoutEx.snapshot is not an array");
    };
    assert_eq!(item_type, "VirtualMachineFileLayoutExSnapshotLayout");
    let Value::Object(layout) = &items[2] else {
        panic!("not an object: {:?}", items[2])
    };
    assert_eq!(layout.xsi_type, "VirtualMachineFileLayoutExSnapshotLayout");
    assert_eq!(
        layout.get("key"),
        Some(&Value::ManagedObjectReference(moref(
            "VirtualMachineSnapshot",
            "snapshot-66"
        )))
    );

    let roots: Vec<ManagedObjectReference> =
        property(&result, "rootSnapshot").into_typed().unwrap();
    assert!(roots.is_empty());
}

#[test]
fn a_remove_snapshot_task_names_the_snapshot_as_its_entity() {
    // The simulator's RemoveSnapshot_Task reports the snapshot (not a ManagedEntity) as
    // `info.entity`; pyvmomi's strict decoder raises on it, this one must not.
    let body = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="Task">task-67</obj><propSet><name>info</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="TaskInfo"><key>task-67</key><task type="Task">task-67</task><descriptionId>VirtualMachineSnapshot.remove</descriptionId><entity type="VirtualMachineSnapshot">snapshot-64</entity><entityName>snapshot-64</entityName><state>success</state><cancelled>false</cancelled><cancelable>false</cancelable><reason XMLSchema-instance:type="TaskReasonUser"><userName>admin</userName></reason><queueTime>2026-11-25T14:54:17.7Z</queueTime><eventChainId>70</eventChainId></val></propSet></objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;
    let result: Option<RetrieveResult> = decode_response(body, &DecodeLimits::default()).unwrap();
    let info: vsphere_client::types::TaskInfo = result.unwrap().objects[0].prop_set[0]
        .val
        .clone()
        .into_typed()
        .unwrap();
    assert_eq!(
        info.entity,
        Some(moref("VirtualMachineSnapshot", "snapshot-64"))
    );
    assert_eq!(info.state, TaskInfoState::Success);
    assert_eq!(
        info.queue_time,
        "2026-11-25T14:54:17.7Z".parse::<Timestamp>().unwrap()
    );
    let vsphere_client::types::AnyTaskReason::TaskReasonUser(reason) = info.reason else {
        panic!("reason: {:?}", info.reason);
    };
    assert_eq!(reason.user_name, "admin");
}

#[test]
fn decode_errors_name_the_element_path() {
    let body = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">vm-1</obj></objects><objects><obj type="VirtualMachine">vm-2</obj><propSet><name>config.hardware.numCPU</name><val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xsd:int" xmlns:xsd="http://www.w3.org/2001/XMLSchema">four</val></propSet></objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;
    let Err(ResponseError::Decode(error)) =
        decode_response::<Option<RetrieveResult>>(body, &DecodeLimits::default())
    else {
        panic!("expected a decode error");
    };
    assert_eq!(
        error.path(),
        "Envelope/Body/RetrievePropertiesExResponse/returnval/objects[1]/propSet[0]/val"
    );
    assert!(error.to_string().contains("found `four`"), "{error}");
}

#[test]
fn non_soap_bodies_are_decode_errors() {
    for body in [
        &b"not xml"[..],
        b"",
        b"<html><body>502 Bad Gateway</body></html>",
    ] {
        let result = decode_response::<()>(body, &DecodeLimits::default());
        assert!(
            matches!(result, Err(ResponseError::Decode(_))),
            "{result:?}"
        );
    }
}
