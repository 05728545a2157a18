//! The websocket side: Solana's pubsub (account, program, signature, logs, slot).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use solana_account::ReadableAccount;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::encode::{self, AccountEncoding, DataSlice, Surface};
use crate::filter::{parse_filters, Filter};
use crate::jsonrpc::{no_params, params, parse_request, response, RpcError};
use crate::notify::Event;
use crate::rpc::params::{AccountInfoConfig, ProgramAccountsConfig};
use crate::rpc::Rpc;

const MAX_SUBSCRIPTIONS: usize = 1_000;
const MAX_MESSAGE: usize = 64 << 10;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

#[derive(Debug)]
enum Sub {
    Account {
        key: Pubkey,
        encoding: AccountEncoding,
        slice: Option<DataSlice>,
    },
    Program {
        program: Pubkey,
        encoding: AccountEncoding,
        slice: Option<DataSlice>,
        filters: Vec<Filter>,
    },
    Signature(Signature),
    Logs(Option<Pubkey>),
    Slot,
}

impl Sub {
    fn kind(&self) -> &'static str {
        match self {
            Sub::Account { .. } => "account",
            Sub::Program { .. } => "program",
            Sub::Signature(_) => "signature",
            Sub::Logs(_) => "logs",
            Sub::Slot => "slot",
        }
    }
}

fn notification(method: &str, subscription: u64, result: Value) -> Value {
    json!({
        "jsonrpc": "2.0",
        "method": method,
        "params": { "result": result, "subscription": subscription },
    })
}

fn context_value(slot: u64, value: Value) -> Value {
    json!({ "context": { "slot": slot }, "value": value })
}

/// Agave pubsub's `param`: a key or signature that does not parse.
fn param<T: std::str::FromStr>(s: &str, thing: &str) -> Result<T, RpcError> {
    s.parse::<T>()
        .map_err(|_| RpcError::invalid_params(format!("Invalid Request: Invalid {thing} provided")))
}

/// `RpcTransactionLogsFilter`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum LogsFilter {
    All,
    AllWithVotes,
    Mentions(Vec<String>),
}

/// Parses a subscribe request into a subscription, with Agave pubsub's words for
/// what it refuses.
fn parse_sub(method: &str, p: Value) -> Result<Sub, RpcError> {
    match method {
        "accountSubscribe" => {
            let (key, cfg): (String, Option<AccountInfoConfig>) = params(p, 1, 2)?;
            let key = param(&key, "pubkey")?;
            let cfg = cfg.unwrap_or_default();
            Ok(Sub::Account {
                key,
                encoding: cfg.encoding.unwrap_or(AccountEncoding::Binary),
                slice: cfg.data_slice,
            })
        }
        "programSubscribe" => {
            let (program, cfg): (String, Option<ProgramAccountsConfig>) = params(p, 1, 2)?;
            let program = param(&program, "pubkey")?;
            let cfg = cfg.unwrap_or_default();
            Ok(Sub::Program {
                program,
                encoding: cfg
                    .account_config
                    .encoding
                    .unwrap_or(AccountEncoding::Binary),
                slice: cfg.account_config.data_slice,
                filters: parse_filters(cfg.filters.as_deref().unwrap_or_default())?,
            })
        }
        "signatureSubscribe" => {
            let (sig, _): (String, Option<Value>) = params(p, 1, 2)?;
            Ok(Sub::Signature(param(&sig, "signature")?))
        }
        "logsSubscribe" => {
            let (filter, _): (LogsFilter, Option<Value>) = params(p, 1, 2)?;
            match filter {
                LogsFilter::All | LogsFilter::AllWithVotes => Ok(Sub::Logs(None)),
                LogsFilter::Mentions(list) => match list.as_slice() {
                    [key] => Ok(Sub::Logs(Some(param(key, "mentions")?))),
                    _ => Err(RpcError::invalid_params(
                        "Invalid Request: Only 1 address supported",
                    )),
                },
            }
        }
        "slotSubscribe" => {
            no_params(&p)?;
            Ok(Sub::Slot)
        }
        _ => Err(RpcError::method_not_found()),
    }
}

/// What `event` means for `sub`: notifications to send, and whether the
/// subscription ends (a signature is notified once).
fn notify(sub: &Sub, id: u64, event: &Event, out: &mut Vec<Value>) -> bool {
    match (sub, event) {
        (Sub::Slot, Event::Slot { slot, parent }) => {
            out.push(notification(
                "slotNotification",
                id,
                json!({ "parent": parent, "root": parent, "slot": slot }),
            ));
            false
        }
        (
            Sub::Account {
                key,
                encoding,
                slice,
            },
            Event::Transaction { slot, accounts, .. },
        ) => {
            for (k, a) in accounts {
                if k == key {
                    let v = encode::account(a, *encoding, *slice, None, Surface::Pubsub)
                        .unwrap_or(Value::Null);
                    out.push(notification(
                        "accountNotification",
                        id,
                        context_value(*slot, v),
                    ));
                }
            }
            false
        }
        (
            Sub::Program {
                program,
                encoding,
                slice,
                filters,
            },
            Event::Transaction { slot, accounts, .. },
        ) => {
            for (k, a) in accounts {
                if a.owner() == program && filters.iter().all(|f| f.matches(a)) {
                    let v = json!({
                        "pubkey": k.to_string(),
                        "account": encode::account(a, *encoding, *slice, None, Surface::Pubsub)
                            .unwrap_or(Value::Null),
                    });
                    out.push(notification(
                        "programNotification",
                        id,
                        context_value(*slot, v),
                    ));
                }
            }
            false
        }
        (
            Sub::Signature(sig),
            Event::Transaction {
                signature,
                slot,
                record,
                ..
            },
        ) if sig == signature => {
            out.push(notification(
                "signatureNotification",
                id,
                context_value(*slot, json!({ "err": encode::tx_error(&record.err) })),
            ));
            true
        }
        (
            Sub::Logs(mentions),
            Event::Transaction {
                signature,
                slot,
                record,
                ..
            },
        ) => {
            let wanted = match mentions {
                None => true,
                Some(k) => record.keys.contains(&k.to_bytes()),
            };
            if wanted {
                out.push(notification(
                    "logsNotification",
                    id,
                    context_value(
                        *slot,
                        json!({
                            "signature": signature.to_string(),
                            "err": encode::tx_error(&record.err),
                            "logs": record.logs,
                        }),
                    ),
                ));
            }
            false
        }
        _ => false,
    }
}

/// One connection's subscriptions.
struct Session {
    rpc: Arc<Rpc>,
    subs: HashMap<u64, Sub>,
}

impl Session {
    /// Answers a request; may also produce notifications (a signature already known).
    async fn request(&mut self, text: &str, out: &mut Vec<Value>) {
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(_) => {
                out.push(response(Value::Null, Err(RpcError::parse())));
                return;
            }
        };
        let req = match parse_request(value) {
            Ok(r) => r,
            Err((id, e)) => {
                out.push(response(id, Err(e)));
                return;
            }
        };
        if let Some(kind) = req.method.strip_suffix("Unsubscribe") {
            let result =
                params::<(u64,)>(req.params, 1, 1).and_then(|(id,)| match self.subs.get(&id) {
                    Some(s) if s.kind() == kind => {
                        self.subs.remove(&id);
                        Ok(json!(true))
                    }
                    _ => Err(RpcError::invalid_params("Invalid subscription id.")),
                });
            out.push(response(req.id, result));
            return;
        }
        if !req.method.ends_with("Subscribe") {
            out.push(response(req.id, Err(RpcError::method_not_found())));
            return;
        }
        let sub = match parse_sub(&req.method, req.params) {
            Ok(s) => s,
            Err(e) => {
                out.push(response(req.id, Err(e)));
                return;
            }
        };
        if self.subs.len() >= MAX_SUBSCRIPTIONS {
            out.push(response(
                req.id,
                Err(RpcError::new(
                    crate::jsonrpc::INTERNAL_ERROR,
                    "Internal Error: Subscription refused. Node subscription limit reached",
                )),
            ));
            return;
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        out.push(response(req.id, Ok(json!(id))));
        if let Sub::Signature(sig) = &sub {
            // Already processed: notify at once, as Solana does.
            let sig = *sig;
            let known = self
                .rpc
                .handle
                .call(move |c| c.transaction(&sig).map(|r| (r.slot, r.err.clone())))
                .await;
            if let Ok(Some((slot, err))) = known {
                out.push(notification(
                    "signatureNotification",
                    id,
                    context_value(slot, json!({ "err": encode::tx_error(&err) })),
                ));
                return;
            }
        }
        self.subs.insert(id, sub);
    }

    fn event(&mut self, event: &Event, out: &mut Vec<Value>) {
        let mut done = Vec::new();
        for (id, sub) in &self.subs {
            if notify(sub, *id, event, out) {
                done.push(*id);
            }
        }
        for id in done {
            self.subs.remove(&id);
        }
    }
}

async fn connection(stream: TcpStream, rpc: Arc<Rpc>) {
    let config = WebSocketConfig {
        max_message_size: Some(MAX_MESSAGE),
        max_frame_size: Some(MAX_MESSAGE),
        ..Default::default()
    };
    let ws = match tokio_tungstenite::accept_async_with_config(stream, Some(config)).await {
        Ok(ws) => ws,
        Err(e) => {
            log::debug!("ws handshake: {e}");
            return;
        }
    };
    let mut events = rpc.handle.notifier.subscribe();
    let (mut sink, mut source) = ws.split();
    let mut session = Session {
        rpc,
        subs: HashMap::new(),
    };
    let mut out = Vec::new();
    loop {
        tokio::select! {
            msg = source.next() => match msg {
                Some(Ok(Message::Text(text))) => session.request(&text, &mut out).await,
                Some(Ok(Message::Binary(bytes))) => match std::str::from_utf8(&bytes) {
                    Ok(text) => session.request(text, &mut out).await,
                    Err(_) => out.push(response(Value::Null, Err(RpcError::parse()))),
                },
                Some(Ok(Message::Ping(p))) => {
                    if sink.send(Message::Pong(p)).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            ev = events.recv() => match ev {
                Ok(ev) => session.event(&ev, &mut out),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    log::warn!("ws subscriber lagged; {n} events dropped");
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
        for v in out.drain(..) {
            if sink.send(Message::Text(v.to_string())).await.is_err() {
                return;
            }
        }
    }
}

/// Serves pubsub on `listener` until `stop` turns true.
pub async fn serve(listener: TcpListener, rpc: Arc<Rpc>, mut stop: watch::Receiver<bool>) {
    loop {
        let (stream, _) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    log::warn!("ws accept: {e}");
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, rpc.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_parse() {
        let key = Pubkey::new_unique();
        assert!(matches!(
            parse_sub(
                "accountSubscribe",
                json!([key.to_string(), {"encoding": "base64"}])
            ),
            Ok(Sub::Account {
                encoding: AccountEncoding::Base64,
                ..
            })
        ));
        assert!(matches!(
            parse_sub("logsSubscribe", json!([{"mentions": [key.to_string()]}])),
            Ok(Sub::Logs(Some(_)))
        ));
        assert_eq!(
            parse_sub("logsSubscribe", json!([{"mentions": []}]))
                .unwrap_err()
                .message,
            "Invalid Request: Only 1 address supported"
        );
        assert_eq!(
            parse_sub("accountSubscribe", json!(["nope"]))
                .unwrap_err()
                .message,
            "Invalid Request: Invalid pubkey provided"
        );
        assert_eq!(
            parse_sub("blockSubscribe", json!([])).unwrap_err().code,
            -32601
        );
        let p = parse_sub(
            "programSubscribe",
            json!([key.to_string(), {"filters": [{"dataSize": 165}]}]),
        );
        assert!(
            matches!(p, Ok(Sub::Program { ref filters, .. }) if filters == &vec![Filter::DataSize(165)])
        );
    }

    #[tokio::test]
    async fn garbage_requests_get_errors_not_panics() {
        let (rpc, handle, _dir) = crate::tests::start("ws-garbage");
        let mut session = Session {
            rpc,
            subs: HashMap::new(),
        };
        let key = Pubkey::new_unique().to_string();
        let requests = [
            String::new(),
            "{".into(),
            "[]".into(),
            "null".into(),
            r#"{"jsonrpc":"2.0","id":1,"method":"accountSubscribe"}"#.into(),
            r#"{"jsonrpc":"2.0","id":1,"method":"accountSubscribe","params":[1]}"#.into(),
            r#"{"jsonrpc":"2.0","id":1,"method":"accountUnsubscribe","params":[99999]}"#.into(),
            r#"{"jsonrpc":"2.0","id":1,"method":"slotUnsubscribe","params":["x"]}"#.into(),
            r#"{"jsonrpc":"2.0","id":1,"method":"programSubscribe","params":["11111111111111111111111111111111",{"filters":[{"memcmp":{"offset":0,"bytes":"0"}}]}]}"#.into(),
            r#"{"jsonrpc":"2.0","id":1,"method":"signatureSubscribe","params":["1111"]}"#.into(),
            r#"{"jsonrpc":"2.0","id":1,"method":"logsSubscribe","params":[{"mentions":"x"}]}"#.into(),
            r#"{"jsonrpc":"2.0","id":1,"method":"getSlot"}"#.into(),
            "\u{0}\u{ff}".into(),
        ];
        for text in &requests {
            let mut out = Vec::new();
            session.request(text, &mut out).await;
            assert_eq!(out.len(), 1, "{text}");
            assert!(out[0]["error"]["code"].is_i64(), "{text}: {}", out[0]);
        }
        assert!(session.subs.is_empty());
        // A subscription and its unsubscribe, then a second unsubscribe fails.
        let mut out = Vec::new();
        let sub =
            format!(r#"{{"jsonrpc":"2.0","id":2,"method":"accountSubscribe","params":["{key}"]}}"#);
        session.request(&sub, &mut out).await;
        let id = out[0]["result"].as_u64().unwrap();
        let unsub =
            format!(r#"{{"jsonrpc":"2.0","id":3,"method":"accountUnsubscribe","params":[{id}]}}"#);
        session.request(&unsub, &mut out).await;
        assert_eq!(out[1]["result"], json!(true));
        session.request(&unsub, &mut out).await;
        assert_eq!(out[2]["error"]["code"], json!(-32602));
        handle.shutdown().await;
    }

    #[test]
    fn slot_notification_shape() {
        let mut out = Vec::new();
        notify(
            &Sub::Slot,
            7,
            &Event::Slot {
                slot: 10,
                parent: 9,
            },
            &mut out,
        );
        assert_eq!(
            out[0],
            json!({"jsonrpc":"2.0","method":"slotNotification",
                   "params":{"result":{"parent":9,"root":9,"slot":10},"subscription":7}})
        );
    }
}
