package keeper

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// blobs is a content-addressed store on disk: sealed observation logs and their
// summaries, named by the hex SHA-256 of their bytes, served to other keepers.
type blobs struct{ dir string }

// errNoBlob: nothing is stored under that hash.
var errNoBlob = errors.New("no such blob")

func openBlobs(dir string) (*blobs, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("blob store %s: %w", dir, err)
	}
	return &blobs{dir: dir}, nil
}

// put stores b (atomically: a reader never sees half a blob) and returns its hash.
func (s *blobs) put(b []byte) ([32]byte, error) {
	h := sha256.Sum256(b)
	path := filepath.Join(s.dir, hex.EncodeToString(h[:]))
	if _, err := os.Stat(path); err == nil {
		return h, nil
	}
	tmp, err := os.CreateTemp(s.dir, ".put-*")
	if err != nil {
		return h, fmt.Errorf("store blob: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return h, fmt.Errorf("store blob: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return h, fmt.Errorf("store blob: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return h, fmt.Errorf("store blob: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return h, fmt.Errorf("store blob: %w", err)
	}
	return h, nil
}

// get returns the blob stored under h, checked against it.
func (s *blobs) get(h [32]byte) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, hex.EncodeToString(h[:])))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNoBlob
	}
	if err != nil {
		return nil, fmt.Errorf("read blob: %w", err)
	}
	if sha256.Sum256(b) != h {
		return nil, fmt.Errorf("blob %x is corrupt on disk", h)
	}
	return b, nil
}

// parseHash reads a 64-hex-digit SHA-256.
func parseHash(s string) ([32]byte, error) {
	var h [32]byte
	if len(s) != 64 {
		return h, fmt.Errorf("hash %q: want 64 hex digits", s)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("hash %q: %w", s, err)
	}
	return h, nil
}
