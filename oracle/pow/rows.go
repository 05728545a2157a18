package pow

import (
	"encoding/binary"

	"github.com/ionet-network/ionet/oracle/merkle"
)

// RowLeaf is the Merkle leaf of row i of C: the row index (u64 BE) then the int32
// entries little-endian. The index is in the leaf because sorted-pair trees do not
// record positions; with it an opened leaf proves which row it is.
func RowLeaf(i int, row []int32) []byte {
	out := make([]byte, 8, 8+4*len(row))
	binary.BigEndian.PutUint64(out, uint64(i))
	for _, v := range row {
		out = binary.LittleEndian.AppendUint32(out, uint32(v))
	}
	return out
}

// RowHash is the leaf hash of row i.
func RowHash(i int, row []int32) merkle.Hash {
	return merkle.LeafHash(RowLeaf(i, row))
}
