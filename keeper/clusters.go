package keeper

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/keeper/match"
	"github.com/ionet-network/ionet/oracle/classes"
)

// The cluster API (docs/market.md): io.net's REST shape over orders that stay on
// chain. A keeper never holds a renter's key, except --renter-keypair for local use:
// it returns unsigned transactions for the renter's wallet.
//
//	POST   /clusters            create an order: an unsigned transaction and the order
//	GET    /clusters/{id}       PROVISIONING, READY (nodes, endpoints), ENDED or FAILED (refund)
//	DELETE /clusters/{id}       the cancel transaction
//	GET    /clusters?renter=…   a renter's clusters
type clusters struct {
	k    *Keeper
	hire *hire.Client
	path string

	mu    sync.Mutex
	names map[solana.PublicKey]string // cluster names by order, kept in the data directory
}

func newClusters(k *Keeper) (*clusters, error) {
	c := &clusters{k: k, hire: hire.New(k.cfg.RPCURL), path: filepath.Join(k.cfg.DataDir, "clusters.json"),
		names: map[solana.PublicKey]string{}}
	b, err := os.ReadFile(c.path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &c.names); err != nil {
			return nil, fmt.Errorf("cluster names %s: %w", c.path, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("cluster names: %w", err)
	}
	return c, nil
}

func (c *clusters) name(order solana.PublicKey, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names[order] = name
	b, _ := json.Marshal(c.names)
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, c.path)
}

func (c *clusters) nameOf(order solana.PublicKey) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.names[order]
}

// ClusterRequest is POST /clusters' body, in io.net's terms.
type ClusterRequest struct {
	ClusterName string `json:"cluster_name"`
	NumGPUs     int    `json:"num_gpus"`
	// GPUModel is a device class name (oracle/classes: "h100-sxm", "a100", …) or
	// "any".
	GPUModel string `json:"gpu_model"`
	MinVCPUs int    `json:"min_vcpus"`
	// MinRAM is GiB per node.
	MinRAM    int      `json:"min_ram"`
	Locations []string `json:"locations"`
	// Compliance is the bit set every node must have.
	Compliance    uint64 `json:"compliance"`
	DurationHours int    `json:"duration_hours"`
	// MaxPricePerGPUHour is USD, a JSON number or a decimal string ("2.15").
	MaxPricePerGPUHour json.RawMessage `json:"max_price_per_gpu_hour"`
	// Payment is "IOSD" or "IO".
	Payment string `json:"payment"`
	// Renter is the wallet that signs and pays (default: --renter-keypair's).
	Renter string `json:"renter"`
}

// badRequest is an error the handlers answer with 400.
type badRequest struct{ error }

func badf(format string, a ...any) error { return badRequest{fmt.Errorf(format, a...)} }

// spec checks a request against the chain and turns it into an order spec.
func (c *clusters) spec(req ClusterRequest, snap *follower.Snapshot) (iohire.OrderSpec, error) {
	var s iohire.OrderSpec
	if req.NumGPUs <= 0 || req.NumGPUs > 1024 {
		return s, badf("num_gpus %d: want 1 to 1024", req.NumGPUs)
	}
	if req.DurationHours <= 0 || req.DurationHours > 8760 {
		return s, badf("duration_hours %d: want 1 to 8760", req.DurationHours)
	}
	if req.MinVCPUs < 0 || req.MinVCPUs > 65535 || req.MinRAM < 0 || req.MinRAM > 1<<31 {
		return s, badf("min_vcpus %d, min_ram %d: out of range", req.MinVCPUs, req.MinRAM)
	}
	model := strings.TrimSpace(req.GPUModel)
	if model != "" && !strings.EqualFold(model, "any") {
		id, err := classID(model, snap)
		if err != nil {
			return s, err
		}
		s.GpuClass = id
	}
	price, err := parsePrice(req.MaxPricePerGPUHour)
	if err != nil {
		return s, err
	}
	if len(req.Locations) > 8 {
		return s, badf("locations: at most 8")
	}
	for _, l := range req.Locations {
		loc, err := hire.Location(l)
		if err != nil {
			return s, badf("locations: %v", err)
		}
		s.Locations = append(s.Locations, loc)
	}
	s.Gpus, s.Hours, s.MaxPriceMicroUsd = uint16(req.NumGPUs), uint32(req.DurationHours), price
	s.MinVcpus, s.MinRamGib, s.Compliance = uint16(req.MinVCPUs), uint32(req.MinRAM), req.Compliance
	// More GPUs than the network has of that model, staked, can never be matched.
	have := 0
	if snap.StakingConfig != nil {
		for _, n := range snap.Nodes {
			if (s.GpuClass == 0 || n.Spec.GpuClass == s.GpuClass) && staking.IsStaked(n, snap.StakingConfig.Params) {
				have += int(n.Spec.GpuCount)
			}
		}
	}
	if req.NumGPUs > have {
		return s, badf("num_gpus %d: the network has %d staked GPUs of %s", req.NumGPUs, have, modelName(req.GPUModel))
	}
	return s, nil
}

// classID reads a GPU model: a device class name (oracle/classes), or a class id
// that the table or a node on chain (a derived family's member) has.
func classID(model string, snap *follower.Snapshot) (uint8, error) {
	if id, err := strconv.ParseUint(model, 10, 8); err == nil && id > 0 {
		if _, err := classes.ByID(uint8(id)); err == nil {
			return uint8(id), nil
		}
		for _, n := range snap.Nodes {
			if n.Spec.GpuClass == uint8(id) {
				return uint8(id), nil
			}
		}
		return 0, badf("gpu_model %q: no device class has that id", model)
	}
	class, err := classes.ByName(strings.ToLower(model))
	if err != nil {
		return 0, badf("gpu_model %q: %v", model, err)
	}
	return class.ID, nil
}

func modelName(m string) string {
	if m == "" {
		return "any model"
	}
	return m
}

// parsePrice reads a USD price, a JSON number or string, as micro-USD (> 0).
func parsePrice(raw json.RawMessage) (uint64, error) {
	if len(raw) == 0 {
		return 0, badf("max_price_per_gpu_hour is required")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return 0, badf("max_price_per_gpu_hour %s: want a number of USD", raw)
		}
		s = n.String()
	}
	v, err := hire.ParseUSD(s)
	if err != nil {
		return 0, badf("max_price_per_gpu_hour %q: %v", s, err)
	}
	if v == 0 {
		return 0, badf("max_price_per_gpu_hour must be above 0")
	}
	return v, nil
}

func (c *clusters) mint(payment string, snap *follower.Snapshot) (solana.PublicKey, error) {
	switch strings.ToUpper(strings.TrimPrefix(strings.TrimSpace(payment), "$")) {
	case "IOSD", "":
		return snap.HireConfig.IosdMint, nil
	case "IO":
		return snap.HireConfig.IoMint, nil
	}
	return solana.PublicKey{}, badf("payment %q: want IOSD or IO", payment)
}

// renter is the request's renter, or the local keypair's.
func (c *clusters) renter(s string) (solana.PublicKey, error) {
	if s != "" {
		pk, err := solana.PublicKeyFromBase58(s)
		if err != nil {
			return pk, badf("renter %q: %v", s, err)
		}
		return pk, nil
	}
	if kp := c.k.cfg.Market.RenterKeypair; len(kp) == 64 {
		return kp.PublicKey(), nil
	}
	return solana.PublicKey{}, badf("renter is required (a base58 public key)")
}

// ClusterTx is the answer to POST and DELETE: the transaction, unsigned for the
// renter's wallet (base64), or its signature once the keeper sent it with the local
// renter keypair.
type ClusterTx struct {
	ID          string `json:"id"`
	OrderID     uint64 `json:"order_id,omitempty"`
	Renter      string `json:"renter"`
	Transaction string `json:"transaction,omitempty"`
	Signature   string `json:"signature,omitempty"`
}

// deliver signs and sends ixs with the local renter keypair when it is renter's, or
// returns the unsigned transaction.
func (c *clusters) deliver(ctx context.Context, renter solana.PublicKey, out *ClusterTx, ixs ...solana.Instruction) error {
	if kp := c.k.cfg.Market.RenterKeypair; len(kp) == 64 && kp.PublicKey().Equals(renter) {
		sig, err := c.hire.Send(ctx, []solana.PrivateKey{kp}, ixs...)
		if err != nil {
			return err
		}
		out.Signature = sig.String()
		return nil
	}
	bh, err := c.hire.Staking.RPC.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	if err != nil {
		return fmt.Errorf("latest blockhash: %w", err)
	}
	tx, err := solana.NewTransaction(ixs, bh.Value.Blockhash, solana.TransactionPayer(renter))
	if err != nil {
		return err
	}
	b, err := tx.MarshalBinary()
	if err != nil {
		return err
	}
	out.Transaction = base64.StdEncoding.EncodeToString(b)
	return nil
}

func (c *clusters) create(w http.ResponseWriter, r *http.Request) {
	var req ClusterRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("cluster request: %w", err))
		return
	}
	snap := c.k.follower.Snapshot()
	if snap.HireConfig == nil {
		writeError(w, http.StatusServiceUnavailable, errors.New("io-hire is not in the keeper's view of the chain yet"))
		return
	}
	spec, err := c.spec(req, snap)
	if err == nil {
		var renter, mint solana.PublicKey
		if renter, err = c.renter(req.Renter); err == nil {
			if mint, err = c.mint(req.Payment, snap); err == nil {
				c.send(w, r, req, renter, mint, spec)
				return
			}
		}
	}
	writeClusterError(w, err)
}

func (c *clusters) send(w http.ResponseWriter, r *http.Request, req ClusterRequest, renter, mint solana.PublicKey, spec iohire.OrderSpec) {
	ctx := r.Context()
	id, err := c.hire.NextOrderID(ctx, renter)
	if err != nil {
		writeError(w, http.StatusBadGateway, fmt.Errorf("next order id: %w", err))
		return
	}
	ix, err := hire.CreateOrder(renter, mint, id, spec)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	order := hire.OrderAddress(renter, id)
	out := ClusterTx{ID: order.String(), OrderID: id, Renter: renter.String()}
	if err := c.deliver(ctx, renter, &out, ix); err != nil {
		writeError(w, http.StatusBadGateway, fmt.Errorf("create order: %w", err))
		return
	}
	if req.ClusterName != "" {
		if err := c.name(order, req.ClusterName); err != nil {
			c.k.log.Warn("keep cluster name", "err", err)
		}
	}
	writeJSON(w, http.StatusCreated, out)
}

func writeClusterError(w http.ResponseWriter, err error) {
	var bad badRequest
	if errors.As(err, &bad) {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeError(w, http.StatusInternalServerError, err)
}

// Cluster statuses.
const (
	StatusProvisioning = "PROVISIONING"
	StatusReady        = "READY"
	StatusEnded        = "ENDED"
	StatusFailed       = "FAILED"
)

// Cluster is GET /clusters/{id}.
type Cluster struct {
	ID        string        `json:"id"`
	Name      string        `json:"cluster_name,omitempty"`
	Renter    string        `json:"renter"`
	Status    string        `json:"status"`
	EndReason string        `json:"end_reason,omitempty"`
	NumGPUs   uint16        `json:"num_gpus"`
	GPUClass  uint8         `json:"gpu_class"`
	Hours     uint32        `json:"duration_hours"`
	MaxPrice  string        `json:"max_price_per_gpu_hour"`
	Payment   string        `json:"payment"`
	Deposited uint64        `json:"deposited"`
	Paid      uint64        `json:"paid"`
	Fees      uint64        `json:"fees"`
	Refunded  uint64        `json:"refunded"`
	CreatedAt int64         `json:"created_at"`
	StartedAt int64         `json:"started_at,omitempty"`
	EndsAt    int64         `json:"ends_at,omitempty"`
	Nodes     []ClusterNode `json:"nodes,omitempty"`
	Unmatched *Unmatched    `json:"unmatched,omitempty"`
}

// ClusterNode is one node of a READY cluster.
type ClusterNode struct {
	Node     string `json:"node"`
	Worker   string `json:"worker"`
	Endpoint string `json:"endpoint"`
	GPUs     uint16 `json:"gpus"`
	Price    string `json:"price_per_gpu_hour"`
	Failed   bool   `json:"failed,omitempty"`
}

// Unmatched is why the keeper's last matching round left a PROVISIONING cluster
// unmatched: the outcome and the count of nodes refused for each reason.
type Unmatched struct {
	Reason       string         `json:"reason"`
	Refused      map[string]int `json:"refused"`
	Eligible     int            `json:"eligible_nodes"`
	EligibleGPUs int            `json:"eligible_gpus"`
}

func (c *clusters) view(snap *follower.Snapshot, address solana.PublicKey, o *iohire.HireOrder) Cluster {
	cl := Cluster{ID: address.String(), Name: c.nameOf(address), Renter: o.Renter.String(), NumGPUs: o.Spec.Gpus,
		GPUClass: o.Spec.GpuClass, Hours: o.Spec.Hours, MaxPrice: hire.FormatUSD(o.Spec.MaxPriceMicroUsd),
		Payment: "IOSD", Deposited: o.Deposited, Paid: o.Paid, Fees: o.Fees, Refunded: o.Refunded,
		CreatedAt: o.CreatedAt, StartedAt: o.StartedAt, EndsAt: o.EndsAt}
	if snap.HireConfig != nil && o.Mint.Equals(snap.HireConfig.IoMint) {
		cl.Payment = "IO"
	}
	for _, a := range snap.Assignments {
		if !a.Order.Equals(address) {
			continue
		}
		cn := ClusterNode{Node: a.Node.String(), GPUs: a.Gpus, Price: hire.FormatUSD(a.PriceMicroUsd), Failed: a.Failed}
		if n := snap.Nodes[a.Node]; n != nil {
			cn.Worker, cn.Endpoint = n.Worker.String(), n.Endpoint
		}
		cl.Nodes = append(cl.Nodes, cn)
	}
	slices.SortFunc(cl.Nodes, func(a, b ClusterNode) int { return strings.Compare(a.Node, b.Node) })
	switch o.Status {
	case iohire.OrderStatus_Open:
		cl.Status = StatusProvisioning
		if u, ok := c.k.market.Explain(address); ok {
			um := &Unmatched{Reason: u.Reason.String(), Refused: map[string]int{}, Eligible: u.Eligible,
				EligibleGPUs: u.EligibleGPUs}
			for _, r := range match.NodeReasons() {
				if u.Refused[r] > 0 {
					um.Refused[r.String()] = u.Refused[r]
				}
			}
			cl.Unmatched = um
		}
	case iohire.OrderStatus_Active:
		cl.Status = StatusReady
		if o.Failures > 0 {
			cl.Status = StatusFailed
		}
	default:
		cl.Status = StatusEnded
		if o.EndReason != nil {
			cl.EndReason = o.EndReason.String()
			if *o.EndReason == iohire.EndReason_NodeFailed {
				cl.Status = StatusFailed
			}
		}
	}
	return cl
}

func (c *clusters) orderOf(w http.ResponseWriter, r *http.Request) (*follower.Snapshot, solana.PublicKey, *iohire.HireOrder, bool) {
	address, err := solana.PublicKeyFromBase58(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("cluster id %q: want an order address: %w", r.PathValue("id"), err))
		return nil, address, nil, false
	}
	snap := c.k.follower.Snapshot()
	o := snap.Orders[address]
	if o == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("no cluster %s (no open order account)", address))
		return nil, address, nil, false
	}
	return snap, address, o, true
}

func (c *clusters) get(w http.ResponseWriter, r *http.Request) {
	snap, address, o, ok := c.orderOf(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, c.view(snap, address, o))
}

func (c *clusters) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("renter")
	renter, err := solana.PublicKeyFromBase58(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("renter %q: want a base58 public key: %w", q, err))
		return
	}
	snap := c.k.follower.Snapshot()
	out := []Cluster{}
	for address, o := range snap.Orders {
		if o.Renter.Equals(renter) {
			out = append(out, c.view(snap, address, o))
		}
	}
	slices.SortFunc(out, func(a, b Cluster) int {
		if a.CreatedAt != b.CreatedAt {
			return int(a.CreatedAt - b.CreatedAt)
		}
		return strings.Compare(a.ID, b.ID)
	})
	writeJSON(w, http.StatusOK, map[string]any{"clusters": out})
}

func (c *clusters) cancel(w http.ResponseWriter, r *http.Request) {
	snap, address, o, ok := c.orderOf(w, r)
	if !ok {
		return
	}
	if o.Status == iohire.OrderStatus_Ended {
		writeError(w, http.StatusConflict, fmt.Errorf("cluster %s already ended", address))
		return
	}
	var nodes []solana.PublicKey
	for _, a := range snap.Assignments {
		if a.Order.Equals(address) {
			nodes = append(nodes, a.Node)
		}
	}
	slices.SortFunc(nodes, func(a, b solana.PublicKey) int { return slices.Compare(a[:], b[:]) })
	ix, err := hire.Cancel(o.Renter, address, o.Mint, nodes)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := ClusterTx{ID: address.String(), Renter: o.Renter.String()}
	if err := c.deliver(r.Context(), o.Renter, &out, ix); err != nil {
		writeError(w, http.StatusBadGateway, fmt.Errorf("cancel: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// routes adds the cluster API to mux.
func (c *clusters) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /clusters", c.create)
	mux.HandleFunc("GET /clusters", c.list)
	mux.HandleFunc("GET /clusters/{id}", c.get)
	mux.HandleFunc("DELETE /clusters/{id}", c.cancel)
	mux.HandleFunc("/clusters", methodNotAllowed("GET, POST"))
	mux.HandleFunc("/clusters/{id}", methodNotAllowed("GET, DELETE"))
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, fmt.Errorf("%s is not allowed here", r.Method))
	}
}
