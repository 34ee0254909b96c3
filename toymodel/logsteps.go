package toymodel

// LogSteps lists the logged steps: every logFreq and the last (spec §1.7, §2.7).
func LogSteps(steps, logFreq int) []int {
	var out []int
	for s := 0; s < steps; s++ {
		if s%logFreq == 0 || s == steps-1 {
			out = append(out, s)
		}
	}
	return out
}
