use anchor_lang::prelude::*;

#[error_code]
pub enum HireError {
    #[msg("a payment fee may be at most 1000 basis points (10%)")]
    FeeTooHigh,
    #[msg("price age limit must be at least one epoch")]
    InvalidPriceAge,
    #[msg("unmatched-order timeout must be positive")]
    InvalidUnmatchedTimeout,
    #[msg("burn amount must be positive")]
    ZeroBurn,
    #[msg("only io-hire's admin may do this")]
    NotAdmin,
    #[msg("that is not the $IO mint of this deployment")]
    WrongMint,
    #[msg("that is not io-hire's $IO fee treasury")]
    WrongTreasury,
    #[msg("only the program's upgrade authority (the deployer) may initialize it")]
    NotDeployer,
    #[msg("the mints differ from io-rewards' and io-staking's")]
    MintMismatch,
}
