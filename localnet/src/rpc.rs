//! Solana's RPC methods over the chain: dispatch, parameters, result shapes.

use std::str::FromStr;
use std::sync::Arc;

use anchor_spl::token::spl_token;
use anchor_spl::token::spl_token::solana_program::program_pack::Pack;
use base64::Engine;
use serde_json::{json, Map, Value};
use solana_account::ReadableAccount;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

use crate::chain::{Chain, Simulation, SubmitError, LAMPORTS_PER_SIGNATURE, SLOTS_PER_EPOCH};
use crate::encode::{self, DataSlice, Encoding};
use crate::genesis::GenesisFile;
use crate::metrics::Metrics;
use crate::svm_thread::Handle;

pub use crate::filter::{parse_filters, Filter};
pub use crate::jsonrpc::{
    bool_opt, parse_pubkey, parse_request, parse_signature, response, Params, RpcError, RpcResult,
};

/// The Solana version whose RPC this follows (Agave 2.3, as LiteSVM runs).
pub const SOLANA_VERSION: &str = "2.3.0";
/// Solana's packet size: the largest wire transaction.
pub const PACKET_DATA_SIZE: usize = 1232;
const MAX_BASE58_TX: usize = 1683;
const MAX_BASE64_TX: usize = 1644;
const MAX_MULTIPLE_ACCOUNTS: usize = 100;
const MAX_SIGNATURE_STATUSES: usize = 256;
const MAX_SIGNATURES_FOR_ADDRESS: usize = 1000;
/// ionet_warpSlot goes no further (about 14,000 years of 400 ms slots), so slot and
/// time arithmetic cannot overflow.
pub const MAX_WARP_SLOT: u64 = 1 << 40;
/// The most requests one JSON-RPC batch may hold.
const MAX_BATCH: usize = 1024;

fn context(slot: u64) -> Value {
    json!({ "slot": slot, "apiVersion": SOLANA_VERSION })
}

fn with_context(slot: u64, value: Value) -> Value {
    json!({ "context": context(slot), "value": value })
}

/// Decodes a wire transaction as sendTransaction and simulateTransaction receive it.
pub fn decode_transaction(
    text: &str,
    encoding: Encoding,
) -> Result<VersionedTransaction, RpcError> {
    let wire = match encoding {
        Encoding::Base58 | Encoding::Binary => {
            if text.len() > MAX_BASE58_TX {
                return Err(RpcError::invalid_params(format!(
                    "base58 encoded solana_transaction::versioned::VersionedTransaction too large: {} bytes (max: encoded/raw {MAX_BASE58_TX}/{PACKET_DATA_SIZE})",
                    text.len()
                )));
            }
            bs58::decode(text)
                .into_vec()
                .map_err(|e| RpcError::invalid_params(format!("invalid base58 encoding: {e:?}")))?
        }
        Encoding::Base64 => {
            if text.len() > MAX_BASE64_TX {
                return Err(RpcError::invalid_params(format!(
                    "base64 encoded solana_transaction::versioned::VersionedTransaction too large: {} bytes (max: encoded/raw {MAX_BASE64_TX}/{PACKET_DATA_SIZE})",
                    text.len()
                )));
            }
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| RpcError::invalid_params(format!("invalid base64 encoding: {e:?}")))?
        }
        _ => {
            return Err(RpcError::invalid_params(
                "unsupported encoding: base58 or base64 expected",
            ))
        }
    };
    if wire.len() > PACKET_DATA_SIZE {
        return Err(RpcError::invalid_params(format!(
            "decoded solana_transaction::versioned::VersionedTransaction too large: {} bytes (max: {PACKET_DATA_SIZE} bytes)",
            wire.len()
        )));
    }
    use bincode::Options;
    let tx: VersionedTransaction = bincode::options()
        .with_limit(PACKET_DATA_SIZE as u64)
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .deserialize_from(&wire[..])
        .map_err(|e| {
            RpcError::invalid_params(format!(
                "failed to deserialize solana_transaction::versioned::VersionedTransaction: {e}"
            ))
        })?;
    tx.sanitize()
        .map_err(|e| RpcError::invalid_params(format!("invalid transaction: {e}")))?;
    Ok(tx)
}

fn verify_signatures(tx: &VersionedTransaction) -> Result<(), RpcError> {
    if tx.verify_with_results().iter().all(|ok| *ok) {
        Ok(())
    } else {
        Err(RpcError::new(
            -32003,
            "Transaction signature verification failure",
        ))
    }
}

fn simulation_json(sim: &Simulation, accounts: Option<Vec<Value>>, inner: bool) -> Value {
    json!({
        "err": encode::tx_error(&sim.err),
        "logs": sim.logs,
        "accounts": accounts,
        "unitsConsumed": sim.compute_units,
        "returnData": encode::return_data(&sim.return_data),
        "innerInstructions": if inner { encode::inner_instructions(&sim.inner) } else { Value::Null },
        "replacementBlockhash": sim.replacement_blockhash.map(|(h, slot)| json!({
            "blockhash": h.to_string(),
            "lastValidBlockHeight": slot.saturating_add(crate::chain::BLOCKHASH_WINDOW as u64),
        })),
    })
}

fn preflight_error(sim: &Simulation) -> RpcError {
    let message = match &sim.err {
        Some(err) => format!("Transaction simulation failed: {err}"),
        None => "Transaction simulation failed".to_string(),
    };
    RpcError {
        code: -32002,
        message,
        data: Some(simulation_json(sim, None, false)),
    }
}

fn ui_amount_string(amount: u64, decimals: u8) -> String {
    if decimals == 0 {
        return amount.to_string();
    }
    let s = format!("{:0>width$}", amount, width = decimals as usize + 1);
    let (int, frac) = s.split_at(s.len() - decimals as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    }
}

pub fn token_amount(amount: u64, decimals: u8) -> Value {
    json!({
        "amount": amount.to_string(),
        "decimals": decimals,
        "uiAmount": amount as f64 / 10f64.powi(decimals as i32),
        "uiAmountString": ui_amount_string(amount, decimals),
    })
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
            Value::Array(items) if items.is_empty() => response(
                Value::Null,
                Err(RpcError::invalid_request("Invalid request: empty batch")),
            ),
            Value::Array(items) => {
                if items.len() > MAX_BATCH {
                    return response(
                        Value::Null,
                        Err(RpcError::invalid_request(format!(
                            "Invalid request: batch larger than {MAX_BATCH}"
                        ))),
                    );
                }
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

    pub async fn call(&self, method: &str, params: Value) -> RpcResult {
        let p = Params::new(params)?;
        match method {
            "getHealth" => Ok(json!("ok")),
            "getVersion" => Ok(json!({ "solana-core": SOLANA_VERSION, "feature-set": 0 })),
            "getIdentity" => Ok(json!({ "identity": self.genesis.accounts.faucet })),
            "getGenesisHash" => {
                use sha2::Digest;
                let mut h = sha2::Sha256::new();
                h.update(self.genesis.mints.io.as_bytes());
                h.update(self.genesis.genesis_unix_timestamp.to_le_bytes());
                Ok(json!(Hash::new_from_array(h.finalize().into()).to_string()))
            }
            "getSlot" | "getBlockHeight" => {
                p.config(0)?;
                Ok(json!(self.handle.call(|c| c.slot).await?))
            }
            "getTransactionCount" => {
                p.config(0)?;
                Ok(json!(self.handle.call(|c| c.transaction_count).await?))
            }
            "getEpochInfo" => {
                p.config(0)?;
                let (slot, count) = self.handle.call(|c| (c.slot, c.transaction_count)).await?;
                Ok(json!({
                    "absoluteSlot": slot,
                    "blockHeight": slot,
                    "epoch": slot / SLOTS_PER_EPOCH,
                    "slotIndex": slot % SLOTS_PER_EPOCH,
                    "slotsInEpoch": SLOTS_PER_EPOCH,
                    "transactionCount": count,
                }))
            }
            "getBlockTime" => {
                let slot = p.u64(0, "slot")?;
                let (current, time) = self
                    .handle
                    .call(move |c| (c.slot, c.unix_at(slot.min(MAX_WARP_SLOT))))
                    .await?;
                if slot > current {
                    return Err(RpcError::new(
                        -32004,
                        format!("Block not available for slot {slot}"),
                    ));
                }
                Ok(json!(time))
            }
            "getFirstAvailableBlock" | "minimumLedgerSlot" => Ok(json!(0)),
            "getRecentPrioritizationFees" => {
                // No fee market on a single node: the recent slots' fees are all zero.
                let slot = self.handle.call(|c| c.slot).await?;
                Ok(Value::Array(
                    (slot.saturating_sub(149)..=slot)
                        .map(|s| json!({ "slot": s, "prioritizationFee": 0 }))
                        .collect(),
                ))
            }
            "getEpochSchedule" => Ok(json!({
                "slotsPerEpoch": SLOTS_PER_EPOCH,
                "leaderScheduleSlotOffset": SLOTS_PER_EPOCH,
                "warmup": false,
                "firstNormalEpoch": 0,
                "firstNormalSlot": 0,
            })),
            "getLatestBlockhash" => {
                p.config(0)?;
                let (slot, (hash, hash_slot)) =
                    self.handle.call(|c| (c.slot, c.latest_blockhash())).await?;
                Ok(with_context(
                    slot,
                    json!({
                        "blockhash": hash.to_string(),
                        "lastValidBlockHeight": hash_slot.saturating_add(crate::chain::BLOCKHASH_WINDOW as u64),
                    }),
                ))
            }
            "isBlockhashValid" => {
                let hash = Hash::from_str(p.str(0, "blockhash")?)
                    .map_err(|_| RpcError::invalid_param("Invalid"))?;
                p.config(1)?;
                let (slot, valid) = self
                    .handle
                    .call(move |c| (c.slot, c.blockhash_slot(&hash).is_some()))
                    .await?;
                Ok(with_context(slot, json!(valid)))
            }
            "getFeeForMessage" => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(p.str(0, "message")?)
                    .map_err(|e| RpcError::invalid_params(format!("invalid base64: {e}")))?;
                let signers = *bytes
                    .first()
                    .ok_or_else(|| RpcError::invalid_params("empty message"))?;
                // A v0 message starts with 0x80; its header follows.
                let signers = if signers & 0x80 != 0 {
                    *bytes.get(1).unwrap_or(&0)
                } else {
                    signers
                };
                let slot = self.handle.call(|c| c.slot).await?;
                Ok(with_context(
                    slot,
                    json!(u64::from(signers) * LAMPORTS_PER_SIGNATURE),
                ))
            }
            "getMinimumBalanceForRentExemption" => {
                let len = match p.get(0) {
                    None => 0,
                    Some(_) => p.u64(0, "data length")?,
                };
                if len > 10 * 1024 * 1024 {
                    return Err(RpcError::invalid_params("data length exceeds 10 MiB"));
                }
                let rent = self
                    .handle
                    .call(move |c| c.svm.minimum_balance_for_rent_exemption(len as usize))
                    .await?;
                Ok(json!(rent))
            }
            "getAccountInfo" => self.get_account_info(p).await,
            "getMultipleAccounts" => self.get_multiple_accounts(p).await,
            "getProgramAccounts" => self.get_program_accounts(p).await,
            "getTokenAccountsByOwner" => self.get_token_accounts_by_owner(p).await,
            "getBalance" => {
                let key = p.pubkey(0)?;
                p.config(1)?;
                let (slot, lamports) = self
                    .handle
                    .call(move |c| (c.slot, c.account(&key).map(|a| a.lamports()).unwrap_or(0)))
                    .await?;
                Ok(with_context(slot, json!(lamports)))
            }
            "getTokenAccountBalance" => {
                let key = p.pubkey(0)?;
                p.config(1)?;
                let (slot, found) = self
                    .handle
                    .call(move |c| {
                        let token = c
                            .account(&key)
                            .filter(|a| a.owner() == &spl_token::ID)
                            .and_then(|a| spl_token::state::Account::unpack(a.data()).ok());
                        let found = token.and_then(|t| {
                            let mint = c.account(&t.mint)?;
                            let mint = spl_token::state::Mint::unpack(mint.data()).ok()?;
                            Some((t.amount, mint.decimals))
                        });
                        (c.slot, found)
                    })
                    .await?;
                let (amount, decimals) =
                    found.ok_or_else(|| RpcError::invalid_param("not a Token account"))?;
                Ok(with_context(slot, token_amount(amount, decimals)))
            }
            "getTokenSupply" => {
                let key = p.pubkey(0)?;
                p.config(1)?;
                let (slot, found) = self
                    .handle
                    .call(move |c| {
                        let mint = c
                            .account(&key)
                            .filter(|a| a.owner() == &spl_token::ID)
                            .and_then(|a| spl_token::state::Mint::unpack(a.data()).ok());
                        (c.slot, mint.map(|m| (m.supply, m.decimals)))
                    })
                    .await?;
                let (supply, decimals) =
                    found.ok_or_else(|| RpcError::invalid_param("not a Token mint"))?;
                Ok(with_context(slot, token_amount(supply, decimals)))
            }
            "requestAirdrop" => {
                let key = p.pubkey(0)?;
                let lamports = p.u64(1, "lamports")?;
                p.config(2)?;
                let result = self.handle.call(move |c| c.airdrop(&key, lamports)).await?;
                match result {
                    Ok(sig) => Ok(json!(sig.to_string())),
                    Err(SubmitError::Preflight(sim)) => Err(RpcError::internal(format!(
                        "airdrop failed: {}",
                        encode::tx_error(&sim.err)
                    ))),
                    Err(SubmitError::Rejected(e)) => {
                        Err(RpcError::internal(format!("airdrop failed: {e}")))
                    }
                }
            }
            "sendTransaction" => self.send_transaction(p).await,
            "simulateTransaction" => self.simulate_transaction(p).await,
            "getSignatureStatuses" => self.get_signature_statuses(p).await,
            "getTransaction" => self.get_transaction(p).await,
            "getSignaturesForAddress" => self.get_signatures_for_address(p).await,
            "ionet_warpSlot" => {
                let slot = p.u64(0, "slot")?;
                if slot > MAX_WARP_SLOT {
                    return Err(RpcError::invalid_params(format!(
                        "slot must be at most {MAX_WARP_SLOT}"
                    )));
                }
                let now = self.handle.warp_to(slot).await?;
                Ok(json!(now))
            }
            "ionet_genesis" => {
                serde_json::to_value(&*self.genesis).map_err(|e| RpcError::internal(e.to_string()))
            }
            _ => Err(RpcError::method_not_found()),
        }
    }

    async fn get_account_info(&self, p: Params) -> RpcResult {
        let key = p.pubkey(0)?;
        let cfg = p.config(1)?;
        let encoding = encode::parse_encoding(cfg.get("encoding"), Encoding::Binary)?;
        let slice = encode::parse_data_slice(cfg.get("dataSlice"))?;
        let parsed = encoding == Encoding::JsonParsed;
        let (slot, account) = self
            .handle
            .call(move |c| {
                let account = c.account(&key).map(|a| {
                    let d = if parsed { c.token_decimals(&a) } else { None };
                    (a, d)
                });
                (c.slot, account)
            })
            .await?;
        let value = match account {
            None => Value::Null,
            Some((a, d)) => encode::account_parsed(&a, encoding, slice, d)?,
        };
        Ok(with_context(slot, value))
    }

    async fn get_multiple_accounts(&self, p: Params) -> RpcResult {
        let keys = p.list(0, MAX_MULTIPLE_ACCOUNTS, "pubkeys", parse_pubkey)?;
        let cfg = p.config(1)?;
        let encoding = encode::parse_encoding(cfg.get("encoding"), Encoding::Base64)?;
        let slice = encode::parse_data_slice(cfg.get("dataSlice"))?;
        let (slot, accounts) = self
            .handle
            .call(move |c| {
                (
                    c.slot,
                    keys.iter().map(|k| c.account(k)).collect::<Vec<_>>(),
                )
            })
            .await?;
        let values = accounts
            .iter()
            .map(|a| match a {
                None => Ok(Value::Null),
                Some(a) => encode::account(a, encoding, slice),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(with_context(slot, Value::Array(values)))
    }

    async fn get_program_accounts(&self, p: Params) -> RpcResult {
        let program = p.pubkey(0)?;
        let cfg = p.config(1)?;
        let encoding = encode::parse_encoding(cfg.get("encoding"), Encoding::Binary)?;
        let slice: Option<DataSlice> = encode::parse_data_slice(cfg.get("dataSlice"))?;
        let filters = parse_filters(cfg.get("filters"))?;
        let with_ctx = bool_opt(&cfg, "withContext")?;
        let parsed = encoding == Encoding::JsonParsed;
        let (slot, accounts) = self
            .handle
            .call(move |c| {
                let accounts =
                    c.program_accounts(&program, |a| filters.iter().all(|f| f.matches(a)));
                (c.slot, c.with_decimals(accounts, parsed))
            })
            .await?;
        let list = accounts
            .iter()
            .map(|(k, a, d)| encode::keyed_account_parsed(k, a, encoding, slice, *d))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(if with_ctx {
            with_context(slot, Value::Array(list))
        } else {
            Value::Array(list)
        })
    }

    async fn get_token_accounts_by_owner(&self, p: Params) -> RpcResult {
        let owner = p.pubkey(0)?;
        let which = p.get(1).and_then(Value::as_object).ok_or_else(|| {
            RpcError::invalid_params("expected {\"mint\": …} or {\"programId\": …}")
        })?;
        let mint = match (which.get("mint"), which.get("programId")) {
            (Some(Value::String(m)), None) => Some(parse_pubkey(m)?),
            (None, Some(Value::String(program))) => {
                if parse_pubkey(program)? != spl_token::ID {
                    return Err(RpcError::invalid_param("unrecognized Token program id"));
                }
                None
            }
            _ => {
                return Err(RpcError::invalid_params(
                    "expected {\"mint\": …} or {\"programId\": …}",
                ))
            }
        };
        let cfg = p.config(2)?;
        let encoding = encode::parse_encoding(cfg.get("encoding"), Encoding::Binary)?;
        let slice = encode::parse_data_slice(cfg.get("dataSlice"))?;
        let parsed = encoding == Encoding::JsonParsed;
        let mut filters = vec![
            Filter::DataSize(spl_token::state::Account::LEN),
            Filter::Memcmp {
                offset: 32,
                bytes: owner.to_bytes().to_vec(),
            },
        ];
        if let Some(mint) = mint {
            filters.push(Filter::Memcmp {
                offset: 0,
                bytes: mint.to_bytes().to_vec(),
            });
        }
        let (slot, accounts) = self
            .handle
            .call(move |c| {
                let accounts =
                    c.program_accounts(&spl_token::ID, |a| filters.iter().all(|f| f.matches(a)));
                (c.slot, c.with_decimals(accounts, parsed))
            })
            .await?;
        let list = accounts
            .iter()
            .map(|(k, a, d)| encode::keyed_account_parsed(k, a, encoding, slice, *d))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(with_context(slot, Value::Array(list)))
    }

    async fn send_transaction(&self, p: Params) -> RpcResult {
        let text = p.str(0, "transaction")?.to_owned();
        let cfg = p.config(1)?;
        let encoding = encode::parse_encoding(cfg.get("encoding"), Encoding::Base58)?;
        let skip_preflight = bool_opt(&cfg, "skipPreflight")?;
        let tx = decode_transaction(&text, encoding)?;
        verify_signatures(&tx)?;
        let signature = *tx
            .signatures
            .first()
            .ok_or_else(|| RpcError::invalid_params("invalid transaction: no signature"))?;
        match self
            .handle
            .call(move |c| c.submit(tx, !skip_preflight))
            .await?
        {
            Ok(sig) => Ok(json!(sig.to_string())),
            Err(SubmitError::Preflight(sim)) => Err(preflight_error(&sim)),
            Err(SubmitError::Rejected(err)) => {
                // As on Solana with skipPreflight: accepted, then dropped.
                log::debug!("transaction {signature} dropped: {err}");
                Ok(json!(signature.to_string()))
            }
        }
    }

    async fn simulate_transaction(&self, p: Params) -> RpcResult {
        let text = p.str(0, "transaction")?.to_owned();
        let cfg = p.config(1)?;
        let encoding = encode::parse_encoding(cfg.get("encoding"), Encoding::Base58)?;
        let sig_verify = bool_opt(&cfg, "sigVerify")?;
        let replace = bool_opt(&cfg, "replaceRecentBlockhash")?;
        let inner = bool_opt(&cfg, "innerInstructions")?;
        if sig_verify && replace {
            return Err(RpcError::invalid_params(
                "sigVerify may not be used with replaceRecentBlockhash",
            ));
        }
        let (addresses, account_encoding) = match cfg.get("accounts") {
            None | Some(Value::Null) => (None, Encoding::Base64),
            Some(Value::Object(a)) => {
                let list = a
                    .get("addresses")
                    .and_then(Value::as_array)
                    .ok_or_else(|| {
                        RpcError::invalid_params("accounts.addresses must be an array")
                    })?;
                if list.len() > MAX_MULTIPLE_ACCOUNTS {
                    return Err(RpcError::invalid_params(format!(
                        "Too many accounts provided; max {MAX_MULTIPLE_ACCOUNTS}"
                    )));
                }
                let keys = list
                    .iter()
                    .map(|k| {
                        k.as_str()
                            .ok_or_else(|| RpcError::invalid_param("Invalid"))
                            .and_then(parse_pubkey)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let enc = encode::parse_encoding(a.get("encoding"), Encoding::Base64)?;
                (Some(keys), enc)
            }
            Some(_) => return Err(RpcError::invalid_params("accounts must be an object")),
        };
        let tx = decode_transaction(&text, encoding)?;
        if sig_verify {
            verify_signatures(&tx)?;
        }
        let wanted = addresses.clone().unwrap_or_default();
        let (slot, sim) = self
            .handle
            .call(move |c| (c.slot, c.simulate(tx, replace, &wanted)))
            .await?;
        let accounts = match addresses {
            None => None,
            Some(_) => Some(
                sim.accounts
                    .iter()
                    .map(|a| match a {
                        None => Ok(Value::Null),
                        Some(a) => encode::account(a, account_encoding, None),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(with_context(slot, simulation_json(&sim, accounts, inner)))
    }

    async fn get_signature_statuses(&self, p: Params) -> RpcResult {
        let sigs = p.list(0, MAX_SIGNATURE_STATUSES, "signatures", parse_signature)?;
        p.config(1)?;
        let (slot, found) = self
            .handle
            .call(move |c: &mut Chain| {
                let found: Vec<_> = sigs
                    .iter()
                    .map(|s| c.transaction(s).map(|r| (r.slot, r.err.clone())))
                    .collect();
                (c.slot, found)
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

    async fn get_transaction(&self, p: Params) -> RpcResult {
        let sig = parse_signature(p.str(0, "signature")?)?;
        let cfg = match p.get(1) {
            // The legacy form: the encoding as a bare string.
            Some(Value::String(s)) => {
                let mut m = Map::new();
                m.insert("encoding".into(), json!(s));
                m
            }
            _ => p.config(1)?,
        };
        let encoding = encode::parse_encoding(cfg.get("encoding"), Encoding::Json)?;
        let max_version = cfg
            .get("maxSupportedTransactionVersion")
            .and_then(Value::as_u64);
        let record = self.handle.call(move |c| c.transaction(&sig)).await?;
        match record {
            None => Ok(Value::Null),
            Some(r) => {
                let v = encode::transaction(&r, encoding)?;
                if v["version"] == json!(0) && max_version.is_none() {
                    return Err(RpcError::new(
                        -32015,
                        "Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: \"maxSupportedTransactionVersion\": 0",
                    ));
                }
                Ok(v)
            }
        }
    }

    async fn get_signatures_for_address(&self, p: Params) -> RpcResult {
        let key = p.pubkey(0)?;
        let cfg = p.config(1)?;
        let limit = match cfg.get("limit") {
            None | Some(Value::Null) => MAX_SIGNATURES_FOR_ADDRESS,
            Some(v) => v
                .as_u64()
                .filter(|n| (1..=MAX_SIGNATURES_FOR_ADDRESS as u64).contains(n))
                .ok_or_else(|| RpcError::invalid_params("Invalid limit; max 1000"))?
                as usize,
        };
        let sig_opt = |k: &str| -> Result<Option<Signature>, RpcError> {
            match cfg.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => parse_signature(s).map(Some),
                Some(_) => Err(RpcError::invalid_param("Invalid")),
            }
        };
        let (before, until) = (sig_opt("before")?, sig_opt("until")?);
        let list = self
            .handle
            .call(move |c| c.signatures_for(&key, before, until, limit))
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_amounts_are_formatted_as_solana_does() {
        assert_eq!(
            token_amount(150_000_000, 8),
            json!({"amount":"150000000","decimals":8,"uiAmount":1.5,"uiAmountString":"1.5"})
        );
        assert_eq!(ui_amount_string(5, 6), "0.000005");
        assert_eq!(ui_amount_string(7_000_000, 6), "7");
        assert_eq!(ui_amount_string(42, 0), "42");
    }

    #[test]
    fn transactions_decode_or_fail_with_invalid_params() {
        assert_eq!(
            decode_transaction("!!!", Encoding::Base64)
                .unwrap_err()
                .code,
            -32602
        );
        assert_eq!(
            decode_transaction("0OIl", Encoding::Base58)
                .unwrap_err()
                .code,
            -32602
        );
        let big = "A".repeat(MAX_BASE64_TX + 4);
        assert_eq!(
            decode_transaction(&big, Encoding::Base64).unwrap_err().code,
            -32602
        );
        assert_eq!(
            decode_transaction("AAAA", Encoding::Base64)
                .unwrap_err()
                .code,
            -32602
        );
    }
}
