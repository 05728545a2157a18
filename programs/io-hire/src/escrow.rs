//! Token movements out of an order's escrow, signed by io-hire's escrow authority.

use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::state::HireConfig;

/// Pays `amount` from `escrow` to `to` (nothing when zero).
pub fn pay<'info>(
    config: &HireConfig,
    token_program: &Program<'info, Token>,
    escrow: &Account<'info, TokenAccount>,
    authority: &AccountInfo<'info>,
    to: AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let accounts = Transfer {
        from: escrow.to_account_info(),
        to,
        authority: authority.clone(),
    };
    token::transfer(
        CpiContext::new_with_signer(
            token_program.to_account_info(),
            accounts,
            &[&config.escrow_authority_seeds()],
        ),
        amount,
    )
}
