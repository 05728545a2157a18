//! SPL Token methods, for SPL Token and Token-2022 alike: getTokenAccountBalance,
//! getTokenSupply, getTokenAccountsByOwner, getTokenAccountsByDelegate.

use anchor_spl::token::spl_token;
use serde_json::Value;
use solana_account::{AccountSharedData, ReadableAccount};
use solana_pubkey::Pubkey;

use super::params::{AccountInfoConfig, CommitmentConfig, TokenAccountsFilter};
use super::{parse_pubkey, with_context, Rpc, RpcError, RpcResult};
use crate::chain::Chain;
use crate::encode::{self, token, AccountEncoding};
use crate::filter::Filter;
use crate::jsonrpc::params;

fn invalid(what: &str) -> RpcError {
    RpcError::invalid_params(format!("Invalid param: {what}"))
}

/// Agave's `get_mint_owner_and_additional_data`: the mint's program and decimals.
fn mint_owner_and_decimals(c: &Chain, mint: &Pubkey) -> Result<(Pubkey, u8), RpcError> {
    if *mint == spl_token::native_mint::ID {
        return Ok((spl_token::ID, spl_token::native_mint::DECIMALS));
    }
    let account = c
        .account(mint)
        .ok_or_else(|| invalid("could not find mint"))?;
    let decimals = token::unpack_mint(account.owner(), account.data())
        .map(|m| m.decimals)
        .ok_or_else(|| invalid("Token mint could not be unpacked"))?;
    Ok((*account.owner(), decimals))
}

pub(super) async fn get_token_account_balance(rpc: &Rpc, p: Value) -> RpcResult {
    let (key, _): (String, Option<CommitmentConfig>) = params(p, 1, 2)?;
    let key = parse_pubkey(&key)?;
    let (slot, found) = rpc
        .at(None, move |c| {
            let account = c
                .account(&key)
                .ok_or_else(|| invalid("could not find account"))?;
            if !token::is_token_program(account.owner()) {
                return Err(invalid("not a Token account"));
            }
            let state = token::unpack_account(account.owner(), account.data())
                .ok_or_else(|| invalid("not a Token account"))?;
            let (_, decimals) = mint_owner_and_decimals(c, &state.mint)?;
            Ok((state.amount, decimals))
        })
        .await?;
    let (amount, decimals) = found?;
    Ok(with_context(slot, token::token_amount(amount, decimals)))
}

pub(super) async fn get_token_supply(rpc: &Rpc, p: Value) -> RpcResult {
    let (key, _): (String, Option<CommitmentConfig>) = params(p, 1, 2)?;
    let key = parse_pubkey(&key)?;
    let (slot, found) = rpc
        .at(None, move |c| {
            let account = c
                .account(&key)
                .ok_or_else(|| invalid("could not find account"))?;
            if !token::is_token_program(account.owner()) {
                return Err(invalid("not a Token mint"));
            }
            token::unpack_mint(account.owner(), account.data())
                .map(|m| (m.supply, m.decimals))
                .ok_or_else(|| invalid("mint could not be unpacked"))
        })
        .await?;
    let (supply, decimals) = found?;
    Ok(with_context(slot, token::token_amount(supply, decimals)))
}

/// Agave's `NUM_LARGEST_ACCOUNTS`.
const NUM_LARGEST_ACCOUNTS: usize = 20;

pub(super) async fn get_token_largest_accounts(rpc: &Rpc, p: Value) -> RpcResult {
    let (mint, _): (String, Option<CommitmentConfig>) = params(p, 1, 2)?;
    let mint = parse_pubkey(&mint)?;
    let (slot, found) = rpc
        .at(None, move |c| {
            let (program, decimals) = mint_owner_and_decimals(c, &mint)?;
            if !token::is_token_program(&program) {
                return Err(invalid("not a Token mint"));
            }
            let filters = [
                Filter::TokenAccountState,
                Filter::Memcmp {
                    offset: 0,
                    bytes: mint.to_bytes().to_vec(),
                },
            ];
            let mut balances: Vec<(u64, Pubkey)> = c
                .program_accounts(&program, |a| filters.iter().all(|f| f.matches(a)))
                .into_iter()
                .map(|(k, a)| {
                    let amount = token::unpack_account(a.owner(), a.data()).map_or(0, |t| t.amount);
                    (amount, k)
                })
                .collect();
            // Largest first; among equal amounts the larger address first, as Agave's heap.
            balances.sort_unstable_by(|a, b| b.cmp(a));
            balances.truncate(NUM_LARGEST_ACCOUNTS);
            Ok((balances, decimals))
        })
        .await?;
    let (balances, decimals) = found?;
    Ok(with_context(
        slot,
        Value::Array(
            balances
                .into_iter()
                .map(|(amount, address)| {
                    let mut v = token::token_amount(amount, decimals);
                    v["address"] = Value::from(address.to_string());
                    v
                })
                .collect(),
        ),
    ))
}

/// Whose token accounts: by owner or by delegate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    Owner,
    Delegate,
}

/// The filters Agave scans with: token account state and the owner (offset 32)
/// or the delegate (`COption` tag at 72, key at 76), and the mint if one was named.
fn filters(by: By, who: &Pubkey, mint: Option<Pubkey>) -> Vec<Filter> {
    let mut filters = vec![Filter::TokenAccountState];
    match by {
        By::Owner => filters.push(Filter::Memcmp {
            offset: 32,
            bytes: who.to_bytes().to_vec(),
        }),
        By::Delegate => {
            filters.push(Filter::Memcmp {
                offset: 72,
                bytes: 1u32.to_le_bytes().to_vec(),
            });
            filters.push(Filter::Memcmp {
                offset: 76,
                bytes: who.to_bytes().to_vec(),
            });
        }
    }
    if let Some(mint) = mint {
        filters.push(Filter::Memcmp {
            offset: 0,
            bytes: mint.to_bytes().to_vec(),
        });
    }
    filters
}

pub(super) async fn get_token_accounts(rpc: &Rpc, p: Value, by: By) -> RpcResult {
    let (who, which, cfg): (String, TokenAccountsFilter, Option<AccountInfoConfig>) =
        params(p, 2, 3)?;
    let who = parse_pubkey(&who)?;
    let which = match which {
        TokenAccountsFilter::Mint(m) => Ok(parse_pubkey(&m)?),
        TokenAccountsFilter::ProgramId(id) => Err(parse_pubkey(&id)?),
    };
    let cfg = cfg.unwrap_or_default();
    let encoding = cfg.encoding.unwrap_or(AccountEncoding::Binary);
    let parsed = encoding == AccountEncoding::JsonParsed;
    let (slot, found) = rpc
        .at(cfg.min_context_slot, move |c| {
            // Ok: a mint; Err: a program id.
            let (program, mint) = match which {
                Ok(mint) => {
                    let (owner, _) = mint_owner_and_decimals(c, &mint)?;
                    if !token::is_token_program(&owner) {
                        return Err(invalid("not a Token mint"));
                    }
                    (owner, Some(mint))
                }
                Err(id) => {
                    if !token::is_token_program(&id) {
                        return Err(invalid("unrecognized Token program id"));
                    }
                    (id, None)
                }
            };
            let filters = filters(by, &who, mint);
            let accounts = c.program_accounts(&program, |a| filters.iter().all(|f| f.matches(a)));
            Ok(accounts
                .into_iter()
                .map(|(k, a)| {
                    let d = if parsed { c.token_decimals(&a) } else { None };
                    (k, a, d)
                })
                .collect::<Vec<(Pubkey, AccountSharedData, Option<u8>)>>())
        })
        .await?;
    let list = found?
        .iter()
        .map(|(k, a, d)| {
            // jsonParsed token accounts ignore dataSlice on Agave.
            let slice = if parsed { None } else { cfg.data_slice };
            encode::keyed_account(k, a, encoding, slice, *d)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(with_context(slot, Value::Array(list)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delegate_filters_follow_the_token_account_layout() {
        let who = Pubkey::new_unique();
        let mint = Pubkey::new_unique();
        let mut data = vec![0u8; 165];
        data[0..32].copy_from_slice(mint.as_ref());
        data[72..76].copy_from_slice(&1u32.to_le_bytes());
        data[76..108].copy_from_slice(who.as_ref());
        data[108] = 1;
        let mut acc = AccountSharedData::new(1, 165, &spl_token::ID);
        acc.set_data_from_slice(&data);
        assert!(filters(By::Delegate, &who, Some(mint))
            .iter()
            .all(|f| f.matches(&acc)));
        assert!(!filters(By::Owner, &who, None)
            .iter()
            .all(|f| f.matches(&acc)));
        data[108] = 0; // uninitialized
        acc.set_data_from_slice(&data);
        assert!(!filters(By::Delegate, &who, None)
            .iter()
            .all(|f| f.matches(&acc)));
    }
}
