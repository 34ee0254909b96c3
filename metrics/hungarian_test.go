package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// bruteBest returns the best total score over all one-to-one matchings of
// min(R, C) pairs, by enumerating injections from the smaller side.
func bruteBest(score [][]float64) float64 {
	R, C := len(score), len(score[0])
	at := func(a, b int) float64 { return score[a][b] }
	n, m := R, C
	if R > C {
		at = func(a, b int) float64 { return score[b][a] }
		n, m = C, R
	}
	best := math.Inf(-1)
	used := make([]bool, m)
	var rec func(a int, sum float64)
	rec = func(a int, sum float64) {
		if a == n {
			best = max(best, sum)
			return
		}
		for b := range m {
			if !used[b] {
				used[b] = true
				rec(a+1, sum+at(a, b))
				used[b] = false
			}
		}
	}
	rec(0, 0)
	return best
}

// checkMatching verifies that res is a valid matching of score and returns
// its total.
func checkMatching(t *testing.T, score [][]float64, res []int) float64 {
	t.Helper()
	R, C := len(score), len(score[0])
	if len(res) != R {
		t.Fatalf("Assign returned %d rows, want %d", len(res), R)
	}
	seen := map[int]bool{}
	var total float64
	matched := 0
	for r, c := range res {
		if c == -1 {
			continue
		}
		if c < 0 || c >= C || seen[c] {
			t.Fatalf("Assign = %v: invalid or repeated column %d", res, c)
		}
		seen[c] = true
		total += score[r][c]
		matched++
	}
	if matched != min(R, C) {
		t.Fatalf("Assign = %v matches %d pairs, want %d", res, matched, min(R, C))
	}
	return total
}

func TestAssignBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for _, shape := range [][2]int{{5, 5}, {4, 6}, {6, 4}, {1, 3}, {3, 1}, {7, 7}} {
		for trial := range 50 {
			score := make([][]float64, shape[0])
			for i := range score {
				score[i] = make([]float64, shape[1])
				for j := range score[i] {
					score[i][j] = r.NormFloat64()
					if trial%5 == 0 { // integer scores create many ties
						score[i][j] = float64(r.IntN(3))
					}
				}
			}
			res := Assign(score)
			got := checkMatching(t, score, res)
			if want := bruteBest(score); !near(got, want, 1e-12) {
				t.Errorf("%dx%d trial %d: Assign total %v, brute force %v (%v)", shape[0], shape[1], trial, got, want, res)
			}
		}
	}
}

func TestAssignPrefersGlobalOverGreedy(t *testing.T) {
	// Greedy takes (0,0)=10 and is left with (1,1)=1; the optimum is 9+9.
	score := [][]float64{{10, 9}, {9, 1}}
	if got, want := Assign(score), []int{1, 0}; !slices.Equal(got, want) {
		t.Errorf("Assign = %v, want %v", got, want)
	}
}

func TestAssignDeterministicTies(t *testing.T) {
	score := [][]float64{{1, 1, 1}, {1, 1, 1}, {1, 1, 1}}
	first := Assign(score)
	checkMatching(t, score, first)
	for range 20 {
		if got := Assign(score); !slices.Equal(got, first) {
			t.Fatalf("Assign not deterministic: %v then %v", first, got)
		}
	}
}

func TestAssignEdgeCases(t *testing.T) {
	if got := Assign(nil); got == nil || len(got) != 0 {
		t.Errorf("Assign(nil) = %#v, want empty", got)
	}
	if got := Assign([][]float64{{1, 2}, {3}}); got != nil {
		t.Errorf("ragged Assign = %v, want nil", got)
	}
	if got := Assign([][]float64{{}, {}}); !slices.Equal(got, []int{-1, -1}) {
		t.Errorf("zero-column Assign = %v", got)
	}
	// A NaN must not be chosen over a finite alternative, +Inf must be.
	nan := math.NaN()
	if got := Assign([][]float64{{nan, 0}, {0, nan}}); !slices.Equal(got, []int{1, 0}) {
		t.Errorf("NaN Assign = %v, want [1 0]", got)
	}
	if got := Assign([][]float64{{0, math.Inf(1)}, {5, 5}}); !slices.Equal(got, []int{1, 0}) {
		t.Errorf("+Inf Assign = %v, want [1 0]", got)
	}
}
