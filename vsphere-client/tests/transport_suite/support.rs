//! A scripted local HTTP(S) server and certificates made at test time.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use rcgen::{CertificateParams, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use vsphere_client::transport::{
    CertificateThumbprints, ProxyPolicy, SdkUrl, TlsPolicy, Transport, TransportConfig,
};

/// A server certificate and its key, made for the test.
pub struct TestCertificate {
    pub der: CertificateDer<'static>,
    pub pem: String,
    key_pkcs8: Vec<u8>,
}

impl TestCertificate {
    /// A self-signed certificate valid for `names` (host names or IP addresses).
    pub fn self_signed(names: &[&str]) -> Self {
        Self::from_params(CertificateParams::new(to_strings(names)).expect("certificate params"))
    }

    /// A self-signed certificate for `names` that expired in 2001.
    pub fn expired(names: &[&str]) -> Self {
        let mut params = CertificateParams::new(to_strings(names)).expect("certificate params");
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        Self::from_params(params)
    }

    fn from_params(params: CertificateParams) -> Self {
        let key = KeyPair::generate().expect("key pair");
        let certificate = params.self_signed(&key).expect("self-signed certificate");
        Self {
            der: certificate.der().clone(),
            pem: certificate.pem(),
            key_pkcs8: key.serialize_der(),
        }
    }

    pub fn thumbprints(&self) -> CertificateThumbprints {
        CertificateThumbprints::of(&self.der)
    }

    /// Writes the certificate as a PEM file that lives as long as the returned guard.
    pub fn pem_file(&self) -> TempFile {
        TempFile::with_contents(self.pem.as_bytes())
    }

    fn acceptor(&self) -> TlsAcceptor {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_pkcs8.clone()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![self.der.clone()], key)
        .expect("server certificate");
        TlsAcceptor::from(Arc::new(config))
    }
}

fn to_strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|&name| name.to_owned()).collect()
}

/// A file in the temporary directory, removed on drop.
pub struct TempFile(pub std::path::PathBuf);

impl TempFile {
    fn with_contents(contents: &[u8]) -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let unique = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "vsphere-client-transport-{}-{unique}.pem",
            std::process::id()
        ));
        std::fs::write(&path, contents).expect("write temp file");
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What the server answers.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Send the body with chunked encoding (no `Content-Length`).
    pub chunked: bool,
}

impl Reply {
    pub fn xml(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "text/xml; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
            chunked: false,
        }
    }

    pub fn html(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: body.as_bytes().to_vec(),
            chunked: false,
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Responder = dyn Fn(&RecordedRequest) -> Reply + Send + Sync;

/// A local HTTP/1.1 server (plain or TLS) that answers with a script and records every request.
pub struct TestServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    scheme: &'static str,
}

impl TestServer {
    /// A plain HTTP server.
    pub async fn plain(
        responder: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> Self {
        Self::start(None, Arc::new(responder)).await
    }

    /// An HTTPS server presenting `certificate`.
    pub async fn tls(
        certificate: &TestCertificate,
        responder: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> Self {
        Self::start(Some(certificate.acceptor()), Arc::new(responder)).await
    }

    async fn start(acceptor: Option<TlsAcceptor>, responder: Arc<Responder>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let scheme = if acceptor.is_some() { "https" } else { "http" };
        let recorded = requests.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let responder = responder.clone();
                let recorded = recorded.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match acceptor {
                        // A failed handshake (the client rejected the certificate) just ends it.
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(stream).await {
                                serve(tls, &*responder, &recorded).await;
                            }
                        }
                        None => serve(stream, &*responder, &recorded).await,
                    }
                });
            }
        });
        Self {
            addr,
            requests,
            scheme,
        }
    }

    /// The SDK endpoint, by IP address.
    pub fn sdk_url(&self) -> SdkUrl {
        self.url_for_host("127.0.0.1")
    }

    /// The SDK endpoint under another name for 127.0.0.1 (e.g. `localhost`).
    pub fn url_for_host(&self, host: &str) -> SdkUrl {
        format!("{}://{host}:{}/sdk", self.scheme, self.addr.port())
            .parse()
            .expect("valid URL")
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().expect("requests").clone()
    }
}

/// A transport to `url` with `tls`, ignoring any proxy the environment names.
pub fn transport(url: SdkUrl, tls: TlsPolicy) -> Transport {
    Transport::new(TransportConfig {
        tls,
        proxy: ProxyPolicy::Direct,
        ..TransportConfig::new(url)
    })
    .expect("transport")
}

/// An empty SOAP envelope, enough for a transport test.
pub fn envelope() -> Vec<u8> {
    b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"/>".to_vec()
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    responder: &Responder,
    recorded: &Mutex<Vec<RecordedRequest>>,
) {
    let mut stream = BufReader::new(stream);
    while let Some(request) = read_request(&mut stream).await {
        let reply = responder(&request);
        recorded.lock().expect("requests").push(request);
        if write_reply(stream.get_mut(), &reply).await.is_err() {
            return;
        }
    }
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut BufReader<S>) -> Option<RecordedRequest> {
    let mut request_line = String::new();
    if stream.read_line(&mut request_line).await.ok()? == 0 {
        return None;
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).await.ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut request = RecordedRequest {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    let length: usize = request
        .header("Content-Length")
        .map_or(Some(0), |value| value.parse().ok())?;
    request.body = vec![0; length];
    stream.read_exact(&mut request.body).await.ok()?;
    Some(request)
}

async fn write_reply<S: AsyncWrite + Unpin>(stream: &mut S, reply: &Reply) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} Test\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if reply.chunked {
        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
        stream.write_all(head.as_bytes()).await?;
        for chunk in reply.body.chunks(16 * 1024) {
            stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            stream.write_all(chunk).await?;
            stream.write_all(b"\r\n").await?;
        }
        stream.write_all(b"0\r\n\r\n").await?;
    } else {
        head.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&reply.body).await?;
    }
    stream.flush().await
}
