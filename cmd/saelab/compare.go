package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"saelab/report"
	"saelab/sae"
	"saelab/store"
)

// CompareCommand is summary.json's "command" of a compare directory: its report animates the
// best instances of every run and opens with the comparison table.
const CompareCommand = "compare"

// CompareK is the k of BatchTopK and Matryoshka in compare: F·p = 5 × 0.025 = 0.125, the
// expected number of active features per sample of the seed model (saelab's choice: with
// d_sae 5 a k of 1 or more keeps far more latents than the data have active features).
const CompareK = 0.125

func init() {
	var out OutputFlags
	var archs []string
	cmd := &cobra.Command{
		Use:   "compare",
		Short: "Train every SAE architecture on the same toy model and compare them in one report",
		Long: `compare trains the SAE base model (16 instances, 5 features, d_hidden 2, p = 0.025, 5,000
steps) once, then one SAE per architecture on it (d_sae 5, 20,000 steps each), each with its
reference hyperparameters:

  standard    λ 0.2, simple resampling                      (ARENA ToySAE; the demo's sae-simple)
  gated       λ 1.0, advanced resampling, untied            (ARENA GatedToySAE reference run)
  jumprelu    λ 0.1, advanced resampling, tied, ε 0.01      (ARENA JumpReLUToySAE reference run)
  topk-k1     TopK k = 1, AuxK coefficient 1, no resampling (SAELens TopKTrainingSAE)
  topk-k2     TopK k = 2, AuxK coefficient 1, no resampling
  batchtopk   BatchTopK k = 0.125 (= F·p), AuxK 1, τ EMA 0.01 (SAELens BatchTopKTrainingSAE)
  matryoshka  Matryoshka BatchTopK k = 0.125, widths 1,2,5, AuxK 1

It writes a run directory (config.yaml, model.safetensors, sae-<run> and datalog-<run> files,
metrics.jsonl, summary.json with "command": "compare" and per run its instance means under
"extra", report.html) and prints one comparison line per run. The report opens with the
comparison table, animates the best 4 instances of every run (spec §6.6) with the reference's
rows, and draws the Figure-15 shrinkage scatter of every run's best instance.

--archs picks runs by name or architecture (e.g. --archs standard,gated,topk). Every
hyperparameter can be set in a --config file (see the config.yaml of a compare run, which
lists the runs under runs: with their overrides); the flags override it.`,
		Args: exactArgs(0),
	}
	b := NewConfigFlags(cmd, CompareConfig())
	AddCompareFlags(b)
	cmd.Flags().StringSliceVar(&archs, "archs", nil, "runs to train, by run name or architecture, comma-separated (default: all of "+strings.Join(CompareRunNames(), ",")+")")
	AddOutputFlags(cmd, &out)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := b.Resolve()
		if err != nil {
			return err
		}
		return RunCompare(c, archs, out, cmd.OutOrStdout())
	}
	rootCmd.AddCommand(cmd)
}

// AddCompareFlags binds compare's short list: one flag may set a field of both phases.
func AddCompareFlags(b *ConfigFlags) {
	Int(b, "n-inst", "instances of the toy model and the SAEs",
		func(c *Config) *int { return &c.Model.NInst }, func(c *Config) *int { return &c.SAE.NInst })
	Int(b, "model-steps", "toy-model training steps", func(c *Config) *int { return &c.ModelTrain.Steps })
	Int(b, "sae-steps", "SAE training steps (each run)", func(c *Config) *int { return &c.SAETrain.Steps })
	Int(b, "batch-size", "batch size of every training phase",
		func(c *Config) *int { return &c.ModelTrain.BatchSize }, func(c *Config) *int { return &c.SAETrain.BatchSize })
	Int(b, "log-freq", "log frequency of every training phase (the SAE data log; the toy model's default is 50)",
		func(c *Config) *int { return &c.SAETrain.LogFreq }, func(c *Config) *int { return &c.ModelTrain.LogFreq })
}

// CompareConfig is the demo's toy model and SAE training (20,000 steps, d_sae 5) with one run
// per architecture. Each run states its architecture's hyperparameters explicitly, so the
// config.yaml of a compare directory documents them (and the shared sae section only supplies
// what every architecture leaves at its default: d_sae, eps, ste_epsilon, dead_feature_window,
// topk_threshold_lr, ...).
func CompareConfig() Config {
	c := DemoConfig()
	k := strconv.FormatFloat(CompareK, 'g', -1, 64)
	c.Runs = []RunSpec{
		{Name: "standard", SAE: yamlMapKV("arch", "standard", "sparsity_coeff", "0.2", "tied_weights", "false"),
			SAETrain: yamlMapKV("resample_method", "simple")},
		{Name: "gated", SAE: yamlMapKV("arch", "gated", "sparsity_coeff", "1.0", "tied_weights", "false"),
			SAETrain: yamlMapKV("resample_method", "advanced")},
		{Name: "jumprelu", SAE: yamlMapKV("arch", "jumprelu", "sparsity_coeff", "0.1", "tied_weights", "true"),
			SAETrain: yamlMapKV("resample_method", "advanced")},
		{Name: "topk-k1", SAE: yamlMapKV("arch", "topk", "k", "1", "aux_k_coeff", "1"),
			SAETrain: yamlMapKV("resample_method", "none")},
		{Name: "topk-k2", SAE: yamlMapKV("arch", "topk", "k", "2", "aux_k_coeff", "1"),
			SAETrain: yamlMapKV("resample_method", "none")},
		{Name: "batchtopk", SAE: yamlMapKV("arch", "batchtopk", "k", k, "aux_k_coeff", "1"),
			SAETrain: yamlMapKV("resample_method", "none")},
		{Name: "matryoshka", SAE: yamlMapKV("arch", "matryoshka", "k", k, "aux_k_coeff", "1"),
			SAETrain: yamlMapKV("resample_method", "none")},
	}
	return c
}

// CompareRunNames lists the default compare runs.
func CompareRunNames() []string {
	var names []string
	for _, r := range CompareConfig().Runs {
		names = append(names, r.Name)
	}
	return names
}

// yamlMapKV builds the flow mapping node {k1: v1, k2: v2, ...}.
func yamlMapKV(kv ...string) yaml.Node {
	n := yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	for k := 0; k+1 < len(kv); k += 2 {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: kv[k]}, &yaml.Node{Kind: yaml.ScalarNode, Value: kv[k+1]})
	}
	return n
}

// selectRuns keeps the runs named by sel (a run name, or an architecture for all its runs), in
// the config's order. An entry that matches nothing is an error listing what is available.
func selectRuns(runs []SAERunConfig, sel []string) ([]SAERunConfig, error) {
	if len(sel) == 0 {
		return runs, nil
	}
	var names []string
	for _, r := range runs {
		names = append(names, r.Name)
	}
	keep := map[string]bool{}
	for _, s := range sel {
		s = strings.TrimSpace(s)
		found := false
		for _, r := range runs {
			if r.Name == s || r.SAE.Arch == s {
				keep[r.Name], found = true, true
			}
		}
		if !found {
			return nil, usageError{fmt.Errorf("--archs %s: no run is named %q or has that architecture; the runs are %s", strings.Join(sel, ","), s, strings.Join(names, ", "))}
		}
	}
	var out []SAERunConfig
	for _, r := range runs {
		if keep[r.Name] {
			out = append(out, r)
		}
	}
	return out, nil
}

// RunCompare runs a resolved compare config: everything is validated before the run directory
// is made; then the toy model, each architecture's SAE in turn, the comparison table and the
// report.
func RunCompare(c Config, archs []string, out OutputFlags, w io.Writer) error {
	if c.ModelPath != "" {
		return fmt.Errorf("model_path = %q: compare trains its own toy model", c.ModelPath)
	}
	m, err := c.ResolveModel()
	if err != nil {
		return err
	}
	runs, err := c.ResolveSAERuns(c.Model.NInst, c.Model.DHidden)
	if err != nil {
		return err
	}
	if runs, err = selectRuns(runs, archs); err != nil {
		return err
	}
	if len(c.Runs) > 0 { // config.yaml lists exactly the runs trained
		c.Runs = slices.DeleteFunc(c.Runs, func(r RunSpec) bool {
			return !slices.ContainsFunc(runs, func(rc SAERunConfig) bool { return rc.Name == r.Name })
		})
	}
	stdout := w
	if out.Quiet {
		w = io.Discard
	}
	d, err := CreateRunDir(out.Out, "compare", c.Seed)
	if err != nil {
		return err
	}
	d.Summary.Command = CompareCommand
	fmt.Fprintf(w, "run directory: %s\n", d.Path)
	if err := d.WriteConfig(c, SecSeed, SecModel, SecModelTrain, SecSAE, SecSAETrain, SecRuns); err != nil {
		return err
	}
	prog := NewProgress(out.Quiet)
	mr, err := TrainModel(m, c.ModelTrain, c.Seed, prog)
	if err != nil {
		return incomplete(d, err)
	}
	PrintModelResult(w, mr)
	frozen, err := d.SaveModel(mr, c.Model)
	if err != nil {
		return incomplete(d, err)
	}
	settings := map[string]string{}
	for _, rc := range runs {
		r, err := d.TrainSAE(frozen, rc, c.Seed, prog)
		if err != nil {
			return incomplete(d, err)
		}
		r.RunExtra = RunMeans(r.RunSummary())
		PrintSAEResult(w, r)
		if err := d.SaveSAERun(r); err != nil {
			return incomplete(d, err)
		}
		settings[rc.Name] = DescribeRun(rc.SAE, rc.Train)
	}
	fmt.Fprintln(w)
	PrintComparison(w, ComparisonRows(d.Summary, settings))
	return finishReport(d, out.Quiet, stdout)
}

// RunMeans are the run-level numbers summary.json keeps under an sae run's "extra" in a compare
// directory: the instance means mean_l0, mean_l_reconstruction, mean_dead_latents,
// mean_explained_variance, mean_l2_ratio and mean_shrinkage_slope (the last three over the
// instances that have them; left out when none has).
func RunMeans(rs store.RunSummary) map[string]float64 {
	out := map[string]float64{}
	n := float64(len(rs.Instances))
	if n == 0 {
		return nil
	}
	for _, in := range rs.Instances {
		out["mean_l0"] += in.L0 / n
		out["mean_l_reconstruction"] += in.LReconstruction / n
		out["mean_dead_latents"] += float64(in.DeadLatents) / n
	}
	for _, key := range []string{"explained_variance", "l2_ratio", "shrinkage_slope"} {
		if v := meanExtra(rs, key); !math.IsNaN(v) {
			out["mean_"+key] = v
		}
	}
	return out
}

// meanExtra is the mean of the instances' extra[key] over the instances that have it (NaN if
// none has).
func meanExtra(rs store.RunSummary, key string) float64 {
	var sum float64
	n := 0
	for _, in := range rs.Instances {
		if v, ok := in.Extra[key]; ok {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// ComparisonRows are the comparison table's rows, one per sae run of sum, recomputed from the
// instances (so a directory without run-level means renders too). settings maps a run name to
// its DescribeRun text.
func ComparisonRows(sum store.Summary, settings map[string]string) []report.ComparisonRow {
	var rows []report.ComparisonRow
	for _, rs := range sum.Runs {
		if rs.Kind != store.KindSAE {
			continue
		}
		row := report.ComparisonRow{Name: rs.Name, Arch: rs.Arch, Resample: rs.Resample, Settings: settings[rs.Name],
			NInst: len(rs.Instances), WallSeconds: rs.WallSeconds,
			ExplainedVariance: meanExtra(rs, "explained_variance"), L2Ratio: meanExtra(rs, "l2_ratio"),
			ShrinkageSlope: meanExtra(rs, "shrinkage_slope")}
		if rs.MonosemanticInstances != nil {
			row.MonosemanticInstances = *rs.MonosemanticInstances
		}
		n := float64(len(rs.Instances))
		for _, in := range rs.Instances {
			row.L0 += in.L0 / n
			row.LReconstruction += in.LReconstruction / n
			row.MMCS += in.MMCS / n
			row.DeadLatents += float64(in.DeadLatents) / n
		}
		rows = append(rows, row)
	}
	return rows
}

// DescribeRun is a short text of the hyperparameters that set a run apart: λ for the L1/L0
// architectures, k (and the Matryoshka widths) and the AuxK coefficient for the TopK family,
// tied weights, and the resampling method when there is one.
func DescribeRun(c sae.Config, tc sae.TrainConfig) string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	var parts []string
	switch c.Arch {
	case "standard", "gated", "jumprelu":
		parts = append(parts, "λ "+num(c.SparsityCoeff))
	case "topk", "batchtopk", "matryoshka":
		parts = append(parts, "k "+num(c.K))
		if c.Arch == "matryoshka" {
			ws := make([]string, 0, len(c.Widths()))
			for _, w := range c.Widths() {
				ws = append(ws, strconv.Itoa(w))
			}
			parts = append(parts, "widths "+strings.Join(ws, ","))
		}
		if c.AuxKCoeff > 0 {
			parts = append(parts, "aux-k "+num(c.AuxKCoeff))
		} else {
			parts = append(parts, "no aux-k")
		}
	}
	if c.TiedWeights {
		parts = append(parts, "tied")
	}
	if tc.Resample != "" && tc.Resample != "none" {
		parts = append(parts, "resample "+tc.Resample)
	}
	return strings.Join(parts, " · ")
}

// PrintComparison prints the comparison table, one line per run.
func PrintComparison(w io.Writer, rows []report.ComparisonRow) {
	nameW, setW := len("run"), len("settings")
	for _, r := range rows {
		nameW = max(nameW, len(r.Name))
		setW = max(setW, len([]rune(r.Settings)))
	}
	f := func(v float64, prec int) string {
		if math.IsNaN(v) {
			return "–"
		}
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	fmt.Fprintf(w, "%-*s  %-10s  %-*s  %6s  %10s  %6s  %6s  %5s  %5s  %6s  %6s  %7s\n", nameW, "run", "arch", setW, "settings",
		"L0", "L_rec", "EV", "MMCS", "mono", "dead", "slope", "l2", "wall")
	for _, r := range rows {
		mono := fmt.Sprintf("%d/%d", r.MonosemanticInstances, r.NInst)
		set := r.Settings + strings.Repeat(" ", setW-len([]rune(r.Settings)))
		fmt.Fprintf(w, "%-*s  %-10s  %s  %6s  %10.4g  %6s  %6s  %5s  %5s  %6s  %6s  %6.1fs\n", nameW, r.Name, r.Arch, set,
			f(r.L0, 4), r.LReconstruction, f(r.ExplainedVariance, 3), f(r.MMCS, 4), mono, f(r.DeadLatents, 2),
			f(r.ShrinkageSlope, 3), f(r.L2Ratio, 3), r.WallSeconds)
	}
}
