//! Genesis: the $IO and IOSD mints, the three programs' configs, the fixed $IO supply
//! (300M in the io-rewards vault, the rest with the faucet), the mint authority of
//! $IO revoked, a funded faucet, and `genesis.json` with the keypair files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anchor_spl::associated_token::{get_associated_token_address, spl_associated_token_account};
use anchor_spl::token::spl_token;
use ionet_svm::deploy::{self, Deployment, GenesisParams, IOSD_DECIMALS, IO_DECIMALS};
use ionet_svm::ids;
use ionet_svm::token;
use litesvm::LiteSVM;
use serde::{Deserialize, Serialize};
use solana_account::Account;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

pub const GENESIS_FILE: &str = "genesis.json";
pub const KEYS_DIR: &str = "keys";
pub const LAMPORTS_PER_SOL: u64 = 1_000_000_000;
/// $IO's fixed supply and the part the rewards program emits from.
pub const IO_SUPPLY: u64 = deploy::IO_GENESIS_SUPPLY;
pub const REWARDS_VAULT_SUPPLY: u64 = deploy::IO_REWARDS_ALLOCATION;

/// `genesis.json`: what the Go tools need to find the deployment.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GenesisFile {
    pub cluster: String,
    pub genesis_unix_timestamp: i64,
    pub slot_ms: u64,
    pub epoch_seconds: i64,
    pub programs: Programs,
    pub mints: Mints,
    pub configs: Configs,
    pub vaults: Vaults,
    pub accounts: Accounts,
    /// Solana CLI keypair files (JSON arrays of 64 bytes), absolute paths.
    pub keypairs: Keypairs,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Programs {
    pub io_staking: String,
    pub io_hire: String,
    pub io_rewards: String,
    pub spl_token: String,
    pub associated_token: String,
}

impl Programs {
    /// The programs every ionet-localnet loads.
    fn loaded() -> Self {
        let s = |p: &Pubkey| p.to_string();
        Programs {
            io_staking: s(&ids::IO_STAKING),
            io_hire: s(&ids::IO_HIRE),
            io_rewards: s(&ids::IO_REWARDS),
            spl_token: s(&spl_token::ID),
            associated_token: s(&spl_associated_token_account::ID),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Mints {
    pub io: String,
    pub io_decimals: u8,
    pub io_supply: u64,
    pub iosd: String,
    pub iosd_decimals: u8,
    /// Who may mint IOSD on localnet (the faucet). $IO has no mint authority.
    pub iosd_mint_authority: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Configs {
    pub staking: String,
    pub hire: String,
    pub rewards: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Vaults {
    pub rewards: String,
    pub keeper_bonds: String,
    pub treasury: String,
    pub treasury_io: String,
    pub treasury_iosd: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Accounts {
    pub admin: String,
    pub faucet: String,
    /// The faucet's $IO associated token account, holding the supply not in the vault.
    pub faucet_io: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Keypairs {
    pub admin: String,
    pub faucet: String,
    pub io_mint: String,
    pub iosd_mint: String,
}

/// Genesis choices that come from flags.
#[derive(Clone, Debug)]
pub struct GenesisOptions {
    pub genesis_unix: i64,
    pub slot_ms: u64,
    pub epoch_seconds: i64,
    /// io-rewards' halving period; `None`: the design's 17,520 epochs.
    pub halving_epochs: Option<u64>,
    /// `--no-genesis`: only the programs, with this upgrade authority (see [`bare`]).
    pub no_genesis: Option<Pubkey>,
    pub faucet_sol: u64,
}

/// The programs' genesis parameters for `epoch_seconds`-long epochs and, if given, a
/// halving every `halving_epochs` epochs, checked as io-rewards' `initialize` checks
/// them; the error says which flag and why.
pub fn params(epoch_seconds: i64, halving_epochs: Option<u64>) -> Result<GenesisParams, String> {
    let mut p = GenesisParams::with_epoch_seconds(epoch_seconds);
    if let Some(n) = halving_epochs {
        p.rewards.halving_epochs = n;
        if let Err(e) = p.rewards.validate() {
            let why = match e {
                anchor_lang::error::Error::AnchorError(a) => a.error_msg.clone(),
                other => other.to_string(),
            };
            // With E0 fixed, the series E0 × P / (1 − r) fits the cap up to this P.
            let r = &p.rewards;
            let most = u128::from(r.emission_cap) * u128::from(10_000 - r.halving_ratio_bps)
                / (u128::from(r.initial_epoch_emission) * 10_000);
            return Err(format!(
                "--halving-epochs {n}: {why} (allowed: 1 to {most}, the most for which \
                 E0 × N / (1 − r) fits the emission cap with E0 = {} base units)",
                r.initial_epoch_emission
            ));
        }
    }
    p.rewards
        .validate()
        .map_err(|e| format!("genesis parameters: {e}"))?;
    Ok(p)
}

pub fn write_keypair(path: &Path, keypair: &Keypair) -> io::Result<()> {
    let bytes = keypair.to_bytes();
    let json = serde_json::to_string(&bytes.to_vec()).map_err(io::Error::other)?;
    fs::write(path, json)?;
    fs::File::open(path)?.sync_all()
}

pub fn read_keypair(path: &Path) -> io::Result<Keypair> {
    let bytes: Vec<u8> = serde_json::from_slice(&fs::read(path)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    Keypair::try_from(bytes.as_slice())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
}

pub fn read_genesis(dir: &Path) -> io::Result<GenesisFile> {
    serde_json::from_slice(&fs::read(dir.join(GENESIS_FILE))?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// A system account holding `sol` SOL, written directly (genesis has no payer yet).
fn fund(svm: &mut LiteSVM, key: &Pubkey, sol: u64) -> io::Result<()> {
    let account = Account {
        lamports: sol.saturating_mul(LAMPORTS_PER_SOL),
        data: vec![],
        owner: solana_sdk_ids::system_program::id(),
        executable: false,
        rent_epoch: 0,
    };
    svm.set_account(*key, account).map_err(|e| fail("fund", e))
}

fn fail(step: &str, err: impl std::fmt::Debug) -> io::Error {
    io::Error::other(format!("genesis: {step}: {err:?}"))
}

/// Runs genesis on `svm` and writes the keypairs into `dir/keys`. Returns the faucet
/// and the contents of `genesis.json` (written by the caller once the first snapshot
/// is durable, so its presence means the ledger is whole).
pub fn create(
    svm: &mut LiteSVM,
    dir: &Path,
    opts: &GenesisOptions,
) -> io::Result<(Keypair, GenesisFile)> {
    let admin = Keypair::new();
    let faucet = Keypair::new();
    let io_mint = Keypair::new();
    let iosd_mint = Keypair::new();
    if let Some(authority) = opts.no_genesis {
        return bare(svm, dir, opts, authority, faucet);
    }
    for (key, sol) in [(&admin, 1_000), (&faucet, opts.faucet_sol)] {
        fund(svm, &key.pubkey(), sol)?;
    }
    let mut params =
        params(opts.epoch_seconds, opts.halving_epochs).map_err(|e| fail("parameters", e))?;
    params.rewards.genesis_ts = opts.genesis_unix;
    let d: Deployment = deploy::deploy(svm, &admin, &faucet, &io_mint, &iosd_mint, &params)
        .map_err(|e| fail("deploy", e))?;

    // deploy() minted the fixed $IO supply to the deployer, revoked the mint authority
    // and moved 300M into the rewards vault (DESIGN §3); the faucet gets the rest.
    let faucet_io = get_associated_token_address(&faucet.pubkey(), &d.io_mint);
    let create_ata = spl_associated_token_account::instruction::create_associated_token_account(
        &faucet.pubkey(),
        &faucet.pubkey(),
        &d.io_mint,
        &spl_token::ID,
    );
    let to_faucet = spl_token::instruction::transfer(
        &spl_token::ID,
        &d.genesis_io,
        &faucet_io,
        &admin.pubkey(),
        &[],
        IO_SUPPLY - REWARDS_VAULT_SUPPLY,
    )
    .map_err(|e| fail("faucet transfer", e))?;
    token::send(svm, &faucet, &[&admin], &[create_ata, to_faucet])
        .map_err(|e| fail("fund faucet", e))?;

    let keys = dir.join(KEYS_DIR);
    fs::create_dir_all(&keys)?;
    let keys = fs::canonicalize(&keys)?;
    let path = |name: &str| -> PathBuf { keys.join(format!("{name}.json")) };
    for (name, kp) in [
        ("admin", &admin),
        ("faucet", &faucet),
        ("io-mint", &io_mint),
        ("iosd-mint", &iosd_mint),
    ] {
        write_keypair(&path(name), kp)?;
    }
    let s = |p: &Pubkey| p.to_string();
    let file = GenesisFile {
        cluster: "ionet-localnet".into(),
        genesis_unix_timestamp: opts.genesis_unix,
        slot_ms: opts.slot_ms,
        epoch_seconds: opts.epoch_seconds,
        programs: Programs::loaded(),
        mints: Mints {
            io: s(&d.io_mint),
            io_decimals: IO_DECIMALS,
            io_supply: IO_SUPPLY,
            iosd: s(&d.iosd_mint),
            iosd_decimals: IOSD_DECIMALS,
            iosd_mint_authority: s(&faucet.pubkey()),
        },
        configs: Configs {
            staking: s(&d.staking_config),
            hire: s(&d.hire_config),
            rewards: s(&d.rewards_config),
        },
        vaults: Vaults {
            rewards: s(&d.rewards_vault),
            keeper_bonds: s(&d.keeper_bonds),
            treasury: s(&d.treasury),
            treasury_io: s(&d.treasury_io),
            treasury_iosd: s(&d.treasury_iosd),
        },
        accounts: Accounts {
            admin: s(&admin.pubkey()),
            faucet: s(&faucet.pubkey()),
            faucet_io: s(&faucet_io),
        },
        keypairs: Keypairs {
            admin: path("admin").display().to_string(),
            faucet: path("faucet").display().to_string(),
            io_mint: path("io-mint").display().to_string(),
            iosd_mint: path("iosd-mint").display().to_string(),
        },
    };
    Ok((faucet, file))
}

/// `--no-genesis`: the chain as `anchor deploy` leaves a cluster. The three programs
/// are there, upgradeable with `authority` as their upgrade authority; there are no
/// mints, configs or vaults (genesis.json leaves those addresses empty). The faucet
/// holds SOL for requestAirdrop. `ionet admin genesis`, signed by `authority`, does
/// the rest over RPC.
fn bare(
    svm: &mut LiteSVM,
    dir: &Path,
    opts: &GenesisOptions,
    authority: Pubkey,
    faucet: Keypair,
) -> io::Result<(Keypair, GenesisFile)> {
    fund(svm, &faucet.pubkey(), opts.faucet_sol)?;
    for program in [ids::IO_STAKING, ids::IO_HIRE, ids::IO_REWARDS] {
        deploy::install_program_data(svm, &program, &authority);
    }
    let keys = dir.join(KEYS_DIR);
    fs::create_dir_all(&keys)?;
    let keys = fs::canonicalize(&keys)?;
    let faucet_path = keys.join("faucet.json");
    write_keypair(&faucet_path, &faucet)?;
    let s = |p: &Pubkey| p.to_string();
    let file = GenesisFile {
        cluster: "ionet-localnet (no genesis)".into(),
        genesis_unix_timestamp: opts.genesis_unix,
        slot_ms: opts.slot_ms,
        epoch_seconds: opts.epoch_seconds,
        programs: Programs::loaded(),
        mints: Mints {
            io: String::new(),
            io_decimals: IO_DECIMALS,
            io_supply: IO_SUPPLY,
            iosd: String::new(),
            iosd_decimals: IOSD_DECIMALS,
            iosd_mint_authority: String::new(),
        },
        configs: Configs {
            staking: String::new(),
            hire: String::new(),
            rewards: String::new(),
        },
        vaults: Vaults {
            rewards: String::new(),
            keeper_bonds: String::new(),
            treasury: String::new(),
            treasury_io: String::new(),
            treasury_iosd: String::new(),
        },
        accounts: Accounts {
            admin: s(&authority),
            faucet: s(&faucet.pubkey()),
            faucet_io: String::new(),
        },
        keypairs: Keypairs {
            admin: String::new(),
            faucet: faucet_path.display().to_string(),
            io_mint: String::new(),
            iosd_mint: String::new(),
        },
    };
    Ok((faucet, file))
}

pub fn write_genesis(dir: &Path, file: &GenesisFile) -> io::Result<()> {
    let tmp = dir.join("genesis.json.tmp");
    let json = serde_json::to_vec_pretty(file).map_err(io::Error::other)?;
    fs::write(&tmp, json)?;
    fs::File::open(&tmp)?.sync_all()?;
    fs::rename(&tmp, dir.join(GENESIS_FILE))?;
    fs::File::open(dir)?.sync_all()
}
