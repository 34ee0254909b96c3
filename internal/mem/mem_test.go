package mem

import "testing"

func TestEstimate(t *testing.T) {
	var e Estimate
	e.Add("a", 10)
	var o Estimate
	o.Add("b", 30)
	o.Add("c", 20)
	e.Merge("x ", o)
	if e.Total() != 60 {
		t.Fatalf("total %v", e.Total())
	}
	if l := e.Largest(2); len(l) != 2 || l[0].What != "x b" || l[1].What != "x c" {
		t.Fatalf("largest %v", l)
	}
	for b, want := range map[float64]string{512: "512 B", 3.2e6: "3.2 MB", 17.6e9: "17.6 GB", 1.7e13: "17 TB", 1.09e15: "1090 TB"} {
		if got := Format(b); got != want {
			t.Errorf("Format(%v) = %q, want %q", b, got, want)
		}
	}
}
