//! Serving HTTP: where to listen, which browsers and proxies to believe, and the bounds on
//! connections and requests.

use std::time::Duration;

use clap::Args;
use url::Url;

#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "HTTP")]
pub struct HttpSettings {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "AI_TRACKER_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: String,

    /// Largest accepted request body in bytes; larger ones get 413.
    #[arg(long, env = "AI_TRACKER_BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub body_limit_bytes: usize,

    /// Longest a request may take, in seconds, before it is answered with 408.
    #[arg(long, env = "AI_TRACKER_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Origins (comma-separated, e.g. `https://app.example.org`) whose pages may call the API
    /// from the browser; `*` for any. Empty: same origin only.
    #[arg(long, env = "AI_TRACKER_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Comma-separated addresses or networks (`10.0.0.0/8`) of reverse proxies whose
    /// `X-Forwarded-For` is believed. Empty: the client address is always the socket's.
    #[arg(long, env = "AI_TRACKER_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<TrustedProxy>,

    /// The service's public base URL, for the links in the Atom feed (e.g. `https://tracker.example/`).
    /// Unset: the `Host` of each request.
    #[arg(long, env = "AI_TRACKER_PUBLIC_URL")]
    pub public_url: Option<Url>,

    /// How long, in seconds, shutdown waits for open websockets to say goodbye.
    #[arg(long, env = "AI_TRACKER_SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,

    /// How long, in seconds, a client has to send a request's headers, counted from when the
    /// connection starts waiting for them (on keep-alive that includes the idle time before
    /// the next request). Without it a client that sends half a header holds its connection
    /// for ever (a probe held one for over 60 s); browsers send theirs at once.
    #[arg(long, env = "AI_TRACKER_HEADER_READ_TIMEOUT_SECS", default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_secs: u64,

    /// How long, in seconds, a connection may go without sending a byte before it is closed
    /// (what is in flight finishes first). It reaches HTTP/2 connections too, which the header
    /// timeout does not once their first request is in.
    #[arg(long, env = "AI_TRACKER_IDLE_TIMEOUT_SECS", default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_secs: u64,

    /// Most open client connections (websockets included); past it new ones are closed at once.
    /// An idle connection costs a descriptor and some 10 KB (websockets ~135 KB): 20,000 of them
    /// ran the process out of descriptors. The cap is lowered at start-up to stay below the
    /// descriptor limit (`ulimit -n`), with room left for the database and files.
    #[arg(long, env = "AI_TRACKER_MAX_CONNECTIONS", default_value_t = 4_096,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// Most open connections from one client address, so that one address cannot take all of
    /// `max_connections`. Addresses of `trusted_proxies` count only against the global cap.
    #[arg(long, env = "AI_TRACKER_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections_per_address: u32,
}

impl HttpSettings {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

/// A reverse proxy (an address or a network) whose forwarded client address is believed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustedProxy(pub ipnet::IpNet);

impl std::str::FromStr for TrustedProxy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        text.parse::<ipnet::IpNet>()
            .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map(TrustedProxy)
            .map_err(|_| format!("`{text}` is not an IP address or network"))
    }
}
