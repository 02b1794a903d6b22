// Command extract-rules reads Kubernetes manifests (multi-document YAML) on stdin and writes
// the rule groups of every monitoring.coreos.com/v1 PrometheusRule among them as one
// Prometheus rule file (groups: [...]) on stdout: what the Prometheus Operator hands to
// Prometheus, so that promtool can check and test it. It fails on a PrometheusRule without
// groups and, with -require, when there is none.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

func main() {
	require := flag.Bool("require", false, "fail when the input has no PrometheusRule")
	flag.Parse()
	groups, err := extract(os.Stdin)
	if err == nil && *require && len(groups) == 0 {
		err = errors.New("no PrometheusRule in the input")
	}
	if err == nil {
		err = write(os.Stdout, groups)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "extract-rules:", err)
		os.Exit(1)
	}
}

func extract(r io.Reader) ([]any, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var groups []any
	for {
		var obj unstructured.Unstructured
		if err := dec.Decode(&obj.Object); errors.Is(err, io.EOF) {
			return groups, nil
		} else if err != nil {
			return nil, err
		}
		if obj.GetAPIVersion() != "monitoring.coreos.com/v1" || obj.GetKind() != "PrometheusRule" {
			continue
		}
		g, found, err := unstructured.NestedSlice(obj.Object, "spec", "groups")
		if err != nil || !found || len(g) == 0 {
			return nil, fmt.Errorf("PrometheusRule %s/%s has no spec.groups (%v)", obj.GetNamespace(), obj.GetName(), err)
		}
		groups = append(groups, g...)
	}
}

func write(w io.Writer, groups []any) error {
	if len(groups) == 0 {
		return nil
	}
	out, err := yaml.Marshal(map[string]any{"groups": groups})
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}
