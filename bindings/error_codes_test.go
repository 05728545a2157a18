package bindings_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/programerr"
)

// errorTable is what each bindings package's generated error_codes.go provides.
type errorTable struct {
	errors map[uint32]programerr.ProgramError
	byCode func(uint32) (programerr.ProgramError, bool)
	decode func(any) (programerr.ProgramError, bool)
}

// errorTables holds every program's table by IDL name. A new idl/*.json fails the test
// below until its package is added here.
var errorTables = map[string]errorTable{
	"io_hire":    {iohire.Errors, iohire.ErrorByCode, iohire.DecodeError},
	"io_rewards": {iorewards.Errors, iorewards.ErrorByCode, iorewards.DecodeError},
	"io_staking": {iostaking.Errors, iostaking.ErrorByCode, iostaking.DecodeError},
}

// The generated tables hold exactly the errors each IDL declares.
func TestErrorTablesMatchIDL(t *testing.T) {
	paths, err := filepath.Glob("../idl/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		program := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(program, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			var idl struct {
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
				Errors []struct {
					Code uint32 `json:"code"`
					Name string `json:"name"`
					Msg  string `json:"msg"`
				} `json:"errors"`
			}
			require.NoError(t, json.Unmarshal(raw, &idl))
			table, ok := errorTables[idl.Metadata.Name]
			require.True(t, ok, "no error table for %s: add its bindings package to errorTables", idl.Metadata.Name)

			require.Len(t, table.errors, len(idl.Errors))
			for _, want := range idl.Errors {
				got, ok := table.byCode(want.Code)
				require.True(t, ok, "code %d (%s) missing", want.Code, want.Name)
				assert.Equal(t, programerr.ProgramError{
					Program: idl.Metadata.Name, Code: want.Code, Name: want.Name, Msg: want.Msg,
				}, got)
				assert.Equal(t, got, table.errors[want.Code])

				status := map[string]any{"InstructionError": []any{float64(0), map[string]any{"Custom": float64(want.Code)}}}
				decoded, ok := table.decode(status)
				require.True(t, ok)
				assert.Equal(t, got, decoded)
			}
		})
	}
	assert.Len(t, errorTables, len(paths), "errorTables names a program idl/ no longer has")
}
