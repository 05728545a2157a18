//! ionet-localnet: a local Solana chain with the ionet programs, speaking Solana's
//! JSON-RPC and pubsub. See `--help` and [`config::Cli`].

mod chain;
mod config;
mod encode;
mod filter;
mod genesis;
mod http;
mod jsonrpc;
mod ledger;
mod metrics;
mod notify;
mod record;
mod rpc;
mod svm_thread;
mod ws;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::net::TcpListener;
use tokio::sync::watch;

use clap::Parser;

use crate::config::{Cli, Config};

fn main() {
    let config = match Cli::parse().config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ionet-localnet: {e}");
            std::process::exit(2);
        }
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .target(env_logger::Target::Stderr)
        .init();
    if let Err(e) = run(config) {
        log::error!("{e}");
        std::process::exit(1);
    }
}

fn run(config: Config) -> std::io::Result<()> {
    let genesis_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let opts = svm_thread::Options {
        ledger: config.ledger.clone(),
        reset: config.reset,
        genesis: genesis::GenesisOptions {
            genesis_unix,
            slot_ms: config.slot_ms,
            epoch_seconds: config.epoch_seconds,
            halving_epochs: config.halving_epochs,
            no_genesis: config.no_genesis,
            faucet_sol: config.faucet_sol,
        },
        tx_history: config.tx_history,
        snapshot_bytes: config.snapshot_mb << 20,
    };
    let (handle, file, svm) = svm_thread::start(opts)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let rpc_listener = TcpListener::bind(SocketAddr::new(config.bind, config.rpc_port)).await?;
        let ws_listener = TcpListener::bind(SocketAddr::new(config.bind, config.ws_port)).await?;
        let rpc_addr = rpc_listener.local_addr()?;
        let ws_addr = ws_listener.local_addr()?;
        let rpc = Arc::new(rpc::Rpc {
            handle: handle.clone(),
            genesis: Arc::new(file),
            metrics: crate::metrics::Metrics::new(crate::rpc::METHODS),
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let http_task = tokio::spawn(http::serve(
            rpc_listener,
            rpc.clone(),
            config.max_request_bytes,
            stop_rx.clone(),
        ));
        let ws_task = tokio::spawn(ws::serve(ws_listener, rpc.clone(), stop_rx));
        log::info!("JSON-RPC on http://{rpc_addr}, websockets on ws://{ws_addr}");
        println!(
            "ionet-localnet ready rpc=http://{rpc_addr} ws=ws://{ws_addr} ledger={}",
            config.ledger.display()
        );
        wait_for_signal().await;
        log::info!("shutting down: writing a snapshot");
        let _ = stop_tx.send(true);
        handle.shutdown().await;
        let _ = http_task.await;
        let _ = ws_task.await;
        std::io::Result::Ok(())
    })?;
    let _ = svm.join();
    Ok(())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
