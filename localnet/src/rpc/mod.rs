//! Solana's JSON-RPC over the chain: one dispatch table, with each family of
//! methods in its own module (accounts, tokens, transactions, blocks, cluster).

mod accounts;
mod blocks;
mod cluster;
mod dev;
pub mod params;
mod tokens;
mod transactions;

use std::str::FromStr;
use std::sync::Arc;

use serde_json::{json, Value};
use solana_pubkey::Pubkey;
use solana_signature::Signature;

use crate::chain::Chain;
use crate::genesis::GenesisFile;
use crate::metrics::Metrics;
use crate::svm_thread::Handle;

pub use crate::jsonrpc::{parse_request, response, RpcError, RpcResult};

/// The Solana version whose RPC this follows (Agave 2.3, as LiteSVM runs).
pub const SOLANA_VERSION: &str = "2.3.0";
/// ionet_warpSlot goes no further (about 14,000 years of 400 ms slots), so slot and
/// time arithmetic cannot overflow.
pub const MAX_WARP_SLOT: u64 = 1 << 40;
/// The most requests one JSON-RPC batch may hold.
const MAX_BATCH: usize = 1024;

/// Every method served, for the metrics' labels.
pub const METHODS: &[&str] = &[
    "getAccountInfo",
    "getBalance",
    "getBlock",
    "getBlockCommitment",
    "getBlockHeight",
    "getBlockTime",
    "getBlocks",
    "getBlocksWithLimit",
    "getEpochInfo",
    "getEpochSchedule",
    "getFeeForMessage",
    "getFirstAvailableBlock",
    "getGenesisHash",
    "getHealth",
    "getIdentity",
    "getLatestBlockhash",
    "getMinimumBalanceForRentExemption",
    "getMultipleAccounts",
    "getProgramAccounts",
    "getRecentPrioritizationFees",
    "getSignatureStatuses",
    "getSignaturesForAddress",
    "getSlot",
    "getTokenAccountBalance",
    "getTokenAccountsByDelegate",
    "getTokenAccountsByOwner",
    "getTokenLargestAccounts",
    "getTokenSupply",
    "getTransaction",
    "getTransactionCount",
    "getVersion",
    "isBlockhashValid",
    "minimumLedgerSlot",
    "requestAirdrop",
    "sendTransaction",
    "simulateTransaction",
    "ionet_attestCapacity",
    "ionet_genesis",
    "ionet_warpSlot",
];

/// `{"context": {"slot", "apiVersion"}, "value"}`.
pub fn with_context(slot: u64, value: Value) -> Value {
    json!({ "context": { "slot": slot, "apiVersion": SOLANA_VERSION }, "value": value })
}

/// Agave's `verify_pubkey`: `Invalid param: WrongSize` or `Invalid param: Invalid`.
pub fn parse_pubkey(s: &str) -> Result<Pubkey, RpcError> {
    Pubkey::from_str(s).map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))
}

/// Agave's `verify_signature`.
pub fn parse_signature(s: &str) -> Result<Signature, RpcError> {
    Signature::from_str(s).map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))
}

/// The RPC service: a handle on the chain and the genesis it was made with.
pub struct Rpc {
    pub handle: Handle,
    pub genesis: Arc<GenesisFile>,
    pub metrics: Metrics,
}

impl Rpc {
    /// Answers one HTTP body: a request or a batch.
    pub async fn handle_body(&self, body: &[u8]) -> Value {
        let value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(_) => return response(Value::Null, Err(RpcError::parse())),
        };
        match value {
            Value::Array(items) if items.is_empty() || items.len() > MAX_BATCH => response(
                Value::Null,
                Err(RpcError::invalid_request("Invalid request")),
            ),
            Value::Array(items) => {
                // Dispatched together, so they share one SVM batch and one fsync;
                // answered in request order.
                let answers = futures_util::future::join_all(
                    items.into_iter().map(|item| self.handle_value(item)),
                )
                .await;
                Value::Array(answers)
            }
            other => self.handle_value(other).await,
        }
    }

    async fn handle_value(&self, value: Value) -> Value {
        match parse_request(value) {
            Ok(req) => {
                let result = self.call(&req.method, req.params).await;
                self.metrics.record(&req.method, &result);
                response(req.id, result)
            }
            Err((id, e)) => response(id, Err(e)),
        }
    }

    /// The dispatch table: every method, by name.
    pub async fn call(&self, method: &str, p: Value) -> RpcResult {
        match method {
            "getAccountInfo" => accounts::get_account_info(self, p).await,
            "getMultipleAccounts" => accounts::get_multiple_accounts(self, p).await,
            "getProgramAccounts" => accounts::get_program_accounts(self, p).await,
            "getBalance" => accounts::get_balance(self, p).await,
            "getMinimumBalanceForRentExemption" => accounts::minimum_balance(self, p).await,
            "getTokenAccountBalance" => tokens::get_token_account_balance(self, p).await,
            "getTokenSupply" => tokens::get_token_supply(self, p).await,
            "getTokenLargestAccounts" => tokens::get_token_largest_accounts(self, p).await,
            "getTokenAccountsByOwner" => {
                tokens::get_token_accounts(self, p, tokens::By::Owner).await
            }
            "getTokenAccountsByDelegate" => {
                tokens::get_token_accounts(self, p, tokens::By::Delegate).await
            }
            "sendTransaction" => transactions::send_transaction(self, p).await,
            "simulateTransaction" => transactions::simulate_transaction(self, p).await,
            "requestAirdrop" => transactions::request_airdrop(self, p).await,
            "getSignatureStatuses" => transactions::get_signature_statuses(self, p).await,
            "getTransaction" => transactions::get_transaction(self, p).await,
            "getSignaturesForAddress" => transactions::get_signatures_for_address(self, p).await,
            "getFeeForMessage" => transactions::get_fee_for_message(self, p).await,
            "getBlock" => blocks::get_block(self, p).await,
            "getBlocks" => blocks::get_blocks(self, p).await,
            "getBlocksWithLimit" => blocks::get_blocks_with_limit(self, p).await,
            "getBlockHeight" => blocks::get_block_height(self, p).await,
            "getBlockCommitment" => blocks::get_block_commitment(self, p).await,
            "getBlockTime" => blocks::get_block_time(self, p).await,
            "getFirstAvailableBlock" | "minimumLedgerSlot" => {
                blocks::first_available_block(self, p).await
            }
            "getLatestBlockhash" => blocks::get_latest_blockhash(self, p).await,
            "isBlockhashValid" => blocks::is_blockhash_valid(self, p).await,
            "getHealth" => cluster::get_health(p),
            "getVersion" => cluster::get_version(p),
            "getIdentity" => cluster::get_identity(self, p),
            "getGenesisHash" => cluster::get_genesis_hash(self, p),
            "getSlot" => cluster::get_slot(self, p).await,
            "getTransactionCount" => cluster::get_transaction_count(self, p).await,
            "getEpochInfo" => cluster::get_epoch_info(self, p).await,
            "getEpochSchedule" => cluster::get_epoch_schedule(p),
            "getRecentPrioritizationFees" => cluster::get_recent_prioritization_fees(self, p).await,
            "ionet_warpSlot" => cluster::warp_slot(self, p).await,
            "ionet_genesis" => cluster::genesis(self, p),
            "ionet_attestCapacity" => dev::attest_capacity(self, p).await,
            _ => Err(RpcError::method_not_found()),
        }
    }

    /// Runs `f` on the chain, refused with `-32016` while the chain's slot is below
    /// `min_context_slot`; returns the slot it ran at with `f`'s answer.
    pub async fn at<R: Send + 'static>(
        &self,
        min_context_slot: Option<u64>,
        f: impl FnOnce(&mut Chain) -> R + Send + 'static,
    ) -> Result<(u64, R), RpcError> {
        let min = min_context_slot.unwrap_or(0);
        self.handle
            .call(move |c| {
                if c.slot < min {
                    Err(c.slot)
                } else {
                    Ok((c.slot, f(c)))
                }
            })
            .await?
            .map_err(RpcError::min_context_slot_not_reached)
    }
}
