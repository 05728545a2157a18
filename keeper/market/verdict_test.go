package market

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func history(start time.Time, every time.Duration, outcomes ...Outcome) []ProbeResult {
	h := make([]ProbeResult, len(outcomes))
	for i, o := range outcomes {
		h[i] = ProbeResult{At: start.Add(time.Duration(i) * every), Outcome: o}
	}
	return h
}

func TestFailureRule(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	rule := FailureRule{Misses: 3, Span: time.Minute}
	A, M, U := Answered, Missed, Unknown
	for _, c := range []struct {
		name  string
		every time.Duration
		h     []Outcome
		want  bool
	}{
		{"three misses over a minute", 30 * time.Second, []Outcome{A, M, M, M}, true},
		{"three misses in under a minute", 29 * time.Second, []Outcome{A, M, M, M}, false},
		{"two misses", time.Minute, []Outcome{M, M}, false},
		{"an answer ends the streak", time.Minute, []Outcome{M, M, A, M, M}, false},
		{"an unknown ends the streak", time.Minute, []Outcome{M, M, U, M, M}, false},
		{"misses after unknowns count again", time.Minute, []Outcome{U, U, M, M, M}, true},
		{"unknowns alone never fail", time.Minute, []Outcome{U, U, U, U, U, U}, false},
		{"empty", time.Minute, nil, false},
	} {
		assert.Equal(t, c.want, rule.Failing(history(t0, c.every, c.h...)), c.name)
	}
	assert.False(t, FailureRule{}.Failing(history(t0, time.Hour, M, M, M)), "K = 0 never fails")
}

// A keeper whose network is cut for 20 minutes during a hire records unknowns, so
// with probes every 15 s it never reaches K = 5 misses over 3 minutes, and once it
// is back the node's answers keep it healthy.
func TestTwentyMinuteCutIsNotAFailure(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var h []ProbeResult
	at := t0
	for range 4 * 60 {
		o := Answered
		if at.Sub(t0) >= 10*time.Minute && at.Sub(t0) < 30*time.Minute {
			o = Unknown // the keeper's own RPC and network checks fail
		}
		h = append(h, ProbeResult{At: at, Outcome: o})
		assert.False(t, DefaultFailureRule.Failing(h), "at %v", at.Sub(t0))
		at = at.Add(15 * time.Second)
	}
}
