package sweep

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Export formats.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// ExportColumns are the export's columns: cell_id, seed, every grid and zip key (its config
// path), run (the SAE run's name, or toy-model), status, wall_seconds (the run's training loop,
// as its summary.json has it), then the metrics of the sweep's kind (KindMetrics): instance
// means for toy-model SAEs, the benchmark's metrics for a synthetic sweep.
func ExportColumns(keys []string, synthetic bool) []string {
	cols := append([]string{"cell_id", "seed"}, keys...)
	cols = append(cols, "run", "status", "wall_seconds")
	for _, k := range KindMetrics(synthetic) {
		cols = append(cols, Metrics[k].Name)
	}
	return cols
}

// exportValue is one field: a string, a number (NaN for none) or nothing.
type exportValue struct {
	s     string
	num   float64
	isNum bool
	raw   bool // JSON: write s as is (a whole number, exactly)
}

// ExportRows returns the export's rows: one per run of each done cell, and one (without run or
// metrics) per cell not done, in sweep order.
func (r *Results) exportRows() [][]exportValue {
	use := KindMetrics(r.Meta.Synth)
	var rows [][]exportValue
	for _, c := range r.Cells {
		head := []exportValue{{s: c.ID}, {num: float64(c.Seed), isNum: true, raw: true, s: strconv.FormatUint(c.Seed, 10)}}
		for _, p := range c.Params {
			head = append(head, paramValue(p))
		}
		if c.Status != "done" || len(c.Runs) == 0 {
			row := append(append([]exportValue(nil), head...), exportValue{}, exportValue{s: c.Status}, exportValue{num: math.NaN(), isNum: true})
			for range use {
				row = append(row, exportValue{num: math.NaN(), isNum: true})
			}
			rows = append(rows, row)
			continue
		}
		for _, run := range c.Runs {
			row := append(append([]exportValue(nil), head...), exportValue{s: run.Name}, exportValue{s: c.Status},
				exportValue{num: run.WallSeconds, isNum: true})
			for _, k := range use {
				row = append(row, exportValue{num: run.Metrics[k], isNum: true})
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// paramValue is a key's value: a number when it reads as a finite one, text otherwise.
func paramValue(p string) exportValue {
	if v, err := strconv.ParseFloat(p, 64); err == nil && !math.IsInf(v, 0) && !math.IsNaN(v) {
		return exportValue{s: p, num: v, isNum: true}
	}
	return exportValue{s: p}
}

// Export writes the results as CSV (a header row, then one row per line; an absent number is
// an empty field) or JSON lines (one object per row, the columns in order; an absent number is
// null).
func (r *Results) Export(w io.Writer, format string) error {
	cols := ExportColumns(r.Meta.Keys, r.Meta.Synth)
	rows := r.exportRows()
	switch format {
	case FormatCSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(cols); err != nil {
			return err
		}
		for _, row := range rows {
			rec := make([]string, len(row))
			for k, v := range row {
				rec[k] = v.text()
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case FormatJSONL:
		var b bytes.Buffer
		for _, row := range rows {
			b.Reset()
			b.WriteByte('{')
			for k, v := range row {
				if k > 0 {
					b.WriteByte(',')
				}
				key, _ := json.Marshal(cols[k])
				b.Write(key)
				b.WriteByte(':')
				b.Write(v.json())
			}
			b.WriteString("}\n")
			if _, err := w.Write(b.Bytes()); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("--format %q: must be %s or %s", format, FormatCSV, FormatJSONL)
}

// text is the value's CSV field.
func (v exportValue) text() string {
	if v.isNum {
		if math.IsNaN(v.num) {
			return ""
		}
		if v.s != "" {
			return v.s
		}
		return strconv.FormatFloat(v.num, 'g', -1, 64)
	}
	return v.s
}

// json is the value's JSON.
func (v exportValue) json() []byte {
	if v.isNum {
		if math.IsNaN(v.num) {
			return []byte("null")
		}
		if v.raw {
			return []byte(v.s)
		}
		return strconv.AppendFloat(nil, v.num, 'g', -1, 64)
	}
	b, _ := json.Marshal(v.s)
	return b
}
