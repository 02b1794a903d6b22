package krm

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/randfill"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// objectNode must build exactly the node tree that the way through encoding/json builds
// (objectNodeJSON), on what the renderer produces for every golden config and on randomly
// filled objects of the API types.

// checkObjectNode compares the two; unless strict, objectNode may leave obj to encoding/json.
func checkObjectNode(t *testing.T, obj any, strict bool) {
	t.Helper()
	want, wantErr := objectNodeJSON(obj)
	got, err := objectNode(reflect.ValueOf(obj))
	if err == errUnsupported && !strict {
		return // toRNode takes the encoding/json way
	}
	if err != nil || wantErr != nil {
		t.Fatalf("objectNode error %v, encoding/json error %v", err, wantErr)
	}
	if !sameNode(got, want) {
		t.Fatalf("%T: objectNode differs from encoding/json:\n got %s\nwant %s", obj, nodeString(got), nodeString(want))
	}
}

// sameNode compares what the encoder writes of two trees.
func sameNode(a, b *yaml.Node) bool {
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value || len(a.Content) != len(b.Content) {
		return false
	}
	for i := range a.Content {
		if !sameNode(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

func nodeString(n *yaml.Node) string {
	s, err := yaml.NewRNode(n).String()
	if err != nil {
		return err.Error()
	}
	return s
}

func TestObjectNodeOfRenderedObjects(t *testing.T) {
	configs := goldenConfigs(t)
	configs["bench-large"] = benchLargeConfig
	for name, config := range configs {
		c, err := v1alpha1.Decode([]byte(config))
		if err != nil {
			continue // the invalid-* cases
		}
		c.Default()
		if len(c.Validate()) > 0 {
			continue
		}
		t.Run(name, func(t *testing.T) {
			for _, o := range render.Render(c).Objects {
				checkObjectNode(t, o, true) // rendered objects must not need encoding/json
			}
		})
	}
}

func TestObjectNodeOfRandomObjects(t *testing.T) {
	f := randfill.NewWithSeed(1).NilChance(0.3).NumElements(0, 2).MaxDepth(8).Funcs(
		// The types with their own JSON form get valid values (random internals panic).
		func(q *resource.Quantity, c randfill.Continue) {
			*q = *resource.NewQuantity(c.Int63n(1<<40), []resource.Format{resource.BinarySI, resource.DecimalSI}[c.Intn(2)])
		},
		func(x *intstr.IntOrString, c randfill.Continue) {
			if c.Bool() {
				*x = intstr.FromInt32(c.Int31())
			} else {
				*x = intstr.FromString(c.String(0))
			}
		},
		func(tm *metav1.Time, c randfill.Continue) {
			if c.Bool() {
				*tm = metav1.Unix(c.Int63n(1<<32), 0)
			}
		},
		func(tm *metav1.MicroTime, c randfill.Continue) {
			if c.Bool() {
				*tm = metav1.NewMicroTime(metav1.Unix(c.Int63n(1<<32), 0).Time)
			}
		},
		func(f *metav1.FieldsV1, c randfill.Continue) { f.Raw = []byte(`{"f:a":{}}`) },
		func(s *string, c randfill.Continue) {
			*s = []string{"", "a", "true", "é", "\xff\xfe", "a\nb", "<&>", c.String(0)}[c.Intn(8)]
		},
	)
	objects := []func() any{
		func() any { return &appsv1.StatefulSet{} },
		func() any { return &corev1.Pod{} },
		func() any { return &corev1.Service{} },
		func() any { return &corev1.PersistentVolume{} },
		func() any { return &corev1.PersistentVolumeClaim{} },
		func() any { return &corev1.ConfigMap{} },
		func() any { return &corev1.Secret{} },
		func() any { return &corev1.Namespace{} },
		func() any { return &corev1.ServiceAccount{} },
		func() any { return &rbacv1.Role{} },
		func() any { return &rbacv1.RoleBinding{} },
		func() any { return &networkingv1.Ingress{} },
		func() any { return &policyv1.PodDisruptionBudget{} },
		func() any { return &metav1.ObjectMeta{} },
	}
	n := 50
	if testing.Short() {
		n = 5
	}
	for _, newObj := range objects {
		name := strings.TrimPrefix(fmt.Sprintf("%T", newObj()), "*")
		t.Run(name, func(t *testing.T) {
			for range n {
				obj := newObj()
				f.Fill(obj)
				checkObjectNode(t, obj, false)
			}
		})
	}
}

// Go's encoding/json rules that k8s.io/api types do not exercise.
func TestObjectNodeRules(t *testing.T) {
	type Inner struct {
		A string `json:"a"`
		B string
	}
	type Other struct {
		A string `json:"a"`
	}
	type withAddrMarshaler struct {
		Q resource.Quantity `json:"q"`
	}
	type rules struct {
		Inner                        // embedded: fields promoted
		*Other                       // conflicting "a" at the same depth, tagged both: dropped
		Named      Inner             `json:"named"`
		Skip       string            `json:"-"`
		Dash       string            `json:"-,"`
		Empty      string            `json:",omitempty"`
		Zero       metav1.Time       `json:"zero,omitzero"`
		ZeroPtr    *metav1.Time      `json:"zeroPtr,omitzero"`
		Bytes      []byte            `json:"bytes"`
		NilBytes   []byte            `json:"nilBytes"`
		Array      [2]int8           `json:"array"`
		Any        any               `json:"any"`
		Map        map[string]*Inner `json:"map"`
		NilMap     map[string]string `json:"nilMap"`
		EmptySlice []string          `json:"emptySlice"`
		Uint       uint64            `json:"uint"`
		Invalid    string            `json:"invalid"`
		Quantities map[string]resource.Quantity
		Wrapped    []withAddrMarshaler
		Marshaler  json.Marshaler
		NilMarsh   json.Marshaler
		Stringer   fmt.Stringer
		unexported string
	}
	v := &rules{
		Inner: Inner{A: "a", B: "b"}, Other: &Other{A: "other"}, Named: Inner{A: "n"},
		Skip: "s", Dash: "d", Bytes: []byte("hi"), Array: [2]int8{-1, 1}, Any: map[string]int{"x": 1},
		Map: map[string]*Inner{"k": nil, "l": {}}, EmptySlice: []string{}, Uint: 1 << 63,
		Invalid: "a\xffb", Quantities: map[string]resource.Quantity{"cpu": resource.MustParse("100m")},
		Wrapped: []withAddrMarshaler{{resource.MustParse("1Gi")}}, unexported: "u",
		Marshaler: resource.MustParse("2"), Stringer: ptrTo(resource.MustParse("3")),
	}
	checkObjectNode(t, v, true)
	// Embedding: depth decides, a struct embedded twice at one level cancels its fields, a
	// nil embedded pointer hides its fields, a type embedded in itself is visited once.
	type Deep struct {
		A string `json:"a"`
		D string `json:"d"`
	}
	type Mid struct {
		Deep
		M string `json:"m"`
	}
	type Twice struct{ T string }
	type Left struct{ Twice }
	type Right struct{ Twice }
	type Rec struct {
		R string
		*Rec
	}
	checkObjectNode(t, &struct {
		Mid
		Left
		Right
		*Inner
		Rec
		A string `json:"a"`
	}{Mid: Mid{Deep: Deep{A: "deep", D: "d"}, M: "m"}, A: "top", Rec: Rec{R: "r", Rec: &Rec{R: "inner"}}}, true)
	// What objectNode leaves to encoding/json.
	for _, u := range []any{
		&struct{ F float64 }{1.5},
		&struct {
			S int `json:",string"`
		}{1},
		&struct{ M map[int]string }{map[int]string{1: "a"}},
	} {
		if _, err := objectNode(reflect.ValueOf(u)); err != errUnsupported {
			t.Errorf("%T: want errUnsupported, got %v", u, err)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
