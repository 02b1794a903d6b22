package krm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// toRNode converts a typed object to a YAML node with sorted keys, through its JSON form (the
// API types' own JSON tags and marshalers): marshalled, decoded to maps, pruned, built. Fields
// the API server owns (creationTimestamp, status) and empty specs are dropped: they are noise
// in a manifest and would show up as diffs in GitOps tools.
func toRNode(obj render.Object) (*yaml.RNode, error) {
	m, err := jsonMap(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding %T %s: %w", obj, obj.GetName(), err)
	}
	delete(m, "status")
	if isEmptyMap(m["spec"]) {
		delete(m, "spec")
	}
	prune(m)
	return yaml.NewRNode(yamlNode(m)), nil
}

// jsonMap is the JSON form of obj through encoding/json: marshalled, then decoded with
// UseNumber.
func jsonMap(obj any) (map[string]any, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(j))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// yamlNode builds the node tree of a JSON value, map keys sorted. String nodes are tagged
// !!str, so the encoder quotes values such as "true" or "1" that would otherwise read back
// as another type; multi-line strings (rabbitmq.conf) use the literal block style.
func yamlNode(v any) *yaml.Node {
	switch t := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, yamlNode(t[k]))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, item := range t {
			n.Content = append(n.Content, yamlNode(item))
		}
		return n
	case string:
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t}
		if strings.Contains(t, "\n") {
			n.Style = yaml.LiteralStyle
		}
		return n
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(t.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	panic(fmt.Sprintf("yamlNode: unexpected JSON value %T", v))
}

// prune removes null creationTimestamps and empty status maps at every depth (the pod
// template and the volume claim templates carry them too).
func prune(v any) {
	switch t := v.(type) {
	case map[string]any:
		for key, val := range t {
			switch {
			case key == "creationTimestamp" && val == nil:
				delete(t, key)
			case key == "status" && isEmptyMap(val):
				delete(t, key)
			default:
				prune(val)
			}
		}
	case []any:
		for _, item := range t {
			prune(item)
		}
	}
}

func isEmptyMap(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}
