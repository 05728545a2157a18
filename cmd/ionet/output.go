package main

import (
	"encoding/json"
	"io"
	"strconv"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/chain/staking"
)

// What a command prints: a readable table by default, one JSON value under --json
// (the global flag, IONET_JSON, or the same flag after the command's name). A command
// builds one value with stable snake_case field names and gives it with the function
// that writes its table:
//
//	return output(c, result, func(w io.Writer) { fmt.Fprintf(w, "…", …) })
//
// Amounts in JSON are Amount: the decimal in tokens and the base units, both strings
// (a u64 does not fit JSON's safe integers), and the unit.

// jsonFlag is the global --json; addJSONFlags gives every leaf command its own too.
func jsonFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "json", Usage: "print JSON instead of a table", EnvVars: []string{"IONET_JSON"}}
}

// addJSONFlags adds --json to every command without subcommands that has none, so
// `ionet node list --json` works as well as `ionet --json node list`.
func addJSONFlags(cmds []*cli.Command) {
	for _, c := range cmds {
		if len(c.Subcommands) > 0 {
			addJSONFlags(c.Subcommands)
			continue
		}
		has := false
		for _, f := range c.Flags {
			for _, n := range f.Names() {
				has = has || n == "json"
			}
		}
		if !has {
			c.Flags = append(c.Flags, &cli.BoolFlag{Name: "json", Usage: "print JSON instead of a table (as the global --json)"})
		}
	}
}

// wantJSON says whether --json was given to the command or to any command above it.
func wantJSON(c *cli.Context) bool {
	for _, cc := range c.Lineage() {
		if cc.Bool("json") {
			return true
		}
	}
	return false
}

// output prints v as indented JSON under --json, else calls text with the
// command's writer.
func output(c *cli.Context, v any, text func(w io.Writer)) error {
	if wantJSON(c) {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(c.App.Writer)
	return nil
}

// Amount is an amount of one token in JSON: "12.5" tokens = "1250000000" base units
// of $IO.
type Amount struct {
	Tokens    string `json:"tokens"`
	BaseUnits string `json:"base_units"`
	Unit      string `json:"unit"`
}

func amountOf(v uint64, decimals uint8, unit string) Amount {
	return Amount{Tokens: staking.FormatAmount(v, decimals), BaseUnits: strconv.FormatUint(v, 10), Unit: unit}
}

// ioJSON is base units of $IO (8 decimals); iosdJSON of IOSD, usdJSON of micro-USD
// (6 decimals); solJSON of lamports (9 decimals).
func ioJSON(v uint64) Amount   { return amountOf(v, staking.IODecimals, "$IO") }
func iosdJSON(v uint64) Amount { return amountOf(v, staking.USDDecimals, "IOSD") }
func usdJSON(v uint64) Amount  { return amountOf(v, staking.USDDecimals, "USD") }
func solJSON(v uint64) Amount  { return amountOf(v, 9, "SOL") }

// TxResult is what a command that sent transactions prints under --json: what it did,
// the signatures in the order they landed and the accounts it touched by role.
type TxResult struct {
	Action     string            `json:"action"`
	Signatures []string          `json:"signatures"`
	Accounts   map[string]string `json:"accounts,omitempty"`
	Amounts    map[string]Amount `json:"amounts,omitempty"`
}

// txResult starts a TxResult; sigs may be empty (nothing needed sending).
func txResult(action string, sigs ...solana.Signature) *TxResult {
	r := &TxResult{Action: action, Signatures: []string{}, Accounts: map[string]string{}, Amounts: map[string]Amount{}}
	for _, s := range sigs {
		r.Signatures = append(r.Signatures, s.String())
	}
	return r
}

// account records an account by its role ("node", "position", "ticket", …).
func (r *TxResult) account(role string, k solana.PublicKey) *TxResult {
	r.Accounts[role] = k.String()
	return r
}

// amount records an amount by its name ("staked", "paid", …).
func (r *TxResult) amount(name string, a Amount) *TxResult {
	r.Amounts[name] = a
	return r
}
