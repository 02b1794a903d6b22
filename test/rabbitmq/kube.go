//go:build e2e

// Package rabbitmq is the real-RabbitMQ end-to-end suite of rabbitmq-krm (build tag e2e; see README.md).
//
// This file splits and decodes the manifests (sigs.k8s.io/yaml into the k8s.io/api types), plus the kubelet's
// $(VAR) expansion.
package rabbitmq

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// object is one manifest document: its header, plus the raw document for decoding into its k8s.io/api type.
type object struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	raw               []byte
}

// secretValues is what a pod sees of a Secret: data, overlaid by stringData (the API server merges it on write).
func secretValues(s *corev1.Secret) map[string][]byte {
	out := map[string][]byte{}
	maps.Copy(out, s.Data)
	for k, v := range s.StringData {
		out[k] = []byte(v)
	}
	return out
}

// manifests is a decoded multi-document manifest set (rendered output plus test-supplied objects).
type manifests struct {
	objects []object
}

var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

func parseManifests(data []byte) (*manifests, error) {
	m := &manifests{}
	for _, doc := range docSep.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			return nil, fmt.Errorf("decoding manifest document: %v\n%s", err, doc)
		}
		if o.Kind == "" {
			return nil, fmt.Errorf("manifest document without kind:\n%s", doc)
		}
		if o.Kind == "List" {
			var l struct {
				Items []any `json:"items"`
			}
			if err := yaml.Unmarshal([]byte(doc), &l); err != nil {
				return nil, err
			}
			for _, it := range l.Items {
				b, _ := yaml.Marshal(it)
				sub, err := parseManifests(b)
				if err != nil {
					return nil, err
				}
				m.objects = append(m.objects, sub.objects...)
			}
			continue
		}
		o.raw = []byte(doc)
		m.objects = append(m.objects, o)
	}
	return m, nil
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

func (m *manifests) find(kind, namespace, name string) *object {
	for i := range m.objects {
		o := &m.objects[i]
		if o.Kind == kind && o.Name == name && (namespace == "" || o.Namespace == namespace || o.Namespace == "") {
			return o
		}
	}
	return nil
}

func (m *manifests) ofKind(kind string) []*object {
	var out []*object
	for i := range m.objects {
		if m.objects[i].Kind == kind {
			out = append(out, &m.objects[i])
		}
	}
	return out
}

func decodeInto(o *object, v any) error {
	if err := yaml.Unmarshal(o.raw, v); err != nil {
		return fmt.Errorf("%s %s: %v", o.Kind, o.Name, err)
	}
	return nil
}

// decodeKind decodes every object of the kind into its k8s.io/api type T (corev1.ConfigMap for "ConfigMap", ...).
func decodeKind[T any](m *manifests, kind string) ([]*T, error) {
	var out []*T
	for _, o := range m.ofKind(kind) {
		v := new(T)
		if err := decodeInto(o, v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// ---------------------------------------------------------------- $(VAR) expansion, as the kubelet does it
// (k8s.io/kubernetes/third_party/forked/golang/expansion): $(NAME) is replaced when NAME is defined earlier in
// the list (or is a service-link variable); $$ is an escaped $; an undefined reference is kept verbatim.

func expandVars(input string, mapping func(string) string) string {
	var buf bytes.Buffer
	checkpoint := 0
	for cursor := 0; cursor < len(input); cursor++ {
		if input[cursor] == '$' && cursor+1 < len(input) {
			buf.WriteString(input[checkpoint:cursor])
			read, isVar, advance := tryReadVariableName(input[cursor+1:])
			if isVar {
				buf.WriteString(mapping(read))
			} else {
				buf.WriteString(read)
			}
			cursor += advance
			checkpoint = cursor + 1
		}
	}
	return buf.String() + input[checkpoint:]
}

func tryReadVariableName(input string) (string, bool, int) {
	switch input[0] {
	case '$':
		return input[0:1], false, 1
	case '(':
		for i := 1; i < len(input); i++ {
			if input[i] == ')' {
				return input[1:i], true, i + 1
			}
		}
		return "$(", false, 1
	default:
		return "$" + string(input[0]), false, 1
	}
}

func mappingFor(contexts ...map[string]string) func(string) string {
	return func(name string) string {
		for _, c := range contexts {
			if v, ok := c[name]; ok {
				return v
			}
		}
		return "$(" + name + ")"
	}
}
