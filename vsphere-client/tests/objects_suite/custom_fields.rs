//! Custom attributes: defining one and setting it on a VM.

use vsphere_client::object::CustomFieldsManager;
use vsphere_client::types::{AnyCustomFieldValue, FaultKind};

use crate::support::{fresh_vm, login};

#[tokio::test]
async fn a_custom_field_is_defined_once_and_set_on_a_vm() {
    let client = login().await;
    let manager = CustomFieldsManager::of(&client).unwrap();
    let vm = fresh_vm(&client, "custom-fields-vm").await;

    let definition = manager
        .add_field_def("vmrotate.custom-fields-test", Some("VirtualMachine"))
        .await
        .unwrap();
    assert_eq!(definition.name, "vmrotate.custom-fields-test");
    let duplicate = manager
        .add_field_def("vmrotate.custom-fields-test", Some("VirtualMachine"))
        .await
        .unwrap_err();
    assert!(duplicate.is_fault(FaultKind::DuplicateName), "{duplicate}");

    manager
        .set_field(vm.moref(), definition.key, "kept until 2027")
        .await
        .unwrap();

    let values: Vec<AnyCustomFieldValue> = vm
        .properties(&["customValue"])
        .await
        .unwrap()
        .require("customValue")
        .unwrap();
    let set = values.iter().any(|value| {
        matches!(value, AnyCustomFieldValue::CustomFieldStringValue(string)
            if string.key == definition.key && string.value == "kept until 2027")
    });
    assert!(set, "{values:?}");
}
