//! getProgramAccounts and programSubscribe filters: dataSize, memcmp, tokenAccountState.

use anchor_spl::token::spl_token;
use anchor_spl::token::spl_token::solana_program::program_pack::Pack;
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use solana_account::{AccountSharedData, ReadableAccount};

use crate::jsonrpc::RpcError;

const MAX_FILTERS: usize = 4;
const MAX_MEMCMP_BYTES: usize = 128;
const MAX_BASE58_MEMCMP: usize = 175;
const MAX_BASE64_MEMCMP: usize = 172;

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
            // Agave's `valid_account_data` of either token program: an initialized
            // (or frozen) account, or a Token-2022 one by its account-type byte.
            Filter::TokenAccountState => {
                let len = spl_token::state::Account::LEN;
                (data.len() == len && data.get(108).is_some_and(|s| *s != 0))
                    || data.get(len) == Some(&2)
            }
        }
    }
}

/// `RpcFilterType` as sent: `{"dataSize": n}`, `{"memcmp": {offset, bytes,
/// encoding?}}` or `"tokenAccountState"`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum FilterDe {
    DataSize(u64),
    Memcmp(MemcmpDe),
    TokenAccountState,
}

#[derive(Deserialize)]
struct MemcmpDe {
    offset: usize,
    bytes: String,
    encoding: Option<MemcmpEncoding>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum MemcmpEncoding {
    Base58,
    Base64,
}

/// Agave's `RpcFilterError`, shown with `{:?}` after "Invalid param: ".
#[derive(Debug)]
#[allow(dead_code)] // read through Debug
enum FilterError {
    DataTooLarge,
    Base58DecodeError(bs58::decode::Error),
    Base64DecodeError(base64::DecodeError),
}

/// Reads and verifies a filter list as Agave does: at most 4, each memcmp at most
/// 128 bytes once decoded.
pub fn parse_filters(list: &[Value]) -> Result<Vec<Filter>, RpcError> {
    if list.len() > MAX_FILTERS {
        return Err(RpcError::invalid_params(format!(
            "Too many filters provided; max {MAX_FILTERS}"
        )));
    }
    list.iter()
        .map(|v| {
            let f: FilterDe = serde_json::from_value(v.clone())
                .map_err(|e| RpcError::invalid_params(format!("Invalid params: {e}.")))?;
            verify(f).map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))
        })
        .collect()
}

fn verify(f: FilterDe) -> Result<Filter, FilterError> {
    Ok(match f {
        FilterDe::DataSize(n) => Filter::DataSize(n as usize),
        FilterDe::TokenAccountState => Filter::TokenAccountState,
        FilterDe::Memcmp(m) => {
            let bytes = match m.encoding.unwrap_or(MemcmpEncoding::Base58) {
                MemcmpEncoding::Base58 => {
                    if m.bytes.len() > MAX_BASE58_MEMCMP {
                        return Err(FilterError::DataTooLarge);
                    }
                    bs58::decode(&m.bytes)
                        .into_vec()
                        .map_err(FilterError::Base58DecodeError)?
                }
                MemcmpEncoding::Base64 => {
                    if m.bytes.len() > MAX_BASE64_MEMCMP {
                        return Err(FilterError::DataTooLarge);
                    }
                    base64::engine::general_purpose::STANDARD
                        .decode(&m.bytes)
                        .map_err(FilterError::Base64DecodeError)?
                }
            };
            if bytes.len() > MAX_MEMCMP_BYTES {
                return Err(FilterError::DataTooLarge);
            }
            Filter::Memcmp {
                offset: m.offset,
                bytes,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use solana_pubkey::Pubkey;

    #[test]
    fn filters_parse_and_match() {
        let key = Pubkey::new_unique();
        let filters = parse_filters(&[
            json!({"dataSize": 40}),
            json!({"memcmp": {"offset": 8, "bytes": key.to_string()}}),
        ])
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
        let b64 = parse_filters(&[
            json!({"memcmp": {"offset": 0, "bytes": "AQI=", "encoding": "base64"}}),
            json!("tokenAccountState"),
        ])
        .unwrap();
        assert_eq!(
            b64,
            vec![
                Filter::Memcmp {
                    offset: 0,
                    bytes: vec![1, 2]
                },
                Filter::TokenAccountState
            ]
        );
        let message = |v: Value| parse_filters(&[v]).unwrap_err().message;
        assert_eq!(
            message(json!({"memcmp": {"offset": 0, "bytes": "0OIl"}})),
            "Invalid param: Base58DecodeError(InvalidCharacter { character: '0', index: 0 })"
        );
        assert_eq!(
            message(json!({"memcmp": {"offset": 0, "bytes": "1".repeat(176)}})),
            "Invalid param: DataTooLarge"
        );
        assert_eq!(
            message(json!({"size": 1})),
            "Invalid params: unknown variant `size`, expected one of `dataSize`, `memcmp`, `tokenAccountState`."
        );
        assert_eq!(
            parse_filters(&vec![json!({"dataSize": 1}); 5])
                .unwrap_err()
                .message,
            "Too many filters provided; max 4"
        );
    }
}
