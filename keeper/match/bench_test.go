package match

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkMatch matches 10⁴ open orders against 10³, 10⁴ and 10⁵ nodes of a random
// market (randomMarket: five classes, five locations, forty price steps, some nodes
// hired, stale, frozen or under-staked). The goal (issue 11) is under 1 s and
// 512 MiB at 10⁵ nodes on 2 cores:
//
//	go test -c -o /tmp/match.test ./keeper/match/
//	/usr/bin/time -v /tmp/match.test -test.run x -test.bench Match -test.benchmem -test.cpu 2
func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("nodes=%d/orders=10000", n), func(b *testing.B) {
			orders, nodes := randomMarket(rand.New(rand.NewPCG(7, uint64(n))), n, 10_000)
			b.ReportAllocs()
			b.ResetTimer()
			var res Result
			for b.Loop() {
				res = Match(orders, nodes, cfg)
			}
			b.ReportMetric(float64(len(res.Assignments)), "matched")
			b.ReportMetric(float64(len(res.Unmatched)), "unmatched")
		})
	}
}
