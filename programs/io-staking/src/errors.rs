use anchor_lang::prelude::*;

#[error_code]
pub enum StakingError {
    #[msg("minimum operator stake per node must be positive")]
    InvalidMinOperatorStake,
    #[msg("cooldown must be positive")]
    InvalidCooldown,
    #[msg("$IO per attested TOPS must be positive")]
    InvalidIoPerTops,
    #[msg("basis points must be at most 10000")]
    InvalidBasisPoints,
}
