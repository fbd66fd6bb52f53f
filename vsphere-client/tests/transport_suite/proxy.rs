//! Requests through a local HTTP CONNECT proxy and a local SOCKS5 proxy, each of which records
//! the destination it was asked for.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use vsphere_client::transport::{
    ProxyPolicy, TlsPolicy, Transport, TransportConfig, TransportError,
};

use crate::support::{Reply, TestCertificate, TestServer, envelope};

/// A proxy that runs until the test ends and records the destination of every connection.
struct TestProxy {
    url: String,
    destinations: Arc<Mutex<Vec<String>>>,
}

impl TestProxy {
    async fn start<F, Fut>(scheme: &str, handle: F) -> Self
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::io::Result<(String, TcpStream)>> + Send,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("{scheme}://{}", listener.local_addr().expect("address"));
        let destinations = Arc::new(Mutex::new(Vec::new()));
        let recorded = destinations.clone();
        let handle = Arc::new(handle);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let handle = handle.clone();
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    if let Ok((destination, mut client)) = handle(client).await {
                        recorded
                            .lock()
                            .expect("destinations")
                            .push(destination.clone());
                        if let Ok(mut upstream) = TcpStream::connect(destination.as_str()).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                        }
                    }
                });
            }
        });
        Self { url, destinations }
    }

    fn destinations(&self) -> Vec<String> {
        self.destinations.lock().expect("destinations").clone()
    }
}

/// The HTTP side of a CONNECT proxy: reads `CONNECT host:port`, answers 200.
async fn http_connect(client: TcpStream) -> std::io::Result<(String, TcpStream)> {
    let mut client = BufReader::new(client);
    let mut request_line = String::new();
    client.read_line(&mut request_line).await?;
    loop {
        let mut header = String::new();
        client.read_line(&mut header).await?;
        if header.trim().is_empty() {
            break;
        }
    }
    let destination = match request_line.split_whitespace().collect::<Vec<_>>()[..] {
        ["CONNECT", destination, _version] => destination.to_owned(),
        _ => {
            return Err(std::io::Error::other(format!(
                "not a CONNECT: {request_line}"
            )));
        }
    };
    let mut client = client.into_inner();
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    Ok((destination, client))
}

/// The SOCKS5 side of a proxy (RFC 1928), without authentication: reads the CONNECT request,
/// answers success.
async fn socks5_connect(mut client: TcpStream) -> std::io::Result<(String, TcpStream)> {
    let mut greeting = [0; 2];
    client.read_exact(&mut greeting).await?;
    let mut methods = vec![0; usize::from(greeting[1])];
    client.read_exact(&mut methods).await?;
    if greeting[0] != 5 || !methods.contains(&0) {
        return Err(std::io::Error::other(
            "not a SOCKS5 client offering no-auth",
        ));
    }
    client.write_all(&[5, 0]).await?;

    let mut request = [0; 4];
    client.read_exact(&mut request).await?;
    if request[..3] != [5, 1, 0] {
        return Err(std::io::Error::other("not a SOCKS5 CONNECT"));
    }
    let host = match request[3] {
        1 => {
            let mut octets = [0; 4];
            client.read_exact(&mut octets).await?;
            Ipv4Addr::from(octets).to_string()
        }
        3 => {
            let len = client.read_u8().await?;
            let mut name = vec![0; usize::from(len)];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        4 => {
            let mut octets = [0; 16];
            client.read_exact(&mut octets).await?;
            format!("[{}]", Ipv6Addr::from(octets))
        }
        other => return Err(std::io::Error::other(format!("address type {other}"))),
    };
    let port = client.read_u16().await?;
    client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
    Ok((format!("{host}:{port}"), client))
}

async fn https_server(certificate: &TestCertificate) -> TestServer {
    TestServer::tls(certificate, |_| Reply::xml(200, "<ok/>")).await
}

fn via(proxy_url: &str, server: &TestServer, certificate: &TestCertificate) -> Transport {
    Transport::new(TransportConfig {
        tls: TlsPolicy::Pinned(certificate.thumbprints().sha256),
        proxy: ProxyPolicy::Url(proxy_url.parse().expect("proxy URL")),
        ..TransportConfig::new(server.sdk_url())
    })
    .expect("transport")
}

fn server_destination(server: &TestServer) -> String {
    SocketAddr::from((Ipv4Addr::LOCALHOST, server.addr.port())).to_string()
}

#[tokio::test]
async fn requests_go_through_an_http_connect_proxy() {
    let certificate = TestCertificate::self_signed(&["127.0.0.1"]);
    let server = https_server(&certificate).await;
    let proxy = TestProxy::start("http", http_connect).await;

    let reply = via(&proxy.url, &server, &certificate)
        .post_soap("urn:vim25/8.0.3.0", envelope())
        .await
        .expect("reply through the proxy");

    assert_eq!(reply.body, b"<ok/>");
    assert_eq!(proxy.destinations(), vec![server_destination(&server)]);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn requests_go_through_a_socks5_proxy() {
    let certificate = TestCertificate::self_signed(&["127.0.0.1"]);
    let server = https_server(&certificate).await;
    let proxy = TestProxy::start("socks5", socks5_connect).await;

    let reply = via(&proxy.url, &server, &certificate)
        .post_soap("urn:vim25/8.0.3.0", envelope())
        .await
        .expect("reply through the proxy");

    assert_eq!(reply.body, b"<ok/>");
    assert_eq!(proxy.destinations(), vec![server_destination(&server)]);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn socks5h_leaves_name_resolution_to_the_proxy() {
    let certificate = TestCertificate::self_signed(&["localhost"]);
    let server = https_server(&certificate).await;
    let proxy = TestProxy::start("socks5h", socks5_connect).await;
    let transport = Transport::new(TransportConfig {
        tls: TlsPolicy::Pinned(certificate.thumbprints().sha256),
        proxy: ProxyPolicy::Url(proxy.url.parse().expect("proxy URL")),
        ..TransportConfig::new(server.url_for_host("localhost"))
    })
    .expect("transport");

    transport
        .post_soap("urn:vim25/8.0.3.0", envelope())
        .await
        .expect("reply");

    assert_eq!(
        proxy.destinations(),
        vec![format!("localhost:{}", server.addr.port())]
    );
}

#[tokio::test]
async fn an_unreachable_proxy_is_a_proxy_error_that_hides_its_password() {
    let certificate = TestCertificate::self_signed(&["127.0.0.1"]);
    let server = https_server(&certificate).await;
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let proxy_url = format!("http://backup:hunter2@127.0.0.1:{closed_port}");

    let error = via(&proxy_url, &server, &certificate)
        .post_soap("urn:vim25/8.0.3.0", envelope())
        .await
        .expect_err("the proxy is down");

    assert!(matches!(error, TransportError::Proxy { .. }), "{error:?}");
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains(&format!("backup:***@127.0.0.1:{closed_port}")),
            "{shown}"
        );
    }
    assert!(server.requests().is_empty());
}
