package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profileOptions are the hidden --cpuprofile FILE and --memprofile FILE of every command: pprof
// profiles of the whole command (the heap profile after it finished, every allocation sampled
// by size).
type profileOptions struct {
	cpu, mem string
	cpuFile  *os.File
}

// addProfileFlags registers the hidden profiling flags on every command.
func addProfileFlags(root *cobra.Command) {
	o := &profileOptions{}
	pf := root.PersistentFlags()
	pf.StringVar(&o.cpu, "cpuprofile", "", "write a CPU profile of the command to this file")
	pf.StringVar(&o.mem, "memprofile", "", "write a heap profile of the command to this file")
	_ = pf.MarkHidden("cpuprofile")
	_ = pf.MarkHidden("memprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return o.start() }
	root.PersistentPostRunE = func(*cobra.Command, []string) error { return o.stop() }
}

// start begins the CPU profile, if asked for.
func (o *profileOptions) start() error {
	if o.mem != "" {
		runtime.MemProfileRate = 4096
	}
	if o.cpu == "" {
		return nil
	}
	f, err := os.Create(o.cpu)
	if err != nil {
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	o.cpuFile = f
	return nil
}

// stop ends the CPU profile and writes the heap profile, if asked for.
func (o *profileOptions) stop() error {
	if o.cpuFile != nil {
		pprof.StopCPUProfile()
		if err := o.cpuFile.Close(); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		o.cpuFile = nil
	}
	if o.mem == "" {
		return nil
	}
	f, err := os.Create(o.mem)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	return nil
}
