//! The event history: `QueryEvents` on the event manager, decoded into typed events.

use vsphere_client::object::EventManager;
use vsphere_client::types::{
    AnyEvent, EventFilterSpec, EventFilterSpecByEntity, EventFilterSpecRecursionOption,
};

use crate::support::{TASK_TIMEOUT, fresh_vm, login};

#[tokio::test]
async fn powering_a_vm_off_is_in_its_typed_event_history() {
    let client = login().await;
    let vm = fresh_vm(&client, "events-power-off").await;
    vm.power_on(None)
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();
    vm.power_off()
        .await
        .unwrap()
        .wait(TASK_TIMEOUT, |_| {})
        .await
        .unwrap();

    let filter = EventFilterSpec {
        entity: Some(EventFilterSpecByEntity {
            entity: vm.moref().clone(),
            recursion: EventFilterSpecRecursionOption::Self_,
        }),
        ..EventFilterSpec::default()
    };
    let events = EventManager::of(&client)
        .unwrap()
        .query_events(filter)
        .await
        .unwrap();

    let powered_off: Vec<_> = events
        .iter()
        .filter_map(|event| match event {
            AnyEvent::VmPoweredOffEvent(event) => Some(event),
            _ => None,
        })
        .collect();
    assert_eq!(powered_off.len(), 1, "{events:#?}");
    let argument = powered_off[0].vm.as_ref().expect("the VM argument");
    assert_eq!(&argument.vm, vm.moref());
    assert_eq!(argument.name, "events-power-off");
    assert!(
        events
            .iter()
            .any(|event| matches!(event, AnyEvent::VmPoweredOnEvent(_))),
        "{events:#?}"
    );
}
