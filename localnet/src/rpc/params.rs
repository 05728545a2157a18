//! The config objects Agave's methods take, with the same serde shape as
//! solana-rpc-client-api's, so unknown fields are ignored, a wrong type is refused
//! with serde's words, and a flattened commitment that does not parse is dropped,
//! just as there.

use serde::Deserialize;

use crate::encode::{AccountEncoding, DataSlice, TxEncoding};

/// `CommitmentLevel`. The localnet finalizes everything at once, so the level
/// only matters where Agave refuses `processed` (the block and history methods).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Commitment {
    Processed,
    Confirmed,
    Finalized,
}

/// `CommitmentConfig`: `{"commitment": …}`, flattened into the configs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct CommitmentConfig {
    pub commitment: Commitment,
}

/// `RpcContextConfig`.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextConfig {
    #[serde(flatten)]
    pub commitment: Option<CommitmentConfig>,
    pub min_context_slot: Option<u64>,
}

/// `RpcAccountInfoConfig`.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // every field is read, so a wrong type is refused as on Agave
pub struct AccountInfoConfig {
    pub encoding: Option<AccountEncoding>,
    pub data_slice: Option<DataSlice>,
    #[serde(flatten)]
    pub commitment: Option<CommitmentConfig>,
    pub min_context_slot: Option<u64>,
}

/// `RpcProgramAccountsConfig`; filters are read by [`crate::filter`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // every field is read, so a wrong type is refused as on Agave
pub struct ProgramAccountsConfig {
    pub filters: Option<Vec<serde_json::Value>>,
    #[serde(flatten)]
    pub account_config: AccountInfoConfig,
    pub with_context: Option<bool>,
    pub sort_results: Option<bool>,
}

/// `RpcTokenAccountsFilter`: `{"mint": …}` or `{"programId": …}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenAccountsFilter {
    Mint(String),
    ProgramId(String),
}

/// `RpcSendTransactionConfig`.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // every field is read, so a wrong type is refused as on Agave
pub struct SendTransactionConfig {
    #[serde(default)]
    pub skip_preflight: bool,
    pub preflight_commitment: Option<Commitment>,
    pub encoding: Option<TxEncoding>,
    pub max_retries: Option<usize>,
    pub min_context_slot: Option<u64>,
}

/// `RpcSimulateTransactionAccountsConfig`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulateAccountsConfig {
    pub encoding: Option<AccountEncoding>,
    pub addresses: Vec<String>,
}

/// `RpcSimulateTransactionConfig`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // every field is read, so a wrong type is refused as on Agave
pub struct SimulateTransactionConfig {
    #[serde(default)]
    pub sig_verify: bool,
    #[serde(default)]
    pub replace_recent_blockhash: bool,
    #[serde(flatten)]
    pub commitment: Option<CommitmentConfig>,
    pub encoding: Option<TxEncoding>,
    pub accounts: Option<SimulateAccountsConfig>,
    pub min_context_slot: Option<u64>,
    #[serde(default)]
    pub inner_instructions: bool,
}

/// `RpcSignatureStatusConfig`.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // every field is read, so a wrong type is refused as on Agave
pub struct SignatureStatusConfig {
    #[serde(default)]
    pub search_transaction_history: bool,
}

/// `RpcSignaturesForAddressConfig`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignaturesForAddressConfig {
    pub before: Option<String>,
    pub until: Option<String>,
    pub limit: Option<usize>,
    #[serde(flatten)]
    pub commitment: Option<CommitmentConfig>,
    pub min_context_slot: Option<u64>,
}

/// `TransactionDetails`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TransactionDetails {
    #[default]
    Full,
    Signatures,
    None,
    Accounts,
}

/// `RpcTransactionConfig`.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionConfig {
    pub encoding: Option<TxEncoding>,
    #[serde(flatten)]
    pub commitment: Option<CommitmentConfig>,
    pub max_supported_transaction_version: Option<u8>,
}

/// `RpcBlockConfig`.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockConfig {
    pub encoding: Option<TxEncoding>,
    pub transaction_details: Option<TransactionDetails>,
    pub rewards: Option<bool>,
    #[serde(flatten)]
    pub commitment: Option<CommitmentConfig>,
    pub max_supported_transaction_version: Option<u8>,
}

/// `RpcEncodingConfigWrapper`: the legacy bare encoding, or the config.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(untagged)]
pub enum EncodingConfigWrapper<T> {
    Deprecated(Option<TxEncoding>),
    Current(Option<T>),
}

/// `RpcBlocksConfigWrapper`: getBlocks' second param, an end slot or a config.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(untagged)]
pub enum BlocksConfigWrapper {
    EndSlotOnly(Option<u64>),
    ConfigOnly(Option<ContextConfig>),
}

/// `RpcRequestAirdropConfig`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // every field is read, so a wrong type is refused as on Agave
pub struct AirdropConfig {
    pub recent_blockhash: Option<String>,
    #[serde(flatten)]
    pub commitment: Option<CommitmentConfig>,
}

/// Agave's block and history methods refuse `processed`.
pub fn at_least_confirmed(
    commitment: Option<CommitmentConfig>,
) -> Result<(), crate::jsonrpc::RpcError> {
    match commitment {
        Some(CommitmentConfig {
            commitment: Commitment::Processed,
        }) => Err(crate::jsonrpc::RpcError::invalid_params(
            "Method does not support commitment below `confirmed`",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn configs_read_as_agave_reads_them() {
        let c: AccountInfoConfig = serde_json::from_value(json!({
            "encoding": "base64+zstd", "minContextSlot": 5, "commitment": "confirmed", "other": 1
        }))
        .unwrap();
        assert_eq!(c.encoding, Some(AccountEncoding::Base64Zstd));
        assert_eq!(c.min_context_slot, Some(5));
        assert_eq!(c.commitment.unwrap().commitment, Commitment::Confirmed);
        // A commitment that does not parse is dropped, as serde's flatten does on Agave.
        let c: ContextConfig = serde_json::from_value(json!({"commitment": "bogus"})).unwrap();
        assert!(c.commitment.is_none());
        let e = serde_json::from_value::<AccountInfoConfig>(json!({"encoding": "hex"}))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "unknown variant `hex`, expected one of `binary`, `base58`, `base64`, `jsonParsed`, `base64+zstd`"
        );
        let w: EncodingConfigWrapper<BlockConfig> =
            serde_json::from_value(json!("base64")).unwrap();
        assert!(matches!(
            w,
            EncodingConfigWrapper::Deprecated(Some(TxEncoding::Base64))
        ));
        let b: BlocksConfigWrapper = serde_json::from_value(json!(12)).unwrap();
        assert!(matches!(b, BlocksConfigWrapper::EndSlotOnly(Some(12))));
    }
}
