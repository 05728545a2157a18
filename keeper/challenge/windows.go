// Package challenge is the keeper's duty that produces observations (docs/design.md §7):
// proof-of-compute challenges in synchronized windows derived from the epoch's
// beacon, uptime probes at secret random times, each result an epochlog.Observation
// handed to a Recorder with its failure reason. It does no chain I/O: the epoch's
// beacon, keeper set and nodes are given to Run.
package challenge

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
)

// WindowDomain separates the window derivation's hashes from every other use of the
// beacon.
const WindowDomain = "ionet-challenge-windows-v1"

// WindowConfig lays an epoch's challenge windows out. Every keeper must use the same
// values (they are protocol parameters), or their windows differ.
type WindowConfig struct {
	// PerEpoch is the number of windows each class gets per epoch.
	PerEpoch int
	// Lead keeps windows clear of the epoch's first moments, while keepers learn the
	// beacon (the first block at or after the epoch's start).
	Lead time.Duration
	// Length is every window's length: all challenges of the window are sent at its
	// start (within Spread) and must be answered, opened and verified before its end.
	// A class whose Spread + pow.Deadline(class, MaxRTT) + Verify exceeds it gets no
	// windows (ErrWindowTooShort).
	Length time.Duration
	// Spread is how long after the window's start a keeper may still send a challenge.
	Spread time.Duration
	// MaxRTT is the largest round trip the layout allows for.
	MaxRTT time.Duration
	// Verify is the time after the deadline for the opening request, the openings and
	// their check.
	Verify time.Duration
	// Recheck is the time after a window in which the node's other assigned keepers
	// fetch its challenger's answers and re-check them (Config.Peers): they fetch
	// halfway through it, and the epoch's last window ends at least this long before
	// the epoch, whose log is sealed at its end.
	Recheck time.Duration
}

// DefaultWindowConfig is the protocol's layout: 4 windows a class per epoch, each a
// minute long, none in the first minute, the last one ending at least 30 s before
// the epoch for its re-checks. It fits every class sized for
// classes.TargetRefTime (deadline 25 s + up to 2 × 2 s of RTT).
var DefaultWindowConfig = WindowConfig{
	PerEpoch: 4, Lead: time.Minute, Length: time.Minute,
	Spread: 2 * time.Second, MaxRTT: 2 * time.Second, Verify: 25 * time.Second, Recheck: 30 * time.Second,
}

// ErrWindowTooShort is returned for a class whose challenge does not fit a window.
var ErrWindowTooShort = errors.New("challenge: window too short for the class")

// Window is one synchronized challenge window: every node of the class (by ID, so
// all members of a derived family share it) is challenged at Start, by one of its
// assigned keepers, and the exchange ends by End.
type Window struct {
	ClassID uint8
	// Index is the window's number in the epoch, from 0; it rotates the challenger.
	Index      int
	Start, End time.Time
}

// Windows derives the epoch's challenge windows for class c from the beacon (a slot
// hash unknown before the epoch, the same for every keeper) and the epoch's start
// and length. The usable part of the epoch, [start + Lead, start + length − Recheck), is cut
// into PerEpoch equal slots (fewer when they would be shorter than a window, none
// when one window does not fit); window i starts in slot i at an offset of
// SHA-256(WindowDomain ‖ beacon ‖ class ID ‖ i as u32 BE) read as a u64 BE, modulo
// the slot's free milliseconds + 1. Sorted by Start, never overlapping. Errors:
// ErrWindowTooShort, or a configuration with PerEpoch or Length ≤ 0.
func Windows(beacon [32]byte, start time.Time, length time.Duration, c classes.Class, cfg WindowConfig) ([]Window, error) {
	if cfg.PerEpoch <= 0 || cfg.Length <= 0 || cfg.Lead < 0 || cfg.Spread < 0 || cfg.MaxRTT < 0 || cfg.Verify < 0 || cfg.Recheck < 0 {
		return nil, fmt.Errorf("challenge windows: bad configuration %+v", cfg)
	}
	if need := cfg.Spread + pow.Deadline(c, cfg.MaxRTT) + cfg.Verify; need > cfg.Length {
		return nil, fmt.Errorf("class %s needs %v, window %v: %w", c.Name, need, cfg.Length, ErrWindowTooShort)
	}
	usable := (length - cfg.Lead - cfg.Recheck).Milliseconds()
	win := cfg.Length.Milliseconds()
	n := min(int64(cfg.PerEpoch), max(0, usable/max(win, 1)))
	out := make([]Window, 0, n)
	if n == 0 {
		return out, nil
	}
	slot := usable / n
	first := start.Add(cfg.Lead)
	for i := range n {
		h := sha256.New()
		h.Write([]byte(WindowDomain))
		h.Write(beacon[:])
		h.Write([]byte{c.ID})
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(i)))
		offset := int64(binary.BigEndian.Uint64(h.Sum(nil)) % uint64(slot-win+1))
		s := first.Add(time.Duration(i*slot+offset) * time.Millisecond)
		out = append(out, Window{ClassID: c.ID, Index: int(i), Start: s, End: s.Add(cfg.Length)})
	}
	return out, nil
}

// Challenger is the keeper that challenges a node in window index: its assigned
// keepers (uptime.Assign's order) take turns, window by window. Nil when none is
// assigned.
func Challenger(assigned []ed25519.PublicKey, index int) ed25519.PublicKey {
	if len(assigned) == 0 || index < 0 {
		return nil
	}
	return assigned[index%len(assigned)]
}
