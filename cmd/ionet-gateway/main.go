// Command ionet-gateway serves ionet to wallets and browsers over HTTP: Solana Actions
// (blinks) that return unsigned staking and hire transactions for a wallet to sign
// (gateway/actions, docs/gateway.md), Prometheus metrics, and a health check. It
// holds no keys and sends nothing: every transaction is signed and sent by the
// wallet.
//
//	ionet-gateway --rpc-url http://127.0.0.1:8899 --listen :8080
//
// Routes, on one http.ServeMux (routes):
//
//	/actions.json, /api/actions/…   Solana Actions (gateway/actions)
//	/metrics                        Prometheus
//	/healthz                        200 "ok"
//	/, /nodes/{node}, /static/explorer/, /api/{network,nodes,hires,epochs,emission}
//	                                the network explorer (gateway/explorer)
//
// Every flag may come from its IONET_* environment variable. Exit status: 0 clean
// shutdown, 1 failure, 2 bad usage.
package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/gateway/actions"
	"github.com/ionet-network/ionet/gateway/explorer"
	"github.com/ionet-network/ionet/internal/cliapp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newApp(os.Stdout, os.Stderr).RunContext(ctx, os.Args)
	stop()
	os.Exit(cliapp.ExitCode(os.Stderr, "ionet-gateway", err))
}

func newApp(stdout, stderr io.Writer) *cli.App {
	usage := cliapp.OnUsageError
	return &cli.App{
		Name:           "ionet-gateway",
		Usage:          "serve ionet's Solana Actions (blinks) to wallets: unsigned staking and hire transactions",
		Writer:         stdout,
		ErrWriter:      stderr,
		OnUsageError:   usage,
		ExitErrHandler: func(*cli.Context, error) {},
		Action:         run,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "rpc-url", Usage: "Solana JSON-RPC endpoint", EnvVars: []string{"IONET_RPC_URL"}, Value: "http://127.0.0.1:8899"},
			&cli.StringFlag{Name: "listen", Usage: "address of the HTTP server", EnvVars: []string{"IONET_LISTEN"}, Value: ":8080"},
			&cli.StringFlag{Name: "public-url", Usage: "the origin wallets reach this gateway at (https://gateway.example), for the icon's and actions' absolute URLs; default: each request's Host", EnvVars: []string{"IONET_PUBLIC_URL"}},
			&cli.StringFlag{Name: "chain-id", Usage: "CAIP-2 chain id for X-Blockchain-Ids (solana:<genesis hash, 32 chars>); default: from the RPC's getGenesisHash", EnvVars: []string{"IONET_CHAIN_ID"}},
			&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error", EnvVars: []string{"IONET_LOG_LEVEL"}, Value: "info"},
			&cli.StringFlag{Name: "log-format", Usage: "text or json", EnvVars: []string{"IONET_LOG_FORMAT"}, Value: "text"},
		},
	}
}

// config reads the flags, refusing bad values as usage errors.
func config(c *cli.Context) (actions.Config, string, error) {
	if c.NArg() > 0 {
		return actions.Config{}, "", cliapp.Usagef("unexpected argument %q (flags only; see --help)", c.Args().First())
	}
	log, err := cliapp.Logger(c)
	if err != nil {
		return actions.Config{}, "", err
	}
	rpcURL := c.String("rpc-url")
	if u, err := url.Parse(rpcURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return actions.Config{}, "", cliapp.Usagef("--rpc-url %q: want an http:// or https:// URL", rpcURL)
	}
	public := c.String("public-url")
	if public != "" {
		if u, err := url.Parse(public); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return actions.Config{}, "", cliapp.Usagef("--public-url %q: want an origin such as https://gateway.example", public)
		}
	}
	listen := c.String("listen")
	if _, _, err := net.SplitHostPort(listen); err != nil {
		return actions.Config{}, "", cliapp.Usagef("--listen %q: %v", listen, err)
	}
	return actions.Config{RPCURL: rpcURL, PublicURL: public, ChainID: c.String("chain-id"), Logger: log}, listen, nil
}

// routes is the gateway's one ServeMux: the actions, /metrics and /healthz. "/" is
// left for the explorer (gateway/explorer's Register: GET /{$}, /nodes/…,
// /static/explorer/…, /api/network and its siblings), which registers itself here.
// A catch-all "GET /" would conflict with the actions' method-less "/api/actions/"
// (the mux panics on conflicting patterns); "/" or "GET /{$}" do not.
func routes(cfg actions.Config, registry *prometheus.Registry) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	a, err := actions.New(cfg, registry)
	if err != nil {
		return nil, err
	}
	a.Register(mux)
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	return mux, nil
}

func run(c *cli.Context) error {
	cfg, listen, err := config(c)
	if err != nil {
		return err
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux, err := routes(cfg, registry)
	if err != nil {
		return err
	}
	x := withExplorer(mux, cfg)
	ctx, cancel := context.WithCancel(c.Context)
	defer cancel()
	sampled := make(chan struct{})
	go func() { defer close(sampled); _ = x.Run(ctx) }()
	err = serve(ctx, cfg.Logger, listen, mux)
	cancel()
	<-sampled // the explorer's sampling has stopped (and logs nothing more)
	return err
}

// withExplorer mounts the network explorer (gateway/explorer, docs/explorer.md) at
// "/" of mux: its page, /nodes/{node}, /static/explorer/ and its JSON API under
// /api/; its Run samples the chain every 5 s for the history it keeps in memory.
func withExplorer(mux *http.ServeMux, cfg actions.Config) *explorer.Explorer {
	x := explorer.New(explorer.Config{RPCURL: cfg.RPCURL, Logger: cfg.Logger, PollEvery: 5 * time.Second})
	x.Register(mux)
	return x
}

// serve answers on listen until ctx ends, then shuts down within 10 seconds.
func serve(ctx context.Context, log *slog.Logger, listen string, h http.Handler) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Info("ionet-gateway listening", "addr", ln.Addr().String())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	if serveErr := <-done; !errors.Is(serveErr, http.ErrServerClosed) && serveErr != nil {
		return serveErr
	}
	log.Info("ionet-gateway stopped")
	return err
}
