//! The parameters governance sets at initialization, validated in one place and kept
//! whole in the config account.

use anchor_lang::prelude::*;

use crate::errors::StakingError;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub struct StakingParams {
    /// Operator stake a node needs before it may be matched or earn (base units).
    pub min_operator_stake: u64,
    /// Additional operator stake required per GPU (base units).
    pub min_stake_per_gpu: u64,
    /// Delegation cap per node: this many base units per attested TOPS.
    pub io_per_tops: u64,
    /// Delegation cap per node: this ratio of the operator's own stake (bps; 10000 = 1×).
    pub max_delegation_ratio_bps: u32,
    pub cooldown_seconds: i64,
    /// Delegators' cut of a node's availability rewards (bps).
    pub delegator_availability_cut_bps: u16,
    /// Delegators' cut of a node's hire fees (bps).
    pub delegator_hire_cut_bps: u16,
}

impl StakingParams {
    pub fn validate(&self) -> Result<()> {
        require!(
            self.min_operator_stake > 0,
            StakingError::InvalidMinOperatorStake
        );
        require!(self.cooldown_seconds > 0, StakingError::InvalidCooldown);
        require!(self.io_per_tops > 0, StakingError::InvalidIoPerTops);
        require!(
            self.delegator_availability_cut_bps <= 10_000 && self.delegator_hire_cut_bps <= 10_000,
            StakingError::InvalidBasisPoints
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> StakingParams {
        StakingParams {
            min_operator_stake: 10_000_000_000,
            min_stake_per_gpu: 0,
            io_per_tops: 1_000_000_000,
            max_delegation_ratio_bps: 100_000,
            cooldown_seconds: 604_800,
            delegator_availability_cut_bps: 500,
            delegator_hire_cut_bps: 100,
        }
    }

    fn refused(change: impl FnOnce(&mut StakingParams), want: StakingError) {
        let mut args = good();
        change(&mut args);
        assert_eq!(args.validate().unwrap_err(), want.into(), "{args:?}");
    }

    #[test]
    fn defaults_are_accepted() {
        good().validate().unwrap();
    }

    #[test]
    fn each_bad_parameter_is_refused_with_its_own_error() {
        refused(
            |a| a.min_operator_stake = 0,
            StakingError::InvalidMinOperatorStake,
        );
        refused(|a| a.cooldown_seconds = 0, StakingError::InvalidCooldown);
        refused(|a| a.cooldown_seconds = -1, StakingError::InvalidCooldown);
        refused(|a| a.io_per_tops = 0, StakingError::InvalidIoPerTops);
        refused(
            |a| a.delegator_availability_cut_bps = 10_001,
            StakingError::InvalidBasisPoints,
        );
        refused(
            |a| a.delegator_hire_cut_bps = 10_001,
            StakingError::InvalidBasisPoints,
        );
    }
}
