package report

import (
	"container/heap"
	"fmt"
	"math"
	"slices"
)

// The hidden-state rows (h, h_r) of an animation are made from the per-sample tensors, which
// are almost all of a run's data (the seed demo: 201 records × 256 samples × 16 instances × 2
// coordinates × 2 rows). hiddenAnim is everything the page needs of them: the rows' axis limit
// and, per record and hidden cell, the drawn points. SAERun.Compact computes it once and drops
// the tensors; a run that is not compacted gets it computed on the fly. Either way the page is
// the same, byte for byte.

// hiddenAnim is a run's hidden-row animation data.
type hiddenAnim struct {
	key string  // the rows, instances and colouring it was made for (see hiddenKey)
	n   int     // N, the samples per record
	lim float64 // the hidden rows' axis limit M (1 if there is none)
	// pts[t][c] are hidden cell c's drawn points in record t as (index, x, y) triples (see
	// hiddenPoints); lc[t][c] their loss colours (ColorHiddenByLoss only, else nil). Hidden
	// cells are numbered in the animation's cell order, skipping the weight rows.
	pts [][][]int32
	lc  [][][]int8
}

// hiddenKey identifies what a hiddenAnim depends on besides the tensors.
func (r *SAERun) hiddenKey() string {
	return fmt.Sprint(r.rows(), r.Instances, r.ColorHiddenByLoss)
}

// Compact prepares the run's animation from its per-sample tensors (Frame.H, HR, LRec) and
// drops them, and keeps Frame.Loss only for the last records that the best-instance ranking
// reads (copied, so nothing else of the caller's tensors stays referenced). A compacted run
// takes a small fraction of the memory and renders exactly as before; its Rows, Instances,
// ColorHiddenByLoss and SampleSize must not change afterwards (Render reports an error if they
// do). It returns the error Render would give for an inconsistent run.
func (r *SAERun) Compact() error {
	if r.hidden != nil {
		return nil
	}
	if err := r.validate(fmt.Sprintf("run %q", r.Name)); err != nil {
		return err
	}
	if len(r.Frames) > 0 && r.DIn == 2 {
		r.hidden = r.makeHidden()
	} else {
		r.hidden = &hiddenAnim{key: r.hiddenKey(), n: r.nSamples(), lim: 1}
	}
	keepLoss := max(0, len(r.Frames)-rankingRecords)
	for t := range r.Frames {
		f := &r.Frames[t]
		f.H, f.HR, f.LRec = nil, nil, nil
		if t < keepLoss {
			f.Loss = nil
		} else {
			f.Loss = slices.Clone(f.Loss)
		}
	}
	return nil
}

// rankingRecords is how many of the last records BestInstances averages over (spec §6.6).
const rankingRecords = 10

// hiddenData returns the run's hidden-row data: Compact's, or computed now.
func (r *SAERun) hiddenData() (*hiddenAnim, error) {
	if h := r.hidden; h != nil {
		if h.key != r.hiddenKey() {
			return nil, fmt.Errorf("report: run %q: Rows, Instances or ColorHiddenByLoss changed after Compact (was %s, now %s)", r.Name, h.key, r.hiddenKey())
		}
		return h, nil
	}
	return r.makeHidden(), nil
}

// hiddenCells lists the run's hidden cells in the animation's cell order: the row and the
// instance of each.
func (r *SAERun) hiddenCells() (rows []string, insts []int) {
	for _, row := range r.rows() {
		if isWRow(row) {
			continue
		}
		for _, i := range r.instances() {
			rows, insts = append(rows, row), append(insts, i)
		}
	}
	return rows, insts
}

// makeHidden computes the hidden-row data from the frames' tensors (validated).
func (r *SAERun) makeHidden() *hiddenAnim {
	I, D, N := r.NInst, r.DIn, r.nSamples()
	rows, insts := r.hiddenCells()
	h := &hiddenAnim{key: r.hiddenKey(), n: N, lim: 1}
	if len(rows) == 0 {
		return h
	}
	tensor := func(f *Frame, row string) []float32 {
		if row == "h_r" {
			return f.HR
		}
		return f.H
	}
	// Axis limit: every coordinate of every frame, hidden cell and sample (spec §7.2).
	h.lim = streamQuantileLimit(func(visit func(v float64)) {
		for t := range r.Frames {
			f := &r.Frames[t]
			for c, row := range rows {
				v, i := tensor(f, row), insts[c]
				for b := 0; b < N; b++ {
					visit(float64(v[(b*I+i)*D]))
					visit(float64(v[(b*I+i)*D+1]))
				}
			}
		}
	})
	h.pts = make([][][]int32, len(r.Frames))
	if r.ColorHiddenByLoss {
		h.lc = make([][][]int8, len(r.Frames))
	}
	var seen pointSet
	colour := make([]int8, N)
	var scratch pointsScratch
	for t := range r.Frames {
		f := &r.Frames[t]
		h.pts[t] = make([][]int32, len(rows))
		if h.lc != nil {
			h.lc[t] = make([][]int8, len(rows))
		}
		var maxLoss float64
		if r.ColorHiddenByLoss {
			// §7.2: v = round(L_rec[b,inst] / (frame max over all b and all instances), 2).
			for _, v := range f.LRec {
				maxLoss = math.Max(maxLoss, float64(v))
			}
		}
		for c, row := range rows {
			i := insts[c]
			var lc []int8
			if r.ColorHiddenByLoss {
				for b := 0; b < N; b++ {
					v := 0.0
					if maxLoss > 0 {
						v = math.Round(float64(f.LRec[b*I+i])/maxLoss*100) / 100
					}
					colour[b] = int8(math.Round(100 * math.Max(0, math.Min(1, v))))
				}
				lc = colour
			}
			pts, cols := hiddenPoints(tensor(f, row), lc, i, I, D, N, &seen, &scratch)
			h.pts[t][c] = pts
			if h.lc != nil {
				h.lc[t][c] = cols
			}
		}
	}
	return h
}

// hiddenPoints returns instance i's drawn points of a hidden tensor [N][I][D] as (b, x, y)
// triples, x and y as round(v·1e4), in sample order, and their colours if lc is given. Drawn
// are the points with |x|+|y| > 1e-3 (spec §7.2); a point that repeats an earlier drawn one
// exactly (same rounded position and colour) is left out: it would be drawn on top of it,
// identical, and hides nothing. The seed demo's reconstructions are mostly such repeats (all
// samples with h = 0 share one), and leaving them out makes the page far lighter to draw.
func hiddenPoints(v []float32, lc []int8, i, I, D, N int, seen *pointSet, sc *pointsScratch) ([]int32, []int8) {
	seen.reset()
	pts, cols := sc.pts[:0], sc.cols[:0]
	for b := 0; b < N; b++ {
		x, y := float64(v[(b*I+i)*D]), float64(v[(b*I+i)*D+1])
		if !(math.Abs(x)+math.Abs(y) > drawThreshold) || math.IsInf(x+y, 0) {
			continue // NaN fails the test too
		}
		X, Y := fix(x), fix(y)
		var col int8
		if lc != nil {
			col = lc[b]
		}
		if !seen.add(X, Y, col) {
			continue
		}
		pts = append(pts, int32(b), X, Y)
		if lc != nil {
			cols = append(cols, col)
		}
	}
	sc.pts, sc.cols = pts, cols
	if lc == nil {
		return slices.Clone(pts), nil
	}
	return slices.Clone(pts), slices.Clone(cols)
}

// pointsScratch is hiddenPoints' growing buffers; it returns exact-size copies.
type pointsScratch struct {
	pts  []int32
	cols []int8
}

// pointSet is a small open-addressing set of (x, y, colour) keys, reset per cell.
type pointSet struct {
	xy   []uint64
	col  []int8
	used []uint32 // generation of each slot; a slot is empty unless used == gen
	gen  uint32
	n    int
}

func (s *pointSet) reset() {
	s.gen++
	s.n = 0
	if s.xy == nil || s.gen == 0 {
		s.alloc(1024)
	}
}

func (s *pointSet) alloc(n int) {
	s.xy, s.col, s.used, s.gen = make([]uint64, n), make([]int8, n), make([]uint32, n), 1
}

// add inserts the key and reports whether it was new.
func (s *pointSet) add(x, y int32, col int8) bool {
	if 2*(s.n+1) > len(s.xy) {
		xy, cols, used, gen := s.xy, s.col, s.used, s.gen
		s.alloc(2 * len(xy))
		s.n = 0
		for k := range xy {
			if used[k] == gen {
				s.insert(xy[k], cols[k])
			}
		}
	}
	return s.insert(uint64(uint32(x))<<32|uint64(uint32(y)), col)
}

func (s *pointSet) insert(xy uint64, col int8) bool {
	mask := uint64(len(s.xy) - 1)
	for h := ((xy ^ uint64(uint8(col))) * 0x9e3779b97f4a7c15) >> 32 & mask; ; h = (h + 1) & mask {
		if s.used[h] != s.gen {
			s.xy[h], s.col[h], s.used[h] = xy, col, s.gen
			s.n++
			return true
		}
		if s.xy[h] == xy && s.col[h] == col {
			return false
		}
	}
}

// streamQuantileLimit is quantileLimit over the values that each(visit) visits, without
// holding them: a first pass counts the |v| > 1e-3, a second keeps only the largest ones the
// 0.999-quantile needs (about 0.1 % of them) in a heap. each must visit the same values twice.
func streamQuantileLimit(each func(visit func(v float64))) float64 {
	drawn := func(v float64) (float64, bool) {
		v = math.Abs(v)
		return v, v > drawThreshold && !math.IsInf(v, 0) && !math.IsNaN(v)
	}
	n := 0
	each(func(v float64) {
		if _, ok := drawn(v); ok {
			n++
		}
	})
	if n == 0 {
		return 1
	}
	pos := limitQuantile * float64(n-1)
	lo := int(math.Floor(pos))
	k := n - lo // keep the k largest: the smallest of them is a[lo], the next a[lo+1]
	top := make(minHeap, 0, k)
	each(func(v float64) {
		a, ok := drawn(v)
		switch {
		case !ok:
		case len(top) < k:
			heap.Push(&top, a)
		case a > top[0]:
			top[0] = a
			heap.Fix(&top, 0)
		}
	})
	vlo := heap.Pop(&top).(float64)
	vhi := vlo
	if len(top) > 0 {
		vhi = top[0]
	}
	return limitFactor * (vlo + (pos-float64(lo))*(vhi-vlo))
}

type minHeap []float64

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(a, b int) bool { return h[a] < h[b] }
func (h minHeap) Swap(a, b int)      { h[a], h[b] = h[b], h[a] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(float64)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
