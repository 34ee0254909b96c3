package metrics

import "math"

// Assign solves the rectangular assignment problem: it returns a one-to-one
// matching of rows to columns of score [R][C] that maximises the total
// score over min(R, C) pairs,
//
//	max_π Σ_r score[r][π(r)]
//
// with result[r] the column matched to row r, or -1 when R > C leaves row r
// unmatched. It runs the O(n²m) shortest-augmenting-path Hungarian
// algorithm (n = min(R, C), m = max(R, C)) with potentials.
//
// Ties between optimal matchings are broken deterministically: scans go in
// index order and only a strict improvement replaces a candidate, so the
// same input always yields the same matching.
//
// NaN and -Inf entries are treated as worse than any finite score and +Inf
// as better, so one diverged entry cannot corrupt the potentials. Assign
// returns nil if score is ragged, and an empty slice if it has no rows.
func Assign(score [][]float64) []int {
	R := len(score)
	if R == 0 {
		return []int{}
	}
	C := len(score[0])
	for _, row := range score {
		if len(row) != C {
			return nil
		}
	}
	res := make([]int, R)
	for r := range res {
		res[r] = -1
	}
	if C == 0 {
		return res
	}
	cost := finiteCosts(score, R, C)
	// The solver needs rows <= columns, so solve the transpose when R > C;
	// its rows are then our columns.
	if R <= C {
		copy(res, solveMin(cost, R, C, false))
	} else {
		for c, r := range solveMin(cost, C, R, true) {
			res[r] = c
		}
	}
	return res
}

// finiteCosts negates score (the solver minimises) and clamps non-finite
// entries just beyond the finite range. The margin exceeds any difference
// between two matchings' finite totals, so clamped entries keep their
// order relative to every finite alternative.
func finiteCosts(score [][]float64, R, C int) []float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range score {
		for _, v := range row {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo = min(lo, v)
				hi = max(hi, v)
			}
		}
	}
	if lo > hi { // no finite entry at all
		lo, hi = 0, 0
	}
	margin := (hi - lo + 1) * float64(min(R, C)+1)
	cost := make([]float64, R*C)
	for r, row := range score {
		for c, v := range row {
			switch {
			case math.IsNaN(v) || math.IsInf(v, -1):
				v = lo - margin
			case math.IsInf(v, 1):
				v = hi + margin
			}
			cost[r*C+c] = -v
		}
	}
	return cost
}

// solveMin assigns each of n problem rows to a distinct one of m >= n
// problem columns, minimising the total cost, and returns the column of
// each row. cost is stored [n][m], or [m][n] if transposed.
func solveMin(cost []float64, n, m int, transposed bool) []int {
	at := func(i, j int) float64 { // problem row i, problem column j, 0-based
		if transposed {
			return cost[j*n+i]
		}
		return cost[i*m+j]
	}
	// 1-based arrays with a sentinel column 0, as in the classic
	// formulation: p[j] is the row matched to column j, u and v are the
	// dual potentials, way[j] the previous column on the augmenting path.
	u := make([]float64, n+1)
	v := make([]float64, m+1)
	p := make([]int, m+1)
	way := make([]int, m+1)
	minv := make([]float64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0 := p[j0]
			delta := math.Inf(1)
			j1 := -1
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				cur := at(i0-1, j-1) - u[i0] - v[j]
				if cur < minv[j] {
					minv[j] = cur
					way[j] = j0
				}
				if j1 < 0 || minv[j] < delta {
					delta = minv[j]
					j1 = j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	out := make([]int, n)
	for j := 1; j <= m; j++ {
		if p[j] != 0 {
			out[p[j]-1] = j - 1
		}
	}
	return out
}
