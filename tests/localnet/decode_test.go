package localnet_test

import bin "github.com/gagliardetto/binary"

func binDecoder(data []byte) *bin.Decoder { return bin.NewBinDecoder(data) }
