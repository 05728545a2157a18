package market

import "time"

// Outcome is what one probe of a hired node showed.
type Outcome uint8

const (
	// Answered: a valid signed answer in time.
	Answered Outcome = iota
	// Missed: no valid answer, while the keeper could show its own RPC and network
	// worked (or the answer was wrong: a bad signature or chain, which no fault of
	// the keeper's explains).
	Missed
	// Unknown: no answer, and the keeper's own RPC or network was down too, so the
	// miss may be the keeper's. It never counts against the node.
	Unknown
)

func (o Outcome) String() string {
	switch o {
	case Answered:
		return "answered"
	case Missed:
		return "missed"
	}
	return "unknown"
}

// ProbeResult is one probe in a hired node's history.
type ProbeResult struct {
	At      time.Time
	Outcome Outcome
	Reason  string // epochlog Reason*, "" when answered
}

// FailureRule is when a keeper votes a hired node failed: its last K probes were
// all missed, the first and the last of them at least Span apart. An answered or an
// unknown probe ends a streak: a keeper that could not tell starts counting again.
type FailureRule struct {
	Misses int
	Span   time.Duration
}

// DefaultFailureRule: 5 consecutive misses over at least 3 minutes.
var DefaultFailureRule = FailureRule{Misses: 5, Span: 3 * time.Minute}

// Failing applies the rule to a history, oldest first.
func (r FailureRule) Failing(h []ProbeResult) bool {
	if r.Misses <= 0 {
		return false
	}
	n := 0
	for i := len(h) - 1; i >= 0 && h[i].Outcome == Missed; i-- {
		n++
	}
	if n < r.Misses {
		return false
	}
	return h[len(h)-1].At.Sub(h[len(h)-n].At) >= r.Span
}
