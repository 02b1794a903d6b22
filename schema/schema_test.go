package schema_test

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/schema"
)

// Every test runs from the module root: Generate reads the API sources from there, and the
// configs are found there.

func TestSchemaUpToDate(t *testing.T) {
	t.Chdir("..")
	got, err := schema.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if again, err := schema.Generate(); err != nil || !bytes.Equal(got, again) {
		t.Fatalf("Generate is not deterministic (err %v)", err)
	}
	want, err := os.ReadFile(schema.File)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s does not match the types in fn/api/v1alpha1: run make schema", schema.File)
	}
}

// TestConfigsValidate checks every config the repository ships or documents against the
// checked-in schema: the golden configs that render, the generator, base, overlay, example
// and test configs, and the README's examples.
func TestConfigsValidate(t *testing.T) {
	t.Chdir("..")
	sch := compile(t)

	var configs []config
	wants, _ := filepath.Glob("testdata/golden/*/want.yaml")
	for _, want := range wants {
		name := filepath.Join(filepath.Dir(want), "config.yaml")
		found := configsIn(t, name, readFile(t, name))
		if len(found) == 0 {
			t.Errorf("%s: no complete %s", name, v1alpha1.Kind)
		}
		configs = append(configs, found...)
	}
	for _, dir := range []string{"generators", "bases", "overlays", "examples", "test"} {
		// Kustomize components and overlays carry partial patches as strings inside
		// Kustomization objects; configsIn keeps only whole RabbitMQCluster documents.
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				return err
			}
			if shippedInvalid[filepath.ToSlash(path)] != "" {
				return nil // checked by TestShippedInvalidConfigsFail
			}
			configs = append(configs, configsIn(t, path, readFile(t, path))...)
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	readme := readFile(t, "README.md")
	for _, block := range readmeBlocks.FindAllSubmatchIndex(readme, -1) {
		start, end := block[2], block[3]
		if start < 0 {
			start, end = block[4], block[5]
		}
		if bytes.HasSuffix(readme[:block[0]], []byte(readmeErrorExample)) {
			continue // the README's example of an invalid config
		}
		line := 1 + bytes.Count(readme[:start], []byte("\n"))
		configs = append(configs, configsIn(t, "README.md:"+strconv.Itoa(line), readme[start:end])...)
	}

	for _, c := range configs {
		if err := sch.Validate(c.doc); err != nil {
			t.Errorf("%s is a valid config but fails the schema: %v", c.name, err)
		} else {
			t.Logf("valid: %s", c.name)
		}
	}
	if len(configs) <= 10 {
		t.Fatalf("validated %d configs; expected more than 10 (are the test's paths still right?)", len(configs))
	}
	t.Logf("%d configs validated", len(configs))
}

// shippedInvalid are the configs outside testdata that are invalid on purpose, with what the
// schema must report for each: the kpt example of an error, and the config whose diagnostics
// test/schema-editor expects from yaml-language-server.
var shippedInvalid = map[string]string{
	"examples/config-error/rabbitmq.yaml":  "'replica' not allowed",
	"test/schema-editor/testdata/bad.yaml": "'namepsace' not allowed",
}

func TestShippedInvalidConfigsFail(t *testing.T) {
	t.Chdir("..")
	sch := compile(t)
	for _, name := range slices.Sorted(maps.Keys(shippedInvalid)) {
		found := configsIn(t, name, readFile(t, name))
		if len(found) != 1 {
			t.Errorf("%s: %d configs, want 1", name, len(found))
			continue
		}
		err := sch.Validate(found[0].doc)
		switch {
		case err == nil:
			t.Errorf("%s is invalid on purpose but the schema accepts it", name)
		case !strings.Contains(err.Error(), shippedInvalid[name]):
			t.Errorf("%s: the schema reports %s, want %q among it", name, reasons(err), shippedInvalid[name])
		default:
			t.Logf("rejected: %s: %s", name, reasons(err))
		}
	}
}

// schemaDetectable are invalid golden configs whose fault the schema states by itself, so an
// editor flags them; this guards against a schema that accepts anything. The other invalid
// configs need Validate's cross-field or semantic checks and are only logged.
var schemaDetectable = []string{
	"invalid-bad-cookie-secret",         // pattern
	"invalid-bad-image",                 // pattern
	"invalid-bad-name",                  // pattern
	"invalid-bad-namespace",             // pattern
	"invalid-bad-plugin-names",          // items pattern, uniqueItems
	"invalid-bad-quantity",              // pattern
	"invalid-etcd-image-without-deploy", // nodeTTL minimum
	"invalid-ingress-bad-host",          // tlsSecretName pattern
	"invalid-ingress-without-host",      // required
	"invalid-memory-too-small",          // cpu pattern
	"invalid-missing-name",              // required
	"invalid-name-too-long",             // maxLength
	"invalid-negative-replicas",         // minimum
	"invalid-nfs-missing-server",        // required
	"invalid-nfs-relative-path",         // pattern
	"invalid-nodeport-below-range",      // minimum
	"invalid-nodeport-out-of-range",     // maximum
	"invalid-replicas-not-a-number",     // type
	"invalid-short-grace-period",        // minimum
	"invalid-unknown-discovery-mode",    // enum
	"invalid-unknown-exposure-type",     // enum
	"invalid-unknown-field",             // additionalProperties at spec
	"invalid-unknown-nested-field",      // additionalProperties below spec
	"invalid-version-malformed",         // pattern
	"invalid-pod-scheduling",            // enum, minimum, required
	"invalid-wrong-kind",                // const
	"invalid-zero-replicas",             // minimum
}

func TestInvalidConfigsFail(t *testing.T) {
	t.Chdir("..")
	sch := compile(t)
	detectable := map[string]bool{}
	for _, name := range schemaDetectable {
		detectable[name] = true
		if _, err := os.Stat(filepath.Join("testdata/golden", name, "want-error.txt")); err != nil {
			t.Errorf("%s is no longer an invalid golden case: %v", name, err)
		}
	}
	errs, _ := filepath.Glob("testdata/golden/*/want-error.txt")
	for _, wantErr := range errs {
		dir := filepath.Dir(wantErr)
		name := filepath.Base(dir)
		err := validateYAML(sch, readFile(t, filepath.Join(dir, "config.yaml")))
		switch {
		case detectable[name] && err == nil:
			t.Errorf("%s: the schema accepts a config with a fault it can state", name)
		case err != nil:
			t.Logf("rejected: %s: %s", name, reasons(err))
		default:
			t.Logf("accepted (Validate's checks only): %s", name)
		}
	}
}

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(readFile(t, schema.File)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schema.File, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schema.File)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

type config struct {
	name string
	doc  any
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// readmeBlocks are ```yaml fences and quoted heredocs (cat > f.yaml <<'EOF'), whose text the
// shell leaves as it is; unquoted heredocs may hold shell variables.
// readmeErrorExample marks the README's invalid config (fn/main_test.go checks its error text).
const readmeErrorExample = "<!-- readme-error-example: config -->\n"

var readmeBlocks = regexp.MustCompile("(?ms)^```ya?ml\n(.*?)^```|<<'EOF'\n(.*?)^EOF$")

// configsIn returns the documents of a YAML stream that are whole configs: apiVersion and
// kind of a RabbitMQCluster and a metadata.name.
func configsIn(t *testing.T, name string, data []byte) []config {
	t.Helper()
	var found []config
	docs := docSeparator.Split(string(data), -1)
	for i, d := range docs {
		doc, err := yamlToInstance([]byte(d))
		if err != nil {
			if strings.Contains(d, "kind: "+v1alpha1.Kind) {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		m, _ := doc.(map[string]any)
		meta, _ := m["metadata"].(map[string]any)
		if m["apiVersion"] != v1alpha1.APIVersion || m["kind"] != v1alpha1.Kind || meta["name"] == nil {
			continue
		}
		label := name
		if len(docs) > 1 {
			label += "#" + strconv.Itoa(i)
		}
		found = append(found, config{label, doc})
	}
	return found
}

func validateYAML(sch *jsonschema.Schema, data []byte) error {
	doc, err := yamlToInstance(data)
	if err != nil {
		return err
	}
	return sch.Validate(doc)
}

// yamlToInstance reads YAML the way the validator wants JSON: numbers as json.Number.
func yamlToInstance(data []byte) (any, error) {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(j))
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reasons drops the validator's header line (the schema's URL) and keeps the faults.
func reasons(err error) string {
	_, faults, _ := strings.Cut(err.Error(), "\n")
	return strings.Join(strings.Fields(faults), " ")
}
