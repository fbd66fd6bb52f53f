//! Raw SOAP calls to the simulator for the harness's own tests.
//!
//! SOAP goes over raw HTTP/1.0 (no chunking, one request per connection), in the shape of the
//! requests in shared/reference/simulator-captures/.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use vcsim::Simulator;

/// A SOAP response: HTTP status, session cookie if one was set, and the body.
pub struct Reply {
    pub status: u16,
    pub session: Option<String>,
    pub body: String,
}

/// The HTTP/1.0 request POSTing `body`, wrapped in a SOAP envelope, to the simulator's /sdk.
pub fn request(simulator: &Simulator, session: Option<&str>, body: &str) -> String {
    let envelope = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    );
    let cookie = session
        .map(|key| format!("Cookie: vmware_soap_session={key}\r\n"))
        .unwrap_or_default();
    format!(
        "POST /sdk HTTP/1.0\r\nHost: {}\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: urn:vim25/6.5\r\n{cookie}Content-Length: {}\r\n\r\n{envelope}",
        simulator.address(),
        envelope.len()
    )
}

/// POSTs `body` wrapped in a SOAP envelope to the simulator's /sdk over plain HTTP.
pub fn soap(simulator: &Simulator, session: Option<&str>, body: &str) -> Reply {
    let mut stream = TcpStream::connect(simulator.address()).expect("connect to the simulator");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("set a read timeout");
    stream
        .write_all(request(simulator, session, body).as_bytes())
        .expect("send the request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");

    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status code");
    let session = head
        .lines()
        .filter_map(|line| line.strip_prefix("Set-Cookie: vmware_soap_session="))
        .map(|value| value.split(';').next().unwrap_or_default().to_owned())
        .next();
    Reply {
        status,
        session,
        body: body.to_owned(),
    }
}

pub fn login(simulator: &Simulator, password: &str) -> Reply {
    let body = format!(
        r#"<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>{}</userName><password>{password}</password></Login>"#,
        simulator.username()
    );
    soap(simulator, None, &body)
}

/// A new logged-in session's cookie value.
pub fn session(simulator: &Simulator) -> String {
    let reply = login(simulator, simulator.password());
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.session.expect("Login sets the session cookie")
}

/// The `<returnval>` text of a response holding a single managed object reference.
pub fn returnval(reply: &Reply) -> &str {
    let start = reply
        .body
        .find("<returnval")
        .and_then(|at| reply.body[at..].find('>').map(|end| at + end + 1));
    let start = start.unwrap_or_else(|| panic!("no returnval in {}", reply.body));
    let end = reply.body[start..]
        .find("</returnval>")
        .expect("a closed returnval");
    &reply.body[start..start + end]
}

/// `FindByInventoryPath`: the moref value of the entity at `path`, if there is one.
pub fn find(simulator: &Simulator, session: &str, path: &str) -> Option<String> {
    let body = format!(
        r#"<FindByInventoryPath xmlns="urn:vim25"><_this type="SearchIndex">SearchIndex</_this><inventoryPath>{path}</inventoryPath></FindByInventoryPath>"#
    );
    let reply = soap(simulator, Some(session), &body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
        .body
        .contains("<returnval")
        .then(|| returnval(&reply).to_owned())
}
