package epochlog

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
)

// Version is the encoding version of logs, summaries and journal files.
const Version = 1

// Domains prefix the canonical bytes, so a log's bytes never read as a summary's
// (or anything else's) and their hashes cannot collide across kinds.
const (
	LogDomain     = "ionet/observations/v1"
	SummaryDomain = "ionet/observation-summary/v1"
)

// ErrInvalid is returned for an observation that breaks the rules of Validate.
var ErrInvalid = errors.New("epochlog: invalid observation")

// reasonCodes numbers the reasons for the compact summary; append only.
var reasonCodes = []string{
	1: ReasonUnreachable,
	2: ReasonDeadline,
	3: ReasonBadSignature,
	4: ReasonWrongSeed,
	5: ReasonWrongRow,
	6: ReasonMalformed,
	7: ReasonTooFast,
	8: ReasonHired,
}

// ReasonCode is the one-byte code of a Reason constant in summaries (1…8 in the
// order the constants are declared), and false for an unknown reason.
func ReasonCode(reason string) (uint8, bool) {
	if reason == "" {
		return 0, false
	}
	i := slices.Index(reasonCodes, reason)
	return uint8(max(i, 0)), i > 0
}

// ReasonName is the Reason constant of a code, "" for an unknown code.
func ReasonName(code uint8) string {
	if int(code) < len(reasonCodes) {
		return reasonCodes[code]
	}
	return ""
}

// Validate checks an observation's internal consistency: a known Kind; Reason
// empty exactly when OK, else a Reason constant; ReasonHired and ReasonTooFast
// only on a challenge; TOPSMilli non-zero only on a passed challenge. Errors wrap
// ErrInvalid.
func (o Observation) Validate() error {
	switch {
	case o.Kind != KindChallenge && o.Kind != KindProbe:
		return fmt.Errorf("kind %d: %w", o.Kind, ErrInvalid)
	case o.OK && o.Reason != "":
		return fmt.Errorf("passed with reason %q: %w", o.Reason, ErrInvalid)
	case !o.OK && o.Reason == "":
		return fmt.Errorf("failed without a reason: %w", ErrInvalid)
	case o.TOPSMilli != 0 && !(o.OK && o.Kind == KindChallenge):
		return fmt.Errorf("TOPS %d on other than a passed challenge: %w", o.TOPSMilli, ErrInvalid)
	}
	if o.Reason != "" {
		if _, ok := ReasonCode(o.Reason); !ok {
			return fmt.Errorf("reason %q: %w", o.Reason, ErrInvalid)
		}
		if o.Kind == KindProbe && (o.Reason == ReasonHired || o.Reason == ReasonTooFast) {
			return fmt.Errorf("probe with reason %q: %w", o.Reason, ErrInvalid)
		}
	}
	return nil
}

// minObservationLen is the encoded size of an observation with no reason and no
// evidence: node 32, kind 1, at 8, ok 1, reason length 4, TOPS 8, RTT 8, evidence
// count 4.
const minObservationLen = 32 + 1 + 8 + 1 + 4 + 8 + 8 + 4

// encode appends the Borsh encoding of o, fields in declaration order.
func (o *Observation) encode(w *writer) {
	w.fixed(o.Node[:])
	w.u8(uint8(o.Kind))
	w.u64(uint64(o.AtMillis))
	w.boolean(o.OK)
	w.str(o.Reason)
	w.u64(o.TOPSMilli)
	w.u64(o.RTTMicros)
	w.length(len(o.Evidence))
	for _, e := range o.Evidence {
		w.bytes(e)
	}
}

// EncodedLen is the length of o's Borsh encoding.
func (o *Observation) EncodedLen() int {
	n := minObservationLen + len(o.Reason)
	for _, e := range o.Evidence {
		n += 4 + len(e)
	}
	return n
}

func decodeObservation(r *reader) Observation {
	var o Observation
	r.fixed(o.Node[:], "node")
	o.Kind = Kind(r.u8("kind"))
	o.AtMillis = int64(r.u64("at"))
	o.OK = r.boolean("ok")
	o.Reason = r.str("reason")
	o.TOPSMilli = r.u64("TOPS")
	o.RTTMicros = r.u64("RTT")
	if n := r.count("evidence count", 4); n > 0 {
		o.Evidence = make([][]byte, n)
		for i := range o.Evidence {
			o.Evidence[i] = bytes.Clone(r.bytes("evidence"))
		}
	}
	if r.err == nil {
		if err := o.Validate(); err != nil {
			r.fail(fmt.Errorf("%w: %w", ErrMalformed, err))
		}
	}
	return o
}

// Compare is the canonical order of observations: by node key bytewise, then time,
// then kind, then the encoded bytes (so equal keys still order the same way
// everywhere). It returns -1, 0 or +1.
func Compare(a, b Observation) int {
	if c := bytes.Compare(a.Node[:], b.Node[:]); c != 0 {
		return c
	}
	if c := cmp.Compare(a.AtMillis, b.AtMillis); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	var wa, wb writer
	a.encode(&wa)
	b.encode(&wb)
	return bytes.Compare(wa.buf, wb.buf)
}

// Log is one keeper's observations for one epoch. The order of Observations does
// not matter: Bytes sorts them.
type Log struct {
	Epoch uint64
	// Keeper is the keeper's authority key (the signer of its probes and challenges).
	Keeper       [32]byte
	Observations []Observation
}

// Bytes is the canonical encoding, Borsh:
//
//	(domain: string = LogDomain, version: u8, epoch: u64, keeper: [u8; 32],
//	 observations: Vec<Observation>)
//
// with observations in Compare order and each Observation Borsh in field order
// (node [u8;32], kind u8, at_millis i64, ok bool, reason string, tops_milli u64,
// rtt_micros u64, evidence Vec<Vec<u8>>). Two logs with the same observations in
// any order have the same bytes.
func (l *Log) Bytes() []byte {
	obs := slices.Clone(l.Observations)
	slices.SortFunc(obs, Compare)
	n := 4 + len(LogDomain) + 1 + 8 + 32 + 4
	for i := range obs {
		n += obs[i].EncodedLen()
	}
	w := writer{buf: make([]byte, 0, n)}
	w.str(LogDomain)
	w.u8(Version)
	w.u64(l.Epoch)
	w.fixed(l.Keeper[:])
	w.length(len(obs))
	for i := range obs {
		obs[i].encode(&w)
	}
	return w.buf
}

// Hash is SHA-256(Bytes()): the log's content address, which its summary names and
// GET /observations/{hash} serves it under (docs/design.md §6).
func (l *Log) Hash() [32]byte { return sha256.Sum256(l.Bytes()) }

// Decode reads a log's canonical bytes. It rejects, with an error wrapping
// ErrMalformed and never a panic: another domain or version, truncation, trailing
// bytes, an invalid observation (Validate), observations out of Compare order.
// So Decode(b) succeeds only when Bytes() of the result is b again.
func Decode(b []byte) (*Log, error) {
	r := &reader{buf: b}
	if d := r.str("domain"); r.err == nil && d != LogDomain {
		r.fail(fmt.Errorf("domain %q, want %q: %w", d, LogDomain, ErrMalformed))
	}
	if v := r.u8("version"); r.err == nil && v != Version {
		r.fail(fmt.Errorf("version %d, want %d: %w", v, Version, ErrMalformed))
	}
	l := &Log{Epoch: r.u64("epoch")}
	r.fixed(l.Keeper[:], "keeper")
	n := r.count("observation count", minObservationLen)
	if n > 0 {
		l.Observations = make([]Observation, 0, n)
	}
	for i := 0; i < n && r.err == nil; i++ {
		o := decodeObservation(r)
		if r.err == nil && i > 0 && Compare(l.Observations[i-1], o) > 0 {
			r.fail(fmt.Errorf("observation %d out of canonical order: %w", i, ErrMalformed))
		}
		l.Observations = append(l.Observations, o)
	}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("decode observation log: %w", err)
	}
	return l, nil
}
