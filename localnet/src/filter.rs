//! getProgramAccounts and programSubscribe filters: dataSize, memcmp, tokenAccountState.

use anchor_spl::token::spl_token;
use anchor_spl::token::spl_token::solana_program::program_pack::Pack;
use base64::Engine;
use serde_json::Value;
use solana_account::{AccountSharedData, ReadableAccount};

use crate::jsonrpc::RpcError;

const MAX_FILTERS: usize = 4;
const MAX_MEMCMP_BYTES: usize = 128;

/// A getProgramAccounts / programSubscribe filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    DataSize(usize),
    Memcmp { offset: usize, bytes: Vec<u8> },
    TokenAccountState,
}

impl Filter {
    pub fn matches(&self, account: &AccountSharedData) -> bool {
        let data = account.data();
        match self {
            Filter::DataSize(n) => data.len() == *n,
            Filter::Memcmp { offset, bytes } => data
                .get(*offset..)
                .is_some_and(|rest| rest.starts_with(bytes)),
            Filter::TokenAccountState => {
                data.len() == spl_token::state::Account::LEN && data.get(108) == Some(&1)
            }
        }
    }
}

pub fn parse_filters(v: Option<&Value>) -> Result<Vec<Filter>, RpcError> {
    let list = match v {
        None | Some(Value::Null) => return Ok(vec![]),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(RpcError::invalid_params("filters must be an array")),
    };
    if list.len() > MAX_FILTERS {
        return Err(RpcError::invalid_params(format!(
            "Too many filters provided; max {MAX_FILTERS}"
        )));
    }
    list.iter().map(parse_filter).collect()
}

fn parse_filter(v: &Value) -> Result<Filter, RpcError> {
    let o = v
        .as_object()
        .ok_or_else(|| RpcError::invalid_params("a filter must be an object"))?;
    if let Some(size) = o.get("dataSize") {
        let size = size
            .as_u64()
            .ok_or_else(|| RpcError::invalid_params("dataSize must be an unsigned integer"))?;
        return Ok(Filter::DataSize(size as usize));
    }
    if o.contains_key("tokenAccountState") {
        return Ok(Filter::TokenAccountState);
    }
    let m = o
        .get("memcmp")
        .and_then(Value::as_object)
        .ok_or_else(|| RpcError::invalid_params("unknown filter"))?;
    let offset = m
        .get("offset")
        .and_then(Value::as_u64)
        .ok_or_else(|| RpcError::invalid_params("memcmp.offset must be an unsigned integer"))?
        as usize;
    let text = m
        .get("bytes")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("memcmp.bytes must be a string"))?;
    let bytes = match m
        .get("encoding")
        .and_then(Value::as_str)
        .unwrap_or("base58")
    {
        "base58" => {
            if text.len() > 175 {
                return Err(RpcError::invalid_param(
                    "filter: encoded binary data should be less than 129 bytes",
                ));
            }
            bs58::decode(text)
                .into_vec()
                .map_err(|e| RpcError::invalid_param(format!("filter: {e}")))?
        }
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| RpcError::invalid_param(format!("filter: {e}")))?,
        other => {
            return Err(RpcError::invalid_params(format!(
                "unknown memcmp encoding {other}"
            )))
        }
    };
    if bytes.len() > MAX_MEMCMP_BYTES {
        return Err(RpcError::invalid_param(
            "filter: encoded binary data should be less than 129 bytes",
        ));
    }
    Ok(Filter::Memcmp { offset, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use solana_pubkey::Pubkey;

    #[test]
    fn filters_parse_and_match() {
        let key = Pubkey::new_unique();
        let filters = parse_filters(Some(&json!([
            {"dataSize": 40},
            {"memcmp": {"offset": 8, "bytes": key.to_string()}},
        ])))
        .unwrap();
        let owner = Pubkey::new_unique();
        let mut data = vec![0u8; 40];
        data[8..40].copy_from_slice(key.as_ref());
        let mut acc = AccountSharedData::new(1, 40, &owner);
        acc.set_data_from_slice(&data);
        assert!(filters.iter().all(|f| f.matches(&acc)));
        data[9] ^= 1;
        acc.set_data_from_slice(&data);
        assert!(!filters.iter().all(|f| f.matches(&acc)));
        let b64 = parse_filters(Some(
            &json!([{"memcmp": {"offset": 0, "bytes": "AQI=", "encoding": "base64"}}]),
        ))
        .unwrap();
        assert_eq!(
            b64,
            vec![Filter::Memcmp {
                offset: 0,
                bytes: vec![1, 2]
            }]
        );
        assert!(parse_filters(Some(&json!([{"memcmp": {"offset": 0, "bytes": "0OIl"}}]))).is_err());
        assert!(parse_filters(Some(&json!([{}, {}, {}, {}, {}]))).is_err());
        assert!(parse_filters(Some(&json!("x"))).is_err());
    }
}
