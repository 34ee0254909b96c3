package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"saelab/internal/vec"
	"saelab/sae"
	"saelab/toymodel"
)

// Phase is one timed training loop of a configuration.
type Phase struct {
	Name     string // "toy model", "SAE none", "SAE simple"
	Steps    int    // saelab's steps
	Torch    string // bench.py's phase ("toymodel" or "sae")
	Resample string // bench.py's --resample for SAE phases
}

// Config is one configuration: a toy model shape and the phases run on it.
type Config struct {
	Name       string
	I, F, H    int
	P          float64
	ImpBase    float64 // importance imp^f; 0 for 1
	DSAE       int
	ToySteps   int     // toy-model training before the SAE phases (untimed when not a phase)
	Phases     []Phase // in order; a "toy model" phase is the toy training itself
	TorchName  string  // bench.py --config
	TorchSteps int
	TorchToy   int // bench.py --toy-steps (untimed toy training before its SAE phase)
}

// Configs returns the five configurations; quick shortens every run about tenfold.
func Configs(quick bool) []Config {
	q := func(full, short int) int {
		if quick {
			return short
		}
		return full
	}
	return []Config{
		{Name: "1 seed toy model", I: 16, F: 5, H: 2, P: 0.025, ToySteps: q(5000, 1000),
			Phases:    []Phase{{Name: "toy model", Steps: q(5000, 1000), Torch: "toymodel"}},
			TorchName: "seed", TorchSteps: q(300, 100), TorchToy: 0},
		{Name: "2 seed SAE none", I: 16, F: 5, H: 2, P: 0.025, DSAE: 5, ToySteps: 5000,
			Phases:    []Phase{{Name: "SAE none", Steps: q(20000, 4000), Torch: "sae", Resample: "none"}},
			TorchName: "seed", TorchSteps: q(300, 100), TorchToy: 200},
		{Name: "3 seed SAE simple", I: 16, F: 5, H: 2, P: 0.025, DSAE: 5, ToySteps: 5000,
			Phases:    []Phase{{Name: "SAE simple", Steps: q(20000, 4000), Torch: "sae", Resample: "simple"}},
			TorchName: "seed", TorchSteps: q(300, 100), TorchToy: 200},
		{Name: "4 dense", I: 8, F: 100, H: 20, P: 0.5, ImpBase: 0.9, DSAE: 200, ToySteps: q(1000, 100),
			Phases:    []Phase{{Name: "toy model", Steps: q(1000, 100), Torch: "toymodel"}, {Name: "SAE none", Steps: q(1000, 100), Torch: "sae", Resample: "none"}},
			TorchName: "dense", TorchSteps: q(30, 10), TorchToy: 20},
		{Name: "5 wide", I: 4, F: 512, H: 64, P: 0.01, DSAE: 1024, ToySteps: q(1000, 100),
			Phases:    []Phase{{Name: "toy model", Steps: q(1000, 100), Torch: "toymodel"}, {Name: "SAE none", Steps: q(2000, 200), Torch: "sae", Resample: "none"}},
			TorchName: "wide", TorchSteps: q(10, 4), TorchToy: 10},
	}
}

// Result is one phase's measurement, as a child prints it (one JSON line per phase).
type Result struct {
	Config    string  `json:"config"`
	Phase     string  `json:"phase"`
	Steps     int     `json:"steps"`
	MsPerStep float64 `json:"ms_per_step"`
}

func (c Config) model(seed uint64) (*toymodel.Model, error) {
	imp := toymodel.Values{}
	if c.ImpBase > 0 {
		v := make([]float64, c.F)
		for f := range v {
			v[f] = math.Pow(c.ImpBase, float64(f))
		}
		imp = toymodel.PerFeature(v)
	}
	return toymodel.New(toymodel.Config{NInst: c.I, NFeatures: c.F, DHidden: c.H, FeatMagDistn: "unif"}, imp, toymodel.Scalar(c.P), seed)
}

// RunConfig trains configuration c in this process with the reference defaults (batch 1024,
// lr 1e-3, toy log_freq 50, SAE log_freq 100 with its data log, resample_freq 2500) and
// writes one Result line per phase to w.
func RunConfig(c Config, w io.Writer) error {
	const seed = 1
	m, err := c.model(seed)
	if err != nil {
		return err
	}
	emit := func(p Phase, d time.Duration) error {
		return json.NewEncoder(w).Encode(Result{Config: c.Name, Phase: p.Name, Steps: p.Steps,
			MsPerStep: float64(d.Nanoseconds()) / 1e6 / float64(p.Steps)})
	}
	tc := toymodel.DefaultTrainConfig()
	tc.Steps = c.ToySteps
	t0 := time.Now()
	if _, err := toymodel.Train(m, tc, seed, nil); err != nil {
		return err
	}
	if p := c.Phases[0]; p.Torch == "toymodel" {
		if err := emit(p, time.Since(t0)); err != nil {
			return err
		}
	}
	for _, p := range c.Phases {
		if p.Torch != "sae" {
			continue
		}
		s, err := sae.New(sae.DefaultConfig(c.I, c.H, c.DSAE), m, seed)
		if err != nil {
			return err
		}
		st := sae.DefaultTrainConfig()
		st.Steps, st.Resample = p.Steps, p.Resample
		t0 := time.Now()
		if _, err := sae.Train(s, st, seed, nil); err != nil {
			return err
		}
		if err := emit(p, time.Since(t0)); err != nil {
			return err
		}
	}
	return nil
}

// Options configures Run.
type Options struct {
	Quick   bool
	Exe     string   // the saelab binary (re-executed as `Exe bench --child NAME [--quick]`)
	Python  string   // interpreter for the PyTorch side; "" skips it
	Script  string   // tools/torchref/bench.py
	Only    []string // configuration name prefixes to run ("1", "4", ...); all when empty
	NoDemo  bool     // skip timing `saelab demo`
	Threads []int    // PyTorch thread counts to try (the better is taken)
}

// Row is one line of the table.
type Row struct {
	Config, Phase         string
	Steps, TorchSteps     int
	TorchMs, SaelabMs     float64 // NaN when not measured
	TorchThreads          int
	RSSMB                 float64
	Torch, BLAS, TorchErr string
}

// Ratio is PyTorch's time per step over saelab's.
func (r Row) Ratio() float64 { return r.TorchMs / r.SaelabMs }

// Run measures every configuration (and the demo) and writes the table to w, with progress
// lines on log (may be io.Discard).
func Run(o Options, w, log io.Writer) ([]Row, error) {
	var rows []Row
	for _, c := range Configs(o.Quick) {
		if !selected(c.Name, o.Only) {
			continue
		}
		fmt.Fprintf(log, "saelab: %s …\n", c.Name)
		res, rss, err := child(o.Exe, append([]string{"bench", "--child", c.Name}, quickFlag(o.Quick)...))
		if err != nil {
			return rows, fmt.Errorf("%s: %w", c.Name, err)
		}
		torch := map[string]TorchResult{}
		terr := ""
		if o.Python != "" {
			fmt.Fprintf(log, "pytorch: %s …\n", c.Name)
			torch, err = RunTorch(o, c)
			if err != nil {
				terr = err.Error()
			}
		}
		for _, p := range c.Phases {
			r := Row{Config: c.Name, Phase: p.Name, Steps: p.Steps, SaelabMs: math.NaN(), TorchMs: math.NaN(), RSSMB: rss, TorchErr: terr}
			for _, x := range res {
				if x.Phase == p.Name {
					r.SaelabMs = x.MsPerStep
				}
			}
			if t, ok := torch[torchKey(p)]; ok {
				r.TorchMs, r.TorchSteps, r.TorchThreads, r.Torch, r.BLAS = t.MsPerStep, t.Steps, t.Threads, t.Torch, t.BLAS
			}
			rows = append(rows, r)
		}
	}
	if !o.NoDemo && selected("demo", o.Only) {
		fmt.Fprintf(log, "saelab demo …\n")
		dir, err := os.MkdirTemp("", "saelab-bench-demo-")
		if err != nil {
			return rows, err
		}
		defer os.RemoveAll(dir)
		t0 := time.Now()
		_, rss, err := child(o.Exe, []string{"demo", "--out", dir, "--quiet"})
		if err != nil {
			return rows, fmt.Errorf("demo: %w", err)
		}
		rows = append(rows, Row{Config: "saelab demo", Phase: "end to end", SaelabMs: float64(time.Since(t0).Nanoseconds()) / 1e6,
			TorchMs: math.NaN(), RSSMB: rss, Steps: 1})
	}
	WriteTable(w, rows, o)
	return rows, nil
}

func quickFlag(q bool) []string {
	if q {
		return []string{"--quick"}
	}
	return nil
}

func selected(name string, only []string) bool {
	if len(only) == 0 {
		return true
	}
	for _, o := range only {
		if strings.HasPrefix(name, o) || strings.HasPrefix(strings.TrimLeft(name, "0123456789 "), o) {
			return true
		}
	}
	return false
}

// child runs exe with args, parses the Result lines of its stdout and returns them with the
// child's peak RSS in MB.
func child(exe string, args []string) ([]Result, float64, error) {
	cmd := exec.Command(exe, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, 0, fmt.Errorf("%s %s: %v: %s", exe, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	rss := 0.0
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	var res []Result
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var r Result
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Phase != "" {
			res = append(res, r)
		}
	}
	return res, rss, nil
}

// TorchResult is one line of bench.py's output.
type TorchResult struct {
	Phase     string  `json:"phase"`
	Steps     int     `json:"steps"`
	Threads   int     `json:"threads"`
	MsPerStep float64 `json:"ms_per_step"`
	Resample  string  `json:"resample"`
	Torch     string  `json:"torch"`
	BLAS      string  `json:"blas"`
}

func torchKey(p Phase) string {
	if p.Torch == "sae" {
		return "sae/" + p.Resample
	}
	return p.Torch
}

// RunTorch runs bench.py for each of c's phases with each thread count and keeps, per phase,
// the fastest.
func RunTorch(o Options, c Config) (map[string]TorchResult, error) {
	best := map[string]TorchResult{}
	threads := o.Threads
	if len(threads) == 0 {
		threads = []int{1, 2}
	}
	var errs []error
	for _, p := range c.Phases {
		resample := "none"
		if p.Torch == "sae" {
			resample = p.Resample
		}
		for _, t := range threads {
			args := []string{o.Script, "--config", c.TorchName, "--steps", fmt.Sprint(c.TorchSteps), "--threads", fmt.Sprint(t),
				"--phase", p.Torch, "--resample", resample, "--toy-steps", fmt.Sprint(c.TorchToy)}
			cmd := exec.Command(o.Python, args...)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %v: %s", o.Python, strings.Join(args, " "), err, lastLine(errb.String())))
				continue
			}
			sc := bufio.NewScanner(&out)
			for sc.Scan() {
				var r TorchResult
				if json.Unmarshal(sc.Bytes(), &r) != nil || r.Phase == "" {
					continue
				}
				key := r.Phase
				if r.Phase == "sae" {
					key += "/" + r.Resample
				}
				if b, ok := best[key]; !ok || r.MsPerStep < b.MsPerStep {
					best[key] = r
				}
			}
		}
	}
	return best, errors.Join(errs...)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if k := strings.LastIndexByte(s, '\n'); k >= 0 {
		return s[k+1:]
	}
	return s
}

// Machine describes where the table was measured.
func Machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				if k := strings.IndexByte(l, ':'); k >= 0 {
					cpu = strings.TrimSpace(l[k+1:])
				}
				break
			}
		}
	}
	kern := "plain Go"
	if vec.SIMD {
		kern = "archsimd AVX-512"
	}
	return fmt.Sprintf("%s, %d CPUs, GOMAXPROCS %d, %s, %s kernels", cpu, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), kern)
}

// WriteTable prints the rows as an aligned table with the machine and the PyTorch build.
func WriteTable(w io.Writer, rows []Row, o Options) {
	fmt.Fprintf(w, "machine: %s\n", Machine())
	for _, r := range rows {
		if r.Torch != "" {
			fmt.Fprintf(w, "pytorch: torch %s, BLAS %s\n", r.Torch, r.BLAS)
			break
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "config\tphase\tsteps (saelab / torch)\tPyTorch ms/step\tsaelab ms/step\tratio\tsaelab peak RSS MB\t")
	for _, r := range rows {
		ts, tm, ratio := "-", "-", "-"
		if !math.IsNaN(r.TorchMs) {
			ts = fmt.Sprint(r.TorchSteps)
			tm = fmt.Sprintf("%.3f (%dt)", r.TorchMs, r.TorchThreads)
			ratio = fmt.Sprintf("%.0f×", r.Ratio())
			if r.Ratio() < 10 {
				ratio = fmt.Sprintf("%.1f×", r.Ratio())
			}
		}
		steps := fmt.Sprintf("%d / %s", r.Steps, ts)
		sm := fmt.Sprintf("%.4f", r.SaelabMs)
		if r.Config == "saelab demo" {
			steps, sm = "-", fmt.Sprintf("%.0f ms total", r.SaelabMs)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t\n", r.Config, r.Phase, steps, tm, sm, ratio, r.RSSMB)
	}
	tw.Flush()
	for _, r := range rows {
		if r.TorchErr != "" {
			fmt.Fprintf(w, "pytorch error (%s): %s\n", r.Config, r.TorchErr)
			break
		}
	}
	if o.Python == "" {
		fmt.Fprintln(w, "pytorch: not run")
	}
}

// RunChild runs the named configuration in this process (the `bench --child` side).
func RunChild(name string, quick bool, w io.Writer) error {
	for _, c := range Configs(quick) {
		if c.Name == name {
			return RunConfig(c, w)
		}
	}
	return fmt.Errorf("bench: unknown configuration %q", name)
}
