//! Running a natively compiled program inside the runtime's invoke context.
//!
//! The builtin serializes the instruction's accounts exactly as the BPF loader does,
//! hands the program `AccountInfo`s over that buffer, and after the program returns
//! deserializes the buffer back with the loader's own routine, so realloc limits,
//! duplicate accounts and ownership rules are the runtime's, not ours.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use solana_account_info::AccountInfo;
use solana_instruction::error::InstructionError;
use solana_program_error::ProgramResult;
use solana_program_runtime::invoke_context::InvokeContext;
use solana_program_runtime::serialization::{deserialize_parameters, serialize_parameters};
use solana_pubkey::Pubkey;

/// An Anchor program's `entry`, with its lifetimes left free so that it can be called
/// on `AccountInfo`s borrowed from a local buffer.
pub type ProgramEntry = for<'info> fn(&Pubkey, &'info [AccountInfo<'info>], &[u8]) -> ProgramResult;

thread_local! {
    /// Why the running instruction must abort, whatever the program returns: a failed
    /// CPI or a syscall the SBF runtime would have refused. On chain these end the
    /// program at once; native code carries on, so the error is kept here.
    static ABORT: std::cell::RefCell<Option<InstructionError>> = const { std::cell::RefCell::new(None) };
    /// The invoke context of the native instruction now running on this thread, for
    /// the syscall stubs. Set for the duration of one instruction, restored after.
    static CURRENT: Cell<Option<*mut InvokeContext<'static>>> = const { Cell::new(None) };
}

/// Runs `f` with the invoke context of the native instruction now executing, or
/// returns `None` outside of one (a program's code called from a plain unit test).
pub(crate) fn with_invoke_context<R>(f: impl FnOnce(&mut InvokeContext) -> R) -> Option<R> {
    let ptr = CURRENT.with(|c| c.get())?;
    // SAFETY: the pointer is set by `invoke_native` from a live `&mut InvokeContext`
    // and cleared before that borrow ends; the runtime is single-threaded per
    // transaction and the stubs run synchronously inside the program's call.
    Some(f(unsafe { &mut *ptr }))
}

/// Marks the running native instruction as aborted with `err` (the first one counts).
/// Outside an instruction there is nothing to abort.
pub(crate) fn abort(err: InstructionError) {
    if CURRENT.with(|c| c.get()).is_some() {
        ABORT.with(|f| {
            f.borrow_mut().get_or_insert(err);
        });
    }
}

/// The error the running instruction is aborted with, if any.
pub(crate) fn aborted() -> Option<InstructionError> {
    ABORT.with(|f| f.borrow().clone())
}

/// The invoke context and abort state of one native instruction; a nested native
/// instruction (reached by CPI) gets its own, and the caller's come back after it.
struct InstructionGuard {
    outer_context: Option<*mut InvokeContext<'static>>,
    outer_abort: Option<InstructionError>,
}

impl InstructionGuard {
    fn enter(ic: &mut InvokeContext) -> Self {
        let ptr: *mut InvokeContext<'static> = std::ptr::from_mut(ic).cast();
        InstructionGuard {
            outer_context: CURRENT.with(|c| c.replace(Some(ptr))),
            outer_abort: ABORT.with(|f| f.borrow_mut().take()),
        }
    }

    /// Takes this instruction's abort error.
    fn take_abort(&self) -> Option<InstructionError> {
        ABORT.with(|f| f.borrow_mut().take())
    }
}

impl Drop for InstructionGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.outer_context));
        ABORT.with(|f| *f.borrow_mut() = self.outer_abort.take());
    }
}

/// Declares a builtin named `$name` (use `$name::vm`) that runs `$entry` natively.
#[macro_export]
macro_rules! native_program {
    ($name:ident, $entry:path) => {
        solana_program_runtime::declare_process_instruction!($name, 1, |invoke_context| {
            $crate::native::invoke_native($entry, invoke_context)
        });
    };
}
pub use native_program;

/// The body of every native builtin.
pub fn invoke_native(entry: ProgramEntry, ic: &mut InvokeContext) -> Result<(), InstructionError> {
    let guard = InstructionGuard::enter(ic);

    let (mut buffer, _regions, accounts_metadata) = {
        let tc = &ic.transaction_context;
        let instruction = tc.get_current_instruction_context()?;
        let mask_rent_epoch = ic.get_feature_set().mask_out_rent_epoch_in_vm_serialization;
        // Always copy account data: there is no VM memory to map it into.
        serialize_parameters(tc, instruction, true, mask_rent_epoch)?
    };

    let result = {
        // SAFETY: `buffer` was just laid out by `serialize_parameters` in the format
        // `deserialize` reads, and outlives every `AccountInfo` built over it.
        let (program_id, account_infos, data) =
            unsafe { solana_program_entrypoint::deserialize(buffer.as_slice_mut().as_mut_ptr()) };
        catch_unwind(AssertUnwindSafe(|| entry(program_id, &account_infos, data)))
    };

    // A failed CPI aborts the instruction with the callee's error, as on chain, even if
    // the program went on and returned something else.
    if let Some(err) = guard.take_abort() {
        return Err(err);
    }
    match result {
        Ok(Ok(())) => {}
        Ok(Err(program_error)) => return Err(InstructionError::from(u64::from(program_error))),
        Err(_panic) => return Err(InstructionError::ProgramFailedToComplete),
    }

    // CPIs made during the call have been synced into the buffer by the stubs, so the
    // buffer now holds the final state of every account the program saw.
    let tc = &ic.transaction_context;
    let instruction = tc.get_current_instruction_context()?;
    deserialize_parameters(tc, instruction, true, buffer.as_slice(), &accounts_metadata)
}
