//! Prometheus metrics (the `prometheus` crate), served as text on `GET /metrics`:
//! JSON-RPC requests by method, errors by code, and the chain's slot. Method labels
//! are limited to the methods served, so garbage cannot grow the label set.

use prometheus::{Encoder, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

use crate::jsonrpc::RpcError;

pub struct Metrics {
    /// The methods served: the only method labels.
    methods: &'static [&'static str],
    registry: Registry,
    requests: IntCounterVec,
    errors: IntCounterVec,
    slot: IntGauge,
}

impl Metrics {
    /// Metrics labelling requests by `methods` (any other name: `unknown`).
    pub fn new(methods: &'static [&'static str]) -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "ionet_localnet_rpc_requests_total",
                "JSON-RPC requests answered, by method.",
            ),
            &["method"],
        )
        .expect("a valid metric");
        let errors = IntCounterVec::new(
            Opts::new(
                "ionet_localnet_rpc_errors_total",
                "JSON-RPC error answers, by error code.",
            ),
            &["code"],
        )
        .expect("a valid metric");
        let slot = IntGauge::new("ionet_localnet_slot", "The chain's current slot.")
            .expect("a valid metric");
        for m in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(errors.clone()),
            Box::new(slot.clone()),
        ] {
            registry.register(m).expect("registered once");
        }
        Metrics {
            methods,
            registry,
            requests,
            errors,
            slot,
        }
    }

    /// Counts one answered request.
    pub fn record<T>(&self, method: &str, result: &Result<T, RpcError>) {
        let label = if self.methods.contains(&method) {
            method
        } else {
            "unknown"
        };
        self.requests.with_label_values(&[label]).inc();
        if let Err(e) = result {
            self.errors
                .with_label_values(&[e.code.to_string().as_str()])
                .inc();
        }
    }

    /// The Prometheus text exposition, with the slot read at scrape time.
    pub fn render(&self, slot: u64) -> String {
        self.slot.set(i64::try_from(slot).unwrap_or(i64::MAX));
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            log::warn!("metrics: {e}");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
