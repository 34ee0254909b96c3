package sweep

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// MaxShards bounds the number of shards.
const MaxShards = 10_000

// Shard is one of Count disjoint parts of a sweep (Count 0: the whole sweep, unsharded).
type Shard struct{ Index, Count int }

// String is "i/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// SelectShard reads --shard: "" for the whole sweep, "auto" (ShardFromEnv with count from
// --shards), or I/N.
func SelectShard(spec string, count int, getenv func(string) string) (Shard, error) {
	switch spec {
	case "":
		if count != 0 {
			return Shard{}, fmt.Errorf("--shards %d: give --shard auto or --shard I/N with it", count)
		}
		return Shard{}, nil
	case "auto":
		return ShardFromEnv(count, getenv)
	}
	return ParseShard(spec)
}

// ParseShard reads --shard I/N.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	idx, err1 := strconv.Atoi(strings.TrimSpace(i))
	cnt, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("--shard %q: expected auto or I/N, e.g. 0/4 (the first of 4 shards)", s)
	}
	return checkShard(Shard{idx, cnt}, "--shard "+s)
}

// checkShard checks 0 ≤ index < count ≤ MaxShards.
func checkShard(s Shard, what string) (Shard, error) {
	if s.Count < 1 || s.Count > MaxShards {
		return Shard{}, fmt.Errorf("%s: the shard count %d must be in [1, %d]", what, s.Count, MaxShards)
	}
	if s.Index < 0 || s.Index >= s.Count {
		return Shard{}, fmt.Errorf("%s: the shard index %d must be in [0, %d)", what, s.Index, s.Count)
	}
	return s, nil
}

// ShardFromEnv is --shard auto: a Slurm array task (SLURM_ARRAY_TASK_ID, and
// SLURM_ARRAY_TASK_COUNT unless count is given) or a Kubernetes Indexed Job's pod
// (JOB_COMPLETION_INDEX, with count from --shards). count is --shards (0: not given); getenv
// reads the environment.
func ShardFromEnv(count int, getenv func(string) string) (Shard, error) {
	num := func(name string) (int, error) {
		v, err := strconv.Atoi(strings.TrimSpace(getenv(name)))
		if err != nil {
			return 0, fmt.Errorf("--shard auto: %s = %q: must be a whole number", name, getenv(name))
		}
		return v, nil
	}
	switch {
	case getenv("SLURM_ARRAY_TASK_ID") != "":
		idx, err := num("SLURM_ARRAY_TASK_ID")
		if err != nil {
			return Shard{}, err
		}
		if count == 0 {
			if getenv("SLURM_ARRAY_TASK_COUNT") == "" {
				return Shard{}, fmt.Errorf("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give --shards N")
			}
			if count, err = num("SLURM_ARRAY_TASK_COUNT"); err != nil {
				return Shard{}, err
			}
		}
		return checkShard(Shard{idx, count}, "--shard auto (Slurm array task)")
	case getenv("JOB_COMPLETION_INDEX") != "":
		idx, err := num("JOB_COMPLETION_INDEX")
		if err != nil {
			return Shard{}, err
		}
		if count == 0 {
			return Shard{}, fmt.Errorf("--shard auto: JOB_COMPLETION_INDEX is set; give the number of shards with --shards N (the Job's completions)")
		}
		return checkShard(Shard{idx, count}, "--shard auto (Kubernetes Indexed Job)")
	}
	return Shard{}, fmt.Errorf("--shard auto: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set; use --shard I/N to pick a shard by hand")
}

// unitsPerShard is how finely Assign cuts the work: a model's cells are kept together unless
// they cost more than a quarter of a shard's share, so that the longest-first packing has
// enough pieces to balance the shards within about a quarter of a piece.
const unitsPerShard = 4

// Assign gives each cell a shard in [0, n): deterministic (the same cells and n always give the
// same assignment, in every process) and balanced by estimated cost.
//
// The cells of one toy model stay together where they can, so that the model is trained in
// one shard: a model's cells form one unit, unless their cost exceeds a quarter of a shard's
// fair share, when they are cut into consecutive runs of about that cost (the model is then
// trained in each of their shards). Units go, most expensive first, to the shard with the least cost so
// far (longest processing time first), ties to the lower index.
func Assign(cells []Cell, n int) []int {
	out := make([]int, len(cells))
	if n <= 1 {
		return out
	}
	type unit struct {
		cells []int
		cost  float64
	}
	groups := map[string][]int{}
	var order []string
	total := 0.0
	for k, c := range cells {
		if _, ok := groups[c.ModelKey]; !ok {
			order = append(order, c.ModelKey)
			total += c.ModelCost
		}
		groups[c.ModelKey] = append(groups[c.ModelKey], k)
		total += c.Cost
	}
	share := total / float64(n)
	var units []unit
	for _, key := range order {
		g := groups[key]
		mc := cells[g[0]].ModelCost
		cost := mc
		for _, k := range g {
			cost += cells[k].Cost
		}
		parts := max(1, min(len(g), int(math.Ceil(cost/(share/unitsPerShard)-1e-9))))
		per := cost / float64(parts)
		u := unit{cost: mc}
		for j, k := range g {
			u.cells = append(u.cells, k)
			u.cost += cells[k].Cost
			left := len(g) - j - 1
			if left > 0 && u.cost >= per {
				units = append(units, u)
				u = unit{cost: mc}
			}
		}
		if len(u.cells) > 0 {
			units = append(units, u)
		}
	}
	slices.SortStableFunc(units, func(a, b unit) int {
		if c := cmp.Compare(b.cost, a.cost); c != 0 {
			return c
		}
		return cmp.Compare(a.cells[0], b.cells[0])
	})
	load := make([]float64, n)
	for _, u := range units {
		best := 0
		for s := 1; s < n; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		load[best] += u.cost
		for _, k := range u.cells {
			out[k] = best
		}
	}
	return out
}
