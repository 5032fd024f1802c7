//! The client address rate limits count against: the socket's, unless the socket is a trusted
//! reverse proxy, in which case the nearest `X-Forwarded-For` hop that is not itself trusted.
//! A client can write anything into that header, so it is believed only from our own proxies.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::{HeaderMap, request::Parts},
};

use crate::config::TrustedProxy;
use crate::service::ClientAddress;

/// The reverse proxies whose `X-Forwarded-For` is believed: what the address extractor needs
/// of a router's state.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Arc<[TrustedProxy]>);

/// The request's client address: the socket's, or the one a trusted proxy forwarded.
impl<S: Send + Sync> FromRequestParts<S> for ClientAddress
where
    TrustedProxies: FromRef<S>,
{
    type Rejection = <ConnectInfo<SocketAddr> as FromRequestParts<S>>::Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ConnectInfo(socket) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await?;
        let proxies = TrustedProxies::from_ref(state);
        Ok(ClientAddress(client_address(&proxies.0, socket.ip(), &parts.headers)))
    }
}

fn trusted(proxies: &[TrustedProxy], address: IpAddr) -> bool {
    proxies.iter().any(|p| p.0.contains(&address))
}

pub fn client_address(proxies: &[TrustedProxy], socket: IpAddr, headers: &HeaderMap) -> IpAddr {
    if !trusted(proxies, socket) {
        return socket;
    }
    // Each proxy appends the address it received from; walk back from the nearest hop.
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default();
    hops.iter().rev().find(|hop| !trusted(proxies, **hop)).copied().unwrap_or(socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(forwarded: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", forwarded.parse().unwrap());
        headers
    }

    #[test]
    fn believes_forwarded_addresses_from_trusted_proxies_only() {
        let proxies: Vec<TrustedProxy> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let stranger: IpAddr = "192.0.2.9".parse().unwrap();
        let spoofed = headers("198.51.100.1, 203.0.113.5, 10.0.0.7");
        assert_eq!(client_address(&proxies, proxy, &spoofed), "203.0.113.5".parse::<IpAddr>().unwrap());
        assert_eq!(client_address(&proxies, stranger, &spoofed), stranger);
        assert_eq!(client_address(&proxies, proxy, &headers("not an address")), proxy);
        assert_eq!(client_address(&[], proxy, &spoofed), proxy);
    }
}
