package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"
)

// Hidden profiling flags on every command: --cpuprofile FILE and --memprofile FILE write
// pprof profiles of the whole command (the heap profile after it finished, with every
// allocation sampled by size: inuse and alloc views).
var profileFlags struct {
	cpu, mem string
	cpuFile  *os.File
}

func init() {
	pf := rootCmd.PersistentFlags()
	pf.StringVar(&profileFlags.cpu, "cpuprofile", "", "write a CPU profile of the command to this file")
	pf.StringVar(&profileFlags.mem, "memprofile", "", "write a heap profile of the command to this file")
	pf.MarkHidden("cpuprofile")
	pf.MarkHidden("memprofile")
	rootCmd.PersistentPreRunE = func(*cobra.Command, []string) error { return startProfiles() }
	rootCmd.PersistentPostRunE = func(*cobra.Command, []string) error { return stopProfiles() }
}

// startProfiles starts the CPU profile if asked for; stopProfiles ends it and writes the heap
// profile. execute calls them around the command.
func startProfiles() error {
	if profileFlags.mem != "" {
		runtime.MemProfileRate = 4096
	}
	if profileFlags.cpu == "" {
		return nil
	}
	f, err := os.Create(profileFlags.cpu)
	if err != nil {
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	profileFlags.cpuFile = f
	return nil
}

func stopProfiles() error {
	if profileFlags.cpuFile != nil {
		pprof.StopCPUProfile()
		if err := profileFlags.cpuFile.Close(); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		profileFlags.cpuFile = nil
	}
	if profileFlags.mem == "" {
		return nil
	}
	f, err := os.Create(profileFlags.mem)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	return nil
}

// phaseTimes prints, when SAELAB_TIMINGS is set, how long each phase of a command took (wall
// time since the previous mark) to stderr; a development aid like --cpuprofile.
var phaseTimes = struct {
	on   bool
	last time.Time
}{on: os.Getenv("SAELAB_TIMINGS") != "", last: time.Now()}

func markPhase(name string) {
	if !phaseTimes.on {
		return
	}
	now := time.Now()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "timing: %-28s %7.1f ms  (heap %5.1f MB, sys %5.1f MB)\n", name,
		float64(now.Sub(phaseTimes.last).Microseconds())/1000, float64(ms.HeapAlloc)/1e6, float64(ms.Sys)/1e6)
	phaseTimes.last = now
}
