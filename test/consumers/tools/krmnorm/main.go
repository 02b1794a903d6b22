// krmnorm prints Kubernetes objects in a canonical form so that different consumers' outputs can be
// compared byte for byte. It reads a YAML stream or a ResourceList (its items) from stdin and:
//   - removes only consumer-specific bookkeeping annotations (-drop, comma-separated prefixes);
//   - removes an annotations map left empty by that;
//   - optionally drops objects of some kinds (-skip-kinds, e.g. the Kptfile and the input configs);
//   - optionally sorts objects by apiVersion, kind, namespace, name (-sort);
//   - optionally sorts mapping keys (-sort-keys), the only formatting difference between consumers.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func main() {
	drop := flag.String("drop", "config.kubernetes.io/,internal.config.kubernetes.io/,config.k8s.io/,kustomize.config.k8s.io/",
		"comma-separated annotation prefixes to remove")
	skipKinds := flag.String("skip-kinds", "", "comma-separated kinds to leave out (e.g. Kptfile,RabbitMQCluster)")
	doSort := flag.Bool("sort", false, "sort objects by apiVersion, kind, namespace, name")
	sortKeys := flag.Bool("sort-keys", false, "sort mapping keys (kustomize prints fields in alphabetical order, kpt keeps the function's order)")
	flag.Parse()

	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	nodes, err := kio.FromBytes(in)
	if err != nil {
		fail(err)
	}
	if len(nodes) == 1 && nodes[0].GetKind() == "ResourceList" {
		items, err := nodes[0].Pipe(yaml.Lookup("items"))
		if err != nil {
			fail(err)
		}
		nodes = nil
		if items != nil {
			nodes, err = items.Elements()
			if err != nil {
				fail(err)
			}
		}
	}
	prefixes := split(*drop)
	skip := map[string]bool{}
	for _, k := range split(*skipKinds) {
		skip[k] = true
	}
	var out []*yaml.RNode
	for _, n := range nodes {
		if skip[n.GetKind()] {
			continue
		}
		for k := range n.GetAnnotations() {
			for _, p := range prefixes {
				if strings.HasPrefix(k, p) {
					if _, err := n.Pipe(yaml.ClearAnnotation(k)); err != nil {
						fail(err)
					}
				}
			}
		}
		if len(n.GetAnnotations()) == 0 {
			if err := n.PipeE(yaml.Lookup("metadata"), yaml.Clear("annotations")); err != nil {
				fail(err)
			}
		}
		if *sortKeys {
			sortMappingKeys(n.YNode())
		}
		out = append(out, n)
	}
	if *doSort {
		sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	}
	s, err := kio.StringAll(out)
	if err != nil {
		fail(err)
	}
	fmt.Print(s)
}

func key(n *yaml.RNode) string {
	return strings.Join([]string{n.GetApiVersion(), n.GetKind(), n.GetNamespace(), n.GetName()}, "\x00")
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "krmnorm:", err)
	os.Exit(1)
}

func sortMappingKeys(n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		type pair struct{ k, v *yaml.Node }
		pairs := make([]pair, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			pairs = append(pairs, pair{n.Content[i], n.Content[i+1]})
		}
		sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].k.Value < pairs[j].k.Value })
		n.Content = n.Content[:0]
		for _, p := range pairs {
			n.Content = append(n.Content, p.k, p.v)
		}
	}
	for _, c := range n.Content {
		sortMappingKeys(c)
	}
}
