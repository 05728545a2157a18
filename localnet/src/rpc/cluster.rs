//! The node and the cluster: getHealth, getVersion, getIdentity, getGenesisHash,
//! getSlot, getTransactionCount, getEpochInfo, getEpochSchedule,
//! getRecentPrioritizationFees, and the development-only ionet_warpSlot and
//! ionet_genesis.

use serde_json::{json, Value};
use solana_hash::Hash;

use super::params::ContextConfig;
use super::{parse_pubkey, Rpc, RpcError, RpcResult, MAX_WARP_SLOT, SOLANA_VERSION};
use crate::chain::SLOTS_PER_EPOCH;
use crate::jsonrpc::{no_params, params};

/// Agave's `MAX_TX_ACCOUNT_LOCKS`: getRecentPrioritizationFees takes no more keys.
const MAX_TX_ACCOUNT_LOCKS: usize = 128;
/// How many recent blocks' fees are reported.
const PRIORITIZATION_FEE_BLOCKS: usize = 150;

pub(super) fn get_health(p: Value) -> RpcResult {
    no_params(&p)?;
    Ok(json!("ok"))
}

pub(super) fn get_version(p: Value) -> RpcResult {
    no_params(&p)?;
    Ok(json!({ "solana-core": SOLANA_VERSION, "feature-set": 0 }))
}

pub(super) fn get_identity(rpc: &Rpc, p: Value) -> RpcResult {
    no_params(&p)?;
    Ok(json!({ "identity": rpc.genesis.accounts.faucet }))
}

pub(super) fn get_genesis_hash(rpc: &Rpc, p: Value) -> RpcResult {
    no_params(&p)?;
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(rpc.genesis.mints.io.as_bytes());
    h.update(rpc.genesis.genesis_unix_timestamp.to_le_bytes());
    Ok(json!(Hash::new_from_array(h.finalize().into()).to_string()))
}

pub(super) async fn get_slot(rpc: &Rpc, p: Value) -> RpcResult {
    let (cfg,): (Option<ContextConfig>,) = params(p, 0, 1)?;
    let (slot, _) = rpc
        .at(cfg.unwrap_or_default().min_context_slot, |_| ())
        .await?;
    Ok(json!(slot))
}

pub(super) async fn get_transaction_count(rpc: &Rpc, p: Value) -> RpcResult {
    let (cfg,): (Option<ContextConfig>,) = params(p, 0, 1)?;
    let (_, count) = rpc
        .at(cfg.unwrap_or_default().min_context_slot, |c| {
            c.transaction_count
        })
        .await?;
    Ok(json!(count))
}

pub(super) async fn get_epoch_info(rpc: &Rpc, p: Value) -> RpcResult {
    let (cfg,): (Option<ContextConfig>,) = params(p, 0, 1)?;
    let (slot, (height, count)) = rpc
        .at(cfg.unwrap_or_default().min_context_slot, |c| {
            (c.block_height(), c.transaction_count)
        })
        .await?;
    Ok(json!({
        "absoluteSlot": slot,
        "blockHeight": height,
        "epoch": slot / SLOTS_PER_EPOCH,
        "slotIndex": slot % SLOTS_PER_EPOCH,
        "slotsInEpoch": SLOTS_PER_EPOCH,
        "transactionCount": count,
    }))
}

pub(super) fn get_epoch_schedule(p: Value) -> RpcResult {
    no_params(&p)?;
    Ok(json!({
        "slotsPerEpoch": SLOTS_PER_EPOCH,
        "leaderScheduleSlotOffset": SLOTS_PER_EPOCH,
        "warmup": false,
        "firstNormalEpoch": 0,
        "firstNormalSlot": 0,
    }))
}

pub(super) async fn get_recent_prioritization_fees(rpc: &Rpc, p: Value) -> RpcResult {
    let (keys,): (Option<Vec<String>>,) = params(p, 0, 1)?;
    let keys = keys.unwrap_or_default();
    if keys.len() > MAX_TX_ACCOUNT_LOCKS {
        return Err(RpcError::invalid_params(format!(
            "Too many inputs provided; max {MAX_TX_ACCOUNT_LOCKS}"
        )));
    }
    for k in &keys {
        parse_pubkey(k)?;
    }
    // No fee market on a single node: the recent blocks' fees are all zero.
    let (_, slots) = rpc
        .at(None, |c| c.recent_block_slots(PRIORITIZATION_FEE_BLOCKS))
        .await?;
    Ok(Value::Array(
        slots
            .into_iter()
            .map(|s| json!({ "slot": s, "prioritizationFee": 0 }))
            .collect(),
    ))
}

pub(super) async fn warp_slot(rpc: &Rpc, p: Value) -> RpcResult {
    let (slot,): (u64,) = params(p, 1, 1)?;
    if slot > MAX_WARP_SLOT {
        return Err(RpcError::invalid_params(format!(
            "slot must be at most {MAX_WARP_SLOT}"
        )));
    }
    Ok(json!(rpc.handle.warp_to(slot).await?))
}

pub(super) fn genesis(rpc: &Rpc, p: Value) -> RpcResult {
    no_params(&p)?;
    serde_json::to_value(&*rpc.genesis).map_err(|_| RpcError::internal())
}
