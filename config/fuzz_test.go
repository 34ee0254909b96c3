package config

import (
	"testing"
)

// FuzzDecode: the config decoder never panics on any bytes, never names Go types in its
// messages, and a config it accepts marshals and decodes to the same YAML.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"", "seed: 3\n", "model: {n_inst: 4, importance: 'per-feature:0.9^i'}\n",
		"runs:\n  - name: a\n    sae: {arch: gated}\n    sae_train: {resample_method: advanced}\n",
		"sae: {matryoshka_widths: [1, 2, 5]}\n", "model: [1]\n", "seed: -1\n", "a: &x 1\n",
	} {
		f.Add([]byte(s))
	}
	if b, err := Marshal(Compare()); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := Demo()
		if err := Decode(data, &c); err != nil {
			for _, bad := range []string{"!!", "config.", "sae.Config", "toymodel.", "int64", "float64", "reflect"} {
				if containsWord(err.Error(), bad) {
					t.Fatalf("message names Go internals (%q): %v", bad, err)
				}
			}
			return
		}
		out, err := Marshal(c)
		if err != nil {
			t.Fatalf("an accepted config does not marshal: %v", err)
		}
		back := Demo()
		if err := Decode(out, &back); err != nil {
			t.Fatalf("a marshalled config does not decode: %v\n%s", err, out)
		}
		again, _ := Marshal(back)
		if string(again) != string(out) {
			t.Fatalf("round trip changed the config:\n%s\nvs\n%s", out, again)
		}
	})
}

// containsWord reports whether s contains w outside a quoted user value.
func containsWord(s, w string) bool {
	inQuote := false
	for i := 0; i < len(s); i++ {
		if inQuote && s[i] == '\\' {
			i++ // an escaped character of the quoted value
			continue
		}
		if s[i] == '"' {
			inQuote = !inQuote
			continue
		}
		if !inQuote && len(s)-i >= len(w) && s[i:i+len(w)] == w {
			return true
		}
	}
	return false
}
