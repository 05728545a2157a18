package report

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/merkle"
)

func key(b byte) solana.PublicKey {
	var k solana.PublicKey
	for i := range k {
		k[i] = b
	}
	return k
}

// The vectors crates/io-protocol/src/leaf.rs writes: each leaf's bytes, the root of
// the tree over them and every proof.
func TestSharedLeafVectors(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/leaf/vectors.json")
	require.NoError(t, err)
	var v struct {
		Program string `json:"program"`
		IOMint  string `json:"io_mint"`
		Root    string `json:"root"`
		Leaves  []struct {
			Node             string   `json:"node"`
			Epoch            uint64   `json:"epoch"`
			Class            uint8    `json:"class"`
			TOPSMilli        uint64   `json:"tops_milli"`
			UptimeBps        uint16   `json:"uptime_bps"`
			HiredBps         uint16   `json:"hired_bps"`
			EpochReward      uint64   `json:"epoch_reward"`
			CumulativeReward uint64   `json:"cumulative_reward"`
			Bytes            string   `json:"bytes"`
			Proof            []string `json:"proof"`
		} `json:"leaves"`
	}
	require.NoError(t, json.Unmarshal(raw, &v))
	require.NotEmpty(t, v.Leaves)
	program, err := solana.PublicKeyFromBase58(v.Program)
	require.NoError(t, err)
	mint, err := solana.PublicKeyFromBase58(v.IOMint)
	require.NoError(t, err)

	leaves := make([]Leaf, len(v.Leaves))
	for i, l := range v.Leaves {
		node, err := solana.PublicKeyFromBase58(l.Node)
		require.NoError(t, err)
		leaves[i] = Leaf{
			Node: node, Epoch: l.Epoch, Class: l.Class, TOPSMilli: l.TOPSMilli,
			UptimeBps: l.UptimeBps, HiredBps: l.HiredBps,
			EpochReward: l.EpochReward, CumulativeReward: l.CumulativeReward,
		}
		got := leaves[i].Encode(program, mint)
		require.Len(t, got, LeafLen)
		require.Equal(t, l.Bytes, hex.EncodeToString(got), "leaf %d", i)
	}

	tree, err := Tree(leaves, program, mint)
	require.NoError(t, err)
	root := tree.Root()
	require.Equal(t, v.Root, hex.EncodeToString(root[:]))
	for i, l := range v.Leaves {
		proof, err := tree.Proof(i)
		require.NoError(t, err)
		got := make([]string, len(proof))
		for j, h := range proof {
			got[j] = hex.EncodeToString(h[:])
		}
		require.Equal(t, l.Proof, got, "proof %d", i)
		require.True(t, merkle.Verify(root, merkle.LeafHash(leaves[i].Encode(program, mint)), proof))
	}
}

func TestLeafLayout(t *testing.T) {
	require.Equal(t, 152, LeafLen)
	l := Leaf{
		Node: key(3), Epoch: 0x0102030405060708, Class: 9, TOPSMilli: 10,
		UptimeBps: 0x0b0c, HiredBps: 0x0d0e, EpochReward: 11, CumulativeReward: 12,
	}
	program, mint := key(1), key(2)
	b := l.Encode(program, mint)
	require.Len(t, b, LeafLen)
	assert.Equal(t, Domain, string(b[:19]))
	assert.Equal(t, program[:], b[19:51])
	assert.Equal(t, mint[:], b[51:83])
	assert.Equal(t, l.Node[:], b[83:115])
	assert.Equal(t, []byte{8, 7, 6, 5, 4, 3, 2, 1}, b[115:123])
	assert.Equal(t, byte(9), b[123])
	assert.Equal(t, []byte{0x0c, 0x0b, 0x0e, 0x0d}, b[132:136])
	assert.Equal(t, byte(12), b[144])
}

// The program id and the mint separate deployments: a leaf of one never verifies in
// another.
func TestTheDomainSeparatesProgramsAndClusters(t *testing.T) {
	l := Leaf{Node: key(1), Epoch: 1001, Class: 1, TOPSMilli: 1_500_001, UptimeBps: 9_999}
	p, m, other := key(9), key(8), key(7)
	assert.NotEqual(t, l.Encode(p, m), l.Encode(m, p))
	assert.NotEqual(t, l.Encode(p, m), l.Encode(p, other))
	assert.NotEqual(t, l.Encode(p, m), l.Encode(other, m))
}

func TestTreeOfNoLeaves(t *testing.T) {
	_, err := Tree(nil, key(1), key(2))
	require.ErrorIs(t, err, merkle.ErrEmpty)
}

func TestLowerMedian(t *testing.T) {
	for _, tc := range []struct {
		values []uint64
		want   uint64
		ok     bool
	}{
		{nil, 0, false},
		{[]uint64{5}, 5, true},
		{[]uint64{9, 1}, 1, true},
		{[]uint64{3, 9, 1}, 3, true},
		{[]uint64{4, 3, 9, 1}, 3, true},
	} {
		in := append([]uint64(nil), tc.values...)
		got, ok := LowerMedian(in)
		assert.Equal(t, tc.ok, ok, "%v", tc.values)
		assert.Equal(t, tc.want, got, "%v", tc.values)
		assert.Equal(t, tc.values, in, "input untouched")
	}
}
