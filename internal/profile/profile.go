// Package profile writes pprof profiles of a whole command: a CPU profile from Start to Stop
// and a heap profile (every allocation sampled by size) at Stop. The flags are hidden: they
// serve performance work, not users.
package profile

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/pflag"
)

// Options are the --cpuprofile FILE and --memprofile FILE flags.
type Options struct {
	CPU, Mem string
	cpuFile  *os.File
}

// Bind registers the hidden flags on fs.
func (o *Options) Bind(fs *pflag.FlagSet) {
	fs.StringVar(&o.CPU, "cpuprofile", "", "write a CPU profile of the command to this file")
	fs.StringVar(&o.Mem, "memprofile", "", "write a heap profile of the command to this file")
	_ = fs.MarkHidden("cpuprofile")
	_ = fs.MarkHidden("memprofile")
}

// Start begins the CPU profile, if asked for, and samples every allocation for the heap
// profile (the default rate would miss the small ones that dominate a training step).
func (o *Options) Start() error {
	if o.Mem != "" {
		runtime.MemProfileRate = 4096
	}
	if o.CPU == "" {
		return nil
	}
	f, err := os.Create(o.CPU)
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

// Stop ends the CPU profile and writes the heap profile, if asked for.
func (o *Options) Stop() error {
	if o.cpuFile != nil {
		pprof.StopCPUProfile()
		err := o.cpuFile.Close()
		o.cpuFile = nil
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
	}
	if o.Mem == "" {
		return nil
	}
	f, err := os.Create(o.Mem)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	return nil
}
