// Command yaml2json converts multi-document Kubernetes YAML (files or stdin) into one JSON
// `v1/List`, the way kubectl reads manifests (k8s.io/apimachinery's YAML reader), but strictly:
// duplicate keys are an error. Empty documents are dropped and `kind: List` documents are
// flattened, so test/k8s can process objects with jq.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

func main() {
	items := []json.RawMessage{}
	inputs := os.Args[1:]
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	for _, name := range inputs {
		if err := convert(name, &items); err != nil {
			fmt.Fprintf(os.Stderr, "yaml2json: %s: %v\n", name, err)
			os.Exit(1)
		}
	}
	out, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	if err != nil {
		fmt.Fprintf(os.Stderr, "yaml2json: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%s\n", out)
}

func convert(name string, items *[]json.RawMessage) error {
	var in io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(in))
	for n := 1; ; n++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("document %d: %w", n, err)
		}
		js, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return fmt.Errorf("document %d: %w", n, err)
		}
		js = bytes.TrimSpace(js)
		if len(js) == 0 || string(js) == "null" {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(js, &obj); err != nil {
			return fmt.Errorf("document %d is not an object: %w", n, err)
		}
		var kind string
		_ = json.Unmarshal(obj["kind"], &kind)
		if list, ok := obj["items"]; ok && kind == "List" {
			var sub []json.RawMessage
			if err := json.Unmarshal(list, &sub); err != nil {
				return fmt.Errorf("document %d: items: %w", n, err)
			}
			*items = append(*items, sub...)
			continue
		}
		*items = append(*items, js)
	}
}
