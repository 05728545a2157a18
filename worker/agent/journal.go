package agent

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ionet-network/ionet/oracle/pow"
)

// Journal keeps, one file per commitment, the signed challenges whose commitment
// was sent and whose opening was not served yet (worker/api.Journal), so that a
// restarted worker computes them again and still answers the opening request. A
// file is written and synced before the commitment leaves.
type Journal struct {
	dir string
}

// JournalEntry is one commitment to restore.
type JournalEntry struct {
	Seed       pow.Seed
	Challenge  []byte
	Keeper     ed25519.PublicKey
	Commitment []byte
	Written    time.Time
}

const journalSuffix = ".commitment"

// OpenJournal uses dir (created when missing).
func OpenJournal(dir string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &Journal{dir: dir}, nil
}

func (j *Journal) path(seed pow.Seed) string {
	return filepath.Join(j.dir, hex.EncodeToString(seed[:])+journalSuffix)
}

// Committed writes the entry and syncs it (and the directory) to disk.
func (j *Journal) Committed(seed pow.Seed, challenge []byte, keeper ed25519.PublicKey, commitment []byte) error {
	var b bytes.Buffer
	for _, part := range [][]byte{challenge, keeper, commitment} {
		_ = binary.Write(&b, binary.LittleEndian, uint32(len(part)))
		b.Write(part)
	}
	tmp := j.path(seed) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, j.path(seed)); err != nil {
		return err
	}
	d, err := os.Open(j.dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Done removes the entry.
func (j *Journal) Done(seed pow.Seed) { _ = os.Remove(j.path(seed)) }

// Entries reads the entries written within maxAge; older or unreadable ones are
// removed (a keeper no longer waits for them).
func (j *Journal) Entries(maxAge time.Duration, now time.Time) ([]JournalEntry, error) {
	files, err := os.ReadDir(j.dir)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	var out []JournalEntry
	for _, f := range files {
		name, ok := strings.CutSuffix(f.Name(), journalSuffix)
		path := filepath.Join(j.dir, f.Name())
		if !ok {
			if strings.HasSuffix(f.Name(), ".tmp") {
				_ = os.Remove(path)
			}
			continue
		}
		e, err := readEntry(path, name)
		if err != nil || now.Sub(e.Written) > maxAge {
			_ = os.Remove(path)
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

func readEntry(path, name string) (JournalEntry, error) {
	var e JournalEntry
	seed, err := hex.DecodeString(name)
	if err != nil || len(seed) != len(e.Seed) {
		return e, errors.New("journal: bad name")
	}
	copy(e.Seed[:], seed)
	st, err := os.Stat(path)
	if err != nil {
		return e, err
	}
	e.Written = st.ModTime()
	data, err := os.ReadFile(path)
	if err != nil {
		return e, err
	}
	r := bytes.NewReader(data)
	parts := make([][]byte, 3)
	for i := range parts {
		var n uint32
		if err := binary.Read(r, binary.LittleEndian, &n); err != nil || int64(n) > int64(r.Len()) {
			return e, errors.New("journal: truncated entry")
		}
		parts[i] = make([]byte, n)
		if _, err := io.ReadFull(r, parts[i]); err != nil {
			return e, err
		}
	}
	if r.Len() != 0 || len(parts[1]) != ed25519.PublicKeySize {
		return e, errors.New("journal: malformed entry")
	}
	e.Challenge, e.Keeper, e.Commitment = parts[0], ed25519.PublicKey(parts[1]), parts[2]
	return e, nil
}
