//! `msg!` and `sol_log`, as in solana-msg 2.2.1, plus an off-chain hook.
//!
//! On SBF nothing changes. Off-chain, upstream prints to stdout; here the message goes
//! to the function installed with [`set_off_chain_logger`] (the native-SVM harness
//! forwards it to the running instruction's log collector), or to stdout when none is.

#[macro_export]
macro_rules! msg {
    ($msg:expr) => {
        $crate::sol_log($msg)
    };
    ($($arg:tt)*) => ($crate::sol_log(&format!($($arg)*)));
}

#[cfg(target_os = "solana")]
pub mod syscalls;

#[cfg(not(target_os = "solana"))]
static OFF_CHAIN_LOGGER: std::sync::OnceLock<fn(&str)> = std::sync::OnceLock::new();

/// Installs the off-chain logger once per process; later calls are ignored and
/// return false.
#[cfg(not(target_os = "solana"))]
pub fn set_off_chain_logger(logger: fn(&str)) -> bool {
    OFF_CHAIN_LOGGER.set(logger).is_ok()
}

#[inline]
pub fn sol_log(message: &str) {
    #[cfg(target_os = "solana")]
    unsafe {
        syscalls::sol_log_(message.as_ptr(), message.len() as u64);
    }

    #[cfg(not(target_os = "solana"))]
    match OFF_CHAIN_LOGGER.get() {
        Some(logger) => logger(message),
        None => println!("{message}"),
    }
}
