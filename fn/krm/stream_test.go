package krm

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/internal/textdiff"
)

// Execute must write exactly what the SDK writes (framework.Execute with kio.ByteReadWriter,
// as fn/main.go ran it before): same bytes, same error. These tests compare the two on
// package files with comments, anchors, flow style and odd scalars, on every golden config,
// and on random documents; FuzzExecute does the same on arbitrary input:
//
//	go test ./fn/krm -run '^$' -fuzz '^FuzzExecute$' -fuzztime 60s

// sdkExecute is the SDK path Execute replaces: the same Processor, kio.ByteWriter's output.
func sdkExecute(in []byte) (out string, err error, panicked any) {
	defer func() { panicked = recover() }()
	var b bytes.Buffer
	err = framework.Execute(Processor{}, &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: &b, KeepReaderAnnotations: true})
	return b.String(), err, nil
}

func ourExecute(in []byte) (out string, err error, panicked any) {
	defer func() { panicked = recover() }()
	var b bytes.Buffer
	err = Execute(bytes.NewReader(in), &b, io.Discard)
	return b.String(), err, nil
}

func checkSameAsSDK(t *testing.T, in []byte) {
	t.Helper()
	want, wantErr, wantPanic := sdkExecute(in)
	got, gotErr, gotPanic := ourExecute(in)
	if (wantPanic == nil) != (gotPanic == nil) {
		t.Fatalf("SDK panicked: %v; Execute panicked: %v\ninput:\n%s", wantPanic, gotPanic, in)
	}
	if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
		t.Fatalf("error %q, SDK's %q\ninput:\n%s", gotErr, wantErr, in)
	}
	if got != want {
		t.Fatalf("output differs from the SDK's at %s\ninput:\n%s\nSDK:\n%s\nExecute:\n%s", textdiff.First(want, got), in, want, got)
	}
}

// packageFile is an unrelated item with what kpt packages contain besides generated objects.
const packageFile = `# head comment of the file
apiVersion: v1
kind: ConfigMap
metadata:
  name: unrelated # line comment
  namespace: ns-rabbitmq
  annotations:
    internal.config.kubernetes.io/path: unrelated.yaml
# head comment of data
data:
  flow: {a: 1, b: [x, "y z"], c: {}, d: ''}
  single: 'it''s'
  double: "tab\there"
  literal: |
    line one

    line three
  keep: |+
    kept

  folded: >
    folded
    text
  strip: |-
    no newline
  anchor: &a hello
  alias: *a
  tagged: !custom x
  int: !!int "12"
  str: !!str 12
  empty: ""
  null: ~
  "quoted key": 1
  ? complex key
  : 2
  # foot comment of data
`

const plainFile = `apiVersion: v1
kind: Secret
metadata:
  name: plain
  labels: {app: x}
stringData:
  bools: "true"
  octal: "0123"
  time: "2001-12-14"
  colon: "a: b"
  hash: "a #b"
  lead: " x"
  unicode: "é ü \u00a0 \u2028"
  bom: "\ufeffx"
  ctrl: "\x01\x7f"
type: Opaque
`

func resourceListOf(functionConfig string, items ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, item := range items {
		for i, line := range strings.Split(strings.TrimRight(item, "\n"), "\n") {
			switch {
			case i == 0:
				b.WriteString("- " + line + "\n")
			case line == "":
				b.WriteString("\n")
			default:
				b.WriteString("  " + line + "\n")
			}
		}
	}
	if functionConfig != "" {
		b.WriteString("functionConfig:\n")
		for _, line := range strings.Split(strings.TrimRight(functionConfig, "\n"), "\n") {
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}

func goldenConfigs(t testing.TB) map[string]string {
	t.Helper()
	paths, err := filepath.Glob("../../testdata/golden/*/config.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden configs: %v", err)
	}
	configs := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		configs[filepath.Base(filepath.Dir(p))] = string(b)
	}
	return configs
}

// oddInputs are ResourceLists around the article's config with what kpt and kustomize may
// send besides: comments, placement annotations, results, odd items.
func oddInputs(article string) []string {
	return []string{
		"",
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n",
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [\n",
		"apiVersion: v1\nkind: List\nitems: []\n",
		// Generator, package mode, a second run over the first run's output.
		resourceListOf(article, packageFile, plainFile),
		resourceListOf("", article, packageFile, plainFile),
		resourceListOf("", packageFile, article, plainFile),
		// Results that were in the input, with and without new ones.
		resourceListOf("", article) + "results:\n- message: old\n  severity: info\n",
		resourceListOf("", plainFile) + "results:\n- message: old # c\n  severity: info\n",
		// Legacy placement annotations, an empty ConfigMap as functionConfig, a foreign one.
		resourceListOf("", strings.Replace(article, "  namespace: ns-rabbitmq\n",
			"  namespace: ns-rabbitmq\n  annotations:\n    config.kubernetes.io/path: c/mq.yaml\n    config.kubernetes.io/index: '0'\n", 1)),
		resourceListOf("", article, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l\n  annotations:\n    config.kubernetes.io/path: l.yaml\n    config.k8s.io/id: '1'\n"),
		resourceListOf("", article, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: i\n  annotations:\n    internal.config.kubernetes.io/path: i.yaml\n    internal.config.kubernetes.io/id: '2'\n"),
		// Inconsistent and mismatched placement annotations.
		resourceListOf("", article, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l\n  annotations:\n    config.kubernetes.io/path: l.yaml\n",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: i\n  annotations:\n    internal.config.kubernetes.io/path: i.yaml\n"),
		resourceListOf("", article, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n  annotations:\n    config.kubernetes.io/path: a.yaml\n    internal.config.kubernetes.io/path: b.yaml\n"),
		resourceListOf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f\ndata: {}\n", article),
		resourceListOf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f\ndata:\n  a: b\n", plainFile),
		// Not a ResourceList: a YAML stream, CRLF line ends, a document start.
		article + "---\n" + plainFile,
		strings.ReplaceAll(resourceListOf("", article), "\n", "\r\n"),
		"---\n" + resourceListOf("", article),
		// Comments that end an item, at its top level and deeper.
		resourceListOf("", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n# foot of a\n", plainFile),
		resourceListOf("", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k:\n    n: v\n    # deep foot\n", plainFile),
		resourceListOf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f\ndata: {}\n", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a # end\n"),
		// An item whose last value is a keep-chomped literal: yaml.v3 ends the stream with "...".
		resourceListOf("", article, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: |+\n    x\n\n"),
		resourceListOf("", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: |+\n    x\n\n", article),
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- a: |+\n    x\n\n",
		// Items that are not maps, and metadata that is odd.
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- 1\n- [a, b]\n- - c\n",
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- metadata: {}\n- metadata:\n    annotations: {}\n- metadata:\n    annotations: ~\n",
	}
}

// executeInputs are the hand-written inputs; FuzzExecute starts from them too.
func executeInputs(t testing.TB) []string {
	configs := goldenConfigs(t)
	article := configs["article-nfs"]
	inputs := oddInputs(article)
	// Two clusters in one namespace generate the same Namespace; their second run replaces
	// one input item twice. Comments that stay within their item (a file's header, a field's
	// head comment, a value's line comment) do not stop the streaming path.
	twin := strings.Replace(article, "  name: rabbitmq\n", "  name: twin\n", 1)
	commented := "# header\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  # the name\n  name: c\ndata:\n  k: v # value\n"
	firstRuns := []string{
		resourceListOf(article, packageFile, plainFile),
		resourceListOf("", article, packageFile, plainFile),
		resourceListOf("", article, twin, commented),
		resourceListOf("", commented, twin, article, plainFile),
	}
	inputs = append(inputs, firstRuns...)
	for name, config := range configs {
		if strings.HasPrefix(name, "invalid-") {
			inputs = append(inputs, resourceListOf("", article, config))
			continue
		}
		inputs = append(inputs, resourceListOf(config, packageFile), resourceListOf("", config, plainFile))
	}
	// Second runs: the first runs' output as input.
	for _, in := range firstRuns {
		out, _, _ := sdkExecute([]byte(in))
		inputs = append(inputs, out)
	}
	return inputs
}

func TestExecuteMatchesSDK(t *testing.T) {
	for i, in := range executeInputs(t) {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkSameAsSDK(t, []byte(in)) })
	}
}

// Random documents: mappings, sequences and scalars with random styles, tags, anchors and
// comments, written by yaml.v3 and wrapped as ResourceList items.
func TestExecuteMatchesSDKOnRandomDocuments(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 300
	if testing.Short() {
		n = 50
	}
	for i := range n {
		// Every other document has only the comments that rlWriter writes in parts.
		g := randomGen{r: r, safeComments: i%2 == 0}
		var items []*yaml.Node
		for range 1 + r.IntN(4) {
			items = append(items, g.node(0, yaml.MappingNode, false))
		}
		rl := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			key("apiVersion"), key("config.kubernetes.io/v1"), key("kind"), key("ResourceList"),
			key("items"), {Kind: yaml.SequenceNode, Content: items},
		}}
		in, err := yaml.Marshal(rl)
		if err != nil {
			continue // a combination yaml.v3 refuses to write
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkSameAsSDK(t, in) })
	}
}

// randomScalars are values whose style yaml.v3 decides with care.
var randomScalars = []string{
	"", " ", "a", "a b", "true", "True", "yes", "no", "on", "null", "~", "1", "-1", "0123", "0x1F",
	"1e3", "1_000", ".5", ".inf", "-", "- a", "a: b", "a:b", ":a", "#x", "a #b", "a#b", "[x]",
	"{x}", "x,y", "*x", "&x", "!x", "|x", ">x", "'q'", `"q"`, "%x", "@x", "`x", "---", "...", "-x",
	"?x", "? x", "2001-12-14", "2001-12-14T21:59:43.10-05:00", "é", "日本語", "\t", "a\tb",
	"line1\nline2", "line1\nline2\n", "\nlead", "trail \nx", "a\n\nb\n", "a\n\n", "\n", " \n",
	"\u00a0", "\ufeffbom", "\x7f", "a\u2028b", "x\u0085y", "x\ry", "a'b", `a"b`, `a\b`, "  lead",
	"trail  ", strings.Repeat("long ", 30), strings.Repeat("k", 129),
}

var randomTags = []string{"", "", "", "!!str", "!!str", "!!int", "!!bool", "!!null", "!!float", "!custom"}

var randomStyles = []yaml.Style{0, 0, 0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle, yaml.FlowStyle}

type randomGen struct {
	r            *rand.Rand
	safeComments bool // only head comments on keys and collections, line comments on scalars
}

func (g randomGen) node(depth int, kind yaml.Kind, mappingValue bool) *yaml.Node {
	r := g.r
	if kind == 0 {
		kind = []yaml.Kind{yaml.ScalarNode, yaml.ScalarNode, yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode}[r.IntN(5)]
		if depth > 3 {
			kind = yaml.ScalarNode
		}
	}
	n := &yaml.Node{Kind: kind}
	if r.IntN(8) == 0 && (!g.safeComments || kind != yaml.ScalarNode || !mappingValue) {
		n.HeadComment = "# head"
	}
	if r.IntN(8) == 0 && (!g.safeComments || kind == yaml.ScalarNode) {
		n.LineComment = "# line"
	}
	if r.IntN(8) == 0 && !g.safeComments {
		n.FootComment = "# foot"
	}
	switch kind {
	case yaml.ScalarNode:
		n.Value = randomScalars[r.IntN(len(randomScalars))]
		n.Tag = randomTags[r.IntN(len(randomTags))]
		n.Style = randomStyles[r.IntN(len(randomStyles))]
	case yaml.MappingNode:
		if r.IntN(6) == 0 {
			n.Style = yaml.FlowStyle
		}
		for range r.IntN(5) {
			k := &yaml.Node{Kind: yaml.ScalarNode, Value: randomScalars[r.IntN(len(randomScalars))]}
			if r.IntN(3) > 0 {
				k.Value = fmt.Sprintf("k%d", r.IntN(1000))
			}
			if r.IntN(8) == 0 {
				k.HeadComment = "# key"
			}
			n.Content = append(n.Content, k, g.node(depth+1, 0, true))
		}
	case yaml.SequenceNode:
		if r.IntN(6) == 0 {
			n.Style = yaml.FlowStyle
		}
		for range r.IntN(4) {
			n.Content = append(n.Content, g.node(depth+1, 0, false))
		}
	}
	return n
}

func FuzzExecute(f *testing.F) {
	for _, in := range executeInputs(f) {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 64<<10 {
			return
		}
		checkSameAsSDK(t, in)
	})
}
