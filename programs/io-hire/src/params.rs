//! The parameters governance sets at initialization, validated in one place and kept
//! whole in the config account.

use anchor_lang::prelude::*;

use crate::errors::HireError;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub struct HireParams {
    /// Payment fee on IOSD orders (bps).
    pub iosd_fee_bps: u16,
    /// Payment fee on $IO orders (bps).
    pub io_fee_bps: u16,
    /// $IO orders are refused when the latest final IO/USD price is older than this.
    pub max_price_age_epochs: u32,
    /// An order never matched may be refunded in full after this long.
    pub unmatched_timeout_seconds: i64,
    /// Booking fee, charged to the renter and to the supplier alike (bps).
    pub booking_fee_bps: u16,
    /// Supplier payment fee, withheld from what a node claims (bps).
    pub supplier_fee_bps: u16,
    /// A node may be assigned only if keepers attested it within this many epochs.
    pub max_attestation_age_epochs: u32,
}

impl HireParams {
    pub const MAX_FEE_BPS: u16 = 1_000;

    pub fn validate(&self) -> Result<()> {
        require!(
            [
                self.iosd_fee_bps,
                self.io_fee_bps,
                self.booking_fee_bps,
                self.supplier_fee_bps
            ]
            .iter()
            .all(|f| *f <= Self::MAX_FEE_BPS),
            HireError::FeeTooHigh
        );
        require!(
            self.max_attestation_age_epochs > 0,
            HireError::InvalidAttestationAge
        );
        require!(self.max_price_age_epochs > 0, HireError::InvalidPriceAge);
        require!(
            self.unmatched_timeout_seconds > 0,
            HireError::InvalidUnmatchedTimeout
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const MAX_FEE_BPS: u16 = HireParams::MAX_FEE_BPS;

    fn good() -> HireParams {
        HireParams {
            iosd_fee_bps: 200,
            io_fee_bps: 0,
            max_price_age_epochs: 3,
            unmatched_timeout_seconds: 21_600,
            booking_fee_bps: 50,
            supplier_fee_bps: 100,
            max_attestation_age_epochs: 3,
        }
    }

    fn refused(change: impl FnOnce(&mut HireParams), want: HireError) {
        let mut args = good();
        change(&mut args);
        assert_eq!(args.validate().unwrap_err(), want.into(), "{args:?}");
    }

    #[test]
    fn defaults_and_the_fee_limit_are_accepted() {
        good().validate().unwrap();
        let mut max = good();
        (max.iosd_fee_bps, max.io_fee_bps) = (MAX_FEE_BPS, MAX_FEE_BPS);
        max.validate().unwrap();
    }

    #[test]
    fn each_bad_parameter_is_refused_with_its_own_error() {
        refused(|a| a.iosd_fee_bps = MAX_FEE_BPS + 1, HireError::FeeTooHigh);
        refused(|a| a.io_fee_bps = MAX_FEE_BPS + 1, HireError::FeeTooHigh);
        refused(
            |a| a.booking_fee_bps = MAX_FEE_BPS + 1,
            HireError::FeeTooHigh,
        );
        refused(
            |a| a.supplier_fee_bps = MAX_FEE_BPS + 1,
            HireError::FeeTooHigh,
        );
        refused(
            |a| a.max_attestation_age_epochs = 0,
            HireError::InvalidAttestationAge,
        );
        refused(|a| a.max_price_age_epochs = 0, HireError::InvalidPriceAge);
        refused(
            |a| a.unmatched_timeout_seconds = 0,
            HireError::InvalidUnmatchedTimeout,
        );
    }
}
