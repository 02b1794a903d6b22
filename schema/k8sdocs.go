package schema

import (
	"reflect"
	"strings"
)

// swaggerDocumented is what Kubernetes' API types implement (types_swagger_doc_generated.go):
// their field documentation as the API server's OpenAPI publishes it, keyed by JSON name
// ("" for the type itself).
type swaggerDocumented interface{ SwaggerDoc() map[string]string }

// kubernetesDoc gives the fields of Kubernetes' own types that the config embeds (spec.env's
// EnvVar, spec.pod's Toleration, Affinity, TopologySpreadConstraint, LabelSelector, ...)
// Kubernetes' documentation, so that editors explain them too. A field of v1alpha1 keeps its
// own comment (the CommentMap, consulted when this returns "").
func kubernetesDoc(t reflect.Type, goField string) string {
	if !strings.HasPrefix(t.PkgPath(), "k8s.io/") || t.Kind() != reflect.Struct {
		return ""
	}
	doc, ok := reflect.New(t).Elem().Interface().(swaggerDocumented)
	if !ok {
		return ""
	}
	if goField == "" {
		return doc.SwaggerDoc()[""]
	}
	f, ok := t.FieldByName(goField)
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return doc.SwaggerDoc()[name]
}
