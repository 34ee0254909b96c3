//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// SIMD reports whether the archsimd twins run: the build has GOEXPERIMENT=simd on amd64 and
// the machine has AVX-512. Tests set it false to run the plain twins in this build; nothing
// else writes it.
var SIMD = archsimd.X86.AVX512()

// ClearUpper clears the upper halves of the vector registers (VZEROUPPER). Scalar floating
// point runs as SSE instructions, which on this hardware run at about half speed while any
// register's upper half is dirty (as it is after an archsimd kernel, and after some of the
// runtime's own vector code); call it where scalar floating-point work begins.
func ClearUpper() {
	if SIMD {
		archsimd.ClearAVXUpperBits()
	}
}

// f8 is one vector of eight float64 lanes.
type f8 = archsimd.Float64x8

// The exported wrappers have checked every index, so the SIMD twins address rows through
// unsafe pointers (the bounds checks of slice expressions would otherwise dominate the loops).

// ld loads the vector at element k of p.
func ld(p unsafe.Pointer, k int) f8 {
	return archsimd.LoadFloat64x8((*[8]float64)(unsafe.Add(p, k*8)))
}

// st stores v at element k of p.
func st(v f8, p unsafe.Pointer, k int) {
	v.Store((*[8]float64)(unsafe.Add(p, k*8)))
}

// bc broadcasts x to every lane.
func bc(x float64) f8 { return archsimd.BroadcastFloat64x8(x) }

// at reads element k of p.
func at(p unsafe.Pointer, k int) float64 { return *(*float64)(unsafe.Add(p, k*8)) }
