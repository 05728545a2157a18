package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ionet-network/ionet/chain/network"
)

// Class names of any length line up their counts: a derived CPU family name is
// longer than the 14 columns the fixed classes need.
func TestPrintStatusAlignsTheClasses(t *testing.T) {
	var b strings.Builder
	printStatus(&b, &network.Status{Classes: []network.ClassCount{
		{Class: "a100", Nodes: 1, Staked: 1, GPUs: 8},
		{Class: "cpu-avx512vnni-* (id 240)", Nodes: 2, Staked: 1, GPUs: 2},
		{Class: "h100-sxm", Nodes: 3, Staked: 3, GPUs: 24},
	}})
	var cols []int
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "  nodes ") {
			cols = append(cols, strings.LastIndex(line, " ("))
		}
	}
	assert.Len(t, cols, 3)
	assert.Equal(t, []int{cols[0], cols[0], cols[0]}, cols, b.String())
	assert.Contains(t, b.String(), "  nodes        cpu-avx512vnni-* (id 240) 2 (1 staked), 2 GPUs\n")
}
