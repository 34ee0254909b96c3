package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// A shortened configuration runs in process and reports one positive time per phase.
func TestRunConfigReportsEveryPhase(t *testing.T) {
	for _, c := range Configs(true) {
		if !strings.HasPrefix(c.Name, "4") {
			continue
		}
		c.ToySteps, c.Phases[0].Steps, c.Phases[1].Steps = 3, 3, 3
		var out bytes.Buffer
		if err := RunConfig(c, &out); err != nil {
			t.Fatal(err)
		}
		var got []Result
		sc := bufio.NewScanner(&out)
		for sc.Scan() {
			var r Result
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		if len(got) != 2 || got[0].Phase != "toy model" || got[1].Phase != "SAE none" {
			t.Fatalf("results %+v", got)
		}
		for _, r := range got {
			if !(r.MsPerStep > 0) || r.Steps != 3 {
				t.Errorf("result %+v", r)
			}
		}
	}
	if err := RunChild("no such config", true, &bytes.Buffer{}); err == nil {
		t.Error("unknown configuration accepted")
	}
}

func TestTableMarksMissingPyTorch(t *testing.T) {
	var out bytes.Buffer
	WriteTable(&out, []Row{{Config: "1 seed toy model", Phase: "toy model", Steps: 10, SaelabMs: 0.02, TorchMs: math.NaN(), RSSMB: 9}}, Options{})
	s := out.String()
	for _, want := range []string{"machine:", "1 seed toy model", "0.0200", "pytorch: not run"} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
}
