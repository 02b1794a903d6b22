package krm

import (
	"bytes"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// toRNode converts a typed object to a YAML node through its JSON form (the API types' own
// JSON tags and marshalers), decoded to maps that yaml.v3 encodes with sorted keys, quoting
// strings that would read back as another type and writing multi-line ones as literal
// blocks. Fields the API server owns (creationTimestamp, status) and empty specs are dropped:
// they are noise in a manifest and would show up as diffs in GitOps tools.
func toRNode(obj render.Object) (*yaml.RNode, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding %T %s: %w", obj, obj.GetName(), err)
	}
	d := json.NewDecoder(bytes.NewReader(j))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("encoding %T %s: %w", obj, obj.GetName(), err)
	}
	delete(m, "status")
	if isEmptyMap(m["spec"]) {
		delete(m, "spec")
	}
	var n yaml.Node
	if err := n.Encode(tidy(m)); err != nil {
		return nil, fmt.Errorf("encoding %T %s: %w", obj, obj.GetName(), err)
	}
	return yaml.NewRNode(&n), nil
}

// tidy removes null creationTimestamps and empty status maps at every depth (the pod template
// and the volume claim templates carry them too), and turns JSON numbers into int64 where
// they are integers: yaml.v3 writes a float64 of 1000000 as 1e+06.
func tidy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for key, val := range t {
			switch {
			case key == "creationTimestamp" && val == nil, key == "status" && isEmptyMap(val):
				delete(t, key)
			default:
				t[key] = tidy(val)
			}
		}
	case []any:
		for i, item := range t {
			t[i] = tidy(item)
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}

func isEmptyMap(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}
