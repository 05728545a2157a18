package epochlog_test

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"testing"

	"github.com/near/borsh-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/keeper/epochlog"
)

func key(tag string) [32]byte { return sha256.Sum256([]byte(tag)) }

func probe(node string, at int64, ok bool) epochlog.Observation {
	o := epochlog.Observation{Node: key(node), Kind: epochlog.KindProbe, AtMillis: at, OK: ok, RTTMicros: 900,
		Evidence: [][]byte{[]byte("answer " + node)}}
	if !ok {
		o.Reason, o.Evidence = epochlog.ReasonUnreachable, nil
	}
	return o
}

func challenge(node string, at int64, tops uint64, reason string) epochlog.Observation {
	return epochlog.Observation{Node: key(node), Kind: epochlog.KindChallenge, AtMillis: at, OK: reason == "",
		Reason: reason, TOPSMilli: tops, RTTMicros: 1200, Evidence: [][]byte{[]byte("commitment"), []byte("openings")}}
}

func sampleLog() *epochlog.Log {
	return &epochlog.Log{Epoch: 42, Keeper: key("keeper"), Observations: []epochlog.Observation{
		probe("a", 1000, true), probe("a", 2000, false), probe("a", 3000, true), probe("a", 4000, true),
		challenge("a", 5000, 600_000, ""), challenge("a", 6000, 0, epochlog.ReasonDeadline),
		challenge("a", 7000, 640_000, ""), challenge("a", 8000, 620_000, ""),
		probe("b", 1500, true), challenge("b", 2500, 0, epochlog.ReasonHired),
		challenge("b", 3500, 0, epochlog.ReasonWrongRow), challenge("b", 4500, 0, epochlog.ReasonBadSignature),
		challenge("c", 900, 0, epochlog.ReasonTooFast),
	}}
}

// Mirrors of the encodings for borsh-go, field for field.
type borshObservation struct {
	Node      [32]byte
	Kind      uint8
	AtMillis  int64
	OK        bool
	Reason    string
	TOPSMilli uint64
	RTTMicros uint64
	Evidence  [][]byte
}

type borshLog struct {
	Domain       string
	Version      uint8
	Epoch        uint64
	Keeper       [32]byte
	Observations []borshObservation
}

type borshNode struct {
	Node          [32]byte
	Probes        uint32
	Answered      uint32
	TOPSMilli     uint64
	Passed        uint16
	NotChallenged uint16
	Failures      []uint8
}

type borshSummary struct {
	Domain  string
	Version uint8
	Epoch   uint64
	Keeper  [32]byte
	Log     [32]byte
	Nodes   []borshNode
}

func TestBytesAreBorsh(t *testing.T) {
	l := sampleLog()
	dec, err := epochlog.Decode(l.Bytes())
	require.NoError(t, err)
	mirror := borshLog{Domain: epochlog.LogDomain, Version: epochlog.Version, Epoch: l.Epoch, Keeper: l.Keeper}
	for _, o := range dec.Observations { // canonical order
		mirror.Observations = append(mirror.Observations, borshObservation{o.Node, uint8(o.Kind), o.AtMillis, o.OK,
			o.Reason, o.TOPSMilli, o.RTTMicros, o.Evidence})
	}
	want, err := borsh.Serialize(mirror)
	require.NoError(t, err)
	assert.Equal(t, want, l.Bytes())

	s, err := epochlog.Summarize(l)
	require.NoError(t, err)
	ms := borshSummary{Domain: epochlog.SummaryDomain, Version: epochlog.Version, Epoch: s.Epoch, Keeper: s.Keeper, Log: s.Log}
	for _, n := range s.Nodes {
		f := n.Failures
		if f == nil {
			f = []uint8{}
		}
		ms.Nodes = append(ms.Nodes, borshNode{n.Node, n.Probes, n.Answered, n.TOPSMilli, n.Passed, n.NotChallenged, f})
	}
	want, err = borsh.Serialize(ms)
	require.NoError(t, err)
	assert.Equal(t, want, s.Bytes())
	assert.Equal(t, sha256.Sum256(want), s.Hash())
}

func TestCanonicalBytesIgnoreOrder(t *testing.T) {
	l := sampleLog()
	want, wantSum := l.Bytes(), mustSummary(t, l).Bytes()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		p := &epochlog.Log{Epoch: l.Epoch, Keeper: l.Keeper, Observations: append([]epochlog.Observation(nil), l.Observations...)}
		rng.Shuffle(len(p.Observations), func(i, j int) { p.Observations[i], p.Observations[j] = p.Observations[j], p.Observations[i] })
		require.Equal(t, want, p.Bytes())
		require.Equal(t, l.Hash(), p.Hash())
		require.Equal(t, wantSum, mustSummary(t, p).Bytes())
	}
	// Any change of content changes the hash.
	c := *l
	c.Observations = append([]epochlog.Observation(nil), l.Observations...)
	c.Observations[0].RTTMicros++
	assert.NotEqual(t, l.Hash(), c.Hash())
	c.Observations, c.Keeper = l.Observations, key("other")
	assert.NotEqual(t, l.Hash(), c.Hash())
}

func mustSummary(t *testing.T, l *epochlog.Log) *epochlog.Summary {
	t.Helper()
	s, err := epochlog.Summarize(l)
	require.NoError(t, err)
	return s
}

func TestDecodeRoundTrip(t *testing.T) {
	l := sampleLog()
	b := l.Bytes()
	got, err := epochlog.Decode(b)
	require.NoError(t, err)
	assert.Equal(t, l.Epoch, got.Epoch)
	assert.Equal(t, l.Keeper, got.Keeper)
	assert.ElementsMatch(t, l.Observations, got.Observations)
	assert.Equal(t, b, got.Bytes())

	empty := &epochlog.Log{Epoch: 1, Keeper: key("k")}
	got, err = epochlog.Decode(empty.Bytes())
	require.NoError(t, err)
	assert.Empty(t, got.Observations)
}

func TestDecodeRejects(t *testing.T) {
	good := sampleLog().Bytes()
	swapped := func() []byte { // two observations' bytes swapped: out of canonical order
		l := &epochlog.Log{Epoch: 1, Keeper: key("k"), Observations: []epochlog.Observation{probe("a", 1, true), probe("a", 2, true)}}
		b := l.Bytes()
		n := (len(b) - (4 + len(epochlog.LogDomain) + 1 + 8 + 32 + 4)) / 2
		head, o1, o2 := b[:len(b)-2*n], b[len(b)-2*n:len(b)-n], b[len(b)-n:]
		return append(append(append([]byte(nil), head...), o2...), o1...)
	}()
	withByte := func(i int, v byte) []byte { b := bytes.Clone(good); b[i] = v; return b }
	kindAt := 4 + len(epochlog.LogDomain) + 1 + 8 + 32 + 4 + 32
	for name, b := range map[string][]byte{
		"empty":           nil,
		"truncated":       good[:len(good)-1],
		"trailing":        append(bytes.Clone(good), 0),
		"other version":   withByte(4+len(epochlog.LogDomain), 2),
		"other domain":    withByte(4, 'x'),
		"unknown kind":    withByte(kindAt, 9),
		"bool not 0 or 1": withByte(kindAt+1+8, 2),
		"huge count":      withByte(kindAt-32-1, 0xff),
		"out of order":    swapped,
		"a summary":       mustSummary(t, sampleLog()).Bytes(),
	} {
		_, err := epochlog.Decode(b)
		assert.ErrorIs(t, err, epochlog.ErrMalformed, name)
	}
}

func TestValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		o  epochlog.Observation
		ok bool
	}{
		"answered probe":           {probe("a", 1, true), true},
		"missed probe":             {probe("a", 1, false), true},
		"passed challenge":         {challenge("a", 1, 5, ""), true},
		"failed challenge":         {challenge("a", 1, 0, epochlog.ReasonWrongSeed), true},
		"hired":                    {challenge("a", 1, 0, epochlog.ReasonHired), true},
		"unknown kind":             {epochlog.Observation{Kind: 3, OK: true}, false},
		"ok with reason":           {epochlog.Observation{Kind: epochlog.KindProbe, OK: true, Reason: epochlog.ReasonDeadline}, false},
		"failed without reason":    {epochlog.Observation{Kind: epochlog.KindProbe}, false},
		"unknown reason":           {epochlog.Observation{Kind: epochlog.KindProbe, Reason: "tired"}, false},
		"probe hired":              {epochlog.Observation{Kind: epochlog.KindProbe, Reason: epochlog.ReasonHired}, false},
		"TOPS on failed":           {challenge("a", 1, 5, epochlog.ReasonTooFast), false},
		"TOPS on answered probe":   {epochlog.Observation{Kind: epochlog.KindProbe, OK: true, TOPSMilli: 1}, false},
		"zero TOPS passed is fine": {challenge("a", 1, 0, ""), true},
	} {
		err := tc.o.Validate()
		if tc.ok {
			assert.NoError(t, err, name)
		} else {
			assert.ErrorIs(t, err, epochlog.ErrInvalid, name)
		}
	}
}

func TestSummarize(t *testing.T) {
	l := sampleLog()
	s := mustSummary(t, l)
	assert.Equal(t, uint64(42), s.Epoch)
	assert.Equal(t, l.Keeper, s.Keeper)
	assert.Equal(t, l.Hash(), s.Log)
	code := func(r string) uint8 { c, ok := epochlog.ReasonCode(r); require.True(t, ok); return c }
	want := []epochlog.NodeSummary{
		// 3 of 4 probes; passed 600, 640, 620 → lower median 620; one deadline.
		{Node: key("a"), Probes: 4, Answered: 3, TOPSMilli: 620_000, Passed: 3, Failures: []uint8{code(epochlog.ReasonDeadline)}},
		// hired skip counts neither way; failures ascending by code.
		{Node: key("b"), Probes: 1, Answered: 1, NotChallenged: 1,
			Failures: []uint8{code(epochlog.ReasonBadSignature), code(epochlog.ReasonWrongRow)}},
		{Node: key("c"), Failures: []uint8{code(epochlog.ReasonTooFast)}},
	}
	byNode := map[[32]byte]epochlog.NodeSummary{}
	for _, n := range want {
		byNode[n.Node] = n
	}
	require.Len(t, s.Nodes, 3)
	for i, n := range s.Nodes {
		if i > 0 {
			assert.Negative(t, bytes.Compare(s.Nodes[i-1].Node[:], n.Node[:]), "sorted by node")
		}
		assert.Equal(t, byNode[n.Node], n)
	}
	assert.Equal(t, uint16(7500), byNode[key("a")].UptimeBps())
	assert.Equal(t, uint16(10_000), byNode[key("c")].UptimeBps(), "no probe sent: full, as uptime.Prober")
	assert.Equal(t, uint16(6666), epochlog.NodeSummary{Probes: 3, Answered: 2}.UptimeBps(), "rounded down")

	got, err := epochlog.DecodeSummary(s.Bytes())
	require.NoError(t, err)
	assert.Equal(t, s, got)

	bad := *l
	bad.Observations = []epochlog.Observation{{Kind: epochlog.KindProbe}}
	_, err = epochlog.Summarize(&bad)
	assert.ErrorIs(t, err, epochlog.ErrInvalid)

	c, err := epochlog.Commitment(l)
	require.NoError(t, err)
	assert.Equal(t, s.Hash(), c)
}

func TestDecodeSummaryRejects(t *testing.T) {
	base := func() *epochlog.Summary { return mustSummary(t, sampleLog()) }
	edit := func(f func(s *epochlog.Summary)) []byte { s := base(); f(s); return s.Bytes() }
	good := base().Bytes()
	for name, b := range map[string][]byte{
		"truncated":       good[:len(good)-3],
		"trailing":        append(bytes.Clone(good), 1),
		"a log":           sampleLog().Bytes(),
		"repeated node":   edit(func(s *epochlog.Summary) { s.Nodes[1].Node = s.Nodes[0].Node }),
		"unsorted":        edit(func(s *epochlog.Summary) { s.Nodes[0], s.Nodes[1] = s.Nodes[1], s.Nodes[0] }),
		"answered > sent": edit(func(s *epochlog.Summary) { s.Nodes[0].Answered = 5 }),
		"TOPS, no pass": edit(func(s *epochlog.Summary) {
			for i := range s.Nodes {
				if s.Nodes[i].Passed == 0 {
					s.Nodes[i].TOPSMilli = 1
				}
			}
		}),
		"unknown failure":  edit(func(s *epochlog.Summary) { s.Nodes[0].Failures = []uint8{200} }),
		"hired as failure": edit(func(s *epochlog.Summary) { s.Nodes[0].Failures = []uint8{8} }),
		"unsorted failure": edit(func(s *epochlog.Summary) { s.Nodes[0].Failures = []uint8{5, 3} }),
	} {
		_, err := epochlog.DecodeSummary(b)
		assert.ErrorIs(t, err, epochlog.ErrMalformed, name)
	}
}

func TestReasonCodes(t *testing.T) {
	seen := map[uint8]bool{}
	for _, r := range []string{epochlog.ReasonUnreachable, epochlog.ReasonDeadline, epochlog.ReasonBadSignature,
		epochlog.ReasonWrongSeed, epochlog.ReasonWrongRow, epochlog.ReasonMalformed, epochlog.ReasonTooFast, epochlog.ReasonHired} {
		c, ok := epochlog.ReasonCode(r)
		require.True(t, ok, r)
		assert.False(t, seen[c], r)
		seen[c] = true
		assert.Equal(t, r, epochlog.ReasonName(c))
	}
	_, ok := epochlog.ReasonCode("")
	assert.False(t, ok)
	assert.Empty(t, epochlog.ReasonName(0))
	assert.Empty(t, epochlog.ReasonName(99))
}

func FuzzDecode(f *testing.F) {
	l := sampleLog()
	f.Add(l.Bytes())
	f.Add(mustSummaryF(l).Bytes())
	f.Add((&epochlog.Log{Epoch: 3}).Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if l, err := epochlog.Decode(b); err == nil {
			require.Equal(t, b, l.Bytes(), "only canonical bytes decode")
			_, err := epochlog.Summarize(l)
			require.NoError(t, err)
		} else {
			require.ErrorIs(t, err, epochlog.ErrMalformed)
		}
		if s, err := epochlog.DecodeSummary(b); err == nil {
			require.Equal(t, b, s.Bytes(), "only canonical bytes decode")
		} else {
			require.ErrorIs(t, err, epochlog.ErrMalformed)
		}
	})
}

func mustSummaryF(l *epochlog.Log) *epochlog.Summary {
	s, err := epochlog.Summarize(l)
	if err != nil {
		panic(err)
	}
	return s
}
