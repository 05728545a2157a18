package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/oracle/uptime"
)

// tiny is a small class so a whole challenge takes milliseconds; its reference time
// follows from its sizes at 70% of its peak, like the real table.
var tiny = func() classes.Class {
	c := classes.Class{ID: 201, Name: "api-test-tiny", M: 300, K: 32, N: 8, T: 2, DensePeakTOPS: 1e-6, Source: "test"}
	c.RefTime = time.Duration(c.Ops() / (classes.RefEfficiency * c.DensePeakTOPS * 1e12) * float64(time.Second))
	return c
}()

func lookup(name string) (classes.Class, error) {
	if name == tiny.Name {
		return tiny, nil
	}
	return classes.ByName(name)
}

func key(tag string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(tag))
	return ed25519.NewKeyFromSeed(s[:])
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

type fixture struct {
	worker, keeper, other ed25519.PrivateKey
	srv                   Server
	url                   string
	client                *Client
	pk                    *pow.Keeper
}

func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	f := &fixture{worker: key("worker"), keeper: key("keeper"), other: key("other keeper")}
	prover, err := pow.NewProver(pow.ProverConfig{Key: f.worker, Backend: pow.ReferenceBackend{}, Lookup: lookup, Workers: 1})
	require.NoError(t, err)
	registered := map[string]bool{string(pub(f.keeper)): true, string(pub(f.other)): true}
	cfg := Config{
		Key: f.worker, Class: tiny.Name, Lookup: lookup, Version: "test",
		Node:    solana.PublicKeyFromBytes(bytes.Repeat([]byte{7}, 32)),
		Devices: []Device{{Prover: prover, UUID: "GPU-test-0"}},
		Keepers: func(k ed25519.PublicKey) bool { return registered[string(k)] },
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := NewServer(cfg)
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); require.NoError(t, srv.Close()) })
	f.srv, f.url, f.client = srv, hs.URL, NewClient(ClientConfig{})
	f.pk, err = pow.NewKeeper(pow.KeeperConfig{Key: f.keeper, Lookup: lookup})
	require.NoError(t, err)
	return f
}

func (f *fixture) params() pow.Params {
	return pow.Params{SlotHash: sha256.Sum256([]byte("slot")), Worker: pub(f.worker), GPUUUID: "GPU-test-0", Class: tiny.Name}
}

func statusOf(t *testing.T, err error) int {
	t.Helper()
	var se *StatusError
	require.ErrorAs(t, err, &se)
	return se.Status
}

func TestChallengeRoundTrip(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	info, rtt, err := f.client.Info(ctx, f.url)
	require.NoError(t, err)
	assert.Equal(t, Info{Worker: solana.PublicKeyFromBytes(pub(f.worker)).String(), Node: solana.PublicKeyFromBytes(bytes.Repeat([]byte{7}, 32)).String(),
		Class: tiny.Name, GPUs: 1, GPUUUIDs: []string{"GPU-test-0"}, Version: "test"}, info)
	assert.Positive(t, rtt)
	rtt, err = f.client.RTT(ctx, f.url)
	require.NoError(t, err)
	assert.Positive(t, rtt)

	sess, msg, err := f.pk.Challenge(f.params())
	require.NoError(t, err)
	commitment, err := f.client.Challenge(ctx, f.url, msg)
	require.NoError(t, err)
	res, req, err := sess.Commitment(commitment, rtt)
	require.NoError(t, err)
	assert.LessOrEqual(t, res.Elapsed, res.Deadline)
	openings, err := f.client.Open(ctx, f.url+"/", req) // a trailing slash on the endpoint is fine
	require.NoError(t, err)
	_, err = sess.Openings(openings)
	require.NoError(t, err)

	// One opening per commitment: the work is gone.
	_, err = f.client.Open(ctx, f.url, req)
	assert.Equal(t, http.StatusNotFound, statusOf(t, err))
}

func TestRefusals(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	stranger := key("not a keeper")
	p := f.params()

	signed := func(k ed25519.PrivateKey, p pow.Params) []byte {
		msg, err := pow.SealChallenge(k, pow.Challenge{Params: p})
		require.NoError(t, err)
		return msg
	}
	badSig := signed(f.keeper, p)
	badSig[len(badSig)-1] ^= 1
	otherWorker, otherClass, otherGPU, otherUUID := p, p, p, p
	otherWorker.Worker = pub(stranger)
	otherClass.Class = "cpu-generic-1"
	otherGPU.GPUIndex = 1
	otherUUID.GPUUUID = "GPU-elsewhere"

	for _, tc := range []struct {
		name   string
		path   string
		body   []byte
		status int
	}{
		{"garbled challenge", PathChallenge, []byte("hello"), http.StatusBadRequest},
		{"empty challenge", PathChallenge, nil, http.StatusBadRequest},
		{"probe as challenge", PathChallenge, uptime.SealProbe(f.keeper, uptime.Probe{Node: pub(f.worker)}), http.StatusBadRequest},
		{"bad signature", PathChallenge, badSig, http.StatusUnauthorized},
		{"unknown keeper", PathChallenge, signed(stranger, p), http.StatusForbidden},
		{"another worker", PathChallenge, signed(f.keeper, otherWorker), http.StatusBadRequest},
		{"another class", PathChallenge, signed(f.keeper, otherClass), http.StatusBadRequest},
		{"no such GPU", PathChallenge, signed(f.keeper, otherGPU), http.StatusBadRequest},
		{"another UUID", PathChallenge, signed(f.keeper, otherUUID), http.StatusBadRequest},
		{"too large", PathChallenge, make([]byte, MaxChallengeBody+1), http.StatusRequestEntityTooLarge},
		{"garbled open", PathOpen, []byte{1, 3, 0}, http.StatusBadRequest},
		{"open of nothing", PathOpen, pow.SealOpeningRequest(f.keeper, pow.OpeningRequest{Rows: []uint64{1}}), http.StatusNotFound},
		{"open by a stranger", PathOpen, pow.SealOpeningRequest(stranger, pow.OpeningRequest{}), http.StatusForbidden},
		{"garbled probe", PathProbe, []byte("x"), http.StatusBadRequest},
		{"probe from a stranger", PathProbe, uptime.SealProbe(stranger, uptime.Probe{Node: pub(f.worker)}), http.StatusForbidden},
		{"probe for another node", PathProbe, uptime.SealProbe(f.keeper, uptime.Probe{Node: pub(stranger)}), http.StatusBadRequest},
		{"probe off the chain", PathProbe, uptime.SealProbe(f.keeper, uptime.Probe{Node: pub(f.worker), Seq: 3}), http.StatusConflict},
		{"too large probe", PathProbe, make([]byte, MaxProbeBody+1), http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(f.url+tc.path, ContentType, bytes.NewReader(tc.body))
			require.NoError(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			assert.Equal(t, tc.status, resp.StatusCode, string(body))
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			se, ok := decodeError(resp.StatusCode, body).(*StatusError)
			require.True(t, ok)
			assert.NotEmpty(t, se.Message)
			assert.NotEqual(t, string(body), se.Message, "the message comes from the JSON body")
		})
	}

	for _, tc := range []struct{ method, path string }{{http.MethodGet, PathChallenge}, {http.MethodPost, PathInfo}, {http.MethodGet, "/v1/nothing"}} {
		req, err := http.NewRequestWithContext(ctx, tc.method, f.url+tc.path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Contains(t, []int{http.StatusMethodNotAllowed, http.StatusNotFound}, resp.StatusCode, tc)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	}

	// The client surfaces the status.
	_, err := f.client.Challenge(ctx, f.url, signed(stranger, p))
	assert.Equal(t, http.StatusForbidden, statusOf(t, err))
	assert.NotErrorIs(t, err, ErrUnreachable)
}

func TestRandomBodiesNeverPanic(t *testing.T) {
	f := newFixture(t, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	valid, err := pow.SealChallenge(f.keeper, pow.Challenge{Params: f.params()})
	require.NoError(t, err)
	for i := range 300 {
		var body []byte
		if i%2 == 0 { // mutate a valid challenge: header, key, length, payload and signature bytes
			body = bytes.Clone(valid)
			body[rng.IntN(len(body))] ^= byte(1 + rng.IntN(255))
			body = body[:rng.IntN(len(body)+1)]
		} else {
			body = make([]byte, rng.IntN(300))
			for j := range body {
				body[j] = byte(rng.Uint32())
			}
		}
		for _, path := range []string{PathChallenge, PathOpen, PathProbe} {
			resp, err := http.Post(f.url+path, ContentType, bytes.NewReader(body))
			require.NoError(t, err)
			resp.Body.Close()
			require.GreaterOrEqual(t, resp.StatusCode, 400, "%s %x", path, body)
			require.Less(t, resp.StatusCode, 500, "%s %x", path, body)
		}
	}
}

func TestReplayAndPendingBounds(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := newFixture(t, func(c *Config) { c.MaxPending = 2; c.PendingTTL = time.Minute; c.Now = clock })
	ctx := context.Background()

	_, m1, err := f.pk.Challenge(f.params())
	require.NoError(t, err)
	s2, m2, err := f.pk.Challenge(f.params())
	require.NoError(t, err)
	_, m3, err := f.pk.Challenge(f.params())
	require.NoError(t, err)
	_, err = f.client.Challenge(ctx, f.url, m1)
	require.NoError(t, err)
	_, err = f.client.Challenge(ctx, f.url, m1)
	assert.Equal(t, http.StatusConflict, statusOf(t, err), "a replayed challenge")
	c2, err := f.client.Challenge(ctx, f.url, m2)
	require.NoError(t, err)
	_, err = f.client.Challenge(ctx, f.url, m3)
	assert.Equal(t, http.StatusServiceUnavailable, statusOf(t, err), "two commitments already pending")

	// The other registered keeper cannot open f.keeper's commitment.
	_, req, err := s2.Commitment(c2, time.Millisecond)
	require.NoError(t, err)
	r, err := pow.OpenOpeningRequest(req, pub(f.keeper))
	require.NoError(t, err)
	_, err = f.client.Open(ctx, f.url, pow.SealOpeningRequest(f.other, r))
	assert.Equal(t, http.StatusForbidden, statusOf(t, err))

	// Past the TTL both expire: the opening is refused and there is room again.
	mu.Lock()
	now = now.Add(time.Minute + time.Second)
	mu.Unlock()
	_, err = f.client.Open(ctx, f.url, req)
	assert.Equal(t, http.StatusNotFound, statusOf(t, err))
	_, err = f.client.Challenge(ctx, f.url, m3)
	require.NoError(t, err)
}

func TestProbe(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	prober, err := uptime.NewProber(uptime.ProberConfig{Key: f.keeper, Node: pub(f.worker), Epoch: 9})
	require.NoError(t, err)
	for range 3 {
		probe, err := prober.Probe()
		require.NoError(t, err)
		answer, rtt, err := f.client.Probe(ctx, f.url, probe)
		require.NoError(t, err)
		assert.Positive(t, rtt)
		require.NoError(t, prober.Answer(answer))
	}
	assert.Equal(t, uint32(10000), prober.UptimeBps())
	require.NoError(t, uptime.VerifyChain(prober.Log(), 9, pub(f.keeper), pub(f.worker)))
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("wrong-row", func(t *testing.T) {
		f := newFixture(t, func(c *Config) { c.Fault = FaultWrongRow })
		sess, msg, err := f.pk.Challenge(f.params())
		require.NoError(t, err)
		commitment, err := f.client.Challenge(ctx, f.url, msg)
		require.NoError(t, err)
		_, req, err := sess.Commitment(commitment, time.Millisecond)
		require.NoError(t, err)
		openings, err := f.client.Open(ctx, f.url, req)
		require.NoError(t, err)
		_, err = pow.OpenOpenings(openings, pub(f.worker))
		require.NoError(t, err, "still signed by the worker")
		_, err = sess.Openings(openings)
		assert.ErrorIs(t, err, pow.ErrWrongRow)
	})
	t.Run("slow", func(t *testing.T) {
		const delay = 300 * time.Millisecond
		f := newFixture(t, func(c *Config) { c.Fault = FaultSlow; c.SlowDelay = delay })
		_, msg, err := f.pk.Challenge(f.params())
		require.NoError(t, err)
		start := time.Now()
		_, err = f.client.Challenge(ctx, f.url, msg)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, time.Since(start), delay)
	})
	t.Run("bad fault", func(t *testing.T) {
		_, err := ParseFault("explode")
		require.Error(t, err)
		for _, s := range []string{"", "none", "wrong-row", "slow"} {
			_, err := ParseFault(s)
			require.NoError(t, err, s)
		}
	})
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	c := NewClient(ClientConfig{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case PathInfo:
			_, _ = w.Write([]byte("{not json"))
		case PathProbe:
			_, _ = w.Write(make([]byte, 4*MaxProbeBody+1))
		default:
			http.Error(w, "plain text", http.StatusTeapot)
		}
	}))
	url := hs.URL
	_, _, err := c.Info(ctx, url)
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrUnreachable)
	_, _, err = c.Probe(ctx, url, []byte{1})
	assert.ErrorIs(t, err, ErrAnswerTooLarge)
	_, err = c.Challenge(ctx, url, []byte{1})
	assert.Equal(t, http.StatusTeapot, statusOf(t, err))
	hs.Close()
	_, err = c.Challenge(ctx, url, []byte{1})
	assert.ErrorIs(t, err, ErrUnreachable)
	var se *StatusError
	assert.False(t, errors.As(err, &se))
}

func TestNewServerValidates(t *testing.T) {
	prover, err := pow.NewProver(pow.ProverConfig{Key: key("w"), Backend: pow.ReferenceBackend{}})
	require.NoError(t, err)
	ok := Config{Key: key("w"), Class: "cpu-generic-1", Devices: []Device{{Prover: prover}}, Keepers: func(ed25519.PublicKey) bool { return true }}
	_, err = NewServer(ok)
	require.NoError(t, err)
	for name, mod := range map[string]func(*Config){
		"no key":        func(c *Config) { c.Key = nil },
		"no devices":    func(c *Config) { c.Devices = nil },
		"nil prover":    func(c *Config) { c.Devices = []Device{{}} },
		"no keepers":    func(c *Config) { c.Keepers = nil },
		"unknown class": func(c *Config) { c.Class = "abacus" },
		"bad fault":     func(c *Config) { c.Fault = "explode" },
	} {
		c := ok
		mod(&c)
		_, err := NewServer(c)
		assert.Error(t, err, name)
	}
}
