package sweep

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
)

// MergeResult is what Merge gathered.
type MergeResult struct {
	Shards  int   // the sweep's shard count
	Merged  []int // the shards whose databases were read
	Missing []int // shards with no database yet
	Cells   int   // cells done and failed copied now
	Done    int   // cells done in DIR/sweep.db after the merge
	Total   int   // cells in the sweep
}

// Merge gathers the shards' results (DIR/shards/<i>/sweep.db) into DIR/sweep.db: every cell a
// shard finished (done or failed) replaces the merged database's record unless that one is
// done already, with its runs; the shards' toy models are noted too. It only reads the shards'
// databases, so it can run while shards are still running, and again later; it never changes
// a shard's files.
func Merge(dir string) (*MergeResult, error) {
	shards := shardDBs(dir)
	if len(shards) == 0 {
		return nil, fmt.Errorf("%s: no shard results to merge (no shards/<i>/sweep.db)", dir)
	}
	var first Meta
	var firstAt int
	for k, i := range sortedShards(shards) {
		m, err := shardMeta(shards[i])
		if err != nil {
			return nil, err
		}
		if k == 0 {
			first, firstAt = m, i
			continue
		}
		if m.SweepHash != first.SweepHash || m.Shards != first.Shards {
			return nil, fmt.Errorf("shards %d and %d hold different sweeps (%s, %d shards; %s, %d shards); merge only shards of one sweep file and one shard count",
				firstAt, i, first.Name, first.Shards, m.Name, m.Shards)
		}
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer lock.unlock()
	db, err := openDB(filepath.Join(dir, DBFile), false)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	main, ok, err := readMeta(db)
	if err != nil {
		return nil, err
	}
	if ok && main.SweepHash != first.SweepHash {
		return nil, fmt.Errorf("%s holds another sweep (%s) than its shards (%s)", filepath.Join(dir, DBFile), main.Name, first.Name)
	}
	if !ok {
		m := first
		m.Shard = ""
		if err := withTx(db, func(tx *sql.Tx) error { return writeMeta(tx, m) }); err != nil {
			return nil, err
		}
	}
	res := &MergeResult{Shards: first.Shards, Total: first.Cells}
	for i := 0; i < first.Shards; i++ {
		path, ok := shards[i]
		if !ok {
			res.Missing = append(res.Missing, i)
			continue
		}
		n, err := mergeShard(db, path, i)
		if err != nil {
			return nil, fmt.Errorf("merging %s: %w", path, err)
		}
		res.Merged = append(res.Merged, i)
		res.Cells += n
	}
	err = db.QueryRow(`SELECT COUNT(*) FROM cells WHERE status = 'done'`).Scan(&res.Done)
	return res, err
}

// shardMeta reads a shard database's meta.
func shardMeta(path string) (Meta, error) {
	db, err := openDB(path, true)
	if err != nil {
		return Meta{}, err
	}
	defer db.Close()
	m, ok, err := readMeta(db)
	if err == nil && (!ok || m.Shards == 0) {
		err = fmt.Errorf("not a shard's database")
	}
	if err != nil {
		return Meta{}, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// mergeShard copies shard i's finished cells, their runs and its models into db, in one
// transaction, and returns how many cells it copied.
func mergeShard(db *sql.DB, path string, i int) (int, error) {
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS s`, "file:"+path+"?mode=ro"); err != nil {
		return 0, err
	}
	defer conn.ExecContext(ctx, `DETACH DATABASE s`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	stmts := []string{
		`INSERT INTO main.cells(id, idx, seed, params, model_key, shard, cost)
			SELECT id, idx, seed, params, model_key, shard, cost FROM s.cells WHERE true ON CONFLICT(id) DO NOTHING`,
		`CREATE TEMP TABLE pick AS SELECT id, status FROM s.cells WHERE shard = ? AND status IN ('done', 'failed')
			AND id NOT IN (SELECT id FROM main.cells WHERE status = 'done')`,
		`DELETE FROM main.runs WHERE cell_id IN (SELECT id FROM pick)`,
		`INSERT INTO main.runs SELECT * FROM s.runs WHERE cell_id IN (SELECT id FROM pick WHERE status = 'done')`,
		`UPDATE main.cells SET (status, dir, config, started, finished, wall_seconds, train_seconds, error, host, pid, attempts, shard) =
			(SELECT status, dir, config, started, finished, wall_seconds, train_seconds, error, NULL, NULL, attempts, shard
			 FROM s.cells WHERE s.cells.id = main.cells.id) WHERE id IN (SELECT id FROM pick)`,
		`INSERT INTO main.models SELECT * FROM s.models WHERE true ON CONFLICT(key) DO NOTHING`,
	}
	for _, q := range stmts {
		var args []any
		if strings.Contains(q, "shard = ?") {
			args = append(args, i)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return 0, err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pick`).Scan(&n); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE pick`); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}
