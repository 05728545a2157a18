package cliapp

import (
	"errors"
	"io/fs"
	"os"

	"github.com/gagliardetto/solana-go"
)

// LoadKeypair reads a Solana CLI JSON keypair file (a JSON array of the 64 bytes of
// the secret and the public key). flag names where the path came from ("--keypair");
// a missing, unreadable or malformed file is a usage error that says which.
func LoadKeypair(flag, path string) (solana.PrivateKey, error) {
	if path == "" {
		return nil, Usagef("%s is required (a Solana CLI JSON keypair file)", flag)
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Usagef("%s: keypair file %s does not exist", flag, path)
	}
	if err != nil {
		return nil, Usagef("%s: cannot read keypair file %s: %v", flag, path, err)
	}
	k, err := solana.PrivateKeyFromSolanaKeygenFileBytes(raw)
	if err != nil {
		return nil, Usagef("%s: %s is not a Solana CLI JSON keypair (a JSON array of 64 numbers): %v", flag, path, err)
	}
	return k, nil
}
