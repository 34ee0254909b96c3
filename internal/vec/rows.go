package vec

// AddRows adds a linear combination of rows to dst: for t in order,
//
//	dst[k] += c[t] · m[off[t]+k]   for k in [0, len(dst))
//
// Each dst[k] receives its terms in t order, exactly as the plain double loop would.
func AddRows(dst, c, m []float64, off []int32) {
	if len(c) == 0 || len(dst) == 0 {
		return
	}
	_ = off[len(c)-1]
	n := len(dst)
	for _, o := range off[:len(c)] {
		_ = m[int(o)+n-1] // bounds once per row
	}
	addRows(dst, c, m, off)
}

// AddRowsStrided is AddRows with row t at m[t·stride:].
func AddRowsStrided(dst, c, m []float64, stride int) {
	if len(c) == 0 || len(dst) == 0 {
		return
	}
	_ = m[(len(c)-1)*stride+len(dst)-1]
	addRowsStrided(dst, c, m, stride)
}

// AddOuter adds an outer product to a set of rows: for t in order,
//
//	m[off[t]+k] += c[t] · x[k]   for k in [0, len(x))
//
// (the rows must not overlap for the per-element order to be t's).
func AddOuter(m, c []float64, off []int32, x []float64) {
	if len(c) == 0 || len(x) == 0 {
		return
	}
	_ = off[len(c)-1]
	n := len(x)
	for _, o := range off[:len(c)] {
		_ = m[int(o)+n-1]
	}
	addOuter(m, c, off, x)
}

// AddRowsStrided4 is AddRowsStrided for four destinations sharing the rows: for s < 4,
//
//	dst[s·n + k] += Σ_t c[s·r + t] · m[t·stride + k]   (t in order)
//
// with n = len(dst)/4 and r = len(c)/4. The rows are read once for the four.
func AddRowsStrided4(dst, c, m []float64, stride int) {
	n, r := len(dst)/4, len(c)/4
	if n == 0 || r == 0 {
		return
	}
	dst, c = dst[:4*n], c[:4*r]
	_ = m[(r-1)*stride+n-1]
	addRowsStrided4(dst, c, m, stride, n, r)
}

// addRowsStrided4Go is AddRowsStrided4's plain twin: AddRowsStrided for each destination.
func addRowsStrided4Go(dst, c, m []float64, stride, n, r int) {
	for s := 0; s < 4; s++ {
		addRowsStridedGo(dst[s*n:(s+1)*n], c[s*r:(s+1)*r], m, stride)
	}
}

// Axpy is dst[k] += a·x[k].
func Axpy(dst []float64, a float64, x []float64) {
	x = x[:len(dst)]
	axpy(dst, a, x)
}

// addRowsGo is AddRows's plain twin, four outputs at a time, each output's terms in t order.
func addRowsGo(dst, c, m []float64, off []int32) {
	n := len(dst)
	k := 0
	for ; k+4 <= n; k += 4 {
		d := dst[k : k+4 : k+4]
		d0, d1, d2, d3 := d[0], d[1], d[2], d[3]
		for t, ct := range c {
			r := m[int(off[t])+k : int(off[t])+k+4 : int(off[t])+k+4]
			d0 += float64(ct * r[0])
			d1 += float64(ct * r[1])
			d2 += float64(ct * r[2])
			d3 += float64(ct * r[3])
		}
		d[0], d[1], d[2], d[3] = d0, d1, d2, d3
	}
	for ; k < n; k++ {
		d := dst[k]
		for t, ct := range c {
			d += float64(ct * m[int(off[t])+k])
		}
		dst[k] = d
	}
}

// addRowsStridedGo is AddRowsStrided's plain twin, four outputs at a time, each output's
// terms in t order.
func addRowsStridedGo(dst, c, m []float64, stride int) {
	n := len(dst)
	k := 0
	for ; k+4 <= n; k += 4 {
		d := dst[k : k+4 : k+4]
		d0, d1, d2, d3 := d[0], d[1], d[2], d[3]
		o := k
		for _, ct := range c {
			r := m[o : o+4 : o+4]
			d0 += float64(ct * r[0])
			d1 += float64(ct * r[1])
			d2 += float64(ct * r[2])
			d3 += float64(ct * r[3])
			o += stride
		}
		d[0], d[1], d[2], d[3] = d0, d1, d2, d3
	}
	for ; k < n; k++ {
		d := dst[k]
		o := k
		for _, ct := range c {
			d += float64(ct * m[o])
			o += stride
		}
		dst[k] = d
	}
}

// addOuterGo is AddOuter's plain twin.
func addOuterGo(m, c []float64, off []int32, x []float64) {
	n := len(x)
	for t, ct := range c {
		row := m[int(off[t]) : int(off[t])+n : int(off[t])+n]
		for k, xk := range x {
			row[k] += float64(ct * xk)
		}
	}
}

// axpyGo is Axpy's plain twin.
func axpyGo(dst []float64, a float64, x []float64) {
	x = x[:len(dst)]
	for k := range dst {
		dst[k] += float64(a * x[k])
	}
}
