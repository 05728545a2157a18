//! Accounts: getAccountInfo, getMultipleAccounts, getProgramAccounts, getBalance,
//! getMinimumBalanceForRentExemption.

use serde_json::Value;
use solana_account::{AccountSharedData, ReadableAccount};
use solana_pubkey::Pubkey;

use super::params::{AccountInfoConfig, CommitmentConfig, ContextConfig, ProgramAccountsConfig};
use super::{parse_pubkey, with_context, Rpc, RpcError, RpcResult};
use crate::chain::Chain;
use crate::encode::{self, token, AccountEncoding, Surface};
use crate::filter::parse_filters;
use crate::jsonrpc::params;

pub const MAX_MULTIPLE_ACCOUNTS: usize = 100;

/// An account with its mint's decimals when `jsonParsed` may parse it.
fn with_decimals(c: &Chain, a: AccountSharedData, parsed: bool) -> (AccountSharedData, Option<u8>) {
    let d = if parsed && token::is_token_program(a.owner()) {
        c.token_decimals(&a)
    } else {
        None
    };
    (a, d)
}

pub(super) async fn get_account_info(rpc: &Rpc, p: Value) -> RpcResult {
    let (key, cfg): (String, Option<AccountInfoConfig>) = params(p, 1, 2)?;
    let key = parse_pubkey(&key)?;
    let cfg = cfg.unwrap_or_default();
    let encoding = cfg.encoding.unwrap_or(AccountEncoding::Binary);
    let parsed = encoding == AccountEncoding::JsonParsed;
    let (slot, account) = rpc
        .at(cfg.min_context_slot, move |c| {
            c.account(&key).map(|a| with_decimals(c, a, parsed))
        })
        .await?;
    let value = match account {
        None => Value::Null,
        Some((a, d)) => encode::account(&a, encoding, cfg.data_slice, d, Surface::Http)?,
    };
    Ok(with_context(slot, value))
}

pub(super) async fn get_multiple_accounts(rpc: &Rpc, p: Value) -> RpcResult {
    let (keys, cfg): (Vec<String>, Option<AccountInfoConfig>) = params(p, 1, 2)?;
    if keys.len() > MAX_MULTIPLE_ACCOUNTS {
        return Err(RpcError::invalid_params(format!(
            "Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}"
        )));
    }
    let keys = keys
        .iter()
        .map(|k| parse_pubkey(k))
        .collect::<Result<Vec<_>, _>>()?;
    let cfg = cfg.unwrap_or_default();
    let encoding = cfg.encoding.unwrap_or(AccountEncoding::Base64);
    let parsed = encoding == AccountEncoding::JsonParsed;
    let (slot, accounts) = rpc
        .at(cfg.min_context_slot, move |c| {
            keys.iter()
                .map(|k| c.account(k).map(|a| with_decimals(c, a, parsed)))
                .collect::<Vec<_>>()
        })
        .await?;
    let values = accounts
        .iter()
        .map(|a| match a {
            None => Ok(Value::Null),
            Some((a, d)) => encode::account(a, encoding, cfg.data_slice, *d, Surface::Http),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(with_context(slot, Value::Array(values)))
}

pub(super) async fn get_program_accounts(rpc: &Rpc, p: Value) -> RpcResult {
    let (program, cfg): (String, Option<ProgramAccountsConfig>) = params(p, 1, 2)?;
    let program = parse_pubkey(&program)?;
    let cfg = cfg.unwrap_or_default();
    let filters = parse_filters(cfg.filters.as_deref().unwrap_or_default())?;
    let account_cfg = cfg.account_config;
    let encoding = account_cfg.encoding.unwrap_or(AccountEncoding::Binary);
    let parsed = encoding == AccountEncoding::JsonParsed && token::is_token_program(&program);
    let (slot, accounts) = rpc
        .at(account_cfg.min_context_slot, move |c| {
            c.program_accounts(&program, |a| filters.iter().all(|f| f.matches(a)))
                .into_iter()
                .map(|(k, a)| {
                    let (a, d) = with_decimals(c, a, parsed);
                    (k, a, d)
                })
                .collect::<Vec<(Pubkey, AccountSharedData, Option<u8>)>>()
        })
        .await?;
    let list = accounts
        .iter()
        .map(|(k, a, d)| encode::keyed_account(k, a, encoding, account_cfg.data_slice, *d))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(if cfg.with_context.unwrap_or(false) {
        with_context(slot, Value::Array(list))
    } else {
        Value::Array(list)
    })
}

pub(super) async fn get_balance(rpc: &Rpc, p: Value) -> RpcResult {
    let (key, cfg): (String, Option<ContextConfig>) = params(p, 1, 2)?;
    let key = parse_pubkey(&key)?;
    let cfg = cfg.unwrap_or_default();
    let (slot, lamports) = rpc
        .at(cfg.min_context_slot, move |c| {
            c.account(&key).map(|a| a.lamports()).unwrap_or(0)
        })
        .await?;
    Ok(with_context(slot, Value::from(lamports)))
}

pub(super) async fn minimum_balance(rpc: &Rpc, p: Value) -> RpcResult {
    let (len, _): (usize, Option<CommitmentConfig>) = params(p, 1, 2)?;
    let (_, rent) = rpc
        .at(None, |c| c.svm.get_sysvar::<solana_rent::Rent>())
        .await?;
    // Rent::minimum_balance, saturating where a huge length would overflow.
    let bytes = (solana_rent::ACCOUNT_STORAGE_OVERHEAD).saturating_add(len as u64);
    let per_year = bytes.saturating_mul(rent.lamports_per_byte_year);
    Ok(Value::from(
        (per_year as f64 * rent.exemption_threshold) as u64,
    ))
}
