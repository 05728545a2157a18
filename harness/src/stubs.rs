//! Syscall stubs: what a native program calls instead of SBF syscalls, sent back into
//! the invoke context of the running instruction (see [`crate::native`]).

use std::sync::Once;

use solana_account_info::AccountInfo;
use solana_instruction::error::{InstructionError, UNSUPPORTED_SYSVAR};
use solana_instruction::Instruction;
use solana_log_collector::ic_msg;
use solana_program_entrypoint::SUCCESS;
use solana_program_error::{ProgramError, ProgramResult};
use solana_program_runtime::invoke_context::InvokeContext;
use solana_program_runtime::solana_sbpf::vm::ContextObject;
use solana_program_runtime::stable_log;
use solana_pubkey::Pubkey;
use solana_stable_layout::stable_instruction::StableInstruction;
use solana_sysvar::program_stubs::{set_syscall_stubs, SyscallStubs};
use solana_timings::ExecuteTimings;

use crate::native::{abort, aborted, with_invoke_context};

static INSTALL: Once = Once::new();

/// What a refused syscall becomes on chain: the VM stops the program.
const SYSCALL_ERROR: InstructionError = InstructionError::ProgramFailedToComplete;
// The SBF runtime's limits (solana-program 2.3, Agave 2.3 `syscalls/cpi.rs`).
const MAX_RETURN_DATA: usize = 1024;
const MAX_SIGNERS: usize = 16;
const MAX_CPI_INSTRUCTION_DATA_LEN: usize = 10 * 1024;
const MAX_CPI_INSTRUCTION_ACCOUNTS: usize = u8::MAX as usize;
const MAX_CPI_ACCOUNT_INFOS: usize = 128;

/// Installs the stubs and the `msg!` hook once per process.
pub fn install() {
    INSTALL.call_once(|| {
        set_syscall_stubs(Box::new(NativeStubs));
        solana_msg::set_off_chain_logger(log_message);
    });
}

fn log_message(message: &str) {
    if with_invoke_context(|ic| {
        ic_msg!(ic, "Program log: {}", message);
    })
    .is_none()
    {
        println!("{message}");
    }
}

struct NativeStubs;

impl SyscallStubs for NativeStubs {
    fn sol_log(&self, message: &str) {
        log_message(message);
    }

    fn sol_log_data(&self, fields: &[&[u8]]) {
        with_invoke_context(|ic| stable_log::program_data(&ic.get_log_collector(), fields));
    }

    fn sol_log_compute_units(&self) {
        with_invoke_context(|ic| {
            let remaining = ic.get_remaining();
            ic_msg!(ic, "Program consumption: {} units remaining", remaining);
        });
    }

    fn sol_remaining_compute_units(&self) -> u64 {
        with_invoke_context(|ic| ic.get_remaining()).unwrap_or(0)
    }

    fn sol_invoke_signed(
        &self,
        instruction: &Instruction,
        account_infos: &[AccountInfo],
        signers_seeds: &[&[&[u8]]],
    ) -> ProgramResult {
        if let Some(err) = aborted() {
            // On chain the caller would already have been stopped.
            return Err(ProgramError::try_from(err).unwrap_or(ProgramError::InvalidArgument));
        }
        let result =
            with_invoke_context(|ic| invoke_signed(ic, instruction, account_infos, signers_seeds))
                .unwrap_or(Err(InstructionError::UnsupportedProgramId));
        result.map_err(|err| {
            // On chain a failed CPI ends the transaction with the callee's error, whatever
            // the caller does next; `invoke_native` applies that rule.
            abort(err.clone());
            ProgramError::try_from(err).unwrap_or(ProgramError::InvalidArgument)
        })
    }

    fn sol_get_clock_sysvar(&self, var_addr: *mut u8) -> u64 {
        copy_sysvar(var_addr, |ic| ic.get_sysvar_cache().get_clock())
    }

    fn sol_get_rent_sysvar(&self, var_addr: *mut u8) -> u64 {
        copy_sysvar(var_addr, |ic| ic.get_sysvar_cache().get_rent())
    }

    fn sol_get_epoch_schedule_sysvar(&self, var_addr: *mut u8) -> u64 {
        copy_sysvar(var_addr, |ic| ic.get_sysvar_cache().get_epoch_schedule())
    }

    fn sol_get_epoch_rewards_sysvar(&self, var_addr: *mut u8) -> u64 {
        copy_sysvar(var_addr, |ic| ic.get_sysvar_cache().get_epoch_rewards())
    }

    fn sol_get_last_restart_slot(&self, var_addr: *mut u8) -> u64 {
        copy_sysvar(var_addr, |ic| ic.get_sysvar_cache().get_last_restart_slot())
    }

    fn sol_get_return_data(&self) -> Option<(Pubkey, Vec<u8>)> {
        // As the syscall: no data is `None`, not an empty slice.
        with_invoke_context(|ic| {
            let (program_id, data) = ic.transaction_context.get_return_data();
            (!data.is_empty()).then(|| (*program_id, data.to_vec()))
        })
        .flatten()
    }

    fn sol_set_return_data(&self, data: &[u8]) {
        with_invoke_context(|ic| {
            let tc = &mut ic.transaction_context;
            let caller = tc
                .get_current_instruction_context()
                .and_then(|i| i.get_last_program_key(tc).copied());
            // Too much data aborts the program, as the syscall does.
            if data.len() > MAX_RETURN_DATA {
                abort(SYSCALL_ERROR);
            } else if let Err(err) =
                caller.and_then(|caller| tc.set_return_data(caller, data.to_vec()))
            {
                abort(err);
            }
        });
    }

    fn sol_get_stack_height(&self) -> u64 {
        with_invoke_context(|ic| ic.get_stack_height() as u64).unwrap_or(0)
    }
}

/// Writes a sysvar from the sysvar cache to `var_addr`, as the SBF syscall does.
fn copy_sysvar<T: Clone>(
    var_addr: *mut u8,
    get: impl FnOnce(&InvokeContext) -> Result<std::sync::Arc<T>, InstructionError>,
) -> u64 {
    with_invoke_context(|ic| match get(ic) {
        Ok(value) => {
            // SAFETY: the caller (the sysvar's `get`) passes a valid, aligned `T`.
            unsafe { std::ptr::write(var_addr as *mut T, T::clone(&value)) };
            SUCCESS
        }
        Err(_) => UNSUPPORTED_SYSVAR,
    })
    .unwrap_or(UNSUPPORTED_SYSVAR)
}

/// The checks the CPI syscall makes before anything runs: sizes, signer count, and no
/// calls into the loaders or precompiles. (The upgradeable loader's few callable
/// instructions are refused too; our programs make none.)
fn check_cpi(
    ic: &InvokeContext,
    instruction: &Instruction,
    account_infos: usize,
    signers: usize,
) -> Result<(), InstructionError> {
    let program = &instruction.program_id;
    let loader = solana_sdk_ids::native_loader::check_id(program)
        || solana_sdk_ids::bpf_loader::check_id(program)
        || solana_sdk_ids::bpf_loader_deprecated::check_id(program)
        || solana_sdk_ids::bpf_loader_upgradeable::check_id(program);
    if loader
        || ic.is_precompile(program)
        || instruction.data.len() > MAX_CPI_INSTRUCTION_DATA_LEN
        || instruction.accounts.len() > MAX_CPI_INSTRUCTION_ACCOUNTS
        || account_infos > MAX_CPI_ACCOUNT_INFOS
        || signers > MAX_SIGNERS
    {
        return Err(SYSCALL_ERROR);
    }
    Ok(())
}

/// A cross-program invocation from native code, following the runtime's CPI rules:
/// signer seeds are checked against the caller, privileges may not escalate, every
/// account must be passed, and state moves both ways around the call.
fn invoke_signed(
    ic: &mut InvokeContext,
    instruction: &Instruction,
    account_infos: &[AccountInfo],
    signers_seeds: &[&[&[u8]]],
) -> Result<(), InstructionError> {
    let caller = {
        let tc = &ic.transaction_context;
        *tc.get_current_instruction_context()
            .and_then(|i| i.get_last_program_key(tc))?
    };
    check_cpi(ic, instruction, account_infos.len(), signers_seeds.len())?;
    let signers = signers_seeds
        .iter()
        .map(|seeds| Pubkey::create_program_address(seeds, &caller))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| SYSCALL_ERROR)?;

    let instruction = StableInstruction::from(instruction.clone());
    let (instruction_accounts, program_indices) = ic.prepare_instruction(&instruction, &signers)?;

    // The caller's view of each account goes into the transaction first.
    let mut writable = Vec::new();
    {
        let tc = &ic.transaction_context;
        let caller_ctx = tc.get_current_instruction_context()?;
        for ia in &instruction_accounts {
            let mut account = caller_ctx.try_borrow_instruction_account(tc, ia.index_in_caller)?;
            // Programs and other executables are known to the runtime; the caller need
            // not pass them and cannot change them.
            #[allow(deprecated)]
            if account.is_executable() {
                continue;
            }
            let key = tc.get_key_of_account_at_index(ia.index_in_transaction)?;
            let info_index = account_infos
                .iter()
                .position(|info| info.key == key)
                .ok_or(InstructionError::MissingAccount)?;
            let info = &account_infos[info_index];
            if account.get_lamports() != info.lamports() {
                account.set_lamports(info.lamports())?;
            }
            let data = info
                .try_borrow_data()
                .map_err(|_| InstructionError::AccountBorrowFailed)?;
            if account.get_data() != *data {
                account.set_data_from_slice(&data)?;
            }
            if account.get_owner() != info.owner {
                account.set_owner(info.owner.as_ref())?;
            }
            if ia.is_writable {
                writable.push((ia.index_in_caller, info_index));
            }
        }
    }

    let mut units = 0;
    ic.process_instruction(
        &instruction.data,
        &instruction_accounts,
        &program_indices,
        &mut units,
        &mut ExecuteTimings::default(),
    )?;

    // Then the callee's changes come back into the caller's AccountInfos.
    let tc = &ic.transaction_context;
    let caller_ctx = tc.get_current_instruction_context()?;
    for (index_in_caller, info_index) in writable {
        let account = caller_ctx.try_borrow_instruction_account(tc, index_in_caller)?;
        let info = &account_infos[info_index];
        **info
            .try_borrow_mut_lamports()
            .map_err(|_| InstructionError::AccountBorrowFailed)? = account.get_lamports();
        if info.owner != account.get_owner() {
            // The owner lives in the serialized parameter buffer, as on chain.
            info.assign(account.get_owner());
        }
        let new_data = account.get_data();
        if info.data_len() != new_data.len() {
            info.resize(new_data.len())
                .map_err(|_| InstructionError::InvalidRealloc)?;
        }
        info.try_borrow_mut_data()
            .map_err(|_| InstructionError::AccountBorrowFailed)?
            .copy_from_slice(new_data);
    }
    Ok(())
}
