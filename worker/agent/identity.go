// Package agent is the worker agent behind cmd/ionet-worker (docs/design.md §§4, 7): its
// identity, hardware discovery turned into a node spec, idempotent registration and
// staking, claims of hire earnings and availability rewards, and the daemon that
// serves keepers (worker/api) and renters (worker/jobs) with Prometheus metrics.
package agent

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gagliardetto/solana-go"
)

// IdentityFile is the worker's ed25519 identity key inside its data directory, a
// Solana CLI JSON keypair (64 bytes), written on first start with mode 0600.
const IdentityFile = "worker-key.json"

// LoadIdentity reads the worker key from dataDir, generating and storing a new one
// when there is none. created reports a new key.
func LoadIdentity(dataDir string) (key ed25519.PrivateKey, created bool, err error) {
	path := filepath.Join(dataDir, IdentityFile)
	sk, err := solana.PrivateKeyFromSolanaKeygenFile(path)
	if err == nil {
		if len(sk) != ed25519.PrivateKeySize {
			return nil, false, fmt.Errorf("worker identity %s: %d bytes, want 64", path, len(sk))
		}
		return ed25519.PrivateKey(sk), false, nil
	}
	if _, statErr := os.Stat(path); !errors.Is(statErr, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("worker identity %s: %w", path, err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("worker identity: %w", err)
	}
	_, key, err = ed25519.GenerateKey(nil)
	if err != nil {
		return nil, false, fmt.Errorf("worker identity: %w", err)
	}
	ints := make([]int, len(key))
	for i, b := range key {
		ints[i] = int(b)
	}
	data, _ := json.Marshal(ints)
	// O_EXCL: two agents starting on one data dir at once must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadIdentity(dataDir)
	}
	if err != nil {
		return nil, false, fmt.Errorf("worker identity: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("worker identity %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("worker identity %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("worker identity %s: %w", path, err)
	}
	return key, true, nil
}

// PublicKey is key's public half as a Solana key.
func PublicKey(key ed25519.PrivateKey) solana.PublicKey {
	return solana.PublicKeyFromBytes(key.Public().(ed25519.PublicKey))
}
