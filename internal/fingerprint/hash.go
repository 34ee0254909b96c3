package fingerprint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Dir hashes a run directory: each tensor of each .safetensors file (its dtype, shape and
// bytes), and the numbers of summary.json and metrics.jsonl (wall times and version strings
// left out). Two runs with the same results have the same map.
func Dir(dir string) (map[string]string, error) {
	fp := map[string]string{}
	files, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		tensors, err := tensorHashes(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		for name, h := range tensors {
			fp[filepath.Base(f)+":"+name] = h
		}
	}
	for _, f := range []string{"summary.json", "metrics.jsonl"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		var lines []string
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		for k := 0; dec.More(); k++ {
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, fmt.Errorf("%s: %v", f, err)
			}
			numbers(fmt.Sprint(k), v, &lines)
		}
		slices.Sort(lines)
		fp[f] = hash([]byte(strings.Join(lines, "\n")))
	}
	return fp, nil
}

// numbers lists "path=value" for every number and boolean under v, skipping wall times.
func numbers(path string, v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "wall_seconds" {
				continue
			}
			numbers(path+"."+k, e, out)
		}
	case []any:
		for k, e := range x {
			numbers(path+"["+strconv.Itoa(k)+"]", e, out)
		}
	case json.Number:
		*out = append(*out, path+"="+x.String())
	case bool:
		*out = append(*out, path+"="+strconv.FormatBool(x))
	}
}

// tensorHashes parses a safetensors file (8-byte little-endian header length, JSON header,
// data) and hashes each tensor's dtype, shape and bytes.
func tensorHashes(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 8 {
		return nil, fmt.Errorf("too short")
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(len(b)-8) {
		return nil, fmt.Errorf("bad header length")
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &header); err != nil {
		return nil, err
	}
	data := b[8+n:]
	out := map[string]string{}
	for name, raw := range header {
		if name == "__metadata__" {
			continue
		}
		var ti struct {
			Dtype   string   `json:"dtype"`
			Shape   []int    `json:"shape"`
			Offsets []uint64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &ti); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if len(ti.Offsets) != 2 || ti.Offsets[0] > ti.Offsets[1] || ti.Offsets[1] > uint64(len(data)) {
			return nil, fmt.Errorf("%s: bad offsets", name)
		}
		h := sha256.New()
		fmt.Fprintf(h, "%s %v\n", ti.Dtype, ti.Shape)
		h.Write(data[ti.Offsets[0]:ti.Offsets[1]])
		out[name] = hex.EncodeToString(h.Sum(nil))[:16]
	}
	return out, nil
}

func hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])[:16]
}
