//! ionet-svm: the ionet programs, compiled natively, running as builtins inside LiteSVM
//! beside the real SBF SPL Token and Associated Token Account programs.
//!
//! No Solana toolchain can be installed on the project's machines, so the programs are
//! not compiled to SBF here (docs/design.md §2). [`native`] bridges an Anchor entry point to
//! the runtime's invoke context and [`stubs`] routes the programs' syscalls (CPI, logs,
//! events, sysvars, return data) back into the same transaction. What this cannot show
//! is compute-unit use and SBF stack and heap limits.

pub mod deploy;
pub mod events;
pub mod hire;
pub mod native;
pub mod rewards;
pub mod staking;
pub mod stubs;
pub mod token;
pub mod world;

use litesvm::LiteSVM;
use solana_account::Account;
use solana_pubkey::Pubkey;

pub use io_protocol::ids;

native::native_program!(IoStakingProgram, io_staking::entry);
native::native_program!(IoHireProgram, io_hire::entry);
native::native_program!(IoRewardsProgram, io_rewards::entry);

/// A LiteSVM with SPL Token, ATA and the three ionet programs loaded.
pub fn ionet_svm() -> LiteSVM {
    let mut svm = LiteSVM::new();
    add_ionet_programs(&mut svm);
    svm
}

/// Registers the three ionet programs as builtins on an existing SVM.
pub fn add_ionet_programs(svm: &mut LiteSVM) {
    stubs::install();
    add_native_program(svm, ids::IO_STAKING, IoStakingProgram::vm);
    add_native_program(svm, ids::IO_HIRE, IoHireProgram::vm);
    add_native_program(svm, ids::IO_REWARDS, IoRewardsProgram::vm);
}

/// Registers a native builtin at `program_id`.
///
/// litesvm 0.7 leaves the program account owned by the BPF loader, so the runtime
/// would send the call to the BPF loader, which refuses it. Owning the account by the
/// native loader makes the runtime look the builtin up by the program's own id.
/// (`set_account` does not reload native-loader accounts, so the builtin stays.)
pub fn add_native_program(
    svm: &mut LiteSVM,
    program_id: Pubkey,
    entry: solana_program_runtime::invoke_context::BuiltinFunctionWithContext,
) {
    svm.add_builtin(program_id, entry);
    let account = Account {
        lamports: 1,
        data: vec![],
        owner: solana_sdk_ids::native_loader::id(),
        executable: true,
        rent_epoch: 0,
    };
    svm.set_account(program_id, account)
        .expect("a native-loader account is always accepted");
}
