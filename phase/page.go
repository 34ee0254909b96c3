package phase

import (
	"time"

	"go.yaml.in/yaml/v3"

	"saelab/report"
)

// PageOptions are what the report page shows besides the result.
type PageOptions struct {
	Title, Version string
	Generated      time.Time // zero means now
	// ConfigYAML is the config as the user gave it; empty means the result's config in YAML.
	ConfigYAML string
}

// Page is the result as the report's phase-diagram page input: the maps, the theory's
// boundaries and triple point, the agreement with theory and, for a complete result, the
// expected-outcome checks.
func (r *Result) Page(o PageOptions) (report.PhaseDiagram, error) {
	e := r.Config.Exp()
	cfgText := o.ConfigYAML
	if cfgText == "" {
		b, err := yaml.Marshal(r.Config)
		if err != nil {
			return report.PhaseDiagram{}, err
		}
		cfgText = string(b)
	}
	N := r.Config.Grid
	in := report.PhaseDiagram{
		Title: o.Title, Version: o.Version, Seed: r.Config.Seed, Generated: o.Generated, ConfigYAML: cfgText,
		NFeatures: e.Features(), DHidden: e.Hidden(), Aggregate: r.Config.Aggregate, R: r.R, P: r.P,
		Cells: make([]report.PhaseCell, N*N), TripleR: TripleR, TripleP: TripleS,
	}
	for _, c := range Boundaries(e, r.R[0], r.R[N-1], r.P[0], 120) {
		in.Boundaries = append(in.Boundaries, report.PhaseCurve{Name: c.Name, R: c.R, P: c.P})
	}
	for k := range in.Cells { // cells the result does not hold show the theory only
		lab, name := TheoryLabel(e, r.R[k%N], r.P[k/N])
		in.Cells[k] = report.PhaseCell{Label: string(lab), Config: name, Theory: string(lab), TheoryConfig: name}
	}
	for _, c := range r.Cells {
		a := c.Aggregate
		pc := report.PhaseCell{Label: string(a.Label), Config: a.Config, Theory: string(a.Theory), TheoryConfig: a.TheoryConfig,
			NBar: a.NBar, SigmaBar: a.SigmaBar, SameSign: a.SameSign}
		for _, it := range c.Instances {
			pc.Instances = append(pc.Instances, report.PhaseInstance{W: it.W, B: it.B, Loss: it.Loss, Weight: it.Weight, Label: string(it.Label)})
		}
		in.Cells[c.Index] = pc
	}
	for _, a := range r.Agreement() {
		pa := report.PhaseAgreement{Theory: string(a.Theory), Cells: a.Cells, Agree: a.Agree, ByLabel: map[string]int{}}
		for l, n := range a.ByLabel {
			pa.ByLabel[string(l)] = n
		}
		in.Agreement = append(in.Agreement, pa)
	}
	if r.Complete() {
		oc, err := r.Outcomes()
		if err != nil {
			return report.PhaseDiagram{}, err
		}
		for _, o := range oc {
			in.Outcomes = append(in.Outcomes, report.PhaseOutcome{Item: o.Item, Text: o.Text, Detail: o.Detail, Pass: o.Pass})
		}
	}
	return in, nil
}

// WriteReport writes the result's report page (report.WritePhaseDiagram) to path atomically.
func (r *Result) WriteReport(path string, o PageOptions) error {
	in, err := r.Page(o)
	if err != nil {
		return err
	}
	return report.WritePhaseDiagram(path, in)
}
