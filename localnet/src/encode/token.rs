//! SPL Token shapes: amounts, and mints and token accounts as `jsonParsed` shows
//! them, for SPL Token and for Token-2022 accounts without extensions.

use anchor_spl::token::spl_token;
use anchor_spl::token::spl_token::solana_program::program_option::COption;
use anchor_spl::token::spl_token::solana_program::program_pack::Pack;
use anchor_spl::token::spl_token::state::{Account, AccountState, Mint};
use anchor_spl::token_2022::spl_token_2022;
use serde_json::{json, Value};
use solana_account::{AccountSharedData, ReadableAccount};
use solana_pubkey::Pubkey;

/// Token-2022 accounts carry an account-type byte after the base layout.
const ACCOUNT_TYPE_MINT: u8 = 1;
const ACCOUNT_TYPE_ACCOUNT: u8 = 2;

pub fn is_token_program(program: &Pubkey) -> bool {
    *program == spl_token::ID || *program == spl_token_2022::ID
}

/// The `program` name `jsonParsed` gives a token program's accounts.
pub fn program_name(program: &Pubkey) -> Option<&'static str> {
    if *program == spl_token::ID {
        Some("spl-token")
    } else if *program == spl_token_2022::ID {
        Some("spl-token-2022")
    } else {
        None
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

/// `UiTokenAmount`.
pub fn token_amount(amount: u64, decimals: u8) -> Value {
    json!({
        "amount": amount.to_string(),
        "decimals": decimals,
        "uiAmount": amount as f64 / 10f64.powi(decimals as i32),
        "uiAmountString": ui_amount_string(amount, decimals),
    })
}

/// Whether a token program's account carries Token-2022 extensions (past the
/// account-type byte).
fn has_extensions(data: &[u8]) -> bool {
    data.len() > Account::LEN + 1
}

/// The base state of a token account of either program.
pub fn unpack_account(owner: &Pubkey, data: &[u8]) -> Option<Account> {
    let plain = data.len() == Account::LEN
        || (*owner == spl_token_2022::ID && data.get(Account::LEN) == Some(&ACCOUNT_TYPE_ACCOUNT));
    if !is_token_program(owner) || !plain {
        return None;
    }
    Account::unpack_from_slice(&data[..Account::LEN])
        .ok()
        .filter(|a| a.state != AccountState::Uninitialized)
}

/// The base state of a mint of either program.
pub fn unpack_mint(owner: &Pubkey, data: &[u8]) -> Option<Mint> {
    let plain = data.len() == Mint::LEN
        || (*owner == spl_token_2022::ID
            && data.len() > Account::LEN
            && data.get(Account::LEN) == Some(&ACCOUNT_TYPE_MINT));
    if !is_token_program(owner) || !plain {
        return None;
    }
    Mint::unpack_from_slice(&data[..Mint::LEN])
        .ok()
        .filter(|m| m.is_initialized)
}

/// The mint of a token account.
pub fn account_mint(account: &AccountSharedData) -> Option<Pubkey> {
    unpack_account(account.owner(), account.data()).map(|a| a.mint)
}

/// A mint's decimals.
pub fn mint_decimals(mint: &AccountSharedData) -> Option<u8> {
    unpack_mint(mint.owner(), mint.data()).map(|m| m.decimals)
}

fn coption_key(key: &COption<Pubkey>) -> Value {
    match key {
        COption::Some(k) => json!(k.to_string()),
        COption::None => Value::Null,
    }
}

/// `jsonParsed` data of a token program's mint or (with its mint's `decimals`)
/// token account: `{"program", "parsed", "space"}`. `None` where Agave would fall
/// back to base64.
pub fn parsed_account(account: &AccountSharedData, decimals: Option<u8>) -> Option<Value> {
    let owner = account.owner();
    let program = program_name(owner)?;
    let data = account.data();
    if has_extensions(data) {
        return None;
    }
    let parsed = if let Some(m) = unpack_mint(owner, data) {
        json!({
            "type": "mint",
            "info": {
                "decimals": m.decimals,
                "freezeAuthority": coption_key(&m.freeze_authority),
                "isInitialized": m.is_initialized,
                "mintAuthority": coption_key(&m.mint_authority),
                "supply": m.supply.to_string(),
            },
        })
    } else {
        let a = unpack_account(owner, data)?;
        let decimals = decimals?;
        let state = match a.state {
            AccountState::Uninitialized => "uninitialized",
            AccountState::Initialized => "initialized",
            AccountState::Frozen => "frozen",
        };
        let mut info = json!({
            "isNative": a.is_native.is_some(),
            "mint": a.mint.to_string(),
            "owner": a.owner.to_string(),
            "state": state,
            "tokenAmount": token_amount(a.amount, decimals),
        });
        if let COption::Some(d) = a.delegate {
            info["delegate"] = json!(d.to_string());
            info["delegatedAmount"] = token_amount(a.delegated_amount, decimals);
        }
        if let COption::Some(c) = a.close_authority {
            info["closeAuthority"] = json!(c.to_string());
        }
        if let COption::Some(r) = a.is_native {
            info["rentExemptReserve"] = token_amount(r, 9);
        }
        json!({ "type": "account", "info": info })
    };
    Some(json!({ "program": program, "parsed": parsed, "space": data.len() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_amounts_are_formatted_as_agave_does() {
        assert_eq!(
            token_amount(150_000_000, 8),
            json!({"amount":"150000000","decimals":8,"uiAmount":1.5,"uiAmountString":"1.5"})
        );
        assert_eq!(ui_amount_string(5, 6), "0.000005");
        assert_eq!(ui_amount_string(7_000_000, 6), "7");
        assert_eq!(ui_amount_string(42, 0), "42");
    }

    fn packed_account(
        owner: &Pubkey,
        mint: Pubkey,
        amount: u64,
        extra: &[u8],
    ) -> AccountSharedData {
        let mut data = vec![0u8; Account::LEN];
        Account {
            mint,
            owner: Pubkey::new_unique(),
            amount,
            state: AccountState::Initialized,
            ..Default::default()
        }
        .pack_into_slice(&mut data);
        data.extend_from_slice(extra);
        let mut acc = AccountSharedData::new(1, data.len(), owner);
        acc.set_data_from_slice(&data);
        acc
    }

    #[test]
    fn both_token_programs_parse_and_extensions_fall_back() {
        let mint = Pubkey::new_unique();
        let classic = packed_account(&spl_token::ID, mint, 7, &[]);
        let v = parsed_account(&classic, Some(2)).unwrap();
        assert_eq!(v["program"], json!("spl-token"));
        assert_eq!(v["space"], json!(165));
        assert_eq!(
            v["parsed"]["info"]["tokenAmount"]["uiAmountString"],
            json!("0.07")
        );
        let t22 = packed_account(&spl_token_2022::ID, mint, 7, &[ACCOUNT_TYPE_ACCOUNT]);
        assert_eq!(
            parsed_account(&t22, Some(2)).unwrap()["program"],
            json!("spl-token-2022")
        );
        assert_eq!(account_mint(&t22), Some(mint));
        // With an extension (here: immutable owner, type 7), Agave lists extensions we
        // do not parse: base64 instead.
        let ext = packed_account(
            &spl_token_2022::ID,
            mint,
            7,
            &[ACCOUNT_TYPE_ACCOUNT, 7, 0, 0, 0],
        );
        assert_eq!(parsed_account(&ext, Some(2)), None);
        // A token account without its mint's decimals is not parsed either.
        assert_eq!(parsed_account(&classic, None), None);
    }
}
