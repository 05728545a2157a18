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

// BenchmarkMatchWorstCase is 10⁴ orders that no node set can fill (1,024 GPUs of
// any class at a price every node accepts) against 10⁵ nodes: every order scans
// every node to count its refusals.
func BenchmarkMatchWorstCase(b *testing.B) {
	orders, nodes := randomMarket(rand.New(rand.NewPCG(7, 8)), 100_000, 10_000)
	for i := range orders {
		orders[i].Class, orders[i].GPUs, orders[i].MaxPrice, orders[i].Locations = 0, 1024, 100_000_000, nil
		orders[i].MinVRAMMiB, orders[i].MinVCPUs, orders[i].MinRAMGiB, orders[i].Compliance = 0, 0, 0, 0
		val, fee, _ := PartValue(orders[i].MaxPrice, orders[i].GPUs, orders[i].Hours, orders[i].IsIO, orders[i].IOPrice, orders[i].RenterFeeBps)
		orders[i].Held = val + fee
	}
	b.ReportAllocs()
	b.ResetTimer()
	var res Result
	for b.Loop() {
		res = Match(orders, nodes, cfg)
	}
	b.ReportMetric(float64(len(res.Assignments)), "matched")
	b.ReportMetric(float64(len(res.Unmatched)), "unmatched")
}

// BenchmarkMatchNoFit is 10⁴ orders for one GPU of any class at a price every node
// accepts, asking more VRAM than any node has, against 10⁵ nodes: every order would
// check every node, and the round's scan budget (DefaultScanBudget) defers the rest.
func BenchmarkMatchNoFit(b *testing.B) {
	orders, nodes := randomMarket(rand.New(rand.NewPCG(7, 9)), 100_000, 10_000)
	for i := range orders {
		orders[i].Class, orders[i].GPUs, orders[i].MaxPrice, orders[i].Locations = 0, 1, 100_000_000, nil
		orders[i].MinVRAMMiB = 1 << 30
		val, fee, _ := PartValue(orders[i].MaxPrice, orders[i].GPUs, orders[i].Hours, orders[i].IsIO, orders[i].IOPrice, orders[i].RenterFeeBps)
		orders[i].Held = val + fee
	}
	b.ReportAllocs()
	b.ResetTimer()
	var res Result
	for b.Loop() {
		res = Match(orders, nodes, cfg)
	}
	deferred := 0
	for _, u := range res.Unmatched {
		if u.Reason == ReasonDeferred {
			deferred++
		}
	}
	b.ReportMetric(float64(deferred), "deferred")
}
