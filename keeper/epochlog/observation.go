// Package epochlog is a keeper's observation log for one epoch (docs/design.md §6): every
// signed answer it recorded from the nodes assigned to it, append-only on disk
// (Journal); the log's canonical bytes (Log.Bytes), served at GET
// /observations/{Log.Hash}; and the compact per-node Summary bound to that hash,
// whose own SHA-256 (Commitment) the keeper commits on chain.
package epochlog

// Kind says what an observation is the result of.
type Kind uint8

const (
	// KindChallenge is a proof-of-compute challenge (oracle/pow).
	KindChallenge Kind = 1
	// KindProbe is an uptime probe (oracle/uptime).
	KindProbe Kind = 2
)

// Reasons a challenge fails or a probe is missed, as they appear in observations and
// in the keeper's metrics. Empty means passed or answered.
const (
	ReasonUnreachable  = "unreachable"   // no HTTP answer at all
	ReasonDeadline     = "deadline"      // the commitment came after pow.Deadline
	ReasonBadSignature = "bad-signature" // a message not signed by the node's worker key
	ReasonWrongSeed    = "wrong-seed"    // an answer to another challenge
	ReasonWrongRow     = "wrong-row"     // an opened row failed its Merkle path or Freivalds
	ReasonMalformed    = "malformed"     // a message that does not decode
	ReasonTooFast      = "too-fast"      // above 1.05 × the class's dense peak (pow.Flagged)
	ReasonHired        = "hired"         // not challenged: its GPUs belong to a renter
)

// Observation is one answer (or its absence) a keeper recorded about a node.
type Observation struct {
	// Node is the io-staking node account's address.
	Node [32]byte
	Kind Kind
	// AtMillis is the keeper's clock when the exchange ended, Unix milliseconds.
	AtMillis int64
	// OK: the challenge passed, or the probe was answered in time.
	OK bool
	// Reason is empty when OK, else one of the Reason constants.
	Reason string
	// TOPSMilli is the measured throughput of a passed challenge, milli-TOPS
	// (pow.TOPS × 1000, rounded down); 0 otherwise.
	TOPSMilli uint64
	// RTTMicros is the round-trip time the keeper measured before the challenge.
	RTTMicros uint64
	// Evidence holds the worker's signed messages (oracle/wire) that back the
	// observation: a challenge's commitment and openings, a probe's answer.
	Evidence [][]byte
}
