//! The native-SVM path end to end: our programs as builtins beside the real SBF SPL
//! Token program, with CPI, events, errors and account checks behaving as on chain.

use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use ionet_svm::deploy::{prepare_genesis, Deployment, GenesisParams, IO};
use ionet_svm::world::{custom_error, World, ANCHOR_ERROR_OFFSET};
use ionet_svm::{events, ids, ionet_svm, token};
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

fn rewards_config(w: &World) -> io_rewards::state::RewardsConfig {
    w.account(&w.d.rewards_config)
}

#[test]
fn keeper_bond_moves_into_a_pda_vault_and_back_out_with_the_pda_signing() {
    let mut w = World::new();
    let bond = GenesisParams::default().rewards.keeper_bond;
    let (keeper, source) = w.wallet(bond + 5 * IO);

    let ix =
        w.d.register_keeper(&keeper.pubkey(), &source, "http://127.0.0.1:7070");
    token::send(&mut w.svm, &keeper, &[], &[ix]).unwrap();
    assert_eq!(token::balance(&w.svm, &source), Some(5 * IO));
    assert_eq!(token::balance(&w.svm, &w.d.keeper_bonds), Some(bond));
    assert_eq!(rewards_config(&w).keeper_count, 1);

    // The exit is announced, then the bond unbonds.
    w.send(&keeper, &[], &[w.d.announce_exit(&keeper.pubkey())])
        .unwrap();
    w.warp(GenesisParams::default().rewards.keeper_unbonding_seconds);
    let ix = w.d.deregister_keeper(&keeper.pubkey(), &source);
    let meta = token::send(&mut w.svm, &keeper, &[], &[ix]).unwrap();
    assert_eq!(token::balance(&w.svm, &source), Some(bond + 5 * IO));
    assert_eq!(token::balance(&w.svm, &w.d.keeper_bonds), Some(0));
    assert_eq!(rewards_config(&w).keeper_count, 0);
    assert!(w
        .svm
        .get_account(&Deployment::keeper(&keeper.pubkey()))
        .is_none_or(|a| a.lamports == 0));
    // The transfer out was a CPI into the SBF token program, one level down.
    assert!(
        meta.logs
            .iter()
            .any(|l| l == &format!("Program {} invoke [2]", spl_token::ID)),
        "{:#?}",
        meta.logs
    );
}

#[test]
fn one_ionet_program_calls_another_with_a_pda_signer_the_callee_checks() {
    let mut w = World::new();
    let amount = 1_234 * IO;
    let treasury_io = w.d.treasury_io;
    w.give_io(&treasury_io, amount);
    let supply_before = token::supply(&w.svm, &w.d.io_mint).unwrap();

    let ix = Instruction {
        program_id: ids::IO_HIRE,
        accounts: io_hire::accounts::BuybackBurn {
            admin: w.admin.pubkey(),
            config: w.d.hire_config,
            treasury: w.d.treasury,
            treasury_io: w.d.treasury_io,
            io_mint: w.d.io_mint,
            rewards_config: w.d.rewards_config,
            rewards_program: ids::IO_REWARDS,
            token_program: spl_token::ID,
        }
        .to_account_metas(None),
        data: io_hire::instruction::BuybackBurn { amount }.data(),
    };
    let meta = token::send(&mut w.svm, &w.admin, &[], &[ix]).unwrap();
    assert_eq!(
        token::supply(&w.svm, &w.d.io_mint),
        Some(supply_before - amount)
    );
    assert_eq!(token::balance(&w.svm, &w.d.treasury_io), Some(0));
    assert_eq!(rewards_config(&w).burned, amount);
    assert!(
        meta.logs
            .iter()
            .any(|l| l == &format!("Program {} invoke [2]", ids::IO_REWARDS)),
        "{:#?}",
        meta.logs
    );
    let burns = events::decode::<io_rewards::events::BurnRecorded>(&meta.logs);
    assert_eq!(burns.len(), 1);
    assert_eq!(
        (burns[0].amount, burns[0].total_burned, burns[0].reporter),
        (amount, amount, w.d.treasury)
    );

    // Anyone else reporting a burn directly is refused by the callee, and nothing changes.
    let forger = Keypair::new();
    w.svm.airdrop(&forger.pubkey(), 1_000_000_000).unwrap();
    let forged = Instruction {
        program_id: ids::IO_REWARDS,
        accounts: io_rewards::accounts::RecordBurn {
            reporter: forger.pubkey(),
            config: w.d.rewards_config,
            io_mint: w.d.io_mint,
        }
        .to_account_metas(None),
        data: io_rewards::instruction::RecordBurn { amount: 1 }.data(),
    };
    let err = token::send(&mut w.svm, &forger, &[], &[forged]).unwrap_err();
    let code =
        ANCHOR_ERROR_OFFSET + io_rewards::errors::RewardsError::UnauthorizedBurnReporter as u32;
    assert_eq!(custom_error(&err.err), Some((0, code)));
    assert_eq!(rewards_config(&w).burned, amount);
}

#[test]
fn events_reach_the_logs_as_program_data_and_decode() {
    let mut w = World::new();
    let bond = GenesisParams::default().rewards.keeper_bond;
    let (keeper, source) = w.wallet(bond);
    let ix =
        w.d.register_keeper(&keeper.pubkey(), &source, "http://keeper.example:7070");
    let meta = token::send(&mut w.svm, &keeper, &[], &[ix]).unwrap();
    assert!(
        meta.logs.iter().any(|l| l.starts_with("Program data: ")),
        "{:#?}",
        meta.logs
    );
    assert!(
        meta.logs
            .iter()
            .any(|l| l == "Program log: Instruction: RegisterKeeper"),
        "{:#?}",
        meta.logs
    );
    let got = events::decode::<io_rewards::events::KeeperRegistered>(&meta.logs);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].authority, keeper.pubkey());
    assert_eq!(got[0].keeper, Deployment::keeper(&keeper.pubkey()));
    assert_eq!((got[0].bond, got[0].keeper_count), (bond, 1));
}

#[test]
fn anchor_errors_reach_the_client_as_custom_codes_with_their_message_in_the_logs() {
    let mut svm = ionet_svm();
    let admin = Keypair::new();
    svm.airdrop(&admin.pubkey(), 10_000_000_000).unwrap();
    let d = prepare_genesis(&mut svm, &admin, &admin, &Keypair::new(), &Keypair::new()).unwrap();

    let mut bad = GenesisParams::default().rewards;
    bad.epoch_seconds = 0;
    let err = token::send(
        &mut svm,
        &admin,
        &[],
        &[d.initialize_rewards(&admin.pubkey(), &d.genesis_io, bad)],
    )
    .unwrap_err();
    let code = ANCHOR_ERROR_OFFSET + io_rewards::errors::RewardsError::InvalidEpochLength as u32;
    assert_eq!(custom_error(&err.err), Some((0, code)));
    assert!(
        err.meta
            .logs
            .iter()
            .any(|l| l.contains("AnchorError") && l.contains("epoch length must be positive")),
        "{:#?}",
        err.meta.logs
    );
    // Nothing was created.
    assert!(svm
        .get_account(&d.rewards_config)
        .is_none_or(|a| a.lamports == 0));

    // A second instruction's error carries its own index.
    let mut bad_hire = GenesisParams::default().hire;
    bad_hire.iosd_fee_bps = 5_000;
    let ixs = [
        d.initialize_rewards(
            &admin.pubkey(),
            &d.genesis_io,
            GenesisParams::default().rewards,
        ),
        d.initialize_staking(&admin.pubkey(), GenesisParams::default().staking),
        d.initialize_hire(&admin.pubkey(), bad_hire),
    ];
    let err = token::send(&mut svm, &admin, &[], &ixs).unwrap_err();
    let code = ANCHOR_ERROR_OFFSET + io_hire::errors::HireError::FeeTooHigh as u32;
    assert_eq!(custom_error(&err.err), Some((2, code)));
    // The whole transaction rolled back, including the first instructions.
    assert!(svm
        .get_account(&d.rewards_config)
        .is_none_or(|a| a.lamports == 0));
}

#[test]
fn a_missing_signer_is_refused() {
    let mut w = World::new();
    let bond = GenesisParams::default().rewards.keeper_bond;
    let (victim, source) = w.wallet(bond);
    // An attacker lists the victim as authority without the victim's signature.
    let attacker = Keypair::new();
    w.svm.airdrop(&attacker.pubkey(), 1_000_000_000).unwrap();
    let mut ix =
        w.d.register_keeper(&victim.pubkey(), &source, "http://evil");
    ix.accounts[0] = AccountMeta::new(victim.pubkey(), false);
    let err = token::send(&mut w.svm, &attacker, &[], &[ix]).unwrap_err();
    let not_signed = anchor_lang::error::ErrorCode::AccountNotSigner as u32;
    assert_eq!(custom_error(&err.err), Some((0, not_signed)));
    assert_eq!(token::balance(&w.svm, &source), Some(bond));
}

#[test]
fn an_account_owned_by_the_wrong_program_is_refused() {
    let mut w = World::new();
    let bond = GenesisParams::default().rewards.keeper_bond;
    let (keeper, source) = w.wallet(bond);

    // Plant a copy of the real config's bytes under another owner, at another address.
    let mut forged = w.svm.get_account(&w.d.rewards_config).unwrap();
    forged.owner = ids::IO_STAKING;
    let forged_key = Pubkey::new_unique();
    w.svm.set_account(forged_key, forged).unwrap();
    let mut ix = w.d.register_keeper(&keeper.pubkey(), &source, "http://k");
    ix.accounts[1] = AccountMeta::new(forged_key, false);
    let err = token::send(&mut w.svm, &keeper, &[], &[ix]).unwrap_err();
    let wrong_owner = anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram as u32;
    assert_eq!(custom_error(&err.err), Some((0, wrong_owner)));

    // A token account of another mint posing as the bond source.
    let other_mint = Keypair::new();
    token::create_mint(&mut w.svm, &w.admin, &other_mint, &w.admin.pubkey(), 8).unwrap();
    let other = Keypair::new();
    token::create_token_account(
        &mut w.svm,
        &w.admin,
        &other,
        &other_mint.pubkey(),
        &keeper.pubkey(),
    )
    .unwrap();
    let ix =
        w.d.register_keeper(&keeper.pubkey(), &other.pubkey(), "http://k");
    let err = token::send(&mut w.svm, &keeper, &[], &[ix]).unwrap_err();
    let bad_mint = anchor_lang::error::ErrorCode::ConstraintTokenMint as u32;
    assert_eq!(custom_error(&err.err), Some((0, bad_mint)));

    assert_eq!(token::balance(&w.svm, &source), Some(bond));
    assert_eq!(rewards_config(&w).keeper_count, 0);
}

#[test]
fn a_token_2022_mint_is_refused_at_configuration_time() {
    let mut svm = ionet_svm();
    let admin = Keypair::new();
    svm.airdrop(&admin.pubkey(), 10_000_000_000).unwrap();
    // A real Token-2022 mint, created through the SBF Token-2022 program.
    let mint = Keypair::new();
    let token_2022 = anchor_spl::token_2022::ID;
    let space = 82;
    let ixs = [
        solana_system_interface::instruction::create_account(
            &admin.pubkey(),
            &mint.pubkey(),
            svm.minimum_balance_for_rent_exemption(space),
            space as u64,
            &token_2022,
        ),
        anchor_spl::token_2022::spl_token_2022::instruction::initialize_mint2(
            &token_2022,
            &mint.pubkey(),
            &admin.pubkey(),
            None,
            8,
        )
        .unwrap(),
    ];
    token::send(&mut svm, &admin, &[&mint], &ixs).unwrap();
    let d = Deployment::addresses(admin.pubkey(), mint.pubkey(), Pubkey::new_unique());
    ionet_svm::deploy::install_program_data(&mut svm, &ids::IO_REWARDS, &admin.pubkey());
    let err = token::send(
        &mut svm,
        &admin,
        &[],
        &[d.initialize_rewards(
            &admin.pubkey(),
            &Pubkey::new_unique(),
            GenesisParams::default().rewards,
        )],
    )
    .unwrap_err();
    let wrong_owner = anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram as u32;
    assert_eq!(custom_error(&err.err), Some((0, wrong_owner)));
    assert!(svm
        .get_account(&d.rewards_config)
        .is_none_or(|a| a.lamports == 0));
}

#[test]
fn an_underfunded_bond_fails_with_the_token_programs_error_and_changes_nothing() {
    let mut w = World::new();
    let bond = GenesisParams::default().rewards.keeper_bond;
    let (keeper, source) = w.wallet(bond - 1);
    let ix = w.d.register_keeper(&keeper.pubkey(), &source, "http://k");
    let err = token::send(&mut w.svm, &keeper, &[], &[ix]).unwrap_err();
    // SPL Token's InsufficientFunds, reported at our instruction's index as on chain.
    let insufficient_funds = spl_token::error::TokenError::InsufficientFunds as u32;
    assert_eq!(custom_error(&err.err), Some((0, insufficient_funds)));
    assert!(err.meta.logs.iter().any(|l| l
        == &format!(
            "Program {} failed: custom program error: 0x1",
            spl_token::ID
        )));
    assert_eq!(token::balance(&w.svm, &source), Some(bond - 1));
    assert_eq!(rewards_config(&w).keeper_count, 0);
    assert!(w
        .svm
        .get_account(&Deployment::keeper(&keeper.pubkey()))
        .is_none_or(|a| a.lamports == 0));
}

#[test]
fn a_forged_program_account_is_refused() {
    let mut w = World::new();
    let treasury_io = w.d.treasury_io;
    w.give_io(&treasury_io, IO);
    let mut accounts = io_hire::accounts::BuybackBurn {
        admin: w.admin.pubkey(),
        config: w.d.hire_config,
        treasury: w.d.treasury,
        treasury_io: w.d.treasury_io,
        io_mint: w.d.io_mint,
        rewards_config: w.d.rewards_config,
        rewards_program: ids::IO_REWARDS,
        token_program: spl_token::ID,
    };
    // io-staking posing as io-rewards, to take the treasury's signature elsewhere.
    accounts.rewards_program = ids::IO_STAKING;
    let ix = Instruction {
        program_id: ids::IO_HIRE,
        accounts: accounts.to_account_metas(None),
        data: io_hire::instruction::BuybackBurn { amount: IO }.data(),
    };
    let err = token::send(&mut w.svm, &w.admin, &[], &[ix]).unwrap_err();
    let invalid_program = anchor_lang::error::ErrorCode::InvalidProgramId as u32;
    assert_eq!(custom_error(&err.err), Some((0, invalid_program)));
    assert_eq!(token::balance(&w.svm, &w.d.treasury_io), Some(IO));
    assert_eq!(rewards_config(&w).burned, 0);
}

#[test]
fn a_keeper_bond_cannot_be_returned_into_a_protocol_account() {
    let mut w = World::new();
    let bond = GenesisParams::default().rewards.keeper_bond;
    let (keeper, source) = w.wallet(bond);
    let ix = w.d.register_keeper(&keeper.pubkey(), &source, "http://k");
    token::send(&mut w.svm, &keeper, &[], &[ix]).unwrap();
    w.send(&keeper, &[], &[w.d.announce_exit(&keeper.pubkey())])
        .unwrap();
    w.warp(GenesisParams::default().rewards.keeper_unbonding_seconds);
    for destination in [w.d.keeper_bonds, w.d.rewards_vault] {
        let ix = w.d.deregister_keeper(&keeper.pubkey(), &destination);
        let err = token::send(&mut w.svm, &keeper, &[], &[ix]).unwrap_err();
        let code =
            ANCHOR_ERROR_OFFSET + io_rewards::errors::RewardsError::BondToProtocolAccount as u32;
        assert_eq!(custom_error(&err.err), Some((0, code)));
    }
    assert_eq!(token::balance(&w.svm, &w.d.keeper_bonds), Some(bond));
    assert_eq!(rewards_config(&w).keeper_count, 1);
}

#[test]
fn an_io_mint_with_other_decimals_is_refused() {
    let mut svm = ionet_svm();
    let admin = Keypair::new();
    svm.airdrop(&admin.pubkey(), 10_000_000_000).unwrap();
    let (io_mint, iosd_mint) = (Keypair::new(), Keypair::new());
    token::create_mint(&mut svm, &admin, &io_mint, &admin.pubkey(), 6).unwrap();
    token::create_mint(&mut svm, &admin, &iosd_mint, &admin.pubkey(), 6).unwrap();
    ionet_svm::deploy::install_program_data(&mut svm, &ids::IO_REWARDS, &admin.pubkey());
    let d = Deployment::addresses(admin.pubkey(), io_mint.pubkey(), iosd_mint.pubkey());
    let source = Keypair::new();
    token::create_token_account(
        &mut svm,
        &admin,
        &source,
        &io_mint.pubkey(),
        &admin.pubkey(),
    )
    .unwrap();
    let ix = d.initialize_rewards(
        &admin.pubkey(),
        &source.pubkey(),
        GenesisParams::default().rewards,
    );
    let err = token::send(&mut svm, &admin, &[], &[ix]).unwrap_err();
    let code = ANCHOR_ERROR_OFFSET + io_rewards::errors::RewardsError::IoDecimals as u32;
    assert_eq!(custom_error(&err.err), Some((0, code)));
}

fn buyback(w: &World, admin: &Pubkey, treasury_io: &Pubkey, amount: u64) -> Instruction {
    let mut ix = ionet_svm::hire::buyback(&w.d, admin, amount);
    ix.accounts[3].pubkey = *treasury_io;
    ix
}

#[test]
fn buyback_burn_is_the_admins_of_a_positive_amount_from_the_treasury_only() {
    use io_hire::errors::HireError;
    let mut w = World::new();
    let treasury_io = w.d.treasury_io;
    w.give_io(&treasury_io, 10 * IO);
    let hire = |e: HireError| ANCHOR_ERROR_OFFSET + e as u32;
    let admin = w.admin.insecure_clone();
    let (stranger, stranger_io) = w.wallet(10 * IO);

    let ix = buyback(&w, &stranger.pubkey(), &treasury_io, IO);
    ionet_svm::world::assert_code(w.send(&stranger, &[], &[ix]), hire(HireError::NotAdmin));
    let ix = buyback(&w, &admin.pubkey(), &treasury_io, 0);
    ionet_svm::world::assert_code(w.send(&admin, &[], &[ix]), hire(HireError::ZeroBurn));
    // Another $IO account in the treasury's place.
    let ix = buyback(&w, &admin.pubkey(), &stranger_io, IO);
    ionet_svm::world::assert_code(w.send(&admin, &[], &[ix]), hire(HireError::WrongTreasury));

    assert_eq!(w.balance(&treasury_io), 10 * IO);
    assert_eq!(w.balance(&stranger_io), 10 * IO);
    assert_eq!(rewards_config(&w).burned, 0);
}

/// `record_burn` as io-hire's treasury PDA signs it, through the test forwarder.
fn report_burn(w: &mut World, amount: u64) -> ionet_svm::world::TxResult {
    let ix = Instruction {
        program_id: ids::IO_REWARDS,
        accounts: io_rewards::accounts::RecordBurn {
            reporter: w.d.treasury,
            config: w.d.rewards_config,
            io_mint: w.d.io_mint,
        }
        .to_account_metas(None),
        data: io_rewards::instruction::RecordBurn { amount }.data(),
    };
    let ix = ionet_svm::world::forwarded(&ids::IO_HIRE, io_protocol::seeds::TREASURY, ix);
    let admin = w.admin.insecure_clone();
    w.send(&admin, &[], &[ix])
}

#[test]
fn the_burn_ledger_refuses_zero_and_burns_the_supply_does_not_show() {
    use io_rewards::errors::RewardsError;
    let rewards = |e: RewardsError| ANCHOR_ERROR_OFFSET + e as u32;
    let mut w = World::new();
    ionet_svm::world::assert_code(report_burn(&mut w, 0), rewards(RewardsError::ZeroBurn));
    // An authorized reporter claiming a burn that never happened.
    ionet_svm::world::assert_code(
        report_burn(&mut w, 1),
        rewards(RewardsError::BurnNotInSupply),
    );
    assert_eq!(rewards_config(&w).burned, 0);

    // A real burn by a holder, then reported: the ledger accepts what the supply shows.
    let ix = spl_token::instruction::burn(
        &spl_token::ID,
        &w.d.genesis_io,
        &w.d.io_mint,
        &w.admin.pubkey(),
        &[],
        3 * IO,
    )
    .unwrap();
    let admin = w.admin.insecure_clone();
    w.send(&admin, &[], &[ix]).unwrap();
    report_burn(&mut w, 3 * IO).unwrap();
    assert_eq!(rewards_config(&w).burned, 3 * IO);
    ionet_svm::world::assert_code(
        report_burn(&mut w, 1),
        rewards(RewardsError::BurnNotInSupply),
    );

    // Arithmetic that would wrap is an error (the ledger forced near u64::MAX).
    let mut config = rewards_config(&w);
    config.burned = u64::MAX;
    let mut account = w.svm.get_account(&w.d.rewards_config).unwrap();
    let mut data = vec![];
    anchor_lang::AccountSerialize::try_serialize(&config, &mut data).unwrap();
    account.data[..data.len()].copy_from_slice(&data);
    w.svm.set_account(w.d.rewards_config, account).unwrap();
    ionet_svm::world::assert_code(report_burn(&mut w, 1), rewards(RewardsError::Overflow));
}

#[test]
fn keeper_registration_needs_the_real_bonds_account_and_exit_needs_the_keeper_itself() {
    use io_rewards::errors::RewardsError;
    let mut w = World::new();
    let bond = GenesisParams::default().rewards.keeper_bond;
    let (keeper, source) = w.wallet(bond);
    let (other, other_io) = w.wallet(0);
    let mut ix = w.d.register_keeper(&keeper.pubkey(), &source, "http://k");
    ix.accounts[4].pubkey = other_io;
    ionet_svm::world::assert_code(
        w.send(&keeper, &[], &[ix]),
        ANCHOR_ERROR_OFFSET + RewardsError::WrongKeeperBonds as u32,
    );
    let ix = w.d.register_keeper(&keeper.pubkey(), &source, "http://k");
    w.send(&keeper, &[], &[ix]).unwrap();
    // Someone else cannot take the keeper's bond: the keeper PDA is the signer's.
    let mut ix = w.d.deregister_keeper(&other.pubkey(), &other_io);
    ix.accounts[2].pubkey = Deployment::keeper(&keeper.pubkey());
    ionet_svm::world::assert_code(
        w.send(&other, &[], &[ix]),
        anchor_lang::error::ErrorCode::ConstraintSeeds as u32,
    );
    assert_eq!(w.balance(&w.d.keeper_bonds), bond);
    assert_eq!(w.balance(&other_io), 0);
}

#[test]
fn a_keeper_endpoint_must_fit_and_the_burn_ledger_takes_only_the_io_mint() {
    use io_rewards::errors::RewardsError;
    let rewards = |e: RewardsError| ANCHOR_ERROR_OFFSET + e as u32;
    let mut w = World::new();
    let bond = GenesisParams::default().rewards.keeper_bond;
    let (keeper, source) = w.wallet(bond);
    for endpoint in [String::new(), "h".repeat(129)] {
        let ix = w.d.register_keeper(&keeper.pubkey(), &source, &endpoint);
        ionet_svm::world::assert_code(
            w.send(&keeper, &[], &[ix]),
            rewards(RewardsError::InvalidEndpoint),
        );
    }
    assert_eq!(w.balance(&source), bond);
    // A burn report naming IOSD, as io-hire's treasury PDA would sign it.
    let ix = Instruction {
        program_id: ids::IO_REWARDS,
        accounts: io_rewards::accounts::RecordBurn {
            reporter: w.d.treasury,
            config: w.d.rewards_config,
            io_mint: w.d.iosd_mint,
        }
        .to_account_metas(None),
        data: io_rewards::instruction::RecordBurn { amount: 1 }.data(),
    };
    let ix = ionet_svm::world::forwarded(&ids::IO_HIRE, io_protocol::seeds::TREASURY, ix);
    let admin = w.admin.insecure_clone();
    ionet_svm::world::assert_code(w.send(&admin, &[], &[ix]), rewards(RewardsError::WrongMint));
    assert_eq!(rewards_config(&w).burned, 0);
}
