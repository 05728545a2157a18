package txm

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/programerr"
	"github.com/ionet-network/ionet/chain/staking"
)

// FailureKind says which sentinel a Failure wraps; it is what the store keeps.
type FailureKind string

// Failure kinds, one per sentinel.
const (
	KindSimulation  FailureKind = "simulation"
	KindTransaction FailureKind = "transaction"
	KindRejected    FailureKind = "rejected"
	KindNoSigner    FailureKind = "no_signer"
	KindExpired     FailureKind = "expired"
)

var kindErrors = map[FailureKind]error{
	KindSimulation:  ErrSimulationFailed,
	KindTransaction: ErrTransactionFailed,
	KindRejected:    ErrRejected,
	KindNoSigner:    ErrNoSigner,
	KindExpired:     ErrExpired,
}

// Failure is why a record failed. It survives restarts as data, so it holds the
// program's named error by value rather than the RPC's error chain.
type Failure struct {
	Kind FailureKind `json:"kind"`
	// Reason is one line for people: the named error or the raw transaction error,
	// and the last program log lines when there are some.
	Reason string `json:"reason"`
	// Program is the named error of the ionet program that refused the transaction,
	// when Deps.Decoders knows it.
	Program *programerr.ProgramError `json:"program,omitempty"`
}

// Error reads like "txm: simulation failed: io_rewards error 6003 …".
func (f *Failure) Error() string {
	return fmt.Sprintf("%v: %s", kindErrors[f.Kind], f.Reason)
}

// Unwrap gives the sentinel and, when known, the program's named error.
func (f *Failure) Unwrap() []error {
	errs := []error{kindErrors[f.Kind]}
	if f.Program != nil {
		errs = append(errs, *f.Program)
	}
	return errs
}

// DefaultDecoders names the errors of io-staking, io-hire and io-rewards.
func DefaultDecoders() staking.Decoders {
	return staking.Decoders{
		iostaking.ProgramID: iostaking.DecodeError,
		iohire.ProgramID:    iohire.DecodeError,
		iorewards.ProgramID: iorewards.DecodeError,
	}
}

// logLinesInReason is how many of the last program log lines a reason quotes: the
// failing program's own message and the runtime's "failed: …" line.
const logLinesInReason = 3

// failureOf names txErr (a simulation's or a signature status's err) the way
// chain/staking does for its sends: programerr finds the failing instruction and
// code, and the decoder of that instruction's program names it.
func failureOf(kind FailureKind, txErr any, logs []string, msg *solana.Message, decoders staking.Decoders) *Failure {
	f := &Failure{Kind: kind}
	if i, _, found := programerr.FromTransactionError(txErr); found && i < len(msg.Instructions) {
		if idx := int(msg.Instructions[i].ProgramIDIndex); idx < len(msg.AccountKeys) {
			if d := decoders[msg.AccountKeys[idx]]; d != nil {
				if pe, ok := d(txErr); ok {
					f.Program = &pe
				}
			}
		}
	}
	if f.Program != nil {
		f.Reason = f.Program.Error()
	} else if raw, err := json.Marshal(txErr); err == nil {
		f.Reason = string(raw)
	} else {
		f.Reason = fmt.Sprint(txErr)
	}
	if len(logs) > logLinesInReason {
		logs = logs[len(logs)-logLinesInReason:]
	}
	if len(logs) > 0 {
		f.Reason += " (logs: " + strings.Join(logs, "; ") + ")"
	}
	return f
}
