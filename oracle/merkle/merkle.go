// Package merkle is the one Merkle tree of ionet: epoch reports and proof-of-compute
// row commitments both use it, and the Rust programs verify the same bytes
// (testdata/merkle/vectors.json pins the format for both sides).
//
// Format: SHA-256; leaf = H(0x00 ‖ leaf bytes); inner = H(0x01 ‖ lower ‖ higher) with
// the two children sorted bytewise, so a proof is only the list of siblings, no
// left/right bits. Levels pair (0,1),(2,3),…; an unpaired last node moves up
// unchanged and records no sibling. The distinct 0x00/0x01 prefixes keep a leaf from
// ever being mistaken for an inner node (second-preimage attack).
package merkle

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Hash is a SHA-256 digest: a leaf hash, an inner node or a root.
type Hash [32]byte

const (
	leafPrefix  = 0x00
	innerPrefix = 0x01
)

// ErrEmpty is returned for a tree without leaves: it has no root.
var ErrEmpty = errors.New("merkle: empty tree has no root")

// ErrIndex is returned for a leaf index outside the tree.
var ErrIndex = errors.New("merkle: leaf index out of range")

// LeafHash hashes leaf bytes with the leaf domain prefix.
func LeafHash(leaf []byte) Hash {
	h := sha256.New()
	h.Write([]byte{leafPrefix})
	h.Write(leaf)
	var out Hash
	h.Sum(out[:0])
	return out
}

// HashPair is the inner node over two children in either order.
func HashPair(a, b Hash) Hash {
	if bytes.Compare(a[:], b[:]) > 0 {
		a, b = b, a
	}
	var buf [1 + 2*len(Hash{})]byte
	buf[0] = innerPrefix
	copy(buf[1:], a[:])
	copy(buf[1+len(a):], b[:])
	return sha256.Sum256(buf[:])
}

// Tree holds every level, leaves first, so proofs need no recomputation.
type Tree struct {
	levels [][]Hash
}

// New builds the tree over already hashed leaves (see LeafHash). The slice is copied.
func New(leafHashes []Hash) (*Tree, error) {
	if len(leafHashes) == 0 {
		return nil, ErrEmpty
	}
	level := append([]Hash(nil), leafHashes...)
	levels := [][]Hash{level}
	for len(level) > 1 {
		next := make([]Hash, 0, (len(level)+1)/2)
		for i := 0; i+1 < len(level); i += 2 {
			next = append(next, HashPair(level[i], level[i+1]))
		}
		if len(level)%2 == 1 {
			next = append(next, level[len(level)-1])
		}
		levels = append(levels, next)
		level = next
	}
	return &Tree{levels: levels}, nil
}

// FromLeaves hashes raw leaf bytes and builds the tree.
func FromLeaves(leaves [][]byte) (*Tree, error) {
	hashes := make([]Hash, len(leaves))
	for i, l := range leaves {
		hashes[i] = LeafHash(l)
	}
	return New(hashes)
}

// Root returns the root hash.
func (t *Tree) Root() Hash {
	return t.levels[len(t.levels)-1][0]
}

// Len returns the number of leaves.
func (t *Tree) Len() int { return len(t.levels[0]) }

// Proof returns the siblings of leaf i from the bottom up.
func (t *Tree) Proof(i int) ([]Hash, error) {
	if i < 0 || i >= t.Len() {
		return nil, fmt.Errorf("merkle proof for leaf %d of %d: %w", i, t.Len(), ErrIndex)
	}
	var proof []Hash
	for _, level := range t.levels[:len(t.levels)-1] {
		sib := i ^ 1
		if sib < len(level) {
			proof = append(proof, level[sib])
		}
		i /= 2
	}
	return proof, nil
}

// RootFromProof folds a proof onto a leaf hash.
func RootFromProof(leaf Hash, proof []Hash) Hash {
	h := leaf
	for _, s := range proof {
		h = HashPair(h, s)
	}
	return h
}

// Verify reports whether proof links leaf to root.
func Verify(root, leaf Hash, proof []Hash) bool {
	return RootFromProof(leaf, proof) == root
}
