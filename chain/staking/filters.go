package staking

import (
	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iostaking"
)

// Offsets of the fields docs/staking.md filters on, counting the 8-byte Anchor
// discriminator. filters_test.go checks them against encoded accounts and the doc.
const (
	NodeOperatorOffset    = 40 // Node: discriminator, node_id, operator
	NodeWorkerOffset      = 72 // Node: …, operator, worker
	DelegationNodeOffset  = 8
	DelegationOwnerOffset = 40
	TicketNodeOffset      = 8
	TicketOwnerOffset     = 40
)

func memcmp(offset uint64, b []byte) rpc.RPCFilter {
	return rpc.RPCFilter{Memcmp: &rpc.RPCFilterMemcmp{Offset: offset, Bytes: solana.Base58(b)}}
}

// NodesFilter lists every node.
func NodesFilter() []rpc.RPCFilter {
	return []rpc.RPCFilter{memcmp(0, iostaking.Account_Node[:])}
}

// OperatorNodesFilter lists an operator's nodes.
func OperatorNodesFilter(operator solana.PublicKey) []rpc.RPCFilter {
	return append(NodesFilter(), memcmp(NodeOperatorOffset, operator[:]))
}

// WorkerNodeFilter finds the node a worker key currently serves.
func WorkerNodeFilter(worker solana.PublicKey) []rpc.RPCFilter {
	return append(NodesFilter(), memcmp(NodeWorkerOffset, worker[:]))
}

// NodeDelegationsFilter lists a node's delegation positions.
func NodeDelegationsFilter(node solana.PublicKey) []rpc.RPCFilter {
	return []rpc.RPCFilter{memcmp(0, iostaking.Account_Delegation[:]), memcmp(DelegationNodeOffset, node[:])}
}

// OwnerDelegationsFilter lists a wallet's delegation positions.
func OwnerDelegationsFilter(owner solana.PublicKey) []rpc.RPCFilter {
	return []rpc.RPCFilter{memcmp(0, iostaking.Account_Delegation[:]), memcmp(DelegationOwnerOffset, owner[:])}
}

// OwnerTicketsFilter lists a wallet's cooldown tickets.
func OwnerTicketsFilter(owner solana.PublicKey) []rpc.RPCFilter {
	return []rpc.RPCFilter{memcmp(0, iostaking.Account_Ticket[:]), memcmp(TicketOwnerOffset, owner[:])}
}
