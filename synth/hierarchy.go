package synth

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"saelab/rng"
)

// NoFeature is the Feature of an organisational node (JSON feature_index null).
const NoFeature = -1

// Node is one node of a hierarchy tree (spec §6.1). A node with Feature = NoFeature is
// organisational: its children see the nearest ancestor that has a feature as their parent.
type Node struct {
	Feature           int     // feature index, or NoFeature
	MutuallyExclusive bool    // at most one child with a feature stays active (§6.4)
	ScaleChildren     bool    // children are scaled by a_parent/μ_parent instead of gated (§6.4)
	ID                *string // feature_id; nil for null
	Children          []*Node
}

// HierarchyConfig is SAELens's HierarchyConfig (spec §6.2).
type HierarchyConfig struct {
	TotalRootNodes          int     // number of trees; 0 means no hierarchy
	Branching               [2]int  // children per parent, uniform in [min, max] (min = max: fixed)
	BranchingRange          bool    // the config gave a (min, max) range rather than one integer
	MaxDepth                int     // roots are depth 0, leaves depth MaxDepth
	MEPortion               float64 // fraction of eligible parents made mutually exclusive
	MEMinDepth              int     // shallowest depth of an ME parent
	MEMaxDepth              *int    // deepest depth of an ME parent; nil for no limit
	CompensateProbabilities bool    // §6.5
	ScaleChildrenByParent   bool    // set ScaleChildren on every parent
}

// DefaultHierarchy returns the HierarchyConfig defaults: 100 roots, branching 100, depth 2, no
// mutual exclusion, no compensation, no rescaling.
func DefaultHierarchy() *HierarchyConfig {
	return &HierarchyConfig{TotalRootNodes: 100, Branching: [2]int{100, 100}, MaxDepth: 2}
}

func (h *HierarchyConfig) validate() error {
	const f = "hierarchy"
	if h.TotalRootNodes < 0 || h.TotalRootNodes > MaxFeatures {
		return fieldErr(f+".total_root_nodes", h.TotalRootNodes, fmt.Sprintf("an integer from 0 to %d", MaxFeatures))
	}
	lo, hi := h.Branching[0], h.Branching[1]
	if lo < 2 || lo > MaxFeatures {
		return fieldErr(f+".branching_factor", lo, fmt.Sprintf("an integer from 2 to %d", MaxFeatures))
	}
	if hi < lo || hi > MaxFeatures {
		return fieldErr(f+".branching_factor", fmt.Sprintf("[%d, %d]", lo, hi), fmt.Sprintf("a range [min, max] with 2 ≤ min ≤ max ≤ %d", MaxFeatures))
	}
	if h.MaxDepth < 1 || h.MaxDepth > MaxDepth {
		return fieldErr(f+".max_depth", h.MaxDepth, fmt.Sprintf("an integer from 1 to %d", MaxDepth))
	}
	if !(h.MEPortion >= 0 && h.MEPortion <= 1) {
		return fieldErr(f+".mutually_exclusive_portion", h.MEPortion, "in [0, 1]")
	}
	if h.MEMinDepth < 0 || h.MEMinDepth > MaxDepth {
		return fieldErr(f+".mutually_exclusive_min_depth", h.MEMinDepth, fmt.Sprintf("an integer from 0 to %d", MaxDepth))
	}
	if h.MEMaxDepth != nil && (*h.MEMaxDepth < h.MEMinDepth || *h.MEMaxDepth > MaxDepth) {
		return fieldErr(f+".mutually_exclusive_max_depth", *h.MEMaxDepth,
			fmt.Sprintf("null or an integer from mutually_exclusive_min_depth (%d) to %d", h.MEMinDepth, MaxDepth))
	}
	return nil
}

// GenerateHierarchy builds the forest of spec §6.3 breadth first: feature indices are handed
// out 0, 1, 2, … in creation order (creation stops silently at F); each parent at depth
// d < MaxDepth gets its branching factor of children; then ⌊#eligible·portion⌋ eligible
// parents (MEMinDepth ≤ depth ≤ MEMaxDepth, ≥ 2 children) are made mutually exclusive, and
// with ScaleChildrenByParent every parent rescales. With a fixed branching factor and a
// portion of 0 or 1 nothing is random; otherwise the draws come from s (SAELens uses Python's
// random module: the same distribution, not the same draws).
func GenerateHierarchy(F int, cfg *HierarchyConfig, s *rng.Stream) []*Node {
	if cfg == nil || cfg.TotalRootNodes == 0 {
		return nil
	}
	next := 0
	var roots []*Node
	for r := 0; r < cfg.TotalRootNodes && next < F; r++ {
		roots = append(roots, &Node{Feature: next})
		next++
	}
	type parent struct {
		n     *Node
		depth int
	}
	var parents []parent
	level := roots
	for d := 0; d < cfg.MaxDepth && len(level) > 0; d++ {
		var below []*Node
		for _, p := range level {
			parents = append(parents, parent{p, d})
			b := cfg.Branching[0]
			if cfg.Branching[1] > b {
				b += s.Intn(cfg.Branching[1] - b + 1)
			}
			for c := 0; c < b && next < F; c++ {
				child := &Node{Feature: next}
				next++
				p.Children = append(p.Children, child)
				below = append(below, child)
			}
		}
		level = below
	}
	var eligible []*Node
	for _, p := range parents {
		if p.depth >= cfg.MEMinDepth && (cfg.MEMaxDepth == nil || p.depth <= *cfg.MEMaxDepth) && len(p.n.Children) >= 2 {
			eligible = append(eligible, p.n)
		}
	}
	k := int(math.Floor(float64(len(eligible)) * cfg.MEPortion))
	if k < len(eligible) { // a uniform k-subset: the first k of a partial Fisher–Yates shuffle
		for i := 0; i < k; i++ {
			j := i + s.Intn(len(eligible)-i)
			eligible[i], eligible[j] = eligible[j], eligible[i]
		}
	}
	for _, p := range eligible[:k] {
		p.MutuallyExclusive = true
	}
	if cfg.ScaleChildrenByParent {
		for _, p := range parents {
			p.n.ScaleChildren = true
		}
	}
	return roots
}

// forest is a validated hierarchy compiled for sampling (spec §6.4). Per feature: its depth in
// the forest (−1 outside it), its effective parent (the nearest ancestor with a feature; −1 for
// none), whether its direct parent node rescales, and its mutual-exclusion group (the ME node
// above it; −1 for none).
type forest struct {
	depth   []int32
	parent  []int32
	rescale []bool
	group   []int32
	groups  int
	// Effective children of each feature, grouped by ME group then ascending:
	// kids[kidStart[f]:kidStart[f+1]].
	kidStart []int32
	kids     []int32
}

// children returns f's effective children (the features whose effective parent is f).
func (fo *forest) children(f int32) []int32 { return fo.kids[fo.kidStart[f]:fo.kidStart[f+1]] }

// HierarchyStats counts a forest's structure.
type HierarchyStats struct {
	Features int // features in the forest
	Roots    int // features with no feature ancestor
	Parents  int // features with at least one feature child (through organisational nodes too)
	MEGroups int // mutually exclusive nodes
	MaxDepth int // deepest node, roots at 0
	// RescaledChildren counts features whose direct parent node rescales (spec §6.4): 0 for
	// SynthSAEBench-16k v1, all non-root hierarchy features for v2 (§11.2).
	RescaledChildren int
}

// compileForest validates roots for F features and compiles them. Beyond SAELens's checks (no
// loops, no node with two parents, no index shared between trees, ME nodes have ≥ 2 children)
// a feature index must lie in [0, F) and appear only once, so that each feature has one parent.
func compileForest(roots []*Node, F int) (*forest, error) {
	fo := &forest{depth: make([]int32, F), parent: make([]int32, F), rescale: make([]bool, F), group: make([]int32, F)}
	for f := range fo.depth {
		fo.depth[f], fo.parent[f], fo.group[f] = -1, -1, -1
	}
	seen := map[*Node]bool{}
	nodes := 0
	type item struct {
		n          *Node
		depth      int
		featParent int32
		direct     *Node
		group      int32
	}
	stack := make([]item, 0, len(roots))
	for i := len(roots) - 1; i >= 0; i-- {
		stack = append(stack, item{roots[i], 0, -1, nil, -1})
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := it.n
		if n == nil {
			return nil, fmt.Errorf("synth: hierarchy: empty node")
		}
		if seen[n] {
			return nil, fmt.Errorf("synth: hierarchy: a node (feature %d) is reached twice: loops and shared nodes are not allowed", n.Feature)
		}
		seen[n] = true
		if nodes++; nodes > F+MaxFeatures {
			return nil, fmt.Errorf("synth: hierarchy: more than %d nodes", F+MaxFeatures)
		}
		if n.MutuallyExclusive && len(n.Children) < 2 {
			return nil, fmt.Errorf("synth: hierarchy: node (feature %d) has mutually_exclusive_children with %d children: needs at least 2", n.Feature, len(n.Children))
		}
		featParent := it.featParent
		if n.Feature != NoFeature {
			f := n.Feature
			if f < 0 || f >= F {
				return nil, fmt.Errorf("synth: hierarchy: feature_index = %d: must be null or from 0 to %d", f, F-1)
			}
			if fo.depth[f] >= 0 {
				return nil, fmt.Errorf("synth: hierarchy: feature_index %d appears more than once", f)
			}
			fo.depth[f], fo.parent[f], fo.group[f] = int32(it.depth), it.featParent, it.group
			fo.rescale[f] = it.direct != nil && it.direct.ScaleChildren
			featParent = int32(f)
		}
		group := int32(-1)
		if n.MutuallyExclusive {
			group = int32(fo.groups)
			fo.groups++
		}
		for i := len(n.Children) - 1; i >= 0; i-- {
			stack = append(stack, item{n.Children[i], it.depth + 1, featParent, n, group})
		}
	}
	fo.kidStart = make([]int32, F+1)
	for _, P := range fo.parent {
		if P >= 0 {
			fo.kidStart[P+1]++
		}
	}
	for f := 0; f < F; f++ {
		fo.kidStart[f+1] += fo.kidStart[f]
	}
	fo.kids = make([]int32, fo.kidStart[F])
	fill := slices.Clone(fo.kidStart[:F])
	for f, P := range fo.parent { // ascending f within each parent
		if P >= 0 {
			fo.kids[fill[P]] = int32(f)
			fill[P]++
		}
	}
	for f := 0; f < F; f++ {
		slices.SortStableFunc(fo.children(int32(f)), func(a, b int32) int { return cmp.Compare(fo.group[a], fo.group[b]) })
	}
	return fo, nil
}

// stats counts the compiled forest.
func (fo *forest) stats() HierarchyStats {
	st := HierarchyStats{MEGroups: fo.groups}
	isParent := map[int32]bool{}
	for f, d := range fo.depth {
		if d < 0 {
			continue
		}
		st.Features++
		st.MaxDepth = max(st.MaxDepth, int(d))
		if fo.parent[f] < 0 {
			st.Roots++
		} else {
			isParent[fo.parent[f]] = true
			if fo.rescale[f] {
				st.RescaledChildren++
			}
		}
	}
	st.Parents = len(isParent)
	return st
}

// CompensationFactors returns the per-feature factors of spec §6.5 from the base
// probabilities: walking each tree with the parent probability q (1 above a root), a feature
// gets 1/q; then each child c of a mutually exclusive node N with ≥ 2 feature children and
// q_N > 0 is multiplied by 1 + max(0, Σ_{s≠c} p_s)/q_N over N's other feature children.
// Features outside the forest get 1.
func CompensationFactors(roots []*Node, pBase []float32) []float64 {
	factor := make([]float64, len(pBase))
	for i := range factor {
		factor[i] = 1
	}
	var visit func(n *Node, q float64)
	visit = func(n *Node, q float64) {
		qN := q
		if n.Feature != NoFeature {
			factor[n.Feature] = 1 / q
			qN = float64(pBase[n.Feature])
		}
		for _, c := range n.Children {
			visit(c, qN)
		}
		if !n.MutuallyExclusive || len(n.Children) < 2 || !(qN > 0) {
			return
		}
		sum, count := 0.0, 0
		for _, c := range n.Children {
			if c.Feature != NoFeature {
				sum += float64(pBase[c.Feature])
				count++
			}
		}
		if count < 2 {
			return
		}
		for _, c := range n.Children {
			if c.Feature != NoFeature {
				factor[c.Feature] *= 1 + max(0, sum-float64(pBase[c.Feature]))/qN
			}
		}
	}
	for _, r := range roots {
		visit(r, 1)
	}
	return factor
}

// compensate applies the factors: p = min(1, p_base·factor) (a zero base stays zero). It
// returns how many features the correction pushed to ≥ 1 from below 1.
func compensate(p []float32, factor []float64) int {
	pushed := 0
	for i, f := range factor {
		if p[i] == 0 {
			continue
		}
		v := float64(p[i]) * f
		if v >= 1 && p[i] < 1 {
			pushed++
		}
		p[i] = float32(min(1, v))
	}
	return pushed
}
