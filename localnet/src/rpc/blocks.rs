//! Blocks: getBlock, getBlocks, getBlocksWithLimit, getBlockHeight,
//! getBlockCommitment, getBlockTime, getFirstAvailableBlock (and
//! minimumLedgerSlot), getLatestBlockhash, isBlockhashValid.
//!
//! Every slot the chain moves to has a block; the slots a warp (or a busy SVM
//! thread) jumps over are skipped, as a validator's are. Every block is final at
//! once, the one being filled included.

use std::str::FromStr;
use std::sync::Arc;

use serde_json::{json, Value};
use solana_hash::Hash;

use super::params::{
    at_least_confirmed, BlockConfig, BlocksConfigWrapper, ContextConfig, EncodingConfigWrapper,
    TransactionDetails,
};
use super::{with_context, Rpc, RpcError, RpcResult};
use crate::chain::{Chain, BLOCKHASH_WINDOW};
use crate::encode::transaction::Decoded;
use crate::encode::TxEncoding;
use crate::jsonrpc::{no_params, params};
use crate::record::{BlockHeader, TxRecord};

/// Agave's `MAX_GET_CONFIRMED_BLOCKS_RANGE`.
const MAX_BLOCKS_RANGE: u64 = 500_000;

/// A block as read off the chain, for encoding away from the SVM thread.
struct Found {
    header: BlockHeader,
    time: i64,
    transactions: Vec<Arc<TxRecord>>,
}

/// The block at `slot` or Agave's error for its absence: not yet reached, cleaned
/// up, or skipped.
fn find(c: &Chain, slot: u64) -> Result<Found, RpcError> {
    if slot > c.slot {
        return Err(RpcError::block_not_available(slot));
    }
    let first = c.first_block();
    if slot < first {
        return Err(RpcError::block_cleaned_up(slot, first));
    }
    let block = c.block(slot).ok_or_else(|| RpcError::slot_skipped(slot))?;
    Ok(Found {
        header: block.header.clone(),
        time: c.unix_at(slot),
        transactions: block
            .signatures
            .iter()
            .filter_map(|s| c.transaction(s))
            .collect(),
    })
}

pub(super) async fn get_block(rpc: &Rpc, p: Value) -> RpcResult {
    let (slot, cfg): (u64, Option<EncodingConfigWrapper<BlockConfig>>) = params(p, 1, 2)?;
    let cfg = match cfg {
        None | Some(EncodingConfigWrapper::Current(None)) => BlockConfig::default(),
        Some(EncodingConfigWrapper::Deprecated(encoding)) => BlockConfig {
            encoding,
            ..Default::default()
        },
        Some(EncodingConfigWrapper::Current(Some(c))) => c,
    };
    at_least_confirmed(cfg.commitment)?;
    let (_, found) = rpc.at(None, move |c| find(c, slot)).await?;
    encode_block(&found?, &cfg)
}

fn encode_block(found: &Found, cfg: &BlockConfig) -> RpcResult {
    let encoding = cfg.encoding.unwrap_or(TxEncoding::Json);
    let rewards = cfg.rewards.unwrap_or(true);
    let max = cfg.max_supported_transaction_version;
    let h = &found.header;
    let mut block = json!({
        "blockHeight": h.height,
        "blockTime": found.time,
        "blockhash": h.blockhash.to_string(),
        "parentSlot": h.parent_slot,
        "previousBlockhash": h.previous_blockhash.to_string(),
    });
    match cfg.transaction_details.unwrap_or_default() {
        TransactionDetails::Full => {
            block["transactions"] = Value::Array(
                found
                    .transactions
                    .iter()
                    .map(|r| Decoded::new(r)?.full(encoding, max, rewards))
                    .collect::<Result<_, _>>()?,
            )
        }
        TransactionDetails::Accounts => {
            block["transactions"] = Value::Array(
                found
                    .transactions
                    .iter()
                    .map(|r| Decoded::new(r)?.accounts(max, rewards))
                    .collect::<Result<_, _>>()?,
            )
        }
        TransactionDetails::Signatures => {
            block["signatures"] = found
                .transactions
                .iter()
                .filter_map(|r| r.signature().map(|s| s.to_string()))
                .collect();
        }
        TransactionDetails::None => {}
    }
    if rewards {
        block["rewards"] = json!([]);
    }
    Ok(block)
}

/// The min-context-slot check of getBlocks and getBlocksWithLimit, on the
/// finalized slot (here: the current one).
fn check_min_context(c: &Chain, cfg: &ContextConfig) -> Result<(), RpcError> {
    match cfg.min_context_slot {
        Some(min) if c.slot < min => Err(RpcError::min_context_slot_not_reached(c.slot)),
        _ => Ok(()),
    }
}

pub(super) async fn get_blocks(rpc: &Rpc, p: Value) -> RpcResult {
    let (start, wrapper, cfg): (u64, Option<BlocksConfigWrapper>, Option<ContextConfig>) =
        params(p, 1, 3)?;
    let (end, wrapped) = match wrapper {
        Some(BlocksConfigWrapper::EndSlotOnly(end)) => (end, None),
        Some(BlocksConfigWrapper::ConfigOnly(cfg)) => (None, cfg),
        None => (None, None),
    };
    let cfg = cfg.or(wrapped).unwrap_or_default();
    at_least_confirmed(cfg.commitment)?;
    let (_, found) = rpc
        .at(None, move |c| {
            check_min_context(c, &cfg)?;
            let end = end
                .unwrap_or_else(|| start.saturating_add(MAX_BLOCKS_RANGE))
                .min(c.slot);
            if end < start {
                return Ok(vec![]);
            }
            if end - start > MAX_BLOCKS_RANGE {
                return Err(RpcError::invalid_params(format!(
                    "Slot range too large; max {MAX_BLOCKS_RANGE}"
                )));
            }
            Ok(c.block_slots(start, end, usize::MAX))
        })
        .await?;
    Ok(json!(found?))
}

pub(super) async fn get_blocks_with_limit(rpc: &Rpc, p: Value) -> RpcResult {
    let (start, limit, cfg): (u64, usize, Option<ContextConfig>) = params(p, 2, 3)?;
    let cfg = cfg.unwrap_or_default();
    at_least_confirmed(cfg.commitment)?;
    if limit as u64 > MAX_BLOCKS_RANGE {
        return Err(RpcError::invalid_params(format!(
            "Limit too large; max {MAX_BLOCKS_RANGE}"
        )));
    }
    let (_, found) = rpc
        .at(None, move |c| {
            check_min_context(c, &cfg).map(|()| c.block_slots(start, u64::MAX, limit))
        })
        .await?;
    Ok(json!(found?))
}

pub(super) async fn get_block_height(rpc: &Rpc, p: Value) -> RpcResult {
    let (cfg,): (Option<ContextConfig>,) = params(p, 0, 1)?;
    let cfg = cfg.unwrap_or_default();
    let (_, height) = rpc.at(cfg.min_context_slot, |c| c.block_height()).await?;
    Ok(json!(height))
}

pub(super) async fn get_block_commitment(rpc: &Rpc, p: Value) -> RpcResult {
    let (_slot,): (u64,) = params(p, 1, 1)?;
    // Every block is final at once, and Agave drops a rooted block's commitment
    // array; there is no stake on a single node.
    let _ = rpc;
    Ok(json!({ "commitment": null, "totalStake": 0 }))
}

pub(super) async fn get_block_time(rpc: &Rpc, p: Value) -> RpcResult {
    let (slot,): (u64,) = params(p, 1, 1)?;
    let (_, found) = rpc
        .at(None, move |c| {
            if slot == 0 {
                // The genesis creation time.
                return Ok(c.unix_at(0));
            }
            find(c, slot).map(|f| f.time)
        })
        .await?;
    Ok(json!(found?))
}

pub(super) async fn first_available_block(rpc: &Rpc, p: Value) -> RpcResult {
    no_params(&p)?;
    let (_, first) = rpc.at(None, |c| c.first_block()).await?;
    Ok(json!(first))
}

pub(super) async fn get_latest_blockhash(rpc: &Rpc, p: Value) -> RpcResult {
    let (cfg,): (Option<ContextConfig>,) = params(p, 0, 1)?;
    let cfg = cfg.unwrap_or_default();
    let (slot, (hash, height)) = rpc
        .at(cfg.min_context_slot, |c| c.latest_blockhash())
        .await?;
    Ok(with_context(
        slot,
        json!({
            "blockhash": hash.to_string(),
            "lastValidBlockHeight": height + BLOCKHASH_WINDOW as u64,
        }),
    ))
}

pub(super) async fn is_blockhash_valid(rpc: &Rpc, p: Value) -> RpcResult {
    let (hash, cfg): (String, Option<ContextConfig>) = params(p, 1, 2)?;
    let hash = Hash::from_str(&hash).map_err(|e| RpcError::invalid_params(format!("{e:?}")))?;
    let cfg = cfg.unwrap_or_default();
    let (slot, valid) = rpc
        .at(cfg.min_context_slot, move |c| {
            c.blockhash_height(&hash).is_some()
        })
        .await?;
    Ok(with_context(slot, json!(valid)))
}
