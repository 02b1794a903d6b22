package krm

// Benchmarks of every stage between the ResourceList bytes kustomize or kpt sends and the bytes
// the function writes back, for the article's cluster and a large one with every feature on,
// and of the whole KRM path for kpt packages of 1 to 1000 clusters. Run them with
//
//	go test ./fn/krm -run '^$' -bench . -benchmem
//
// They assert nothing about speed (performance is never asserted in unit tests): hack/bench.sh
// times whole processes against budgets. Each benchmark checks once that it measures a
// successful render, not an error path. The ...SDK benchmarks measure what the production
// path replaced (encoding/json, kio.ByteWriter, framework.Execute), for comparison.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

const benchArticleConfig = "../../testdata/golden/article-nfs/config.yaml"

// benchLargeConfig turns every feature on: 9 replicas, an in-cluster etcd, a LoadBalancer
// with annotations and source ranges, an Ingress with TLS, extra plugins, one NFS volume per
// pod, custom resources and cookie Secret. It renders 20 objects (the article's renders 12).
const benchLargeConfig = `apiVersion: rabbitmq-krm.dev/v1alpha1
kind: RabbitMQCluster
metadata:
  name: bigmq
  namespace: bigmq-prod
spec:
  replicas: 9
  image: rabbitmq:4.2.3-management
  createNamespace: true
  discovery:
    mode: etcd
    etcd:
      deploy: true
      keyPrefix: bigmq
      nodeTTL: 40
      lockTimeout: 600
  exposure:
    type: LoadBalancer
    nodePorts: {amqp: 30672, management: 31672}
    loadBalancer:
      sourceRanges: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]
      annotations:
        service.beta.kubernetes.io/aws-load-balancer-internal: "true"
        service.beta.kubernetes.io/aws-load-balancer-type: nlb
        service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled: "true"
      class: service.k8s.aws/nlb
    ingress:
      host: bigmq.example.com
      className: nginx
      tlsSecretName: bigmq-ui-tls
  persistence:
    size: 50Gi
    nfs:
      server: nfs.example.com
      path: /exports/bigmq
      perPod: true
  plugins:
  - rabbitmq_shovel
  - rabbitmq_shovel_management
  - rabbitmq_federation
  - rabbitmq_federation_management
  - rabbitmq_delayed_message_exchange
  erlangCookie:
    secretName: bigmq-cookie
    secretKey: cookie
  resources:
    requests: {cpu: "4", memory: 16Gi}
    limits: {cpu: "8", memory: 16Gi}
  terminationGracePeriodSeconds: 3600
`

type benchCase struct {
	name    string
	config  string // one RabbitMQCluster document
	objects int    // how many objects it renders
}

func benchCases(b *testing.B) []benchCase {
	b.Helper()
	article, err := os.ReadFile(benchArticleConfig)
	if err != nil {
		b.Fatal(err)
	}
	return []benchCase{
		{name: "article", config: string(article), objects: 12},
		{name: "large", config: benchLargeConfig, objects: 20},
	}
}

// benchNode parses a config as the framework hands it to Generate.
func benchNode(b *testing.B, config string) *yaml.RNode {
	b.Helper()
	n, err := yaml.Parse(config)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// benchDecode is the decode stage of generateOne: config node to a defaulted, validated config.
func benchDecode(node *yaml.RNode) (*v1alpha1.RabbitMQCluster, error) {
	text, err := node.String()
	if err != nil {
		return nil, err
	}
	c, errs := v1alpha1.Load([]byte(text))
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	return c, nil
}

// benchEncode is the encode stage as Execute runs it: typed objects to YAML nodes (toRNode,
// in generateOne), then each node to output bytes (encodePart, in Output.prepare).
func benchEncode(objs []render.Object, out *bytes.Buffer) error {
	for _, o := range objs {
		n, err := toRNode(o)
		if err != nil {
			return err
		}
		p, err := encodePart(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n.YNode()}})
		if err != nil {
			return err
		}
		out.Write(p.text)
	}
	return nil
}

// benchEncodeSDK is the encode stage with kio.ByteWriter: all objects in one document.
func benchEncodeSDK(objs []render.Object, out *bytes.Buffer) error {
	nodes := make([]*yaml.RNode, 0, len(objs))
	for _, o := range objs {
		n, err := toRNode(o)
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
	}
	return kio.ByteWriter{Writer: out}.Write(nodes)
}

// the functionConfig.
func benchResourceList(config string) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n")
	for _, line := range strings.Split(strings.TrimRight(config, "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	return []byte(b.String())
}

// benchPackageResourceList is what kpt sends in package mode: n article clusters as items,
// with distinct names and namespaces, and no functionConfig.
func benchPackageResourceList(b *testing.B, n int) []byte {
	b.Helper()
	article, err := os.ReadFile(benchArticleConfig)
	if err != nil {
		b.Fatal(err)
	}
	var s strings.Builder
	s.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for i := range n {
		doc := strings.Replace(string(article), "name: rabbitmq\n", fmt.Sprintf("name: mq%d\n", i), 1)
		doc = strings.Replace(doc, "namespace: ns-rabbitmq\n", fmt.Sprintf("namespace: ns-mq%d\n", i), 1)
		for j, line := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
			if j == 0 {
				s.WriteString("- " + line + "\n")
			} else {
				s.WriteString("  " + line + "\n")
			}
		}
	}
	return []byte(s.String())
}

// benchKRM runs the whole KRM path the way fn/main.go does: bytes in, bytes out.
func benchKRM(in []byte, out *bytes.Buffer) error {
	return Execute(bytes.NewReader(in), out, io.Discard)
}

// benchKRMSDK is the SDK's way, which Execute replaced: framework.Execute with Processor.
func benchKRMSDK(in []byte, out *bytes.Buffer) error {
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: out, KeepReaderAnnotations: true}
	return framework.Execute(Processor{}, rw)
}

func BenchmarkDecode(b *testing.B) {
	for _, tc := range benchCases(b) {
		b.Run(tc.name, func(b *testing.B) {
			node := benchNode(b, tc.config)
			if _, err := benchDecode(node); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := benchDecode(node); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRender(b *testing.B) {
	for _, tc := range benchCases(b) {
		b.Run(tc.name, func(b *testing.B) {
			c, err := benchDecode(benchNode(b, tc.config))
			if err != nil {
				b.Fatal(err)
			}
			if got := len(render.Render(c).Objects); got != tc.objects {
				b.Fatalf("rendered %d objects, want %d", got, tc.objects)
			}
			b.ReportAllocs()
			for b.Loop() {
				render.Render(c)
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, tc := range benchCases(b) {
		b.Run(tc.name, func(b *testing.B) {
			c, err := benchDecode(benchNode(b, tc.config))
			if err != nil {
				b.Fatal(err)
			}
			objs := render.Render(c).Objects
			var out bytes.Buffer
			if err := benchEncode(objs, &out); err != nil {
				b.Fatal(err)
			}
			if !strings.Contains(out.String(), "\n  kind: StatefulSet\n") {
				b.Fatalf("no StatefulSet in the encoded items:\n%s", out.String())
			}
			b.SetBytes(int64(out.Len()))
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				if err := benchEncode(objs, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodeSDK is BenchmarkEncode with kio.ByteWriter.
func BenchmarkEncodeSDK(b *testing.B) {
	for _, tc := range benchCases(b) {
		b.Run(tc.name, func(b *testing.B) {
			c, err := benchDecode(benchNode(b, tc.config))
			if err != nil {
				b.Fatal(err)
			}
			objs := render.Render(c).Objects
			var out bytes.Buffer
			if err := benchEncodeSDK(objs, &out); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(out.Len()))
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				if err := benchEncodeSDK(objs, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkToNode is the first half of BenchmarkEncode.
func BenchmarkToNode(b *testing.B) {
	for _, tc := range benchCases(b) {
		b.Run(tc.name, func(b *testing.B) {
			c, err := benchDecode(benchNode(b, tc.config))
			if err != nil {
				b.Fatal(err)
			}
			objs := render.Render(c).Objects
			b.ReportAllocs()
			for b.Loop() {
				for _, o := range objs {
					if _, err := toRNode(o); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkGenerate is decode + render + conversion to YAML nodes, the function's own work
// without the ResourceList I/O.
func BenchmarkGenerate(b *testing.B) {
	for _, tc := range benchCases(b) {
		b.Run(tc.name, func(b *testing.B) {
			config := benchNode(b, tc.config)
			sink := NewOutput(nil, true) // nodes filed in a package, not encoded
			if objs, res := generate(config, nil, nil, sink); res.ExitCode() != 0 || len(objs) != tc.objects {
				b.Fatalf("%d objects, results %v", len(objs), res)
			}
			b.ReportAllocs()
			for b.Loop() {
				generate(config, nil, nil, sink)
			}
		})
	}
}

// BenchmarkKRM is the whole KRM path through the entry point fn/main.go uses (Execute):
// ResourceList bytes in, ResourceList bytes out. The package-N cases are kpt package mode
// with N clusters as items. BenchmarkKRMSDK is the same through framework.Execute.
func BenchmarkKRM(b *testing.B) {
	benchmarkKRM(b, benchKRM, 1000)
}

func BenchmarkKRMSDK(b *testing.B) {
	benchmarkKRM(b, benchKRMSDK, 100)
}

func benchmarkKRM(b *testing.B, run func([]byte, *bytes.Buffer) error, maxClusters int) {
	type input struct {
		name    string
		in      []byte
		objects int
	}
	var inputs []input
	for _, tc := range benchCases(b) {
		inputs = append(inputs, input{tc.name, benchResourceList(tc.config), tc.objects})
	}
	for _, n := range []int{1, 10, 100, 1000} {
		if n <= maxClusters {
			inputs = append(inputs, input{fmt.Sprintf("package-%d", n), benchPackageResourceList(b, n), n * 12})
		}
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			var out bytes.Buffer
			if err := run(in.in, &out); err != nil {
				b.Fatal(err)
			}
			if got := strings.Count(out.String(), "\n  kind: "); got < in.objects {
				b.Fatalf("output has %d objects, want at least %d:\n%s", got, in.objects, out.String())
			}
			b.SetBytes(int64(len(in.in)))
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				if err := run(in.in, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadResourceList is the SDK's share of the KRM path on the way in: parsing the
// ResourceList bytes into nodes, with no rendering (the way out is in BenchmarkEncode's write).
func BenchmarkReadResourceList(b *testing.B) {
	for _, tc := range benchCases(b) {
		b.Run(tc.name, func(b *testing.B) {
			in := benchResourceList(tc.config)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				rw := &kio.ByteReadWriter{Reader: bytes.NewReader(in), KeepReaderAnnotations: true}
				if _, err := rw.Read(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
