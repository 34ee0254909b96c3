package synth

import "math"

// AssignMax solves the rectangular linear assignment problem exactly: for score [n×m]
// (row-major, n ≤ m) it returns col with col[i] the column of row i, all distinct, maximising
// Σ_i score[i][col[i]] — SciPy's linear_sum_assignment on −score (spec §9, MCC).
//
// It is the shortest-augmenting-path method (Jonker–Volgenant; in the rectangular form of
// Crouse 2016) on costs c = −score with dual potentials u (rows) and v ≤ 0 (columns), v = 0
// on every free column, so complementary slackness holds for the rectangular problem. Two
// things make it fast on the near-permutation matrices that trained SAEs give:
//   - warm start: u_i = min_j c_ij makes each row's best column tight, and rows whose best
//     column is still free take it at once;
//   - each remaining row costs one Dijkstra search over reduced costs, scanning the not yet
//     reached columns once per visited row, O(visited·m), and stops at the first free column.
//
// The worst case is O(n²·m) time; memory is O(m) beyond score. score must be finite.
func AssignMax(score []float32, n, m int) []int {
	if n > m || len(score) < n*m {
		panic("synth.AssignMax: need n ≤ m and an n×m score")
	}
	col4row := make([]int, n)
	row4col := make([]int, m)
	for j := range row4col {
		row4col[j] = -1
	}
	u := make([]float64, n)
	v := make([]float64, m)
	var free []int
	for i := 0; i < n; i++ {
		row := score[i*m : (i+1)*m]
		best := 0
		for j, s := range row {
			if s > row[best] {
				best = j
			}
		}
		u[i] = -float64(row[best])
		if row4col[best] < 0 {
			row4col[best], col4row[i] = i, best
		} else {
			col4row[i] = -1
			free = append(free, i)
		}
	}
	a := &augmenter{score: score, m: m, u: u, v: v, col4row: col4row, row4col: row4col,
		shortest: make([]float64, m), path: make([]int, m), remaining: make([]int, m)}
	for _, cur := range free {
		a.augment(cur)
	}
	return col4row
}

// augmenter holds the state of the shortest-augmenting-path search.
type augmenter struct {
	score            []float32
	m                int
	u, v             []float64
	col4row, row4col []int
	shortest         []float64 // shortest reduced path cost to each column
	path             []int     // the row from which each column was reached
	remaining        []int     // columns not yet reached (its first nRemain entries)
	rows, cols       []int     // rows and columns reached in this search
}

// augment finds a shortest augmenting path from the free row cur, updates the potentials
// so that all reduced costs stay ≥ 0 and the path becomes tight, and flips the path.
func (a *augmenter) augment(cur int) {
	m := a.m
	for j := 0; j < m; j++ {
		a.remaining[j] = m - 1 - j
		a.shortest[j] = math.Inf(1)
	}
	nRemain := m
	a.rows, a.cols = a.rows[:0], a.cols[:0]
	minVal := 0.0
	i, sink := cur, -1
	for sink < 0 {
		a.rows = append(a.rows, i)
		row := a.score[i*m : (i+1)*m]
		base := minVal - a.u[i]
		lowest, index := math.Inf(1), -1
		for it := 0; it < nRemain; it++ {
			j := a.remaining[it]
			if r := base - float64(row[j]) - a.v[j]; r < a.shortest[j] {
				a.path[j] = i
				a.shortest[j] = r
			}
			if s := a.shortest[j]; s < lowest || (s == lowest && a.row4col[j] < 0) {
				lowest, index = s, it
			}
		}
		minVal = lowest
		j := a.remaining[index]
		if a.row4col[j] < 0 {
			sink = j
		} else {
			i = a.row4col[j]
		}
		a.cols = append(a.cols, j)
		nRemain--
		a.remaining[index] = a.remaining[nRemain]
	}
	a.u[cur] += minVal
	for _, r := range a.rows {
		if r != cur {
			a.u[r] += minVal - a.shortest[a.col4row[r]]
		}
	}
	for _, j := range a.cols {
		a.v[j] -= minVal - a.shortest[j]
	}
	for j := sink; ; {
		r := a.path[j]
		a.row4col[j] = r
		a.col4row[r], j = j, a.col4row[r]
		if r == cur {
			break
		}
	}
}
