package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"saelab/sae"
)

// WriteMetricsJSONL writes rows to path atomically, one JSON object per line with the keys
// sorted (typically run, step, loss, l_reconstruction, l_sparsity, frac_active_mean, lr, ...).
// Values may be anything encoding/json accepts; a NaN or ±Inf float anywhere is an error naming
// the row and key, since JSON cannot hold it. Zero rows give an empty file.
func WriteMetricsJSONL(path string, rows []map[string]any) error {
	var b bytes.Buffer
	if err := encodeMetricsJSONL(&b, rows); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return WriteFileAtomic(path, b.Bytes(), 0o644)
}

// encodeMetricsJSONL writes one JSON object per row, keys sorted.
func encodeMetricsJSONL(b *bytes.Buffer, rows []map[string]any) error {
	var vb bytes.Buffer
	enc := json.NewEncoder(&vb)
	enc.SetEscapeHTML(false)
	for i, row := range rows {
		keys := make([]string, 0, len(row))
		for k := range row {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for j, k := range keys {
			if j > 0 {
				b.WriteByte(',')
			}
			v := row[k]
			switch x := v.(type) {
			case float64:
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return fmt.Errorf("metrics row %d: field %q is %v; JSON cannot hold NaN or Inf", i, k, x)
				}
			case float32:
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					return fmt.Errorf("metrics row %d: field %q is %v; JSON cannot hold NaN or Inf", i, k, x)
				}
			}
			vb.Reset()
			if err := enc.Encode(k); err != nil {
				return fmt.Errorf("metrics row %d: key %q: %w", i, k, err)
			}
			b.Write(bytes.TrimRight(vb.Bytes(), "\n"))
			b.WriteByte(':')
			vb.Reset()
			if err := enc.Encode(v); err != nil {
				return fmt.Errorf("metrics row %d: field %q: %w", i, k, err)
			}
			b.Write(bytes.TrimRight(vb.Bytes(), "\n"))
		}
		b.WriteString("}\n")
	}
	return nil
}

// ReadMetricsJSONL reads a file written by WriteMetricsJSONL. Numbers decode as float64. Blank
// lines are skipped; any other line that is not one JSON object is an error naming its line.
func ReadMetricsJSONL(path string) ([]map[string]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, cleanPathError(err))
	}
	defer f.Close()
	rows, err := decodeMetricsJSONL(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return rows, nil
}

// decodeMetricsJSONL reads one JSON object per non-blank line.
func decodeMetricsJSONL(r io.Reader) ([]map[string]any, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	var rows []map[string]any
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var row map[string]any
		if err := json.Unmarshal(text, &row); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if row == nil {
			return nil, fmt.Errorf("line %d: not a JSON object", line)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return rows, nil
}

// MetricsRows turns a run's per-logged-step training scalars into metrics.jsonl rows with the keys
// run, step, lr, loss, l_reconstruction, l_sparsity and frac_active_mean.
func MetricsRows(run string, scalars []sae.Scalars) []map[string]any {
	rows := make([]map[string]any, len(scalars))
	for i, sc := range scalars {
		rows[i] = map[string]any{
			"run":              run,
			"step":             sc.Step,
			"lr":               sc.LR,
			"loss":             sc.Loss,
			"l_reconstruction": sc.LReconstruction,
			"l_sparsity":       sc.LSparsity,
			"frac_active_mean": sc.FracActive,
		}
	}
	return rows
}
