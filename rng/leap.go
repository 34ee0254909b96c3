package rng

import (
	"strconv"
	"sync"
)

// Leap moves a stream n draws ahead in 256 state updates instead of n, so that several
// stretches of one stream can be drawn side by side (Lanes) with exactly the draws, and the
// order of draws within each stretch, that drawing them one after the other gives.
//
// xoshiro's state update is a linear map T over GF(2)²⁵⁶. With P the characteristic polynomial
// of T, Cayley–Hamilton gives P(T) = 0, so Tⁿ = Σᵢ aᵢ·Tⁱ where Σᵢ aᵢ·xⁱ = xⁿ mod P: the state n
// updates ahead is the XOR of the states 0…255 updates ahead whose aᵢ is 1. A Leap holds the
// aᵢ (bit i of word i/64), as the xoshiro authors' jump constants do for n = 2¹²⁸.
type Leap struct{ a poly }

// poly is a polynomial over GF(2) of degree < 256: bit i of word i/64 is the coefficient of xⁱ.
type poly [4]uint64

// bit reports whether a's coefficient of xⁱ is 1.
func (a *poly) bit(i int) bool { return a[i/64]>>(uint(i)%64)&1 == 1 }

// NewLeap returns the Leap of n draws.
func NewLeap(n uint64) Leap {
	p := charPoly()
	r := poly{1}
	for i := 63; i >= 0; i-- {
		r = p.mulMod(r, r)
		if n>>uint(i)&1 == 1 {
			r = p.timesX(r)
		}
	}
	return Leap{r}
}

// Leap returns the stream l's n draws ahead of x (x itself is unchanged).
func (x Stream) Leap(l Leap) Stream {
	var acc Stream
	for i := 0; i < 256; i++ {
		if l.a.bit(i) {
			acc.s0 ^= x.s0
			acc.s1 ^= x.s1
			acc.s2 ^= x.s2
			acc.s3 ^= x.s3
		}
		_, x = x.Next()
	}
	return acc
}

// modulus is the characteristic polynomial P of the state update, x²⁵⁶ + Σ low·xⁱ (the
// x²⁵⁶ term implied); mulMod and timesX reduce modulo it.
type modulus struct{ low poly }

var (
	charPolyOnce sync.Once
	charPolyVal  modulus
)

// charPoly returns P, found once by Berlekamp–Massey from 512 bits of one state word: the
// update is invertible with period 2²⁵⁶ − 1, so P is irreducible and is the minimal
// polynomial of any nonzero sequence the update generates.
func charPoly() modulus {
	charPolyOnce.Do(func() {
		x := *New(1)
		var seq [512]uint8
		for i := range seq {
			seq[i] = uint8(x.s0 & 1)
			_, x = x.Next()
		}
		c, L := berlekampMassey(seq[:])
		if L != 256 { // cannot happen for xoshiro256 (TestLeapMatchesNext)
			panic("rng: the state update's recurrence has degree " + strconv.Itoa(L) + ", not 256")
		}
		// The recurrence sᵢ = Σⱼ cⱼ·sᵢ₋ⱼ (j = 1…256) has characteristic polynomial
		// x²⁵⁶ + Σⱼ cⱼ·x²⁵⁶⁻ʲ.
		var low poly
		for j := 1; j <= 256; j++ {
			if c[j] == 1 {
				k := 256 - j
				low[k/64] |= 1 << (uint(k) % 64)
			}
		}
		charPolyVal = modulus{low}
	})
	return charPolyVal
}

// berlekampMassey returns the connection polynomial c (c[0] = 1, len(s)+1 coefficients) and
// the length L of the shortest linear recurrence over GF(2) that generates s.
func berlekampMassey(s []uint8) (c []uint8, L int) {
	n := len(s)
	c, b := make([]uint8, n+1), make([]uint8, n+1)
	c[0], b[0] = 1, 1
	m := 1
	for i := 0; i < n; i++ {
		d := s[i]
		for j := 1; j <= L; j++ {
			d ^= c[j] & s[i-j]
		}
		if d == 0 {
			m++
			continue
		}
		t := append([]uint8(nil), c...)
		for j := 0; j+m <= n; j++ {
			c[j+m] ^= b[j]
		}
		if 2*L <= i {
			L, b, m = i+1-L, t, 1
		} else {
			m++
		}
	}
	return c, L
}

// timesX returns a·x mod P.
func (p modulus) timesX(a poly) poly {
	carry := a[3] >> 63
	a[3] = a[3]<<1 | a[2]>>63
	a[2] = a[2]<<1 | a[1]>>63
	a[1] = a[1]<<1 | a[0]>>63
	a[0] <<= 1
	mask := -carry
	for k := range a {
		a[k] ^= p.low[k] & mask
	}
	return a
}

// mulMod returns a·b mod P (Horner over b's coefficients, highest first).
func (p modulus) mulMod(a, b poly) poly {
	var r poly
	for i := 255; i >= 0; i-- {
		r = p.timesX(r)
		if b.bit(i) {
			for k := range r {
				r[k] ^= a[k]
			}
		}
	}
	return r
}
