package modeldir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"saelab/store"
	"saelab/synth"
)

// The files of a synthetic-model directory (spec §7.3).
const (
	ConfigFile    = "synthetic_model_config.json"
	TensorsFile   = "synthetic_model.safetensors"
	HierarchyFile = "hierarchy.json"
)

// maxConfigBytes and maxHierarchyBytes bound the JSON files read into memory.
const (
	maxConfigBytes    = 1 << 20
	maxHierarchyBytes = 1 << 30
)

// Save writes m to dir (created if needed): the config, the tensors (feature_vectors, bias,
// firing_probabilities and, with a correlation, correlation_factor and correlation_diag; the
// last three in the config's dtype) and, if the model or its config has a hierarchy,
// hierarchy.json (so that loading never regenerates a different one); a stale hierarchy.json
// is removed otherwise. Each file is written atomically.
func Save(dir string, m *synth.Model) error {
	cfg, err := MarshalConfig(m.Config)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("modeldir: %w", err)
	}
	F, H := m.Config.NumFeatures, m.Config.HiddenDim
	dt := dtypeOf(m.Config.DType)
	tensors := []store.Tensor{
		{Name: "feature_vectors", Shape: []int{F, H}, Data: widen(m.Dict.V), Dtype: store.DtypeF32},
		{Name: "bias", Shape: []int{H}, Data: widen(m.Dict.Bias), Dtype: store.DtypeF32},
		{Name: "firing_probabilities", Shape: []int{F}, Data: widen(m.Gen.Prob), Dtype: dt},
	}
	if c := m.Gen.Corr; c != nil {
		tensors = append(tensors,
			store.Tensor{Name: "correlation_factor", Shape: []int{F, c.R}, Data: widen(c.Factor), Dtype: dt},
			store.Tensor{Name: "correlation_diag", Shape: []int{F}, Data: widen(c.Diag), Dtype: dt})
	}
	if err := store.WriteSafetensors(filepath.Join(dir, TensorsFile), tensors, nil); err != nil {
		return fmt.Errorf("modeldir: %w", err)
	}
	hpath := filepath.Join(dir, HierarchyFile)
	if len(m.Gen.Roots) > 0 || (m.Config.Hierarchy != nil && m.Config.Hierarchy.TotalRootNodes != 0) {
		h, err := MarshalHierarchy(m.Gen.Roots)
		if err != nil {
			return err
		}
		if err := store.WriteFileAtomic(hpath, h, 0o644); err != nil {
			return fmt.Errorf("modeldir: %w", err)
		}
	} else if err := os.Remove(hpath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("modeldir: %w", err)
	}
	// The config goes last: a directory with a config is complete.
	if err := store.WriteFileAtomic(filepath.Join(dir, ConfigFile), cfg, 0o644); err != nil {
		return fmt.Errorf("modeldir: %w", err)
	}
	return nil
}

// Load reads a synthetic-model directory as load_from_disk does (spec §7.3.2; see
// synth.Assemble): config, tensors, and hierarchy.json if present (otherwise the hierarchy is
// regenerated from the config). σ and μ are regenerated from the config, the stored
// probabilities are used, and the copula thresholds are computed from them. Tensors with the
// prefix "coefficient_autotuner." are ignored; other unknown tensors give a warning. The
// model's Warnings collect every notice.
func Load(dir string) (*synth.Model, error) {
	cfgBytes, err := readLimited(filepath.Join(dir, ConfigFile), maxConfigBytes)
	if err != nil {
		return nil, err
	}
	cfg, warn, err := UnmarshalConfig(cfgBytes)
	if err != nil {
		return nil, fmt.Errorf("modeldir: %s: %w", filepath.Join(dir, ConfigFile), err)
	}
	ts, _, err := store.ReadSafetensors(filepath.Join(dir, TensorsFile))
	if err != nil {
		return nil, fmt.Errorf("modeldir: %w", err)
	}
	parts, tw, err := partsFrom(ts, cfg)
	if err != nil {
		return nil, fmt.Errorf("modeldir: %s: %w", filepath.Join(dir, TensorsFile), err)
	}
	warn = append(warn, tw...)
	hb, err := readLimited(filepath.Join(dir, HierarchyFile), maxHierarchyBytes)
	switch {
	case err == nil:
		if parts.Roots, err = UnmarshalHierarchy(hb); err != nil {
			return nil, fmt.Errorf("modeldir: %s: %w", filepath.Join(dir, HierarchyFile), err)
		}
		parts.HasTree = true
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	m, err := synth.Assemble(cfg, parts)
	if err != nil {
		return nil, fmt.Errorf("modeldir: %s: %w", dir, err)
	}
	m.Warnings = append(warn, m.Warnings...)
	return m, nil
}

// partsFrom checks the tensors' shapes against the config and converts them to float32.
func partsFrom(ts []store.Tensor, cfg synth.Config) (synth.Parts, []string, error) {
	F, H := cfg.NumFeatures, cfg.HiddenDim
	var p synth.Parts
	var warn []string
	get := func(name string, shape ...int) ([]float32, bool, error) {
		t, ok := store.FindTensor(ts, name)
		if !ok {
			return nil, false, nil
		}
		if !sameShape(t.Shape, shape) {
			return nil, true, fmt.Errorf("tensor %s has shape %v, want %v", name, t.Shape, shape)
		}
		return narrow(t.Data), true, nil
	}
	var ok bool
	var err error
	if p.V, ok, err = get("feature_vectors", F, H); err != nil || !ok {
		return p, nil, orMissing(err, "feature_vectors")
	}
	if p.Prob, ok, err = get("firing_probabilities", F); err != nil || !ok {
		return p, nil, orMissing(err, "firing_probabilities")
	}
	if p.Bias, ok, err = get("bias", H); err != nil {
		return p, nil, err
	} else if !ok {
		p.Bias = make([]float32, H)
		warn = append(warn, "no bias tensor: b = 0")
	}
	if fac, ok := store.FindTensor(ts, "correlation_factor"); ok {
		if len(fac.Shape) != 2 || fac.Shape[0] != F || fac.Shape[1] < 1 || fac.Shape[1] > synth.MaxRank {
			return p, nil, fmt.Errorf("tensor correlation_factor has shape %v, want [%d, r] with 1 ≤ r ≤ %d", fac.Shape, F, synth.MaxRank)
		}
		diag, ok, err := get("correlation_diag", F)
		if err != nil || !ok {
			return p, nil, orMissing(err, "correlation_diag")
		}
		p.Corr = &synth.LowRank{F: F, R: fac.Shape[1], Factor: narrow(fac.Data), Diag: diag}
	}
	known := map[string]bool{"feature_vectors": true, "bias": true, "firing_probabilities": true, "correlation_factor": true, "correlation_diag": true}
	for _, t := range ts {
		if !known[t.Name] && !strings.HasPrefix(t.Name, "coefficient_autotuner.") {
			warn = append(warn, fmt.Sprintf("unknown tensor %q ignored", t.Name))
		}
	}
	return p, warn, nil
}

func orMissing(err error, name string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("tensor %s is missing", name)
}

func sameShape(a []int, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func widen(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func narrow(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func dtypeOf(name string) string {
	switch name {
	case "float64":
		return store.DtypeF64
	case "float16":
		return store.DtypeF16
	case "bfloat16":
		return store.DtypeBF16
	}
	return store.DtypeF32
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("modeldir: %s is %d bytes: at most %d allowed", path, st.Size(), limit)
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("modeldir: %s: %w", path, err)
	}
	return b, nil
}

// nodeJSON is one hierarchy.json node (spec §7.3.3), keys in the written order.
type nodeJSON struct {
	FeatureIndex *int       `json:"feature_index"`
	ME           bool       `json:"mutually_exclusive_children"`
	Scale        bool       `json:"scale_children_by_parent"`
	FeatureID    *string    `json:"feature_id"`
	Children     []nodeJSON `json:"children"`
}

// nodeIn is nodeJSON as read: booleans and children may be missing, and the node API's "id"
// is accepted for feature_id.
type nodeIn struct {
	FeatureIndex *json.Number `json:"feature_index"`
	ME           *bool        `json:"mutually_exclusive_children"`
	Scale        *bool        `json:"scale_children_by_parent"`
	FeatureID    *string      `json:"feature_id"`
	ID           *string      `json:"id"`
	Children     []nodeIn     `json:"children"`
}

// MarshalHierarchy returns hierarchy.json for the forest: {"roots": [node, …]} with each node's
// keys in the order feature_index, mutually_exclusive_children, scale_children_by_parent,
// feature_id, children (leaves have "children": []).
func MarshalHierarchy(roots []*synth.Node) ([]byte, error) {
	var conv func(n *synth.Node) nodeJSON
	conv = func(n *synth.Node) nodeJSON {
		out := nodeJSON{ME: n.MutuallyExclusive, Scale: n.ScaleChildren, FeatureID: n.ID, Children: []nodeJSON{}}
		if n.Feature != synth.NoFeature {
			f := n.Feature
			out.FeatureIndex = &f
		}
		for _, c := range n.Children {
			out.Children = append(out.Children, conv(c))
		}
		return out
	}
	doc := struct {
		Roots []nodeJSON `json:"roots"`
	}{Roots: []nodeJSON{}}
	for _, r := range roots {
		doc.Roots = append(doc.Roots, conv(r))
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("modeldir: %s: %w", HierarchyFile, err)
	}
	return append(b, '\n'), nil
}

// UnmarshalHierarchy parses hierarchy.json. Missing booleans are false and missing children
// none; feature_index must be null or an integer (its range is checked against the model
// when the model is assembled).
func UnmarshalHierarchy(data []byte) ([]*synth.Node, error) {
	var doc struct {
		Roots []nodeIn `json:"roots"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("modeldir: %s: %w", HierarchyFile, err)
	}
	var conv func(n nodeIn) (*synth.Node, error)
	conv = func(n nodeIn) (*synth.Node, error) {
		out := &synth.Node{Feature: synth.NoFeature, ID: n.FeatureID}
		if out.ID == nil {
			out.ID = n.ID
		}
		if n.FeatureIndex != nil {
			v, err := n.FeatureIndex.Int64()
			if err != nil || v < 0 || v > synth.MaxFeatures {
				return nil, fmt.Errorf("modeldir: %s: feature_index = %s: must be null or an integer from 0 to %d", HierarchyFile, n.FeatureIndex.String(), synth.MaxFeatures)
			}
			out.Feature = int(v)
		}
		out.MutuallyExclusive = n.ME != nil && *n.ME
		out.ScaleChildren = n.Scale != nil && *n.Scale
		for _, c := range n.Children {
			cn, err := conv(c)
			if err != nil {
				return nil, err
			}
			out.Children = append(out.Children, cn)
		}
		return out, nil
	}
	roots := make([]*synth.Node, 0, len(doc.Roots))
	for _, r := range doc.Roots {
		n, err := conv(r)
		if err != nil {
			return nil, err
		}
		roots = append(roots, n)
	}
	return roots, nil
}
