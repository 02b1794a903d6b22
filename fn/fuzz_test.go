package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/internal/textdiff"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/krm"
)

// How FuzzRender feeds its input to the binary's entry point, run(), as the process would
// get it on stdin.
const (
	fuzzStdin          = iota // the input is the whole KRM stdin (a ResourceList, or bare documents)
	fuzzFunctionConfig        // the input is the functionConfig of a ResourceList with one other item
	fuzzPackageItem           // the input is an item of a ResourceList without functionConfig (kpt package mode)
	fuzzRenderCommand         // `rabbitmq-krm render -`: the input is the config file
	fuzzModes
)

const (
	// fuzzMaxInput bounds one input: configs are a few hundred bytes.
	fuzzMaxInput = 16 << 10
	// fuzzMaxReplicas skips configs with more replicas: the output grows linearly with them
	// (one PersistentVolume per pod with nfs.perPod, one rabbitmq.conf line per node with
	// classic discovery), so a big count only makes an iteration slow.
	fuzzMaxReplicas = 100
)

// fuzzOtherItem is an unrelated package file that every run must keep unchanged.
const fuzzOtherItem = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unrelated\n  annotations:\n    internal.config.kubernetes.io/path: unrelated.yaml\ndata:\n  keep: me\n"

// FuzzRender runs the binary's entry point in-process on arbitrary input, with these
// properties:
//
//   - it never panics, and a second run on the same input gives byte-identical stdout,
//     stderr and exit code;
//   - on failure the exit code is non-zero, stderr says why, and no generated object is
//     printed: `render` prints nothing, the KRM protocol returns exactly the input items
//     (plus results) or nothing when the input is not readable;
//   - on success the output reads back as YAML (a ResourceList when the input was one),
//     `render` printed at least one object, and the KRM protocol kept every input item;
//   - the KRM path writes the same bytes as kyaml's framework.Execute with the Processor,
//     and fails on the same inputs.
//
// Run it with: go test ./fn -run '^$' -fuzz '^FuzzRender$' -fuzztime 30s
func FuzzRender(f *testing.F) {
	configs, err := filepath.Glob(filepath.Join(goldenDir, "*", "config.yaml"))
	if err != nil || len(configs) == 0 {
		f.Fatalf("no golden configs found: %v", err)
	}
	var valid []string
	for _, path := range configs {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		config := string(b)
		f.Add(b, uint8(fuzzFunctionConfig))
		f.Add(b, uint8(fuzzRenderCommand))
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), "want.yaml")); err == nil {
			valid = append(valid, config)
			f.Add(b, uint8(fuzzPackageItem))
			f.Add([]byte(fuzzResourceList(config, fuzzOtherItem)), uint8(fuzzStdin))
		}
	}
	// Package mode with several clusters, a bare config on stdin, and a run over a
	// previous run's output (stale copies of the generated objects).
	f.Add([]byte(fuzzResourceList("", valid[0], fuzzOtherItem, valid[len(valid)-1])), uint8(fuzzStdin))
	f.Add([]byte(valid[0]), uint8(fuzzStdin))
	var previous bytes.Buffer
	if code := run(nil, strings.NewReader(fuzzResourceList(valid[0], fuzzOtherItem)), &previous, &bytes.Buffer{}); code != 0 {
		f.Fatalf("seed run failed with exit code %d", code)
	}
	f.Add(previous.Bytes(), uint8(fuzzStdin))
	addRunSeeds(f, valid[0])
	f.Fuzz(checkRun)
}

// addRunSeeds adds odd inputs on stdin, as the functionConfig and as a package item.
func addRunSeeds(f *testing.F, valid string) {
	for _, s := range []string{
		"",
		"{}",
		"[]",
		"\x00",
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n",
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {}\nfunctionConfig: []\n",
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n",
		"apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSpace(valid), "\n", "\n  ") + "\n",
		valid + "---\n" + valid,
		valid + "---\n- a\n",
		"kind: ResourceList\nitems: [&a {kind: RabbitMQCluster}, *a]\n",
		// Panicked in kyaml's metadata getters before krm.isMap/hasMapMetadata.
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig: [a]\n",
	} {
		f.Add([]byte(s), uint8(fuzzStdin))
		f.Add([]byte(s), uint8(fuzzRenderCommand))
	}
	for _, s := range []string{
		"- a\n",
		"apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata:\n- a\n",
		"apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata: {name: r, annotations: [a]}\n",
		"apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata: {name: r, labels: [a]}\n",
	} {
		f.Add([]byte(s), uint8(fuzzFunctionConfig))
		f.Add([]byte(s), uint8(fuzzPackageItem))
		f.Add([]byte(s), uint8(fuzzRenderCommand))
	}

}

// checkRun is FuzzRender on one input.
func checkRun(t *testing.T, data []byte, mode uint8) {
	if len(data) > fuzzMaxInput {
		return
	}
	args, stdin := fuzzInput(data, mode%fuzzModes)
	if tooManyReplicas(stdin) {
		return
	}
	var stdout, stderr bytes.Buffer
	code := run(args, bytes.NewReader(stdin), &stdout, &stderr)
	var stdout2, stderr2 bytes.Buffer
	code2 := run(args, bytes.NewReader(stdin), &stdout2, &stderr2)
	if code != code2 || stdout.String() != stdout2.String() || stderr.String() != stderr2.String() {
		t.Fatalf("two runs on the same input differ: exit %d/%d\nstdout:\n%s", code, code2, textdiff.First(stdout.String(), stdout2.String()))
	}
	if args != nil {
		checkRenderCommand(t, code, stdout.Bytes(), stderr.Bytes())
		return
	}
	checkKRM(t, stdin, code, stdout.Bytes(), stderr.Bytes())
	// The SDK's own loop is the reference: the function's KRM path must write the same
	// bytes and fail on the same inputs.
	if ref, refCode, ok := sdkExecute(stdin); ok && (ref != stdout.String() || (refCode != 0) != (code != 0)) {
		t.Fatalf("output differs from framework.Execute (exit %d, SDK exit %d):\n%s", code, refCode, textdiff.First(ref, stdout.String()))
	}
}

// sdkExecute runs the Processor through kyaml's framework.Execute; ok is false when kyaml
// itself panics on the input.
func sdkExecute(stdin []byte) (stdout string, code int, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	var out bytes.Buffer
	err := framework.Execute(krm.Processor{}, &kio.ByteReadWriter{Reader: bytes.NewReader(stdin), Writer: &out, KeepReaderAnnotations: true})
	if err != nil {
		code = 1
	}
	return out.String(), code, true
}

// fuzzInput turns a fuzz input into the arguments and stdin of one run.
func fuzzInput(data []byte, mode uint8) (args []string, stdin []byte) {
	switch mode {
	case fuzzFunctionConfig:
		return nil, []byte(fuzzResourceList(string(data), fuzzOtherItem))
	case fuzzPackageItem:
		return nil, []byte(fuzzResourceList("", fuzzOtherItem, string(data)))
	case fuzzRenderCommand:
		return []string{"render", "-"}, data
	}
	return nil, data
}

// fuzzResourceList wraps YAML documents in a ResourceList by indenting them as text, so
// that a mutated document ends up as what it reads as (or as a broken ResourceList).
func fuzzResourceList(functionConfig string, items ...string) string {
	indent := func(b *strings.Builder, doc, first, rest string) {
		for i, line := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
			if i == 0 {
				b.WriteString(first + line + "\n")
			} else {
				b.WriteString(rest + line + "\n")
			}
		}
	}
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, item := range items {
		indent(&b, item, "- ", "  ")
	}
	if functionConfig != "" {
		b.WriteString("functionConfig:\n")
		indent(&b, functionConfig, "  ", "  ")
	}
	return b.String()
}

// tooManyReplicas reports whether any document the function would read as a config asks
// for more than fuzzMaxReplicas replicas (decoded the way the function decodes it).
func tooManyReplicas(stdin []byte) bool {
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(stdin), OmitReaderAnnotations: true}
	nodes, err := rw.Read()
	if err != nil {
		return false
	}
	if rw.FunctionConfig != nil {
		nodes = append(nodes, rw.FunctionConfig)
	}
	for _, n := range nodes {
		text, err := n.String()
		if err != nil {
			continue
		}
		if c, err := v1alpha1.Decode([]byte(text)); err == nil && c.Spec.Replicas != nil && *c.Spec.Replicas > fuzzMaxReplicas {
			return true
		}
	}
	return false
}

func checkRenderCommand(t *testing.T, code int, stdout, stderr []byte) {
	t.Helper()
	if code != 0 {
		if len(stdout) != 0 {
			t.Fatalf("render failed (exit %d) but printed objects:\n%s", code, stdout)
		}
		if len(bytes.TrimSpace(stderr)) == 0 {
			t.Fatalf("render failed (exit %d) without saying why", code)
		}
		return
	}
	objects, err := (&kio.ByteReader{Reader: bytes.NewReader(stdout), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("render output does not read back as YAML: %v\n%s", err, stdout)
	}
	if len(objects) == 0 {
		t.Fatal("render succeeded but printed no object")
	}
	for _, o := range objects {
		if o.GetApiVersion() == "" || o.GetKind() == "" || o.GetName() == "" {
			t.Fatalf("render printed an object without apiVersion, kind or name:\n%s", o.MustString())
		}
	}
}

func checkKRM(t *testing.T, stdin []byte, code int, stdout, stderr []byte) {
	t.Helper()
	in, inKind, inErr := readItems(stdin)
	if code != 0 {
		// Under kpt (path annotations on the items) the reason is only in the results: kpt
		// prints them, and stderr too, so stderr stays empty.
		if len(bytes.TrimSpace(stderr)) == 0 && !bytes.Contains(stdout, []byte("severity: error")) {
			t.Fatalf("the function failed (exit %d) without saying why", code)
		}
		if inErr != nil {
			// framework.Execute fails before writing anything.
			if len(stdout) != 0 {
				t.Fatalf("unreadable input (%v), yet the function wrote:\n%s", inErr, stdout)
			}
			return
		}
		out, _, err := readItems(stdout)
		if err != nil {
			t.Fatalf("failed run's output does not read back: %v\n%s", err, stdout)
		}
		if len(out) != len(in) {
			t.Fatalf("failed run returned %d items for %d input items:\n%s", len(out), len(in), stdout)
		}
		for i := range in {
			if in[i] != out[i] {
				t.Fatalf("failed run changed input item %d:\n%s", i, textdiff.First(in[i], out[i]))
			}
		}
		return
	}
	if inErr != nil {
		t.Fatalf("the function succeeded on input that does not read (%v)", inErr)
	}
	out, outKind, err := readItems(stdout)
	if err != nil {
		t.Fatalf("output does not read back as YAML: %v\n%s", err, stdout)
	}
	if outKind != inKind {
		t.Fatalf("input was wrapped in %q, output in %q", inKind, outKind)
	}
	if len(out) < len(in) {
		t.Fatalf("%d input items, only %d output items: an input item was dropped", len(in), len(out))
	}
}

// readItems reads a KRM stream the way the function does and returns its items as text,
// without the annotations kio itself manages (index, path bookkeeping), and the wrapping
// kind (ResourceList, List or "" for bare documents). kyaml panics on some odd documents
// (an alias as an item); that is an unreadable input here, not a failure of the function.
func readItems(b []byte) (items []string, wrappingKind string, err error) {
	defer func() {
		if r := recover(); r != nil {
			items, wrappingKind, err = nil, "", fmt.Errorf("kyaml panicked reading it: %v", r)
		}
	}()
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}
	nodes, err := rw.Read()
	if err != nil {
		return nil, "", err
	}
	for _, n := range nodes {
		n = n.Copy()
		for key := range n.GetAnnotations() {
			if strings.HasPrefix(key, "config.kubernetes.io/") || strings.HasPrefix(key, "internal.config.kubernetes.io/") {
				if _, err := n.Pipe(yaml.ClearAnnotation(key)); err != nil {
					return nil, "", err
				}
			}
		}
		if err := yaml.ClearEmptyAnnotations(n); err != nil {
			return nil, "", err
		}
		s, err := n.String()
		if err != nil {
			return nil, "", err
		}
		items = append(items, s)
	}
	return items, rw.WrappingKind, nil
}
