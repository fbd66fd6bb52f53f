//! A local vSphere SOAP endpoint serving canned replies, shaped like the simulator captures,
//! per vim25 method, and recording every request.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use vsphere_client::transport::ProxyPolicy;
use vsphere_client::{Client, ClientConfig};

/// An answer to one request.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The method answered, for successful replies.
    method: Option<String>,
    status: u16,
    body: String,
    delay: Duration,
}

impl Reply {
    /// A `<{method}Response>` holding `content` (`returnval` elements, or nothing).
    pub fn ok(method: &str, content: &str) -> Self {
        Self {
            method: Some(method.to_owned()),
            status: 200,
            body: envelope(&format!(
                r#"<{method}Response xmlns="urn:vim25">{content}</{method}Response>"#
            )),
            delay: Duration::ZERO,
        }
    }

    /// A `<{method}Response>` returning the reference `value` of type `type_name`.
    pub fn reference(method: &str, type_name: &str, value: &str) -> Self {
        Self::ok(
            method,
            &format!(r#"<returnval type="{type_name}">{value}</returnval>"#),
        )
    }

    /// A SOAP fault whose detail is the vim25 fault `fault_type` with `fields`.
    pub fn fault(fault_type: &str, message: &str, fields: &str) -> Self {
        Self {
            method: None,
            status: 500,
            body: envelope(&format!(
                "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>{message}</faultstring>\
                 <detail><{fault_type}Fault xmlns=\"urn:vim25\" xsi:type=\"{fault_type}\">{fields}</{fault_type}Fault></detail>\
                 </soapenv:Fault>"
            )),
            delay: Duration::ZERO,
        }
    }

    /// A successful `Login`, as the simulator answers it.
    pub fn login() -> Self {
        Self::ok("Login", USER_SESSION)
    }

    /// The same reply, sent after `delay`.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// Wraps a SOAP body as the simulator does.
fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    )
}

/// A SOAP request the stub received.
#[derive(Clone, Debug)]
pub struct Request {
    /// The vim25 method, from the first element of the SOAP body.
    pub method: String,
    /// The whole envelope.
    pub body: String,
    /// The `Cookie` header the request carried.
    pub cookie: Option<String>,
}

#[derive(Default)]
struct Script {
    /// Replies to give in order, per method.
    queued: HashMap<String, VecDeque<Reply>>,
    /// Replies given when a method's queue is empty.
    fallback: HashMap<String, Reply>,
    requests: Vec<Request>,
    /// Whether every reply to a request without a cookie sets a new one, as vCenter does.
    cookie_for_cookieless: bool,
    cookies_set: usize,
}

impl Script {
    fn reply_to(&mut self, method: &str) -> Reply {
        if let Some(reply) = self.queued.get_mut(method).and_then(VecDeque::pop_front) {
            return reply;
        }
        self.fallback.get(method).cloned().unwrap_or_else(|| {
            Reply::fault(
                "MethodNotFound",
                &format!("the stub has no reply for {method}"),
                &format!("<method>{method}</method>"),
            )
        })
    }
}

/// The view, collector and filter references the stub hands out.
pub const VIEW: &str = "session[stub]view-1";
pub const COLLECTOR: &str = "session[stub]collector-1";
pub const FILTER: &str = "session[stub]filter-1";

/// A stub server, running until the test's runtime ends.
pub struct Stub {
    url: String,
    script: Arc<Mutex<Script>>,
}

impl Stub {
    /// A stub that answers `RetrieveServiceContent`, makes views, collectors and filters,
    /// destroys them and cancels tasks; every other method needs a scripted reply.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/sdk", listener.local_addr().expect("address"));
        let script = Arc::new(Mutex::new(Script::default()));
        let serving = script.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, serving.clone()));
            }
        });
        let stub = Self { url, script };
        let defaults = [
            Reply::ok("RetrieveServiceContent", SERVICE_CONTENT),
            Reply::reference("CreateContainerView", "ContainerView", VIEW),
            Reply::reference("CreatePropertyCollector", "PropertyCollector", COLLECTOR),
            Reply::reference("CreateFilter", "PropertyFilter", FILTER),
        ];
        for reply in defaults {
            stub.always(reply);
        }
        stub.always(Reply::login());
        for method in [
            "DestroyView",
            "DestroyPropertyCollector",
            "CancelTask",
            "CancelRetrievePropertiesEx",
        ] {
            stub.always(Reply::ok(method, ""));
        }
        stub
    }

    /// Queues `replies` for `method`, given in order.
    pub fn script(&self, method: &str, replies: impl IntoIterator<Item = Reply>) {
        self.lock()
            .queued
            .entry(method.to_owned())
            .or_default()
            .extend(replies);
    }

    /// Answers the method of `reply` (made with [`Reply::ok`] or [`Reply::reference`]) with
    /// it whenever nothing is queued for that method.
    pub fn always(&self, reply: Reply) {
        let method = reply.method.clone().expect("a reply made for a method");
        self.lock().fallback.insert(method, reply);
    }

    /// Makes every reply to a request without a `Cookie` set a new `vmware_soap_session`
    /// cookie (`stub-1`, `stub-2`, ...), as vCenter does, whatever the method.
    pub fn set_cookie_on_cookieless_replies(&self) {
        self.lock().cookie_for_cookieless = true;
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.lock().requests.clone()
    }

    /// The methods called so far, in order, after connecting.
    pub fn calls(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .map(|request| request.method)
            .filter(|method| method != "RetrieveServiceContent")
            .collect()
    }

    /// The bodies of the requests to `method`.
    pub fn bodies(&self, method: &str) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|request| request.method == method)
            .map(|request| request.body)
            .collect()
    }

    /// A client connected to the stub, with `configure` applied to its configuration.
    pub async fn client_with(&self, configure: impl FnOnce(&mut ClientConfig)) -> Client {
        let mut config = ClientConfig::new(self.url.parse().expect("the stub's URL"));
        config.transport.proxy = ProxyPolicy::Direct;
        config.keepalive = None;
        configure(&mut config);
        Client::connect(config).await.expect("connect to the stub")
    }

    /// A client connected to the stub.
    pub async fn client(&self) -> Client {
        self.client_with(|_| {}).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Script> {
        self.script.lock().expect("the stub's script")
    }
}

/// The method a request calls: the first element inside the SOAP body.
fn request_method(body: &str) -> String {
    body.split_once("<soapenv:Body>")
        .and_then(|(_, rest)| rest.strip_prefix('<'))
        .and_then(|rest| rest.split([' ', '>']).next())
        .unwrap_or_default()
        .to_owned()
}

/// Serves the HTTP/1.1 requests of one connection.
async fn serve(stream: TcpStream, script: Arc<Mutex<Script>>) {
    let mut stream = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if stream.read_line(&mut request_line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut content_length = 0;
        let mut cookie = None;
        loop {
            let mut header = String::new();
            if stream.read_line(&mut header).await.unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                content_length = value.trim().parse().expect("a Content-Length");
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("cookie")
            {
                cookie = Some(value.trim().to_owned());
            }
        }
        let mut body = vec![0; content_length];
        if stream.read_exact(&mut body).await.is_err() {
            return;
        }
        let mut set_cookie = String::new();
        let reply = if request_line.starts_with("POST") {
            let body = String::from_utf8(body).expect("a UTF-8 request");
            let method = request_method(&body);
            let mut script = script.lock().expect("the stub's script");
            if script.cookie_for_cookieless && cookie.is_none() {
                script.cookies_set += 1;
                set_cookie = format!(
                    "Set-Cookie: vmware_soap_session=stub-{}; HttpOnly\r\n",
                    script.cookies_set
                );
            }
            script.requests.push(Request {
                method: method.clone(),
                body,
                cookie,
            });
            script.reply_to(&method)
        } else {
            // vimServiceVersions.xml: none, so the client announces its own newest version.
            Reply {
                method: None,
                status: 404,
                body: String::new(),
                delay: Duration::ZERO,
            }
        };
        tokio::time::sleep(reply.delay).await;
        let reason = match reply.status {
            200 => "OK",
            404 => "Not Found",
            _ => "Internal Server Error",
        };
        let head = format!(
            "HTTP/1.1 {} {reason}\r\n{set_cookie}Content-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
            reply.status,
            reply.body.len()
        );
        let written = async {
            stream.get_mut().write_all(head.as_bytes()).await?;
            stream.get_mut().write_all(reply.body.as_bytes()).await
        };
        if written.await.is_err() {
            return;
        }
    }
}

/// A vCenter's service content, trimmed to what the tests use.
const SERVICE_CONTENT: &str = r#"<returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector><viewManager type="ViewManager">ViewManager</viewManager><about><name>VMware vCenter Server</name><fullName>VMware vCenter Server 8.0.3 build-24022515</fullName><vendor>VMware, Inc.</vendor><version>8.0.3</version><build>24022515</build><osType>linux-x64</osType><productLineId>vpx</productLineId><apiType>VirtualCenter</apiType><apiVersion>8.0.3.0</apiVersion></about><sessionManager type="SessionManager">SessionManager</sessionManager><customFieldsManager type="CustomFieldsManager">CustomFieldsManager</customFieldsManager><searchIndex type="SearchIndex">SearchIndex</searchIndex></returnval>"#;

/// A `Login` result, as the simulator returns it.
const USER_SESSION: &str = r#"<returnval><key>52b2c1d0-0000-4000-8000-00000000000a</key><userName>backup@vsphere.local</userName><fullName>backup</fullName><loginTime>2026-11-25T14:59:26.929043916Z</loginTime><lastActiveTime>2026-11-25T14:59:26.929053645Z</lastActiveTime><locale>en_US</locale><messageLocale>en_US</messageLocale><extensionSession>false</extensionSession><ipAddress>127.0.0.1</ipAddress><userAgent>vsphere-client</userAgent><callCount>0</callCount></returnval>"#;
