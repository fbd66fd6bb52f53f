//! Encoded requests match the requests recorded in the simulator captures.

mod xml_support;

use vsphere_client::soap::{Method, encode_dynamic, encode_request};
use vsphere_client::types::*;
use vsphere_client::xml::{DecodeLimits, FromXml, ToXml, XmlWriter, from_slice};

fn moref(type_name: &str, value: &str) -> ManagedObjectReference {
    ManagedObjectReference::new(type_name, value)
}

/// The method element of a request body (`<Name xmlns="urn:vim25">...</Name>`), without
/// pyvmomi's `versionId` attributes and with `<x/>` written `<x></x>`.
fn method_element(body: &str, method: &str) -> String {
    let start = body
        .find(&format!("<{method} xmlns=\"urn:vim25\">"))
        .unwrap_or_else(|| panic!("no <{method}> in {body}"));
    let end_tag = format!("</{method}>");
    let end = body.rfind(&end_tag).expect("method end tag") + end_tag.len();
    let element = body[start..end].replace(" versionId=\"6.5\"", "");
    expand_empty_elements(&element)
}

fn expand_empty_elements(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(at) = rest.find("/>") {
        let open = rest[..at].rfind('<').expect("tag start");
        let name = rest[open + 1..at]
            .split_whitespace()
            .next()
            .expect("tag name");
        out.push_str(&rest[..at]);
        out.push_str(&format!("></{name}>"));
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// Asserts that `request` encodes to the method element recorded in `capture`.
fn assert_matches_capture<M: Method>(capture: &str, request: &M) {
    let recorded = xml_support::load(capture).request_body;
    let encoded = String::from_utf8(encode_request(request)).expect("UTF-8");
    assert_eq!(
        method_element(&encoded, M::NAME),
        method_element(&recorded, M::NAME),
        "{capture}"
    );
}

#[test]
fn session_requests_match_the_raw_captures_byte_for_byte() {
    let login = LoginRequest {
        this: moref("SessionManager", "SessionManager"),
        user_name: "admin".into(),
        password: "S3cret!".into(),
        locale: None,
    };
    assert_eq!(
        String::from_utf8(encode_request(&login)).unwrap(),
        xml_support::load("01-Login-ok").request_body
    );
    let logout = LogoutRequest {
        this: moref("SessionManager", "SessionManager"),
    };
    assert_eq!(
        String::from_utf8(encode_request(&logout)).unwrap(),
        xml_support::load("01-Logout").request_body
    );
    let time = CurrentTimeRequest {
        this: moref("ServiceInstance", "ServiceInstance"),
    };
    assert_eq!(
        String::from_utf8(encode_request(&time)).unwrap(),
        xml_support::load("01-after-logout-NotAuthenticated").request_body
    );
}

#[test]
fn property_collector_requests_match_the_captures() {
    let view = moref(
        "ContainerView",
        "session[2520f4be-fabb-4aff-b695-bf4fdfacc5cf]55f22e5d-f92a-42e6-8517-263cc709ad2e",
    );
    let names = RetrievePropertiesExRequest {
        this: moref("PropertyCollector", "propertyCollector"),
        spec_set: vec![PropertyFilterSpec {
            prop_set: vec![PropertySpec {
                r#type: "VirtualMachine".into(),
                all: Some(false),
                path_set: vec!["name".into()],
            }],
            object_set: vec![ObjectSpec {
                obj: view,
                skip: Some(true),
                select_set: vec![
                    TraversalSpec {
                        name: Some("tv".into()),
                        r#type: "ContainerView".into(),
                        path: "view".into(),
                        skip: Some(false),
                        select_set: vec![],
                    }
                    .into(),
                ],
            }],
            report_missing_objects_in_results: None,
        }],
        options: RetrieveOptions {
            max_objects: Some(1),
        },
    };
    assert_matches_capture("02-RetrievePropertiesEx-names-maxObjects1-ignored", &names);
    let encoded = String::from_utf8(encode_request(&names)).unwrap();
    assert!(encoded.contains(r#"<selectSet xsi:type="TraversalSpec"><name>tv</name>"#));

    let task = moref("Task", "task-44");
    let filter = CreateFilterRequest {
        this: moref("PropertyCollector", "propertyCollector"),
        spec: PropertyFilterSpec {
            prop_set: vec![PropertySpec {
                r#type: "Task".into(),
                all: None,
                path_set: vec![
                    "info.state".into(),
                    "info.error".into(),
                    "info.result".into(),
                ],
            }],
            object_set: vec![ObjectSpec {
                obj: task,
                skip: None,
                select_set: vec![],
            }],
            report_missing_objects_in_results: None,
        },
        partial_updates: true,
    };
    assert_matches_capture("03-CreateFilter", &filter);

    let wait = WaitForUpdatesExRequest {
        this: moref("PropertyCollector", "propertyCollector"),
        version: Some(String::new()),
        options: Some(WaitOptions {
            max_wait_seconds: Some(5),
            max_object_updates: None,
        }),
    };
    assert_matches_capture("03-WaitForUpdatesEx-initial-version-empty", &wait);

    let view = CreateContainerViewRequest {
        this: moref("ViewManager", "ViewManager"),
        container: moref("Folder", "group-d1"),
        r#type: vec!["VirtualMachine".into()],
        recursive: true,
    };
    assert_matches_capture("02-CreateContainerView", &view);

    let next = ContinueRetrievePropertiesExRequest {
        this: moref("PropertyCollector", "propertyCollector"),
        token: "bogus".into(),
    };
    assert_matches_capture("02-ContinueRetrievePropertiesEx-MethodNotFound", &next);
}

#[test]
fn vm_lifecycle_requests_match_the_captures() {
    let vm = moref("VirtualMachine", "vm-36");
    assert_matches_capture(
        "03-CreateSnapshot_Task",
        &CreateSnapshotTaskRequest {
            this: vm.clone(),
            name: "backup-snap-1".into(),
            description: Some("pre-clone".into()),
            memory: false,
            quiesce: false,
        },
    );
    assert_matches_capture(
        "04-CloneVM_Task-sparse",
        &CloneVMTaskRequest {
            this: vm.clone(),
            folder: moref("Folder", "folder-3"),
            name: "DC0_C0_RP0_VM0-backup-sparse".into(),
            spec: VirtualMachineCloneSpec {
                location: VirtualMachineRelocateSpec {
                    datastore: Some(moref(
                        "Datastore",
                        "nfs.example.invalid:/export/durian@folder-5",
                    )),
                    transform: Some(VirtualMachineRelocateTransformation::Sparse),
                    ..Default::default()
                },
                template: false,
                power_on: false,
                snapshot: Some(moref("VirtualMachineSnapshot", "snapshot-47")),
                ..Default::default()
            },
        },
    );
    assert_matches_capture(
        "06-RemoveSnapshot_Task",
        &RemoveSnapshotTaskRequest {
            this: moref("VirtualMachineSnapshot", "snapshot-64"),
            remove_children: false,
            consolidate: Some(true),
        },
    );
    assert_matches_capture(
        "06-RemoveAllSnapshots_Task",
        &RemoveAllSnapshotsTaskRequest {
            this: vm.clone(),
            ..Default::default()
        },
    );
    assert_matches_capture("07-Destroy_Task", &DestroyTaskRequest { this: vm });
    assert_matches_capture(
        "07-PowerOffVM_Task",
        &PowerOffVMTaskRequest {
            this: moref("VirtualMachine", "vm-52"),
        },
    );
    assert_matches_capture(
        "09-ReconfigVM_Task-annotation",
        &ReconfigVMTaskRequest {
            this: moref("VirtualMachine", "vm-104"),
            spec: VirtualMachineConfigSpec {
                annotation: Some("backup of DC0_C0_RP0_VM1\nline2 & <xml>".into()),
                ..Default::default()
            },
        },
    );
    assert_matches_capture(
        "08-RegisterVM_Task",
        &RegisterVMTaskRequest {
            this: moref("Folder", "folder-3"),
            path: "[NFS_durian] VM0-bk-direct/VM0-bk-direct.vmx".into(),
            name: Some("VM0-restored".into()),
            as_template: false,
            pool: Some(moref("ResourcePool", "resgroup-15")),
            host: Some(moref("HostSystem", "host-23")),
        },
    );
    assert_matches_capture(
        "08-UnregisterVM",
        &UnregisterVMRequest {
            this: moref("VirtualMachine", "vm-55"),
        },
    );
}

#[test]
fn inventory_and_datastore_requests_match_the_captures() {
    assert_matches_capture(
        "02-FindByInventoryPath-found",
        &FindByInventoryPathRequest {
            this: moref("SearchIndex", "SearchIndex"),
            inventory_path: "DC0/vm/DC0_C0_RP0_VM0".into(),
        },
    );
    assert_matches_capture(
        "05-CreateFolder",
        &CreateFolderRequest {
            this: moref("Folder", "folder-3"),
            name: "backups".into(),
        },
    );
    assert_matches_capture(
        "05-MoveIntoFolder_Task",
        &MoveIntoFolderTaskRequest {
            this: moref("Folder", "folder-46"),
            list: vec![moref("VirtualMachine", "vm-52")],
        },
    );
    assert_matches_capture(
        "04-CreateNasDatastore",
        &CreateNasDatastoreRequest {
            this: moref("HostDatastoreSystem", "hostdatastoresystem-18"),
            spec: HostNasVolumeSpec {
                remote_host: "nfs.example.invalid".into(),
                remote_path: "/export/durian".into(),
                local_path: "/srv/ds/NFS_durian".into(),
                access_mode: "readWrite".into(),
                r#type: Some("NFS".into()),
                ..Default::default()
            },
        },
    );
    assert_matches_capture(
        "09-AddCustomFieldDef",
        &AddCustomFieldDefRequest {
            this: moref("CustomFieldsManager", "CustomFieldsManager"),
            name: "backup.source".into(),
            mo_type: Some("VirtualMachine".into()),
            ..Default::default()
        },
    );
    assert_matches_capture(
        "09-SetField",
        &SetFieldRequest {
            this: moref("CustomFieldsManager", "CustomFieldsManager"),
            entity: moref("VirtualMachine", "vm-104"),
            key: 2,
            value: "DC0_C0_RP0_VM1".into(),
        },
    );
}

#[test]
fn dynamic_calls_have_the_shape_of_the_captured_call() {
    let body = encode_dynamic(
        "setCustomValue",
        &moref("VirtualMachine", "vm-104"),
        &[
            ("key", Value::String("bk.source".into())),
            ("value", Value::String("via setCustomValue".into())),
            ("ignored", Value::Null),
        ],
    );
    let encoded = String::from_utf8(body)
        .unwrap()
        .replace(r#" xsi:type="xsd:string""#, "");
    let recorded = xml_support::load("09-setCustomValue").request_body;
    assert_eq!(
        method_element(&encoded, "setCustomValue"),
        method_element(&recorded, "setCustomValue")
    );

    let body = encode_dynamic(
        "MoveIntoFolder_Task",
        &moref("Folder", "folder-46"),
        &[(
            "list",
            Value::Array {
                item_type: "ManagedObjectReference".into(),
                items: vec![
                    Value::ManagedObjectReference(moref("VirtualMachine", "vm-52")),
                    Value::ManagedObjectReference(moref("VirtualMachine", "vm-53")),
                ],
            },
        )],
    );
    assert!(String::from_utf8(body).unwrap().contains(concat!(
        r#"<list xsi:type="ManagedObjectReference" type="VirtualMachine">vm-52</list>"#,
        r#"<list xsi:type="ManagedObjectReference" type="VirtualMachine">vm-53</list>"#
    )));
}

#[test]
fn debug_output_redacts_secret_fields() {
    let login = LoginRequest {
        this: moref("SessionManager", "SessionManager"),
        user_name: "admin".into(),
        password: "S3cret!".into(),
        locale: None,
    };
    let debug = format!("{login:?}");
    assert!(!debug.contains("S3cret!"), "{debug}");
    assert!(debug.contains(r#"password: <redacted>"#), "{debug}");
    assert!(debug.contains(r#"user_name: "admin""#), "{debug}");

    let nas = HostNasVolumeSpec {
        password: Some("nfs-secret".into()),
        ..Default::default()
    };
    let debug = format!("{nas:#?}");
    assert!(
        !debug.contains("nfs-secret") && debug.contains("<redacted>"),
        "{debug}"
    );
}

/// Encodes `value` as `<tag>` inside a root that binds `xsi`, then decodes it back.
fn round_trip<T: ToXml + FromXml>(value: &T, tag: &str) -> T {
    let mut writer = XmlWriter::new();
    writer.start_element(
        "root",
        None,
        &[
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xmlns:xsd", "http://www.w3.org/2001/XMLSchema"),
        ],
    );
    value.write_xml(&mut writer, tag, None);
    writer.end_element("root");
    let xml = writer.into_string();
    let mut reader =
        vsphere_client::xml::XmlReader::new(xml.as_bytes(), DecodeLimits::default()).unwrap();
    reader.root().unwrap();
    let child = reader.next_child().unwrap().expect("the encoded element");
    T::from_xml(&mut reader, &child).unwrap()
}

#[test]
fn generated_types_round_trip_through_xml() {
    let spec = VirtualMachineCloneSpec {
        location: VirtualMachineRelocateSpec {
            disk_move_type: Some(
                VirtualMachineRelocateDiskMoveOptions::MoveAllDiskBackingsAndDisallowSharing
                    .to_string(),
            ),
            ..Default::default()
        },
        config: Some(VirtualMachineConfigSpec {
            annotation: Some("a\r\nb & c".into()),
            extra_config: vec![AnyOptionValue::OptionValue(OptionValue {
                key: "backup.source".into(),
                value: Some(Value::String("vm-36".into())),
            })],
            ..Default::default()
        }),
        power_on: true,
        ..Default::default()
    };
    assert_eq!(round_trip(&spec, "spec"), spec);

    let selection: AnySelectionSpec = SelectionSpec {
        name: Some("tv".into()),
    }
    .into();
    assert_eq!(round_trip(&selection, "selectSet"), selection);

    let fault = LocalizedMethodFault {
        fault: AnyMethodFault::InvalidPowerState(Box::new(InvalidPowerState {
            requested_state: Some(VirtualMachinePowerState::PoweredOff),
            existing_state: VirtualMachinePowerState::Unrecognized("hibernating".into()),
            ..Default::default()
        })),
        localized_message: None,
    };
    assert_eq!(round_trip(&fault, "error"), fault);
}

#[test]
fn unknown_subtypes_and_fault_types_are_kept() {
    let xml = br#"<objectSet xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><obj type="Folder">group-d1</obj><selectSet xsi:type="FutureSelectionSpec"><name>x</name><depth xsi:type="xsd:int">3</depth></selectSet></objectSet>"#;
    let spec: ObjectSpec = from_slice(xml, DecodeLimits::default()).unwrap();
    let AnySelectionSpec::Unknown(object) = &spec.select_set[0] else {
        panic!("{:?}", spec.select_set);
    };
    assert_eq!(object.xsi_type, "FutureSelectionSpec");
    assert_eq!(object.get("depth"), Some(&Value::Int(3)));
    assert_eq!(spec.select_set[0].type_name(), "FutureSelectionSpec");

    let xml = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>later</faultstring><detail><QuantumFault xmlns="urn:vim25" xsi:type="QuantumFault"><qubits>7</qubits></QuantumFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
    let Err(vsphere_client::soap::ResponseError::Fault(fault)) =
        vsphere_client::soap::decode_response::<()>(xml, &DecodeLimits::default())
    else {
        panic!("expected a fault");
    };
    let detail = fault.fault.as_ref().unwrap();
    assert_eq!(detail.type_name(), "QuantumFault");
    assert!(detail.is_a(FaultKind::MethodFault));
    assert!(!detail.is_a(FaultKind::RuntimeFault));
}

#[test]
fn file_not_found_is_a_file_fault_and_a_method_fault() {
    let fault = AnyMethodFault::FileNotFound(Box::new(FileNotFound {
        file: "[ds] vm/vm.vmx".into(),
        ..Default::default()
    }));
    assert!(fault.is_a(FaultKind::FileNotFound));
    assert!(fault.is_a(FaultKind::FileFault));
    assert!(fault.is_a(FaultKind::VimFault));
    assert!(fault.is_a(FaultKind::MethodFault));
    assert!(!fault.is_a(FaultKind::RuntimeFault));
    assert_eq!(
        fault.ancestors().map(FaultKind::name).collect::<Vec<_>>(),
        ["FileNotFound", "FileFault", "VimFault", "MethodFault"]
    );
}
