//! Prometheus metrics, served as text on `GET /metrics`: JSON-RPC requests by method,
//! errors by code, and the chain's slot. Method labels are limited to methods the
//! server knows, so garbage cannot grow the label set.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use crate::jsonrpc::RpcError;

/// JSON-RPC's "method not found".
const METHOD_NOT_FOUND: i64 = -32601;

#[derive(Default)]
pub struct Metrics {
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    requests: BTreeMap<String, u64>,
    errors: BTreeMap<i64, u64>,
}

impl Metrics {
    /// Counts one answered request.
    pub fn record<T>(&self, method: &str, result: &Result<T, RpcError>) {
        let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let known = !matches!(result, Err(e) if e.code == METHOD_NOT_FOUND);
        let label = if known { method } else { "unknown" };
        *c.requests.entry(label.to_owned()).or_default() += 1;
        if let Err(e) = result {
            *c.errors.entry(e.code).or_default() += 1;
        }
    }

    /// The Prometheus text exposition, with the slot read at scrape time.
    pub fn render(&self, slot: u64) -> String {
        let c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str(
            "# HELP ionet_localnet_rpc_requests_total JSON-RPC requests answered, by method.\n",
        );
        out.push_str("# TYPE ionet_localnet_rpc_requests_total counter\n");
        for (method, n) in &c.requests {
            let _ = writeln!(
                out,
                "ionet_localnet_rpc_requests_total{{method=\"{method}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP ionet_localnet_rpc_errors_total JSON-RPC error answers, by error code.\n",
        );
        out.push_str("# TYPE ionet_localnet_rpc_errors_total counter\n");
        for (code, n) in &c.errors {
            let _ = writeln!(
                out,
                "ionet_localnet_rpc_errors_total{{code=\"{code}\"}} {n}"
            );
        }
        out.push_str("# HELP ionet_localnet_slot The chain's current slot.\n");
        out.push_str("# TYPE ionet_localnet_slot gauge\n");
        let _ = writeln!(out, "ionet_localnet_slot {slot}");
        out
    }
}
