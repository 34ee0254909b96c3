package sweep

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Status is a sweep's progress, read from DIR/sweep.db and every shard's database: it works
// while the sweep runs.
type Status struct {
	Name   string
	Cells  int
	Shards int // 0: unsharded
	// Done, Running, Failed and Left count the cells (Left: pending, or interrupted, and not
	// started by any shard yet). A cell is counted by its most advanced record.
	Done, Running, Failed, Left int
	// Interrupted counts cells marked running by a process of this host that is gone (they run
	// again on the next run); they are in Left.
	Interrupted int
	// Unmerged counts cells done in a shard's database but not in DIR/sweep.db.
	Unmerged int
	// Failures are the failed cells, in sweep order, with their errors.
	Failures []CellRecord
	// PerShard is each shard's own cells by status (empty when unsharded).
	PerShard []ShardStatus
	Keys     []string
}

// ShardStatus counts one shard's own cells.
type ShardStatus struct {
	Index                               int
	Started                             bool // its database exists
	Own, Done, Running, Failed, Pending int
}

// rank orders statuses from least to most advanced.
var rank = map[string]int{"pending": 0, "failed": 1, "running": 2, "done": 3}

// ReadStatus reads a sweep's status from every results database under dir.
func ReadStatus(dir string) (*Status, error) {
	shards := shardDBs(dir)
	main := filepath.Join(dir, DBFile)
	hasMain := dbExists(main)
	if !hasMain && len(shards) == 0 {
		return nil, fmt.Errorf("%s: %w", dir, errNoResults)
	}
	st := &Status{}
	agg := &statusAgg{host: hostname(), best: map[string]CellRecord{}, mainDone: map[string]bool{}, shards: map[int]*ShardStatus{}}
	if hasMain {
		if err := agg.add(st, main, -1); err != nil {
			return nil, err
		}
	}
	for _, i := range sortedShards(shards) {
		if err := agg.add(st, shards[i], i); err != nil {
			return nil, err
		}
	}
	agg.count(st, hasMain)
	for i := 0; i < st.Shards; i++ {
		if ss, ok := agg.shards[i]; ok {
			st.PerShard = append(st.PerShard, *ss)
		} else {
			st.PerShard = append(st.PerShard, ShardStatus{Index: i})
		}
	}
	return st, nil
}

// statusAgg gathers the cells of several databases, keeping each cell's most advanced record.
type statusAgg struct {
	host     string
	best     map[string]CellRecord
	order    []string
	mainDone map[string]bool
	shards   map[int]*ShardStatus
}

// hostname is this host's name ("" if unknown).
func hostname() string {
	h, _ := os.Hostname()
	return h
}

// add reads the database at path (shard i, or -1 for DIR/sweep.db).
func (a *statusAgg) add(st *Status, path string, i int) error {
	res, err := readDB(path)
	if err != nil {
		return err
	}
	if st.Name == "" {
		st.Name, st.Cells, st.Keys = res.Meta.Name, res.Meta.Cells, res.Meta.Keys
	}
	st.Shards = max(st.Shards, res.Meta.Shards)
	var ss *ShardStatus
	if i >= 0 {
		ss = &ShardStatus{Index: i, Started: true}
		a.shards[i] = ss
	}
	for _, c := range res.Cells {
		if c.Status == "running" && c.Host == a.host && !alive(c.PID) {
			c.Status, c.Error = "pending", "interrupted"
		}
		if ss != nil && c.Shard == i {
			ss.Own++
			switch c.Status {
			case "done":
				ss.Done++
			case "running":
				ss.Running++
			case "failed":
				ss.Failed++
			default:
				ss.Pending++
			}
		}
		if i == -1 && c.Status == "done" {
			a.mainDone[c.ID] = true
		}
		prev, seen := a.best[c.ID]
		if !seen {
			a.order = append(a.order, c.ID)
		}
		if !seen || rank[c.Status] > rank[prev.Status] || (c.Status == "pending" && prev.Status == "pending" && c.Error != "") {
			a.best[c.ID] = c
		}
	}
	return nil
}

// count sets the status's counts from each cell's most advanced record.
func (a *statusAgg) count(st *Status, hasMain bool) {
	for _, id := range a.order {
		c := a.best[id]
		switch c.Status {
		case "done":
			st.Done++
			if hasMain && !a.mainDone[id] {
				st.Unmerged++
			}
		case "running":
			st.Running++
		case "failed":
			st.Failed++
			st.Failures = append(st.Failures, c)
		default:
			st.Left++
			if c.Error == "interrupted" {
				st.Interrupted++
			}
		}
	}
	st.Left += st.Cells - len(a.order)
}

// readDB reads one results database, read-only.
func readDB(path string) (*Results, error) {
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

// alive reports whether process pid exists on this host.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Write prints the status: the counts, each shard's, and each failure with its message.
func (s *Status) Write(w io.Writer) {
	fmt.Fprintf(w, "sweep %s: %d cells\n", s.Name, s.Cells)
	fmt.Fprintf(w, "  done     %d\n  running  %d\n  failed   %d\n  left     %d", s.Done, s.Running, s.Failed, s.Left)
	if s.Interrupted > 0 {
		fmt.Fprintf(w, " (%d interrupted; they run again on the next run)", s.Interrupted)
	}
	fmt.Fprintln(w)
	if s.Unmerged > 0 {
		fmt.Fprintf(w, "%d cells done in shards are not merged yet: saelab sweep merge DIR\n", s.Unmerged)
	}
	for _, sh := range s.PerShard {
		if !sh.Started {
			fmt.Fprintf(w, "  shard %d: not started\n", sh.Index)
			continue
		}
		fmt.Fprintf(w, "  shard %d: %d of %d done, %d running, %d failed, %d left\n", sh.Index, sh.Done, sh.Own, sh.Running, sh.Failed, sh.Pending)
	}
	if len(s.Failures) > 0 {
		fmt.Fprintln(w, "failures:")
	}
	for _, c := range s.Failures {
		cell := Cell{ID: c.ID, Seed: c.Seed, Params: c.Params}
		fmt.Fprintf(w, "  %s (%s): %s\n", c.ID, cell.Describe(s.Keys), strings.ReplaceAll(c.Error, "\n", "\n    "))
	}
}
