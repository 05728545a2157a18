// Package jobs runs a hired node's jobs (docs/design.md §5, issue 12): a renter whose
// order is active on chain posts a signed job to each node of the order; the worker
// checks the signature against the order's renter, runs the command behind a Runner
// (a plain process under resource limits, or a container where podman or docker is
// installed) with IONET_ORDER, IONET_RANK, IONET_WORLD_SIZE and IONET_PEERS, keeps
// its logs, serves its status and logs to the renter, and stops it when the hire
// ends (expiry, cancel or failure).
//
//	POST /jobs                 signed Spec (JSON)  → Status
//	GET  /jobs                 signed              → []Status, the signer's jobs
//	GET  /jobs/{id}            signed              → Status
//	GET  /jobs/{id}/logs       signed              → the job's output (text), ?offset=N
//	DELETE /jobs/{id}          signed              → Status, the job stopped
//
// Every request is signed by the renter: ed25519 over Message(method, path, time,
// body), sent in the X-Ionet-Signer, X-Ionet-Time and X-Ionet-Signature headers.
package jobs

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gagliardetto/solana-go"
)

// Request headers of a signed job request.
const (
	HeaderSigner    = "X-Ionet-Signer"    // the renter's key, base58
	HeaderTime      = "X-Ionet-Time"      // unix seconds when signed
	HeaderSignature = "X-Ionet-Signature" // base58 ed25519 signature of Message
)

// Domain separates job signatures from every other message the renter's key signs.
const Domain = "ionet-jobs-v1"

// MaxSkew is how far a request's time may be from the worker's clock.
const MaxSkew = 2 * time.Minute

// Message is the canonical bytes a renter signs for a request:
//
//	"ionet-jobs-v1\n" METHOD "\n" PATH "\n" unix-seconds "\n" hex(SHA-256(body))
//
// The path binds the job id (each worker has its own), the body names the order
// and the node, and the time bounds a replay to MaxSkew (a replayed POST names the
// same job, which already exists).
func Message(method, path string, unix int64, body []byte) []byte {
	sum := sha256.Sum256(body)
	return fmt.Appendf(nil, "%s\n%s\n%s\n%d\n%s", Domain, method, path, unix, hex.EncodeToString(sum[:]))
}

// Sign sets req's signature headers for body (what req sends) with the renter's key
// at now.
func Sign(req *http.Request, key ed25519.PrivateKey, body []byte, now time.Time) {
	unix := now.Unix()
	sig := ed25519.Sign(key, Message(req.Method, req.URL.Path, unix, body))
	req.Header.Set(HeaderSigner, solana.PublicKeyFromBytes(key.Public().(ed25519.PublicKey)).String())
	req.Header.Set(HeaderTime, strconv.FormatInt(unix, 10))
	req.Header.Set(HeaderSignature, solana.SignatureFromBytes(sig).String())
}

// Errors of a request's signature (401).
var (
	ErrUnsigned  = errors.New("jobs: request not signed")
	ErrSignature = errors.New("jobs: bad signature")
	ErrStale     = errors.New("jobs: request time too far from the worker's clock")
)

// verify checks r's signature over body and returns the signer.
func verify(r *http.Request, body []byte, now time.Time) (solana.PublicKey, error) {
	signer, ts, sig := r.Header.Get(HeaderSigner), r.Header.Get(HeaderTime), r.Header.Get(HeaderSignature)
	if signer == "" || ts == "" || sig == "" {
		return solana.PublicKey{}, fmt.Errorf("%w: want %s, %s and %s", ErrUnsigned, HeaderSigner, HeaderTime, HeaderSignature)
	}
	key, err := solana.PublicKeyFromBase58(signer)
	if err != nil {
		return solana.PublicKey{}, fmt.Errorf("%w: signer %q: %v", ErrSignature, signer, err)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return solana.PublicKey{}, fmt.Errorf("%w: time %q", ErrSignature, ts)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > MaxSkew || d < -MaxSkew {
		return solana.PublicKey{}, fmt.Errorf("%w: %s off", ErrStale, d.Round(time.Second))
	}
	s, err := solana.SignatureFromBase58(sig)
	if err != nil {
		return solana.PublicKey{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if !ed25519.Verify(key[:], Message(r.Method, r.URL.Path, unix, body), s[:]) {
		return solana.PublicKey{}, fmt.Errorf("%w: not %s's signature of this request", ErrSignature, key)
	}
	return key, nil
}
