package modeldir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"saelab/synth"
)

// MarshalConfig returns synthetic_model_config.json for c: SAELens's to_dict (spec §7.1) with
// its keys in serialisation order, indented by 2, floats written as Python writes them (1.0,
// 0.0005, 1e-05). Non-finite numbers are an error.
func MarshalConfig(c synth.Config) ([]byte, error) {
	o := ordered{
		{"num_features", c.NumFeatures},
		{"hidden_dim", c.HiddenDim},
		{"firing_probability", probabilityJSON(c.FiringProbability)},
		{"hierarchy", hierarchyConfigJSON(c.Hierarchy)},
		{"orthogonalization", nil},
		{"correlation", nil},
		{"std_firing_magnitudes", magnitudeJSON(c.StdMagnitudes)},
		{"mean_firing_magnitudes", magnitudeJSON(c.MeanMagnitudes)},
		{"bias", pyFloat(c.Bias)},
		{"dtype", c.DType},
		{"seed", nil},
	}
	if oc := c.Orthogonalization; oc != nil {
		o[4].v = ordered{{"num_steps", oc.NumSteps}, {"lr", pyFloat(oc.LR)}, {"chunk_size", oc.ChunkSize}}
	}
	if cc := c.Correlation; cc != nil {
		var seed any
		if cc.Seed != nil {
			seed = *cc.Seed
		}
		o[5].v = ordered{{"rank", cc.Rank}, {"correlation_scale", pyFloat(cc.Scale)}, {"seed", seed}}
	}
	if c.Seed != nil {
		o[10].v = *c.Seed
	}
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("modeldir: %s: %w", ConfigFile, err)
	}
	return append(b, '\n'), nil
}

func probabilityJSON(p synth.ProbabilityConfig) ordered {
	switch p.Generator {
	case synth.Zipfian:
		return ordered{{"exponent", pyFloat(p.Exponent)}, {"max_prob", pyFloat(p.MaxProb)}, {"min_prob", pyFloat(p.MinProb)}, {"generator_name", p.Generator}}
	case synth.Linear, synth.Random:
		return ordered{{"max_prob", pyFloat(p.MaxProb)}, {"min_prob", pyFloat(p.MinProb)}, {"generator_name", p.Generator}}
	}
	return ordered{{"probability", pyFloat(p.Probability)}, {"generator_name", p.Generator}}
}

func magnitudeJSON(m synth.Magnitude) any {
	opt := func(p *float64) any {
		if p == nil {
			return nil
		}
		return pyFloat(*p)
	}
	switch m.Generator {
	case "":
		return pyFloat(m.Value)
	case synth.Constant:
		return ordered{{"value", pyFloat(m.Value)}, {"generator_name", m.Generator}}
	case synth.Linear, synth.Exponential:
		return ordered{{"start", pyFloat(m.Start)}, {"end", pyFloat(m.End)}, {"generator_name", m.Generator}}
	}
	return ordered{{"mean", pyFloat(m.Mean)}, {"std", pyFloat(m.Std)}, {"min_value", opt(m.Min)}, {"max_value", opt(m.Max)}, {"generator_name", m.Generator}}
}

func hierarchyConfigJSON(h *synth.HierarchyConfig) any {
	if h == nil {
		return nil
	}
	var branching any = h.Branching[0]
	if h.BranchingRange {
		branching = []int{h.Branching[0], h.Branching[1]}
	}
	var meMax any
	if h.MEMaxDepth != nil {
		meMax = *h.MEMaxDepth
	}
	return ordered{
		{"total_root_nodes", h.TotalRootNodes},
		{"branching_factor", branching},
		{"max_depth", h.MaxDepth},
		{"mutually_exclusive_portion", pyFloat(h.MEPortion)},
		{"mutually_exclusive_min_depth", h.MEMinDepth},
		{"mutually_exclusive_max_depth", meMax},
		{"compensate_probabilities", h.CompensateProbabilities},
		{"scale_children_by_parent", h.ScaleChildrenByParent},
	}
}

// ordered is a JSON object that keeps its keys in the given order.
type ordered []kv

type kv struct {
	k string
	v any
}

// MarshalJSON writes the object with its keys in order.
func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.k, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// pyFloat is a float written as Python's repr writes it: the shortest round-tripping digits,
// in positional form with a ".0" for integral values when the exponent is in [−4, 16), in
// exponent form (1e-05, 1e+16) otherwise.
type pyFloat float64

func (f pyFloat) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil, fmt.Errorf("non-finite number %g cannot be written", x)
	}
	e := strconv.FormatFloat(x, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return []byte(e), nil
	}
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return []byte(s), nil
}

// UnmarshalConfig parses synthetic_model_config.json with the tolerant rules of spec §7.1:
// unknown keys are ignored with a warning; the pre-release keys feature_dict_bias (a bool,
// meaning bias), device and use_sparse_tensors are accepted; missing optional keys take their
// defaults (a missing hierarchy.scale_children_by_parent is false); a magnitude is a config
// when it is a JSON object and a plain number otherwise. The result is validated.
func UnmarshalConfig(data []byte) (synth.Config, []string, error) {
	var warn []string
	top, err := object(data, "the config")
	if err != nil {
		return synth.Config{}, nil, err
	}
	d := &decoder{obj: top, warn: &warn}
	c := synth.DefaultConfig(0, 0)
	if c.NumFeatures, err = d.int("num_features", true, 0); err != nil {
		return c, nil, err
	}
	if c.HiddenDim, err = d.int("hidden_dim", true, 0); err != nil {
		return c, nil, err
	}
	if raw, ok := d.take("firing_probability"); ok && !isNull(raw) {
		if c.FiringProbability, err = parseProbability(raw, &warn); err != nil {
			return c, nil, err
		}
	}
	if raw, ok := d.take("hierarchy"); ok && !isNull(raw) {
		if c.Hierarchy, err = parseHierarchyConfig(raw, &warn); err != nil {
			return c, nil, err
		}
	}
	if raw, ok := d.take("orthogonalization"); ok && !isNull(raw) {
		if c.Orthogonalization, err = parseOrthogonalization(raw, &warn); err != nil {
			return c, nil, err
		}
	}
	if raw, ok := d.take("correlation"); ok && !isNull(raw) {
		if c.Correlation, err = parseCorrelation(raw, &warn); err != nil {
			return c, nil, err
		}
	}
	for _, m := range []struct {
		key string
		dst *synth.Magnitude
	}{{"std_firing_magnitudes", &c.StdMagnitudes}, {"mean_firing_magnitudes", &c.MeanMagnitudes}} {
		if raw, ok := d.take(m.key); ok {
			if *m.dst, err = parseMagnitude(m.key, raw, &warn); err != nil {
				return c, nil, err
			}
		}
	}
	if raw, ok := d.take("bias"); ok {
		if c.Bias, err = parseBias("bias", raw); err != nil {
			return c, nil, err
		}
	} else if raw, ok := d.take("feature_dict_bias"); ok { // pre-release name
		if c.Bias, err = parseBias("feature_dict_bias", raw); err != nil {
			return c, nil, err
		}
	}
	d.take("feature_dict_bias") // ignored when bias is present
	if raw, ok := d.take("dtype"); ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &c.DType); err != nil {
			return c, nil, typeErr("dtype", raw, "a string")
		}
	}
	if c.Seed, err = d.optInt("seed"); err != nil {
		return c, nil, err
	}
	d.take("device") // pre-release keys, accepted and ignored
	d.take("use_sparse_tensors")
	d.unknown("")
	if err := c.Validate(); err != nil {
		return c, nil, err
	}
	return c, warn, nil
}

func parseProbability(raw json.RawMessage, warn *[]string) (synth.ProbabilityConfig, error) {
	const f = "firing_probability"
	obj, err := object(raw, f)
	if err != nil {
		return synth.ProbabilityConfig{}, err
	}
	d := &decoder{obj: obj, warn: warn, prefix: f + "."}
	name, err := d.str("generator_name", synth.Zipfian)
	if err != nil {
		return synth.ProbabilityConfig{}, err
	}
	p := synth.DefaultProbability(name)
	for _, x := range []struct {
		key string
		dst *float64
	}{{"exponent", &p.Exponent}, {"max_prob", &p.MaxProb}, {"min_prob", &p.MinProb}, {"probability", &p.Probability}} {
		if *x.dst, err = d.float(x.key, *x.dst); err != nil {
			return p, err
		}
	}
	d.unknown(f)
	return p, nil
}

func parseMagnitude(field string, raw json.RawMessage, warn *[]string) (synth.Magnitude, error) {
	if len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] != '{' {
		v, err := number(field, raw)
		return synth.ConstantMagnitude(v), err
	}
	obj, err := object(raw, field)
	if err != nil {
		return synth.Magnitude{}, err
	}
	d := &decoder{obj: obj, warn: warn, prefix: field + "."}
	var m synth.Magnitude
	if m.Generator, err = d.str("generator_name", ""); err != nil {
		return m, err
	}
	switch m.Generator { // the generator's own defaults; other fields stay 0
	case synth.Constant:
		m.Value = 1
	case synth.FoldedNormal:
		m.Std = 0.1
	}
	if m.Generator == "" {
		return m, fmt.Errorf("modeldir: %s.generator_name is missing: must be one of constant, linear, exponential, folded_normal", field)
	}
	if (m.Generator == synth.Linear || m.Generator == synth.Exponential) && (!d.has("start") || !d.has("end")) {
		return m, fmt.Errorf("modeldir: %s: a %s magnitude needs start and end", field, m.Generator)
	}
	for _, x := range []struct {
		key string
		dst *float64
	}{{"value", &m.Value}, {"start", &m.Start}, {"end", &m.End}, {"mean", &m.Mean}, {"std", &m.Std}} {
		if *x.dst, err = d.float(x.key, *x.dst); err != nil {
			return m, err
		}
	}
	if m.Min, err = d.optFloat("min_value"); err != nil {
		return m, err
	}
	if m.Max, err = d.optFloat("max_value"); err != nil {
		return m, err
	}
	d.unknown(field)
	return m, nil
}

func parseHierarchyConfig(raw json.RawMessage, warn *[]string) (*synth.HierarchyConfig, error) {
	const f = "hierarchy"
	obj, err := object(raw, f)
	if err != nil {
		return nil, err
	}
	d := &decoder{obj: obj, warn: warn, prefix: f + "."}
	h := synth.DefaultHierarchy()
	if h.TotalRootNodes, err = d.int("total_root_nodes", false, h.TotalRootNodes); err != nil {
		return nil, err
	}
	if b, ok := d.take("branching_factor"); ok {
		if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
			var pair []json.RawMessage
			if json.Unmarshal(b, &pair) != nil || len(pair) != 2 {
				return nil, typeErr(f+".branching_factor", b, "an integer or a list [min, max]")
			}
			for i := range pair {
				if h.Branching[i], err = integer(f+".branching_factor", pair[i]); err != nil {
					return nil, err
				}
			}
			h.BranchingRange = true
		} else {
			v, err := integer(f+".branching_factor", b)
			if err != nil {
				return nil, err
			}
			h.Branching = [2]int{v, v}
		}
	}
	if h.MaxDepth, err = d.int("max_depth", false, h.MaxDepth); err != nil {
		return nil, err
	}
	if h.MEPortion, err = d.float("mutually_exclusive_portion", h.MEPortion); err != nil {
		return nil, err
	}
	if h.MEMinDepth, err = d.int("mutually_exclusive_min_depth", false, h.MEMinDepth); err != nil {
		return nil, err
	}
	if mx, err := d.optInt("mutually_exclusive_max_depth"); err != nil {
		return nil, err
	} else if mx != nil {
		v := int(*mx)
		h.MEMaxDepth = &v
	}
	if h.CompensateProbabilities, err = d.bool("compensate_probabilities"); err != nil {
		return nil, err
	}
	if h.ScaleChildrenByParent, err = d.bool("scale_children_by_parent"); err != nil {
		return nil, err
	}
	d.unknown(f)
	return h, nil
}

func parseOrthogonalization(raw json.RawMessage, warn *[]string) (*synth.OrthogonalizationConfig, error) {
	const f = "orthogonalization"
	obj, err := object(raw, f)
	if err != nil {
		return nil, err
	}
	d := &decoder{obj: obj, warn: warn, prefix: f + "."}
	o := synth.DefaultOrthogonalization()
	if o.NumSteps, err = d.int("num_steps", false, o.NumSteps); err != nil {
		return nil, err
	}
	if o.LR, err = d.float("lr", o.LR); err != nil {
		return nil, err
	}
	if o.ChunkSize, err = d.int("chunk_size", false, o.ChunkSize); err != nil {
		return nil, err
	}
	d.unknown(f)
	return o, nil
}

func parseCorrelation(raw json.RawMessage, warn *[]string) (*synth.CorrelationConfig, error) {
	const f = "correlation"
	obj, err := object(raw, f)
	if err != nil {
		return nil, err
	}
	d := &decoder{obj: obj, warn: warn, prefix: f + "."}
	c := synth.DefaultCorrelation()
	if c.Rank, err = d.int("rank", false, c.Rank); err != nil {
		return nil, err
	}
	if c.Scale, err = d.float("correlation_scale", c.Scale); err != nil {
		return nil, err
	}
	if c.Seed, err = d.optInt("seed"); err != nil {
		return nil, err
	}
	d.unknown(f)
	return c, nil
}

func parseBias(field string, raw json.RawMessage) (float64, error) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if b {
			return 1, nil
		}
		return 0, nil
	}
	return number(field, raw)
}

// decoder takes the keys of one JSON object, so that the ones left over can be reported.
type decoder struct {
	obj    map[string]json.RawMessage
	warn   *[]string
	prefix string
}

func (d *decoder) take(key string) (json.RawMessage, bool) {
	v, ok := d.obj[key]
	delete(d.obj, key)
	return v, ok
}

func (d *decoder) has(key string) bool { _, ok := d.obj[key]; return ok }

// unknown warns about the keys nobody took.
func (d *decoder) unknown(where string) {
	var keys []string
	for k := range d.obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if where == "" {
			*d.warn = append(*d.warn, fmt.Sprintf("%s: unknown key %q ignored", ConfigFile, k))
		} else {
			*d.warn = append(*d.warn, fmt.Sprintf("%s: unknown key %q in %s ignored", ConfigFile, k, where))
		}
	}
}

func (d *decoder) int(key string, required bool, def int) (int, error) {
	raw, ok := d.take(key)
	if !ok || isNull(raw) {
		if required {
			return 0, fmt.Errorf("modeldir: %s%s is missing: it is required", d.prefix, key)
		}
		return def, nil
	}
	return integer(d.prefix+key, raw)
}

func (d *decoder) optInt(key string) (*int64, error) {
	raw, ok := d.take(key)
	if !ok || isNull(raw) {
		return nil, nil
	}
	v, err := int64Value(d.prefix+key, raw)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func (d *decoder) float(key string, def float64) (float64, error) {
	raw, ok := d.take(key)
	if !ok || isNull(raw) {
		return def, nil
	}
	return number(d.prefix+key, raw)
}

func (d *decoder) optFloat(key string) (*float64, error) {
	raw, ok := d.take(key)
	if !ok || isNull(raw) {
		return nil, nil
	}
	v, err := number(d.prefix+key, raw)
	return &v, err
}

func (d *decoder) bool(key string) (bool, error) {
	raw, ok := d.take(key)
	if !ok || isNull(raw) {
		return false, nil
	}
	var b bool
	if json.Unmarshal(raw, &b) != nil {
		return false, typeErr(d.prefix+key, raw, "true or false")
	}
	return b, nil
}

func (d *decoder) str(key, def string) (string, error) {
	raw, ok := d.take(key)
	if !ok || isNull(raw) {
		return def, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", typeErr(d.prefix+key, raw, "a string")
	}
	return s, nil
}

func object(raw json.RawMessage, what string) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("modeldir: %s: want a JSON object: %v", what, shorten(raw))
	}
	return obj, nil
}

func number(field string, raw json.RawMessage) (float64, error) {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return 0, typeErr(field, raw, "a number")
	}
	v, err := n.Float64()
	if err != nil {
		return 0, typeErr(field, raw, "a finite number")
	}
	return v, nil
}

func int64Value(field string, raw json.RawMessage) (int64, error) {
	v, err := number(field, raw)
	if err != nil {
		return 0, err
	}
	if v != math.Trunc(v) || math.Abs(v) > 1<<62 {
		return 0, typeErr(field, raw, fmt.Sprintf("an integer of magnitude at most %d", int64(1)<<62))
	}
	return int64(v), nil
}

func integer(field string, raw json.RawMessage) (int, error) {
	v, err := int64Value(field, raw)
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, typeErr(field, raw, "an integer that fits in 32 bits")
	}
	return int(v), nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func typeErr(field string, raw json.RawMessage, want string) error {
	return fmt.Errorf("modeldir: %s = %s: must be %s", field, shorten(raw), want)
}

func shorten(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}
