//! `async_task`: a `*_Task` method answered at once with a running, cancelable task that does the
//! work after its duration, as on a real vCenter; checked over raw SOAP and through
//! vsphere-client's `Task::wait`.

mod soap;

use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::thread::sleep;
use std::time::{Duration, Instant};

use vcsim::Simulator;
use vsphere_client::object::{CloneSpec, Folder, SearchIndex, VirtualMachine};
use vsphere_client::transport::ProxyPolicy;
use vsphere_client::types::{ManagedObjectReference, TaskInfoState};
use vsphere_client::{Client, ClientConfig, Error, Password};

use soap::{Reply, find, request, returnval, session, soap};

/// How long a clone takes.
const DURATION: Duration = Duration::from_secs(4);
/// The simulator's first VM, the source of the clones.
const SOURCE: &str = "DC0_C0_RP0_VM0";
/// Far longer than any task here takes.
const PATIENCE: Duration = Duration::from_secs(30);

fn simulator() -> Simulator {
    Simulator::builder()
        .async_task("CloneVM_Task", DURATION)
        .start()
        .expect("start the simulator")
}

/// The `CloneVM_Task` request cloning the source VM into the vm folder as `name`.
fn clone_request(simulator: &Simulator, session: &str, name: &str) -> String {
    let folder = find(simulator, session, "DC0/vm").expect("the vm folder");
    clone_into_request(simulator, session, &folder, name)
}

/// The `CloneVM_Task` request cloning the source VM into `folder` as `name`.
fn clone_into_request(simulator: &Simulator, session: &str, folder: &str, name: &str) -> String {
    let source = find(simulator, session, &format!("DC0/vm/{SOURCE}")).expect("the source VM");
    format!(
        r#"<CloneVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">{source}</_this><folder type="Folder">{folder}</folder><name>{name}</name><spec><location></location><powerOn>false</powerOn><template>false</template></spec></CloneVM_Task>"#
    )
}

/// Starts cloning the source VM as `name` and returns the task's moref value.
fn start_clone(simulator: &Simulator, session: &str, name: &str) -> String {
    start(simulator, session, &clone_request(simulator, session, name))
}

/// Calls the `*_Task` method `request` and returns the task's moref value.
fn start(simulator: &Simulator, session: &str, request: &str) -> String {
    let reply = soap(simulator, Some(session), request);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.body.contains(r#"<returnval type="Task">"#),
        "{}",
        reply.body
    );
    returnval(&reply).to_owned()
}

fn cancel(simulator: &Simulator, session: Option<&str>, task: &str) -> Reply {
    let body =
        format!(r#"<CancelTask xmlns="urn:vim25"><_this type="Task">{task}</_this></CancelTask>"#);
    soap(simulator, session, &body)
}

/// The response body of reading property `path` of the object `kind:value`.
fn property(simulator: &Simulator, session: &str, kind: &str, value: &str, path: &str) -> String {
    let body = format!(
        r#"<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>{kind}</type><pathSet>{path}</pathSet></propSet><objectSet><obj type="{kind}">{value}</obj></objectSet></specSet><options></options></RetrievePropertiesEx>"#
    );
    let reply = soap(simulator, Some(session), &body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

/// The task's `info`: the `TaskInfo` element's content.
fn task_info(simulator: &Simulator, session: &str, task: &str) -> String {
    let body = property(simulator, session, "Task", task, "info");
    let (_, info) = body.split_once("<val ").expect("a value");
    info.to_owned()
}

/// The tasks listed in the `recentTask` of `kind:value`.
fn recent_tasks(simulator: &Simulator, session: &str, kind: &str, value: &str) -> Vec<String> {
    property(simulator, session, kind, value, "recentTask")
        .split(r#"<ManagedObjectReference type="Task">"#)
        .skip(1)
        .filter_map(|rest| rest.split('<').next())
        .map(str::to_owned)
        .collect()
}

/// The text of the first `<name>` element in `xml`.
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{name}>"))? + name.len() + 2;
    let end = xml[start..].find(&format!("</{name}>"))?;
    Some(&xml[start..start + end])
}

fn progress(info: &str) -> i32 {
    element(info, "progress").map_or(0, |percent| percent.parse().expect("a percentage"))
}

/// Reads the task's info until its state is `success` or `error`.
fn finished_info(simulator: &Simulator, session: &str, task: &str) -> String {
    let started = Instant::now();
    loop {
        let info = task_info(simulator, session, task);
        if matches!(element(&info, "state"), Some("success" | "error")) {
            return info;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "{task} never finished: {info}"
        );
        sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_clone_runs_in_the_background_then_succeeds() {
    let simulator = simulator();
    let session = session(&simulator);
    let source = find(&simulator, &session, &format!("DC0/vm/{SOURCE}")).expect("the source VM");

    let started = Instant::now();
    let task = start_clone(&simulator, &session, "clone-ok");
    assert!(started.elapsed() < DURATION, "took {:?}", started.elapsed());

    let info = task_info(&simulator, &session, &task);
    assert_eq!(element(&info, "state"), Some("running"), "{info}");
    assert_eq!(element(&info, "cancelable"), Some("true"), "{info}");
    assert_eq!(element(&info, "cancelled"), Some("false"), "{info}");
    assert_eq!(element(&info, "name"), Some("CloneVM_Task"), "{info}");
    assert_eq!(
        element(&info, "descriptionId"),
        Some("VirtualMachine.cloneVM")
    );
    assert_eq!(element(&info, "entityName"), Some(SOURCE), "{info}");
    assert!(
        info.contains(&format!(
            r#"<entity type="VirtualMachine">{source}</entity>"#
        )),
        "{info}"
    );
    assert!(element(&info, "startTime").is_some(), "{info}");
    assert_eq!(element(&info, "userName"), Some(simulator.username()));
    assert_eq!(element(&info, "completeTime"), None, "{info}");
    assert!(recent_tasks(&simulator, &session, "TaskManager", "TaskManager").contains(&task));
    assert_eq!(
        recent_tasks(&simulator, &session, "VirtualMachine", &source),
        std::slice::from_ref(&task)
    );
    assert_eq!(find(&simulator, &session, "DC0/vm/clone-ok"), None);

    sleep(Duration::from_millis(1100));
    let early = task_info(&simulator, &session, &task);
    sleep(Duration::from_millis(1000));
    let later = task_info(&simulator, &session, &task);
    assert_eq!(element(&later, "state"), Some("running"), "{later}");
    assert!(
        0 < progress(&early) && progress(&early) < progress(&later) && progress(&later) < 100,
        "progress advances: {} then {}",
        progress(&early),
        progress(&later)
    );

    let done = finished_info(&simulator, &session, &task);
    assert!(
        started.elapsed() >= DURATION,
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(element(&done, "state"), Some("success"), "{done}");
    assert_eq!(element(&done, "cancelable"), Some("false"), "{done}");
    assert!(element(&done, "completeTime").is_some(), "{done}");
    let clone = find(&simulator, &session, "DC0/vm/clone-ok").expect("the clone exists");
    assert!(
        done.contains(&format!(r#"type="VirtualMachine">{clone}</result>"#)),
        "the result is the clone {clone}: {done}"
    );
    assert_eq!(
        recent_tasks(&simulator, &session, "VirtualMachine", &source),
        Vec::<String>::new()
    );
}

#[test]
fn a_cancelled_clone_fails_with_request_canceled_and_makes_no_clone() {
    let simulator = simulator();
    let session = session(&simulator);
    let started = Instant::now();
    let task = start_clone(&simulator, &session, "clone-cancelled");

    let anonymous = cancel(&simulator, None, &task);
    assert!(
        anonymous.body.contains(r#"xsi:type="NotAuthenticated""#),
        "{}",
        anonymous.body
    );
    let reply = cancel(&simulator, Some(&session), &task);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("<CancelTaskResponse"), "{}", reply.body);

    let info = finished_info(&simulator, &session, &task);
    assert!(started.elapsed() < DURATION, "took {:?}", started.elapsed());
    assert_eq!(element(&info, "state"), Some("error"), "{info}");
    assert_eq!(element(&info, "cancelled"), Some("true"), "{info}");
    assert_eq!(element(&info, "cancelable"), Some("false"), "{info}");
    assert!(info.contains(r#":type="RequestCanceled""#), "{info}");

    let again = cancel(&simulator, Some(&session), &task);
    assert_eq!(again.status, 500);
    assert!(
        again.body.contains(r#"xsi:type="InvalidState""#),
        "{}",
        again.body
    );

    sleep((DURATION + Duration::from_secs(1)).saturating_sub(started.elapsed()));
    assert_eq!(find(&simulator, &session, "DC0/vm/clone-cancelled"), None);
    assert_eq!(
        element(&task_info(&simulator, &session, &task), "state"),
        Some("error")
    );
}

#[test]
fn a_clone_is_made_after_its_caller_disconnects_and_logs_out() {
    let simulator = simulator();
    let caller = session(&simulator);
    let observer = session(&simulator);
    let source = find(&simulator, &observer, &format!("DC0/vm/{SOURCE}")).expect("the source VM");

    let mut stream = TcpStream::connect(simulator.address()).expect("connect");
    let clone = request(
        &simulator,
        Some(&caller),
        &clone_request(&simulator, &caller, "clone-orphan"),
    );
    stream
        .write_all(clone.as_bytes())
        .expect("send CloneVM_Task");
    stream
        .shutdown(Shutdown::Both)
        .expect("drop the connection");
    drop(stream);

    let started = Instant::now();
    while recent_tasks(&simulator, &observer, "VirtualMachine", &source).is_empty() {
        assert!(started.elapsed() < DURATION, "the clone never started");
        sleep(Duration::from_millis(50));
    }
    let logout =
        r#"<Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Logout>"#;
    assert_eq!(soap(&simulator, Some(&caller), logout).status, 200);

    let tasks = recent_tasks(&simulator, &observer, "VirtualMachine", &source);
    let info = finished_info(&simulator, &observer, &tasks[0]);
    assert_eq!(element(&info, "state"), Some("success"), "{info}");
    assert!(find(&simulator, &observer, "DC0/vm/clone-orphan").is_some());
}

#[test]
fn a_clone_whose_folder_was_destroyed_meanwhile_fails_and_the_simulator_lives_on() {
    let simulator = simulator();
    let session = session(&simulator);
    let vm_folder = find(&simulator, &session, "DC0/vm").expect("the vm folder");
    let create = format!(
        r#"<CreateFolder xmlns="urn:vim25"><_this type="Folder">{vm_folder}</_this><name>doomed</name></CreateFolder>"#
    );
    let folder = returnval(&soap(&simulator, Some(&session), &create)).to_owned();
    let task = start(
        &simulator,
        &session,
        &clone_into_request(&simulator, &session, &folder, "clone-homeless"),
    );

    let destroy = format!(
        r#"<Destroy_Task xmlns="urn:vim25"><_this type="Folder">{folder}</_this></Destroy_Task>"#
    );
    let destroyed = finished_info(&simulator, &session, &start(&simulator, &session, &destroy));
    assert_eq!(element(&destroyed, "state"), Some("success"), "{destroyed}");

    let info = finished_info(&simulator, &session, &task);
    assert_eq!(element(&info, "state"), Some("error"), "{info}");
    assert!(info.contains("the simulator failed"), "{info}");
    assert_eq!(find(&simulator, &session, "DC0/vm/clone-homeless"), None);
    assert!(find(&simulator, &session, &format!("DC0/vm/{SOURCE}")).is_some());
}

#[test]
fn a_call_without_a_session_faults_as_before() {
    let simulator = simulator();
    let session = session(&simulator);
    let body = clone_request(&simulator, &session, "clone-anonymous");

    let reply = soap(&simulator, None, &body);
    assert_eq!(reply.status, 500);
    assert!(
        reply.body.contains(r#"xsi:type="NotAuthenticated""#),
        "{}",
        reply.body
    );
}

async fn client(simulator: &Simulator) -> Client {
    let mut config = ClientConfig::new(simulator.url().parse().expect("the simulator's URL"));
    config.transport.proxy = ProxyPolicy::Direct;
    config.keepalive = None;
    let client = Client::connect(config).await.expect("connect");
    client
        .login(simulator.username(), &Password::from(simulator.password()))
        .await
        .expect("login");
    client
}

async fn lookup(client: &Client, path: &[&str]) -> ManagedObjectReference {
    SearchIndex::of(client)
        .expect("a search index")
        .find_by_inventory_path(path)
        .await
        .expect("FindByInventoryPath")
        .unwrap_or_else(|| panic!("{path:?} exists"))
}

#[tokio::test]
async fn vsphere_clients_wait_follows_progress_and_cancels_on_timeout() {
    let simulator = simulator();
    let client = client(&simulator).await;
    let source = VirtualMachine::new(
        client.clone(),
        lookup(&client, &["DC0", "vm", SOURCE]).await,
    );
    let folder = Folder::new(client.clone(), lookup(&client, &["DC0", "vm"]).await);

    let task = source
        .clone_vm(&folder, "client-clone", CloneSpec::new())
        .await
        .expect("CloneVM_Task");
    let mut reports = Vec::new();
    let result = task
        .wait(PATIENCE, |progress| reports.push(progress))
        .await
        .expect("the clone succeeds");
    let clone: ManagedObjectReference = result.into_typed().expect("a reference");
    assert_eq!(clone, lookup(&client, &["DC0", "vm", "client-clone"]).await);
    let percents: Vec<i32> = reports.iter().filter_map(|report| report.percent).collect();
    assert!(
        reports
            .iter()
            .all(|report| report.state == TaskInfoState::Running),
        "{reports:?}"
    );
    assert!(
        percents.iter().any(|&percent| percent > 0) && percents.is_sorted(),
        "{reports:?}"
    );

    let task = source
        .clone_vm(&folder, "client-timed-out", CloneSpec::new())
        .await
        .expect("CloneVM_Task");
    let error = task
        .wait(Duration::from_secs(1), |_| {})
        .await
        .expect_err("the clone outlasts the timeout");
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.to_string().contains("asked to cancel"), "{error}");
    let error = task
        .wait(PATIENCE, |_| {})
        .await
        .expect_err("the clone was cancelled");
    assert_eq!(error.fault_type(), Some("RequestCanceled"), "{error}");
    assert!(task.info().await.expect("the task's info").cancelled);
    tokio::time::sleep(DURATION).await;
    let search = SearchIndex::of(&client).expect("a search index");
    let found = search
        .find_by_inventory_path(&["DC0", "vm", "client-timed-out"])
        .await
        .expect("FindByInventoryPath");
    assert_eq!(found, None, "a cancelled clone is never made");
}

#[test]
fn a_zero_duration_is_refused() {
    let error = Simulator::builder()
        .async_task("CloneVM_Task", Duration::ZERO)
        .start()
        .expect_err("a task cannot take no time");
    assert!(
        error
            .to_string()
            .contains("the duration must be at least 1 ms"),
        "{error}"
    );
}
