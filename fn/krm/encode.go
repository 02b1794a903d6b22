package krm

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// toRNode converts a typed object to a YAML node with sorted keys. Fields the API server
// owns (creationTimestamp, status) and empty specs are dropped: they are noise in a manifest and would
// show up as diffs in GitOps tools.
func toRNode(obj render.Object) (*yaml.RNode, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %T %s: %w", obj, obj.GetName(), err)
	}
	delete(m, "status")
	if isEmptyMap(m["spec"]) {
		delete(m, "spec")
	}
	prune(m)
	return yaml.FromMap(m)
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
