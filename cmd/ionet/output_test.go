package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/tests/localnode"
)

// runApp runs the app in this process and returns stdout, stderr and the exit status.
func runApp(args ...string) (string, string, int) {
	var stdout, stderr bytes.Buffer
	err := newApp(&stdout, &stderr).Run(append([]string{"ionet"}, args...))
	code := exitCode(&stderr, err)
	return stdout.String(), stderr.String(), code
}

// --json works as the global flag, after the command, and as IONET_JSON; without it
// the table is printed.
func TestJSONFlagEverywhere(t *testing.T) {
	k := solana.NewWallet().PrivateKey
	path := localnode.KeypairFile(t, t.TempDir(), "me", k)
	t.Setenv("HOME", t.TempDir())
	for _, args := range [][]string{
		{"--json", "--keypair", path, "address"},
		{"--keypair", path, "address", "--json"},
	} {
		out, errOut, code := runApp(args...)
		require.Equal(t, 0, code, errOut)
		var v struct {
			Address string `json:"address"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &v), out)
		assert.Equal(t, k.PublicKey().String(), v.Address)
	}
	out, _, code := runApp("--keypair", path, "address")
	require.Equal(t, 0, code)
	assert.Equal(t, k.PublicKey().String()+"\n", out)
	t.Setenv("IONET_JSON", "1")
	out, _, code = runApp("--keypair", path, "address")
	require.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(out, "{"), out)
	t.Setenv("IONET_JSON", "")

	// The default keypair.
	home := t.TempDir()
	t.Setenv("HOME", home)
	_, errOut, code := runApp("address")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, filepath.Join(home, ".config", "solana", "id.json")+" does not exist")
	require.NoError(t, os.MkdirAll(filepath.Join(home, ".config", "solana"), 0o700))
	localnode.KeypairFile(t, filepath.Join(home, ".config", "solana"), "id.json", k)
	out, _, code = runApp("address")
	require.Equal(t, 0, code)
	assert.Equal(t, k.PublicKey().String()+"\n", out)
}

func TestAmountJSON(t *testing.T) {
	raw, err := json.Marshal(ioJSON(1_250_000_000))
	require.NoError(t, err)
	assert.JSONEq(t, `{"tokens":"12.5","base_units":"1250000000","unit":"$IO"}`, string(raw))
	assert.Equal(t, Amount{"184467440737.0955161", "18446744073709551610", "$IO"}, ioJSON(18446744073709551610))
	assert.Equal(t, Amount{"0.000001", "1", "IOSD"}, iosdJSON(1))
	assert.Equal(t, Amount{"1.5", "1500000000", "SOL"}, solJSON(1_500_000_000))
}

func TestSpecTextSaysNoGPUMemoryForCPUNodes(t *testing.T) {
	cpu := iostaking.NodeSpec{GpuClass: classes.CPUGenericID, GpuCount: 1, Vcpus: 16, RamGib: 64, Location: [2]uint8{'D', 'E'}}
	assert.Equal(t, "1 × localnet-cpu, no GPU memory, 16 vCPUs, 64 GiB RAM, 0 Mbit/s, DE, nvlink false, compliance 0x0", specText(cpu, "localnet-cpu"))
	gpu := iostaking.NodeSpec{GpuClass: 1, GpuCount: 8, VramMibPerGpu: 81920, Location: [2]uint8{'U', 'S'}}
	assert.Contains(t, specText(gpu, "h100-sxm"), "8 × h100-sxm, 81920 MiB each")
	assert.True(t, isCPUClass(classes.CPUVNNIID) && isCPUClass(classes.CPUAVX2ID) && isCPUClass(classes.CPUGenericID))
	assert.False(t, isCPUClass(1))
}
