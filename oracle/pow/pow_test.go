package pow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/wire"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeedPinnedAndFieldSensitive(t *testing.T) {
	p := params(testKey("worker"), "h100-sxm")
	base := p.Seed()
	// Pinned so any change to the encoding is a deliberate protocol change.
	if got := hex.EncodeToString(base[:]); got != pinnedSeed {
		t.Fatalf("seed = %s, pinned %s", got, pinnedSeed)
	}
	variants := []func(*Params){
		func(p *Params) { p.SlotHash[0] ^= 1 },
		func(p *Params) { p.Worker = pub(testKey("other")) },
		func(p *Params) { p.GPUUUID += "x" },
		func(p *Params) { p.GPUIndex = 1 },
		func(p *Params) { p.Class = "a100" },
		func(p *Params) { p.Nonce[31] = 1 },
	}
	for i, mut := range variants {
		q := p
		mut(&q)
		if q.Seed() == base {
			t.Errorf("variant %d does not change the seed", i)
		}
	}
	// Length prefixes keep moved bytes between variable fields from colliding.
	a, b := p, p
	a.GPUUUID, a.Class = "ab", "c"
	b.GPUUUID, b.Class = "a", "bc"
	if a.Seed() == b.Seed() {
		t.Fatal("ambiguous encoding")
	}
}

const pinnedSeed = "56b37a7da4877731c76db720d98e20ba400a37628a8d577f1cf144c3661c95ef"

func TestRowsRegenerateAlone(t *testing.T) {
	gen := NewGenerator(Seed{1, 2, 3})
	const rows, cols = 9, 300
	all := make([]int8, rows*cols)
	gen.Rows(MatrixA, 0, rows, cols, all)
	one := make([]int8, cols)
	for i := range rows {
		gen.Row(MatrixA, i, one)
		if !bytes.Equal(bytesOf(one), bytesOf(all[i*cols:(i+1)*cols])) {
			t.Fatalf("row %d differs when generated alone", i)
		}
	}
	b := make([]int8, cols)
	gen.Row(MatrixB, 0, b)
	if bytes.Equal(bytesOf(b), bytesOf(all[:cols])) {
		t.Fatal("A and B share a stream")
	}
	// A longer row extends the shorter one (counter mode), and every int8 value,
	// −128 included, occurs.
	long := make([]int8, 4096)
	gen.Row(MatrixA, 0, long)
	if !bytes.Equal(bytesOf(long[:cols]), bytesOf(all[:cols])) {
		t.Fatal("row prefix changes with row length")
	}
	seen := map[int8]bool{}
	for _, v := range long {
		seen[v] = true
	}
	if len(seen) != 256 {
		t.Fatalf("only %d distinct values", len(seen))
	}
}

func TestMulReferenceEdges(t *testing.T) {
	const k = 1000
	a := make([]int8, 2*k)
	b := make([]int8, k*2)
	for p := range k {
		a[p], a[k+p] = -128, 127
		b[2*p], b[2*p+1] = -128, 127
	}
	c := MulReference(a, b, 2, k, 2)
	want := []int32{128 * 128 * k, -128 * 127 * k, -127 * 128 * k, 127 * 127 * k}
	for i := range want {
		if c[i] != want[i] {
			t.Fatalf("c[%d] = %d, want %d", i, c[i], want[i])
		}
	}
}

func TestFreivaldsAcceptsTrueRowsRejectsWrongOnes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const m, k, n = 8, 33, 17
	gen := NewGenerator(Seed{9})
	a := make([]int8, m*k)
	b := make([]int8, k*n)
	gen.Rows(MatrixA, 0, m, k, a)
	gen.Rows(MatrixB, 0, k, n, b)
	c := MulReference(a, b, m, k, n)
	r, _ := RandomVector(nil, n)
	v := BTimesR(gen, k, n, r, 3)
	for i := range m {
		if !CheckRow(a[i*k:(i+1)*k], c[i*n:(i+1)*n], r, v) {
			t.Fatalf("true row %d rejected", i)
		}
	}
	// Wrong rows, including the hardest differences (large powers of two), across
	// fresh vectors: a pass would be a ≥ 2^-32 event, so none may occur.
	deltas := []int32{1, -1, 2, 1 << 16, 1 << 30, -1 << 31}
	const trials = 5000
	passed := 0
	for trial := range trials {
		r, _ := RandomVector(nil, n)
		v := BTimesR(gen, k, n, r, 1)
		i := rng.IntN(m)
		row := append([]int32(nil), c[i*n:(i+1)*n]...)
		row[rng.IntN(n)] += deltas[trial%len(deltas)]
		if CheckRow(a[i*k:(i+1)*k], row, r, v) {
			passed++
		}
	}
	if passed != 0 {
		t.Fatalf("%d of %d wrong rows passed", passed, trials)
	}
}

func TestHonestWorkerAccepted(t *testing.T) {
	f := newFixture(t)
	worker := testKey("worker")
	sess, chMsg, err := f.keeper.Challenge(params(worker, tiny.Name))
	if err != nil {
		t.Fatal(err)
	}
	work, commit, err := newProver(t, worker).Commit(context.Background(), chMsg, pub(f.keeperKey))
	if err != nil {
		t.Fatal(err)
	}
	defer work.Close()
	f.clock.Advance(tiny.RefTime)
	res, req, err := sess.Commitment(commit, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Flagged || res.Elapsed != tiny.RefTime {
		t.Fatalf("result %+v", res)
	}
	openings, err := work.Open(req, pub(f.keeperKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Openings(openings); err != nil {
		t.Fatal(err)
	}
	// A session verifies once.
	if _, err := sess.Openings(openings); !errors.Is(err, ErrState) {
		t.Fatalf("second Openings: %v", err)
	}
}

func TestMessagesRoundTripAndStrictDecoding(t *testing.T) {
	k, w := testKey("keeper"), testKey("worker")
	ch := Challenge{Params: params(w, "a100")}
	msg, err := SealChallenge(k, ch)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenChallenge(msg, pub(k))
	if err != nil || got.Seed() != ch.Seed() {
		t.Fatalf("challenge round trip: %v", err)
	}
	if _, err := OpenChallenge(msg, pub(w)); !errors.Is(err, wire.ErrSigner) {
		t.Fatalf("wrong keeper: %v", err)
	}
	if _, err := OpenCommitment(msg, pub(k)); !errors.Is(err, wire.ErrKind) {
		t.Fatalf("challenge as commitment: %v", err)
	}
	// A payload with a trailing byte is refused even when correctly signed.
	var pw wire.Writer
	ch.encode(&pw)
	pw.U8(0)
	if _, err := OpenChallenge(wire.Seal(wire.KindChallenge, k, pw.Bytes()), pub(k)); !errors.Is(err, wire.ErrPayload) {
		t.Fatalf("trailing byte: %v", err)
	}
	op := Openings{Seed: Seed{1}, Openings: []Opening{
		{Row: 7, Links: [][]int32{{-1, 5, 1 << 30}, {-1 << 31, 0, 1<<31 - 1}}, Proof: []merkle.Hash{{9}}},
		{Row: 1 << 40, Links: [][]int32{{3}}},
	}}
	sealed := SealOpenings(w, op)
	back, err := OpenOpenings(sealed, pub(w))
	require.NoError(t, err)
	require.Len(t, back.Openings, 2)
	assert.Equal(t, op.Openings[0].Row, back.Openings[0].Row)
	assert.Equal(t, op.Openings[0].Links, back.Openings[0].Links)
	assert.Equal(t, op.Openings[0].Proof, back.Openings[0].Proof)
	assert.Equal(t, op.Openings[1].Links, back.Openings[1].Links)
	assert.Empty(t, back.Openings[1].Proof)
	m, err := wire.OpenFrom(sealed, wire.KindOpenings, pub(w))
	require.NoError(t, err)
	assert.Equal(t, OpeningsPayloadSize(1, 2, 3, 32, 1)+OpeningsPayloadSize(1, 1, 1, 3, 0)-36, len(m.Payload),
		"payload size formula")
	q := OpeningRequest{Seed: Seed{2}, Rows: []uint64{3, 1, 4}}
	qb, err := OpenOpeningRequest(SealOpeningRequest(k, q), pub(k))
	if err != nil || len(qb.Rows) != 3 || qb.Rows[2] != 4 {
		t.Fatalf("request round trip: %+v %v", qb, err)
	}
	c := Commitment{Seed: Seed{3}, M: 99, Root: [32]byte{4}}
	cb, err := OpenCommitment(SealCommitment(w, c), pub(w))
	if err != nil || cb != c {
		t.Fatalf("commitment round trip: %+v %v", cb, err)
	}
}

func TestSeedBytesSpelledOut(t *testing.T) {
	p := params(testKey("worker"), "h100-sxm")
	p.Nonce[0] = 0xaa
	var b []byte
	b = append(b, "ionet-pow-v2"...)
	b = append(b, p.SlotHash[:]...)
	b = append(b, p.Worker...)
	b = append(b, 0, 0, 0, byte(len(p.GPUUUID)))
	b = append(b, p.GPUUUID...)
	b = append(b, 0, 0, 0, 0)
	b = append(b, 0, 0, 0, 8)
	b = append(b, "h100-sxm"...)
	b = append(b, p.Nonce[:]...)
	if Seed(sha256.Sum256(b)) != p.Seed() {
		t.Fatal("seed is not SHA256 of the documented encoding")
	}
}
