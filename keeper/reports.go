package keeper

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/report"
)

// reports keeps, on disk, the report this keeper computed for each epoch and which
// of them became final with its root: the source of GET /proofs/{node}, of the
// previous cumulative rewards the next report builds on, and of a restarted
// keeper's memory of what it voted.
type reports struct {
	dir string
	mu  sync.Mutex
	// final is the latest final report per node (by the epoch's leaves).
	final map[solana.PublicKey]uint64
	// cache holds reports read or written, by epoch.
	cache map[uint64]*storedReport
	// latestFinal is the highest final epoch stored, if any.
	latestFinal *uint64
}

// storedReport is one epoch's report as JSON on disk.
type storedReport struct {
	Report report.EpochReport `json:"report"`
	// Final: the chain finalized this report's root.
	Final bool `json:"final"`
}

// errNoProof: no final report of this keeper holds the node.
var errNoProof = errors.New("no final report holds that node")

func openReports(dir string) (*reports, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report store %s: %w", dir, err)
	}
	s := &reports{dir: dir, final: map[solana.PublicKey]uint64{}, cache: map[uint64]*storedReport{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("report store %s: %w", dir, err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		epoch, err := strconv.ParseUint(name, 10, 64)
		if err != nil {
			continue
		}
		r, err := s.read(epoch)
		if err != nil {
			return nil, err
		}
		if r.Final {
			s.index(r)
		}
	}
	return s, nil
}

func (s *reports) path(epoch uint64) string {
	return filepath.Join(s.dir, strconv.FormatUint(epoch, 10)+".json")
}

func (s *reports) read(epoch uint64) (*storedReport, error) {
	if r, ok := s.cache[epoch]; ok {
		return r, nil
	}
	b, err := os.ReadFile(s.path(epoch))
	if err != nil {
		return nil, err
	}
	var r storedReport
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("report of epoch %d on disk: %w", epoch, err)
	}
	s.cache[epoch] = &r
	return &r, nil
}

func (s *reports) write(r *storedReport) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	tmp := s.path(r.Report.Epoch) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("store report: %w", err)
	}
	if err := os.Rename(tmp, s.path(r.Report.Epoch)); err != nil {
		return fmt.Errorf("store report: %w", err)
	}
	s.cache[r.Report.Epoch] = r
	return nil
}

func (s *reports) index(r *storedReport) {
	e := r.Report.Epoch
	if s.latestFinal == nil || e > *s.latestFinal {
		s.latestFinal = &e
	}
	for _, l := range r.Report.Leaves {
		if prev, ok := s.final[l.Node]; !ok || e > prev {
			s.final[l.Node] = e
		}
	}
}

// Computed stores the report this keeper computed for its epoch (before voting it).
// A report computed again for the same epoch replaces it unless that one is final.
func (s *reports) Computed(r report.EpochReport) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, err := s.read(r.Epoch); err == nil && old.Final {
		return nil
	}
	return s.write(&storedReport{Report: r})
}

// Get is the stored report of epoch, and whether the chain finalized it.
func (s *reports) Get(epoch uint64) (report.EpochReport, bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.read(epoch)
	if err != nil {
		return report.EpochReport{}, false, false
	}
	return r.Report, r.Final, true
}

// Finalize records that the chain finalized epoch with root. It returns false when
// this keeper holds no report with that root (it computed another one, or none).
func (s *reports) Finalize(epoch uint64, root [32]byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.read(epoch)
	if err != nil || r.Report.Root != root {
		return false, nil
	}
	if r.Final {
		return true, nil
	}
	r.Final = true
	if err := s.write(r); err != nil {
		return false, err
	}
	s.index(r)
	return true, nil
}

// Adopt stores a final report fetched from another keeper once its root is the
// chain's final root for its epoch.
func (s *reports) Adopt(r report.EpochReport, final *iorewards.EpochReport, ioMint solana.PublicKey) error {
	if !final.Finalized || final.Epoch != r.Epoch {
		return fmt.Errorf("epoch %d is not final on chain", r.Epoch)
	}
	// A report without leaves (no node covered) has the zero root and no tree.
	var root [32]byte
	if len(r.Leaves) > 0 {
		tree, err := report.Tree(r.Leaves, iorewards.ProgramID, ioMint)
		if err != nil {
			return fmt.Errorf("report of epoch %d: %w", r.Epoch, err)
		}
		root = tree.Root()
	}
	if root != final.Root || r.Root != final.Root {
		return fmt.Errorf("report of epoch %d: root %x is not the final %x", r.Epoch, root, final.Root)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sr := &storedReport{Report: r, Final: true}
	if err := s.write(sr); err != nil {
		return err
	}
	s.index(sr)
	return nil
}

// LatestFinal is the highest final epoch this keeper holds a report of.
func (s *reports) LatestFinal() (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.latestFinal == nil {
		return 0, false
	}
	return *s.latestFinal, true
}

// PrevLeaves is each node's leaf in the latest final report that holds it: its
// cumulative reward is what the next report adds to, its TOPS what a node hired at
// its challenges carries over (agree.Input.PrevTOPSMilli).
func (s *reports) PrevLeaves() (map[solana.PublicKey]report.Leaf, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[solana.PublicKey]report.Leaf, len(s.final))
	for node, epoch := range s.final {
		r, err := s.read(epoch)
		if err != nil {
			return nil, err
		}
		i, ok := slices.BinarySearchFunc(r.Report.Leaves, node, func(l report.Leaf, k solana.PublicKey) int {
			return compareKeys(l.Node, k)
		})
		if ok {
			out[node] = r.Report.Leaves[i]
		}
	}
	return out, nil
}

// Proof is node's leaf in the latest final report that holds it, with its Merkle
// proof and the root.
type Proof struct {
	Leaf  report.Leaf   `json:"leaf"`
	Proof []merkle.Hash `json:"proof"`
	Root  merkle.Hash   `json:"root"`
}

// ProofOf builds node's Proof (errNoProof when no final report holds it).
func (s *reports) ProofOf(node, ioMint solana.PublicKey) (Proof, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	epoch, ok := s.final[node]
	if !ok {
		return Proof{}, errNoProof
	}
	r, err := s.read(epoch)
	if err != nil {
		return Proof{}, err
	}
	i, ok := slices.BinarySearchFunc(r.Report.Leaves, node, func(l report.Leaf, k solana.PublicKey) int {
		return compareKeys(l.Node, k)
	})
	if !ok {
		return Proof{}, errNoProof
	}
	tree, err := report.Tree(r.Report.Leaves, iorewards.ProgramID, ioMint)
	if err != nil {
		return Proof{}, err
	}
	p, err := tree.Proof(i)
	if err != nil {
		return Proof{}, err
	}
	return Proof{Leaf: r.Report.Leaves[i], Proof: p, Root: tree.Root()}, nil
}

func compareKeys(a, b solana.PublicKey) int {
	return strings.Compare(string(a[:]), string(b[:]))
}
