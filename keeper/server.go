package keeper

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ionet-network/ionet/keeper/epochlog"
)

// The keeper's HTTP API (docs/design.md §6): its observation logs and their summaries,
// content-addressed, for the other keepers; proofs of final leaves for claimers;
// health and metrics for its operator. Every error is JSON with a 4xx or 5xx code.
//
//	GET /healthz               {"status":"ok","synced":true,"epoch":N,"final_epoch":M}
//	GET /metrics               Prometheus text format
//	GET /observations/{hash}   a sealed observation log (application/octet-stream)
//	GET /summaries/{hash}      a log's per-node summary (application/octet-stream)
//	GET /reports/{epoch}       a final report with its leaves (JSON), for keepers catching up
//	GET /proofs/{node}         the node's latest final leaf, Merkle proof and root (JSON)
//	GET /challenges/{epoch}/{node}  this keeper's own challenges of the node in an open
//	                           epoch, with their evidence, for the re-checks (JSON)
//
// and the cluster API (clusters.go, docs/market.md): POST /clusters, GET
// /clusters?renter=, GET and DELETE /clusters/{id}. A failure vote's evidence (a
// signed probe log) is served at /observations/{hash} with the logs.
func (k *Keeper) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/healthz", get(k.healthz))
	mux.Handle("/metrics", get(promhttp.HandlerFor(k.metrics.Registry, promhttp.HandlerOpts{}).ServeHTTP))
	mux.Handle("/observations/{hash}", get(k.blob))
	mux.Handle("/summaries/{hash}", get(k.blob))
	mux.Handle("/reports/{epoch}", get(k.finalReport))
	mux.Handle("/proofs/{node}", get(k.proof))
	mux.Handle("/challenges/{epoch}/{node}", get(k.ownChallenges))
	k.clusters.routes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Errorf("no such endpoint: %s", r.URL.Path))
	})
	return mux
}

// get refuses every method but GET and HEAD.
func get(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, fmt.Errorf("%s is not allowed here", r.Method))
			return
		}
		h(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Debug("write response", "err", err)
	}
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func (k *Keeper) healthz(w http.ResponseWriter, _ *http.Request) {
	s := k.follower.Snapshot()
	body := map[string]any{"status": "ok", "synced": s.Synced, "keeper": k.cfg.Keypair.PublicKey().String()}
	if e, ok := k.currentEpoch.Load().(uint64); ok {
		body["epoch"] = e
	}
	if f, ok := k.reports.LatestFinal(); ok {
		body["final_epoch"] = f
	}
	writeJSON(w, http.StatusOK, body)
}

func (k *Keeper) blob(w http.ResponseWriter, r *http.Request) {
	h, err := parseHash(r.PathValue("hash"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	b, err := k.blobs.get(h)
	if errors.Is(err, errNoBlob) {
		writeError(w, http.StatusNotFound, fmt.Errorf("no log or summary %s here", hex.EncodeToString(h[:])))
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func (k *Keeper) finalReport(w http.ResponseWriter, r *http.Request) {
	epoch, err := strconv.ParseUint(r.PathValue("epoch"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("epoch %q: want a decimal number", r.PathValue("epoch")))
		return
	}
	rep, final, ok := k.reports.Get(epoch)
	if !ok || !final {
		writeError(w, http.StatusNotFound, fmt.Errorf("no final report of epoch %d here", epoch))
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (k *Keeper) proof(w http.ResponseWriter, r *http.Request) {
	node, err := solana.PublicKeyFromBase58(r.PathValue("node"))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("node %q: %w", r.PathValue("node"), err))
		return
	}
	p, err := k.reports.ProofOf(node, k.ioMint())
	if errors.Is(err, errNoProof) {
		writeError(w, http.StatusNotFound, fmt.Errorf("node %s: %w", node, err))
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// ownChallenges serves GET /challenges/{epoch}/{node}: the node's other assigned
// keepers fetch this keeper's answers from it to re-check them (keeper/challenge).
func (k *Keeper) ownChallenges(w http.ResponseWriter, r *http.Request) {
	epoch, err := strconv.ParseUint(r.PathValue("epoch"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("epoch %q: want a number", r.PathValue("epoch")))
		return
	}
	node, err := solana.PublicKeyFromBase58(r.PathValue("node"))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("node %q: %w", r.PathValue("node"), err))
		return
	}
	obs := k.duty.obs.Challenges(epoch, node)
	if obs == nil {
		obs = []epochlog.Observation{}
	}
	writeJSON(w, http.StatusOK, obs)
}
