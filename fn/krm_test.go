package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/internal/textdiff"
)

const articleConfig = "../testdata/golden/article-nfs/config.yaml"

// resourceList builds a KRM ResourceList from YAML documents.
func resourceList(t *testing.T, functionConfig string, items ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, item := range items {
		b.WriteString(indentAsListItem(item))
	}
	if functionConfig != "" {
		b.WriteString("functionConfig:\n")
		for _, line := range strings.Split(strings.TrimRight(functionConfig, "\n"), "\n") {
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}

func indentAsListItem(doc string) string {
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
		if i == 0 {
			b.WriteString("- " + line + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}

func readFileT(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runFunction runs the KRM entry point and parses its ResourceList output.
func runFunction(t *testing.T, input string) (items []*yaml.RNode, raw string, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(nil, strings.NewReader(input), &out, &errOut)
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(out.Bytes()), OmitReaderAnnotations: true, KeepReaderAnnotations: true}
	items, err := rw.Read()
	if err != nil {
		t.Fatalf("output is not a ResourceList: %v\n%s", err, out.String())
	}
	return items, out.String(), errOut.String(), code
}

// otherItem is an unrelated package file, with the path annotation kpt gives every item.
const otherItem = `apiVersion: v1
kind: ConfigMap
metadata:
  name: unrelated
  namespace: ns-rabbitmq
  annotations:
    internal.config.kubernetes.io/path: unrelated.yaml
data:
  keep: me
`

// The generator path (kustomize, kpt configPath): input items are kept, the config's own
// annotations never reach the output, and the objects equal what `render` prints.
func TestKRMGeneratorKeepsItemsAndDropsConfigAnnotations(t *testing.T) {
	config := strings.Replace(readFileT(t, articleConfig), "  namespace: ns-rabbitmq\n",
		"  namespace: ns-rabbitmq\n  annotations:\n    config.kubernetes.io/function: |\n      exec: {path: ./rabbitmq-krm}\n    config.kubernetes.io/local-config: \"true\"\n", 1)
	items, _, stderr, code := runFunction(t, resourceList(t, config, otherItem))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if items[0].GetName() != "unrelated" || items[0].GetKind() != "ConfigMap" {
		t.Fatalf("first input item not kept in place: %s", items[0].MustString())
	}
	var generated []*yaml.RNode
	for _, it := range items[1:] {
		// kpt files each object next to the config; kustomize drops the annotation.
		wantPath := "rabbitmq/" + strings.ToLower(it.GetKind()) + "_" + it.GetName() + ".yaml"
		if got := it.GetAnnotations()["internal.config.kubernetes.io/path"]; got != wantPath {
			t.Errorf("%s/%s: path annotation %q, want %q", it.GetKind(), it.GetName(), got, wantPath)
		}
		for _, key := range []string{"internal.config.kubernetes.io/path", "config.kubernetes.io/path"} {
			if _, err := it.Pipe(yaml.ClearAnnotation(key)); err != nil {
				t.Fatal(err)
			}
		}
		if len(it.GetAnnotations()) == 0 {
			if err := it.PipeE(yaml.Lookup("metadata"), yaml.Clear("annotations")); err != nil {
				t.Fatal(err)
			}
		}
		for key := range it.GetAnnotations() {
			if strings.HasPrefix(key, "config.kubernetes.io/function") || strings.HasSuffix(key, "local-config") {
				t.Errorf("%s/%s carries the config's annotation %s", it.GetKind(), it.GetName(), key)
			}
		}
		generated = append(generated, it)
	}
	var rendered bytes.Buffer
	if err := (kio.ByteWriter{Writer: &rendered}).Write(generated); err != nil {
		t.Fatal(err)
	}
	want := readFileT(t, "../testdata/golden/article-nfs/want.yaml")
	if rendered.String() != want {
		t.Errorf("KRM output differs from `render` output:\n%s", textdiff.First(want, rendered.String()))
	}
}

// Running the function over its own output changes nothing (kpt fn render twice).
func TestKRMIsIdempotent(t *testing.T) {
	config := readFileT(t, articleConfig)
	_, first, _, code := runFunction(t, resourceList(t, config, otherItem))
	if code != 0 {
		t.Fatal("first run failed")
	}
	_, second, _, code := runFunction(t, first)
	if code != 0 {
		t.Fatal("second run failed")
	}
	if first != second {
		t.Errorf("second run changed the output:\n%s", textdiff.First(first, second))
	}
}

// A stale copy of a generated object is replaced in place, keeping its file placement.
func TestKRMReplacesPreviouslyGeneratedObjects(t *testing.T) {
	stale := `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: rabbitmq
  namespace: ns-rabbitmq
  annotations:
    internal.config.kubernetes.io/path: rabbitmq/statefulset.yaml
spec:
  replicas: 1
`
	items, _, stderr, code := runFunction(t, resourceList(t, readFileT(t, articleConfig), stale, otherItem))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	count := 0
	for _, it := range items {
		if it.GetKind() == "StatefulSet" {
			count++
		}
	}
	sts := items[0]
	if count != 1 || sts.GetKind() != "StatefulSet" {
		t.Fatalf("want exactly one StatefulSet, in the stale one's place; got %d, first item %s", count, sts.GetKind())
	}
	if replicas, _ := sts.Pipe(yaml.Lookup("spec", "replicas")); replicas.YNode().Value != "3" {
		t.Errorf("stale StatefulSet not replaced: replicas %s", replicas.YNode().Value)
	}
	if path := sts.GetAnnotations()["internal.config.kubernetes.io/path"]; path != "rabbitmq/statefulset.yaml" {
		t.Errorf("file placement lost: path annotation %q", path)
	}
}

// Without a functionConfig every RabbitMQCluster in the package is rendered.
func TestKRMPackageModeRendersEveryCluster(t *testing.T) {
	second := "apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata:\n  name: audit\n  namespace: ns-audit\n"
	items, _, stderr, code := runFunction(t, resourceList(t, "", readFileT(t, articleConfig), second, otherItem))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	statefulSets := map[string]bool{}
	configs := 0
	for _, it := range items {
		switch it.GetKind() {
		case "StatefulSet":
			statefulSets[it.GetNamespace()+"/"+it.GetName()] = true
		case "RabbitMQCluster":
			configs++
		}
	}
	if !statefulSets["ns-rabbitmq/rabbitmq"] || !statefulSets["ns-audit/audit"] || len(statefulSets) != 2 {
		t.Errorf("want StatefulSets for both clusters, got %v", statefulSets)
	}
	if configs != 2 {
		t.Errorf("the configs must stay in the package: got %d of 2", configs)
	}
}

// An invalid config: error results naming the field, exit 1, input items unchanged and no
// generated objects, even when another config in the package is valid.
func TestKRMInvalidConfigGeneratesNothing(t *testing.T) {
	bad := readFileT(t, "../testdata/golden/invalid-nodeport-out-of-range/config.yaml")
	items, raw, stderr, code := runFunction(t, resourceList(t, "", readFileT(t, articleConfig), bad, otherItem))
	if code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if len(items) != 3 {
		t.Errorf("want the 3 input items back unchanged, got %d items", len(items))
	}
	for _, want := range []string{"severity: error", "path: spec.exposure.nodePorts.amqp", "99999 is outside 30000-32767"} {
		if !strings.Contains(raw, want) {
			t.Errorf("results lack %q:\n%s", want, raw)
		}
	}
	if stderr != "" { // the input is kpt's (path annotations): kpt prints the results itself
		t.Errorf("kpt would show the results twice: stderr %q", stderr)
	}
}

func TestKRMRejectsForeignFunctionConfig(t *testing.T) {
	_, raw, _, code := runFunction(t, resourceList(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  replicas: \"3\"\n", otherItem))
	if code != 1 || !strings.Contains(raw, "functionConfig is v1 ConfigMap") {
		t.Errorf("want exit 1 and an explanation, got %d:\n%s", code, raw)
	}
}

// `kpt fn eval` without --fn-config sends an empty ConfigMap: that is package mode.
func TestKRMEmptyConfigMapMeansPackageMode(t *testing.T) {
	items, _, stderr, code := runFunction(t, resourceList(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: function-input\ndata: {}\n", readFileT(t, articleConfig)))
	if code != 0 || len(items) < 10 {
		t.Errorf("want the cluster rendered, got exit %d with %d items: %s", code, len(items), stderr)
	}
}

// Rendering is deterministic: every golden config, rendered twice in the same process,
// gives byte-identical output (maps, checksums, ordering).
func TestRenderTwiceIsByteIdentical(t *testing.T) {
	for _, config := range []string{articleConfig, "../testdata/golden/per-pod-volumes/config.yaml", "../testdata/golden/nfs-per-pod/config.yaml"} {
		var a, b, e bytes.Buffer
		run([]string{"render", config}, nil, &a, &e)
		run([]string{"render", config}, nil, &b, &e)
		if a.Len() == 0 || a.String() != b.String() {
			t.Errorf("%s: two renders differ or are empty", config)
		}
	}
}

func TestCLIUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--help"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "spec:") {
		t.Errorf("--help: exit %d, output %q", code, out.String())
	}
	if code := run([]string{"bogus"}, nil, &out, &errOut); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	errOut.Reset()
	if code := run([]string{"render", "/nonexistent.yaml"}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "nonexistent") {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut.String())
	}
}
