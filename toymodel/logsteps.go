package toymodel

// LogSteps lists the logged steps: every logFreq and the last (spec §1.7, §2.7). It takes
// time and memory in the number of logged steps (NumLogSteps), not in steps.
func LogSteps(steps, logFreq int) []int {
	out := make([]int, 0, NumLogSteps(steps, logFreq))
	for s := 0; s < steps; s += logFreq {
		out = append(out, s)
	}
	if steps > 0 && (steps-1)%logFreq != 0 {
		out = append(out, steps-1)
	}
	return out
}

// NumLogSteps is len(LogSteps(steps, logFreq)), without listing them: the log records a run
// of that many steps keeps.
func NumLogSteps(steps, logFreq int) int {
	if steps <= 0 || logFreq <= 0 {
		return 0
	}
	n := (steps-1)/logFreq + 1
	if (steps-1)%logFreq != 0 {
		n++
	}
	return n
}
