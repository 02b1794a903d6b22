package krm

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// resolvedTag's shortcuts agree with yaml.v3: for every first byte, and for random values
// made of the characters of numbers, timestamps and the words yaml.v3 knows.
func TestResolvedTag(t *testing.T) {
	check := func(v string) {
		t.Helper()
		n := yaml.Node{Kind: yaml.ScalarNode, Value: v}
		if got, want := resolvedTag(v), n.ShortTag(); got != want {
			t.Fatalf("resolvedTag(%q) = %s, yaml.v3 says %s", v, got, want)
		}
	}
	for b := range 256 {
		for _, rest := range []string{"", "x", "1", "rue", "RUE", "ull", "alse", ".5", "_000", "e3", "x1F", "o17", "b101",
			"0Gi", "nf", "aN", "001-12-14", "001-12-14T21:59:43.10-05:00", "001-12-14 21:59:43.10", "1:20"} {
			check(string([]byte{byte(b)}) + rest)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	const alphabet = "0123456789+-._:eEtTzZxXoObBpPiInNfFaAlLsSuUrR ~G"
	for range 200000 {
		b := make([]byte, 1+r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		check(string(b))
	}
}

// analyzeWord's shortcut agrees with the full analysis.
func TestAnalyzeWord(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = "aZ09./_-=+()$^~:;<*&!@%'\"`|> \t\n#,[]{}?\\é"
	for range 100000 {
		b := make([]byte, 1+r.IntN(6))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		v := string(b)
		if !utf8.ValidString(v) {
			continue
		}
		if got, ok := analyzeWord(v); ok && got != analyzeAny(v) {
			t.Fatalf("analyzeWord(%q) = %+v, analyzeAny = %+v", v, got, analyzeAny(v))
		}
	}
}
