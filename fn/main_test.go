package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/internal/textdiff"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const goldenDir = "../testdata/golden"

// TestGolden renders every testdata/golden/<case>/config.yaml with the CLI and compares
// stdout with want.yaml, or, for an invalid config, stderr with want-error.txt (and checks
// that nothing at all reached stdout). Warnings are compared with want-warnings.txt.
func TestGolden(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(goldenDir, "*", "config.yaml"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases found under %s: %v", goldenDir, err)
	}
	for _, config := range cases {
		dir := filepath.Dir(config)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{"render", config}, nil, &stdout, &stderr)
			wantErrorFile := filepath.Join(dir, "want-error.txt")
			_, statErr := os.Stat(wantErrorFile)
			expectError := statErr == nil
			if *update {
				expectError = code != 0
				writeGolden(t, filepath.Join(dir, "want.yaml"), !expectError, stdout.String())
				writeGolden(t, wantErrorFile, expectError, stderr.String())
				writeGolden(t, filepath.Join(dir, "want-warnings.txt"), !expectError && stderr.Len() > 0, stderr.String())
			}
			if expectError {
				if code != 1 {
					t.Errorf("exit code %d, want 1", code)
				}
				if stdout.Len() != 0 {
					t.Errorf("an invalid config printed output:\n%s", stdout.String())
				}
				compareGolden(t, wantErrorFile, stderr.String())
				return
			}
			if code != 0 {
				t.Fatalf("exit code %d; stderr:\n%s", code, stderr.String())
			}
			compareGolden(t, filepath.Join(dir, "want.yaml"), stdout.String())
			compareGolden(t, filepath.Join(dir, "want-warnings.txt"), stderr.String())
		})
	}
}

// writeGolden writes content to path when want is true, and removes a stale file otherwise.
func writeGolden(t *testing.T, path string, want bool, content string) {
	t.Helper()
	if !want {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// compareGolden compares got with the file; a missing file means "expect nothing".
func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	want, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run `make golden` after an intended change):\n%s", path, textdiff.First(string(want), got))
	}
}

// Every config field is documented in --help: the reference cannot drift from the types.
func TestHelpDocumentsEveryField(t *testing.T) {
	var fields []string
	collectJSONFields(reflect.TypeOf(v1alpha1.Spec{}), &fields)
	for _, f := range fields {
		if !strings.Contains(help, f+":") {
			t.Errorf("help.txt does not document spec field %q", f)
		}
	}
}

func collectJSONFields(t reflect.Type, out *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	// Kubernetes' own types (spec.env's EnvVar) are documented by Kubernetes.
	if t.Kind() != reflect.Struct || t.PkgPath() != reflect.TypeOf(v1alpha1.Spec{}).PkgPath() {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		name := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
		if name != "" {
			*out = append(*out, name)
		}
		collectJSONFields(t.Field(i).Type, out)
	}
}

// The README's error example is what the command prints for the README's config, byte for byte.
func TestReadmeErrorExample(t *testing.T) {
	readme := readFileT(t, "../README.md")
	block := func(marker string) string {
		_, after, ok := strings.Cut(readme, "<!-- readme-error-example: "+marker+" -->\n```")
		if !ok {
			t.Fatalf("README has no %q example", marker)
		}
		_, body, _ := strings.Cut(after, "\n")
		body, _, _ = strings.Cut(body, "```")
		return body
	}
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte(block("config")), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"render", config}, nil, &stdout, &stderr); code != 1 || stdout.Len() != 0 {
		t.Fatalf("want exit 1 and no output, got %d:\n%s", code, stdout.String())
	}
	if want := block("errors"); stderr.String() != want {
		t.Errorf("the README shows:\n%s\nthe command prints:\n%s", want, stderr.String())
	}
}

// The README's error examples (every readme-golden-errors block) are lines of the golden error outputs
// each names.
func TestReadmeOverrideErrors(t *testing.T) {
	readme := readFileT(t, "../README.md")
	blocks := strings.Split(readme, "<!-- readme-golden-errors: ")[1:]
	if len(blocks) == 0 {
		t.Fatal("README has no readme-golden-errors block")
	}
	for _, after := range blocks {
		header, rest, _ := strings.Cut(after, " -->\n```\n")
		block, _, _ := strings.Cut(rest, "```")
		var golden string
		for _, c := range strings.Fields(header) {
			golden += readFileT(t, "../testdata/golden/"+c+"/want-error.txt")
		}
		for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
			if !strings.Contains(golden, " "+line+"\n") {
				t.Errorf("README error example not in the goldens %s: %s", header, line)
			}
		}
	}
}
