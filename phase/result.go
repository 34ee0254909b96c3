package phase

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"

	"saelab/store"
)

// Result is a trained phase diagram, or a shard of one: the config, the grid's axes and the
// cells it holds, sorted by Index.
type Result struct {
	Config Config    `json:"config"`
	R      []float64 `json:"r"`
	P      []float64 `json:"p"`
	Cells  []Cell    `json:"cells"`
}

// Complete reports whether the result holds every cell of its grid.
func (r *Result) Complete() bool { return len(r.Cells) == r.Config.Cells() }

// At returns the cell at column ir (importance) and row ip (density), or nil if the result
// does not hold it.
func (r *Result) At(ir, ip int) *Cell {
	idx := ip*r.Config.Grid + ir
	k, ok := slices.BinarySearchFunc(r.Cells, idx, func(c Cell, i int) int { return c.Index - i })
	if !ok {
		return nil
	}
	return &r.Cells[k]
}

// Reaggregate returns a copy of the result with its cells aggregated and classified again
// under another aggregation mode and thresholds (the instances' training and statistics do not
// depend on them).
func (r *Result) Reaggregate(mode string, tauN, tauS float64) (*Result, error) {
	c := r.Config
	c.Aggregate, c.TauN, c.TauS = mode, tauN, tauS
	if err := c.Validate(); err != nil {
		return nil, err
	}
	out := &Result{Config: c, R: r.R, P: r.P, Cells: make([]Cell, len(r.Cells))}
	for k, cell := range r.Cells {
		cell.Instances = slices.Clone(cell.Instances)
		c.aggregate(&cell)
		out.Cells[k] = cell
	}
	return out, nil
}

// Merge combines results of the same config holding disjoint cells (the shards of a grid)
// into one, its cells sorted by Index: merging every shard of a grid gives Run's result.
func Merge(parts ...*Result) (*Result, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("merge: no results given")
	}
	out := &Result{Config: parts[0].Config, R: parts[0].R, P: parts[0].P}
	for k, p := range parts {
		if p.Config != out.Config {
			return nil, fmt.Errorf("merge: result %d has a different config from result 0", k)
		}
		out.Cells = append(out.Cells, p.Cells...)
	}
	slices.SortFunc(out.Cells, func(a, b Cell) int { return a.Index - b.Index })
	for k := 1; k < len(out.Cells); k++ {
		if out.Cells[k].Index == out.Cells[k-1].Index {
			return nil, fmt.Errorf("merge: cell %d is in two results", out.Cells[k].Index)
		}
	}
	return out, nil
}

// RegionAgreement counts, over the cells whose theory label is Theory, how many the
// experiment labels the same, and what it labels them.
type RegionAgreement struct {
	Theory  Label         `json:"theory_label"`
	Cells   int           `json:"cells"`
	Agree   int           `json:"agree"`
	ByLabel map[Label]int `json:"by_label"`
}

// Agreement is the agreement with theory per theory region (not represented, dedicated,
// superposition), in that order.
func (r *Result) Agreement() []RegionAgreement {
	var out []RegionAgreement
	for _, l := range []Label{NotRepresented, Dedicated, Superposition} {
		ra := RegionAgreement{Theory: l, ByLabel: map[Label]int{}}
		for _, c := range r.Cells {
			if c.Aggregate.Theory != l {
				continue
			}
			ra.Cells++
			ra.ByLabel[c.Aggregate.Label]++
			if c.Aggregate.Agrees() {
				ra.Agree++
			}
		}
		out = append(out, ra)
	}
	return out
}

// Output file names (phase-diagrams §4.7).
const (
	JSONFile = "phase_diagram.json"
	CSVFile  = "phase_diagram.csv"
)

// WriteFiles writes phase_diagram.json and phase_diagram.csv into dir, each atomically.
func (r *Result) WriteFiles(dir string) error {
	js, err := r.JSON()
	if err != nil {
		return err
	}
	if err := store.WriteFileAtomic(filepath.Join(dir, JSONFile), js, 0o644); err != nil {
		return err
	}
	return store.WriteFileAtomic(filepath.Join(dir, CSVFile), r.CSV(), 0o644)
}

// JSON is phase_diagram.json: the config, the axes, then one cell per line with its instances
// {loss, W, b, n_e, sigma_e, D_e, c_e, label, ...} and its aggregate {n_bar, sigma_bar, label,
// theory_label, ...} (§4.7). Numbers round-trip exactly.
func (r *Result) JSON() ([]byte, error) {
	var buf bytes.Buffer
	head, err := json.Marshal(struct {
		Config Config    `json:"config"`
		R      []float64 `json:"r"`
		P      []float64 `json:"p"`
	}{r.Config, r.R, r.P})
	if err != nil {
		return nil, fmt.Errorf("phase diagram json: %w", err)
	}
	buf.Write(head[:len(head)-1])
	buf.WriteString(",\n\"cells\": [")
	for k := range r.Cells {
		if k > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
		b, err := json.Marshal(&r.Cells[k])
		if err != nil {
			return nil, fmt.Errorf("phase diagram json, cell %d: %w", r.Cells[k].Index, err)
		}
		buf.Write(b)
	}
	buf.WriteString("\n]}\n")
	return buf.Bytes(), nil
}

// ReadJSON parses phase_diagram.json (a whole grid or a shard) and checks it: a valid config,
// the config's axes, and cells in range, unique, sorted and where their index says.
func ReadJSON(data []byte) (*Result, error) {
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("phase diagram json: %w", err)
	}
	if err := r.Config.Validate(); err != nil {
		return nil, fmt.Errorf("phase diagram json: config: %w", err)
	}
	R, P := r.Config.Axes()
	if !slices.Equal(R, r.R) || !slices.Equal(P, r.P) {
		return nil, fmt.Errorf("phase diagram json: the r and p axes are not the config's grid")
	}
	e := r.Config.Exp()
	for k, c := range r.Cells {
		switch {
		case c.Index < 0 || c.Index >= r.Config.Cells():
			return nil, fmt.Errorf("phase diagram json: cell index %d: must be in [0, %d)", c.Index, r.Config.Cells())
		case k > 0 && c.Index <= r.Cells[k-1].Index:
			return nil, fmt.Errorf("phase diagram json: cell %d: cells must be sorted by index, each once", c.Index)
		case c.IP != c.Index/r.Config.Grid || c.IR != c.Index%r.Config.Grid || c.R != R[c.IR] || c.P != P[c.IP]:
			return nil, fmt.Errorf("phase diagram json: cell %d: its ir, ip, r, p do not match its index", c.Index)
		case len(c.Instances) != r.Config.Instances:
			return nil, fmt.Errorf("phase diagram json: cell %d has %d instances, want %d", c.Index, len(c.Instances), r.Config.Instances)
		}
		for _, in := range c.Instances {
			if len(in.W) != e.Hidden() || len(in.B) != e.Features() {
				return nil, fmt.Errorf("phase diagram json: cell %d: an instance's W or b has the wrong shape", c.Index)
			}
		}
	}
	return &r, nil
}

// CSV is phase_diagram.csv: one row per cell with its coordinates, labels and aggregate.
func (r *Result) CSV() []byte {
	var b []byte
	b = append(b, "index,ir,ip,r,p,label,majority_label,config,theory_label,theory_config,agrees,n_bar,sigma_bar,same_sign,loss,kept\n"...)
	num := func(v float64) { b = strconv.AppendFloat(b, v, 'g', -1, 64); b = append(b, ',') }
	str := func(s string) { b = append(b, s...); b = append(b, ',') }
	for _, c := range r.Cells {
		a := c.Aggregate
		b = strconv.AppendInt(b, int64(c.Index), 10)
		b = fmt.Appendf(b, ",%d,%d,", c.IR, c.IP)
		num(c.R)
		num(c.P)
		str(string(a.Label))
		str(string(a.Majority))
		str(a.Config)
		str(string(a.Theory))
		str(a.TheoryConfig)
		str(strconv.FormatBool(a.Agrees()))
		num(a.NBar)
		num(a.SigmaBar)
		num(a.SameSign)
		num(a.Loss)
		kept := 0
		for _, in := range c.Instances {
			if in.Weight > 0 {
				kept++
			}
		}
		b = strconv.AppendInt(b, int64(kept), 10)
		b = append(b, '\n')
	}
	return b
}
