//! Writes what the Rust side produces — account bytes, an event, an instruction — to
//! `testdata/fixtures/io_rewards.json`, where the Go bindings' test decodes and rebuilds
//! them, so both sides provably agree on layouts. The file is committed; this test
//! fails when it would change. `IONET_UPDATE_FIXTURES=1` rewrites it.

use anchor_lang::AccountDeserialize;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ionet_svm::deploy::{deploy, Deployment, GenesisParams, IO};
use ionet_svm::{ionet_svm, token};
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;

fn key(n: u8) -> Keypair {
    Keypair::new_from_array([n; 32])
}

fn fixture() -> Value {
    let mut svm = ionet_svm();
    let (admin, mint_authority, keeper) = (key(1), key(2), key(3));
    svm.airdrop(&admin.pubkey(), 100_000_000_000).unwrap();
    svm.airdrop(&keeper.pubkey(), 10_000_000_000).unwrap();
    let params = GenesisParams::default();
    let d = deploy(&mut svm, &admin, &mint_authority, &key(4), &key(5), &params).unwrap();

    let source = key(6);
    token::create_token_account(&mut svm, &admin, &source, &d.io_mint, &keeper.pubkey()).unwrap();
    let bond = params.rewards.keeper_bond;
    token::mint_to(
        &mut svm,
        &admin,
        &d.io_mint,
        &mint_authority,
        &source.pubkey(),
        bond,
    )
    .unwrap();

    let keeper_pda = Deployment::keeper(&keeper.pubkey());
    let endpoint = "http://127.0.0.1:7070";
    let ix = d.register_keeper(&keeper.pubkey(), &source.pubkey(), endpoint);
    let meta = token::send(&mut svm, &keeper, &[], std::slice::from_ref(&ix)).unwrap();
    let event = meta
        .logs
        .iter()
        .find_map(|l| l.strip_prefix("Program data: "))
        .expect("KeeperRegistered event in the logs");

    let config_data = svm.get_account(&d.rewards_config).unwrap().data;
    let c = io_rewards::state::RewardsConfig::try_deserialize(&mut &config_data[..]).unwrap();
    let keeper_data = svm.get_account(&keeper_pda).unwrap().data;
    let k = io_rewards::state::Keeper::try_deserialize(&mut &keeper_data[..]).unwrap();
    assert_eq!(k.bond, bond);
    assert!(bond > IO);

    json!({
        "rewards_config": {
            "address": d.rewards_config.to_string(),
            "data": B64.encode(&config_data),
            "fields": {
                "admin": c.admin.to_string(),
                "io_mint": c.io_mint.to_string(),
                "vault": c.vault.to_string(),
                "keeper_bonds": c.keeper_bonds.to_string(),
                "genesis_ts": c.params.genesis_ts,
                "epoch_seconds": c.params.epoch_seconds,
                "initial_epoch_emission": c.params.initial_epoch_emission,
                "halving_epochs": c.params.halving_epochs,
                "halving_ratio_bps": c.params.halving_ratio_bps,
                "emission_cap": c.params.emission_cap,
                "keeper_bond": c.params.keeper_bond,
                "quorum_num": c.params.quorum_num,
                "quorum_den": c.params.quorum_den,
                "uptime_threshold_bps": c.params.uptime_threshold_bps,
                "keeper_count": c.keeper_count,
                "emitted": c.emitted,
                "burned": c.burned,
                "bump": c.bump,
                "vault_bump": c.vault_bump,
                "keeper_bonds_bump": c.keeper_bonds_bump,
            },
        },
        "keeper": {
            "address": keeper_pda.to_string(),
            "data": B64.encode(&keeper_data),
            "fields": {
                "authority": k.authority.to_string(),
                "bond": k.bond,
                "endpoint": k.endpoint,
                "registered_at": k.registered_at,
                "bump": k.bump,
            },
        },
        "keeper_registered_event": { "data": event },
        "register_keeper_instruction": {
            "program_id": ix.program_id.to_string(),
            "data": B64.encode(&ix.data),
            "endpoint": endpoint,
            "accounts": ix.accounts.iter().map(|m| json!({
                "pubkey": m.pubkey.to_string(),
                "is_signer": m.is_signer,
                "is_writable": m.is_writable,
            })).collect::<Vec<_>>(),
        },
    })
}

#[test]
fn rust_produced_fixture_is_committed() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/fixtures/io_rewards.json"
    );
    let want = serde_json::to_string_pretty(&fixture()).unwrap() + "\n";
    if std::env::var_os("IONET_UPDATE_FIXTURES").is_some() {
        // In CI the check must run, not rewrite what it checks.
        assert!(
            std::env::var_os("CI").is_none(),
            "IONET_UPDATE_FIXTURES is set in CI"
        );
        std::fs::create_dir_all(std::path::Path::new(path).parent().unwrap()).unwrap();
        std::fs::write(path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "testdata/fixtures/io_rewards.json is stale; run IONET_UPDATE_FIXTURES=1 cargo test -p ionet-svm --test fixtures"
    );
}
