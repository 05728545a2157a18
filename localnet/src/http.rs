//! The HTTP side: POST bodies of JSON-RPC, capped in size; `GET /health`.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{header, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::rpc::{response, Rpc, RpcError};

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
            let declared = req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > max_body as u64) {
                return Ok(too_large());
            }
            let body = match Limited::new(req.into_body(), max_body).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return Ok(too_large()),
            };
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
