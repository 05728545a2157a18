//! Flags and environment variables.

use std::net::IpAddr;
use std::path::PathBuf;

pub const HELP: &str = "\
ionet-localnet: a single-node development chain for ionet.

An in-process Solana runtime (LiteSVM, Agave 2.3) with the io-staking, io-hire and
io-rewards programs, SPL Token and ATA, serving Solana JSON-RPC over HTTP and pubsub
over websockets. On first start it runs genesis into the ledger directory and writes
genesis.json there (program ids, mints, vaults, config PDAs, keypair files).

USAGE:
    ionet-localnet [OPTIONS]

OPTIONS (each also read from the environment variable shown):
    --bind ADDR            address to listen on         IONET_LOCALNET_BIND     [127.0.0.1]
    --rpc-port PORT        JSON-RPC port (0: any free)  IONET_LOCALNET_RPC_PORT [8899]
    --ws-port PORT         websocket port (0: any free) IONET_LOCALNET_WS_PORT  [rpc port + 1]
    --ledger DIR           ledger directory             IONET_LOCALNET_LEDGER   [ionet-ledger]
    --reset                discard the ledger and run genesis again
                                                        IONET_LOCALNET_RESET=1
    --slot-ms MS           slot duration; the Clock sysvar follows (genesis only)
                                                        IONET_LOCALNET_SLOT_MS  [400]
    --epoch-seconds S      io-rewards epoch length (genesis only)
                                                        IONET_LOCALNET_EPOCH_SECONDS [3600]
    --faucet-sol N         SOL given to the faucet at genesis
                                                        IONET_LOCALNET_FAUCET_SOL [1000000000]
    --tx-history N         transactions kept for getTransaction and friends
                                                        IONET_LOCALNET_TX_HISTORY [50000]
    --snapshot-mb N        snapshot once the change log exceeds N MiB
                                                        IONET_LOCALNET_SNAPSHOT_MB [64]
    --max-request-bytes N  largest accepted HTTP body   IONET_LOCALNET_MAX_REQUEST_BYTES [51200]
    -h, --help             this text
    -V, --version          the version

Logs go to stderr; RUST_LOG sets the level (default info). GET /metrics on the RPC
port serves Prometheus metrics; GET /health answers ok. Once serving, one line
`ionet-localnet ready rpc=<url> ws=<url> ledger=<dir>` is printed on stdout.

Development-only RPC methods:
    ionet_warpSlot [slot]  moves the chain to `slot` (if later): the Clock's slot and
                           unix_timestamp advance with it (slot-ms per slot), so
                           cooldowns and epochs can be crossed in tests. Returns the
                           current slot.
    ionet_genesis []       the contents of genesis.json.
";

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub bind: IpAddr,
    pub rpc_port: u16,
    pub ws_port: u16,
    pub ledger: PathBuf,
    pub reset: bool,
    pub slot_ms: u64,
    pub epoch_seconds: i64,
    pub faucet_sol: u64,
    pub tx_history: usize,
    pub snapshot_mb: u64,
    pub max_request_bytes: usize,
}

pub enum Parsed {
    Run(Config),
    Help,
    Version,
}

fn value<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("invalid value {v:?} for {name}"))
}

/// Parses `args` (without the program name) over the environment `env`.
pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Parsed, String> {
    let mut opts: std::collections::HashMap<&str, String> = Default::default();
    let names = [
        ("--bind", "IONET_LOCALNET_BIND"),
        ("--rpc-port", "IONET_LOCALNET_RPC_PORT"),
        ("--ws-port", "IONET_LOCALNET_WS_PORT"),
        ("--ledger", "IONET_LOCALNET_LEDGER"),
        ("--slot-ms", "IONET_LOCALNET_SLOT_MS"),
        ("--epoch-seconds", "IONET_LOCALNET_EPOCH_SECONDS"),
        ("--faucet-sol", "IONET_LOCALNET_FAUCET_SOL"),
        ("--tx-history", "IONET_LOCALNET_TX_HISTORY"),
        ("--snapshot-mb", "IONET_LOCALNET_SNAPSHOT_MB"),
        ("--max-request-bytes", "IONET_LOCALNET_MAX_REQUEST_BYTES"),
    ];
    for (flag, var) in names {
        if let Some(v) = env(var) {
            opts.insert(flag, v);
        }
    }
    let mut reset = env("IONET_LOCALNET_RESET").is_some_and(|v| v == "1" || v == "true");
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        match arg {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            "--reset" => reset = true,
            _ => {
                let (flag, inline) = match arg.split_once('=') {
                    Some((f, v)) => (f, Some(v.to_string())),
                    None => (arg, None),
                };
                let Some((known, _)) = names.iter().find(|(f, _)| *f == flag) else {
                    return Err(format!("unknown argument {arg:?} (see --help)"));
                };
                let v = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        args.get(i)
                            .cloned()
                            .ok_or_else(|| format!("{flag} needs a value"))?
                    }
                };
                opts.insert(known, v);
            }
        }
        i += 1;
    }
    let get = |k: &str| opts.get(k).map(String::as_str);
    let rpc_port: u16 = get("--rpc-port").map_or(Ok(8899), |v| value("--rpc-port", v))?;
    let ws_port: u16 = match get("--ws-port") {
        Some(v) => value("--ws-port", v)?,
        None if rpc_port == 0 => 0,
        None => rpc_port
            .checked_add(1)
            .ok_or("--rpc-port 65535 leaves no room for the websocket port")?,
    };
    let config = Config {
        bind: get("--bind").map_or(Ok([127, 0, 0, 1].into()), |v| value("--bind", v))?,
        rpc_port,
        ws_port,
        ledger: PathBuf::from(get("--ledger").unwrap_or("ionet-ledger")),
        reset,
        slot_ms: get("--slot-ms").map_or(Ok(400), |v| value("--slot-ms", v))?,
        epoch_seconds: get("--epoch-seconds").map_or(Ok(3600), |v| value("--epoch-seconds", v))?,
        faucet_sol: get("--faucet-sol").map_or(Ok(1_000_000_000), |v| value("--faucet-sol", v))?,
        tx_history: get("--tx-history").map_or(Ok(50_000), |v| value("--tx-history", v))?,
        snapshot_mb: get("--snapshot-mb").map_or(Ok(64), |v| value("--snapshot-mb", v))?,
        max_request_bytes: get("--max-request-bytes")
            .map_or(Ok(50 * 1024), |v| value("--max-request-bytes", v))?,
    };
    if config.slot_ms == 0
        || config.epoch_seconds <= 0
        || config.tx_history == 0
        || config.snapshot_mb == 0
    {
        return Err(
            "--slot-ms, --epoch-seconds, --tx-history and --snapshot-mb must be positive".into(),
        );
    }
    if config.faucet_sol > u64::MAX / 1_000_000_000 {
        return Err("--faucet-sol is too large".into());
    }
    Ok(Parsed::Run(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], env: &[(&str, &str)]) -> Result<Config, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match parse(&args, |k| {
            env.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })? {
            Parsed::Run(c) => Ok(c),
            _ => Err("not a run".into()),
        }
    }

    #[test]
    fn defaults_flags_and_env() {
        let c = run(&[], &[]).unwrap();
        assert_eq!((c.rpc_port, c.ws_port, c.slot_ms), (8899, 8900, 400));
        assert_eq!(c.bind.to_string(), "127.0.0.1");
        let c = run(
            &["--rpc-port", "9000", "--reset", "--ledger=/tmp/x"],
            &[("IONET_LOCALNET_SLOT_MS", "50")],
        )
        .unwrap();
        assert_eq!(
            (c.rpc_port, c.ws_port, c.slot_ms, c.reset),
            (9000, 9001, 50, true)
        );
        assert_eq!(c.ledger, PathBuf::from("/tmp/x"));
        let c = run(&["--slot-ms", "10"], &[("IONET_LOCALNET_SLOT_MS", "50")]).unwrap();
        assert_eq!(c.slot_ms, 10);
        assert!(run(&["--nope"], &[]).is_err());
        assert!(run(&["--rpc-port"], &[]).is_err());
        assert!(run(&["--rpc-port", "x"], &[]).is_err());
        assert!(run(&["--slot-ms", "0"], &[]).is_err());
    }
}
