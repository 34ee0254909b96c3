package report

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
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
// drops them, with Frame.Loss, which the report does not draw. A compacted run takes a small
// fraction of the memory and renders exactly as before; its Rows, Instances, ColorHiddenByLoss
// and SampleSize must not change afterwards (Render reports an error if they do). It returns
// the error Render would give for an inconsistent run.
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
	for t := range r.Frames {
		f := &r.Frames[t]
		f.H, f.HR, f.LRec, f.Loss = nil, nil, nil, nil
	}
	return nil
}

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

// hiddenTensor is a frame's tensor of hidden-state row row: H for "h", HR for "h_r".
func hiddenTensor(f *Frame, row string) []float32 {
	if row == "h_r" {
		return f.HR
	}
	return f.H
}

// makeHidden computes the hidden-row data from the frames' tensors (validated).
func (r *SAERun) makeHidden() *hiddenAnim {
	rows, insts := r.hiddenCells()
	h := &hiddenAnim{key: r.hiddenKey(), n: r.nSamples(), lim: 1}
	if len(rows) == 0 {
		return h
	}
	T := len(r.Frames)
	h.pts = make([][][]int32, T)
	if r.ColorHiddenByLoss {
		h.lc = make([][][]int8, T)
	}
	// The frames split into one block per worker: each block's points, and its part of the
	// axis limit's two passes (quantile32 merges them), are independent.
	workers := max(1, min(runtime.GOMAXPROCS(0), T/16))
	parallel := func(work func(w, t0, t1 int)) {
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work(w, w*T/workers, (w+1)*T/workers)
			}()
		}
		wg.Wait()
	}
	h.lim = r.hiddenLimit(rows, insts, workers, parallel)
	parallel(func(_, t0, t1 int) { r.hiddenFramePoints(h, rows, insts, t0, t1) })
	return h
}

// hiddenLimit is the hidden rows' axis limit M (spec §7.2) over every coordinate of every
// frame, hidden cell and sample: quantile32's two passes, each split over the workers'
// blocks of frames.
func (r *SAERun) hiddenLimit(rows []string, insts []int, workers int, parallel func(func(w, t0, t1 int))) float64 {
	I, D, N := r.NInst, r.DIn, r.nSamples()
	qs := make([]quantile32, workers)
	for pass := 0; pass < 2; pass++ {
		parallel(func(w, t0, t1 int) {
			q := &qs[w]
			for t := t0; t < t1; t++ {
				f := &r.Frames[t]
				for c, row := range rows {
					v, i := hiddenTensor(f, row), insts[c]
					for b := 0; b < N; b++ {
						o := (b*I + i) * D
						q.add(pass, v[o])
						q.add(pass, v[o+1])
					}
				}
			}
		})
		if pass == 0 {
			for w := 1; w < workers; w++ {
				qs[0].merge(&qs[w])
			}
			qs[0].endPass(0)
			for w := 1; w < workers; w++ {
				qs[w].lo, qs[w].from = qs[0].lo, qs[0].from
			}
		}
	}
	for w := 1; w < workers; w++ {
		qs[0].top = append(qs[0].top, qs[w].top...)
	}
	return qs[0].limit()
}

// hiddenFramePoints fills h's points (and loss colours) of records t0…t1−1.
func (r *SAERun) hiddenFramePoints(h *hiddenAnim, rows []string, insts []int, t0, t1 int) {
	I, D, N := r.NInst, r.DIn, r.nSamples()
	var seen pointSet
	colour := make([]int8, N)
	// The cells' points (and colours) are cut from chunks of a few hundred kB: no
	// allocation per cell.
	var ptsChunk []int32
	var colChunk []int8
	for t := t0; t < t1; t++ {
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
			if cap(ptsChunk)-len(ptsChunk) < 3*N { // a cell holds at most N points
				ptsChunk = make([]int32, 0, max(1<<16, 3*N))
			}
			if lc != nil && cap(colChunk)-len(colChunk) < N {
				colChunk = make([]int8, 0, max(1<<16, N))
			}
			p0, c0 := len(ptsChunk), len(colChunk)
			ptsChunk, colChunk = hiddenPoints(ptsChunk, colChunk, hiddenTensor(f, row), lc, i, I, D, N, &seen)
			h.pts[t][c] = ptsChunk[p0:len(ptsChunk):len(ptsChunk)]
			if h.lc != nil {
				h.lc[t][c] = colChunk[c0:len(colChunk):len(colChunk)]
			}
		}
	}
}

// hiddenPoints appends to pts instance i's drawn points of a hidden tensor [N][I][D] as (b, x,
// y) triples, x and y as round(v·1e4), in sample order, and to cols their colours if lc is
// given. Drawn
// are the points with |x|+|y| > 1e-3 (spec §7.2); a point that repeats an earlier drawn one
// exactly (same rounded position and colour) is left out: it would be drawn on top of it,
// identical, and hides nothing. The seed demo's reconstructions are mostly such repeats (all
// samples with h = 0 share one), and leaving them out makes the page far lighter to draw.
func hiddenPoints(pts []int32, cols []int8, v []float32, lc []int8, i, I, D, N int, seen *pointSet) ([]int32, []int8) {
	seen.reset()
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
	return pts, cols
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

// quantile32 is quantileLimit over float32 values seen in two identical passes (add, then
// endPass, twice), without holding them: the first counts the |v| > 1e-3 in a histogram of
// their float32 bits (ordered as the values are), the second keeps only the values of the
// buckets from the one holding the 0.999-quantile's lower neighbour up, about 0.1 % of them.
// A pass may be split over several quantile32s: merge the first passes' counts into one,
// whose endPass sets lo and from, copy those to the others, and append their tops.
type quantile32 struct {
	n    int
	hist []uint32 // per bucket (the top 16 bits of a float32 |v|), pass 0
	lo   int      // the rank (ascending, 0-based) of the lower neighbour
	from uint32   // first bucket kept in pass 1
	skip int      // values in the buckets below from
	top  []float32
}

func (q *quantile32) add(pass int, v float32) {
	bits := math.Float32bits(v) &^ (1 << 31)
	// |v| > 1e-3 (as float64s: drawThreshold's float32 neighbours would differ) and finite.
	if bits >= 0x7f800000 || !(float64(math.Float32frombits(bits)) > drawThreshold) {
		return
	}
	bucket := bits >> 16
	if pass == 0 {
		if q.hist == nil {
			q.hist = make([]uint32, 1<<16)
		}
		q.hist[bucket]++
		q.n++
	} else if bucket >= q.from {
		q.top = append(q.top, math.Float32frombits(bits))
	}
}

// merge adds o's first-pass counts to q's.
func (q *quantile32) merge(o *quantile32) {
	if o.hist == nil {
		return
	}
	if q.hist == nil {
		q.hist = make([]uint32, 1<<16)
	}
	for b, c := range o.hist {
		q.hist[b] += c
	}
	q.n += o.n
}

func (q *quantile32) endPass(pass int) {
	if pass != 0 || q.n == 0 {
		return
	}
	q.lo = int(math.Floor(limitQuantile * float64(q.n-1)))
	seen := 0
	for b, c := range q.hist {
		if seen+int(c) > q.lo {
			q.from, q.skip = uint32(b), seen
			break
		}
		seen += int(c)
	}
	q.hist = nil
}

// limit is M = 1.4 × the 0.999-quantile (linear interpolation), 1 if nothing is drawn: the
// result of quantileLimit on the same values.
func (q *quantile32) limit() float64 {
	if q.n == 0 {
		return 1
	}
	slices.Sort(q.top)
	pos := limitQuantile * float64(q.n-1)
	vlo := float64(q.top[q.lo-q.skip])
	vhi := vlo
	if k := q.lo - q.skip + 1; k < len(q.top) {
		vhi = float64(q.top[k])
	}
	return limitFactor * (vlo + (pos-float64(q.lo))*(vhi-vlo))
}
