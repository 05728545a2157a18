//! Instructions as `jsonParsed` shows them: System, SPL Token (both programs) and
//! Associated Token Account instructions parsed as Agave's transaction-status
//! parsers do; every other instruction "partially decoded" (its accounts by key,
//! its data in base58).

use anchor_spl::associated_token::spl_associated_token_account;
use anchor_spl::token::spl_token;
use anchor_spl::token::spl_token::instruction::{AuthorityType, TokenInstruction};
use anchor_spl::token::spl_token::solana_program::program_option::COption;
use anchor_spl::token_2022::spl_token_2022;
use serde_json::{json, Map, Value};
use solana_pubkey::Pubkey;
use solana_system_interface::instruction::SystemInstruction;

use super::token::token_amount;

/// One instruction in parsed form: `{"program", "programId", "parsed",
/// "stackHeight"}` when its program is one Agave parses and the data is valid,
/// `{"programId", "accounts", "data", "stackHeight"}` otherwise.
pub fn parsed(
    program_id_index: u8,
    accounts: &[u8],
    data: &[u8],
    keys: &[Pubkey],
    stack_height: Option<u8>,
) -> Value {
    let program = keys
        .get(program_id_index as usize)
        .copied()
        .unwrap_or_default();
    let account_keys: Option<Vec<Pubkey>> = accounts
        .iter()
        .map(|i| keys.get(*i as usize).copied())
        .collect();
    let account_keys = account_keys.unwrap_or_default();
    let parsed = if program == solana_sdk_ids::system_program::ID {
        parse_system(data, &account_keys).map(|p| ("system", p))
    } else if program == spl_token::ID {
        parse_token(data, &account_keys).map(|p| ("spl-token", p))
    } else if program == spl_token_2022::ID {
        parse_token(data, &account_keys).map(|p| ("spl-token-2022", p))
    } else if program == spl_associated_token_account::ID {
        parse_associated_token(data, &account_keys).map(|p| ("spl-associated-token-account", p))
    } else {
        None
    };
    match parsed {
        Some((name, parsed)) => json!({
            "program": name,
            "programId": program.to_string(),
            "parsed": parsed,
            "stackHeight": stack_height,
        }),
        None => json!({
            "programId": program.to_string(),
            "accounts": account_keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            "data": bs58::encode(data).into_string(),
            "stackHeight": stack_height,
        }),
    }
}

/// The key at `i` as a JSON string (`None`: too few accounts, so not parsed).
fn key(accounts: &[Pubkey], i: usize) -> Option<Value> {
    accounts.get(i).map(|k| json!(k.to_string()))
}

fn typed(kind: &str, info: Value) -> Value {
    json!({ "type": kind, "info": info })
}

fn parse_system(data: &[u8], a: &[Pubkey]) -> Option<Value> {
    let ix: SystemInstruction = bincode::deserialize(data).ok()?;
    Some(match ix {
        SystemInstruction::CreateAccount {
            lamports,
            space,
            owner,
        } => typed(
            "createAccount",
            json!({"source": key(a, 0)?, "newAccount": key(a, 1)?, "lamports": lamports,
                   "space": space, "owner": owner.to_string()}),
        ),
        SystemInstruction::Assign { owner } => typed(
            "assign",
            json!({"account": key(a, 0)?, "owner": owner.to_string()}),
        ),
        SystemInstruction::Transfer { lamports } => typed(
            "transfer",
            json!({"source": key(a, 0)?, "destination": key(a, 1)?, "lamports": lamports}),
        ),
        SystemInstruction::CreateAccountWithSeed {
            base,
            seed,
            lamports,
            space,
            owner,
        } => typed(
            "createAccountWithSeed",
            json!({"source": key(a, 0)?, "newAccount": key(a, 1)?, "base": base.to_string(),
                   "seed": seed, "lamports": lamports, "space": space, "owner": owner.to_string()}),
        ),
        SystemInstruction::AdvanceNonceAccount => typed(
            "advanceNonce",
            json!({"nonceAccount": key(a, 0)?, "recentBlockhashesSysvar": key(a, 1)?,
                   "nonceAuthority": key(a, 2)?}),
        ),
        SystemInstruction::WithdrawNonceAccount(lamports) => typed(
            "withdrawFromNonce",
            json!({"nonceAccount": key(a, 0)?, "destination": key(a, 1)?,
                   "recentBlockhashesSysvar": key(a, 2)?, "rentSysvar": key(a, 3)?,
                   "nonceAuthority": key(a, 4)?, "lamports": lamports}),
        ),
        SystemInstruction::InitializeNonceAccount(authority) => typed(
            "initializeNonce",
            json!({"nonceAccount": key(a, 0)?, "recentBlockhashesSysvar": key(a, 1)?,
                   "rentSysvar": key(a, 2)?, "nonceAuthority": authority.to_string()}),
        ),
        SystemInstruction::AuthorizeNonceAccount(authority) => typed(
            "authorizeNonce",
            json!({"nonceAccount": key(a, 0)?, "nonceAuthority": key(a, 1)?,
                   "newAuthorized": authority.to_string()}),
        ),
        SystemInstruction::UpgradeNonceAccount => {
            typed("upgradeNonce", json!({"nonceAccount": key(a, 0)?}))
        }
        SystemInstruction::Allocate { space } => {
            typed("allocate", json!({"account": key(a, 0)?, "space": space}))
        }
        SystemInstruction::AllocateWithSeed {
            base,
            seed,
            space,
            owner,
        } => typed(
            "allocateWithSeed",
            json!({"account": key(a, 0)?, "base": base.to_string(), "seed": seed,
                   "space": space, "owner": owner.to_string()}),
        ),
        SystemInstruction::AssignWithSeed { base, seed, owner } => typed(
            "assignWithSeed",
            json!({"account": key(a, 0)?, "base": base.to_string(), "seed": seed,
                   "owner": owner.to_string()}),
        ),
        SystemInstruction::TransferWithSeed {
            lamports,
            from_seed,
            from_owner,
        } => typed(
            "transferWithSeed",
            json!({"source": key(a, 0)?, "sourceBase": key(a, 1)?, "destination": key(a, 2)?,
                   "lamports": lamports, "sourceSeed": from_seed,
                   "sourceOwner": from_owner.to_string()}),
        ),
    })
}

/// The signing authority at `at`: a single key under `single`, or a multisig under
/// `multisig` with its `signers` after it, as Agave's `parse_signers` does.
fn signers(
    info: &mut Map<String, Value>,
    a: &[Pubkey],
    at: usize,
    single: &str,
    multisig: &str,
) -> Option<()> {
    let authority = key(a, at)?;
    if a.len() > at + 1 {
        info.insert(multisig.into(), authority);
        info.insert(
            "signers".into(),
            json!(a[at + 1..]
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()),
        );
    } else {
        info.insert(single.into(), authority);
    }
    Some(())
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn coption(key: &COption<Pubkey>) -> Option<Value> {
    match key {
        COption::Some(k) => Some(json!(k.to_string())),
        COption::None => None,
    }
}

/// Where a token instruction's authority sits, and its single and multisig names.
type Authority = (usize, &'static str, &'static str);

fn parse_token(data: &[u8], a: &[Pubkey]) -> Option<Value> {
    let ix = TokenInstruction::unpack(data).ok()?;
    // (type, info, where the authority sits with its single and multisig names)
    let (kind, mut info, authority): (&str, Map<String, Value>, Option<Authority>) = match ix {
        TokenInstruction::InitializeMint {
            decimals,
            mint_authority,
            freeze_authority,
        }
        | TokenInstruction::InitializeMint2 {
            decimals,
            mint_authority,
            freeze_authority,
        } => {
            let two = matches!(ix, TokenInstruction::InitializeMint2 { .. });
            let mut info = object(json!({"mint": key(a, 0)?, "decimals": decimals,
                                             "mintAuthority": mint_authority.to_string()}));
            if !two {
                info.insert("rentSysvar".into(), key(a, 1)?);
            }
            if let Some(f) = coption(&freeze_authority) {
                info.insert("freezeAuthority".into(), f);
            }
            let kind = if two {
                "initializeMint2"
            } else {
                "initializeMint"
            };
            (kind, info, None)
        }
        TokenInstruction::InitializeAccount => (
            "initializeAccount",
            object(
                json!({"account": key(a, 0)?, "mint": key(a, 1)?, "owner": key(a, 2)?,
                              "rentSysvar": key(a, 3)?}),
            ),
            None,
        ),
        TokenInstruction::InitializeAccount2 { owner } => (
            "initializeAccount2",
            object(json!({"account": key(a, 0)?, "mint": key(a, 1)?,
                              "owner": owner.to_string(), "rentSysvar": key(a, 2)?})),
            None,
        ),
        TokenInstruction::InitializeAccount3 { owner } => (
            "initializeAccount3",
            object(json!({"account": key(a, 0)?, "mint": key(a, 1)?,
                              "owner": owner.to_string()})),
            None,
        ),
        TokenInstruction::InitializeMultisig { m } => (
            "initializeMultisig",
            object(json!({"multisig": key(a, 0)?, "rentSysvar": key(a, 1)?,
                              "signers": a.get(2..)?.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                              "m": m})),
            None,
        ),
        TokenInstruction::InitializeMultisig2 { m } => (
            "initializeMultisig2",
            object(json!({"multisig": key(a, 0)?,
                              "signers": a.get(1..)?.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                              "m": m})),
            None,
        ),
        TokenInstruction::Transfer { amount } => (
            "transfer",
            object(json!({"source": key(a, 0)?, "destination": key(a, 1)?,
                              "amount": amount.to_string()})),
            Some((2, "authority", "multisigAuthority")),
        ),
        TokenInstruction::Approve { amount } => (
            "approve",
            object(json!({"source": key(a, 0)?, "delegate": key(a, 1)?,
                              "amount": amount.to_string()})),
            Some((2, "owner", "multisigOwner")),
        ),
        TokenInstruction::Revoke => (
            "revoke",
            object(json!({"source": key(a, 0)?})),
            Some((1, "owner", "multisigOwner")),
        ),
        TokenInstruction::SetAuthority {
            authority_type,
            new_authority,
        } => {
            let (owned, kind) = match authority_type {
                AuthorityType::MintTokens => ("mint", "mintTokens"),
                AuthorityType::FreezeAccount => ("mint", "freezeAccount"),
                AuthorityType::AccountOwner => ("account", "accountOwner"),
                AuthorityType::CloseAccount => ("account", "closeAccount"),
            };
            let mut info = Map::new();
            info.insert(owned.into(), key(a, 0)?);
            info.insert("authorityType".into(), json!(kind));
            info.insert(
                "newAuthority".into(),
                coption(&new_authority).unwrap_or(Value::Null),
            );
            (
                "setAuthority",
                info,
                Some((1, "authority", "multisigAuthority")),
            )
        }
        TokenInstruction::MintTo { amount } => (
            "mintTo",
            object(json!({"mint": key(a, 0)?, "account": key(a, 1)?,
                              "amount": amount.to_string()})),
            Some((2, "mintAuthority", "multisigMintAuthority")),
        ),
        TokenInstruction::Burn { amount } => (
            "burn",
            object(json!({"account": key(a, 0)?, "mint": key(a, 1)?,
                              "amount": amount.to_string()})),
            Some((2, "authority", "multisigAuthority")),
        ),
        TokenInstruction::CloseAccount => (
            "closeAccount",
            object(json!({"account": key(a, 0)?, "destination": key(a, 1)?})),
            Some((2, "owner", "multisigOwner")),
        ),
        TokenInstruction::FreezeAccount => (
            "freezeAccount",
            object(json!({"account": key(a, 0)?, "mint": key(a, 1)?})),
            Some((2, "freezeAuthority", "multisigFreezeAuthority")),
        ),
        TokenInstruction::ThawAccount => (
            "thawAccount",
            object(json!({"account": key(a, 0)?, "mint": key(a, 1)?})),
            Some((2, "freezeAuthority", "multisigFreezeAuthority")),
        ),
        TokenInstruction::TransferChecked { amount, decimals } => (
            "transferChecked",
            object(json!({"source": key(a, 0)?, "mint": key(a, 1)?,
                              "destination": key(a, 2)?,
                              "tokenAmount": token_amount(amount, decimals)})),
            Some((3, "authority", "multisigAuthority")),
        ),
        TokenInstruction::ApproveChecked { amount, decimals } => (
            "approveChecked",
            object(
                json!({"source": key(a, 0)?, "mint": key(a, 1)?, "delegate": key(a, 2)?,
                              "tokenAmount": token_amount(amount, decimals)}),
            ),
            Some((3, "owner", "multisigOwner")),
        ),
        TokenInstruction::MintToChecked { amount, decimals } => (
            "mintToChecked",
            object(json!({"mint": key(a, 0)?, "account": key(a, 1)?,
                              "tokenAmount": token_amount(amount, decimals)})),
            Some((2, "mintAuthority", "multisigMintAuthority")),
        ),
        TokenInstruction::BurnChecked { amount, decimals } => (
            "burnChecked",
            object(json!({"account": key(a, 0)?, "mint": key(a, 1)?,
                              "tokenAmount": token_amount(amount, decimals)})),
            Some((2, "authority", "multisigAuthority")),
        ),
        TokenInstruction::SyncNative => {
            ("syncNative", object(json!({"account": key(a, 0)?})), None)
        }
        TokenInstruction::GetAccountDataSize => (
            "getAccountDataSize",
            object(json!({"mint": key(a, 0)?})),
            None,
        ),
        TokenInstruction::InitializeImmutableOwner => (
            "initializeImmutableOwner",
            object(json!({"account": key(a, 0)?})),
            None,
        ),
        TokenInstruction::AmountToUiAmount { amount } => (
            "amountToUiAmount",
            object(json!({"mint": key(a, 0)?, "amount": amount.to_string()})),
            None,
        ),
        TokenInstruction::UiAmountToAmount { ui_amount } => (
            "uiAmountToAmount",
            object(json!({"mint": key(a, 0)?, "uiAmount": ui_amount})),
            None,
        ),
    };
    if let Some((at, single, multisig)) = authority {
        signers(&mut info, a, at, single, multisig)?;
    }
    Some(typed(kind, Value::Object(info)))
}

fn parse_associated_token(data: &[u8], a: &[Pubkey]) -> Option<Value> {
    let kind = match data.first() {
        None | Some(0) => "create",
        Some(1) => "createIdempotent",
        Some(2) => {
            return Some(typed(
                "recoverNested",
                json!({"nestedSource": key(a, 0)?, "nestedMint": key(a, 1)?,
                       "destination": key(a, 2)?, "nestedOwner": key(a, 3)?,
                       "ownerMint": key(a, 4)?, "wallet": key(a, 5)?,
                       "tokenProgram": key(a, 6)?}),
            ))
        }
        Some(_) => return None,
    };
    if data.len() > 1 {
        return None;
    }
    Some(typed(
        kind,
        json!({"source": key(a, 0)?, "account": key(a, 1)?, "wallet": key(a, 2)?,
               "mint": key(a, 3)?, "systemProgram": key(a, 4)?, "tokenProgram": key(a, 5)?}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_transfer_parses_as_agave_shows_it() {
        let (from, to) = (Pubkey::new_unique(), Pubkey::new_unique());
        let ix = solana_system_interface::instruction::transfer(&from, &to, 42);
        let keys = vec![from, to, solana_sdk_ids::system_program::ID];
        let v = parsed(2, &[0, 1], &ix.data, &keys, None);
        assert_eq!(
            v,
            json!({"program": "system", "programId": "11111111111111111111111111111111",
                   "parsed": {"type": "transfer", "info": {"source": from.to_string(),
                   "destination": to.to_string(), "lamports": 42}}, "stackHeight": null})
        );
    }

    #[test]
    fn token_transfer_checked_and_multisig_authority() {
        let k: Vec<Pubkey> = (0..6).map(|_| Pubkey::new_unique()).collect();
        let mut keys = k.clone();
        keys.push(spl_token::ID);
        let data = spl_token::instruction::transfer_checked(
            &spl_token::ID,
            &k[0],
            &k[1],
            &k[2],
            &k[3],
            &[],
            150,
            2,
        )
        .unwrap()
        .data;
        let v = parsed(6, &[0, 1, 2, 3], &data, &keys, Some(2));
        assert_eq!(v["program"], json!("spl-token"));
        assert_eq!(v["stackHeight"], json!(2));
        assert_eq!(
            v["parsed"],
            json!({"type": "transferChecked", "info": {"source": k[0].to_string(),
                   "mint": k[1].to_string(), "destination": k[2].to_string(),
                   "authority": k[3].to_string(), "tokenAmount": {"amount": "150",
                   "decimals": 2, "uiAmount": 1.5, "uiAmountString": "1.5"}}})
        );
        // Two more accounts: a multisig authority and its signers.
        let v = parsed(6, &[0, 1, 2, 3, 4, 5], &data, &keys, None);
        assert_eq!(
            v["parsed"]["info"]["multisigAuthority"],
            json!(k[3].to_string())
        );
        assert_eq!(
            v["parsed"]["info"]["signers"],
            json!([k[4].to_string(), k[5].to_string()])
        );
    }

    #[test]
    fn unknown_programs_and_bad_data_are_partially_decoded() {
        let program = Pubkey::new_unique();
        let acc = Pubkey::new_unique();
        let v = parsed(1, &[0], &[1, 2, 3], &[acc, program], None);
        assert_eq!(
            v,
            json!({"programId": program.to_string(), "accounts": [acc.to_string()],
                   "data": bs58::encode([1u8, 2, 3]).into_string(), "stackHeight": null})
        );
        // A System transfer with too few accounts is not parsed.
        let ix = solana_system_interface::instruction::transfer(&acc, &acc, 1);
        let v = parsed(
            1,
            &[0],
            &ix.data,
            &[acc, solana_sdk_ids::system_program::ID],
            None,
        );
        assert!(v.get("parsed").is_none(), "{v}");
    }
}
