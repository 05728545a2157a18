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

// Argument errors name the command as typed, subcommand group included.
func TestArgumentErrorsNameTheWholeCommand(t *testing.T) {
	_, stderr, code := runApp("hire", "status", "5", "--json")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `hire status: "--json" looks like a flag; flags go before the arguments (ionet hire status [flags] order)`)
	_, stderr, code = runApp("stake", "claim")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "stake claim takes 1 argument(s): [node], got 0")
}

// A malformed --rpc-url is a usage error before any call.
func TestMalformedRPCURLIsAUsageError(t *testing.T) {
	_, stderr, code := runApp("--rpc-url", "notaurl", "network", "status")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--rpc-url "notaurl": want an http(s)://host:port URL`)
}
