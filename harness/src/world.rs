//! A deployed network in one LiteSVM, with funded wallets and the stand-ins that let
//! tests call io-staking's CPI-only instructions as io-rewards or io-hire would.
//!
//! io-rewards and io-hire are registered wrapped by [`pda_forwarder`]: an instruction
//! whose data starts with [`FORWARD_TAG`] is re-sent by CPI to another program, signed
//! by one of the caller program's PDAs; anything else goes to the real program. This
//! is how the staking tests reach `slash`, `set_attested_capacity` and
//! `deposit_delegator_rewards` before io-hire's failure verdicts and io-rewards' claims
//! call them for real; the refusals of every other caller are tested the same way.

use anchor_lang::solana_program::account_info::AccountInfo;
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;
use anchor_lang::solana_program::program_error::ProgramError;
use anchor_lang::AccountDeserialize;
use anchor_spl::token::spl_token;
use litesvm::types::{FailedTransactionMetadata, TransactionMetadata};
use litesvm::LiteSVM;
use solana_instruction::error::InstructionError;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::deploy::{deploy, Deployment, GenesisParams};
use crate::{add_native_program, ids, ionet_svm, token};

/// Marks an instruction for the forwarder (no Anchor discriminator starts with it).
pub const FORWARD_TAG: &[u8; 8] = b"FORWARD!";

/// `FORWARD_TAG ‖ seed_len ‖ seed ‖ inner data`; accounts: the target program, then the
/// inner instruction's accounts. The PDA `[seed]` of the running program signs.
pub fn pda_forwarder(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let rest = data
        .strip_prefix(FORWARD_TAG.as_slice())
        .ok_or(ProgramError::InvalidInstructionData)?;
    let (&len, rest) = rest
        .split_first()
        .ok_or(ProgramError::InvalidInstructionData)?;
    let (seed, inner) = rest.split_at(usize::from(len));
    let (pda, bump) = Pubkey::find_program_address(&[seed], program_id);
    let (target, metas) = accounts
        .split_first()
        .ok_or(ProgramError::NotEnoughAccountKeys)?;
    let ix = Instruction {
        program_id: *target.key,
        accounts: metas
            .iter()
            .map(|a| AccountMeta {
                pubkey: *a.key,
                is_signer: a.is_signer || *a.key == pda,
                is_writable: a.is_writable,
            })
            .collect(),
        data: inner.to_vec(),
    };
    invoke_signed(&ix, accounts, &[&[seed, &[bump]]])
}

fn rewards_or_forward<'info>(
    program_id: &Pubkey,
    accounts: &'info [AccountInfo<'info>],
    data: &[u8],
) -> ProgramResult {
    if data.starts_with(FORWARD_TAG) {
        pda_forwarder(program_id, accounts, data)
    } else {
        io_rewards::entry(program_id, accounts, data)
    }
}

fn hire_or_forward<'info>(
    program_id: &Pubkey,
    accounts: &'info [AccountInfo<'info>],
    data: &[u8],
) -> ProgramResult {
    if data.starts_with(FORWARD_TAG) {
        pda_forwarder(program_id, accounts, data)
    } else {
        io_hire::entry(program_id, accounts, data)
    }
}

crate::native::native_program!(RewardsWithForwarder, rewards_or_forward);
crate::native::native_program!(HireWithForwarder, hire_or_forward);
crate::native::native_program!(Forwarder, pda_forwarder);

/// Wraps `inner` so that `program` sends it by CPI, signed by its PDA `[seed]`.
pub fn forwarded(program: &Pubkey, seed: &[u8], inner: Instruction) -> Instruction {
    let mut data = FORWARD_TAG.to_vec();
    data.push(u8::try_from(seed.len()).expect("a short seed"));
    data.extend_from_slice(seed);
    data.extend_from_slice(&inner.data);
    let mut accounts = vec![AccountMeta::new_readonly(inner.program_id, false)];
    let pda = Pubkey::find_program_address(&[seed], program).0;
    accounts.extend(inner.accounts.into_iter().map(|mut m| {
        if m.pubkey == pda {
            m.is_signer = false; // the forwarder signs for it
        }
        m
    }));
    Instruction {
        program_id: *program,
        accounts,
        data,
    }
}

/// Registers a bare forwarder at `program` (an impostor of io-hire or io-rewards).
pub fn add_forwarder(svm: &mut LiteSVM, program: Pubkey) {
    add_native_program(svm, program, Forwarder::vm);
}

/// A registered node and the keys around it.
pub struct TestNode {
    pub operator: Keypair,
    /// The operator's $IO account.
    pub operator_io: Pubkey,
    pub worker: Keypair,
    pub node: Pubkey,
}

/// An H100-like listing with `gpus` cards.
pub fn listing(gpus: u16) -> io_staking::instructions::RegisterNodeArgs {
    io_staking::instructions::RegisterNodeArgs {
        spec: io_staking::state::NodeSpec {
            gpu_class: 1,
            gpu_count: gpus,
            vram_mib_per_gpu: 81_920,
            vcpus: 96,
            ram_gib: 1_024,
            bandwidth_mbps: 10_000,
            location: *b"US",
            compliance: 0,
            nvlink: true,
        },
        ask_micro_usd: 2_000_000,
        endpoint: "http://10.0.0.7:7070".into(),
    }
}

pub type TxResult = Result<TransactionMetadata, Box<FailedTransactionMetadata>>;

/// A deployed network.
pub struct World {
    pub svm: LiteSVM,
    pub admin: Keypair,
    /// IOSD's mint authority.
    pub iosd_authority: Keypair,
    pub d: Deployment,
    pub params: GenesisParams,
}

impl World {
    pub fn new() -> Self {
        Self::with_params(GenesisParams::default())
    }

    pub fn with_params(params: GenesisParams) -> Self {
        let mut svm = ionet_svm();
        add_native_program(&mut svm, ids::IO_REWARDS, RewardsWithForwarder::vm);
        add_native_program(&mut svm, ids::IO_HIRE, HireWithForwarder::vm);
        let admin = Keypair::new();
        let iosd_authority = Keypair::new();
        svm.airdrop(&admin.pubkey(), 1_000_000_000_000).unwrap();
        let d = deploy(
            &mut svm,
            &admin,
            &iosd_authority,
            &Keypair::new(),
            &Keypair::new(),
            &params,
        )
        .unwrap_or_else(|e| panic!("deploy failed: {:?}\n{}", e.err, e.meta.logs.join("\n")));
        World {
            svm,
            admin,
            iosd_authority,
            d,
            params,
        }
    }

    /// A keypair with 10 SOL.
    pub fn funded(&mut self) -> Keypair {
        let k = Keypair::new();
        self.svm.airdrop(&k.pubkey(), 10_000_000_000).unwrap();
        k
    }

    /// A new token account of `mint` owned by `owner`.
    pub fn token_account(&mut self, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        let account = Keypair::new();
        token::create_token_account(&mut self.svm, &self.admin, &account, mint, owner).unwrap();
        account.pubkey()
    }

    /// Moves `amount` $IO from the genesis holder to `to`.
    pub fn give_io(&mut self, to: &Pubkey, amount: u64) {
        let ix = spl_token::instruction::transfer(
            &spl_token::ID,
            &self.d.genesis_io,
            to,
            &self.admin.pubkey(),
            &[],
            amount,
        )
        .unwrap();
        self.send(&self.admin.insecure_clone(), &[], &[ix]).unwrap();
    }

    /// Mints `amount` IOSD to `to`.
    pub fn give_iosd(&mut self, to: &Pubkey, amount: u64) {
        let authority = self.iosd_authority.insecure_clone();
        token::mint_to(
            &mut self.svm,
            &self.admin,
            &self.d.iosd_mint,
            &authority,
            to,
            amount,
        )
        .unwrap();
    }

    /// A funded wallet and its $IO account holding `io` base units.
    pub fn wallet(&mut self, io: u64) -> (Keypair, Pubkey) {
        let owner = self.funded();
        let account = self.token_account(&self.d.io_mint.clone(), &owner.pubkey());
        if io > 0 {
            self.give_io(&account, io);
        }
        (owner, account)
    }

    /// Registers a node of `gpus` cards whose operator holds `operator_io` $IO.
    pub fn register_node(&mut self, gpus: u16, operator_io: u64) -> TestNode {
        let (operator, io) = self.wallet(operator_io);
        let worker = Keypair::new();
        let ix = self
            .d
            .register_node(&operator.pubkey(), &worker.pubkey(), listing(gpus));
        self.send(&operator, &[&worker], &[ix]).unwrap();
        TestNode {
            node: crate::staking::node(&worker.pubkey()),
            operator,
            operator_io: io,
            worker,
        }
    }

    /// The operator stakes `amount` on its node.
    pub fn stake(&mut self, n: &TestNode, amount: u64) {
        let ix = self
            .d
            .stake(&n.operator.pubkey(), &n.node, &n.operator_io, amount);
        self.send(&n.operator, &[], &[ix]).unwrap();
    }

    /// A new wallet that delegates `amount` $IO to `node`.
    pub fn delegator(&mut self, node: &Pubkey, amount: u64) -> (Keypair, Pubkey) {
        let (owner, io) = self.wallet(amount);
        let ix = self.d.delegate(&owner.pubkey(), node, &io, amount);
        self.send(&owner, &[], &[ix]).unwrap();
        (owner, io)
    }

    /// Sets the clock to `unix_timestamp` (and moves to a later slot).
    pub fn set_time(&mut self, unix_timestamp: i64) {
        let mut clock: solana_clock::Clock = self.svm.get_sysvar();
        clock.unix_timestamp = unix_timestamp;
        clock.slot += 1;
        self.svm.set_sysvar(&clock);
    }

    pub fn now(&self) -> i64 {
        self.svm.get_sysvar::<solana_clock::Clock>().unix_timestamp
    }

    pub fn send(&mut self, payer: &Keypair, signers: &[&Keypair], ixs: &[Instruction]) -> TxResult {
        token::send(&mut self.svm, payer, signers, ixs)
    }

    /// Reads an Anchor account.
    pub fn account<T: AccountDeserialize>(&self, address: &Pubkey) -> T {
        let acc = self
            .svm
            .get_account(address)
            .unwrap_or_else(|| panic!("no account at {address}"));
        T::try_deserialize(&mut &acc.data[..]).expect("an account of that type")
    }

    pub fn exists(&self, address: &Pubkey) -> bool {
        self.svm
            .get_account(address)
            .is_some_and(|a| a.lamports > 0)
    }

    pub fn balance(&self, token_account: &Pubkey) -> u64 {
        token::balance(&self.svm, token_account).unwrap_or(0)
    }

    /// Moves the clock forward by `seconds`.
    pub fn warp(&mut self, seconds: i64) {
        let mut clock: solana_clock::Clock = self.svm.get_sysvar();
        clock.unix_timestamp += seconds;
        clock.slot += 1;
        self.svm.set_sysvar(&clock);
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

/// Anchor's custom error codes start here.
pub const ANCHOR_ERROR_OFFSET: u32 = 6000;

/// The `(instruction index, custom code)` of a failed transaction, if it failed that way.
pub fn custom_error(err: &TransactionError) -> Option<(u8, u32)> {
    match err {
        TransactionError::InstructionError(i, InstructionError::Custom(code)) => Some((*i, *code)),
        _ => None,
    }
}

/// Asserts that `result` failed with custom `code` (in any instruction).
#[track_caller]
pub fn assert_code(result: TxResult, code: u32) -> Box<FailedTransactionMetadata> {
    let err = match result {
        Ok(meta) => panic!(
            "expected error {code}, got success:\n{}",
            meta.logs.join("\n")
        ),
        Err(e) => e,
    };
    assert_eq!(
        custom_error(&err.err).map(|(_, c)| c),
        Some(code),
        "{:?}\n{}",
        err.err,
        err.meta.logs.join("\n")
    );
    err
}
