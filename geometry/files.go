package geometry

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"saelab/report"
	"saelab/store"
)

// Output file names.
const (
	JSONFile = "geometry.json"
	CSVFile  = "geometry.csv"
)

// WriteFiles writes geometry.json (the config and, per instance, W, b, m/‖W‖²_F, every
// feature's D and the loss) and geometry.csv (one row per instance) into dir, each atomically.
func (r *Result) WriteFiles(dir string) error {
	js, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("geometry json: %w", err)
	}
	if err := store.WriteFileAtomic(filepath.Join(dir, JSONFile), append(js, '\n'), 0o644); err != nil {
		return err
	}
	return store.WriteFileAtomic(filepath.Join(dir, CSVFile), r.CSV(), 0o644)
}

// CSV is one row per instance: its density, 1/p, m/‖W‖²_F, the features it represents
// (‖W_f‖ > 0.5), the mean D over them, and its loss.
func (r *Result) CSV() []byte {
	b := []byte("instance,p,inv_p,dims_per_feature,features_represented,mean_D_represented,loss\n")
	for k, p := range r.Config.Densities {
		n, sum := 0, 0.0
		H, F := r.Config.DHidden, r.Config.NFeatures
		for f := 0; f < F; f++ {
			var sq float64
			for j := 0; j < H; j++ {
				sq += r.W[k][j*F+f] * r.W[k][j*F+f]
			}
			if sq > 0.25 {
				n++
				sum += r.Dims[k][f]
			}
		}
		mean := 0.0
		if n > 0 {
			mean = sum / float64(n)
		}
		b = strconv.AppendInt(b, int64(k), 10)
		for _, v := range []float64{p, 1 / p, r.DimsPerFeature[k]} {
			b = append(b, ',')
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(n), 10)
		for _, v := range []float64{mean, r.Loss[k]} {
			b = append(b, ',')
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
		b = append(b, '\n')
	}
	return b
}

// PageOptions are what the report page shows besides the result.
type PageOptions struct {
	Title, Version string
	Generated      time.Time // zero means now
	ConfigYAML     string    // empty means the result's config in YAML
}

// Page is the result as the report's geometry page input.
func (r *Result) Page(o PageOptions) (report.Geometry, error) {
	cfg := o.ConfigYAML
	if cfg == "" {
		b, err := yaml.Marshal(r.Config)
		if err != nil {
			return report.Geometry{}, err
		}
		cfg = string(b)
	}
	in := report.Geometry{Title: o.Title, Version: o.Version, Seed: r.Config.Seed, Generated: o.Generated, ConfigYAML: cfg,
		NFeatures: r.Config.NFeatures, DHidden: r.Config.DHidden, P: r.Config.Densities,
		DimsPerFeature: r.DimsPerFeature, Dims: r.Dims}
	for _, k := range r.Config.Shown() {
		in.Models = append(in.Models, report.GeometryModel{Title: fmt.Sprintf("1/p = %.3g", 1/r.Config.Densities[k]), W: r.W[k]})
	}
	return in, nil
}

// WriteReport writes the result's report page (report.WriteGeometry) to path atomically.
func (r *Result) WriteReport(path string, o PageOptions) error {
	in, err := r.Page(o)
	if err != nil {
		return err
	}
	return report.WriteGeometry(path, in)
}
