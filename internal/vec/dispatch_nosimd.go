//go:build !goexperiment.simd || !amd64

package vec

// The plain build runs every kernel's plain twin (dispatch.go lists the rules).

func addRows(dst, c, m []float64, off []int32)       { addRowsGo(dst, c, m, off) }
func addRowsStrided(dst, c, m []float64, stride int) { addRowsStridedGo(dst, c, m, stride) }
func addRowsStrided4(dst, c, m []float64, stride, n, r int) {
	addRowsStrided4Go(dst, c, m, stride, n, r)
}
func addOuter(m, c []float64, off []int32, x []float64) { addOuterGo(m, c, off, x) }
func axpy(dst []float64, a float64, x []float64)        { axpyGo(dst, a, x) }
func laneSums(dst, acc []float64)                       { laneSumsGo(dst, acc) }

func adam(theta, grad, m, v []float64, b1, b2, stepSize, sqrtBC2, eps float64, stuck uint64) {
	adamGo(theta, grad, m, v, b1, b2, stepSize, sqrtBC2, eps, stuck)
}

func saeLanes(l *SAELanes, enc, bEnc, bDec, wn, x []float64, stride, n int, lambda, scale float64) {
	if l.D == 2 {
		saeLanes2Go(l, enc, bEnc, bDec, wn, x, stride, n, lambda, scale)
		return
	}
	saeLanesGo(l, enc, bEnc, bDec, wn, x, stride, n, lambda, scale)
}

func toyLanes(l *ToyLanes, W, bias, imp []float64, norm float64, x []float64, stride, n int, wantLoss bool) {
	toyLanesGo(l, W, bias, imp, norm, x, stride, n, wantLoss)
}

func projectD2(pos []int, vals []float64, F int, P, h []float64, stride int, sample []int32) []int32 {
	return projectD2Go(pos, vals, F, P, h, stride, sample)
}

func gatedLanes(l *GatedLanes, p *GatedParams, g *GatedGrads, x []float64, stride, n int, lambda, scale float64) {
	gatedLanesGo(l, p, g, x, stride, n, lambda, scale)
}

func jumpReLULanes(l *JumpReLULanes, p *JumpReLUParams, g *JumpReLUGrads, x []float64, stride, n int, lambda, eps, scale float64) {
	jumpReLULanesGo(l, p, g, x, stride, n, lambda, eps, scale)
}

func mulAddRows(c []float64, ldc int, x []float64, ldx int, w []float64, ldw int, m, k, n int) {
	mulAddRowsGo(c, ldc, x, ldx, w, ldw, m, k, n)
}

func addOuterPairs(c []float64, ldc int, a1, a2 []float64, lda int, b1, b2 []float64, ldb int, m, k, n int, _ bool) {
	addOuterPairsGo(c, ldc, a1, a2, lda, b1, b2, ldb, 0, m, k, n)
}

func toyDelta(delta, pre, x, imp, gB []float64, norm float64) {
	toyDeltaGo(delta, pre, x, imp, gB, norm)
}

func selectLanes(draws, p []float64, F int, feat []int32, val []float64, n *[8]int) {
	selectLanesGo(draws, p, F, feat, val, n)
}
