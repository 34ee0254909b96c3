package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The run-directory layout: <base>/runs/<YYYYMMDD-HHMMSS>-<name>/ holding these files.
const (
	RunsDir     = "runs"
	ConfigFile  = "config.yaml"
	ModelFile   = "model.safetensors"
	MetricsFile = "metrics.jsonl"
	SummaryFile = "summary.json"
	ReportFile  = "report.html"

	// RunTimeFormat is the time layout of a run directory's prefix.
	RunTimeFormat = "20060102-150405"
	// MaxRunNameLen bounds a run name.
	MaxRunNameLen = 100
	// maxRunDirSuffix bounds the -2, -3, ... suffixes NewRunDir tries.
	maxRunDirSuffix = 1000
)

// SAEFile is the SAE file of run: sae-<run>.safetensors. run should satisfy ValidateRunName.
func SAEFile(run string) string { return "sae-" + run + ".safetensors" }

// DataLogFile is the data-log file of run: datalog-<run>.safetensors.
func DataLogFile(run string) string { return "datalog-" + run + ".safetensors" }

// legacyRunFile is the name that directories written before saelab 0.2 used for a run whose
// name starts with "sae-" (the prefix was not doubled: run sae-none → sae-none.safetensors and
// datalog-none.safetensors), or "" when there is none.
func legacyRunFile(prefix, run string) string {
	if !strings.HasPrefix(run, "sae-") {
		return ""
	}
	return prefix + strings.TrimPrefix(run, "sae-") + ".safetensors"
}

// FindSAEFile is the path of run's SAE file in dir: SAEFile, or the older name when only that
// exists, so that old run directories still read.
func FindSAEFile(dir, run string) string {
	return findRunFile(dir, SAEFile(run), legacyRunFile("sae-", run))
}

// FindDataLogFile is FindSAEFile for the data log.
func FindDataLogFile(dir, run string) string {
	return findRunFile(dir, DataLogFile(run), legacyRunFile("datalog-", run))
}

func findRunFile(dir, name, legacy string) string {
	p := filepath.Join(dir, name)
	if legacy == "" {
		return p
	}
	if _, err := os.Stat(p); err != nil {
		if _, err := os.Stat(filepath.Join(dir, legacy)); err == nil {
			return filepath.Join(dir, legacy)
		}
	}
	return p
}

// ValidateRunName accepts 1 to MaxRunNameLen characters from [a-z0-9_-].
func ValidateRunName(name string) error {
	if name == "" {
		return errors.New("the run name is empty")
	}
	if len(name) > MaxRunNameLen {
		return fmt.Errorf("run name %q is longer than %d characters", name, MaxRunNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("run name %q: character %q at %d is not one of [a-z0-9_-]", name, rune(c), i)
		}
	}
	return nil
}

// NewRunDir creates and returns <base>/runs/<now as YYYYMMDD-HHMMSS>-<name>, creating
// <base>/runs if needed. now is formatted as given (pass now.UTC() for UTC names). If the
// directory exists, it tries -2, -3, ... appended; creation is atomic, so two concurrent callers
// never get the same directory.
func NewRunDir(base, name string, now time.Time) (string, error) {
	if err := ValidateRunName(name); err != nil {
		return "", err
	}
	parent := filepath.Join(base, RunsDir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", parent, err)
	}
	stem := filepath.Join(parent, now.Format(RunTimeFormat)+"-"+name)
	for k := 1; k <= maxRunDirSuffix; k++ {
		dir := stem
		if k > 1 {
			dir = fmt.Sprintf("%s-%d", stem, k)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("create %s: %w", dir, err)
		}
	}
	return "", fmt.Errorf("create %s: %d directories with this name exist already", stem, maxRunDirSuffix)
}
