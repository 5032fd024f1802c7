//! `/graphql/ws`: GraphQL over a websocket (graphql-transport-ws, and the older graphql-ws).
//! The editor's token comes in the `connection_init` payload as `{"authorization": "Bearer
//! <jwt>"}`; a token that does not check out refuses the connection. Axum does not close
//! upgraded sockets when the server shuts down, so each socket watches the shutdown itself and
//! says goodbye with a close frame (1001, going away).

use std::{
    net::SocketAddr,
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use async_graphql::{
    Data, Request, Response as GraphqlResponse,
    http::{ALL_WEBSOCKET_PROTOCOLS, WebSocket as GraphqlWebSocket, WebSocketProtocols, WsMessage},
};
use axum::{
    extract::{
        ConnectInfo, State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket, close_code},
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::{SinkExt, StreamExt, future, stream::BoxStream};
use serde_json::Value as Json;

use super::AppState;
use super::graphql::authorized;
use crate::graphql::{AnswerBudget, AnswerLimits, Api, Caller, ClientAddress, request_loader, to_graphql};

/// The graphql-transport-ws close code for a refused `connection_init`.
const FORBIDDEN: u16 = 4403;

pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|protocols| protocols.split(',').find_map(|p| WebSocketProtocols::from_str(p.trim()).ok()));
    let Some(protocol) = protocol else {
        return (StatusCode::BAD_REQUEST, "ask for the graphql-transport-ws subprotocol").into_response();
    };
    let sockets = state.sockets.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| sockets.track_future(serve(state, protocol, client, socket)))
}

async fn serve(state: AppState, protocol: WebSocketProtocols, client: SocketAddr, socket: WebSocket) {
    let (mut sink, stream) = socket.split();
    let input = stream.take_while(|message| future::ready(message.is_ok())).filter_map(|message| {
        future::ready(match message {
            Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
            _ => None,
        })
    });
    let shutdown = state.shutdown.clone();
    let init_state = state.clone();
    let refused = Arc::new(AtomicBool::new(false));
    let refusal = refused.clone();
    let mut output =
        GraphqlWebSocket::new(Bounded { api: state.api.clone(), limits: state.answer_limits }, input, protocol)
            .on_connection_init(move |payload| async move {
                let data = connection_init(init_state, client, payload).await;
                refusal.store(data.is_err(), Ordering::Relaxed);
                data
            });
    loop {
        let message = tokio::select! {
            message = output.next() => message,
            _ = shutdown.cancelled() => {
                let goodbye = CloseFrame { code: close_code::AWAY, reason: "the server is shutting down".into() };
                let _ = sink.send(Message::Close(Some(goodbye))).await;
                break;
            }
        };
        let message = match message {
            Some(WsMessage::Text(text)) => Message::Text(text.into()),
            Some(WsMessage::Close(code, reason)) => {
                // graphql-transport-ws says 4403 Forbidden for a refused `connection_init`;
                // async-graphql closes with 1002.
                let code = if refused.load(Ordering::Relaxed) { FORBIDDEN } else { code };
                Message::Close(Some(CloseFrame { code, reason: reason.into() }))
            }
            None => break,
        };
        if sink.send(message).await.is_err() {
            break;
        }
    }
    let _ = sink.close().await;
}

/// The API as a socket runs it: each operation's answer (each event's, for a subscription) within
/// the same limits as over HTTP, and refused whole past them.
#[derive(Clone)]
struct Bounded {
    api: Api,
    limits: AnswerLimits,
}

impl async_graphql::Executor for Bounded {
    async fn execute(&self, request: Request) -> GraphqlResponse {
        let budget = AnswerBudget::new(self.limits);
        budget.bound(self.api.execute(request.data(budget.clone())).await)
    }

    fn execute_stream(&self, request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, GraphqlResponse> {
        let budget = AnswerBudget::new(self.limits);
        self.api
            .execute_stream(request.data(budget.clone()), session_data)
            .map(move |response| {
                let response = budget.bound(response);
                // A subscription's next event is an answer of its own.
                budget.reset();
                response
            })
            .boxed()
    }
}

/// The connection's caller, from the `authorization` in the `connection_init` payload, and
/// what every operation on the socket shares.
async fn connection_init(state: AppState, client: SocketAddr, payload: Json) -> async_graphql::Result<Data> {
    let authorization = payload.get("authorization").or_else(|| payload.get("Authorization"));
    let caller = match authorization {
        None | Some(Json::Null) => Caller::Anonymous,
        Some(Json::String(value)) => authorized(&state, value).await.map_err(to_graphql)?,
        Some(_) => return Err(async_graphql::Error::new("`authorization` must be the string `Bearer <token>`")),
    };
    let mut data = Data::default();
    data.insert(request_loader(state.db.clone(), caller.audience()));
    data.insert(caller);
    data.insert(ClientAddress(client.ip()));
    Ok(data)
}
