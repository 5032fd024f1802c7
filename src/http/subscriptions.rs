//! `/graphql/ws`: GraphQL over a websocket (graphql-transport-ws, and the older graphql-ws).
//! The editor's token comes in the `connection_init` payload as `{"authorization": "Bearer
//! <jwt>"}`; a token that does not check out refuses the connection. Axum does not close
//! upgraded sockets when the server shuts down, so each socket watches the shutdown itself and
//! says goodbye with a close frame (1001, going away).

use std::{
    net::IpAddr,
    str::FromStr,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use async_graphql::{
    Data,
    http::{ALL_WEBSOCKET_PROTOCOLS, WebSocket as GraphqlWebSocket, WebSocketProtocols, WsMessage},
};
use axum::{
    extract::{
        FromRef, State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    http::{HeaderMap, header},
    response::Response,
};
use futures_util::{SinkExt, StreamExt, future};
use serde_json::Value as Json;

use super::AppState;
use super::errors;
use crate::graphql::{Authority, Caller, ClientAddress, LiveSocket, RequestContext, to_graphql};
use crate::request::{self, TokenCheck, bearer_token};
use crate::service::{CloseCode, Overload, ServiceError};

/// What the websocket's own limits are (see the settings of the same names).
#[derive(Clone, Copy, Debug)]
pub struct WebsocketLimits {
    /// The largest message or frame a client may send: the body limit, as over HTTP.
    pub max_message_bytes: usize,
    pub init_timeout: Duration,
    pub send_timeout: Duration,
}

pub async fn upgrade(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|protocols| protocols.split(',').find_map(|p| WebSocketProtocols::from_str(p.trim()).ok()));
    let Some(protocol) = protocol else {
        let refusal = ServiceError::bad_input("Sec-WebSocket-Protocol", "ask for the graphql-transport-ws subprotocol");
        return errors::export(refusal.to_client());
    };
    // Refused before the upgrade, so that the socket never costs its buffers: clients see a
    // failed connection and retry later, as they do when the server is away.
    let Some(open) = state.live.open_socket(address) else { return errors::overload(Overload::TooManySockets) };
    let sockets = state.sockets.clone();
    let limit = state.websocket_limits.max_message_bytes;
    upgrade.protocols(ALL_WEBSOCKET_PROTOCOLS).max_message_size(limit).max_frame_size(limit).on_upgrade(move |socket| {
        sockets.track_future(async move {
            serve(state, protocol, address, socket).await;
            drop(open);
        })
    })
}

/// What ended a socket's input, if not the client closing it.
#[derive(Default)]
struct InputEnd {
    too_big: AtomicBool,
}

async fn serve(state: AppState, protocol: WebSocketProtocols, address: IpAddr, socket: WebSocket) {
    let limits = state.websocket_limits;
    let (mut sink, stream) = socket.split();
    let input_end = Arc::new(InputEnd::default());
    let end = input_end.clone();
    let input = stream
        .take_while(move |message| {
            if let Err(error) = message
                && is_too_big(error)
            {
                end.too_big.store(true, Ordering::Relaxed);
            }
            future::ready(message.is_ok())
        })
        .filter_map(|message| {
            future::ready(match message {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
                _ => None,
            })
        });
    let shutdown = state.shutdown.clone();
    let init_state = state.clone();
    let init_state_changes = state.changes.clone();
    let handshake = Arc::new(Handshake::default());
    let seen = handshake.clone();
    let mut output =
        GraphqlWebSocket::new(state.api.clone(), input, protocol).on_connection_init(move |payload| async move {
            seen.init_received.store(true, Ordering::SeqCst);
            let established = connection_init(init_state, address, payload).await;
            seen.refused.store(established.is_err(), Ordering::SeqCst);
            established.map(|(data, authority)| {
                if let Some(authority) = &authority {
                    authority.watch(&init_state_changes);
                }
                let _ = seen.authority.set(authority);
                data
            })
        });
    let init_deadline = tokio::time::Instant::now() + limits.init_timeout;
    loop {
        let authority = handshake.authority.get().cloned().flatten();
        let waiting_for_init = !handshake.init_received.load(Ordering::SeqCst);
        let message = tokio::select! {
            message = output.next() => message,
            _ = tokio::time::sleep_until(init_deadline), if waiting_for_init => {
                Some(WsMessage::Close(CloseCode::InitTimeout.code(), "Connection initialisation timeout".into()))
            }
            _ = revoked(authority.as_deref()), if authority.is_some() => {
                Some(WsMessage::Close(CloseCode::Forbidden.code(), "Forbidden: the token expired or was revoked".into()))
            }
            _ = shutdown.cancelled() => {
                Some(WsMessage::Close(CloseCode::GoingAway.code(), "the server is shutting down".into()))
            }
        };
        let (message, last) = match message {
            Some(WsMessage::Text(text)) => (Message::Text(text.into()), false),
            Some(WsMessage::Close(code, reason)) => {
                let code = match code {
                    // graphql-transport-ws says 4403 Forbidden for a refused `connection_init`;
                    // async-graphql closes with 1002.
                    1002 if handshake.refused.load(Ordering::SeqCst) => CloseCode::Forbidden.code(),
                    // async-graphql closes with 1011 when a subscription comes before
                    // `connection_init`; the protocol says 4401 Unauthorized.
                    1011 if !handshake.init_received.load(Ordering::SeqCst) => CloseCode::Unauthorized.code(),
                    code => code,
                };
                let reason = if code == CloseCode::Unauthorized.code() { "Unauthorized".to_owned() } else { reason };
                (Message::Close(Some(CloseFrame { code, reason: reason.into() })), true)
            }
            None if input_end.too_big.load(Ordering::Relaxed) => {
                let reason = format!("a message may have at most {} bytes", limits.max_message_bytes);
                (Message::Close(Some(CloseFrame { code: CloseCode::TooBig.code(), reason: reason.into() })), true)
            }
            None => break,
        };
        // A client that stops reading must not keep what its pending events hold.
        match tokio::time::timeout(limits.send_timeout, sink.send(message)).await {
            Ok(Ok(())) if !last => {}
            Ok(_) => break,
            Err(_) => {
                tracing::info!(%address, "closing a websocket whose client stopped reading");
                return;
            }
        }
    }
    let _ = tokio::time::timeout(limits.send_timeout, sink.close()).await;
}

/// What the handshake told the socket's loop.
#[derive(Default)]
struct Handshake {
    init_received: AtomicBool,
    refused: AtomicBool,
    /// The editor's authority, once `connection_init` established one (`Some(None)`: anonymous).
    authority: OnceLock<Option<Arc<Authority>>>,
}

/// The socket is gone once its handshake is: its editor's authority needs no more watching.
impl Drop for Handshake {
    fn drop(&mut self) {
        if let Some(Some(authority)) = self.authority.get() {
            authority.end();
        }
    }
}

async fn revoked(authority: Option<&Authority>) {
    match authority {
        Some(authority) => authority.revoked().await,
        None => future::pending().await,
    }
}

/// Whether a read failed because the client sent more than a message may hold.
fn is_too_big(error: &axum::Error) -> bool {
    let source = std::error::Error::source(error);
    matches!(source.and_then(|e| e.downcast_ref::<tungstenite::Error>()), Some(tungstenite::Error::Capacity(_)))
}

/// The connection's caller, from the `authorization` in the `connection_init` payload, and
/// what every operation on the socket shares; for an editor, also what their socket's
/// authority rests on.
async fn connection_init(
    state: AppState,
    address: IpAddr,
    payload: Json,
) -> async_graphql::Result<(Data, Option<Arc<Authority>>)> {
    let authorization = payload.get("authorization").or_else(|| payload.get("Authorization"));
    let (caller, authority) = match authorization {
        None | Some(Json::Null) => (Caller::Anonymous, None),
        Some(Json::String(value)) => {
            let caller = request::verify(&TokenCheck::from_ref(&state), value).await.map_err(to_graphql)?;
            let token = bearer_token(value).map_err(to_graphql)?;
            let authority = Authority::of_token(state.db.clone(), state.keys.clone(), token)
                .ok_or_else(|| async_graphql::Error::new("the token is not valid"))?;
            (caller, Some(Arc::new(authority)))
        }
        Some(_) => return Err(async_graphql::Error::new("`authorization` must be the string `Bearer <token>`")),
    };
    let mut data = Data::default();
    data.insert(RequestContext::new(caller, ClientAddress(address), state.answer_limits));
    data.insert(LiveSocket::new(state.live.clone(), address, authority.clone()));
    Ok((data, authority))
}
