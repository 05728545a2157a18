//! SPL Token set-up through real transactions against the SBF token program: mints,
//! token accounts and minting, for tests and for the localnet's genesis.

use anchor_spl::token::spl_token;
use anchor_spl::token::spl_token::solana_program::program_pack::Pack;
use litesvm::types::{FailedTransactionMetadata, TransactionMetadata};
use litesvm::LiteSVM;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_system_interface::instruction as system_instruction;
use solana_transaction::Transaction;

/// Signs `instructions` with `payer` (first) and `signers` and sends them.
pub fn send(
    svm: &mut LiteSVM,
    payer: &Keypair,
    signers: &[&Keypair],
    instructions: &[Instruction],
) -> Result<TransactionMetadata, Box<FailedTransactionMetadata>> {
    let mut all: Vec<&Keypair> = vec![payer];
    all.extend_from_slice(signers);
    let tx = Transaction::new_signed_with_payer(
        instructions,
        Some(&payer.pubkey()),
        &all,
        svm.latest_blockhash(),
    );
    let result = svm.send_transaction(tx).map_err(Box::new);
    // A fresh blockhash per transaction, so identical transactions stay distinct.
    svm.expire_blockhash();
    result
}

/// Creates a mint with `authority` as mint authority and no freeze authority.
pub fn create_mint(
    svm: &mut LiteSVM,
    payer: &Keypair,
    mint: &Keypair,
    authority: &Pubkey,
    decimals: u8,
) -> Result<TransactionMetadata, Box<FailedTransactionMetadata>> {
    let space = spl_token::state::Mint::LEN;
    let instructions = [
        system_instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            svm.minimum_balance_for_rent_exemption(space),
            space as u64,
            &spl_token::ID,
        ),
        spl_token::instruction::initialize_mint2(
            &spl_token::ID,
            &mint.pubkey(),
            authority,
            None,
            decimals,
        )
        .expect("valid mint instruction"),
    ];
    send(svm, payer, &[mint], &instructions)
}

/// Creates a token account (a fresh keypair account) for `mint` owned by `owner`.
pub fn create_token_account(
    svm: &mut LiteSVM,
    payer: &Keypair,
    account: &Keypair,
    mint: &Pubkey,
    owner: &Pubkey,
) -> Result<TransactionMetadata, Box<FailedTransactionMetadata>> {
    let space = spl_token::state::Account::LEN;
    let instructions = [
        system_instruction::create_account(
            &payer.pubkey(),
            &account.pubkey(),
            svm.minimum_balance_for_rent_exemption(space),
            space as u64,
            &spl_token::ID,
        ),
        spl_token::instruction::initialize_account3(&spl_token::ID, &account.pubkey(), mint, owner)
            .expect("valid account instruction"),
    ];
    send(svm, payer, &[account], &instructions)
}

pub fn mint_to(
    svm: &mut LiteSVM,
    payer: &Keypair,
    mint: &Pubkey,
    authority: &Keypair,
    destination: &Pubkey,
    amount: u64,
) -> Result<TransactionMetadata, Box<FailedTransactionMetadata>> {
    let ix = spl_token::instruction::mint_to(
        &spl_token::ID,
        mint,
        destination,
        &authority.pubkey(),
        &[],
        amount,
    )
    .expect("valid mint_to instruction");
    send(svm, payer, &[authority], &[ix])
}

/// The balance of a token account, or `None` when it does not exist or is not one.
pub fn balance(svm: &LiteSVM, account: &Pubkey) -> Option<u64> {
    let data = svm.get_account(account)?.data;
    spl_token::state::Account::unpack(&data)
        .ok()
        .map(|a| a.amount)
}

/// The supply of a mint, or `None` when it does not exist or is not one.
pub fn supply(svm: &LiteSVM, mint: &Pubkey) -> Option<u64> {
    let data = svm.get_account(mint)?.data;
    spl_token::state::Mint::unpack(&data).ok().map(|m| m.supply)
}
