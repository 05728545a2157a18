package pow_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/gemm"
)

type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { c.t = c.t.Add(time.Second); return c.t }

// BenchmarkKeeperVerifyH100 measures what a keeper spends on one H100 SXM challenge
// on 2 cores: regenerating B (K×N = 32768×8192 = 2^28 bytes) and computing v = B·r,
// then checking 64 opened rows of T = 16 links each (regenerate A₀[i], the Merkle
// path of the last link, C_t[i]·r == A_t[i]·v for every link). The keeper's cost
// does not depend on M except through the Merkle path length, so the worker side
// answers with M = 256 (path of 8 hashes instead of 22: 64×14 more SHA-256s, ~0.1 ms)
// to keep the benchmark's setup short. Run:
//
//	go test ./oracle/pow -run xxx -bench KeeperVerify -benchtime 3x
func BenchmarkKeeperVerifyH100(b *testing.B) {
	h100, err := classes.ByName("h100-sxm")
	if err != nil {
		b.Fatal(err)
	}
	small := h100
	small.M = 256
	lookup := func(string) (classes.Class, error) { return small, nil }
	keeperKey := ed25519.NewKeyFromSeed(make([]byte, 32))
	workerSeed := sha256.Sum256([]byte("worker"))
	workerKey := ed25519.NewKeyFromSeed(workerSeed[:])
	keeper, err := pow.NewKeeper(pow.KeeperConfig{Key: keeperKey, Clock: &stepClock{}, Lookup: lookup, Workers: 2})
	if err != nil {
		b.Fatal(err)
	}
	prover, err := pow.NewProver(pow.ProverConfig{Key: workerKey, Backend: gemm.Backend{Threads: 2}, Lookup: lookup})
	if err != nil {
		b.Fatal(err)
	}
	params := pow.Params{Worker: workerKey.Public().(ed25519.PublicKey), GPUUUID: "GPU-bench", Class: h100.Name}
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		sess, ch, err := keeper.Challenge(params)
		if err != nil {
			b.Fatal(err)
		}
		work, commit, err := prover.Commit(context.Background(), ch, keeperKey.Public().(ed25519.PublicKey))
		if err != nil {
			b.Fatal(err)
		}
		_, req, err := sess.Commitment(commit, 0)
		if err != nil {
			b.Fatal(err)
		}
		openings, err := work.Open(req, keeperKey.Public().(ed25519.PublicKey))
		if err != nil {
			b.Fatal(err)
		}
		work.Close()
		b.ReportMetric(float64(len(openings)), "opening-bytes")
		b.StartTimer()
		t0 := time.Now()
		if err := sess.Prepare(); err != nil {
			b.Fatal(err)
		}
		if _, err := sess.Openings(openings); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
	}
	per := total / time.Duration(b.N)
	b.ReportMetric(per.Seconds(), "verify-s")
	b.ReportMetric(h100.RefTime.Seconds()/per.Seconds(), "compute/verify")
	keeperOps := float64(h100.K)*float64(h100.N) + float64(pow.DefaultSamples*h100.T)*float64(h100.K+h100.N)
	b.Logf("h100-sxm: verify %.3fs on 2 cores; worker's reference time %v → time ratio %.0f:1; "+
		"multiply-adds %.3g (worker) vs %.3g (keeper) → %.0f:1",
		per.Seconds(), h100.RefTime, h100.RefTime.Seconds()/per.Seconds(),
		h100.Ops()/2, keeperOps, h100.Ops()/2/keeperOps)
}
