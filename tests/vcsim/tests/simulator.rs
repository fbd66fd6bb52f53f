//! Guards the harness itself: the launcher starts, enforces its login, builds the requested inventory,
//! serves TLS with the test certificate, honours its options, restarts and stops.

mod soap;

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vcsim::{Error, Simulator, TestCert};

use soap::{login, returnval, session, soap};

const RETRIEVE_SERVICE_CONTENT: &str = r#"<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>"#;
const CURRENT_TIME: &str = r#"<CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></CurrentTime>"#;

/// `(name, number of hosts in its host property)` of every datastore, via a container view.
fn datastores(simulator: &Simulator, session: &str) -> Vec<(String, usize)> {
    let view = soap(
        simulator,
        Some(session),
        r#"<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>Datastore</type><recursive>true</recursive></CreateContainerView>"#,
    );
    let retrieve = format!(
        r#"<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Datastore</type><all>false</all><pathSet>name</pathSet><pathSet>host</pathSet></propSet><objectSet><obj type="ContainerView">{}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>tv</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet><options></options></RetrievePropertiesEx>"#,
        returnval(&view)
    );
    let reply = soap(simulator, Some(session), &retrieve);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
        .body
        .split("<objects>")
        .skip(1)
        .map(|object| {
            let name = object
                .split(r#"XMLSchema-instance:type="xsd:string">"#)
                .nth(1)
                .and_then(|rest| rest.split('<').next());
            (
                name.expect("a datastore name").to_owned(),
                object.matches(r#"<key type="HostSystem">"#).count(),
            )
        })
        .collect()
}

#[test]
fn answers_soap_over_plain_http() {
    let simulator = Simulator::builder().start().expect("start the simulator");
    assert!(
        simulator.url().starts_with("http://127.0.0.1:"),
        "{}",
        simulator.url()
    );

    let reply = soap(&simulator, None, RETRIEVE_SERVICE_CONTENT);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply
            .body
            .contains(r#"<rootFolder type="Folder">group-d1</rootFolder>"#),
        "{}",
        reply.body
    );
}

#[test]
fn login_accepts_only_the_configured_password() {
    let simulator = Simulator::builder()
        .username("backup")
        .password("S3cret!")
        .start()
        .expect("start the simulator");

    let wrong = login(&simulator, "pass");
    assert_eq!(wrong.status, 500);
    assert!(
        wrong.body.contains(r#"xsi:type="InvalidLogin""#),
        "{}",
        wrong.body
    );
    assert_eq!(wrong.session, None);

    let right = login(&simulator, "S3cret!");
    assert_eq!(right.status, 200, "{}", right.body);
    assert!(
        right.body.contains("<userName>backup</userName>"),
        "{}",
        right.body
    );
    let time = soap(&simulator, right.session.as_deref(), CURRENT_TIME);
    assert_eq!(time.status, 200, "{}", time.body);
}

#[test]
fn builds_the_requested_inventory() {
    let simulator = Simulator::builder()
        .hosts(2)
        .datastores(1)
        .nfs(["NFS_durian", "NFS_mango"])
        .vm_name("avocado2")
        .start()
        .expect("start the simulator");
    let session = session(&simulator);

    let mut found = datastores(&simulator, &session);
    found.sort();
    let expected = [("LocalDS_0", 2), ("NFS_durian", 2), ("NFS_mango", 2)]
        .map(|(name, hosts)| (name.to_owned(), hosts));
    assert_eq!(found, expected, "every datastore is mounted on both hosts");

    let find = |path| soap::find(&simulator, &session, path);
    assert!(find("DC0/vm/avocado2").is_some_and(|vm| vm.starts_with("vm-")));
    assert_eq!(
        find("DC0/vm/DC0_C0_RP0_VM0"),
        None,
        "the first VM was renamed"
    );
}

#[test]
fn serves_https_with_the_test_certificate() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cert = TestCert::generate(dir.path()).expect("generate a certificate");
    let simulator = Simulator::builder()
        .tls(&cert)
        .start()
        .expect("start the simulator");

    assert_eq!(
        simulator.url(),
        format!("https://{}/sdk", simulator.address())
    );
    assert_eq!(
        served_sha256_fingerprint(simulator.address()),
        cert.sha256_fingerprint()
    );
}

#[test]
fn test_certificate_is_2048_bit_rsa_for_the_loopback_address() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cert = TestCert::generate(dir.path()).expect("generate a certificate");

    let text = openssl(
        &[
            "x509",
            "-noout",
            "-text",
            "-in",
            &cert.cert_path().to_string_lossy(),
        ],
        b"",
    );
    assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
    assert!(text.contains("IP Address:127.0.0.1"), "{text}");
    assert!(cert.key_path().is_file());
    assert!(cert.pem().starts_with("-----BEGIN CERTIFICATE-----"));
    let is_fingerprint = |fp: &str, bytes: usize| {
        fp.len() == bytes * 3 - 1
            && fp.split(':').all(|pair| {
                pair.len() == 2
                    && pair
                        .chars()
                        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            })
    };
    assert!(
        is_fingerprint(cert.sha256_fingerprint(), 32),
        "{}",
        cert.sha256_fingerprint()
    );
    assert!(
        is_fingerprint(cert.sha1_fingerprint(), 20),
        "{}",
        cert.sha1_fingerprint()
    );
}

/// The SHA-256 fingerprint of the certificate served on `address`, as `openssl s_client` sees it.
fn served_sha256_fingerprint(address: &str) -> String {
    let served = openssl(&["s_client", "-connect", address], b"");
    let fingerprint = openssl(
        &["x509", "-noout", "-fingerprint", "-sha256"],
        served.as_bytes(),
    );
    fingerprint
        .trim()
        .split_once('=')
        .expect("a fingerprint")
        .1
        .to_owned()
}

fn openssl(args: &[&str], stdin: &[u8]) -> String {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run openssl");
    child
        .stdin
        .take()
        .expect("a stdin pipe")
        .write_all(stdin)
        .expect("write to openssl");
    let output = child.wait_with_output().expect("wait for openssl");
    assert!(output.status.success(), "openssl {args:?} failed");
    String::from_utf8(output.stdout).expect("UTF-8 from openssl")
}

#[test]
fn restart_serves_a_fresh_inventory_on_the_same_url() {
    let mut simulator = Simulator::builder().start().expect("start the simulator");
    let (url, pid) = (simulator.url().to_owned(), simulator.pid());
    let old_session = session(&simulator);

    simulator.restart().expect("restart the simulator");

    assert_eq!(simulator.url(), url);
    assert_ne!(simulator.pid(), pid);
    let time = soap(&simulator, Some(&old_session), CURRENT_TIME);
    assert!(
        time.body.contains(r#"xsi:type="NotAuthenticated""#),
        "sessions do not survive: {}",
        time.body
    );
    let new_session = session(&simulator);
    assert_eq!(
        soap(&simulator, Some(&new_session), CURRENT_TIME).status,
        200
    );
}

#[test]
fn stop_and_drop_end_the_process() {
    let simulator = Simulator::builder().start().expect("start the simulator");
    let address = simulator.address().to_owned();
    simulator.stop().expect("a clean shutdown");
    assert!(
        TcpStream::connect(&address).is_err(),
        "nothing listens on {address} any more"
    );

    let simulator = Simulator::builder().start().expect("start the simulator");
    let pid = simulator.pid().expect("a running simulator");
    drop(simulator);
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "process {pid} is gone"
    );
}

#[test]
fn method_delay_slows_that_method() {
    let delay = Duration::from_millis(500);
    let simulator = Simulator::builder()
        .method_delay("CurrentTime", delay)
        .start()
        .expect("start the simulator");
    let session = session(&simulator);

    let started = Instant::now();
    assert_eq!(soap(&simulator, Some(&session), CURRENT_TIME).status, 200);
    assert!(
        started.elapsed() >= delay,
        "took only {:?}",
        started.elapsed()
    );
}

#[test]
fn idle_sessions_expire() {
    let simulator = Simulator::builder()
        .session_idle_timeout(Duration::from_millis(200))
        .start()
        .expect("start the simulator");
    let session = session(&simulator);

    std::thread::sleep(Duration::from_millis(1000));
    let time = soap(&simulator, Some(&session), CURRENT_TIME);
    assert!(
        time.body.contains(r#"xsi:type="NotAuthenticated""#),
        "{}",
        time.body
    );
}

#[test]
fn trace_file_records_the_soap_traffic() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let trace = dir.path().join("trace.log");
    let simulator = Simulator::builder()
        .trace_file(&trace)
        .start()
        .expect("start the simulator");

    soap(&simulator, None, RETRIEVE_SERVICE_CONTENT);

    let traced = std::fs::read_to_string(&trace).expect("read the trace");
    assert!(traced.contains("<RetrieveServiceContent"), "{traced}");
}

#[test]
fn start_reports_why_the_launcher_refused() {
    let error = Simulator::builder()
        .hosts(0)
        .start()
        .expect_err("zero hosts is refused");
    assert!(matches!(error, Error::Exited { .. }), "{error:?}");
    assert!(
        error.to_string().contains("-hosts must be at least 1"),
        "{error}"
    );
}

#[test]
fn esx_mode_serves_a_standalone_host_sharing_the_nfs_root() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let esx = Simulator::builder()
        .esx()
        .vms(0)
        .nfs(["NFS_durian"])
        .nfs_root(root.path())
        .start()
        .expect("the ESXi simulator starts");
    let content = soap(&esx, None, RETRIEVE_SERVICE_CONTENT);
    assert!(content.body.contains("HostAgent"), "{}", content.body);
    assert!(content.body.contains("ha-folder-root"), "{}", content.body);
    assert!(root.path().join("NFS_durian").is_dir());
    std::fs::write(root.path().join("NFS_durian/left.txt"), "by the NAS").unwrap();
    esx.stop().expect("the simulator stops");
    assert_eq!(
        std::fs::read_to_string(root.path().join("NFS_durian/left.txt")).unwrap(),
        "by the NAS",
        "the NFS root is kept"
    );
}
