use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::GpusReserved;
use crate::state::{Node, StakingConfig};

/// CPI only, from io-hire's assigner PDA: GPUs of the node enter (`reserve`) or leave
/// (`release`) active hires. A node with hired GPUs cannot change its listing or close.
#[derive(Accounts)]
pub struct HireGpus<'info> {
    #[account(address = config.assigner @ StakingError::NotAssigner)]
    pub assigner: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, StakingConfig>,
    #[account(mut)]
    pub node: Account<'info, Node>,
}

pub fn reserve(ctx: Context<HireGpus>, gpus: u16) -> Result<()> {
    let node = &mut ctx.accounts.node;
    require!(
        gpus > 0 && gpus <= node.free_gpus(),
        StakingError::NotEnoughFreeGpus
    );
    node.hired_gpus += gpus;
    emit!(GpusReserved {
        node: node.key(),
        gpus,
        reserved: true,
        hired_gpus: node.hired_gpus,
    });
    Ok(())
}

pub fn release(ctx: Context<HireGpus>, gpus: u16) -> Result<()> {
    let node = &mut ctx.accounts.node;
    node.hired_gpus = node
        .hired_gpus
        .checked_sub(gpus)
        .ok_or(StakingError::Overflow)?;
    emit!(GpusReserved {
        node: node.key(),
        gpus,
        reserved: false,
        hired_gpus: node.hired_gpus,
    });
    Ok(())
}
