// Package explorer is the network explorer of ionet-gateway (docs/explorer.md): a
// static page (HTML, JS, and the vendored uPlot charting library, all embedded) and
// the JSON API it polls, computed from the chain through RPC and from the keepers'
// public endpoints (the keepers listed on chain). There is no database: the burned
// supply over time is read back from the chain's BurnRecorded events, and what the
// chain does not keep (challenges of epochs that are no longer open, supply samples
// where the RPC node lacks the history) is remembered in memory from the gateway's
// start.
//
//	GET /                      the explorer page; GET /nodes/{node} a node's page
//	GET /static/explorer/...   its scripts, styles and uPlot
//	GET /api/network           the network at a glance (chain/network's status and more)
//	GET /api/nodes             every node: class, location, attested TOPS, uptime, stake, delegated
//	GET /api/nodes/{node}      one node: stake, delegators' total, earnings, slashes, challenges
//	GET /api/hires             hire orders with their assignments at the matched prices
//	GET /api/epochs            epoch reports: roots, commits, voters, IO/USD price
//	GET /api/emission          the schedule with its halvings, emitted and burned $IO
package explorer

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/network"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/follower"
)

//go:embed static
var static embed.FS

// Config says where the explorer reads from.
type Config struct {
	// RPCURL is the Solana JSON-RPC endpoint.
	RPCURL string
	// CacheTTL is how long one read of the chain serves the API (default 2 s).
	CacheTTL time.Duration
	// KeeperTimeout bounds each call to a keeper's endpoint (default 3 s).
	KeeperTimeout time.Duration
	// PollEvery, when positive, reads the chain in the background at this period so
	// the in-memory history (burned supply, challenges) grows even when nobody
	// looks; Run does it.
	PollEvery time.Duration
	// WatchNodes: while the network has at most this many nodes, Run also fetches
	// every node's challenges from the keepers at each poll, so the challenge
	// history covers every epoch since the gateway started, not only those in which
	// someone had the node's page open (default 32; negative: never).
	WatchNodes int
	Logger     *slog.Logger
}

// Explorer serves the page and the API.
type Explorer struct {
	cfg    Config
	client *staking.Client
	http   *http.Client
	mu     sync.Mutex // serializes refreshes
	cached *state
	// localnet: whether the RPC node answers ionet_genesis (nil until known).
	localnet *bool
	hist     history
	burns    burnLog
	keepers  keeperData
}

// New makes an explorer reading from cfg.RPCURL.
func New(cfg Config) *Explorer {
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 2 * time.Second
	}
	if cfg.KeeperTimeout <= 0 {
		cfg.KeeperTimeout = 3 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.WatchNodes == 0 {
		cfg.WatchNodes = 32
	}
	// Keepers' endpoints are whatever they registered: no redirects are followed.
	keepers := &http.Client{Timeout: cfg.KeeperTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	x := &Explorer{cfg: cfg, client: staking.New(cfg.RPCURL), http: keepers}
	x.keepers.init()
	return x
}

// Register mounts the page and the API on mux: GET / (exactly), GET /nodes/{node},
// GET /static/explorer/ and GET /api/{network,nodes,nodes/{node},hires,epochs,emission}.
func (x *Explorer) Register(mux *http.ServeMux) {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree always has it
	}
	mux.HandleFunc("GET /{$}", x.page)
	mux.HandleFunc("GET /nodes/{node}", x.page)
	mux.Handle("GET /static/explorer/", http.StripPrefix("/static/explorer/", http.FileServerFS(sub)))
	mux.HandleFunc("GET /api/network", x.api(x.networkView))
	mux.HandleFunc("GET /api/nodes", x.api(x.nodesView))
	mux.HandleFunc("GET /api/nodes/{node}", x.api(x.nodeView))
	mux.HandleFunc("GET /api/hires", x.api(x.hiresView))
	mux.HandleFunc("GET /api/epochs", x.api(x.epochsView))
	mux.HandleFunc("GET /api/emission", x.api(x.emissionView))
}

// Handler is a mux with only the explorer on it.
func (x *Explorer) Handler() http.Handler {
	mux := http.NewServeMux()
	x.Register(mux)
	return mux
}

// Run reads the chain every cfg.PollEvery until ctx ends (nothing when it is 0), so
// the history kept in memory covers the time since the gateway started, fetches the
// final reports the keepers serve as epochs become final and, on a small network
// (Config.WatchNodes), every node's challenges.
func (x *Explorer) Run(ctx context.Context) error {
	if x.cfg.PollEvery <= 0 {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(x.cfg.PollEvery)
	defer t.Stop()
	for {
		if st, err := x.state(ctx); err != nil {
			if ctx.Err() == nil {
				x.cfg.Logger.Warn("explorer: read the chain", "err", err)
			}
		} else {
			x.burns.maybeRefresh(ctx, x.client.RPC, x.cfg.CacheTTL)
			x.keepers.fetchReports(ctx, x, st)
			if len(st.snap.Nodes) <= x.cfg.WatchNodes {
				for addr := range st.snap.Nodes {
					x.keepers.challenges(ctx, x, st, addr)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (x *Explorer) page(w http.ResponseWriter, r *http.Request) {
	b, err := static.ReadFile("static/index.html")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	// Everything the page loads or calls is this gateway's (no CDN, by policy too).
	w.Header().Set("Content-Security-Policy", pagePolicy)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}

// pagePolicy is the page's Content-Security-Policy: scripts, styles, fetches and
// images from the gateway only.
const pagePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// errNotFound makes a 404.
var errNotFound = errors.New("not found")

// badRequest makes a 400.
type badRequest struct{ error }

func (x *Explorer) api(view func(ctx context.Context, st *state, r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, err := x.state(r.Context())
		var v any
		if err == nil {
			v, err = view(r.Context(), st, r)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if err != nil {
			code := http.StatusBadGateway // the chain or a keeper failed us
			var bad badRequest
			switch {
			case errors.Is(err, errNotFound):
				code = http.StatusNotFound
			case errors.As(err, &bad):
				code = http.StatusBadRequest
			}
			msg := err.Error()
			if code == http.StatusBadGateway {
				// The RPC error names the RPC URL, which may hold an API key: the
				// detail goes to the gateway's log only.
				x.cfg.Logger.Warn("explorer: read the chain", "path", r.URL.Path, "err", err)
				msg = "the chain could not be read (the RPC node failed; the gateway's log has the detail)"
			}
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
			return
		}
		_ = json.NewEncoder(w).Encode(v)
	}
}

// state is one read of the chain.
type state struct {
	at       time.Time
	now      int64 // the chain's clock
	status   *network.Status
	snap     *follower.Snapshot
	localnet bool // the RPC node is an ionet-localnet
}

// className names a class id as the ionet CLI and the gateway's actions do
// (network.ClassNameOn): localnet-cpu for the generic-CPU id on an ionet-localnet.
func (st *state) className(id uint8) string { return network.ClassNameOn(id, st.localnet) }

// state returns the cached read of the chain, or reads it again once it is older
// than the TTL; each read adds a point to the history.
func (x *Explorer) state(ctx context.Context) (*state, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.cached != nil && time.Since(x.cached.at) < x.cfg.CacheTTL {
		return x.cached, nil
	}
	snap, err := follower.Read(ctx, x.cfg.RPCURL)
	if err != nil {
		return nil, err
	}
	if snap.RewardsConfig == nil || snap.StakingConfig == nil || snap.HireConfig == nil {
		return nil, fmt.Errorf("the programs are not initialized on %s", x.cfg.RPCURL)
	}
	status, err := network.StatusOf(ctx, x.client, snap)
	if err != nil {
		return nil, err
	}
	now, err := x.client.Now(ctx)
	if err != nil {
		return nil, err
	}
	if x.localnet == nil {
		if yes, err := localnet.Detect(ctx, x.client.RPC); err == nil {
			x.localnet = &yes
		}
	}
	st := &state{at: time.Now(), now: now, status: status, snap: snap, localnet: x.localnet != nil && *x.localnet}
	x.hist.add(st)
	x.cached = st
	return st, nil
}

// Amount is a base-unit amount; JSON carries it as a decimal string, since $IO's
// supply (8 × 10¹⁶ base units) is beyond a JavaScript number's exact integers.
type Amount uint64

func (a Amount) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatUint(uint64(a), 10)), nil
}

func (a *Amount) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("amount %s: want a quoted decimal", b)
	}
	v, err := strconv.ParseUint(s, 10, 64)
	*a = Amount(v)
	return err
}

func parseKey(s string) (solana.PublicKey, error) {
	k, err := solana.PublicKeyFromBase58(s)
	if err != nil {
		return k, badRequest{fmt.Errorf("%q is not a base58 address: %w", s, err)}
	}
	return k, nil
}

func errNotFoundf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errNotFound, fmt.Sprintf(format, args...))
}
