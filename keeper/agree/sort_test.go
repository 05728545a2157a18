package agree_test

import (
	"bytes"
	"slices"

	"github.com/ionet-network/ionet/keeper/epochlog"
)

func sortEntries(e []epochlog.NodeSummary) {
	slices.SortFunc(e, func(a, b epochlog.NodeSummary) int { return bytes.Compare(a.Node[:], b.Node[:]) })
}
