package challenge

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/oracle/uptime"
	"github.com/ionet-network/ionet/oracle/wire"
	"github.com/ionet-network/ionet/worker/api"
)

func TestReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{pow.ErrLate, epochlog.ReasonDeadline},
		{uptime.ErrLateAnswer, epochlog.ReasonDeadline},
		{fmt.Errorf("%w: post: %w", api.ErrUnreachable, context.DeadlineExceeded), epochlog.ReasonDeadline},
		{wire.ErrSignature, epochlog.ReasonBadSignature},
		{fmt.Errorf("commitment: %w", wire.ErrSigner), epochlog.ReasonBadSignature},
		{pow.ErrSeedMismatch, epochlog.ReasonWrongSeed},
		{uptime.ErrUnknownProbe, epochlog.ReasonWrongSeed},
		{uptime.ErrChain, epochlog.ReasonWrongSeed},
		{pow.ErrWrongRow, epochlog.ReasonWrongRow},
		{fmt.Errorf("row 3: %w", pow.ErrProof), epochlog.ReasonWrongRow},
		{wire.ErrLength, epochlog.ReasonMalformed},
		{wire.ErrKind, epochlog.ReasonMalformed},
		{wire.ErrPayload, epochlog.ReasonMalformed},
		{pow.ErrShape, epochlog.ReasonMalformed},
		{pow.ErrOpenings, epochlog.ReasonMalformed},
		{api.ErrAnswerTooLarge, epochlog.ReasonMalformed},
		{fmt.Errorf("%w: dial: refused", api.ErrUnreachable), epochlog.ReasonUnreachable},
		{&api.StatusError{Status: 503, Message: "busy"}, epochlog.ReasonUnreachable},
		{errors.New("anything else"), epochlog.ReasonUnreachable},
	} {
		got := Reason(tc.err)
		assert.Equal(t, tc.want, got, "%v", tc.err)
		if got != "" {
			_, ok := epochlog.ReasonCode(got)
			assert.True(t, ok, "%q is a logged reason", got)
		}
	}
}
