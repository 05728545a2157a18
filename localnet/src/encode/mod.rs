//! Agave's JSON shapes: accounts in every encoding, transaction errors and
//! statuses, return data; transactions in [`transaction`], parsed instructions in
//! [`instruction`], token shapes in [`token`].

pub mod instruction;
pub mod token;
pub mod transaction;

use std::io::Write;

use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use solana_account::{AccountSharedData, ReadableAccount};
use solana_pubkey::Pubkey;
use solana_transaction_error::TransactionError;

use crate::jsonrpc::RpcError;

/// Agave refuses base58 for account data longer than this.
pub const MAX_BASE58_BYTES: usize = 128;

/// `UiAccountEncoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AccountEncoding {
    /// Legacy: data as a bare base58 string.
    Binary,
    Base58,
    Base64,
    JsonParsed,
    #[serde(rename = "base64+zstd")]
    Base64Zstd,
}

/// `UiTransactionEncoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TxEncoding {
    Binary,
    Base64,
    Base58,
    Json,
    JsonParsed,
}

impl TxEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TxEncoding::Binary => "binary",
            TxEncoding::Base64 => "base64",
            TxEncoding::Base58 => "base58",
            TxEncoding::Json => "json",
            TxEncoding::JsonParsed => "jsonParsed",
        }
    }
}

/// `dataSlice: {offset, length}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct DataSlice {
    pub offset: usize,
    pub length: usize,
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
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

/// zstd at the default level, as Agave compresses `base64+zstd` data.
pub fn zstd(data: &[u8]) -> Vec<u8> {
    let mut encoder = match zstd::stream::write::Encoder::new(Vec::new(), 0) {
        Ok(e) => e,
        Err(_) => return Vec::new(),
    };
    if encoder.write_all(data).is_err() {
        return Vec::new();
    }
    encoder.finish().unwrap_or_default()
}

/// Where an account is shown: HTTP methods refuse base58 above 128 bytes, pubsub
/// does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    Http,
    Pubsub,
}

/// An account as `UiAccount`. `decimals` is the mint's for a token account (parsed
/// with `jsonParsed`); without it a token account falls back to base64, as on Agave.
pub fn account(
    account: &AccountSharedData,
    encoding: AccountEncoding,
    data_slice: Option<DataSlice>,
    decimals: Option<u8>,
    surface: Surface,
) -> Result<Value, RpcError> {
    let data = account.data();
    let sliced = slice(data, data_slice);
    let data = match encoding {
        AccountEncoding::Binary | AccountEncoding::Base58
            if surface == Surface::Http && sliced.len() > MAX_BASE58_BYTES =>
        {
            return Err(RpcError::invalid_request(format!(
                "Encoded binary (base 58) data should be less than {MAX_BASE58_BYTES} bytes, please use Base64 encoding."
            )))
        }
        AccountEncoding::Binary => json!(bs58::encode(sliced).into_string()),
        AccountEncoding::Base58 => json!([bs58::encode(sliced).into_string(), "base58"]),
        AccountEncoding::Base64 => json!([b64(sliced), "base64"]),
        AccountEncoding::Base64Zstd => json!([b64(&zstd(sliced)), "base64+zstd"]),
        AccountEncoding::JsonParsed => token::parsed_account(account, decimals)
            .unwrap_or_else(|| json!([b64(sliced), "base64"])),
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

/// `{"pubkey", "account"}`.
pub fn keyed_account(
    key: &Pubkey,
    acc: &AccountSharedData,
    encoding: AccountEncoding,
    data_slice: Option<DataSlice>,
    decimals: Option<u8>,
) -> Result<Value, RpcError> {
    Ok(json!({
        "pubkey": key.to_string(),
        "account": account(acc, encoding, data_slice, decimals, Surface::Http)?,
    }))
}

/// `TransactionError` as Agave encodes it: `"BlockhashNotFound"`,
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

pub fn return_data(data: &Option<(Pubkey, Vec<u8>)>) -> Value {
    match data {
        None => Value::Null,
        Some((program, bytes)) => json!({
            "programId": program.to_string(),
            "data": [b64(bytes), "base64"],
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_instruction::error::InstructionError;

    #[test]
    fn errors_encode_as_agave_does() {
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
    fn account_shape_in_every_encoding() {
        let owner = Pubkey::new_unique();
        let mut acc = AccountSharedData::new(10, 4, &owner);
        acc.set_data_from_slice(&[1, 2, 3, 4]);
        let v = account(&acc, AccountEncoding::Base64, None, None, Surface::Http).unwrap();
        assert_eq!(
            v,
            json!({"data": ["AQIDBA==", "base64"], "executable": false, "lamports": 10,
                   "owner": owner.to_string(), "rentEpoch": 0, "space": 4})
        );
        let two = Some(DataSlice {
            offset: 1,
            length: 2,
        });
        let sliced = account(&acc, AccountEncoding::Base58, two, None, Surface::Http).unwrap();
        assert_eq!(
            sliced["data"],
            json!([bs58::encode([2u8, 3]).into_string(), "base58"])
        );
        // base64+zstd: a zstd frame of the (sliced) bytes.
        let z = account(&acc, AccountEncoding::Base64Zstd, two, None, Surface::Http).unwrap();
        assert_eq!(z["data"][1], json!("base64+zstd"));
        let frame = base64::engine::general_purpose::STANDARD
            .decode(z["data"][0].as_str().unwrap())
            .unwrap();
        assert_eq!(zstd::decode_all(&frame[..]).unwrap(), vec![2, 3]);
        // jsonParsed of an account no parser knows: base64.
        let p = account(&acc, AccountEncoding::JsonParsed, None, None, Surface::Http).unwrap();
        assert_eq!(p["data"], json!(["AQIDBA==", "base64"]));
        let big = AccountSharedData::new(1, 200, &owner);
        let e = account(&big, AccountEncoding::Base58, None, None, Surface::Http).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                -32600,
                "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding."
            )
        );
        assert!(account(&big, AccountEncoding::Base58, None, None, Surface::Pubsub).is_ok());
    }
}
