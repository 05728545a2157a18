package txm

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gagliardetto/solana-go"
	bolt "go.etcd.io/bbolt"
)

// record is what the store keeps under a key.
type record struct {
	Key   string `json:"key"`
	State State  `json:"state"`
	// Message is the compiled (legacy) message; re-signing replaces its blockhash.
	Message  []byte           `json:"message"`
	Attempts []attempt        `json:"attempts,omitempty"`
	Landed   solana.Signature `json:"landed"`
	Slot     uint64           `json:"slot,omitempty"`
	Failure  *Failure         `json:"failure,omitempty"`
	Created  time.Time        `json:"created"`
	Updated  time.Time        `json:"updated"`
}

// attempt is one signed version of the transaction. It is stored before it is
// broadcast.
type attempt struct {
	Signature            solana.Signature `json:"signature"`
	Blockhash            solana.Hash      `json:"blockhash"`
	LastValidBlockHeight uint64           `json:"lastValidBlockHeight"`
	// Wire is the signed transaction, for rebroadcasts (also after a restart).
	Wire []byte `json:"wire"`
	// Rejected is why the RPC refused this one for good; empty when it did not.
	Rejected string `json:"rejected,omitempty"`
}

func (r *record) tx() Tx {
	t := Tx{Key: r.Key, State: r.State, Landed: r.Landed, Slot: r.Slot, Created: r.Created, Updated: r.Updated}
	for _, a := range r.Attempts {
		t.Signatures = append(t.Signatures, a.Signature)
	}
	if r.Failure != nil {
		f := *r.Failure
		t.Failure = &f
	}
	return t
}

// lastValid is the highest lastValidBlockHeight of the attempts: past it, none of
// them can land any more.
func (r *record) lastValid() uint64 {
	var h uint64
	for _, a := range r.Attempts {
		h = max(h, a.LastValidBlockHeight)
	}
	return h
}

func (r *record) final(finalize bool) bool {
	return r.State == Failed || r.State == Finalized || (r.State == Confirmed && !finalize)
}

var recordsBucket = []byte("txm.records")

// store keeps records in a bbolt file, one JSON value per key. Each put is its own
// fsynced bbolt transaction: when put returns, the record survives a crash.
type store struct{ db *bolt.DB }

func openStore(path string) (*store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("open txm store %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(recordsBucket)
		return err
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open txm store %s: %w", path, err)
	}
	return &store{db: db}, nil
}

func (s *store) put(r *record) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store %q: %w", r.Key, err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(recordsBucket).Put([]byte(r.Key), raw)
	}); err != nil {
		return fmt.Errorf("store %q: %w", r.Key, err)
	}
	return nil
}

func (s *store) delete(keys []string) error {
	if err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(recordsBucket)
		for _, k := range keys {
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("drop %d records: %w", len(keys), err)
	}
	return nil
}

func (s *store) all() ([]*record, error) {
	var out []*record
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(recordsBucket).ForEach(func(k, v []byte) error {
			r := new(record)
			if err := json.Unmarshal(v, r); err != nil {
				return fmt.Errorf("record %q: %w", k, err)
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load txm store: %w", err)
	}
	return out, nil
}

func (s *store) close() error { return s.db.Close() }
