//go:build goexperiment.simd && amd64

package vec

// The SIMD build's choice of twin for each kernel (dispatch.go lists every rule with the test
// that pins it). SIMD is false on a machine without AVX-512, and in tests that ask for the
// plain twins; shapes too small for a whole vector run the plain twin.

func addRows(dst, c, m []float64, off []int32) {
	if SIMD {
		addRowsSIMD(dst, c, m, off)
		return
	}
	addRowsGo(dst, c, m, off)
}

func addRowsStrided(dst, c, m []float64, stride int) {
	if SIMD {
		addRowsStridedSIMD(dst, c, m, stride)
		return
	}
	addRowsStridedGo(dst, c, m, stride)
}

func addRowsStrided4(dst, c, m []float64, stride, n, r int) {
	if SIMD {
		addRowsStrided4SIMD(dst, c, m, stride, n, r)
		return
	}
	addRowsStrided4Go(dst, c, m, stride, n, r)
}

func addOuter(m, c []float64, off []int32, x []float64) {
	if SIMD && len(x) >= 8 {
		addOuterSIMD(m, c, off, x)
		return
	}
	addOuterGo(m, c, off, x)
}

func axpy(dst []float64, a float64, x []float64) {
	if SIMD {
		axpySIMD(dst, a, x)
		return
	}
	axpyGo(dst, a, x)
}

func laneSums(dst, acc []float64) {
	if SIMD && len(dst) >= 8 {
		laneSumsSIMD(dst, acc)
		return
	}
	laneSumsGo(dst, acc)
}

func adam(theta, grad, m, v []float64, b1, b2, stepSize, sqrtBC2, eps float64, stuck uint64) {
	if SIMD && len(theta) >= 8 {
		adamSIMD(theta, grad, m, v, b1, b2, stepSize, sqrtBC2, eps, stuck)
		return
	}
	adamGo(theta, grad, m, v, b1, b2, stepSize, sqrtBC2, eps, stuck)
}

func saeLanes(l *SAELanes, enc, bEnc, bDec, wn, x []float64, stride, n int, lambda, scale float64) {
	switch {
	case SIMD && l.D == 2:
		saeLanes2SIMD(l, enc, bEnc, bDec, wn, x, stride, n, lambda, scale)
	case SIMD:
		saeLanesSIMD(l, enc, bEnc, bDec, wn, x, stride, n, lambda, scale)
	case l.D == 2:
		saeLanes2Go(l, enc, bEnc, bDec, wn, x, stride, n, lambda, scale)
	default:
		saeLanesGo(l, enc, bEnc, bDec, wn, x, stride, n, lambda, scale)
	}
}

func toyLanes(l *ToyLanes, W, bias, imp []float64, norm float64, x []float64, stride, n int, wantLoss bool) {
	switch {
	case SIMD && l.H == 2:
		toyLanes2SIMD(l, W, bias, imp, norm, x, stride, n, wantLoss)
	case SIMD:
		toyLanesSIMD(l, W, bias, imp, norm, x, stride, n, wantLoss)
	default:
		toyLanesGo(l, W, bias, imp, norm, x, stride, n, wantLoss)
	}
}

func projectD2(pos []int, vals []float64, F int, P, h []float64, stride int, sample []int32) []int32 {
	if SIMD && F <= 8 && (len(pos) == 0 || pos[len(pos)-1] < 1<<31) {
		return projectD2SIMD(pos, vals, F, P, h, stride, sample)
	}
	return projectD2Go(pos, vals, F, P, h, stride, sample)
}

func gatedLanes(l *GatedLanes, p *GatedParams, g *GatedGrads, x []float64, stride, n int, lambda, scale float64) {
	if SIMD {
		gatedLanesSIMD(l, p, g, x, stride, n, lambda, scale)
		return
	}
	gatedLanesGo(l, p, g, x, stride, n, lambda, scale)
}

func jumpReLULanes(l *JumpReLULanes, p *JumpReLUParams, g *JumpReLUGrads, x []float64, stride, n int, lambda, eps, scale float64) {
	if SIMD {
		jumpReLULanesSIMD(l, p, g, x, stride, n, lambda, eps, scale)
		return
	}
	jumpReLULanesGo(l, p, g, x, stride, n, lambda, eps, scale)
}

func mulAddRows(c []float64, ldc int, x []float64, ldx int, w []float64, ldw int, m, k, n int) {
	if SIMD && n >= 8 {
		mulAddRowsSIMD(c, ldc, x, ldx, w, ldw, m, k, n)
		return
	}
	mulAddRowsGo(c, ldc, x, ldx, w, ldw, m, k, n)
}

func addOuterPairs(c []float64, ldc int, a1, a2 []float64, lda int, b1, b2 []float64, ldb int, m, k, n int, dense2 bool) {
	if SIMD && n >= 8 && m >= 2 {
		addOuterPairsSIMD(c, ldc, a1, a2, lda, b1, b2, ldb, m, k, n, dense2)
		return
	}
	addOuterPairsGo(c, ldc, a1, a2, lda, b1, b2, ldb, 0, m, k, n)
}

func toyDelta(delta, pre, x, imp, gB []float64, norm float64) {
	if SIMD {
		toyDeltaSIMD(delta, pre, x, imp, gB, norm)
		return
	}
	toyDeltaGo(delta, pre, x, imp, gB, norm)
}

func selectLanes(draws, p []float64, F int, feat []int32, val []float64, n *[8]int) {
	if SIMD {
		selectLanesSIMD(draws, p, F, feat, val, n)
		return
	}
	selectLanesGo(draws, p, F, feat, val, n)
}
