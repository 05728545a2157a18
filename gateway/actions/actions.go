// Package actions serves ionet's Solana Actions (the Blinks specification): a wallet
// or a blink client reads an action's metadata with GET, posts the wallet's address,
// and gets back an unsigned transaction to sign and send. The gateway holds no key and
// sends nothing. docs/gateway.md describes the endpoints and their errors.
//
//	GET  /actions.json                    the rules: /api/actions/** is served here
//	GET  /api/actions/icon.svg            the actions' icon
//	GET  /api/actions/delegate/{node}     POST ?amount=   delegate $IO to a node
//	GET  /api/actions/undelegate/{node}   POST ?amount=   start a cooldown ("all" for the whole position)
//	GET  /api/actions/withdraw/{node}     POST            redeem the tickets whose cooldown is over
//	GET  /api/actions/claim/{node}        POST            claim the position's delegator rewards
//	GET  /api/actions/hire                POST ?class=&gpus=&hours=&mint=&price=   escrow a hire order
//
// Every response, OPTIONS and errors included, carries the specification's CORS
// headers, X-Action-Version and X-Blockchain-Ids. Bad input is 400 with
// {"message": …} and no transaction. The instructions are built by chain/staking and
// chain/hire, the code the ionet CLI sends, and every transaction is simulated
// before it is returned, so a refusal the programs would make is a 400 too.
package actions

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
)

// Version is the Actions specification version the gateway speaks (X-Action-Version).
const Version = "2.4"

// localChain is X-Blockchain-Ids behind an RPC that has no getGenesisHash.
const localChain = "solana:localnet"

// Paths the gateway mounts.
const (
	RulesPath = "/actions.json"
	Prefix    = "/api/actions/"
	IconPath  = Prefix + "icon.svg"
)

//go:embed icon.svg
var icon []byte

// Config is what the actions need.
type Config struct {
	// RPCURL is the Solana JSON-RPC endpoint the actions read the chain from and
	// simulate against.
	RPCURL string
	// PublicURL is the origin wallets reach the gateway at ("https://gw.example"), for
	// the icon's and the actions' absolute URLs; empty: each request's Host, over https
	// when the request came over TLS or says X-Forwarded-Proto: https.
	PublicURL string
	// ChainID is the CAIP-2 id in X-Blockchain-Ids ("solana:<genesis hash, 32
	// characters>"); empty: read from the RPC's getGenesisHash (ionet-localnet has
	// its own genesis hash), or "solana:localnet" when the RPC cannot say.
	ChainID string
	// Logger logs each refused and failed request; nil: slog.Default.
	Logger *slog.Logger
}

// Server answers the actions.
type Server struct {
	cfg     Config
	log     *slog.Logger
	staking *staking.Client
	hire    *hire.Client
	rewards *rewards.Client

	chainMu    sync.Mutex
	chainID    string
	chainAsked time.Time // the last failed getGenesisHash

	localnetMu sync.Mutex
	localnet   *bool // whether the RPC node is an ionet-localnet (nil until known)

	requests *prometheus.CounterVec
	txs      *prometheus.CounterVec
}

// New is a Server for cfg; its series (ionet_gateway_action_requests_total,
// ionet_gateway_action_transactions_total) go on registry when it is not nil.
func New(cfg Config, registry prometheus.Registerer) (*Server, error) {
	if cfg.RPCURL == "" {
		return nil, errors.New("actions: no RPC URL")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	client := staking.New(cfg.RPCURL)
	s := &Server{
		cfg: cfg, log: cfg.Logger, staking: client,
		hire: &hire.Client{Staking: client}, rewards: &rewards.Client{Staking: client},
		chainID: cfg.ChainID,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ionet_gateway_action_requests_total",
			Help: "Solana Actions requests by action, method and status code.",
		}, []string{"action", "method", "code"}),
		txs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ionet_gateway_action_transactions_total",
			Help: "Unsigned transactions returned to wallets, by action.",
		}, []string{"action"}),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if registry != nil {
		if err := registry.Register(s.requests); err != nil {
			return nil, err
		}
		if err := registry.Register(s.txs); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Register mounts the actions on mux: /actions.json and everything under
// /api/actions/. It leaves "/" alone.
func (s *Server) Register(mux *http.ServeMux) {
	mux.Handle(RulesPath, s.endpoint("rules", s.rules, nil))
	mux.Handle(IconPath, s.endpoint("icon", s.icon, nil))
	mux.Handle(Prefix+"delegate/{node}", s.endpoint("delegate", s.delegateGet, s.delegatePost))
	mux.Handle(Prefix+"undelegate/{node}", s.endpoint("undelegate", s.undelegateGet, s.undelegatePost))
	mux.Handle(Prefix+"withdraw/{node}", s.endpoint("withdraw", s.withdrawGet, s.withdrawPost))
	mux.Handle(Prefix+"claim/{node}", s.endpoint("claim", s.claimGet, s.claimPost))
	mux.Handle(Prefix+"hire", s.endpoint("hire", s.hireGet, s.hirePost))
	mux.Handle(Prefix, s.endpoint("unknown", nil, nil))
}

// Handler is the actions alone on their own mux (tests, or mounting elsewhere).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Register(mux)
	return mux
}

// failure is an answer other than 200: its status and the message a wallet shows.
type failure struct {
	status int
	msg    string
}

func (f *failure) Error() string { return f.msg }

// bad is a 400: the request cannot become a transaction.
func bad(format string, a ...any) error {
	return &failure{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

// unavailable is a 502: the chain could not be read.
func unavailable(what string, err error) error {
	return &failure{http.StatusBadGateway, fmt.Sprintf("%s: the chain could not be read: %v", what, err)}
}

type handler func(w http.ResponseWriter, r *http.Request) (any, error)

// endpoint answers OPTIONS (a CORS preflight) itself, GET and HEAD with get and POST
// with post (nil: not allowed), other methods with 405; every answer carries the CORS
// headers, and a nil get and post is an unknown action (404).
func (s *Server) endpoint(action string, get, post handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.headers(r.Context(), w)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() { s.requests.WithLabelValues(action, method(r.Method), strconv.Itoa(rec.status)).Inc() }()
		if r.Method == http.MethodOptions { // a CORS preflight: the headers are the answer
			rec.WriteHeader(http.StatusOK)
			return
		}
		if get == nil && post == nil {
			s.fail(rec, r, action, &failure{http.StatusNotFound, fmt.Sprintf("no action at %s", r.URL.Path)})
			return
		}
		var h handler
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			h = get
		case http.MethodPost:
			h = post
		}
		if h == nil {
			allow := "GET, OPTIONS"
			if post != nil {
				allow = "GET, POST, OPTIONS"
			}
			w.Header().Set("Allow", allow)
			s.fail(rec, r, action, &failure{http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s (%s)", r.Method, r.URL.Path, allow)})
			return
		}
		out, err := h(rec, r)
		if err != nil {
			s.fail(rec, r, action, err)
			return
		}
		if out == nil { // the handler wrote the body (the icon)
			return
		}
		if tx, ok := out.(*PostResponse); ok && tx.Transaction != "" {
			s.txs.WithLabelValues(action).Inc()
		}
		writeJSON(rec, http.StatusOK, out)
	})
}

func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodPatch:
		return m
	}
	return "other"
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// headers sets what every answer carries: the Actions specification's CORS headers,
// its version and the chain's id.
func (s *Server) headers(ctx context.Context, w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET,POST,PUT,OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, Content-Encoding, Accept-Encoding, X-Action-Version, X-Blockchain-Ids")
	h.Set("Access-Control-Expose-Headers", "X-Action-Version, X-Blockchain-Ids")
	h.Set("Content-Type", "application/json")
	h.Set("X-Action-Version", Version)
	h.Set("X-Blockchain-Ids", s.chain(ctx))
}

// chain is the CAIP-2 id of the chain behind the RPC, asked once; after a failure it
// is asked again 30 seconds later, and answered meanwhile with solana:localnet.
func (s *Server) chain(ctx context.Context) string {
	s.chainMu.Lock()
	defer s.chainMu.Unlock()
	if s.chainID != "" {
		return s.chainID
	}
	if time.Since(s.chainAsked) < 30*time.Second { // the RPC failed just now: not on every request
		return localChain
	}
	s.chainAsked = time.Now()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	hash, err := s.staking.RPC.GetGenesisHash(ctx)
	if err != nil {
		var rpcErr *jsonrpc.RPCError
		if errors.As(err, &rpcErr) && rpcErr.Code == -32601 {
			s.chainID = localChain // an RPC without getGenesisHash
		}
		return localChain
	}
	id := hash.String()
	if len(id) > 32 {
		id = id[:32]
	}
	s.chainID = "solana:" + id
	return s.chainID
}

// isLocalnet says whether the RPC node is an ionet-localnet (localnet.Detect), asked
// until it answers; meanwhile it counts as none.
func (s *Server) isLocalnet(ctx context.Context) bool {
	s.localnetMu.Lock()
	defer s.localnetMu.Unlock()
	if s.localnet == nil {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		yes, err := localnet.Detect(ctx, s.staking.RPC)
		if err != nil {
			return false
		}
		s.localnet = &yes
	}
	return *s.localnet
}

// ErrorResponse is the body of every answer other than 200.
type ErrorResponse struct {
	Message string `json:"message"`
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, action string, err error) {
	var f *failure
	if !errors.As(err, &f) {
		f = &failure{http.StatusInternalServerError, err.Error()}
	}
	level := slog.LevelInfo
	if f.status >= 500 {
		level = slog.LevelWarn
	}
	s.log.Log(r.Context(), level, "action refused", "action", action, "method", r.Method, "path", r.URL.Path,
		"status", f.status, "message", f.msg)
	writeJSON(w, f.status, ErrorResponse{Message: f.msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Rules is actions.json: which paths of this origin are Action APIs.
type Rules struct {
	Rules []Rule `json:"rules"`
}

// Rule maps a path pattern to the Action API that serves it.
type Rule struct {
	PathPattern string `json:"pathPattern"`
	APIPath     string `json:"apiPath"`
}

func (s *Server) rules(http.ResponseWriter, *http.Request) (any, error) {
	return Rules{Rules: []Rule{{PathPattern: Prefix + "**", APIPath: Prefix + "**"}}}, nil
}

func (s *Server) icon(w http.ResponseWriter, r *http.Request) (any, error) {
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(icon)
	}
	return nil, nil
}

// base is the origin absolute URLs start with.
func (s *Server) base(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// GetResponse is an action's metadata (ActionGetResponse).
type GetResponse struct {
	Type        string         `json:"type"`
	Icon        string         `json:"icon"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Label       string         `json:"label"`
	Disabled    bool           `json:"disabled,omitempty"`
	Links       *Links         `json:"links,omitempty"`
	Error       *ErrorResponse `json:"error,omitempty"`
}

// Links are the buttons and forms of an action.
type Links struct {
	Actions []LinkedAction `json:"actions"`
}

// LinkedAction is one button: its POST URL (a template filled from its
// parameters) and inputs.
type LinkedAction struct {
	Type       string      `json:"type"`
	Href       string      `json:"href"`
	Label      string      `json:"label"`
	Parameters []Parameter `json:"parameters,omitempty"`
}

// Parameter is one input of a linked action.
type Parameter struct {
	Type               string   `json:"type,omitempty"`
	Name               string   `json:"name"`
	Label              string   `json:"label,omitempty"`
	Required           bool     `json:"required,omitempty"`
	Pattern            string   `json:"pattern,omitempty"`
	PatternDescription string   `json:"patternDescription,omitempty"`
	Min                any      `json:"min,omitempty"`
	Max                any      `json:"max,omitempty"`
	Options            []Option `json:"options,omitempty"`
}

// Option is one choice of a select or radio parameter.
type Option struct {
	Label    string `json:"label"`
	Value    string `json:"value"`
	Selected bool   `json:"selected,omitempty"`
}

// PostRequest is the wallet's POST body; Data holds form values for clients that
// send them in the body rather than in the URL.
type PostRequest struct {
	Account string                     `json:"account"`
	Data    map[string]json.RawMessage `json:"data,omitempty"`
}

// PostResponse is the transaction for the wallet (ActionPostResponse).
type PostResponse struct {
	Type        string `json:"type"`
	Transaction string `json:"transaction"`
	Message     string `json:"message,omitempty"`
}

// post reads the POST body: the wallet's account and the parameters, from the URL's
// query or the body's data.
type post struct {
	account solana.PublicKey
	params  map[string]string
}

func (p post) param(name string) string { return p.params[name] }

func readPost(r *http.Request) (post, error) {
	var req PostRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 16<<10))
	if err := dec.Decode(&req); err != nil {
		return post{}, bad("the body must be JSON {\"account\": \"<base58 public key>\"}: %v", err)
	}
	if req.Account == "" {
		return post{}, bad("account is required: the wallet's base58 public key")
	}
	account, err := solana.PublicKeyFromBase58(req.Account)
	if err != nil {
		return post{}, bad("account %q is not a base58 public key: %v", req.Account, err)
	}
	p := post{account: account, params: map[string]string{}}
	for k, raw := range req.Data {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			var n json.Number
			if json.Unmarshal(raw, &n) != nil {
				return post{}, bad("data.%s: want a string or a number", k)
			}
			v = n.String()
		}
		p.params[k] = v
	}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			p.params[k] = vs[0]
		}
	}
	return p, nil
}
