//! Native code keeps running after a failed CPI, where the SBF runtime would have
//! stopped the program. These tests use a deliberately careless native program to
//! check that the harness applies the on-chain rule anyway: the instruction fails
//! with the callee's error, whatever the caller returns.

use anchor_lang::solana_program::account_info::AccountInfo;
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::solana_program::program::invoke;
use anchor_lang::solana_program::program_error::ProgramError;
use anchor_spl::token::spl_token;
use ionet_svm::{add_native_program, ionet_svm, token};
use litesvm::LiteSVM;
use solana_instruction::error::InstructionError;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

const IGNORE_ERROR: u8 = 0;
const OWN_ERROR: u8 = 1;
const CALL_AGAIN: u8 = 2;

/// Transfers `amount` SPL tokens from account 0 to account 1 (authority: account 2)
/// by CPI, then per `mode`: ignores the result and succeeds, replaces a failure with
/// its own error, or makes a second transfer of 1 and succeeds.
fn careless(_: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let mode = data[0];
    let amount = u64::from_le_bytes(data[1..9].try_into().expect("8 bytes"));
    let transfer = |amount| {
        let ix = spl_token::instruction::transfer(
            &spl_token::ID,
            accounts[0].key,
            accounts[1].key,
            accounts[2].key,
            &[],
            amount,
        )?;
        invoke(&ix, &accounts[..3])
    };
    let first = transfer(amount);
    match mode {
        IGNORE_ERROR => Ok(()),
        OWN_ERROR => first.map_err(|_| ProgramError::Custom(7)),
        _ => transfer(1),
    }
}

ionet_svm::native_program!(CarelessProgram, careless);

struct Setup {
    svm: LiteSVM,
    payer: Keypair,
    owner: Keypair,
    source: Pubkey,
    destination: Pubkey,
    program: Pubkey,
}

fn setup(balance: u64) -> Setup {
    let mut svm = ionet_svm();
    let program = Pubkey::new_unique();
    add_native_program(&mut svm, program, CarelessProgram::vm);
    let (payer, owner, mint) = (Keypair::new(), Keypair::new(), Keypair::new());
    svm.airdrop(&payer.pubkey(), 10_000_000_000).unwrap();
    token::create_mint(&mut svm, &payer, &mint, &payer.pubkey(), 0).unwrap();
    let (source, destination) = (Keypair::new(), Keypair::new());
    token::create_token_account(&mut svm, &payer, &source, &mint.pubkey(), &owner.pubkey())
        .unwrap();
    token::create_token_account(
        &mut svm,
        &payer,
        &destination,
        &mint.pubkey(),
        &owner.pubkey(),
    )
    .unwrap();
    token::mint_to(
        &mut svm,
        &payer,
        &mint.pubkey(),
        &payer,
        &source.pubkey(),
        balance,
    )
    .unwrap();
    Setup {
        svm,
        payer,
        owner,
        source: source.pubkey(),
        destination: destination.pubkey(),
        program,
    }
}

impl Setup {
    fn run(&mut self, mode: u8, amount: u64, owner_signs: bool) -> Result<(), TransactionError> {
        let mut data = vec![mode];
        data.extend_from_slice(&amount.to_le_bytes());
        let ix = Instruction {
            program_id: self.program,
            accounts: vec![
                AccountMeta::new(self.source, false),
                AccountMeta::new(self.destination, false),
                AccountMeta::new_readonly(self.owner.pubkey(), owner_signs),
                AccountMeta::new_readonly(spl_token::ID, false),
            ],
            data,
        };
        let signers: Vec<&Keypair> = if owner_signs {
            vec![&self.owner]
        } else {
            vec![]
        };
        token::send(&mut self.svm, &self.payer, &signers, &[ix])
            .map(|_| ())
            .map_err(|e| e.err)
    }

    fn balances(&self) -> (Option<u64>, Option<u64>) {
        (
            token::balance(&self.svm, &self.source),
            token::balance(&self.svm, &self.destination),
        )
    }
}

const INSUFFICIENT_FUNDS: TransactionError =
    TransactionError::InstructionError(0, InstructionError::Custom(1));

#[test]
fn a_successful_cpi_moves_the_tokens() {
    let mut s = setup(5);
    s.run(IGNORE_ERROR, 3, true).unwrap();
    assert_eq!(s.balances(), (Some(2), Some(3)));
}

#[test]
fn an_ignored_cpi_failure_still_fails_the_instruction() {
    let mut s = setup(5);
    assert_eq!(s.run(IGNORE_ERROR, 10, true), Err(INSUFFICIENT_FUNDS));
    assert_eq!(s.balances(), (Some(5), Some(0)));
}

#[test]
fn the_callees_error_wins_over_the_callers() {
    let mut s = setup(5);
    assert_eq!(s.run(OWN_ERROR, 10, true), Err(INSUFFICIENT_FUNDS));
}

#[test]
fn nothing_runs_after_a_failed_cpi() {
    let mut s = setup(5);
    assert_eq!(s.run(CALL_AGAIN, 10, true), Err(INSUFFICIENT_FUNDS));
    assert_eq!(s.balances(), (Some(5), Some(0)));
}

#[test]
fn a_runtime_error_with_no_program_error_form_comes_back_unchanged() {
    // The owner did not sign the transaction, so signing for it in the CPI escalates.
    let mut s = setup(5);
    assert_eq!(
        s.run(IGNORE_ERROR, 1, false),
        Err(TransactionError::InstructionError(
            0,
            InstructionError::PrivilegeEscalation
        ))
    );
    assert_eq!(s.balances(), (Some(5), Some(0)));
    // The failure did not linger on the thread: the next transaction runs normally.
    s.run(IGNORE_ERROR, 1, true).unwrap();
    assert_eq!(s.balances(), (Some(4), Some(1)));
}
