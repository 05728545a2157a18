//! The HTTP side: POST bodies of JSON-RPC, capped in size; `GET /health`;
//! `GET /metrics` (Prometheus).

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{header, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::rpc::{response, Rpc, RpcError};

/// How much of an oversized body is read and dropped before answering 413.
const DRAIN_LIMIT: usize = 8 << 20;

fn reply(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

fn json_reply(status: StatusCode, v: &Value) -> Response<Full<Bytes>> {
    reply(
        status,
        "application/json",
        serde_json::to_vec(v).unwrap_or_default(),
    )
}

async fn handle(
    rpc: Arc<Rpc>,
    req: Request<Incoming>,
    max_body: usize,
) -> Result<Response<Full<Bytes>>, Infallible> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/health") => Ok(reply(StatusCode::OK, "text/plain", "ok")),
        (&Method::GET, "/metrics") => {
            let slot = rpc.handle.call(|c| c.slot).await.unwrap_or_default();
            Ok(reply(
                StatusCode::OK,
                "text/plain; version=0.0.4",
                rpc.metrics.render(slot),
            ))
        }
        (&Method::POST, _) => {
            let too_large = || {
                json_reply(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &response(
                        Value::Null,
                        Err(RpcError::invalid_request(format!(
                            "request body larger than {max_body} bytes"
                        ))),
                    ),
                )
            };
            // Read at most `max_body`; past it, keep reading (and dropping) up to a
            // bound, so the client can finish sending and read the 413 instead of
            // seeing its connection reset.
            let mut body = req.into_body();
            let mut bytes = Vec::new();
            let mut seen = 0usize;
            while let Some(frame) = body.frame().await {
                let Ok(frame) = frame else { break };
                if let Ok(data) = frame.into_data() {
                    seen = seen.saturating_add(data.len());
                    if seen <= max_body {
                        bytes.extend_from_slice(&data);
                    } else if seen > DRAIN_LIMIT {
                        break;
                    }
                }
            }
            if seen > max_body {
                return Ok(too_large());
            }
            let body = Bytes::from(bytes);
            let out = rpc.handle_body(&body).await;
            Ok(json_reply(StatusCode::OK, &out))
        }
        (&Method::OPTIONS, _) => Ok(reply(StatusCode::OK, "text/plain", "")),
        _ => Ok(reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "Used HTTP Method is not allowed. POST or OPTIONS is required",
        )),
    }
}

/// Serves JSON-RPC on `listener` until `stop` turns true.
pub async fn serve(
    listener: TcpListener,
    rpc: Arc<Rpc>,
    max_body: usize,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let (stream, _) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    log::warn!("rpc accept: {e}");
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let rpc = rpc.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| handle(rpc.clone(), req, max_body));
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await
            {
                log::debug!("rpc connection: {e}");
            }
        });
    }
}
