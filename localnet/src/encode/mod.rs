//! Solana RPC's JSON shapes: accounts, errors, statuses, transactions.

use anchor_spl::token::spl_token;
use anchor_spl::token::spl_token::solana_program::program_option::COption;
use anchor_spl::token::spl_token::solana_program::program_pack::Pack;
use base64::Engine;
use serde_json::{json, Value};
use solana_account::{AccountSharedData, ReadableAccount};
use solana_pubkey::Pubkey;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;

use crate::chain::{InnerGroup, TxRecord};
use crate::rpc::RpcError;

/// Solana refuses base58 for account data longer than this.
pub const MAX_BASE58_BYTES: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Legacy: data as a bare base58 string.
    Binary,
    Base58,
    Base64,
    /// Parsed JSON is not implemented; like Solana for unparseable accounts, the
    /// data comes back in base64.
    JsonParsed,
    /// getTransaction's default: the transaction as JSON.
    Json,
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn parse_encoding(value: Option<&Value>, default: Encoding) -> Result<Encoding, RpcError> {
    match value {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) => match s.as_str() {
            "binary" => Ok(Encoding::Binary),
            "base58" => Ok(Encoding::Base58),
            "base64" => Ok(Encoding::Base64),
            "jsonParsed" => Ok(Encoding::JsonParsed),
            "json" => Ok(Encoding::Json),
            "base64+zstd" => Err(RpcError::invalid_params(
                "base64+zstd encoding is not supported by ionet-localnet; use base64",
            )),
            other => Err(RpcError::invalid_params(format!(
                "unknown variant `{other}`, expected one of `binary`, `base64`, `base58`, `jsonParsed`"
            ))),
        },
        Some(_) => Err(RpcError::invalid_params("encoding must be a string")),
    }
}

/// `dataSlice: {offset, length}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DataSlice {
    pub offset: usize,
    pub length: usize,
}

pub fn parse_data_slice(value: Option<&Value>) -> Result<Option<DataSlice>, RpcError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => {
            let get = |k: &str| {
                o.get(k).and_then(Value::as_u64).ok_or_else(|| {
                    RpcError::invalid_params(format!("dataSlice.{k} must be an unsigned integer"))
                })
            };
            Ok(Some(DataSlice {
                offset: get("offset")? as usize,
                length: get("length")? as usize,
            }))
        }
        Some(_) => Err(RpcError::invalid_params("dataSlice must be an object")),
    }
}

fn slice(data: &[u8], s: Option<DataSlice>) -> &[u8] {
    match s {
        None => data,
        Some(s) => {
            let start = s.offset.min(data.len());
            let end = start.saturating_add(s.length).min(data.len());
            &data[start..end]
        }
    }
}

/// Account data; `base58_limit` refuses base58 above 128 bytes, as Solana's HTTP
/// methods do (its pubsub does not).
fn account_data_limited(
    data: &[u8],
    encoding: Encoding,
    data_slice: Option<DataSlice>,
    base58_limit: bool,
) -> Result<Value, RpcError> {
    let data = slice(data, data_slice);
    match encoding {
        Encoding::Binary | Encoding::Base58 if base58_limit && data.len() > MAX_BASE58_BYTES => {
            Err(RpcError::invalid_request(
                "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.",
            ))
        }
        Encoding::Binary => Ok(json!(bs58::encode(data).into_string())),
        Encoding::Base58 => Ok(json!([bs58::encode(data).into_string(), "base58"])),
        Encoding::Base64 | Encoding::JsonParsed | Encoding::Json => Ok(json!([b64(data), "base64"])),
    }
}

pub fn account(
    account: &AccountSharedData,
    encoding: Encoding,
    data_slice: Option<DataSlice>,
) -> Result<Value, RpcError> {
    account_parsed(account, encoding, data_slice, None)
}

/// [`account`], with SPL Token mints and (given their mint's `decimals`) token
/// accounts parsed when `jsonParsed` is asked for, as Solana does.
pub fn account_parsed(
    account: &AccountSharedData,
    encoding: Encoding,
    data_slice: Option<DataSlice>,
    decimals: Option<u8>,
) -> Result<Value, RpcError> {
    account_full(account, encoding, data_slice, decimals, true)
}

/// An account as pubsub notifications carry it: base58 of any length.
pub fn account_pubsub(
    account: &AccountSharedData,
    encoding: Encoding,
    data_slice: Option<DataSlice>,
) -> Value {
    account_full(account, encoding, data_slice, None, false).unwrap_or(Value::Null)
}

fn account_full(
    account: &AccountSharedData,
    encoding: Encoding,
    data_slice: Option<DataSlice>,
    decimals: Option<u8>,
    base58_limit: bool,
) -> Result<Value, RpcError> {
    let parsed = (encoding == Encoding::JsonParsed && account.owner() == &spl_token::ID)
        .then(|| parsed_token(account.data(), decimals))
        .flatten();
    let data = match parsed {
        Some(parsed) => json!({
            "program": "spl-token",
            "parsed": parsed,
            "space": account.data().len(),
        }),
        None => account_data_limited(account.data(), encoding, data_slice, base58_limit)?,
    };
    Ok(json!({
        "data": data,
        "executable": account.executable(),
        "lamports": account.lamports(),
        "owner": account.owner().to_string(),
        "rentEpoch": account.rent_epoch(),
        "space": account.data().len(),
    }))
}

fn coption_key(key: &COption<Pubkey>) -> Value {
    match key {
        COption::Some(k) => json!(k.to_string()),
        COption::None => Value::Null,
    }
}

/// SPL Token's parsed JSON for a mint or (with its mint's decimals) an account.
pub fn parsed_token(data: &[u8], decimals: Option<u8>) -> Option<Value> {
    if data.len() == spl_token::state::Mint::LEN {
        let m = spl_token::state::Mint::unpack(data).ok()?;
        return Some(json!({
            "type": "mint",
            "info": {
                "decimals": m.decimals,
                "freezeAuthority": coption_key(&m.freeze_authority),
                "isInitialized": m.is_initialized,
                "mintAuthority": coption_key(&m.mint_authority),
                "supply": m.supply.to_string(),
            },
        }));
    }
    if data.len() != spl_token::state::Account::LEN {
        return None;
    }
    let decimals = decimals?;
    let a = spl_token::state::Account::unpack(data).ok()?;
    let state = match a.state {
        spl_token::state::AccountState::Uninitialized => "uninitialized",
        spl_token::state::AccountState::Initialized => "initialized",
        spl_token::state::AccountState::Frozen => "frozen",
    };
    let mut info = json!({
        "isNative": a.is_native.is_some(),
        "mint": a.mint.to_string(),
        "owner": a.owner.to_string(),
        "state": state,
        "tokenAmount": crate::rpc::token_amount(a.amount, decimals),
    });
    if let COption::Some(d) = a.delegate {
        info["delegate"] = json!(d.to_string());
        info["delegatedAmount"] = crate::rpc::token_amount(a.delegated_amount, decimals);
    }
    if let COption::Some(c) = a.close_authority {
        info["closeAuthority"] = json!(c.to_string());
    }
    if let COption::Some(r) = a.is_native {
        info["rentExemptReserve"] = crate::rpc::token_amount(r, 9);
    }
    Some(json!({ "type": "account", "info": info }))
}

pub fn keyed_account_parsed(
    key: &Pubkey,
    acc: &AccountSharedData,
    encoding: Encoding,
    data_slice: Option<DataSlice>,
    decimals: Option<u8>,
) -> Result<Value, RpcError> {
    Ok(json!({
        "pubkey": key.to_string(),
        "account": account_parsed(acc, encoding, data_slice, decimals)?,
    }))
}

/// `TransactionError` as Solana encodes it: `"BlockhashNotFound"`,
/// `{"InstructionError":[0,{"Custom":6000}]}`.
pub fn tx_error(err: &Option<TransactionError>) -> Value {
    match err {
        None => Value::Null,
        Some(e) => serde_json::to_value(e).unwrap_or(Value::Null),
    }
}

/// The deprecated `status` field: `{"Ok":null}` or `{"Err":…}`.
pub fn status(err: &Option<TransactionError>) -> Value {
    match err {
        None => json!({ "Ok": null }),
        Some(_) => json!({ "Err": tx_error(err) }),
    }
}

pub fn inner_instructions(groups: &[InnerGroup]) -> Value {
    Value::Array(
        groups
            .iter()
            .map(|g| {
                json!({
                    "index": g.index,
                    "instructions": g.instructions.iter().map(|ix| json!({
                        "programIdIndex": ix.program_id_index,
                        "accounts": ix.accounts,
                        "data": bs58::encode(&ix.data).into_string(),
                        "stackHeight": ix.stack_height,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

pub fn return_data(data: &Option<(Pubkey, Vec<u8>)>) -> Value {
    match data {
        None => Value::Null,
        Some((program, bytes)) => json!({
            "programId": program.to_string(),
            "data": [b64(bytes), "base64"],
        }),
    }
}

fn transaction_json(tx: &VersionedTransaction) -> Value {
    let m = &tx.message;
    let header = m.header();
    let mut message = json!({
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
    });
    if let Some(lookups) = m.address_table_lookups() {
        message["addressTableLookups"] = Value::Array(
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
        );
    }
    json!({
        "signatures": tx.signatures.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        "message": message,
    })
}

/// getTransaction's result.
pub fn transaction(record: &TxRecord, encoding: Encoding) -> Result<Value, RpcError> {
    let tx: VersionedTransaction = bincode::deserialize(&record.tx)
        .map_err(|_| RpcError::internal("stored transaction is unreadable"))?;
    let version = match &tx.message {
        solana_message::VersionedMessage::Legacy(_) => json!("legacy"),
        solana_message::VersionedMessage::V0(_) => json!(0),
    };
    let transaction = match encoding {
        Encoding::Base64 => json!([b64(&record.tx), "base64"]),
        Encoding::Base58 | Encoding::Binary => {
            json!([bs58::encode(&record.tx).into_string(), "base58"])
        }
        Encoding::Json | Encoding::JsonParsed => transaction_json(&tx),
    };
    let statics = record.keys.len() - record.loaded_writable - record.loaded_readonly;
    let loaded = |from: usize, n: usize| -> Vec<String> {
        record.keys[from..from + n]
            .iter()
            .map(|k| Pubkey::new_from_array(*k).to_string())
            .collect()
    };
    let mut meta = json!({
        "err": tx_error(&record.err),
        "status": status(&record.err),
        "fee": record.fee,
        "preBalances": record.pre_balances,
        "postBalances": record.post_balances,
        "innerInstructions": inner_instructions(&record.inner),
        "logMessages": record.logs,
        "preTokenBalances": [],
        "postTokenBalances": [],
        "rewards": [],
        "loadedAddresses": {
            "writable": loaded(statics, record.loaded_writable),
            "readonly": loaded(statics + record.loaded_writable, record.loaded_readonly),
        },
        "computeUnitsConsumed": record.compute_units,
    });
    if let Some((program, data)) = &record.return_data {
        meta["returnData"] = return_data(&Some((Pubkey::new_from_array(*program), data.clone())));
    }
    Ok(json!({
        "slot": record.slot,
        "blockTime": record.block_time,
        "transaction": transaction,
        "meta": meta,
        "version": version,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_instruction::error::InstructionError;

    #[test]
    fn errors_encode_as_solana_does() {
        let custom = Some(TransactionError::InstructionError(
            0,
            InstructionError::Custom(6000),
        ));
        assert_eq!(
            tx_error(&custom),
            json!({"InstructionError": [0, {"Custom": 6000}]})
        );
        assert_eq!(
            tx_error(&Some(TransactionError::BlockhashNotFound)),
            json!("BlockhashNotFound")
        );
        assert_eq!(
            tx_error(&Some(TransactionError::InstructionError(
                1,
                InstructionError::InvalidAccountData
            ))),
            json!({"InstructionError": [1, "InvalidAccountData"]})
        );
        assert_eq!(status(&None), json!({"Ok": null}));
        assert_eq!(
            status(&custom),
            json!({"Err": {"InstructionError": [0, {"Custom": 6000}]}})
        );
    }

    #[test]
    fn account_shape() {
        let owner = Pubkey::new_unique();
        let mut acc = AccountSharedData::new(10, 4, &owner);
        acc.set_data_from_slice(&[1, 2, 3, 4]);
        let v = account(&acc, Encoding::Base64, None).unwrap();
        assert_eq!(
            v,
            json!({"data": ["AQIDBA==", "base64"], "executable": false, "lamports": 10,
                   "owner": owner.to_string(), "rentEpoch": 0, "space": 4})
        );
        let sliced = account(
            &acc,
            Encoding::Base58,
            Some(DataSlice {
                offset: 1,
                length: 2,
            }),
        )
        .unwrap();
        assert_eq!(
            sliced["data"],
            json!([bs58::encode([2u8, 3]).into_string(), "base58"])
        );
        let big = AccountSharedData::new(1, 200, &owner);
        assert_eq!(
            account(&big, Encoding::Base58, None).unwrap_err().code,
            -32600
        );
    }
}
