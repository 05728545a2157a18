package challenge

import (
	"context"
	"errors"

	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/oracle/uptime"
	"github.com/ionet-network/ionet/oracle/wire"
	"github.com/ionet-network/ionet/worker/api"
)

// Reason classifies a failed exchange into an observation's reason (epochlog
// Reason*): late or timed out → deadline; not signed by the worker → bad-signature;
// an answer to another challenge or probe → wrong-seed; an opened row failing its
// Merkle path or Freivalds → wrong-row; a message that does not decode, has the
// wrong shape or is too large → malformed; no answer, or an error status from the
// worker (it refused to answer) → unreachable. Nil is "".
func Reason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, pow.ErrLate), errors.Is(err, uptime.ErrLateAnswer), errors.Is(err, context.DeadlineExceeded):
		return epochlog.ReasonDeadline
	case errors.Is(err, wire.ErrSignature), errors.Is(err, wire.ErrSigner):
		return epochlog.ReasonBadSignature
	case errors.Is(err, pow.ErrSeedMismatch), errors.Is(err, uptime.ErrUnknownProbe), errors.Is(err, uptime.ErrChain):
		return epochlog.ReasonWrongSeed
	case errors.Is(err, pow.ErrWrongRow), errors.Is(err, pow.ErrProof):
		return epochlog.ReasonWrongRow
	case errors.Is(err, wire.ErrLength), errors.Is(err, wire.ErrVersion), errors.Is(err, wire.ErrKind),
		errors.Is(err, wire.ErrPayload), errors.Is(err, pow.ErrShape), errors.Is(err, pow.ErrOpenings),
		errors.Is(err, api.ErrAnswerTooLarge), errors.Is(err, ErrEvidence):
		return epochlog.ReasonMalformed
	}
	return epochlog.ReasonUnreachable
}
