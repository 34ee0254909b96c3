// Package version holds saelab's version, written into summary.json, the safetensors metadata
// and the report. Release builds set it with
//
//	go build -ldflags "-X saelab/internal/version.Version=v1.2.3" ./cmd/saelab
package version

import "runtime/debug"

// Version is saelab's version.
var Version = "0.1.0-dev"

// String is "saelab <Version> (<go version>[, <vcs revision>])".
func String() string {
	s := "saelab " + Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		extra := bi.GoVersion
		for _, st := range bi.Settings {
			if st.Key == "vcs.revision" && len(st.Value) >= 12 {
				extra += ", " + st.Value[:12]
			}
		}
		s += " (" + extra + ")"
	}
	return s
}
