// Package scale holds the few SCALE (Substrate's codec) encoders that subnetd writes by hand:
// the commit hash, the timelock payload and key derivation need compact integers and u16
// vectors, not the full codec chain/subtensor takes from go-substrate-rpc-client.
package scale

import "encoding/binary"

// AppendCompact appends n in SCALE's compact encoding.
func AppendCompact(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n<<2))
	case n < 1<<14:
		return binary.LittleEndian.AppendUint16(b, uint16(n<<2|0b01))
	case n < 1<<30:
		return binary.LittleEndian.AppendUint32(b, uint32(n<<2|0b10))
	}
	var le [8]byte
	binary.LittleEndian.PutUint64(le[:], n)
	size := 8
	for size > 4 && le[size-1] == 0 {
		size--
	}
	b = append(b, byte((size-4)<<2|0b11))
	return append(b, le[:size]...)
}

// AppendU16s appends a SCALE Vec<u16>: the compact length, then each value little-endian.
func AppendU16s(b []byte, v []uint16) []byte {
	b = AppendCompact(b, uint64(len(v)))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return b
}
