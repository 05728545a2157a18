// Command ionet-keeper runs an ionet keeper: it follows the chain, challenges and
// probes the workers assigned to it, agrees with the other keepers on each epoch's
// report and votes it, cranks claims and serves proofs (docs/design.md §§6–7).
//
//	ionet-keeper --keypair keeper.json --rpc-url http://127.0.0.1:8899
//	ionet-keeper --config keeper.yaml
//	ionet-keeper --keypair keeper.json claim   (one pass of claims from --data-dir, then exit)
//
// Every flag may come from an IONET_* environment variable or from the YAML file
// named by --config (keys are the flag names), in that order of precedence after the
// command line. Exit status: 0 clean shutdown, 1 failure, 2 bad usage.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/internal/cliapp"
	"github.com/ionet-network/ionet/keeper"
	"github.com/ionet-network/ionet/keeper/challenge"
	"github.com/ionet-network/ionet/keeper/match"
	"github.com/ionet-network/ionet/oracle/classes"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newApp(os.Stdout, os.Stderr).RunContext(ctx, os.Args)
	stop()
	os.Exit(exitCode(os.Stderr, err))
}

// usageError and usagef: a bad flag, argument or config value (exit status 2).
type usageError = cliapp.UsageError

var usagef = cliapp.Usagef

func exitCode(stderr io.Writer, err error) int { return cliapp.ExitCode(stderr, "ionet-keeper", err) }

func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "optional YAML file whose keys are these flags' names", EnvVars: []string{"IONET_KEEPER_CONFIG"}},
		altsrc.NewStringFlag(&cli.StringFlag{Name: "keypair", Usage: "the keeper's authority: a Solana CLI JSON keypair `FILE` (registered with 'ionet keeper register')", EnvVars: []string{"IONET_KEYPAIR"}}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "rpc-url", Usage: "Solana JSON-RPC endpoint", EnvVars: []string{"IONET_RPC_URL"}, Value: "http://127.0.0.1:8899"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "ws-url", Usage: "Solana websocket endpoint (default: the RPC URL's port + 1)", EnvVars: []string{"IONET_WS_URL"}}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "listen", Usage: "address of the HTTP server (logs, proofs, /healthz, /metrics)", EnvVars: []string{"IONET_LISTEN"}, Value: ":7070"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "data-dir", Usage: "transaction records, observation logs and reports", EnvVars: []string{"IONET_DATA_DIR"}, Value: "ionet-keeper-data"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "price", Usage: "IO/USD price to vote, USD per $IO (up to 6 decimals); default: the latest final price on chain", EnvVars: []string{"IONET_PRICE"}}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "keepers-per-node", Usage: "m, keepers observing each node", EnvVars: []string{"IONET_KEEPERS_PER_NODE"}, Value: 3}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "claims", Usage: "crank every node's claim once an epoch is final", EnvVars: []string{"IONET_CLAIMS"}, Value: true}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error", EnvVars: []string{"IONET_LOG_LEVEL"}, Value: "info"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "log-format", Usage: "text or json", EnvVars: []string{"IONET_LOG_FORMAT"}, Value: "text"}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "localnet-classes", Usage: "also challenge nodes of classes.LocalnetCPU, sized for a local network's short epochs", EnvVars: []string{"IONET_LOCALNET_CLASSES"}}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "challenge-windows", Usage: "challenge windows per class and epoch", EnvVars: []string{"IONET_CHALLENGE_WINDOWS"}, Value: challenge.DefaultWindowConfig.PerEpoch}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "challenge-lead", Usage: "time at an epoch's start without windows, while keepers learn its beacon", EnvVars: []string{"IONET_CHALLENGE_LEAD"}, Value: challenge.DefaultWindowConfig.Lead}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "challenge-window", Usage: "length of a challenge window", EnvVars: []string{"IONET_CHALLENGE_WINDOW"}, Value: challenge.DefaultWindowConfig.Length}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "challenge-spread", Usage: "how long after a window's start a challenge may still be sent", EnvVars: []string{"IONET_CHALLENGE_SPREAD"}, Value: challenge.DefaultWindowConfig.Spread}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "challenge-max-rtt", Usage: "the largest round trip a window allows for", EnvVars: []string{"IONET_CHALLENGE_MAX_RTT"}, Value: challenge.DefaultWindowConfig.MaxRTT}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "challenge-recheck", Usage: "time after a window for the node's other keepers to re-check its challenger's answers; the last window ends this long before the epoch", EnvVars: []string{"IONET_CHALLENGE_RECHECK"}, Value: challenge.DefaultWindowConfig.Recheck}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "challenge-verify", Usage: "time after the deadline to request, receive and check the openings", EnvVars: []string{"IONET_CHALLENGE_VERIFY"}, Value: challenge.DefaultWindowConfig.Verify}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "no-market", Usage: "no matching, expiry, settling or failure reports (the cluster API still answers)", EnvVars: []string{"IONET_NO_MARKET"}}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "match-every", Usage: "time between matching rounds", EnvVars: []string{"IONET_MATCH_EVERY"}, Value: 2 * time.Second}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "max-nodes-per-order", Usage: "most nodes one assign names; keep the default on every keeper, or keepers match differently", EnvVars: []string{"IONET_MAX_NODES_PER_ORDER"}, Value: match.DefaultMaxNodesPerOrder}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "no-expire", Usage: "leave timed-out orders to other keepers", EnvVars: []string{"IONET_NO_EXPIRE"}}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "no-settle", Usage: "leave the final claims of stopped and finished streams to other keepers", EnvVars: []string{"IONET_NO_SETTLE"}}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "hire-probe-every", Usage: "time between probes of each hired node", EnvVars: []string{"IONET_HIRE_PROBE_EVERY"}, Value: 15 * time.Second}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "failure-misses", Usage: "K: consecutive missed probes before a hired node is voted failed", EnvVars: []string{"IONET_FAILURE_MISSES"}, Value: 5}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "failure-span", Usage: "T: the least time the K misses must span", EnvVars: []string{"IONET_FAILURE_SPAN"}, Value: 3 * time.Minute}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "probe-timeout", Usage: "how long one probe of a hired node may take", EnvVars: []string{"IONET_PROBE_TIMEOUT"}, Value: 5 * time.Second}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "renter-keypair", Usage: "LOCAL USE ONLY: the cluster API signs and sends a renter's transactions with this keypair `FILE` instead of returning them unsigned", EnvVars: []string{"IONET_RENTER_KEYPAIR"}}),
		// Only for the quorum tests (tests/e2e's lying keeper): this keeper votes a wrong root on purpose.
		&cli.BoolFlag{Name: "lie", Hidden: true, EnvVars: []string{"IONET_KEEPER_LIE"}},
	}
}

func newApp(stdout, stderr io.Writer) *cli.App {
	fs := flags()
	usage := cliapp.OnUsageError
	app := &cli.App{
		Name:           "ionet-keeper",
		Usage:          "keep ionet: verify workers' proof of compute and uptime, vote epoch reports, crank claims, serve proofs",
		Writer:         stdout,
		ErrWriter:      stderr,
		Flags:          fs,
		Before:         readConfig(fs),
		OnUsageError:   usage,
		ExitErrHandler: func(*cli.Context, error) {},
		Action:         run,
		Commands: []*cli.Command{{
			Name:         "claim",
			Usage:        "crank the claims of the latest final report this keeper holds (in --data-dir), then exit",
			Action:       claim,
			OnUsageError: usage,
		}},
	}
	return app
}

// readConfig fills the flags the command line and environment left unset from
// --config; a file that cannot be read is a usage error.
func readConfig(fs []cli.Flag) cli.BeforeFunc {
	load := altsrc.InitInputSourceWithContext(fs, configSource)
	return func(c *cli.Context) error {
		if err := load(c); err != nil {
			return usagef("%v", err)
		}
		return nil
	}
}

// configSource reads --config when given; without it there is no file source.
func configSource(c *cli.Context) (altsrc.InputSourceContext, error) {
	path := c.String("config")
	if path == "" {
		return &altsrc.MapInputSource{}, nil
	}
	src, err := altsrc.NewYamlSourceFromFile(path)
	if err != nil {
		return nil, usagef("--config %s: %v", path, err)
	}
	return src, nil
}

// logger is the logger --log-level and --log-format choose.
var logger = cliapp.Logger

// config turns the flags into a keeper.Config, refusing bad values as usage errors.
func config(c *cli.Context) (keeper.Config, error) {
	if c.NArg() > 0 {
		return keeper.Config{}, usagef("unexpected argument %q (flags only; see --help)", c.Args().First())
	}
	log, err := logger(c)
	if err != nil {
		return keeper.Config{}, err
	}
	path := c.String("keypair")
	if path == "" {
		return keeper.Config{}, usagef("--keypair is required (a Solana CLI JSON keypair file)")
	}
	key, err := cliapp.LoadKeypair("--keypair", path)
	if err != nil {
		return keeper.Config{}, err
	}
	var price uint64
	if p := c.String("price"); p != "" {
		if price, err = staking.ParseUSDMicro(p); err != nil || price == 0 {
			return keeper.Config{}, usagef("--price %q: want a positive USD amount with up to 6 decimals", p)
		}
	}
	if m := c.Int("keepers-per-node"); m < 1 || m > 16 {
		return keeper.Config{}, usagef("--keepers-per-node %d: want 1 to 16", m)
	}
	windows := challenge.WindowConfig{PerEpoch: c.Int("challenge-windows"), Lead: c.Duration("challenge-lead"),
		Length: c.Duration("challenge-window"), Spread: c.Duration("challenge-spread"),
		MaxRTT: c.Duration("challenge-max-rtt"), Verify: c.Duration("challenge-verify"), Recheck: c.Duration("challenge-recheck")}
	if windows.PerEpoch < 1 || windows.Lead < 0 || windows.Length <= 0 || windows.Spread < 0 || windows.MaxRTT < 0 || windows.Verify <= 0 || windows.Recheck < 0 {
		return keeper.Config{}, usagef("--challenge-windows must be at least 1, --challenge-window and --challenge-verify positive, the other durations not negative")
	}
	mkt := keeper.MarketConfig{Disabled: c.Bool("no-market"), Every: c.Duration("match-every"),
		MaxNodesPerOrder: c.Int("max-nodes-per-order"), NoExpire: c.Bool("no-expire"), NoSettle: c.Bool("no-settle"),
		HireProbeEvery: c.Duration("hire-probe-every"), FailureMisses: c.Int("failure-misses"),
		FailureSpan: c.Duration("failure-span"), ProbeTimeout: c.Duration("probe-timeout")}
	if mkt.Every <= 0 || mkt.HireProbeEvery <= 0 || mkt.FailureSpan < 0 || mkt.ProbeTimeout <= 0 {
		return keeper.Config{}, usagef("--match-every, --hire-probe-every and --probe-timeout must be positive, --failure-span not negative")
	}
	if mkt.MaxNodesPerOrder < 1 || mkt.FailureMisses < 1 {
		return keeper.Config{}, usagef("--max-nodes-per-order and --failure-misses must be at least 1")
	}
	if p := c.String("renter-keypair"); p != "" {
		if mkt.RenterKeypair, err = cliapp.LoadKeypair("--renter-keypair", p); err != nil {
			return keeper.Config{}, err
		}
	}
	lookup := classes.ByName
	if c.Bool("localnet-classes") {
		lookup = classes.LocalnetLookup
	}
	cfg := keeper.Config{
		Keypair: key, RPCURL: c.String("rpc-url"), WSURL: c.String("ws-url"), Listen: c.String("listen"),
		DataDir: c.String("data-dir"), PriceMicroUSD: price, KeepersPerNode: c.Int("keepers-per-node"),
		Claims: c.Bool("claims"), Lie: c.Bool("lie"), Logger: log,
		Challenge: challenge.Config{Windows: windows, Lookup: lookup}, Market: mkt,
	}
	if cfg.WSURL == "" {
		if cfg.WSURL, err = keeper.DefaultWSURL(cfg.RPCURL); err != nil {
			return keeper.Config{}, usageError{Msg: err.Error()}
		}
	}
	return cfg, nil
}

func run(c *cli.Context) error {
	cfg, err := config(c)
	if err != nil {
		return err
	}
	k, err := keeper.New(cfg)
	if err != nil {
		return err
	}
	return k.Run(c.Context)
}

func claim(c *cli.Context) error {
	cfg, err := config(c)
	if err != nil {
		return err
	}
	n, err := keeper.ClaimOnce(c.Context, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "cranked %d claims\n", n)
	return nil
}
