//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// gemmMR is the number of rows a worker block is rounded to: the micro-kernel's height.
const gemmMR = 2

// Blocking (Goto & van de Geijn): a kc×64 panel of w (32 KiB) stays in L1 while the kernel
// sweeps the rows of a worker's block; the kc×nc block of packed panels (512 KiB) stays in
// L2. The micro-kernel holds a 2×64 tile of c in 8 vector registers: Go's register allocator
// uses 15 vector registers, and 8 accumulators plus 2 broadcasts and the loaded w vectors fit
// while hiding the 4-cycle FMA latency at 2 FMAs per cycle. 64 columns and 2 rows divide the
// SAE shapes (batch 1024, width 1024–4096), so those run without edge kernels. (A 3×48 tile
// measured about the same in L1 but leaves a 16-column strip on these widths.)
const (
	gemmKC = 128
	gemmNC = 1024 // a multiple of 64
)

// gemmRows computes rows [i0, i1) of Gemm, with buf as packing space (len ≥ gemmKC·gemmNC).
func gemmRows(c, x, w []float32, m, k, n, i0, i1 int, buf []float32) {
	if !SIMD {
		gemmGo(c, x, w, m, k, n, i0, i1, 0, n)
		return
	}
	nv := n &^ 15 // columns the vector kernels cover; the rest take the plain loop
	pc, px, pb := unsafe.Pointer(unsafe.SliceData(c)), unsafe.Pointer(unsafe.SliceData(x)), unsafe.Pointer(unsafe.SliceData(buf))
	for j0 := 0; j0 < nv; j0 += gemmNC {
		jn := min(gemmNC, nv-j0)
		for p0 := 0; p0 < k; p0 += gemmKC {
			kn := min(gemmKC, k-p0)
			packPanels(buf, w, n, p0, kn, j0, jn)
			for q := 0; q < jn; q += 64 {
				wq := min(64, jn-q)
				panel := unsafe.Add(pb, q*kn*4)
				for i := i0; i < i1; {
					a := unsafe.Add(px, (i*k+p0)*4)
					ct := unsafe.Add(pc, (i*n+j0+q)*4)
					rows := 1
					if i+2 <= i1 {
						rows = 2
					}
					gemmTile(rows, wq, kn, a, k*4, panel, ct, n*4)
					i += rows
				}
			}
		}
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
	if nv < n {
		gemmGo(c, x, w, m, k, n, i0, i1, nv, n)
	}
}

// gemmTile runs the kernels over one rows×wq tile (rows 1 or 2, wq 16, 32, 48 or 64).
func gemmTile(rows, wq, kn int, a unsafe.Pointer, lda int, panel, ct unsafe.Pointer, ldc int) {
	ldb := wq * 4
	if wq == 64 {
		if rows == 2 {
			gemm2x4(kn, a, lda, panel, ct, ldc)
		} else {
			gemm1x4(kn, a, panel, ct)
		}
		return
	}
	for s := 0; s < wq; s += 16 {
		if rows == 2 {
			gemm2x1(kn, a, lda, unsafe.Add(panel, s*4), ldb, unsafe.Add(ct, s*4), ldc)
		} else {
			gemm1x1(kn, a, unsafe.Add(panel, s*4), ldb, unsafe.Add(ct, s*4))
		}
	}
}

// packPanels copies w[p0:p0+kn, j0:j0+jn] into buf as panels of 64 columns (the last one 16,
// 32 or 48 wide), each stored row after row: panel q's element (p, col) is at q·kn + p·wq + col.
func packPanels(buf, w []float32, n, p0, kn, j0, jn int) {
	for q := 0; q < jn; q += 64 {
		wq := min(64, jn-q)
		dst := buf[q*kn : q*kn+kn*wq]
		for p := 0; p < kn; p++ {
			src := w[(p0+p)*n+j0+q : (p0+p)*n+j0+q+wq]
			copy(dst[p*wq:p*wq+wq], src)
		}
	}
}

func ld16(p unsafe.Pointer, off int) archsimd.Float32x16 {
	return archsimd.LoadFloat32x16((*[16]float32)(unsafe.Add(p, off)))
}

func st16(v archsimd.Float32x16, p unsafe.Pointer, off int) {
	v.Store((*[16]float32)(unsafe.Add(p, off)))
}

func bc16(p unsafe.Pointer, off int) archsimd.Float32x16 {
	return archsimd.BroadcastFloat32x16(*(*float32)(unsafe.Add(p, off)))
}

// gemm2x4 is the micro-kernel: for r < 2 and col < 64, in p order,
//
//	c[r·ldc + col] = FMA32(a[r·lda + p], b[p·64 + col], c[r·ldc + col])
//
// (strides in bytes). The loaded w vector is the FMA's first operand so that its register,
// not a broadcast or an accumulator, is the one the instruction overwrites.
func gemm2x4(kn int, a unsafe.Pointer, lda int, b, c unsafe.Pointer, ldc int) {
	c00, c01, c02, c03 := ld16(c, 0), ld16(c, 64), ld16(c, 128), ld16(c, 192)
	c10, c11, c12, c13 := ld16(c, ldc), ld16(c, ldc+64), ld16(c, ldc+128), ld16(c, ldc+192)
	a1 := unsafe.Add(a, lda)
	for p := 0; p < kn; p++ {
		x0, x1 := bc16(a, p*4), bc16(a1, p*4)
		c00 = ld16(b, 0).MulAdd(x0, c00)
		c01 = ld16(b, 64).MulAdd(x0, c01)
		c02 = ld16(b, 128).MulAdd(x0, c02)
		c03 = ld16(b, 192).MulAdd(x0, c03)
		c10 = ld16(b, 0).MulAdd(x1, c10)
		c11 = ld16(b, 64).MulAdd(x1, c11)
		c12 = ld16(b, 128).MulAdd(x1, c12)
		c13 = ld16(b, 192).MulAdd(x1, c13)
		b = unsafe.Add(b, 256)
	}
	st16(c00, c, 0)
	st16(c01, c, 64)
	st16(c02, c, 128)
	st16(c03, c, 192)
	st16(c10, c, ldc)
	st16(c11, c, ldc+64)
	st16(c12, c, ldc+128)
	st16(c13, c, ldc+192)
}

// gemm1x4 is gemm2x4 for one row.
func gemm1x4(kn int, a, b, c unsafe.Pointer) {
	c00, c01, c02, c03 := ld16(c, 0), ld16(c, 64), ld16(c, 128), ld16(c, 192)
	for p := 0; p < kn; p++ {
		x0 := bc16(a, p*4)
		c00 = ld16(b, 0).MulAdd(x0, c00)
		c01 = ld16(b, 64).MulAdd(x0, c01)
		c02 = ld16(b, 128).MulAdd(x0, c02)
		c03 = ld16(b, 192).MulAdd(x0, c03)
		b = unsafe.Add(b, 256)
	}
	st16(c00, c, 0)
	st16(c01, c, 64)
	st16(c02, c, 128)
	st16(c03, c, 192)
}

// gemm2x1 is gemm2x4 for a 16-column strip of a panel with row stride ldb bytes.
func gemm2x1(kn int, a unsafe.Pointer, lda int, b unsafe.Pointer, ldb int, c unsafe.Pointer, ldc int) {
	c0, c1 := ld16(c, 0), ld16(c, ldc)
	a1 := unsafe.Add(a, lda)
	for p := 0; p < kn; p++ {
		c0 = ld16(b, 0).MulAdd(bc16(a, p*4), c0)
		c1 = ld16(b, 0).MulAdd(bc16(a1, p*4), c1)
		b = unsafe.Add(b, ldb)
	}
	st16(c0, c, 0)
	st16(c1, c, ldc)
}

// gemm1x1 is gemm2x1 for one row.
func gemm1x1(kn int, a, b unsafe.Pointer, ldb int, c unsafe.Pointer) {
	c0 := ld16(c, 0)
	for p := 0; p < kn; p++ {
		c0 = ld16(b, 0).MulAdd(bc16(a, p*4), c0)
		b = unsafe.Add(b, ldb)
	}
	st16(c0, c, 0)
}

// gemmSparseRows computes rows [i0, i1) of GemmSparse. Entries go four at a time: for each
// 64-column block (then 16-column blocks) the c vectors are loaded once, receive the four
// entries' terms in order, and are stored; the four rows of w are thus read as four
// sequential streams (the rows of a large w are rarely cached, and sequential reads let the
// prefetchers help). The last n mod 16 columns take the plain loop.
func gemmSparseRows(c []float32, off []int, idx []int32, val []float32, w []float32, n, i0, i1 int) {
	if !SIMD {
		gemmSparseGo(c, off, idx, val, w, n, i0, i1, 0, n)
		return
	}
	nv := n &^ 15
	pc, pw := unsafe.Pointer(unsafe.SliceData(c)), unsafe.Pointer(unsafe.SliceData(w))
	for i := i0; i < i1; i++ {
		ci := unsafe.Add(pc, i*n*4)
		for e := off[i]; e < off[i+1]; {
			g := min(4, off[i+1]-e)
			var rows [4]unsafe.Pointer
			var as [4]archsimd.Float32x16
			for t := 0; t < g; t++ {
				rows[t] = unsafe.Add(pw, int(idx[e+t])*n*4)
				as[t] = archsimd.BroadcastFloat32x16(val[e+t])
			}
			if g == 4 {
				sparse4(ci, rows, as, nv)
			} else {
				for t := 0; t < g; t++ {
					sparse1(ci, rows[t], as[t], nv)
				}
			}
			e += g
		}
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
	if nv < n {
		gemmSparseGo(c, off, idx, val, w, n, i0, i1, nv, n)
	}
}

// sparse4 adds the terms of four entries (rows r[t] scaled by a[t], in t order) to the first
// nv columns of the c row at ci.
func sparse4(ci unsafe.Pointer, r [4]unsafe.Pointer, a [4]archsimd.Float32x16, nv int) {
	j := 0
	for ; j+64 <= nv; j += 64 {
		o := j * 4
		c0, c1, c2, c3 := ld16(ci, o), ld16(ci, o+64), ld16(ci, o+128), ld16(ci, o+192)
		for t := 0; t < 4; t++ {
			c0 = ld16(r[t], o).MulAdd(a[t], c0)
			c1 = ld16(r[t], o+64).MulAdd(a[t], c1)
			c2 = ld16(r[t], o+128).MulAdd(a[t], c2)
			c3 = ld16(r[t], o+192).MulAdd(a[t], c3)
		}
		st16(c0, ci, o)
		st16(c1, ci, o+64)
		st16(c2, ci, o+128)
		st16(c3, ci, o+192)
	}
	for ; j < nv; j += 16 {
		o := j * 4
		c0 := ld16(ci, o)
		for t := 0; t < 4; t++ {
			c0 = ld16(r[t], o).MulAdd(a[t], c0)
		}
		st16(c0, ci, o)
	}
}

// sparse1 is sparse4 for one entry.
func sparse1(ci, r unsafe.Pointer, a archsimd.Float32x16, nv int) {
	for j := 0; j < nv; j += 16 {
		st16(ld16(r, j*4).MulAdd(a, ld16(ci, j*4)), ci, j*4)
	}
}
