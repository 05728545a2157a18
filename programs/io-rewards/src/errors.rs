use anchor_lang::prelude::*;

#[error_code]
pub enum RewardsError {
    #[msg("epoch length must be positive")]
    InvalidEpochLength,
    #[msg("initial epoch emission must be positive and the whole series E0 × P / (1 − r) within the cap")]
    InvalidEpochEmission,
    #[msg("halving period must be at least one epoch")]
    InvalidHalvingPeriod,
    #[msg("emission cap must be positive and at most the 300M $IO rewards allocation")]
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
    #[msg("windows need 0 < commit window ≤ vote window ≤ epoch length")]
    InvalidWindows,
    #[msg("keeper unbonding must be positive")]
    InvalidUnbonding,
    #[msg("only io-rewards' admin may do this")]
    NotAdmin,
    #[msg("only the proposed admin may accept the handover")]
    NotPendingAdmin,
    #[msg("the keeper set is full")]
    KeeperSetFull,
    #[msg("that epoch has not ended")]
    EpochNotEnded,
    #[msg("the commit window of that epoch has closed")]
    CommitWindowClosed,
    #[msg("the vote window of that epoch has closed")]
    VoteWindowClosed,
    #[msg("this keeper does not serve in that epoch")]
    NotKeeperForEpoch,
    #[msg("this keeper already committed its observations for that epoch")]
    AlreadyCommitted,
    #[msg("this keeper already voted in that epoch")]
    AlreadyVoted,
    #[msg("that epoch, or a later one, is already final")]
    EpochAlreadyFinal,
    #[msg("the vote's emission exceeds the schedule or the cap")]
    EmissionOverSchedule,
    #[msg("the vote's cumulative emission is not the last final one plus this epoch's")]
    CumulativeMismatch,
    #[msg("the IO/USD price must be positive")]
    InvalidPrice,
    #[msg("that epoch is not final")]
    EpochNotFinal,
    #[msg("the leaf and proof do not match the epoch's root")]
    InvalidProof,
    #[msg("the node's cumulative reward went down")]
    CumulativeWentDown,
    #[msg("claims would exceed the emission the final reports allow")]
    ClaimOverEmission,
    #[msg("the operator's share goes to a $IO account of the node's operator")]
    NotOperatorsAccount,
    #[msg("the keeper already announced its exit")]
    ExitAlreadyAnnounced,
    #[msg("the keeper must announce its exit first")]
    ExitNotAnnounced,
    #[msg("the bond is still unbonding")]
    UnbondingNotOver,
    #[msg("an epoch this keeper voted in may still finalize")]
    VotedEpochOpen,
    #[msg("that is not io-rewards' vault")]
    WrongVault,
    #[msg("genesis time and epoch length are fixed at initialization: changing them would renumber past epochs")]
    EpochClockFixed,
}
