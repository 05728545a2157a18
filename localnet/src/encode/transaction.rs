//! Executed transactions as getTransaction and getBlock show them: the transaction
//! in each encoding, its status meta, and the version check of
//! `maxSupportedTransactionVersion`.

use serde_json::{json, Value};
use solana_message::VersionedMessage;
use solana_pubkey::Pubkey;
use solana_transaction::versioned::VersionedTransaction;

use super::{b64, instruction, status, token, tx_error, TxEncoding};
use crate::jsonrpc::RpcError;
use crate::record::{InnerGroup, TokenBalance, TxRecord};

/// `-32015`: a versioned transaction for a client that did not say it reads them.
pub fn unsupported_version(version: u8) -> RpcError {
    RpcError::new(
        -32015,
        format!(
            "Transaction version ({version}) is not supported by the requesting client. \
             Please try the request again with the following configuration parameter: \
             \"maxSupportedTransactionVersion\": {version}"
        ),
    )
}

/// A stored transaction, decoded, with every account key it used.
pub struct Decoded<'a> {
    pub record: &'a TxRecord,
    pub tx: VersionedTransaction,
    pub keys: Vec<Pubkey>,
}

impl<'a> Decoded<'a> {
    pub fn new(record: &'a TxRecord) -> Result<Self, RpcError> {
        let tx = record.transaction().ok_or_else(RpcError::internal)?;
        let keys = record
            .keys
            .iter()
            .map(|k| Pubkey::new_from_array(*k))
            .collect();
        Ok(Decoded { record, tx, keys })
    }

    /// The `version` field: absent unless the client gave a maximum; a v0
    /// transaction without one is refused.
    pub fn version(&self, max: Option<u8>) -> Result<Option<Value>, RpcError> {
        match (&self.tx.message, max) {
            (VersionedMessage::Legacy(_), None) => Ok(None),
            (VersionedMessage::Legacy(_), Some(_)) => Ok(Some(json!("legacy"))),
            (VersionedMessage::V0(_), Some(_)) => Ok(Some(json!(0))),
            (VersionedMessage::V0(_), None) => Err(unsupported_version(0)),
        }
    }

    fn statics(&self) -> usize {
        self.keys.len() - self.record.loaded_writable - self.record.loaded_readonly
    }

    /// `[{pubkey, writable, signer, source}]`, as jsonParsed and
    /// `transactionDetails: "accounts"` list them.
    pub fn parsed_keys(&self) -> Value {
        let m = &self.tx.message;
        let statics = self.statics();
        Value::Array(
            self.keys
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    let (writable, source) = if i < statics {
                        (m.is_maybe_writable(i, None), "transaction")
                    } else {
                        (i < statics + self.record.loaded_writable, "lookupTable")
                    };
                    json!({
                        "pubkey": k.to_string(),
                        "writable": writable,
                        "signer": m.is_signer(i),
                        "source": source,
                    })
                })
                .collect(),
        )
    }

    fn lookups(&self) -> Option<Value> {
        self.tx.message.address_table_lookups().map(|lookups| {
            Value::Array(
                lookups
                    .iter()
                    .map(|l| {
                        json!({
                            "accountKey": l.account_key.to_string(),
                            "writableIndexes": l.writable_indexes,
                            "readonlyIndexes": l.readonly_indexes,
                        })
                    })
                    .collect(),
            )
        })
    }

    /// The `transaction` field in `encoding`.
    pub fn transaction(&self, encoding: TxEncoding) -> Value {
        let m = &self.tx.message;
        let signatures: Vec<String> = self.tx.signatures.iter().map(|s| s.to_string()).collect();
        let mut message = match encoding {
            TxEncoding::Base64 => return json!([b64(&self.record.tx), "base64"]),
            TxEncoding::Base58 => {
                return json!([bs58::encode(&self.record.tx).into_string(), "base58"])
            }
            TxEncoding::Binary => return json!(bs58::encode(&self.record.tx).into_string()),
            TxEncoding::Json => {
                let header = m.header();
                json!({
                    "accountKeys": m.static_account_keys().iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                    "header": {
                        "numRequiredSignatures": header.num_required_signatures,
                        "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
                        "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
                    },
                    "recentBlockhash": m.recent_blockhash().to_string(),
                    "instructions": m.instructions().iter().map(|ix| json!({
                        "programIdIndex": ix.program_id_index,
                        "accounts": ix.accounts,
                        "data": bs58::encode(&ix.data).into_string(),
                        "stackHeight": null,
                    })).collect::<Vec<_>>(),
                })
            }
            TxEncoding::JsonParsed => json!({
                "accountKeys": self.parsed_keys(),
                "recentBlockhash": m.recent_blockhash().to_string(),
                "instructions": m.instructions().iter().map(|ix| instruction::parsed(
                    ix.program_id_index, &ix.accounts, &ix.data, &self.keys, None,
                )).collect::<Vec<_>>(),
            }),
        };
        if let Some(lookups) = self.lookups() {
            message["addressTableLookups"] = lookups;
        }
        json!({ "signatures": signatures, "message": message })
    }

    fn inner(&self, parsed: bool) -> Value {
        inner_instructions(&self.record.inner, parsed.then_some(&self.keys[..]))
    }

    /// The status meta; `rewards` false leaves the field out, as getBlock's
    /// `rewards: false` does.
    pub fn meta(&self, encoding: TxEncoding, rewards: bool) -> Value {
        let r = self.record;
        let parsed = encoding == TxEncoding::JsonParsed;
        let mut meta = json!({
            "err": tx_error(&r.err),
            "status": status(&r.err),
            "fee": r.fee,
            "preBalances": r.pre_balances,
            "postBalances": r.post_balances,
            "innerInstructions": self.inner(parsed),
            "logMessages": r.logs,
            "preTokenBalances": token_balances(&r.pre_token_balances),
            "postTokenBalances": token_balances(&r.post_token_balances),
            "computeUnitsConsumed": r.compute_units,
        });
        if rewards {
            meta["rewards"] = json!([]);
        }
        if !parsed {
            let statics = self.statics();
            let loaded = |from: usize, n: usize| -> Vec<String> {
                self.keys[from..from + n]
                    .iter()
                    .map(|k| k.to_string())
                    .collect()
            };
            meta["loadedAddresses"] = json!({
                "writable": loaded(statics, r.loaded_writable),
                "readonly": loaded(statics + r.loaded_writable, r.loaded_readonly),
            });
        }
        if let Some((program, data)) = &r.return_data {
            meta["returnData"] =
                super::return_data(&Some((Pubkey::new_from_array(*program), data.clone())));
        }
        meta
    }

    /// `{transaction, meta, version?}`: a block's transaction with full details.
    pub fn full(
        &self,
        encoding: TxEncoding,
        max: Option<u8>,
        rewards: bool,
    ) -> Result<Value, RpcError> {
        let version = self.version(max)?;
        let mut v = json!({
            "transaction": self.transaction(encoding),
            "meta": self.meta(encoding, rewards),
        });
        if let Some(version) = version {
            v["version"] = version;
        }
        Ok(v)
    }

    /// `transactionDetails: "accounts"`: signatures, parsed keys and a short meta.
    pub fn accounts(&self, max: Option<u8>, rewards: bool) -> Result<Value, RpcError> {
        let version = self.version(max)?;
        let r = self.record;
        let mut meta = json!({
            "err": tx_error(&r.err),
            "status": status(&r.err),
            "fee": r.fee,
            "preBalances": r.pre_balances,
            "postBalances": r.post_balances,
            "preTokenBalances": token_balances(&r.pre_token_balances),
            "postTokenBalances": token_balances(&r.post_token_balances),
        });
        if rewards {
            meta["rewards"] = json!([]);
        }
        let mut v = json!({
            "transaction": {
                "signatures": self.tx.signatures.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "accountKeys": self.parsed_keys(),
            },
            "meta": meta,
        });
        if let Some(version) = version {
            v["version"] = version;
        }
        Ok(v)
    }
}

/// getTransaction's result.
pub fn confirmed(
    record: &TxRecord,
    encoding: TxEncoding,
    max: Option<u8>,
) -> Result<Value, RpcError> {
    let decoded = Decoded::new(record)?;
    let mut v = decoded.full(encoding, max, true)?;
    v["slot"] = json!(record.slot);
    v["blockTime"] = json!(record.block_time);
    Ok(v)
}

/// `UiTransactionTokenBalance`s.
fn token_balances(list: &[TokenBalance]) -> Value {
    Value::Array(
        list.iter()
            .map(|b| {
                json!({
                    "accountIndex": b.account_index,
                    "mint": Pubkey::new_from_array(b.mint).to_string(),
                    "uiTokenAmount": token::token_amount(b.amount, b.decimals),
                    "owner": Pubkey::new_from_array(b.owner).to_string(),
                    "programId": Pubkey::new_from_array(b.program).to_string(),
                })
            })
            .collect(),
    )
}

/// Inner instructions: compiled, or parsed against `keys`.
pub fn inner_instructions(groups: &[InnerGroup], keys: Option<&[Pubkey]>) -> Value {
    Value::Array(
        groups
            .iter()
            .map(|g| {
                json!({
                    "index": g.index,
                    "instructions": g.instructions.iter().map(|ix| match keys {
                        Some(keys) => instruction::parsed(
                            ix.program_id_index, &ix.accounts, &ix.data, keys, Some(ix.stack_height),
                        ),
                        None => json!({
                            "programIdIndex": ix.program_id_index,
                            "accounts": ix.accounts,
                            "data": bs58::encode(&ix.data).into_string(),
                            "stackHeight": ix.stack_height,
                        }),
                    }).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}
