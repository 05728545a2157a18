use anchor_lang::prelude::*;

#[error_code]
pub enum RewardsError {
    #[msg("epoch length must be positive")]
    InvalidEpochLength,
    #[msg("initial epoch emission must be positive and not above the emission cap")]
    InvalidEpochEmission,
    #[msg("halving period must be at least one epoch")]
    InvalidHalvingPeriod,
    #[msg("emission cap must be positive")]
    InvalidEmissionCap,
    #[msg("halving ratio must be in (0, 10000) basis points")]
    InvalidHalvingRatio,
    #[msg("quorum must be a fraction above one half and at most one")]
    InvalidQuorum,
    #[msg("keeper bond must be positive")]
    InvalidKeeperBond,
    #[msg("basis points must be at most 10000")]
    InvalidBasisPoints,
    #[msg("keeper endpoint must be 1 to 128 bytes")]
    InvalidEndpoint,
    #[msg("only io-staking's slash burner or io-hire's treasury may report burns")]
    UnauthorizedBurnReporter,
    #[msg("burn amount must be positive")]
    ZeroBurn,
    #[msg("arithmetic overflow")]
    Overflow,
    #[msg("that is not the $IO mint of this deployment")]
    WrongMint,
    #[msg("the $IO mint must have 8 decimals")]
    IoDecimals,
    #[msg("the recorded burns would exceed what has left the $IO supply")]
    BurnNotInSupply,
    #[msg("the bond must go back to a wallet, not to the keeper bonds or the rewards vault")]
    BondToProtocolAccount,
    #[msg("that is not the keeper bonds account of io-rewards")]
    WrongKeeperBonds,
    #[msg("only the program's upgrade authority (the deployer) may initialize it")]
    NotDeployer,
    #[msg("the $IO mint must have no mint authority: its supply is fixed at genesis")]
    IoMintAuthority,
    #[msg("the $IO mint must have no freeze authority")]
    IoFreezeAuthority,
}
