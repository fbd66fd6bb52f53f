//! Requests, replies, the session cookie, size limits and version discovery, over plain HTTP
//! (TLS is covered in `tls.rs`).

use std::time::Duration;

use vsphere_client::transport::{
    ProxyPolicy, SessionCookie, TlsPolicy, Transport, TransportConfig, TransportError,
};

use crate::support::{Reply, TestServer, envelope, transport};

const SIMULATOR_COOKIE: &str = "1f9f679d-1699-4127-9e94-6b4170a1f23c";

fn plain_transport(server: &TestServer) -> Transport {
    transport(server.sdk_url(), TlsPolicy::SystemRoots)
}

fn transport_with(server: &TestServer, change: impl FnOnce(&mut TransportConfig)) -> Transport {
    let mut config = TransportConfig {
        proxy: ProxyPolicy::Direct,
        ..TransportConfig::new(server.sdk_url())
    };
    change(&mut config);
    Transport::new(config).expect("transport")
}

#[tokio::test]
async fn posts_the_envelope_with_soap_headers() {
    let server = TestServer::plain(|_| Reply::xml(200, "<ok/>")).await;

    let reply = plain_transport(&server)
        .post_soap("urn:vim25/8.0.3.0", envelope())
        .await
        .expect("reply");

    assert_eq!(
        (reply.status, reply.body.as_slice()),
        (200, b"<ok/>".as_slice())
    );
    assert!(!reply.is_fault());
    let requests = server.requests();
    let [request] = requests.as_slice() else {
        panic!("expected one request, got {requests:?}");
    };
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/sdk")
    );
    assert_eq!(request.header("SOAPAction"), Some("urn:vim25/8.0.3.0"));
    assert_eq!(
        request.header("Content-Type"),
        Some("text/xml; charset=utf-8")
    );
    assert_eq!(
        request.header("User-Agent"),
        Some(concat!("vsphere-client/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(request.header("Cookie"), None);
    assert_eq!(request.body, envelope());
}

#[tokio::test]
async fn a_soap_action_override_replaces_the_callers_action() {
    let server = TestServer::plain(|_| Reply::xml(200, "<ok/>")).await;
    let transport = transport_with(&server, |config| {
        config.soap_action_override = Some("urn:vim25/7.0.3.0".into());
        config.user_agent = "vmrotate-test".into();
    });

    transport
        .post_soap("urn:vim25/9.0.0.0", envelope())
        .await
        .expect("reply");

    let requests = server.requests();
    assert_eq!(requests[0].header("SOAPAction"), Some("urn:vim25/7.0.3.0"));
    assert_eq!(requests[0].header("User-Agent"), Some("vmrotate-test"));
}

#[tokio::test]
async fn a_cookie_set_by_a_reply_is_reported_not_adopted() {
    let server = TestServer::plain(|request| {
        let reply = Reply::xml(200, "<ok/>");
        if request.header("Cookie").is_none() {
            // The simulator's form: unquoted, HttpOnly, no Path.
            reply.with_header(
                "Set-Cookie",
                &format!("vmware_soap_session={SIMULATOR_COOKIE}; HttpOnly"),
            )
        } else {
            reply
        }
    })
    .await;
    let transport = plain_transport(&server);

    let reply = transport
        .post_soap("urn:vim25/6.5", envelope())
        .await
        .expect("reply");
    assert_eq!(
        reply
            .set_session_cookie
            .as_ref()
            .map(|c| c.expose_secret().to_owned()),
        Some(SIMULATOR_COOKIE.to_owned())
    );
    assert!(
        transport.session_cookie().is_none(),
        "the transport adopted a cookie on its own"
    );
    transport.set_session_cookie(reply.set_session_cookie.expect("a cookie"));
    let next = transport
        .post_soap("urn:vim25/6.5", envelope())
        .await
        .expect("next call");

    assert_eq!(next.set_session_cookie, None);
    let requests = server.requests();
    assert_eq!(requests[0].header("Cookie"), None);
    assert_eq!(
        requests[1].header("Cookie"),
        Some(format!("vmware_soap_session={SIMULATOR_COOKIE}").as_str())
    );
}

#[tokio::test]
async fn a_quoted_vcenter_cookie_is_read_even_from_a_fault_reply() {
    let server = TestServer::plain(|_| {
        Reply::xml(500, "<soapenv:Fault/>").with_header(
            "Set-Cookie",
            "vmware_soap_session=\"52a1f0e2c3\"; Path=/; HttpOnly; Secure;",
        )
    })
    .await;
    let transport = plain_transport(&server);

    let reply = transport
        .post_soap("urn:vim25/8.0.3.0", envelope())
        .await
        .expect("fault reply");

    assert!(reply.is_fault());
    assert_eq!(
        reply
            .set_session_cookie
            .as_ref()
            .map(|c| c.expose_secret().to_owned()),
        Some("52a1f0e2c3".to_owned())
    );
    assert!(!format!("{reply:?}").contains("52a1f0e2c3"));
}

#[tokio::test]
async fn an_attached_session_is_sent_until_cleared() {
    let server = TestServer::plain(|_| Reply::xml(200, "<ok/>")).await;
    let transport = plain_transport(&server);
    let from_other_tool: SessionCookie =
        "vmware_soap_session=\"abc123\"; Path=/; HttpOnly; Secure;"
            .parse()
            .expect("cookie");

    transport.set_session_cookie(from_other_tool);
    transport
        .post_soap("urn:vim25/8.0.3.0", envelope())
        .await
        .expect("with session");
    transport.clear_session_cookie();
    transport
        .post_soap("urn:vim25/8.0.3.0", envelope())
        .await
        .expect("without session");

    let requests = server.requests();
    assert_eq!(
        requests[0].header("Cookie"),
        Some("vmware_soap_session=abc123")
    );
    assert_eq!(requests[1].header("Cookie"), None);
    assert!(transport.session_cookie().is_none());
}

#[tokio::test]
async fn debug_output_never_shows_the_cookie() {
    let server = TestServer::plain(|_| {
        Reply::html(503, "<html>Service Unavailable</html>").with_header(
            "Set-Cookie",
            &format!("vmware_soap_session={SIMULATOR_COOKIE}; HttpOnly"),
        )
    })
    .await;
    let transport = plain_transport(&server);
    transport.set_session_cookie(SessionCookie::new(SIMULATOR_COOKIE).expect("cookie"));

    let error = transport
        .post_soap("urn:vim25/6.5", envelope())
        .await
        .expect_err("503");

    for shown in [
        format!("{transport:?}"),
        format!("{error:?}"),
        error.to_string(),
        format!("{:?}", transport.session_cookie()),
    ] {
        assert!(!shown.contains(SIMULATOR_COOKIE), "{shown}");
    }
    assert!(format!("{transport:?}").contains("attached"));
}

#[tokio::test]
async fn a_fault_needs_an_xml_body_to_be_a_reply() {
    let server = TestServer::plain(|request| match request.header("SOAPAction") {
        Some("xml") => Reply::xml(500, "<soapenv:Fault/>"),
        _ => Reply::html(500, "<html><body>Internal proxy error</body></html>"),
    })
    .await;
    let transport = plain_transport(&server);

    let fault = transport
        .post_soap("xml", envelope())
        .await
        .expect("a SOAP fault");
    assert_eq!(
        (fault.status, fault.body.as_slice()),
        (500, b"<soapenv:Fault/>".as_slice())
    );

    let error = transport
        .post_soap("html", envelope())
        .await
        .expect_err("an HTML error page");
    assert!(
        matches!(&error, TransportError::Http { status: 500, snippet, .. } if snippet.contains("Internal proxy error")),
        "{error:?}"
    );
}

#[tokio::test]
async fn other_statuses_are_http_errors_with_a_snippet_and_a_hint() {
    let server = TestServer::plain(|request| match request.header("SOAPAction") {
        Some("404") => Reply::html(404, "<html><title>404 Not Found</title></html>"),
        Some("401") => Reply::html(401, "Unauthorized"),
        Some("302") => Reply::html(302, "").with_header("Location", "https://elsewhere.example/"),
        _ => Reply::html(502, "<html><title>502 Bad Gateway</title></html>"),
    })
    .await;
    let transport = plain_transport(&server);

    for (status, hint, snippet) in [
        (404, "check the path", "404 Not Found"),
        (401, "authentication is required", "Unauthorized"),
        (302, "redirects elsewhere", ""),
        (502, "retry later", "502 Bad Gateway"),
    ] {
        let error = transport
            .post_soap(&status.to_string(), envelope())
            .await
            .expect_err("an HTTP error");
        let message = error.to_string();
        assert!(
            matches!(&error, TransportError::Http { status: s, snippet: body, .. } if *s == status && body.contains(snippet)),
            "{error:?}"
        );
        assert!(message.contains(hint), "{message}");
    }
}

#[tokio::test]
async fn bodies_over_the_maximum_are_refused() {
    const LIMIT: usize = 64 * 1024;
    let server = TestServer::plain(|request| {
        let size = match request.header("SOAPAction") {
            Some("at-limit") => LIMIT,
            _ => LIMIT + 1,
        };
        let mut reply = Reply::xml(200, &"x".repeat(size));
        reply.chunked = request.header("SOAPAction") == Some("chunked");
        reply
    })
    .await;
    let transport = transport_with(&server, |config| config.max_response_bytes = LIMIT);

    let at_limit = transport
        .post_soap("at-limit", envelope())
        .await
        .expect("exactly the limit");
    assert_eq!(at_limit.body.len(), LIMIT);
    for action in ["announced", "chunked"] {
        let error = transport
            .post_soap(action, envelope())
            .await
            .expect_err(action);
        assert!(
            matches!(error, TransportError::TooLarge { limit: LIMIT }),
            "{action}: {error:?}"
        );
    }
}

#[tokio::test]
async fn service_versions_are_read_next_to_the_endpoint() {
    let server = TestServer::plain(|_| {
        Reply::xml(
            200,
            "<namespaces version=\"1.0\"><namespace><name>urn:vim25</name><version>6.5</version>\
             <priorVersions><version>6.0</version></priorVersions></namespace></namespaces>",
        )
    })
    .await;

    let versions = plain_transport(&server)
        .service_versions()
        .await
        .expect("versions");

    assert_eq!(
        versions.newest_vim25().map(|v| v.to_string()),
        Some("6.5".into())
    );
    let requests = server.requests();
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("GET", "/sdk/vimServiceVersions.xml")
    );
}

#[tokio::test]
async fn a_missing_versions_document_gives_an_empty_list_and_other_errors_fail() {
    let server = TestServer::plain(|request| match request.header("Host") {
        Some(host) if host.starts_with("localhost") => Reply::html(403, "Forbidden"),
        _ => Reply::html(404, "Not Found"),
    })
    .await;

    let versions = plain_transport(&server)
        .service_versions()
        .await
        .expect("empty list");
    assert!(versions.namespaces.is_empty());

    let forbidden = transport(server.url_for_host("localhost"), TlsPolicy::SystemRoots)
        .service_versions()
        .await
        .expect_err("403");
    assert!(
        matches!(forbidden, TransportError::Http { status: 403, .. }),
        "{forbidden:?}"
    );
}

#[tokio::test]
async fn a_garbled_versions_document_is_an_error() {
    let server = TestServer::plain(|_| Reply::xml(200, "<namespaces><namespace></oops>")).await;

    let error = plain_transport(&server)
        .service_versions()
        .await
        .expect_err("garbled");

    assert!(
        matches!(error, TransportError::InvalidServiceVersions(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let url = format!("http://127.0.0.1:{port}/sdk").parse().expect("url");

    let error = transport(url, TlsPolicy::SystemRoots)
        .post_soap("urn:vim25/8.0.3.0", envelope())
        .await
        .expect_err("nothing listens");

    assert!(matches!(error, TransportError::Connect { .. }), "{error:?}");
    assert!(error.to_string().contains(&port.to_string()), "{error}");
}

#[tokio::test]
async fn a_silent_server_is_a_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    // Accept connections and keep them open without ever answering.
    let silent = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let url = format!("http://127.0.0.1:{port}/sdk").parse().expect("url");
    let transport = Transport::new(TransportConfig {
        proxy: ProxyPolicy::Direct,
        request_timeout: Duration::from_millis(300),
        ..TransportConfig::new(url)
    })
    .expect("transport");

    let error = transport
        .post_soap("urn:vim25/8.0.3.0", envelope())
        .await
        .expect_err("silence");

    assert!(
        matches!(error, TransportError::Timeout { limit, .. } if limit == Duration::from_millis(300)),
        "{error:?}"
    );
    silent.abort();
}
