//! Slow and idle connections and connection floods: half-sent headers are cut off, and past the
//! caps new connections are closed at once (past the global cap, a small reserve answers health
//! checks only) while open ones and other clients' health checks are answered. The attackers connect from other loopback addresses (127.0.0.2, ...; Linux routes
//! all of 127/8 to `lo`), so the per-address cap does not meet the test's own client.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{TestApp, spawn_app_with};

fn server(app: &TestApp) -> SocketAddr {
    app.address.trim_start_matches("http://").parse().expect("a socket address")
}

async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket.bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0)).expect("bound to a loopback address");
    socket.connect(to).await.expect("connected")
}

/// Asks for `/healthz` on an open connection: `Some(status line)`, or `None` if the server
/// closed it.
async fn health_on(stream: &mut TcpStream) -> Option<String> {
    if stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: tracker\r\n\r\n").await.is_err() {
        return None;
    }
    let mut answer = vec![0; 1024];
    // A liveness bound, not a speed assertion: the answer is instant or the connection is gone.
    match tokio::time::timeout(Duration::from_secs(30), stream.read(&mut answer)).await.expect("an answer or a close") {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or_default().to_owned()),
    }
}

/// Whether the server closes `stream` (end of stream or reset) before `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut byte = [0; 512];
    loop {
        match tokio::time::timeout(within, stream.read(&mut byte)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue, // an error page, then the close
        }
    }
}

async fn healthz(app: &TestApp) -> u16 {
    app.client.get(app.url("/healthz")).send().await.expect("healthz answered").status().as_u16()
}

#[tokio::test]
async fn half_sent_headers_and_silent_connections_are_closed_after_the_header_timeout() {
    let app = spawn_app_with(|s| s.http.header_read_timeout_secs = 1).await;
    let mut half = TcpStream::connect(server(&app)).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: tracker\r\nX-Slow: ").await.unwrap();
    let mut silent = TcpStream::connect(server(&app)).await.unwrap();
    let mut kept_alive = TcpStream::connect(server(&app)).await.unwrap();
    assert_eq!(health_on(&mut kept_alive).await.as_deref(), Some("HTTP/1.1 200 OK"));

    // Generous bounds (the timeout is 1 s): the point is that they end at all.
    assert!(closed_within(&mut half, Duration::from_secs(20)).await, "a half-sent header was held");
    assert!(closed_within(&mut silent, Duration::from_secs(20)).await, "a silent connection was held");
    assert!(closed_within(&mut kept_alive, Duration::from_secs(20)).await, "an idle keep-alive was held");
    assert_eq!(healthz(&app).await, 200);
}

#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    let app = spawn_app_with(|s| {
        s.http.max_connections = 40;
        s.http.max_connections_per_address = 10;
        s.http.header_read_timeout_secs = 300;
    })
    .await;
    let mut held = vec![];
    let mut refused = 0;
    for _ in 0..30 {
        let mut stream = connect_from("127.0.0.2", server(&app)).await;
        match health_on(&mut stream).await {
            Some(status) => {
                assert_eq!(status, "HTTP/1.1 200 OK");
                held.push(stream);
            }
            None => refused += 1,
        }
    }
    assert_eq!((held.len(), refused), (10, 20), "the per-address cap admits 10");

    // Everyone else is still served, from fresh connections, and the attacker's open
    // connections keep working.
    assert_eq!(healthz(&app).await, 200);
    let data = app.query("{ models(first: 1) { totalCount } }", serde_json::json!({})).await;
    assert!(data["models"]["totalCount"].as_i64().unwrap() > 0);
    for stream in &mut held {
        assert_eq!(health_on(stream).await.as_deref(), Some("HTTP/1.1 200 OK"));
    }
}

#[tokio::test]
async fn past_the_global_cap_new_connections_are_refused_until_some_close() {
    let app = spawn_app_with(|s| {
        s.http.max_connections = 20;
        s.http.max_connections_per_address = 10;
        s.http.header_read_timeout_secs = 300;
    })
    .await;
    let mut first = vec![];
    for _ in 0..10 {
        first.push(connect_from("127.0.0.2", server(&app)).await);
    }
    let mut second = vec![];
    for _ in 0..10 {
        second.push(connect_from("127.0.0.3", server(&app)).await);
    }
    for stream in first.iter_mut().chain(&mut second) {
        assert_eq!(health_on(stream).await.as_deref(), Some("HTTP/1.1 200 OK"));
    }
    // Past the cap a small reserve answers health checks only, one request a connection.
    for from in ["127.0.0.4", "127.0.0.1"] {
        let mut late = connect_from(from, server(&app)).await;
        assert_eq!(health_on(&mut late).await.as_deref(), Some("HTTP/1.1 200 OK"), "health from {from}");
        assert!(
            closed_within(&mut late, Duration::from_secs(30)).await,
            "a reserved connection is closed after one answer"
        );
        let mut late = connect_from(from, server(&app)).await;
        late.write_all(b"GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: tracker\r\n\r\n").await.unwrap();
        let mut answer = vec![0; 1024];
        let n = tokio::time::timeout(Duration::from_secs(30), late.read(&mut answer)).await.unwrap().unwrap_or(0);
        let status = String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or_default().to_owned();
        assert_eq!(status, "HTTP/1.1 503 Service Unavailable", "only health checks are served past the cap");
    }
    assert_eq!(health_on(&mut second[0]).await.as_deref(), Some("HTTP/1.1 200 OK"), "an open one still works");

    // Once the flood lets go, fresh connections are served again.
    drop(first);
    let mut status = None;
    for _ in 0..100 {
        let mut fresh = TcpStream::connect(server(&app)).await.unwrap();
        status = health_on(&mut fresh).await;
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status.as_deref(), Some("HTTP/1.1 200 OK"));
    assert_eq!(healthz(&app).await, 200);
}
