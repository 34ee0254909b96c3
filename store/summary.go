package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Run kinds in summary.json.
const (
	KindToyModel = "toymodel"
	KindSAE      = "sae"
)

// Summary is summary.json: one entry per run of an experiment.
type Summary struct {
	Version string `json:"version"`
	Seed    uint64 `json:"seed"`
	// Command is the command that wrote the directory when it shapes the report (e.g.
	// "compare": best instances of every run and a cross-run table); omitted otherwise.
	Command string       `json:"command,omitempty"`
	Runs    []RunSummary `json:"runs"`
}

// RunSummary is one run. A toymodel run has exactly name, kind, steps, wall_seconds and
// final_loss; an sae run has name, kind, arch, resample, steps, wall_seconds,
// monosemantic_instances, mean_mmcs and instances (≥ 1), and optionally extra (run-level
// numbers such as mean_shrinkage_slope). WriteSummary and ReadSummary enforce this.
type RunSummary struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Arch        string  `json:"arch,omitempty"`
	Resample    string  `json:"resample,omitempty"`
	Steps       int     `json:"steps"`
	WallSeconds float64 `json:"wall_seconds"`
	// FinalLoss is for toymodel runs only.
	FinalLoss *float64 `json:"final_loss,omitempty"`
	// MonosemanticInstances, MeanMMCS and Instances are for sae runs only.
	MonosemanticInstances *int              `json:"monosemantic_instances,omitempty"`
	MeanMMCS              *float64          `json:"mean_mmcs,omitempty"`
	Instances             []InstanceSummary `json:"instances,omitempty"`
	// Extra holds further run-level numbers of an sae run (e.g. the instance means
	// mean_shrinkage_slope, mean_l2_ratio) and is omitted when empty.
	Extra map[string]float64 `json:"extra,omitempty"`
	// Status is empty for a finished run, else StatusFailed or StatusInterrupted, with the
	// reason in Error; such a run has no results.
	Status string `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Statuses of a run that did not finish.
const (
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted"
)

// Finished reports whether the run finished (and so has its results).
func (r RunSummary) Finished() bool { return r.Status == "" }

// InstanceSummary is one SAE instance of an sae run. Extra holds further named numbers (e.g.
// shrinkage's l2_ratio) and is omitted when empty.
type InstanceSummary struct {
	Index             int                `json:"index"`
	Loss              float64            `json:"loss"`
	LReconstruction   float64            `json:"l_reconstruction"`
	LSparsity         float64            `json:"l_sparsity"`
	L0                float64            `json:"l0"`
	DeadLatents       int                `json:"dead_latents"`
	MMCS              float64            `json:"mmcs"`
	RecoveredFeatures int                `json:"recovered_features"`
	Monosemantic      bool               `json:"monosemantic"`
	Extra             map[string]float64 `json:"extra,omitempty"`
}

// Float64 and Int return pointers, for the optional fields of RunSummary.
func Float64(v float64) *float64 { return &v }

// Int returns a pointer to v.
func Int(v int) *int { return &v }

// ValidateSummary checks the per-kind schema and that every number is finite (JSON has no NaN or
// Inf). Errors name the field, e.g. runs[1] ("sae-none").instances[0].mmcs.
func ValidateSummary(s Summary) error {
	if s.Version == "" {
		return fmt.Errorf("field version is empty")
	}
	for i, r := range s.Runs {
		at := fmt.Sprintf("runs[%d] (%q)", i, r.Name)
		if r.Name == "" {
			return fmt.Errorf("field runs[%d].name is empty", i)
		}
		if r.Steps < 0 {
			return fmt.Errorf("field %s.steps is %d", at, r.Steps)
		}
		if err := finite(at+".wall_seconds", r.WallSeconds); err != nil {
			return err
		}
		var err error
		switch {
		case r.Status == StatusFailed || r.Status == StatusInterrupted:
			err = validateUnfinishedRun(at, r)
		case r.Status != "":
			err = fmt.Errorf("field %s.status is %q, want %q, %q or none", at, r.Status, StatusFailed, StatusInterrupted)
		case r.Kind == KindToyModel:
			err = validateToyModelRun(at, r)
		case r.Kind == KindSAE:
			err = validateSAERun(at, r)
		default:
			err = fmt.Errorf("field %s.kind is %q, want %q or %q", at, r.Kind, KindToyModel, KindSAE)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// finite refuses NaN and ±Inf, which JSON cannot hold.
func finite(field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("field %s is %v; JSON cannot hold NaN or Inf", field, v)
	}
	return nil
}

// validateUnfinishedRun checks a run that failed or was interrupted: a reason, no results.
func validateUnfinishedRun(at string, r RunSummary) error {
	switch {
	case r.Kind != KindToyModel && r.Kind != KindSAE:
		return fmt.Errorf("field %s.kind is %q, want %q or %q", at, r.Kind, KindToyModel, KindSAE)
	case r.Error == "":
		return fmt.Errorf("field %s.error is missing on a %s run", at, r.Status)
	case r.FinalLoss != nil || r.MonosemanticInstances != nil || r.MeanMMCS != nil || len(r.Instances) > 0 || len(r.Extra) > 0:
		return fmt.Errorf("field %s holds results but its status is %s", at, r.Status)
	}
	return nil
}

// validateToyModelRun checks a toymodel run's fields.
func validateToyModelRun(at string, r RunSummary) error {
	switch {
	case r.Arch != "":
		return fmt.Errorf("field %s.arch is set on a toymodel run", at)
	case r.Resample != "":
		return fmt.Errorf("field %s.resample is set on a toymodel run", at)
	case r.MonosemanticInstances != nil:
		return fmt.Errorf("field %s.monosemantic_instances is set on a toymodel run", at)
	case r.MeanMMCS != nil:
		return fmt.Errorf("field %s.mean_mmcs is set on a toymodel run", at)
	case len(r.Instances) > 0:
		return fmt.Errorf("field %s.instances is set on a toymodel run", at)
	case len(r.Extra) > 0:
		return fmt.Errorf("field %s.extra is set on a toymodel run", at)
	case r.FinalLoss == nil:
		return fmt.Errorf("field %s.final_loss is missing on a toymodel run", at)
	}
	return finite(at+".final_loss", *r.FinalLoss)
}

// validateSAERun checks an sae run's fields and every instance's numbers.
func validateSAERun(at string, r RunSummary) error {
	switch {
	case r.FinalLoss != nil:
		return fmt.Errorf("field %s.final_loss is set on an sae run", at)
	case r.Arch == "":
		return fmt.Errorf("field %s.arch is missing on an sae run", at)
	case r.Resample == "":
		return fmt.Errorf("field %s.resample is missing on an sae run (use \"none\")", at)
	case r.MonosemanticInstances == nil:
		return fmt.Errorf("field %s.monosemantic_instances is missing on an sae run", at)
	case r.MeanMMCS == nil:
		return fmt.Errorf("field %s.mean_mmcs is missing on an sae run", at)
	case len(r.Instances) == 0:
		return fmt.Errorf("field %s.instances is missing or empty on an sae run", at)
	}
	if err := finite(at+".mean_mmcs", *r.MeanMMCS); err != nil {
		return err
	}
	if err := checkExtra(at, r.Extra); err != nil {
		return err
	}
	for j, in := range r.Instances {
		ia := fmt.Sprintf("%s.instances[%d]", at, j)
		for _, f := range []struct {
			name string
			v    float64
		}{{"loss", in.Loss}, {"l_reconstruction", in.LReconstruction}, {"l_sparsity", in.LSparsity},
			{"l0", in.L0}, {"mmcs", in.MMCS}} {
			if err := finite(ia+"."+f.name, f.v); err != nil {
				return err
			}
		}
		if err := checkExtra(ia, in.Extra); err != nil {
			return err
		}
	}
	return nil
}

// checkExtra checks an "extra" map of the object at: no empty key, every value finite.
func checkExtra(at string, extra map[string]float64) error {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" {
			return fmt.Errorf("field %s.extra has an empty key", at)
		}
		if v := extra[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("field %s.extra[%q] is %v; JSON cannot hold NaN or Inf", at, k, v)
		}
	}
	return nil
}

// EncodeSummary validates s and returns it as indented JSON with a trailing newline. A nil Runs
// is written as [].
func EncodeSummary(s Summary) ([]byte, error) {
	if err := ValidateSummary(s); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	if s.Runs == nil {
		s.Runs = []RunSummary{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	return b.Bytes(), nil
}

// WriteSummary validates s and writes it to path atomically as indented JSON.
func WriteSummary(path string, s Summary) error {
	data, err := EncodeSummary(s)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return WriteFileAtomic(path, data, 0o644)
}

// DecodeSummary parses summary JSON strictly (unknown fields and trailing data are errors) and
// validates it as WriteSummary does.
func DecodeSummary(data []byte) (Summary, error) {
	var s Summary
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Summary{}, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Summary{}, fmt.Errorf("unexpected data after the JSON object")
	}
	if err := ValidateSummary(s); err != nil {
		return Summary{}, err
	}
	return s, nil
}

// jsonError says what is wrong with a JSON file in its own terms, without Go types.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fmt.Errorf("field %s is a JSON %s, which is not allowed there", te.Field, te.Value)
	case errors.As(err, &se):
		return fmt.Errorf("not valid JSON at byte %d: %v", se.Offset, se.Error())
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the JSON ends too early")
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s", f)
	}
	return errors.New(strings.TrimPrefix(msg, "json: "))
}

// ReadSummary reads and validates a summary.json.
func ReadSummary(path string) (Summary, error) {
	data, err := readBounded(path)
	if err != nil {
		return Summary{}, fmt.Errorf("read %s: %w", path, err)
	}
	s, err := DecodeSummary(data)
	if err != nil {
		return Summary{}, fmt.Errorf("read %s: %w", path, err)
	}
	return s, nil
}
