//! Canned vim25 response content, shaped like the simulator captures (values typed with an
//! `XMLSchema-instance` prefix, as the simulator writes them).

use crate::stub::{FILTER, Reply};

/// The task the task tests wait for.
pub const TASK: &str = "task-7";

/// A typed `<val>`.
pub fn val(xsi_type: &str, text: &str) -> String {
    format!(
        r#"<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="{xsi_type}">{text}</val>"#
    )
}

/// A `<val>` holding a reference.
pub fn reference_val(type_name: &str, value: &str) -> String {
    format!(
        r#"<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ManagedObjectReference" type="{type_name}">{value}</val>"#
    )
}

/// One VM of a property collector result, with its name as the server stores it.
pub fn vm(id: usize, name: &str) -> String {
    format!(
        r#"<objects><obj type="VirtualMachine">vm-{id}</obj><propSet><name>name</name>{}</propSet></objects>"#,
        val("xsd:string", name)
    )
}

/// VMs `vm-<i>` named `VM <i>`, for each `i` in `ids`.
pub fn vms(ids: std::ops::Range<usize>) -> Vec<String> {
    ids.map(|id| vm(id, &format!("VM {id}"))).collect()
}

/// A `RetrievePropertiesEx` or `ContinueRetrievePropertiesEx` page.
pub fn page(method: &str, objects: &[String], token: Option<&str>) -> Reply {
    let token = token
        .map(|token| format!("<token>{token}</token>"))
        .unwrap_or_default();
    Reply::ok(
        method,
        &format!("<returnval>{token}{}</returnval>", objects.concat()),
    )
}

/// A task property in an update: `<val>` content, or `None` for an unset one.
pub type Change<'a> = (&'a str, Option<String>);

/// A `WaitForUpdatesEx` answer reporting `changes` of [`TASK`].
pub fn task_update(version: &str, kind: &str, changes: &[Change<'_>]) -> Reply {
    let changes: String = changes
        .iter()
        .map(|(path, value)| {
            format!(
                "<changeSet><name>{path}</name><op>assign</op>{}</changeSet>",
                value.as_deref().unwrap_or_default()
            )
        })
        .collect();
    Reply::ok(
        "WaitForUpdatesEx",
        &format!(
            r#"<returnval><version>{version}</version><filterSet><filter type="PropertyFilter">{FILTER}</filter><objectSet><kind>{kind}</kind><obj type="Task">{TASK}</obj>{changes}</objectSet></filterSet></returnval>"#
        ),
    )
}

/// A `RetrievePropertiesEx` answer with the set `properties` of [`TASK`].
pub fn task_properties(properties: &[(&str, String)]) -> Reply {
    let props: String = properties
        .iter()
        .map(|(path, value)| format!("<propSet><name>{path}</name>{value}</propSet>"))
        .collect();
    Reply::ok(
        "RetrievePropertiesEx",
        &format!(
            r#"<returnval><objects><obj type="Task">{TASK}</obj>{props}</objects></returnval>"#
        ),
    )
}

pub fn state(state: &str) -> String {
    val("TaskInfoState", state)
}

pub fn progress(percent: i32) -> String {
    val("xsd:int", &percent.to_string())
}

pub fn cancelable(cancelable: bool) -> String {
    val("xsd:boolean", &cancelable.to_string())
}
