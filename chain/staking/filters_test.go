package staking

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iostaking"
)

// encoded is an account as the chain holds it: discriminator then Borsh.
func encoded(t *testing.T, disc [8]byte, v interface{ Marshal() ([]byte, error) }) []byte {
	t.Helper()
	b, err := v.Marshal()
	require.NoError(t, err)
	return append(disc[:], b...)
}

// matches applies memcmp filters as the RPC server does.
func matches(data []byte, filters []rpc.RPCFilter) bool {
	for _, f := range filters {
		m := f.Memcmp
		if int(m.Offset)+len(m.Bytes) > len(data) || !bytes.Equal(data[m.Offset:int(m.Offset)+len(m.Bytes)], m.Bytes) {
			return false
		}
	}
	return true
}

func TestFiltersSelectTheRightAccounts(t *testing.T) {
	op, worker, other := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	node := NodeAddress(worker)
	n := encoded(t, iostaking.Account_Node, &iostaking.Node{NodeId: worker, Operator: op, Worker: worker, Endpoint: "http://x"})
	d := encoded(t, iostaking.Account_Delegation, &iostaking.Delegation{Node: node, Owner: op})
	tk := encoded(t, iostaking.Account_Ticket, &iostaking.Ticket{Node: node, Owner: op, Id: 3})

	assert.True(t, matches(n, NodesFilter()))
	assert.True(t, matches(n, OperatorNodesFilter(op)))
	assert.False(t, matches(n, OperatorNodesFilter(other)))
	assert.True(t, matches(n, WorkerNodeFilter(worker)))
	assert.False(t, matches(n, WorkerNodeFilter(op)))
	assert.True(t, matches(d, NodeDelegationsFilter(node)))
	assert.True(t, matches(d, OwnerDelegationsFilter(op)))
	assert.False(t, matches(d, OwnerDelegationsFilter(other)))
	assert.True(t, matches(tk, OwnerTicketsFilter(op)))
	// The discriminator keeps the kinds apart even where offsets coincide.
	for _, f := range [][]rpc.RPCFilter{NodesFilter(), OperatorNodesFilter(op)} {
		assert.False(t, matches(d, f))
		assert.False(t, matches(tk, f))
	}
	assert.False(t, matches(tk, OwnerDelegationsFilter(op)))
	assert.False(t, matches(d, OwnerTicketsFilter(op)))
	assert.False(t, matches(n, OwnerTicketsFilter(op)))
}

// TestFiltersAreTheDocumentedOnes reads the table of docs/staking.md and checks each
// row's offsets against the filters here, so the doc and the code cannot drift.
func TestFiltersAreTheDocumentedOnes(t *testing.T) {
	raw, err := os.ReadFile("../../docs/staking.md")
	require.NoError(t, err)
	k := solana.NewWallet().PublicKey()
	rows := map[string][]rpc.RPCFilter{
		"an operator's nodes":           OperatorNodesFilter(k),
		"the node a worker key serves":  WorkerNodeFilter(k),
		"a node's delegation positions": NodeDelegationsFilter(k),
		"a wallet's positions":          OwnerDelegationsFilter(k),
		"a wallet's tickets":            OwnerTicketsFilter(k),
		"every node":                    NodesFilter(),
	}
	offset := regexp.MustCompile(`offset (\d+)`)
	seen := 0
	for _, line := range strings.Split(string(raw), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		want, ok := rows[strings.TrimSpace(cells[1])]
		if !ok {
			continue
		}
		seen++
		var doc []uint64
		for _, m := range offset.FindAllStringSubmatch(cells[2], -1) {
			o, _ := strconv.ParseUint(m[1], 10, 64)
			doc = append(doc, o)
		}
		var code []uint64
		for _, f := range want {
			code = append(code, f.Memcmp.Offset)
		}
		// "the above and …" rows name only the added filter; the worker row names only
		// the offset on nodes.
		assert.Subset(t, code, doc, "row %q: doc %v, code %v", cells[1], doc, code)
		assert.NotEmpty(t, doc, "row %q names no offset", cells[1])
	}
	assert.Equal(t, len(rows), seen, "docs/staking.md's filter table lost rows")
}
