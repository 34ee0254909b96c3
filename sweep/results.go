package sweep

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// CellRecord is a cell as a results database records it.
type CellRecord struct {
	ID       string
	Index    int
	Seed     uint64
	Params   []string // the values of Meta.Keys
	ModelKey string
	Shard    int // -1: unsharded
	// Status is pending, running, done or failed.
	Status string
	// Dir is the cell's run directory, relative to the sweep directory ("" until done).
	Dir, Config       string
	Started, Finished string
	WallSeconds       float64 // the cell's pipeline, its shared toy model's training excluded
	TrainSeconds      float64 // its training loops
	Error, Host       string
	PID, Attempts     int
	Runs              []RunRecord
}

// RunRecord is one run of a done cell: an SAE run, or the toy model of a toy-model sweep.
type RunRecord struct {
	Name, Kind, Arch, Resample string
	Steps                      int
	WallSeconds                float64
	// Metrics are in Metrics order; NaN where the run has none.
	Metrics []float64
	// Summary is the run's summary.json entry (JSON), per-instance numbers included.
	Summary string
}

// Results are a results database: its meta and every cell, in sweep order.
type Results struct {
	Meta  Meta
	Cells []CellRecord
}

// readResults reads a database's meta, cells and runs.
func readResults(db *sql.DB) (*Results, error) {
	meta, ok, err := readMeta(db)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("the database has no sweep in it")
	}
	res := &Results{Meta: meta}
	rows, err := db.Query(`SELECT id, idx, seed, params, model_key, COALESCE(shard, -1), status, COALESCE(dir, ''),
		COALESCE(config, ''), COALESCE(started, ''), COALESCE(finished, ''), COALESCE(wall_seconds, 0), COALESCE(train_seconds, 0),
		COALESCE(error, ''), COALESCE(host, ''), COALESCE(pid, 0), attempts FROM cells ORDER BY idx`)
	if err != nil {
		return nil, err
	}
	at := map[string]int{}
	for rows.Next() {
		var c CellRecord
		var seed int64
		var params string
		if err := rows.Scan(&c.ID, &c.Index, &seed, &params, &c.ModelKey, &c.Shard, &c.Status, &c.Dir, &c.Config, &c.Started,
			&c.Finished, &c.WallSeconds, &c.TrainSeconds, &c.Error, &c.Host, &c.PID, &c.Attempts); err != nil {
			rows.Close()
			return nil, err
		}
		c.Seed = uint64(seed)
		if err := json.Unmarshal([]byte(params), &c.Params); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cell %s: params: %w", c.ID, err)
		}
		at[c.ID] = len(res.Cells)
		res.Cells = append(res.Cells, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return res, readRuns(db, res, at)
}

// readRuns adds each done cell's runs.
func readRuns(db *sql.DB, res *Results, at map[string]int) error {
	cols := []string{"cell_id", "run", "kind", "COALESCE(arch, '')", "COALESCE(resample, '')", "steps", "wall_seconds", "summary"}
	for _, m := range Metrics {
		cols = append(cols, m.Name)
	}
	rows, err := db.Query(`SELECT ` + strings.Join(cols, ", ") + ` FROM runs ORDER BY cell_id, rowid`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var r RunRecord
		vals := make([]sql.NullFloat64, len(Metrics))
		dest := []any{&id, &r.Name, &r.Kind, &r.Arch, &r.Resample, &r.Steps, &r.WallSeconds, &r.Summary}
		for k := range vals {
			dest = append(dest, &vals[k])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		r.Metrics = make([]float64, len(vals))
		for k, v := range vals {
			r.Metrics[k] = math.NaN()
			if v.Valid {
				r.Metrics[k] = v.Float64
			}
		}
		if k, ok := at[id]; ok {
			res.Cells[k].Runs = append(res.Cells[k].Runs, r)
		}
	}
	return rows.Err()
}

// ReadResults reads the sweep directory's database (after merge, for a sharded sweep). A
// sharded sweep that was not merged yet is an error saying so.
func ReadResults(dir string) (*Results, error) {
	path := filepath.Join(dir, DBFile)
	if !dbExists(path) {
		if len(shardDBs(dir)) > 0 {
			return nil, fmt.Errorf("%s holds shard results only; gather them first with: saelab sweep merge %s", dir, dir)
		}
		return nil, fmt.Errorf("%s: %w", dir, errNoResults)
	}
	db, err := openDB(path, true)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	res, err := readResults(db)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return res, nil
}

// shardDBs lists DIR/shards/<i>/sweep.db by shard index.
func shardDBs(dir string) map[int]string {
	out := map[int]string{}
	entries, err := os.ReadDir(filepath.Join(dir, "shards"))
	if err != nil {
		return out
	}
	for _, e := range entries {
		i, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() || strconv.Itoa(i) != e.Name() {
			continue
		}
		if p := filepath.Join(dir, "shards", e.Name(), DBFile); dbExists(p) {
			out[i] = p
		}
	}
	return out
}

// sortedShards returns the shard indices in order.
func sortedShards(m map[int]string) []int {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
