package classes

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The class ids the programs accept (crates/io-protocol/src/classes.rs writes the
// file): every fixed class of this table has the same id and name there, and each
// derived family's id matches its name pattern.
func TestClassIDsMatchTheProgramsTable(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/classes/ids.json")
	require.NoError(t, err)
	var onChain []struct {
		ID   uint8  `json:"id"`
		Name string `json:"name"`
	}
	require.NoError(t, json.Unmarshal(raw, &onChain))
	byID := map[uint8]string{}
	for _, c := range onChain {
		byID[c.ID] = c.Name
	}

	for _, c := range All() {
		require.Equal(t, c.Name, byID[c.ID], "class id %d", c.ID)
		delete(byID, c.ID)
	}
	vnni, err := CPU(ISAAVX512VNNI, 16)
	require.NoError(t, err)
	avx2, err := CPU(ISAAVX2, 4)
	require.NoError(t, err)
	generic, err := CPU(ISAGeneric, 2)
	require.NoError(t, err)
	gpu, err := genericGPU(9, 0, 132, 1980)
	require.NoError(t, err)
	for _, c := range []Class{vnni, avx2, generic, gpu} {
		pattern, ok := byID[c.ID]
		require.True(t, ok, "family %s (id %d) is not on chain", c.Name, c.ID)
		require.True(t, strings.HasSuffix(pattern, "*") && strings.HasPrefix(c.Name, strings.TrimSuffix(pattern, "*")),
			"%s does not match the on-chain family %s", c.Name, pattern)
		delete(byID, c.ID)
	}
	require.Empty(t, byID, "ids the programs accept that the Go table does not know")
}
