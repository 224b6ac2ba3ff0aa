package inflate

// fast decodes a Huffman block's symbols while in has 8 bytes to load and
// out room for the longest match, with the decoder's state in locals. It
// returns at the end of the block, when room runs low, or on an error.
func (d *decoder[T]) fast() error {
	in, ip := d.in, d.ip
	bits, nb := d.bits, d.nb
	out, op := d.out, d.op
	lt, dt := d.lit.t, d.dist.t
	const lmask, dmask = 1<<litBits - 1, 1<<distBits - 1
	var err error
	for ip+8 <= len(in) && op+maxMatch+8 <= len(out) {
		// Branch-free refill to 56..63 bits: the next eight bytes go
		// above the buffered bits; ip moves over the whole ones.
		bits |= le.Uint64(in[ip:]) << nb
		ip += int(63-nb) >> 3
		nb |= 56

		e := lt[bits&lmask]
		if e&fLink != 0 {
			e = lt[e>>16+uint32(bits>>litBits)&(1<<(e>>8&15)-1)]
		}
		if e&fLit != 0 {
			n := uint(e & 0xff)
			bits >>= n
			nb -= n
			out[op] = T(e >> 16)
			op++
			// Up to two more literals fit in the bits left (41 or more).
			e = lt[bits&lmask]
			if e&(fLit|fLink) == fLit {
				n := uint(e & 0xff)
				bits >>= n
				nb -= n
				out[op] = T(e >> 16)
				op++
				e = lt[bits&lmask]
				if e&(fLit|fLink) == fLit {
					n := uint(e & 0xff)
					bits >>= n
					nb -= n
					out[op] = T(e >> 16)
					op++
				}
			}
			continue
		}
		if e&(fEOB|fBad) != 0 {
			if e&fBad != 0 {
				err = d.corrupt("bad literal/length code")
				break
			}
			n := uint(e & 0xff)
			bits >>= n
			nb -= n
			d.state = sHeader
			break
		}
		n := uint(e & 0xff)
		bits >>= n
		nb -= n
		x := uint(e >> 8 & 15)
		length := int(e>>16) + int(bits&(1<<x-1))
		bits >>= x
		nb -= x

		de := dt[bits&dmask]
		if de&fLink != 0 {
			de = dt[de>>16+uint32(bits>>distBits)&(1<<(de>>8&15)-1)]
		}
		if de&fBad != 0 {
			err = d.corrupt("bad distance code")
			break
		}
		n = uint(de & 0xff)
		bits >>= n
		nb -= n
		x = uint(de >> 8 & 15)
		dist := int(de>>16) + int(bits&(1<<x-1))
		bits >>= x
		nb -= x

		if dist > op || dist < 8 || length > 64 && (dist >= length || dist >= 32) {
			// Far, overlapping closely, or long: copyMatch (memmove for
			// long ones, which beats eight at a time).
			d.op = op
			if err = d.copyMatch(dist, length); err != nil {
				break
			}
			op = d.op
			continue
		}
		// Eight at a time, each eight wholly before where they go (dist
		// >= 8), overshooting by up to seven into the room kept free.
		src := op - dist
		for i := 0; i < length; i += 8 {
			*(*[8]T)(out[op+i:]) = *(*[8]T)(out[src+i:])
		}
		op += length
	}
	d.ip, d.bits, d.nb, d.op = ip, bits, nb, op
	return err
}
