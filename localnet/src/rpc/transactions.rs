//! Transactions: sendTransaction, simulateTransaction, requestAirdrop,
//! getSignatureStatuses, getTransaction, getSignaturesForAddress, getFeeForMessage.

use std::any::type_name;

use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use solana_message::VersionedMessage;
use solana_pubkey::Pubkey;
use solana_transaction::versioned::VersionedTransaction;

use super::params::{
    at_least_confirmed, AirdropConfig, ContextConfig, EncodingConfigWrapper, SendTransactionConfig,
    SignatureStatusConfig, SignaturesForAddressConfig, SimulateTransactionConfig,
    TransactionConfig,
};
use super::{parse_pubkey, parse_signature, with_context, Rpc, RpcError, RpcResult};
use crate::chain::{self, Simulation, SubmitError, BLOCKHASH_WINDOW};
use crate::encode::{self, transaction, AccountEncoding, Surface, TxEncoding};
use crate::jsonrpc::params;

/// Solana's packet size: the largest wire transaction.
pub const PACKET_DATA_SIZE: usize = 1232;
const MAX_BASE58_SIZE: usize = 1683;
const MAX_BASE64_SIZE: usize = 1644;
const MAX_SIGNATURE_STATUSES: usize = 256;
const MAX_SIGNATURES_FOR_ADDRESS: usize = 1000;

/// Agave's `decode_and_deserialize`: the wire bytes and the value, with its words
/// for every failure.
pub fn decode_and_deserialize<T: DeserializeOwned>(
    encoded: &str,
    encoding: TxEncoding,
) -> Result<(Vec<u8>, T), RpcError> {
    let name = type_name::<T>();
    let wire = match encoding {
        TxEncoding::Base58 | TxEncoding::Binary => {
            if encoded.len() > MAX_BASE58_SIZE {
                return Err(RpcError::invalid_params(format!(
                    "base58 encoded {name} too large: {} bytes (max: encoded/raw {MAX_BASE58_SIZE}/{PACKET_DATA_SIZE})",
                    encoded.len()
                )));
            }
            bs58::decode(encoded)
                .into_vec()
                .map_err(|e| RpcError::invalid_params(format!("invalid base58 encoding: {e:?}")))?
        }
        TxEncoding::Base64 => {
            if encoded.len() > MAX_BASE64_SIZE {
                return Err(RpcError::invalid_params(format!(
                    "base64 encoded {name} too large: {} bytes (max: encoded/raw {MAX_BASE64_SIZE}/{PACKET_DATA_SIZE})",
                    encoded.len()
                )));
            }
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| RpcError::invalid_params(format!("invalid base64 encoding: {e:?}")))?
        }
        other => {
            return Err(RpcError::invalid_params(format!(
                "unsupported encoding: {}. Supported encodings: base58, base64",
                other.name()
            )))
        }
    };
    if wire.len() > PACKET_DATA_SIZE {
        return Err(RpcError::invalid_params(format!(
            "decoded {name} too large: {} bytes (max: {PACKET_DATA_SIZE} bytes)",
            wire.len()
        )));
    }
    use bincode::Options;
    let value = bincode::options()
        .with_limit(PACKET_DATA_SIZE as u64)
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .deserialize_from(&wire[..])
        .map_err(|e| RpcError::invalid_params(format!("failed to deserialize {name}: {e}")))?;
    Ok((wire, value))
}

/// A wire transaction as sendTransaction and simulateTransaction receive it,
/// sanitized.
pub fn decode_transaction(
    text: &str,
    encoding: TxEncoding,
) -> Result<VersionedTransaction, RpcError> {
    let (_, tx): (_, VersionedTransaction) = decode_and_deserialize(text, encoding)?;
    tx.sanitize().map_err(|_| {
        RpcError::invalid_params(
            "invalid transaction: Transaction failed to sanitize accounts offsets correctly",
        )
    })?;
    Ok(tx)
}

fn signatures_verify(tx: &VersionedTransaction) -> bool {
    tx.verify_with_results().iter().all(|ok| *ok)
}

/// `RpcSimulateTransactionResult`.
fn simulation_json(sim: &Simulation, accounts: Option<Vec<Value>>, inner: Option<Value>) -> Value {
    json!({
        "err": encode::tx_error(&sim.err),
        "logs": sim.logs,
        "accounts": accounts,
        "unitsConsumed": sim.compute_units,
        "loadedAccountsDataSize": sim.loaded_accounts_data_size,
        "returnData": encode::return_data(&sim.return_data),
        "innerInstructions": inner,
        "replacementBlockhash": sim.replacement_blockhash.map(|(h, height)| json!({
            "blockhash": h.to_string(),
            "lastValidBlockHeight": height + BLOCKHASH_WINDOW as u64,
        })),
    })
}

fn preflight_error(sim: &Simulation) -> RpcError {
    let message = match &sim.err {
        Some(err) => format!("Transaction simulation failed: {err}"),
        None => "Transaction simulation failed".to_string(),
    };
    RpcError::new(-32002, message).with_data(simulation_json(sim, None, None))
}

pub(super) async fn send_transaction(rpc: &Rpc, p: Value) -> RpcResult {
    let (text, cfg): (String, Option<SendTransactionConfig>) = params(p, 1, 2)?;
    let cfg = cfg.unwrap_or_default();
    let tx = decode_transaction(&text, cfg.encoding.unwrap_or(TxEncoding::Base58))?;
    let signature = tx.signatures[0];
    let verified = signatures_verify(&tx);
    if !cfg.skip_preflight && !verified {
        return Err(RpcError::signature_verification_failure());
    }
    let preflight = !cfg.skip_preflight;
    let (_, submitted) = rpc
        .at(cfg.min_context_slot, move |c| {
            // Without preflight nothing is verified before sending, so a bad
            // signature is accepted here and dropped by the "leader".
            verified.then(|| c.submit(tx, preflight))
        })
        .await?;
    match submitted {
        None | Some(Ok(_)) => Ok(json!(signature.to_string())),
        Some(Err(SubmitError::Preflight(sim))) => Err(preflight_error(&sim)),
        Some(Err(SubmitError::Rejected(err))) => {
            // As on Solana with skipPreflight: accepted, then dropped.
            log::debug!("transaction {signature} dropped: {err}");
            Ok(json!(signature.to_string()))
        }
    }
}

pub(super) async fn simulate_transaction(rpc: &Rpc, p: Value) -> RpcResult {
    let (text, cfg): (String, Option<SimulateTransactionConfig>) = params(p, 1, 2)?;
    let cfg = cfg.unwrap_or_default();
    let (_, tx): (_, VersionedTransaction) =
        decode_and_deserialize(&text, cfg.encoding.unwrap_or(TxEncoding::Base58))?;
    if cfg.replace_recent_blockhash && cfg.sig_verify {
        return Err(RpcError::invalid_params(
            "sigVerify may not be used with replaceRecentBlockhash",
        ));
    }
    tx.sanitize().map_err(|_| {
        RpcError::invalid_params(
            "invalid transaction: Transaction failed to sanitize accounts offsets correctly",
        )
    })?;
    if cfg.sig_verify && !signatures_verify(&tx) {
        return Err(RpcError::signature_verification_failure());
    }
    let number_of_accounts = tx.message.static_account_keys().len()
        + tx.message
            .address_table_lookups()
            .unwrap_or_default()
            .iter()
            .map(|l| l.writable_indexes.len() + l.readonly_indexes.len())
            .sum::<usize>();
    let accounts_cfg = match &cfg.accounts {
        None => None,
        Some(a) => {
            let encoding = a.encoding.unwrap_or(AccountEncoding::Base64);
            if matches!(encoding, AccountEncoding::Binary | AccountEncoding::Base58) {
                return Err(RpcError::invalid_params("base58 encoding not supported"));
            }
            if a.addresses.len() > number_of_accounts {
                return Err(RpcError::invalid_params(format!(
                    "Too many accounts provided; max {number_of_accounts}"
                )));
            }
            Some((a.addresses.clone(), encoding))
        }
    };
    let replace = cfg.replace_recent_blockhash;
    let wanted: Vec<Pubkey> = match &accounts_cfg {
        Some((addresses, _)) => addresses
            .iter()
            .map(|a| parse_pubkey(a))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let (slot, (sim, keys, decimals)) = rpc
        .at(cfg.min_context_slot, move |c| {
            let keys = c.transaction_keys(&tx.message);
            let sim = c.simulate(tx, replace, &wanted);
            let decimals: Vec<Option<u8>> = sim
                .accounts
                .iter()
                .map(|a| a.as_ref().and_then(|a| c.token_decimals(a)))
                .collect();
            (sim, keys, decimals)
        })
        .await?;
    let accounts = match accounts_cfg {
        None => None,
        Some((_, encoding)) => Some(
            sim.accounts
                .iter()
                .zip(decimals)
                .map(|(a, d)| match a {
                    None => Ok(Value::Null),
                    Some(a) => encode::account(a, encoding, None, d, Surface::Http),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let inner = cfg
        .inner_instructions
        .then(|| transaction::inner_instructions(&sim.inner, Some(&keys)));
    Ok(with_context(slot, simulation_json(&sim, accounts, inner)))
}

pub(super) async fn request_airdrop(rpc: &Rpc, p: Value) -> RpcResult {
    let (key, lamports, _): (String, u64, Option<AirdropConfig>) = params(p, 2, 3)?;
    let key = parse_pubkey(&key)?;
    let (_, result) = rpc.at(None, move |c| c.airdrop(&key, lamports)).await?;
    match result {
        Ok(sig) => Ok(json!(sig.to_string())),
        Err(e) => {
            log::info!("requestAirdrop of {lamports} to {key} failed: {e:?}");
            Err(RpcError::internal())
        }
    }
}

pub(super) async fn get_signature_statuses(rpc: &Rpc, p: Value) -> RpcResult {
    let (sigs, _): (Vec<String>, Option<SignatureStatusConfig>) = params(p, 1, 2)?;
    if sigs.len() > MAX_SIGNATURE_STATUSES {
        return Err(RpcError::invalid_params(format!(
            "Too many inputs provided; max {MAX_SIGNATURE_STATUSES}"
        )));
    }
    let sigs = sigs
        .iter()
        .map(|s| parse_signature(s))
        .collect::<Result<Vec<_>, _>>()?;
    let (slot, found) = rpc
        .at(None, move |c| {
            sigs.iter()
                .map(|s| c.transaction(s).map(|r| (r.slot, r.err.clone())))
                .collect::<Vec<_>>()
        })
        .await?;
    let values: Vec<Value> = found
        .into_iter()
        .map(|f| match f {
            None => Value::Null,
            Some((slot, err)) => json!({
                "slot": slot,
                "confirmations": null,
                "err": encode::tx_error(&err),
                "status": encode::status(&err),
                "confirmationStatus": "finalized",
            }),
        })
        .collect();
    Ok(with_context(slot, Value::Array(values)))
}

pub(super) async fn get_transaction(rpc: &Rpc, p: Value) -> RpcResult {
    let (sig, cfg): (String, Option<EncodingConfigWrapper<TransactionConfig>>) = params(p, 1, 2)?;
    let sig = parse_signature(&sig)?;
    let cfg = match cfg {
        None | Some(EncodingConfigWrapper::Current(None)) => TransactionConfig::default(),
        Some(EncodingConfigWrapper::Deprecated(encoding)) => TransactionConfig {
            encoding,
            ..Default::default()
        },
        Some(EncodingConfigWrapper::Current(Some(c))) => c,
    };
    at_least_confirmed(cfg.commitment)?;
    let encoding = cfg.encoding.unwrap_or(TxEncoding::Json);
    let (_, record) = rpc.at(None, move |c| c.transaction(&sig)).await?;
    match record {
        None => Ok(Value::Null),
        Some(r) => transaction::confirmed(&r, encoding, cfg.max_supported_transaction_version),
    }
}

pub(super) async fn get_signatures_for_address(rpc: &Rpc, p: Value) -> RpcResult {
    let (key, cfg): (String, Option<SignaturesForAddressConfig>) = params(p, 1, 2)?;
    let cfg = cfg.unwrap_or_default();
    let key = parse_pubkey(&key)?;
    let before = cfg.before.as_deref().map(parse_signature).transpose()?;
    let until = cfg.until.as_deref().map(parse_signature).transpose()?;
    let limit = cfg.limit.unwrap_or(MAX_SIGNATURES_FOR_ADDRESS);
    if limit == 0 || limit > MAX_SIGNATURES_FOR_ADDRESS {
        return Err(RpcError::invalid_params(format!(
            "Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS}"
        )));
    }
    at_least_confirmed(cfg.commitment)?;
    let (_, list) = rpc
        .at(cfg.min_context_slot, move |c| {
            c.signatures_for(&key, before, until, limit)
        })
        .await?;
    Ok(Value::Array(
        list.iter()
            .map(|(sig, r)| {
                json!({
                    "signature": sig.to_string(),
                    "slot": r.slot,
                    "err": encode::tx_error(&r.err),
                    "memo": null,
                    "blockTime": r.block_time,
                    "confirmationStatus": "finalized",
                })
            })
            .collect(),
    ))
}

pub(super) async fn get_fee_for_message(rpc: &Rpc, p: Value) -> RpcResult {
    let (data, cfg): (String, Option<ContextConfig>) = params(p, 1, 2)?;
    let (_, message): (_, VersionedMessage) = decode_and_deserialize(&data, TxEncoding::Base64)?;
    let cfg = cfg.unwrap_or_default();
    message
        .sanitize()
        .map_err(|e| RpcError::invalid_params(format!("invalid transaction message: {e}")))?;
    let (slot, fee) = rpc
        .at(cfg.min_context_slot, move |c| {
            // No fee for a blockhash the node does not know, as on Agave.
            c.blockhash_height(message.recent_blockhash())
                .map(|_| chain::fee_for(&message))
        })
        .await?;
    Ok(with_context(slot, json!(fee)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transactions_decode_or_fail_with_agave_words() {
        let e = decode_transaction("!!!", TxEncoding::Base64).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (-32602, "invalid base64 encoding: InvalidByte(0, 33)")
        );
        let e = decode_transaction("0OIl", TxEncoding::Base58).unwrap_err();
        assert_eq!(
            e.message,
            "invalid base58 encoding: InvalidCharacter { character: '0', index: 0 }"
        );
        let big = "A".repeat(MAX_BASE64_SIZE + 4);
        assert_eq!(
            decode_transaction(&big, TxEncoding::Base64).unwrap_err().message,
            "base64 encoded solana_transaction::versioned::VersionedTransaction too large: 1648 bytes (max: encoded/raw 1644/1232)"
        );
        assert_eq!(
            decode_transaction("AAAA", TxEncoding::Base64).unwrap_err().message,
            "failed to deserialize solana_transaction::versioned::VersionedTransaction: io error: failed to fill whole buffer"
        );
        assert_eq!(
            decode_transaction("AAAA", TxEncoding::Json)
                .unwrap_err()
                .message,
            "unsupported encoding: json. Supported encodings: base58, base64"
        );
    }
}
