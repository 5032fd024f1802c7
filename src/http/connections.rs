//! Accepting and serving TCP connections, with bounds a client cannot stretch: a deadline for
//! request headers (hyper's, which also ends idle keep-alive connections), a deadline for a
//! connection on which nothing moves, and caps on open connections, overall and per client
//! address. A connection past a cap is closed as soon as it is accepted, before it costs a task
//! or a buffer, so that a flood of idle connections cannot take the descriptors and memory that
//! everyone else's requests (and `/healthz`) need. Past the global cap a small reserve still
//! answers `/healthz` (and `503` for anything else), so a flood from many addresses does not
//! make the instance look dead.
//!
//! `axum::serve` exposes none of these, so this is its loop on hyper's HTTP/1 server (axum is
//! built without HTTP/2, so nothing changes there), keeping what it did: `ConnectInfo` for the
//! handlers, upgrades for websockets, and a graceful shutdown that lets requests in flight finish.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::{Router, extract::ConnectInfo};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tower::ServiceExt;

use super::errors;
use crate::config::{HttpSettings, TrustedProxy};
use crate::service::Overload;

/// The bounds on connections, from the settings.
#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub max_per_address: usize,
    /// Their connections count only against `max_connections`: every client behind a reverse
    /// proxy arrives from the proxy's address.
    pub trusted_proxies: Arc<[TrustedProxy]>,
}

impl ConnectionLimits {
    pub fn from_settings(settings: &HttpSettings) -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(settings.header_read_timeout_secs),
            idle_timeout: Duration::from_secs(settings.idle_timeout_secs),
            max_connections: settings.max_connections as usize,
            max_per_address: settings.max_connections_per_address as usize,
            trusted_proxies: settings.trusted_proxies.clone().into(),
        }
    }
}

/// Descriptors kept for everything but client connections: the database pool, the listener,
/// log and seed files, the websockets' own tasks.
const RESERVED_DESCRIPTORS: u64 = 256;

/// Raises the soft limit on open descriptors to the hard one (the soft default is often 1024),
/// and lowers `max_connections` to fit below it, so that the cap, not `EMFILE`, is what a flood
/// meets.
pub fn fit_to_descriptor_limit(limits: &mut ConnectionLimits) {
    let Some(available) = raise_descriptor_limit() else { return };
    let budget = available.saturating_sub(RESERVED_DESCRIPTORS).max(1);
    if (limits.max_connections as u64) > budget {
        tracing::warn!(
            configured = limits.max_connections,
            descriptors = available,
            "max_connections lowered to stay below the limit on open files (raise `ulimit -n`)"
        );
        limits.max_connections = budget as usize;
    }
}

/// The soft descriptor limit after raising it to the hard one; `None` where unknown.
#[cfg(unix)]
fn raise_descriptor_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed by pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is u64 on Linux, not on every Unix
    Some(limit.rlim_cur as u64)
}

#[cfg(not(unix))]
fn raise_descriptor_limit() -> Option<u64> {
    None
}

/// Serves `router` on `listener` until `stop` completes; then stops accepting, lets every
/// connection finish what it is doing (idle ones close at once) and returns when all are done.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let open = OpenConnections::new(&limits);
    let connections = TaskTracker::new();
    let closing = CancellationToken::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    tokio::pin!(stop);
    loop {
        let (stream, remote) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors (or memory): what is open must close before anything
                    // else can be accepted, so wait a little rather than spin.
                    if !is_connection_error(&error) {
                        tracing::warn!(%error, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
        };
        let permit = match open.admit(remote.ip()) {
            Ok(permit) => permit,
            Err(Full::Everyone) => {
                match open.admit_to_reserve() {
                    Some(permit) => {
                        connections.spawn(serve_health_only(stream, permit));
                    }
                    None => tracing::debug!(%remote, "connection refused: too many open connections"),
                }
                continue;
            }
            Err(Full::Address) => {
                tracing::debug!(%remote, "connection refused: too many open connections from its address");
                drop(stream);
                continue;
            }
        };
        let connection = Connection { http: http.clone(), router: router.clone(), limits: limits.clone() };
        connections.spawn(connection.serve(stream, remote, permit, closing.clone()));
    }
    drop(listener);
    closing.cancel();
    connections.close();
    connections.wait().await;
    Ok(())
}

/// Connections taken past the global cap, to answer health checks only: when many addresses
/// together fill the cap, the orchestrator's `/healthz` still gets its answer and the instance
/// is not restarted for a flood it is weathering.
const HEALTH_RESERVE: usize = 16;

/// How long a connection in the reserve may take to send its request: a health check sends it
/// at once, and a flood must not hold the reserve.
const HEALTH_HEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves one request on a reserved connection: `/healthz` as usual, anything else `503` with
/// `Retry-After`, then closes it.
async fn serve_health_only(stream: TcpStream, permit: ReservePermit) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(HEALTH_HEADER_TIMEOUT).keep_alive(false);
    let service = service_fn(|request: hyper::Request<Incoming>| async move {
        let response = if request.uri().path() == "/healthz" {
            hyper::Response::new(axum::body::Body::from("ok"))
        } else {
            errors::overload(Overload::TooManyConnections)
        };
        Ok::<_, std::convert::Infallible>(response)
    });
    let served = http.serve_connection(TokioIo::new(stream), service);
    // A liveness bound: header timeout, one small answer, and the close.
    let _ = tokio::time::timeout(HEALTH_HEADER_TIMEOUT * 2, served).await;
    drop(permit);
}

/// Errors about one connection, not about the listener: the next accept may well succeed.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

struct Connection {
    http: http1::Builder,
    router: Router,
    limits: ConnectionLimits,
}

impl Connection {
    async fn serve(self, stream: TcpStream, remote: SocketAddr, permit: Permit, closing: CancellationToken) {
        let progress = Arc::new(Progress::new());
        // The permit travels with the socket, into a websocket too, and is returned when the
        // socket is closed.
        let io = TokioIo::new(Watched { io: stream, progress: progress.clone(), _permit: permit });
        let router = self.router;
        let service = service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            router.clone().oneshot(request)
        });
        let connection = self.http.serve_connection(io, service).with_upgrades();
        tokio::pin!(connection);
        let mut shutting_down = false;
        loop {
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(error) = served {
                        tracing::debug!(%remote, %error, "connection ended with an error");
                    }
                    return;
                }
                () = closing.cancelled(), if !shutting_down => {
                    connection.as_mut().graceful_shutdown();
                    shutting_down = true;
                }
                () = progress.stalled_for(self.limits.idle_timeout) => {
                    tracing::debug!(%remote, "connection closed: nothing sent or received within the idle timeout");
                    return;
                }
            }
        }
    }
}

/// When bytes last moved on a connection, either way.
struct Progress {
    start: Instant,
    last_millis: AtomicU64,
}

impl Progress {
    fn new() -> Self {
        Progress { start: Instant::now(), last_millis: AtomicU64::new(0) }
    }

    fn touch(&self) {
        self.last_millis.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Completes once nothing has moved for `timeout`.
    async fn stalled_for(&self, timeout: Duration) {
        loop {
            let last = self.start + Duration::from_millis(self.last_millis.load(Ordering::Relaxed));
            let deadline = last + timeout;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

/// A socket that records its progress and holds its connection's place under the caps.
struct Watched {
    io: TcpStream,
    progress: Arc<Progress>,
    _permit: Permit,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.progress.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.progress.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.progress.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// The open connections, counted overall and by client address.
#[derive(Clone)]
struct OpenConnections(Arc<OpenInner>);

struct OpenInner {
    counts: Mutex<Counts>,
    max: usize,
    max_per_address: usize,
    trusted_proxies: Arc<[TrustedProxy]>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
    /// Connections in the health-check reserve.
    reserved: usize,
}

/// Which cap a refused connection met.
enum Full {
    Everyone,
    Address,
}

impl OpenConnections {
    fn new(limits: &ConnectionLimits) -> Self {
        OpenConnections(Arc::new(OpenInner {
            counts: Mutex::default(),
            max: limits.max_connections,
            max_per_address: limits.max_per_address,
            trusted_proxies: limits.trusted_proxies.clone(),
        }))
    }

    /// A place for a connection from `ip`, if both caps leave one.
    fn admit(&self, ip: IpAddr) -> Result<Permit, Full> {
        let address = self.client(ip);
        let mut counts = self.0.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(address) = address
            && counts.by_address.get(&address).is_some_and(|open| *open >= self.0.max_per_address)
        {
            return Err(Full::Address);
        }
        if counts.total >= self.0.max {
            return Err(Full::Everyone);
        }
        if let Some(address) = address {
            *counts.by_address.entry(address).or_insert(0) += 1;
        }
        counts.total += 1;
        Ok(Permit { open: self.clone(), address })
    }

    /// A place in the health-check reserve, if one is free.
    fn admit_to_reserve(&self) -> Option<ReservePermit> {
        let mut counts = self.0.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if counts.reserved >= HEALTH_RESERVE {
            return None;
        }
        counts.reserved += 1;
        Some(ReservePermit { open: self.clone() })
    }

    /// The address a per-address cap counts `ip` under: IPv6 by its /64, which one subscriber
    /// usually holds whole; `None` for a trusted proxy.
    fn client(&self, ip: IpAddr) -> Option<IpAddr> {
        let ip = ip.to_canonical();
        if self.0.trusted_proxies.iter().any(|proxy| proxy.0.contains(&ip)) {
            return None;
        }
        Some(match ip {
            IpAddr::V4(_) => ip,
            IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        })
    }
}

/// One connection's place under the caps, given back when dropped.
struct Permit {
    open: OpenConnections,
    address: Option<IpAddr>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut counts = self.open.0.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        counts.total -= 1;
        if let Some(address) = self.address
            && let Some(open) = counts.by_address.get_mut(&address)
        {
            *open -= 1;
            if *open == 0 {
                counts.by_address.remove(&address);
            }
        }
    }
}

/// A place in the health-check reserve, given back when dropped.
struct ReservePermit {
    open: OpenConnections,
}

impl Drop for ReservePermit {
    fn drop(&mut self) {
        let mut counts = self.open.0.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        counts.reserved -= 1;
    }
}
