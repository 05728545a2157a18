// Package report builds the epoch report of docs/design.md §6: one leaf per node, the
// Merkle root keepers vote on, and the epoch's emission totals. Build is the public,
// deterministic function every honest keeper applies to the same medians, so they
// reach the same root; it does no I/O.
//
// The leaf bytes are the Go twin of crates/io-protocol/src/leaf.rs (tested against
// testdata/leaf/vectors.json); the tree is oracle/merkle.
package report

import (
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/near/borsh-go"

	"github.com/ionet-network/ionet/oracle/merkle"
)

// Domain prefixes every leaf: protocol and leaf version.
const Domain = "ionet/epoch-leaf/v1"

// LeafLen is the length of an encoded leaf: the domain, the rewards program id and
// the $IO mint, then the Borsh fields (node 32, epoch 8, class 1, TOPS 8, uptime 2,
// hired 2, epoch reward 8, cumulative reward 8).
const LeafLen = len(Domain) + 32 + 32 + fieldsLen

const fieldsLen = 32 + 8 + 1 + 8 + 2 + 2 + 8 + 8

// Leaf is what keepers attest for one node in one epoch. The field order is the
// Borsh order on the wire (io-protocol's EpochLeaf); all integers little-endian.
type Leaf struct {
	Node  solana.PublicKey
	Epoch uint64
	// Class is the node's class id (oracle/classes).
	Class uint8
	// TOPSMilli is the median measured throughput over the node's keepers, milli-TOPS.
	TOPSMilli uint64
	// UptimeBps is the median uptime; below the threshold the node forfeits its share.
	UptimeBps uint16
	// HiredBps is the share of the epoch's GPU-time that was hired (earns hire fees,
	// not emission).
	HiredBps uint16
	// EpochReward is what the node earned in this epoch, $IO base units (0 when
	// forfeited).
	EpochReward uint64
	// CumulativeReward is everything the node has earned through this epoch; a claim
	// pays the difference to what it already claimed.
	CumulativeReward uint64
}

// Encode is `Domain ‖ rewards program ‖ $IO mint ‖ borsh(leaf)`, LeafLen bytes. The
// program and mint bind the leaf to one deployment: a leaf of another program or
// cluster never verifies.
func (l Leaf) Encode(rewardsProgram, ioMint solana.PublicKey) []byte {
	fields, err := borsh.Serialize(l)
	if err != nil || len(fields) != fieldsLen {
		// Unreachable: fixed-size integers and arrays into a bytes.Buffer.
		panic(fmt.Sprintf("report: borsh encoding of a leaf gave %d bytes: %v", len(fields), err))
	}
	out := make([]byte, 0, LeafLen)
	out = append(out, Domain...)
	out = append(out, rewardsProgram[:]...)
	out = append(out, ioMint[:]...)
	return append(out, fields...)
}

// Tree is the Merkle tree over the encoded leaves, in the given order (Build sorts
// them by node key). Proof(i) is what `claim` needs for leaves[i]. It fails with
// merkle.ErrEmpty for no leaves.
func Tree(leaves []Leaf, rewardsProgram, ioMint solana.PublicKey) (*merkle.Tree, error) {
	encoded := make([][]byte, len(leaves))
	for i, l := range leaves {
		encoded[i] = l.Encode(rewardsProgram, ioMint)
	}
	t, err := merkle.FromLeaves(encoded)
	if err != nil {
		return nil, fmt.Errorf("report tree: %w", err)
	}
	return t, nil
}
