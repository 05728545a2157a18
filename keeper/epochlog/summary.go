package epochlog

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math"
	"slices"

	"github.com/ionet-network/ionet/oracle/report"
)

// NodeSummary is what one keeper's log says about one node, in the few numbers the
// report needs (docs/design.md §6, "exchange compact per-node summaries").
type NodeSummary struct {
	Node [32]byte
	// Probes is the number of uptime probes sent (KindProbe observations);
	// Answered how many of them were answered in time (OK).
	Probes, Answered uint32
	// TOPSMilli is the lower median of the passed challenges' TOPSMilli, 0 when no
	// challenge passed.
	TOPSMilli uint64
	// Passed counts passed challenges; NotChallenged the challenges skipped with
	// ReasonHired (its GPUs belonged to a renter), which count neither way.
	Passed, NotChallenged uint16
	// Failures holds one ReasonCode per failed challenge, ascending (so the
	// summary does not depend on the order of the log); len(Failures) is the
	// failed count.
	Failures []uint8
}

// UptimeBps is Answered/Probes on 10,000, rounded down (docs/design.md §7, "Uptime");
// 10,000 when no probe was sent, as oracle/uptime's Prober.UptimeBps.
func (n NodeSummary) UptimeBps() uint16 {
	if n.Probes == 0 {
		return 10_000
	}
	return uint16(uint64(n.Answered) * 10_000 / uint64(n.Probes))
}

// nodeSummaryLen is the encoded size of a NodeSummary without failures: node 32,
// probes 4, answered 4, TOPS 8, passed 2, not challenged 2, failure count 4.
const nodeSummaryLen = 32 + 4 + 4 + 8 + 2 + 2 + 4

// EncodedLen is the length of n's Borsh encoding: 56 bytes plus one per failure.
func (n NodeSummary) EncodedLen() int { return nodeSummaryLen + len(n.Failures) }

// Summary is the compact per-node digest of one keeper's log for one epoch, bound
// to that log by its hash. Keepers exchange summaries and fetch full logs only to
// audit a disagreement.
type Summary struct {
	Epoch  uint64
	Keeper [32]byte
	// Log is the Hash of the log the summary was computed from.
	Log [32]byte
	// Nodes are sorted by node key, each at most once.
	Nodes []NodeSummary
}

// Summarize is the summary of l: per node with at least one observation, probes
// sent and answered, passed/failed/not-challenged counts, failure reasons and the
// lower median (report.LowerMedian) of the passed challenges' TOPS. Pure: the same
// observations in any order give the same summary. l must be valid (Validate on
// each observation, as Journal.Append and Decode ensure); an invalid observation is
// an error wrapping ErrInvalid.
func Summarize(l *Log) (*Summary, error) {
	obs := slices.Clone(l.Observations)
	slices.SortFunc(obs, func(a, b Observation) int { return bytes.Compare(a.Node[:], b.Node[:]) })
	s := &Summary{Epoch: l.Epoch, Keeper: l.Keeper, Log: l.Hash()}
	var tops []uint64
	for i := 0; i < len(obs); {
		j := i
		n := NodeSummary{Node: obs[i].Node}
		var probes, answered, passed, skipped int
		tops = tops[:0]
		for ; j < len(obs) && obs[j].Node == n.Node; j++ {
			o := obs[j]
			if err := o.Validate(); err != nil {
				return nil, fmt.Errorf("summarize log of epoch %d: node %x: %w", l.Epoch, o.Node, err)
			}
			switch {
			case o.Kind == KindProbe:
				probes++
				if o.OK {
					answered++
				}
			case o.OK:
				passed++
				tops = append(tops, o.TOPSMilli)
			case o.Reason == ReasonHired:
				skipped++
			default:
				code, _ := ReasonCode(o.Reason)
				n.Failures = append(n.Failures, code)
			}
		}
		if probes > math.MaxUint32 || max(passed, skipped, len(n.Failures)) > math.MaxUint16 {
			return nil, fmt.Errorf("summarize log of epoch %d: node %x: too many observations: %w", l.Epoch, n.Node, ErrInvalid)
		}
		n.Probes, n.Answered = uint32(probes), uint32(answered)
		n.Passed, n.NotChallenged = uint16(passed), uint16(skipped)
		n.TOPSMilli, _ = report.LowerMedian(tops)
		slices.Sort(n.Failures)
		s.Nodes = append(s.Nodes, n)
		i = j
	}
	return s, nil
}

// Bytes is the canonical encoding, Borsh:
//
//	(domain: string = SummaryDomain, version: u8, epoch: u64, keeper: [u8; 32],
//	 log: [u8; 32], nodes: Vec<(node [u8;32], probes u32, answered u32,
//	 tops_milli u64, passed u16, not_challenged u16, failures Vec<u8>)>)
//
// 4 + 28 + 1 + 8 + 32 + 32 + 4 = 109 bytes plus NodeSummary.EncodedLen per node.
func (s *Summary) Bytes() []byte {
	n := summaryHeaderLen
	for _, e := range s.Nodes {
		n += e.EncodedLen()
	}
	w := writer{buf: make([]byte, 0, n)}
	w.str(SummaryDomain)
	w.u8(Version)
	w.u64(s.Epoch)
	w.fixed(s.Keeper[:])
	w.fixed(s.Log[:])
	w.length(len(s.Nodes))
	for _, e := range s.Nodes {
		w.fixed(e.Node[:])
		w.u32(e.Probes)
		w.u32(e.Answered)
		w.u64(e.TOPSMilli)
		w.u16(e.Passed)
		w.u16(e.NotChallenged)
		w.bytes(e.Failures)
	}
	return w.buf
}

const summaryHeaderLen = 4 + len(SummaryDomain) + 1 + 8 + 32 + 32 + 4

// Hash is SHA-256(Bytes()). It is what the keeper commits on chain for the epoch
// (commit_observations(e, hash), see Commitment): a fetched summary is checked by
// hashing its bytes, and it names the full log's hash in turn.
func (s *Summary) Hash() [32]byte { return sha256.Sum256(s.Bytes()) }

// Commitment is what a keeper commits on chain for its log l: the hash of
// Summarize(l), which names l.Hash(). Committing the summary's hash, not the log's,
// lets every keeper verify a fetched summary by its bytes alone, so a keeper cannot
// hand different summaries of one committed log to different peers (which would
// split their roots), while the full log stays bound through Summary.Log for an
// audit. rewards.Commit(keeper, epoch, summary.Bytes()) posts it.
func Commitment(l *Log) ([32]byte, error) {
	s, err := Summarize(l)
	if err != nil {
		return [32]byte{}, err
	}
	return s.Hash(), nil
}

// DecodeSummary reads a summary's canonical bytes. It rejects, with an error
// wrapping ErrMalformed and never a panic: another domain or version, truncation,
// trailing bytes, nodes out of order or repeated, Answered > Probes, TOPS without a
// passed challenge, an unknown or ReasonHired failure code, failures not ascending.
// So DecodeSummary(b) succeeds only when Bytes() of the result is b again.
func DecodeSummary(b []byte) (*Summary, error) {
	r := &reader{buf: b}
	if d := r.str("domain"); r.err == nil && d != SummaryDomain {
		r.fail(fmt.Errorf("domain %q, want %q: %w", d, SummaryDomain, ErrMalformed))
	}
	if v := r.u8("version"); r.err == nil && v != Version {
		r.fail(fmt.Errorf("version %d, want %d: %w", v, Version, ErrMalformed))
	}
	s := &Summary{Epoch: r.u64("epoch")}
	r.fixed(s.Keeper[:], "keeper")
	r.fixed(s.Log[:], "log hash")
	n := r.count("node count", nodeSummaryLen)
	if n > 0 {
		s.Nodes = make([]NodeSummary, n)
	}
	hired, _ := ReasonCode(ReasonHired)
	for i := 0; i < n && r.err == nil; i++ {
		e := &s.Nodes[i]
		r.fixed(e.Node[:], "node")
		e.Probes = r.u32("probes")
		e.Answered = r.u32("answered")
		e.TOPSMilli = r.u64("TOPS")
		e.Passed = r.u16("passed")
		e.NotChallenged = r.u16("not challenged")
		if f := r.bytes("failures"); len(f) > 0 {
			e.Failures = bytes.Clone(f)
		}
		if r.err != nil {
			break
		}
		bad := ""
		switch {
		case i > 0 && bytes.Compare(s.Nodes[i-1].Node[:], e.Node[:]) >= 0:
			bad = "nodes out of order or repeated"
		case e.Answered > e.Probes:
			bad = fmt.Sprintf("%d answered of %d probes", e.Answered, e.Probes)
		case e.Passed == 0 && e.TOPSMilli != 0:
			bad = "TOPS without a passed challenge"
		case len(e.Failures) > math.MaxUint16:
			bad = "too many failures"
		case !slices.IsSorted(e.Failures):
			bad = "failures not ascending"
		}
		for _, c := range e.Failures {
			if ReasonName(c) == "" || c == hired {
				bad = fmt.Sprintf("failure code %d", c)
			}
		}
		if bad != "" {
			r.fail(fmt.Errorf("node %d (%x): %s: %w", i, e.Node, bad, ErrMalformed))
		}
	}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("decode observation summary: %w", err)
	}
	return s, nil
}
