//! Flags and environment variables (clap).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;

const AFTER_HELP: &str = "\
Logs go to stderr; RUST_LOG sets the level (default info). GET /metrics on the RPC
port serves Prometheus metrics; GET /health answers ok. Once serving, one line
`ionet-localnet ready rpc=<url> ws=<url> ledger=<dir>` is printed on stdout.

Development-only RPC methods:
    ionet_warpSlot [slot]  moves the chain to `slot` (if later): the Clock's slot and
                           unix_timestamp advance with it (slot-ms per slot), so
                           cooldowns and epochs can be crossed in tests. Returns the
                           current slot.
    ionet_genesis []       the contents of genesis.json.";

/// ionet-localnet: a single-node development chain for ionet.
///
/// An in-process Solana runtime (LiteSVM, Agave 2.3) with the io-staking, io-hire and
/// io-rewards programs, SPL Token and ATA, serving Solana JSON-RPC over HTTP and
/// pubsub over websockets. On first start it runs genesis into the ledger directory
/// and writes genesis.json there (program ids, mints, vaults, config PDAs, keypair
/// files).
#[derive(Parser, Debug, Clone, PartialEq)]
#[command(name = "ionet-localnet", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Address to listen on
    #[arg(
        long,
        env = "IONET_LOCALNET_BIND",
        default_value = "127.0.0.1",
        value_name = "ADDR"
    )]
    pub bind: IpAddr,
    /// JSON-RPC port (0: any free)
    #[arg(
        long,
        env = "IONET_LOCALNET_RPC_PORT",
        default_value_t = 8899,
        value_name = "PORT"
    )]
    pub rpc_port: u16,
    /// Websocket port (0: any free) [default: rpc port + 1]
    #[arg(long, env = "IONET_LOCALNET_WS_PORT", value_name = "PORT")]
    pub ws_port: Option<u16>,
    /// Ledger directory
    #[arg(
        long,
        env = "IONET_LOCALNET_LEDGER",
        default_value = "ionet-ledger",
        value_name = "DIR"
    )]
    pub ledger: PathBuf,
    /// Discard the ledger and run genesis again
    #[arg(long, env = "IONET_LOCALNET_RESET", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::FalseyValueParser::new())]
    pub reset: bool,
    /// Slot duration; the Clock sysvar follows (genesis only)
    #[arg(long, env = "IONET_LOCALNET_SLOT_MS", default_value_t = 400, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub slot_ms: u64,
    /// io-rewards epoch length (genesis only)
    #[arg(long, env = "IONET_LOCALNET_EPOCH_SECONDS", default_value_t = 3600, value_name = "S",
          value_parser = clap::value_parser!(i64).range(1..))]
    pub epoch_seconds: i64,
    /// io-rewards' halving period in epochs: the emission per epoch is multiplied by
    /// the halving ratio (50 %) every N epochs (genesis only) [default: 17520, two
    /// years of hourly epochs]
    #[arg(long, env = "IONET_LOCALNET_HALVING_EPOCHS", value_name = "N")]
    pub halving_epochs: Option<u64>,
    /// Load the programs with this key as their upgrade authority and run no genesis:
    /// no mints, no configs, as `anchor deploy` leaves a cluster, for `ionet admin
    /// genesis` to set up over RPC (requestAirdrop funds the deployer)
    #[arg(long, env = "IONET_LOCALNET_NO_GENESIS", value_name = "UPGRADE_AUTHORITY",
          value_parser = parse_pubkey)]
    pub no_genesis: Option<solana_pubkey::Pubkey>,
    /// SOL given to the faucet at genesis
    #[arg(long, env = "IONET_LOCALNET_FAUCET_SOL", default_value_t = 1_000_000_000, value_name = "N",
          value_parser = clap::value_parser!(u64).range(..=u64::MAX / 1_000_000_000))]
    pub faucet_sol: u64,
    /// Transactions kept for getTransaction and friends
    #[arg(long, env = "IONET_LOCALNET_TX_HISTORY", default_value_t = 50_000, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub tx_history: u64,
    /// Snapshot once the change log exceeds N MiB
    #[arg(long, env = "IONET_LOCALNET_SNAPSHOT_MB", default_value_t = 64, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub snapshot_mb: u64,
    /// Largest accepted HTTP body
    #[arg(
        long,
        env = "IONET_LOCALNET_MAX_REQUEST_BYTES",
        default_value_t = 51_200,
        value_name = "N"
    )]
    pub max_request_bytes: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub bind: IpAddr,
    pub rpc_port: u16,
    pub ws_port: u16,
    pub ledger: PathBuf,
    pub reset: bool,
    pub slot_ms: u64,
    pub epoch_seconds: i64,
    pub halving_epochs: Option<u64>,
    pub no_genesis: Option<solana_pubkey::Pubkey>,
    pub faucet_sol: u64,
    pub tx_history: usize,
    pub snapshot_mb: u64,
    pub max_request_bytes: usize,
}

fn parse_pubkey(s: &str) -> Result<solana_pubkey::Pubkey, String> {
    s.parse()
        .map_err(|e| format!("{s:?} is not a base58 public key: {e}"))
}

impl Cli {
    /// The run's configuration: the websocket port defaults to the RPC port + 1.
    pub fn config(self) -> Result<Config, String> {
        let ws_port = match self.ws_port {
            Some(p) => p,
            None if self.rpc_port == 0 => 0,
            None => self
                .rpc_port
                .checked_add(1)
                .ok_or("--rpc-port 65535 leaves no room for the websocket port")?,
        };
        // The genesis parameters are checked here, so a bad value is a usage error at
        // startup rather than a failed genesis transaction.
        crate::genesis::params(self.epoch_seconds, self.halving_epochs)?;
        Ok(Config {
            bind: self.bind,
            rpc_port: self.rpc_port,
            ws_port,
            ledger: self.ledger,
            reset: self.reset,
            slot_ms: self.slot_ms,
            epoch_seconds: self.epoch_seconds,
            halving_epochs: self.halving_epochs,
            no_genesis: self.no_genesis,
            faucet_sol: self.faucet_sol,
            tx_history: usize::try_from(self.tx_history).map_err(|e| e.to_string())?,
            snapshot_mb: self.snapshot_mb,
            max_request_bytes: self.max_request_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Config, String> {
        let args = std::iter::once("ionet-localnet").chain(args.iter().copied());
        Cli::try_parse_from(args)
            .map_err(|e| e.to_string())?
            .config()
    }

    #[test]
    fn defaults_flags_and_env() {
        let c = run(&[]).unwrap();
        assert_eq!((c.rpc_port, c.ws_port, c.slot_ms), (8899, 8900, 400));
        assert_eq!(c.halving_epochs, None, "the design's period");
        assert_eq!(c.bind.to_string(), "127.0.0.1");
        assert_eq!((c.tx_history, c.max_request_bytes), (50_000, 51_200));
        let c = run(&["--rpc-port", "9000", "--reset", "--ledger=/tmp/x"]).unwrap();
        assert_eq!((c.rpc_port, c.ws_port, c.reset), (9000, 9001, true));
        assert_eq!(c.ledger, PathBuf::from("/tmp/x"));
        assert_eq!(run(&["--rpc-port", "0"]).unwrap().ws_port, 0);
        assert!(run(&["--nope"]).is_err());
        assert!(run(&["--rpc-port"]).is_err());
        assert!(run(&["--rpc-port", "x"]).is_err());
        assert!(run(&["--slot-ms", "0"]).is_err());
        assert!(run(&["--faucet-sol", "18446744074"]).is_err());
        assert!(run(&["--rpc-port", "65535"]).is_err());
        // The environment, under the flags (this test alone sets these variables).
        std::env::set_var("IONET_LOCALNET_SLOT_MS", "50");
        std::env::set_var("IONET_LOCALNET_RESET", "1");
        let c = run(&[]).unwrap();
        assert_eq!((c.slot_ms, c.reset), (50, true));
        assert_eq!(run(&["--slot-ms", "10"]).unwrap().slot_ms, 10);
        std::env::set_var("IONET_LOCALNET_RESET", "true");
        assert!(run(&[]).unwrap().reset);
        std::env::remove_var("IONET_LOCALNET_SLOT_MS");
        std::env::remove_var("IONET_LOCALNET_RESET");
        // --halving-epochs from the environment, under the flag, refused the same way.
        std::env::set_var("IONET_LOCALNET_HALVING_EPOCHS", "4");
        assert_eq!(run(&[]).unwrap().halving_epochs, Some(4));
        assert_eq!(
            run(&["--halving-epochs", "2"]).unwrap().halving_epochs,
            Some(2)
        );
        std::env::set_var("IONET_LOCALNET_HALVING_EPOCHS", "0");
        assert!(run(&[]).unwrap_err().contains("halving period"));
        std::env::remove_var("IONET_LOCALNET_HALVING_EPOCHS");
    }

    #[test]
    fn halving_epochs_flag_and_its_refusals() {
        let c = run(&["--halving-epochs", "3", "--epoch-seconds", "15"]).unwrap();
        assert_eq!((c.halving_epochs, c.epoch_seconds), (Some(3), 15));
        assert_eq!(
            run(&["--halving-epochs=1"]).unwrap().halving_epochs,
            Some(1)
        );
        // The design's period is the longest the default E0 allows: E0 × P / (1 − r)
        // must fit the 300M emission cap.
        assert_eq!(
            run(&["--halving-epochs", "17520"]).unwrap().halving_epochs,
            Some(17_520)
        );
        let err = run(&["--halving-epochs", "0"]).unwrap_err();
        assert!(
            err.contains("--halving-epochs 0")
                && err.contains("halving period must be at least one epoch"),
            "{err}"
        );
        let err = run(&["--halving-epochs", "17521"]).unwrap_err();
        assert!(
            err.contains("--halving-epochs 17521") && err.contains("1 to 17520"),
            "{err}"
        );
        assert!(run(&["--halving-epochs", "18446744073709551615"]).is_err());
        assert!(run(&["--halving-epochs", "-1"]).is_err());
        assert!(run(&["--halving-epochs", "x"]).is_err());
    }

    #[test]
    fn no_genesis_takes_the_upgrade_authority() {
        assert_eq!(run(&[]).unwrap().no_genesis, None);
        let key = "HCHAgpZZn2dpct6grSXdQp1uhEgzBbj2WjY5KA2druUM";
        assert_eq!(
            run(&["--no-genesis", key]).unwrap().no_genesis,
            Some(key.parse().unwrap())
        );
        let err = run(&["--no-genesis", "not-a-key"]).unwrap_err();
        assert!(err.contains("is not a base58 public key"), "{err}");
        assert!(run(&["--no-genesis"]).is_err(), "the authority is required");
    }
}
