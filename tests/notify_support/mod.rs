//! The peers the notification tests talk to: a throwaway CA made with openssl, a real SMTP server
//! (aiosmtpd, `smtp_server.py`) requiring STARTTLS or TLS and AUTH, and a local HTTP receiver.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The mail user and password the SMTP server accepts.
pub const MAIL_USER: &str = "vmrotate";
pub const MAIL_PASSWORD: &str = "m4il-S3cret!";

/// The Python with Debian's `python3-aiosmtpd`: `VMROTATE_TEST_PYTHON`, else the system's.
fn python() -> String {
    std::env::var("VMROTATE_TEST_PYTHON").unwrap_or_else(|_| {
        if Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3".into()
        } else {
            "python3".into()
        }
    })
}

/// A free loopback port (free when asked; the servers bind it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A throwaway CA and a certificate it signed for 127.0.0.1 and localhost, made with openssl.
pub struct Pki {
    /// The CA certificate (PEM): the `ca_file` of the mail settings.
    pub ca: PathBuf,
    /// The server certificate and key (PEM).
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Pki {
    /// Makes the CA and the server certificate in `dir`.
    pub fn make(dir: &Path) -> Self {
        let openssl = |args: &[&str]| {
            let output = Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .output()
                .expect("openssl runs (scripts/install-deps.sh installs it)");
            assert!(output.status.success(), "openssl {args:?}: {output:?}");
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=vmrotate test CA",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .expect("written");
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ]);
        Self {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        }
    }
}

/// How the SMTP server encrypts.
#[derive(Debug, Clone, Copy)]
pub enum SmtpMode {
    /// Plain SMTP that requires STARTTLS (`smtp://`).
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

/// A running SMTP server; stopped when dropped.
pub struct SmtpServer {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Its port on 127.0.0.1.
    pub port: u16,
    out: PathBuf,
}

impl SmtpServer {
    /// Starts the server with `pki`'s certificate, writing what it receives under `dir`.
    pub fn start(mode: SmtpMode, pki: &Pki, dir: &Path) -> Self {
        let out = dir.join("mailbox");
        std::fs::create_dir_all(&out).expect("the mailbox directory");
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/notify_support/smtp_server.py"
        );
        let mode = match mode {
            SmtpMode::StartTls => "starttls",
            SmtpMode::Implicit => "implicit",
        };
        let port = free_port();
        let mut child = Command::new(python())
            .arg(script)
            .arg(mode)
            .args([&pki.cert, &pki.key])
            .args([MAIL_USER, MAIL_PASSWORD])
            .arg(&out)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs (scripts/install-deps.sh installs python3-aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the server prints its port");
        assert_eq!(
            line.trim(),
            format!("ready {port}"),
            "the SMTP server starts"
        );
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            port,
            out,
        }
    }

    /// The messages received so far, each as `smtp_server.py` records it.
    pub fn messages(&self) -> Vec<Value> {
        let mut messages = Vec::new();
        for index in 0.. {
            let Ok(text) = std::fs::read_to_string(self.out.join(format!("{index}.json"))) else {
                break;
            };
            messages.push(serde_json::from_str(&text).expect("a JSON record"));
        }
        messages
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP request the receiver got.
#[derive(Debug, Clone)]
pub struct Request {
    /// `POST /hook?token=...`: the request line.
    pub line: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Request {
    /// The value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A local HTTP server that answers every request with one status and hands each request over.
pub struct HttpReceiver {
    /// Its port on 127.0.0.1.
    pub port: u16,
    requests: mpsc::Receiver<Request>,
}

impl HttpReceiver {
    /// Starts answering with `status` (e.g. `200 OK`).
    pub fn start(status: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("an address").port();
        let (sender, requests) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(request) = serve(stream, status)
                    && sender.send(request).is_err()
                {
                    return;
                }
            }
        });
        Self { port, requests }
    }

    /// The next request, waiting up to 10 seconds.
    pub fn next(&self) -> Request {
        self.requests
            .recv_timeout(Duration::from_secs(10))
            .expect("a request arrives")
    }

    /// Whether no request is waiting.
    pub fn is_idle(&self) -> bool {
        self.requests.try_recv().is_err()
    }
}

/// Reads one request from `stream` and answers it with `status`.
fn serve(stream: TcpStream, status: &str) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let request = Request {
        line: line.trim_end().to_owned(),
        body: String::new(),
        headers,
    };
    let length = request
        .header("content-length")
        .and_then(|length| length.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    Some(Request {
        body: String::from_utf8(body).ok()?,
        ..request
    })
}

/// `GET path` on 127.0.0.1:`port` (HTTP/1.0): the status line and the body.
pub fn http_get(port: u16, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").expect("sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("an answer");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, body.to_owned())
}

/// A running Prometheus Pushgateway (Debian's `prometheus-pushgateway`); stopped when dropped.
pub struct Pushgateway {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Pushgateway {
    /// Starts one on a free port and waits until it is ready.
    pub fn start() -> Self {
        let port = free_port();
        let child = Command::new("prometheus-pushgateway")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus-pushgateway runs (scripts/install-deps.sh installs it)");
        let gateway = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", port)).is_ok()
                && http_get(port, "/-/ready").0.contains(" 200 ")
            {
                return gateway;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the Pushgateway did not start on port {port}");
    }

    /// The value of `metric` in the group whose grouping labels are `group` (`job` included),
    /// read through the Pushgateway's HTTP API; `None` when not there.
    pub fn value(&self, group: &[(&str, &str)], metric: &str) -> Option<f64> {
        let (status, body) = http_get(self.port, "/api/v1/metrics");
        assert!(status.contains(" 200 "), "{status}: {body}");
        let groups: Value = serde_json::from_str(&body).expect("JSON");
        let groups = groups["data"].as_array().expect("data");
        let wanted = groups.iter().find(|entry| {
            let labels = entry["labels"].as_object().expect("labels");
            labels.len() == group.len()
                && group
                    .iter()
                    .all(|(name, value)| labels.get(*name).and_then(Value::as_str) == Some(value))
        })?;
        let value = wanted[metric]["metrics"][0]["value"].as_str()?;
        Some(value.parse().expect("a number"))
    }
}

impl Drop for Pushgateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `text` as `notify.toml` in `dir` (the file of `--notify-config`); returns its path.
pub fn write_settings(dir: &Path, text: &str) -> String {
    let path = dir.join("notify.toml");
    std::fs::write(&path, text).expect("written");
    path.to_str().expect("a UTF-8 path").to_owned()
}
