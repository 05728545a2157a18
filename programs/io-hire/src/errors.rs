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
    #[msg("attestation age limit must be at least one epoch")]
    InvalidAttestationAge,
    #[msg("an order needs 1 to 1024 GPUs, 1 to 8760 hours, a positive max price and at most 8 locations")]
    InvalidOrder,
    #[msg("price × GPUs × hours overflows")]
    OrderTooLarge,
    #[msg("payment must be in $IO or IOSD")]
    NotPaymentMint,
    #[msg("no final IO/USD price recent enough for a $IO order")]
    StalePrice,
    #[msg("only a keeper serving in this epoch may do this")]
    NotKeeper,
    #[msg("the order is not open for matching")]
    OrderNotOpen,
    #[msg("the assignment's GPUs do not add up to the order's")]
    GpuCountMismatch,
    #[msg("assignment accounts must come as (node, assignment) pairs")]
    BadAssignmentAccounts,
    #[msg("the node's operator stake is below the minimum")]
    NodeNotStaked,
    #[msg("the node was not attested recently enough")]
    AttestationStale,
    #[msg("the node's GPU class is not the one ordered")]
    ClassMismatch,
    #[msg("the node has not that many free GPUs")]
    NotEnoughFreeGpus,
    #[msg("the node's VRAM per GPU is below the order's minimum")]
    VramTooLow,
    #[msg("the node has fewer vCPUs than the order needs")]
    VcpusTooLow,
    #[msg("the node has less RAM than the order needs")]
    RamTooLow,
    #[msg("the node is not in one of the order's locations")]
    LocationNotAllowed,
    #[msg("the node lacks a compliance tag the order requires")]
    ComplianceMissing,
    #[msg("the node's ask is above the order's max price")]
    AskAboveMax,
    #[msg("the node was slashed and not attested since")]
    NodeFrozen,
    #[msg("the order is not active")]
    OrderNotActive,
    #[msg("the match timeout has not passed")]
    TimeoutNotReached,
    #[msg("only the order's renter may do this")]
    NotRenter,
    #[msg("refunds go to a token account of the renter in the order's mint")]
    NotRentersAccount,
    #[msg("earnings go to a token account of the node's operator in the order's mint")]
    NotOperatorsAccount,
    #[msg("that assignment belongs to another order or node")]
    WrongAssignment,
    #[msg("this keeper already reported that node's failure")]
    AlreadyReported,
    #[msg("the node already failed this order")]
    AlreadyFailed,
    #[msg("the order still has assignments running or unsettled")]
    OrderNotFinished,
    #[msg("that is not io-rewards' config")]
    WrongRewardsConfig,
    #[msg("that is not io-staking's config")]
    WrongStakingConfig,
    #[msg("that is not the treasury account of this mint")]
    WrongTreasuryAccount,
    #[msg("the rent goes back to whoever paid it")]
    WrongRentDestination,
    #[msg("every open assignment of the order must be passed, in (assignment, node) pairs")]
    AssignmentsMissing,
    #[msg("the node's part of the order is over; it can no longer fail it")]
    StreamOver,
    #[msg("arithmetic overflow")]
    Overflow,
}
