package sweep

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go

	"saelab/internal/version"
	"saelab/store"
)

// DBFile is the results database of a sweep directory and of each shard directory.
const DBFile = "sweep.db"

// SchemaVersion is the meta table's "schema" value; a database of another version is refused.
// Version 2 added the synthetic benchmark's metric columns.
const SchemaVersion = "2"

// schema is the results database (documented in the README's "Sweeps" section). Every database
// lists every cell of the sweep; a shard's database holds the results of its own cells (the
// others stay pending there); merge gathers them into the sweep directory's database.
const schema = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cells (
  id            TEXT PRIMARY KEY,
  idx           INTEGER NOT NULL UNIQUE,
  seed          INTEGER NOT NULL,
  params        TEXT NOT NULL,
  model_key     TEXT NOT NULL,
  shard         INTEGER,
  cost          REAL NOT NULL,
  status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
  dir           TEXT,
  config        TEXT,
  started       TEXT,
  finished      TEXT,
  wall_seconds  REAL,
  train_seconds REAL,
  error         TEXT,
  host          TEXT,
  pid           INTEGER,
  attempts      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS runs (
  cell_id TEXT NOT NULL REFERENCES cells(id),
  run     TEXT NOT NULL,
  kind    TEXT NOT NULL,
  arch    TEXT,
  resample TEXT,
  steps   INTEGER NOT NULL,
  wall_seconds REAL NOT NULL,
  %s,
  summary TEXT NOT NULL,
  PRIMARY KEY (cell_id, run)
);
CREATE TABLE IF NOT EXISTS models (
  key          TEXT PRIMARY KEY,
  dir          TEXT NOT NULL,
  wall_seconds REAL NOT NULL
);
`

// metricColumns is the runs table's metric columns: "loss REAL, l_reconstruction REAL, ...".
func metricColumns() string {
	cols := make([]string, len(Metrics))
	for k, m := range Metrics {
		cols[k] = m.Name + " REAL"
	}
	return strings.Join(cols, ",\n  ")
}

// openDB opens (and creates, unless readOnly) a results database: WAL journal, a busy timeout
// so that readers (status) and the writer wait for each other instead of failing, and NORMAL
// sync, which in WAL mode loses no committed transaction when a process is killed.
func openDB(path string, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(20000)")
	if readOnly {
		q.Add("mode", "ro")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one connection: this process's writes queue here, not on SQLITE_BUSY
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !readOnly {
		if _, err := db.Exec(fmt.Sprintf(schema, metricColumns())); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: creating the tables: %w", path, err)
		}
	}
	return db, nil
}

// Meta is a results database's meta table.
type Meta struct {
	Name      string
	SweepFile string   // the sweep file's text
	SweepHash string   // a hash of every cell id, in order: the same cells give the same hash
	Cells     int      // cells in the sweep
	Keys      []string // the grid and zip keys
	SAE       bool     // the cells train SAEs
	Synth     bool     // the cells train SAEs on a synthetic model (a synth section)
	// Shard is "i/N" in a shard's database, "" in the sweep directory's; Shards is N (0 when
	// unsharded).
	Shard   string
	Shards  int
	Version string // the saelab that created the database
	Created string
}

// sweepHash hashes the cell ids in order.
func sweepHash(cells []Cell) string {
	var b strings.Builder
	for _, c := range cells {
		b.WriteString(c.ID)
		b.WriteByte('\n')
	}
	return hash16(b.String())
}

// newMeta is the meta of a new database for f's cells.
func newMeta(f *File, cells []Cell, shard Shard) Meta {
	m := Meta{Name: f.Name, SweepFile: string(f.Text), SweepHash: sweepHash(cells), Cells: len(cells), Keys: f.Keys,
		SAE: f.SAE, Synth: f.Synth != nil, Shards: shard.Count, Version: version.Version, Created: time.Now().UTC().Format(time.RFC3339)}
	if shard.Count > 0 {
		m.Shard = shard.String()
	}
	return m
}

// writeMeta stores m in the meta table.
func writeMeta(tx *sql.Tx, m Meta) error {
	keys, _ := json.Marshal(m.Keys)
	rows := [][2]string{{"schema", SchemaVersion}, {"name", m.Name}, {"sweep_file", m.SweepFile}, {"sweep_hash", m.SweepHash},
		{"cells", strconv.Itoa(m.Cells)}, {"keys", string(keys)}, {"sae", strconv.FormatBool(m.SAE)}, {"synth", strconv.FormatBool(m.Synth)}, {"shard", m.Shard},
		{"shards", strconv.Itoa(m.Shards)}, {"version", m.Version}, {"created", m.Created}}
	for _, r := range rows {
		if _, err := tx.Exec(`INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, r[0], r[1]); err != nil {
			return err
		}
	}
	return nil
}

// readMeta reads the meta table; ok is false for a database without one (just created).
func readMeta(db *sql.DB) (m Meta, ok bool, err error) {
	rows, err := db.Query(`SELECT key, value FROM meta`)
	if err != nil {
		return m, false, err
	}
	defer rows.Close()
	kv := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return m, false, err
		}
		kv[k] = v
	}
	if err := rows.Err(); err != nil || len(kv) == 0 {
		return m, false, err
	}
	if kv["schema"] != SchemaVersion {
		return m, false, fmt.Errorf("the results database has schema %q; this saelab reads schema %s", kv["schema"], SchemaVersion)
	}
	m = Meta{Name: kv["name"], SweepFile: kv["sweep_file"], SweepHash: kv["sweep_hash"], Shard: kv["shard"],
		Version: kv["version"], Created: kv["created"], SAE: kv["sae"] == "true", Synth: kv["synth"] == "true"}
	m.Cells, _ = strconv.Atoi(kv["cells"])
	m.Shards, _ = strconv.Atoi(kv["shards"])
	if err := json.Unmarshal([]byte(kv["keys"]), &m.Keys); err != nil {
		return m, false, fmt.Errorf("meta keys: %w", err)
	}
	return m, true, nil
}

// insertCells adds every cell (pending) that the database does not list yet; shardOf gives each
// cell's shard (nil: unsharded).
func insertCells(tx *sql.Tx, cells []Cell, shardOf []int) error {
	st, err := tx.Prepare(`INSERT INTO cells(id, idx, seed, params, model_key, shard, cost) VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`)
	if err != nil {
		return err
	}
	defer st.Close()
	for k, c := range cells {
		p, _ := json.Marshal(c.Params)
		var shard any
		if shardOf != nil {
			shard = shardOf[k]
		}
		if _, err := st.Exec(c.ID, c.Index, int64(c.Seed), string(p), c.ModelKey, shard, c.Cost+c.ModelCost); err != nil {
			return err
		}
	}
	return nil
}

// withTx runs fn in a transaction, committed if fn succeeds.
func withTx(db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// nullFloat stores a metric: NULL for NaN (a metric the run does not have).
func nullFloat(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// runRow is one row of the runs table.
type runRow struct {
	name, kind, arch, resample string
	steps                      int
	wall                       float64
	metrics                    []float64 // in Metrics order; NaN for none
	summary                    string    // JSON
}

// summaryRow is the row of a toy-model cell's run.
func summaryRow(rs store.RunSummary) (runRow, error) {
	sum, err := json.Marshal(rs)
	return runRow{name: rs.Name, kind: rs.Kind, arch: rs.Arch, resample: rs.Resample, steps: rs.Steps, wall: rs.WallSeconds,
		metrics: metricValues(rs), summary: string(sum)}, err
}

// insert records the row as a run of the cell.
func (rr runRow) insert(tx *sql.Tx, cellID string) error {
	cols := []string{"cell_id", "run", "kind", "arch", "resample", "steps", "wall_seconds"}
	args := []any{cellID, rr.name, rr.kind, rr.arch, rr.resample, rr.steps, rr.wall}
	for k, v := range rr.metrics {
		cols = append(cols, Metrics[k].Name)
		args = append(args, nullFloat(v))
	}
	cols = append(cols, "summary")
	args = append(args, rr.summary)
	q := fmt.Sprintf(`INSERT INTO runs(%s) VALUES(%s)`, strings.Join(cols, ", "), strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
	_, err := tx.Exec(q, args...)
	return err
}

// dbExists reports whether path is a file.
func dbExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// errNoResults is returned for a directory without any results database.
var errNoResults = errors.New("no sweep results here (no sweep.db, and no shards/*/sweep.db)")
