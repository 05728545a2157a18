package actions

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"
)

// The IDL as idl/*.json spells it (Anchor spec 0.1.0): what the tests check each
// returned instruction against, independently of the bindings that built it.
type idlFile struct {
	Address      string           `json:"address"`
	Instructions []idlInstruction `json:"instructions"`
}

type idlInstruction struct {
	Name          string       `json:"name"`
	Discriminator []byte       `json:"discriminator"`
	Accounts      []idlAccount `json:"accounts"`
}

type idlAccount struct {
	Name     string `json:"name"`
	Writable bool   `json:"writable"`
	Signer   bool   `json:"signer"`
	Address  string `json:"address"`
	PDA      *struct {
		Seeds   []idlSeed `json:"seeds"`
		Program *idlSeed  `json:"program"`
	} `json:"pda"`
}

type idlSeed struct {
	Kind  string `json:"kind"`
	Value []byte `json:"value"`
	Path  string `json:"path"`
}

// UnmarshalJSON reads the IDL's byte arrays (JSON numbers, not base64).
func (s *idlSeed) UnmarshalJSON(b []byte) error {
	var raw struct {
		Kind  string `json:"kind"`
		Value []int  `json:"value"`
		Path  string `json:"path"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	s.Kind, s.Path = raw.Kind, raw.Path
	for _, v := range raw.Value {
		s.Value = append(s.Value, byte(v))
	}
	return nil
}

func (i *idlInstruction) UnmarshalJSON(b []byte) error {
	var raw struct {
		Name          string       `json:"name"`
		Discriminator []int        `json:"discriminator"`
		Accounts      []idlAccount `json:"accounts"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	i.Name, i.Accounts = raw.Name, raw.Accounts
	for _, v := range raw.Discriminator {
		i.Discriminator = append(i.Discriminator, byte(v))
	}
	return nil
}

func loadIDL(t *testing.T, program string) idlFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "idl", program+".json"))
	require.NoError(t, err)
	var f idlFile
	require.NoError(t, json.Unmarshal(b, &f))
	return f
}

// checkAgainstIDL checks one compiled instruction of tx against the IDL's
// instruction name of program: the program id, the discriminator, the number of
// accounts, each account's signer and writable flags in the message, fixed
// addresses, PDAs derived from the IDL's seeds (arg and nested-account seeds from
// seeds), and every other account against want (by IDL name), which must name them.
func checkAgainstIDL(t *testing.T, tx *solana.Transaction, index int, program, name string, want map[string]solana.PublicKey, seeds map[string][]byte) {
	t.Helper()
	idl := loadIDL(t, program)
	var ix *idlInstruction
	for i := range idl.Instructions {
		if idl.Instructions[i].Name == name {
			ix = &idl.Instructions[i]
		}
	}
	require.NotNil(t, ix, "%s has no instruction %s", program, name)
	require.Less(t, index, len(tx.Message.Instructions))
	compiled := tx.Message.Instructions[index]
	programID, err := tx.Message.Program(compiled.ProgramIDIndex)
	require.NoError(t, err)
	require.Equal(t, solana.MustPublicKeyFromBase58(idl.Address), programID, "%s: program id", name)
	require.GreaterOrEqual(t, len(compiled.Data), 8)
	require.Equal(t, ix.Discriminator, []byte(compiled.Data[:8]), "%s: discriminator", name)
	metas, err := compiled.ResolveInstructionAccounts(&tx.Message)
	require.NoError(t, err)
	require.Len(t, metas, len(ix.Accounts), "%s: accounts", name)
	byName := map[string]solana.PublicKey{}
	for i, a := range ix.Accounts {
		byName[a.Name] = metas[i].PublicKey
	}
	for i, a := range ix.Accounts {
		key := metas[i].PublicKey
		writable, err := tx.Message.IsWritable(key)
		require.NoError(t, err)
		if a.Writable {
			require.True(t, writable, "%s: account %d %s must be writable", name, i, a.Name)
		}
		require.Equal(t, a.Signer, tx.Message.IsSigner(key), "%s: account %d %s signer", name, i, a.Name)
		switch {
		case a.Address != "":
			require.Equal(t, solana.MustPublicKeyFromBase58(a.Address), key, "%s: account %s", name, a.Name)
		case a.PDA != nil:
			var parts [][]byte
			for _, s := range a.PDA.Seeds {
				switch s.Kind {
				case "const":
					parts = append(parts, s.Value)
				case "account":
					if k, ok := byName[s.Path]; ok && !strings.Contains(s.Path, ".") {
						parts = append(parts, k.Bytes())
					} else {
						v, ok := seeds[s.Path]
						require.True(t, ok, "%s: seed %s of %s not given", name, s.Path, a.Name)
						parts = append(parts, v)
					}
				case "arg":
					v, ok := seeds[s.Path]
					require.True(t, ok, "%s: seed %s of %s not given", name, s.Path, a.Name)
					parts = append(parts, v)
				default:
					t.Fatalf("%s: seed kind %q", name, s.Kind)
				}
			}
			owner := programID
			if a.PDA.Program != nil {
				owner = solana.PublicKeyFromBytes(a.PDA.Program.Value)
			}
			pda, _, err := solana.FindProgramAddress(parts, owner)
			require.NoError(t, err)
			require.Equal(t, pda, key, "%s: PDA %s", name, a.Name)
			if w, ok := want[a.Name]; ok {
				require.Equal(t, w, key, "%s: account %s", name, a.Name)
			}
		default:
			w, ok := want[a.Name]
			require.True(t, ok, "%s: the test must say which account %s is", name, a.Name)
			require.Equal(t, w, key, "%s: account %s", name, a.Name)
		}
	}
}
