package render

import (
	"maps"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
)

// WarningsAnnotation carries a config's warnings on its StatefulSet, one "field: message" per
// line. Results and stderr do not reach every user: Argo CD (v3.3) keeps a successful plugin
// command's stderr in the sidecar's log only and has no field for it in its responses, and
// kustomize drops results. An annotation travels with the manifests into every consumer's
// output, Argo CD's manifests and diff, and the live object, so the risky choice stays visible
// where it is deployed. The same in every consumer: output does not depend on who runs us.
const WarningsAnnotation = "rabbitmq-krm.dev/warnings"

// AnnotateWarnings sets WarningsAnnotation on the cluster's StatefulSet (the one named like
// the config; an etcd StatefulSet beside it is not the cluster). On the StatefulSet's own
// metadata, never its pod template: a changed warning text must not restart the pods.
func AnnotateWarnings(objs []Object, name string, warnings []Warning) {
	if len(warnings) == 0 {
		return
	}
	lines := make([]string, len(warnings))
	for i, w := range warnings {
		lines[i] = w.Field + ": " + w.Message
	}
	for _, o := range objs {
		if _, ok := o.(*appsv1.StatefulSet); !ok || o.GetName() != name {
			continue
		}
		// a copy: the renderer may share one map between objects
		a := maps.Clone(o.GetAnnotations())
		if a == nil {
			a = map[string]string{}
		}
		a[WarningsAnnotation] = strings.Join(lines, "\n")
		o.SetAnnotations(a)
	}
}
