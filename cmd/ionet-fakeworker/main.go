// Command ionet-fakeworker stands in for the worker agent until it lands: it serves
// the worker API (worker/api) for one identity, answering proof-of-compute
// challenges on the CPU (worker/gemm through oracle/pow) and uptime probes from the
// registered keepers.
//
//	ionet-fakeworker --keypair worker.json --rpc-url http://127.0.0.1:8899
//	ionet-fakeworker --keypair worker.json --keeper <base58> --keeper <base58> --fault wrong-row
//
// The keeper set comes from io-rewards at --rpc-url (refreshed every
// --keeper-refresh), or from --keeper keys. Every flag may come from its IONET_*
// environment variable. Exit status: 0 clean shutdown, 1 failure, 2 bad usage.
package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/api"
	"github.com/ionet-network/ionet/worker/compute"
	"github.com/ionet-network/ionet/worker/gemm"
)

// version is reported in /v1/info.
const version = "ionet-fakeworker/0.1"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newApp(os.Stdout, os.Stderr, nil).RunContext(ctx, os.Args)
	stop()
	os.Exit(exitCode(os.Stderr, err))
}

// usageError is a bad flag or value; nothing was done.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "ionet-fakeworker:", err)
	var u usageError
	// urfave/cli reports missing required flags with an unexported type; its message
	// is the only handle.
	if errors.As(err, &u) || strings.HasPrefix(err.Error(), "Required flag") {
		return 2
	}
	return 1
}

func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "keypair", Usage: "the worker identity: a Solana CLI JSON keypair `FILE`", EnvVars: []string{"IONET_KEYPAIR"}},
		&cli.StringFlag{Name: "listen", Usage: "address of the worker API", EnvVars: []string{"IONET_LISTEN"}, Value: ":7080"},
		&cli.StringFlag{Name: "class", Usage: "proof-of-compute class answered (default: the CPU class of this machine's GEMM kernel and --threads)", EnvVars: []string{"IONET_CLASS"}},
		&cli.IntFlag{Name: "threads", Usage: "CPU GEMM threads (0: GOMAXPROCS)", EnvVars: []string{"IONET_THREADS"}},
		&cli.StringFlag{Name: "rpc-url", Usage: "Solana JSON-RPC endpoint to read the keeper set from io-rewards", EnvVars: []string{"IONET_RPC_URL"}},
		&cli.StringSliceFlag{Name: "keeper", Usage: "a keeper's key (base58) to accept instead of reading the chain; repeat for more", EnvVars: []string{"IONET_KEEPERS"}},
		&cli.DurationFlag{Name: "keeper-refresh", Usage: "how often the keeper set is read again from --rpc-url", EnvVars: []string{"IONET_KEEPER_REFRESH"}, Value: 30 * time.Second},
		&cli.StringFlag{Name: "node", Usage: "the io-staking node account served (default: the node registered with this worker key)", EnvVars: []string{"IONET_NODE"}},
		&cli.BoolFlag{Name: "localnet-classes", Usage: "also answer classes.LocalnetCPU (--class localnet-cpu), sized for a local network's short epochs", EnvVars: []string{"IONET_LOCALNET_CLASSES"}},
		&cli.StringFlag{Name: "fault", Usage: "misbehave for tests: wrong-row (a corrupted opened row) or slow (commitments after the deadline)", EnvVars: []string{"IONET_FAULT"}},
		&cli.DurationFlag{Name: "slow-delay", Usage: "how long --fault slow holds a commitment (0: the class's deadline + 1 s)", EnvVars: []string{"IONET_SLOW_DELAY"}},
		&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error", EnvVars: []string{"IONET_LOG_LEVEL"}, Value: "info"},
		&cli.StringFlag{Name: "log-format", Usage: "text or json", EnvVars: []string{"IONET_LOG_FORMAT"}, Value: "text"},
	}
}

// hooks let tests size classes down and learn the bound address.
type hooks struct {
	lookup   func(string) (classes.Class, error)
	listened func(addr string)
}

func newApp(stdout, stderr io.Writer, h *hooks) *cli.App {
	if h == nil {
		h = &hooks{}
	}
	return &cli.App{
		Name:           "ionet-fakeworker",
		Usage:          "serve the worker API on the CPU for one worker identity (a stand-in for the worker agent)",
		Writer:         stdout,
		ErrWriter:      stderr,
		Flags:          flags(),
		OnUsageError:   func(_ *cli.Context, err error, _ bool) error { return usageError{err.Error()} },
		ExitErrHandler: func(*cli.Context, error) {},
		Action: func(c *cli.Context) error {
			cfg, err := configure(c, h)
			if err != nil {
				return err
			}
			return serve(c.Context, cfg)
		},
	}
}

// config is the fake worker's configuration, from flags and environment.
type config struct {
	key       ed25519.PrivateKey
	listen    string
	class     string
	threads   int
	rpcURL    string
	keepers   []ed25519.PublicKey
	refresh   time.Duration
	node      solana.PublicKey
	fault     api.Fault
	slowDelay time.Duration
	localnet  bool // classes.LocalnetLookup instead of classes.ByName
	log       *slog.Logger
	hooks     *hooks
}

func logger(c *cli.Context) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", c.String("log-level"))
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.String("log-format") {
	case "text":
		return slog.New(slog.NewTextHandler(c.App.ErrWriter, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(c.App.ErrWriter, opts)), nil
	}
	return nil, usagef("--log-format %q: want text or json", c.String("log-format"))
}

func configure(c *cli.Context, h *hooks) (config, error) {
	if c.NArg() > 0 {
		return config{}, usagef("unexpected argument %q (flags only; see --help)", c.Args().First())
	}
	log, err := logger(c)
	if err != nil {
		return config{}, err
	}
	cfg := config{listen: c.String("listen"), threads: c.Int("threads"), rpcURL: c.String("rpc-url"),
		refresh: c.Duration("keeper-refresh"), slowDelay: c.Duration("slow-delay"), localnet: c.Bool("localnet-classes"),
		log: log, hooks: h}
	path := c.String("keypair")
	if path == "" {
		return config{}, usagef("--keypair is required (a Solana CLI JSON keypair file)")
	}
	sk, err := solana.PrivateKeyFromSolanaKeygenFile(path)
	if err != nil {
		return config{}, usagef("--keypair %s: %v", path, err)
	}
	cfg.key = ed25519.PrivateKey(sk)
	for _, s := range c.StringSlice("keeper") {
		k, err := solana.PublicKeyFromBase58(s)
		if err != nil {
			return config{}, usagef("--keeper %q: %v", s, err)
		}
		cfg.keepers = append(cfg.keepers, ed25519.PublicKey(k[:]))
	}
	if (len(cfg.keepers) == 0) == (cfg.rpcURL == "") {
		return config{}, usagef("give either --rpc-url (keepers registered in io-rewards) or --keeper keys, not both")
	}
	if cfg.refresh <= 0 {
		return config{}, usagef("--keeper-refresh %v: want a positive duration", cfg.refresh)
	}
	if cfg.threads < 0 || cfg.slowDelay < 0 {
		return config{}, usagef("--threads and --slow-delay must not be negative")
	}
	if cfg.fault, err = api.ParseFault(c.String("fault")); err != nil {
		return config{}, usagef("--fault: %v", err)
	}
	cfg.node = staking.NodeAddress(sk.PublicKey())
	if s := c.String("node"); s != "" {
		if cfg.node, err = solana.PublicKeyFromBase58(s); err != nil {
			return config{}, usagef("--node %q: %v", s, err)
		}
	}
	cfg.class = c.String("class")
	if cfg.class == "" {
		cl, err := compute.CPUClass(gemm.Best(), cfg.threads)
		if err != nil {
			return config{}, err
		}
		cfg.class = cl.Name
	}
	if _, err := cfg.lookup()(cfg.class); err != nil {
		return config{}, usagef("--class %q: %v", cfg.class, err)
	}
	return cfg, nil
}

func (cfg config) lookup() func(string) (classes.Class, error) {
	if cfg.hooks != nil && cfg.hooks.lookup != nil {
		return cfg.hooks.lookup
	}
	if cfg.localnet {
		return classes.LocalnetLookup
	}
	return classes.ByName
}

// keeperSet is the accepted keepers, replaced whole on each refresh.
type keeperSet struct {
	v atomic.Pointer[map[string]bool]
}

func (s *keeperSet) set(keys []ed25519.PublicKey) {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[string(k)] = true
	}
	s.v.Store(&m)
}

func (s *keeperSet) has(k ed25519.PublicKey) bool {
	m := s.v.Load()
	return m != nil && (*m)[string(k)]
}

// chainKeepers reads the keepers io-rewards lists that have not exited by now's
// epoch (a keeper registered this epoch is accepted already: it serves from the
// next one).
func chainKeepers(ctx context.Context, rpcURL string) ([]ed25519.PublicKey, error) {
	snap, err := follower.Read(ctx, rpcURL)
	if err != nil {
		return nil, err
	}
	if snap.RewardsConfig == nil {
		return nil, errors.New("io-rewards is not initialized")
	}
	epoch := rewards.EpochsOf(snap.RewardsConfig.Params).At(time.Now().Unix())
	var out []ed25519.PublicKey
	for _, k := range snap.Keepers {
		if k.ExitFrom == nil || epoch < *k.ExitFrom {
			out = append(out, ed25519.PublicKey(k.Authority[:]))
		}
	}
	return out, nil
}

func serve(ctx context.Context, cfg config) error {
	log := cfg.log
	keepers := &keeperSet{}
	if cfg.rpcURL == "" {
		keepers.set(cfg.keepers)
	} else {
		ks, err := chainKeepers(ctx, cfg.rpcURL)
		if err != nil {
			return fmt.Errorf("keeper set from %s: %w", cfg.rpcURL, err)
		}
		keepers.set(ks)
		log.Info("keeper set", "keepers", len(ks), "rpc", cfg.rpcURL)
	}
	backend := gemm.Backend{Threads: cfg.threads}
	prover, err := pow.NewProver(pow.ProverConfig{Key: cfg.key, Backend: backend, Lookup: cfg.lookup(), Logger: log})
	if err != nil {
		return err
	}
	srv, err := api.NewServer(api.Config{
		Key: cfg.key, Node: cfg.node, Class: cfg.class, Lookup: cfg.lookup(), Version: version,
		Devices: []api.Device{{Prover: prover}}, Keepers: keepers.has,
		Fault: cfg.fault, SlowDelay: cfg.slowDelay, Logger: log,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.listen, err)
	}
	info := srv.Info()
	log.Info("fake worker listening", "addr", ln.Addr().String(), "worker", info.Worker, "node", info.Node,
		"class", info.Class, "backend", backend.Name(), "fault", string(cfg.fault))
	if cfg.hooks != nil && cfg.hooks.listened != nil {
		cfg.hooks.listened(ln.Addr().String())
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	wg.Go(func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http server: %w", err)
			cancel()
		}
	})
	if cfg.rpcURL != "" {
		wg.Go(func() {
			t := time.NewTicker(cfg.refresh)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				ks, err := chainKeepers(ctx, cfg.rpcURL)
				if err != nil {
					log.Warn("keeper set not refreshed", "error", err)
					continue
				}
				keepers.set(ks)
				log.Debug("keeper set", "keepers", len(ks))
			}
		})
	}
	<-ctx.Done()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	_ = hs.Shutdown(sctx)
	cancel()
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	log.Info("fake worker stopped")
	return nil
}
