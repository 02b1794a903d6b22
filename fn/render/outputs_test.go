package render_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// output is one manifest set that the function produced, as typed objects.
type output struct {
	name string
	objs []render.Object
}

// everyOutput is what every valid golden config renders to, rendered here (so a change to
// the generator reaches the invariants at once, before `make golden`), and every recorded
// `kustomize build` of the shipped bases and overlays (their configs exist only as patches).
func everyOutput(t *testing.T) []output {
	t.Helper()
	configs, _ := filepath.Glob("../../testdata/golden/*/config.yaml")
	var outs []output
	for _, path := range configs {
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), "want-error.txt")); err == nil {
			continue // an invalid config: it renders nothing
		}
		c, errs := v1alpha1.Load(readFile(t, path))
		if len(errs) > 0 {
			t.Fatalf("%s: %v", path, errs)
		}
		outs = append(outs, output{filepath.Base(filepath.Dir(path)), render.Render(c).Objects})
	}
	builds, _ := filepath.Glob("../../testdata/kustomize/*.yaml")
	for _, path := range builds {
		outs = append(outs, output{"kustomize/" + filepath.Base(path), decodeObjects(t, path)})
	}
	if len(configs) < 10 || len(builds) < 5 {
		t.Fatalf("found only %d golden configs and %d kustomize builds", len(configs), len(builds))
	}
	return outs
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// decodeObjects reads a multi-document manifest into the typed objects the invariants look
// at; other kinds stay unstructured.
func decodeObjects(t *testing.T, path string) []render.Object {
	t.Helper()
	var objs []render.Object
	for i, doc := range strings.Split(string(readFile(t, path)), "\n---\n") {
		var u unstructured.Unstructured
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatalf("%s document %d: %v", path, i, err)
		}
		var obj render.Object
		switch u.GetKind() {
		case "StatefulSet":
			obj = &appsv1.StatefulSet{}
		case "Job":
			obj = &batchv1.Job{}
		case "Service":
			obj = &corev1.Service{}
		case "NetworkPolicy":
			obj = &networkingv1.NetworkPolicy{}
		case "Ingress":
			obj = &networkingv1.Ingress{}
		default:
			objs = append(objs, &u)
			continue
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Fatalf("%s document %d: %v", path, i, err)
		}
		objs = append(objs, obj)
	}
	return objs
}

// all returns the objects of type T, in output order.
func all[T render.Object](objs []render.Object) []T {
	var found []T
	for _, o := range objs {
		if typed, ok := o.(T); ok {
			found = append(found, typed)
		}
	}
	return found
}

// statefulSets is every StatefulSet of every output, keyed by output and name.
func statefulSets(t *testing.T) map[string]*appsv1.StatefulSet {
	t.Helper()
	found := map[string]*appsv1.StatefulSet{}
	for _, out := range everyOutput(t) {
		for _, sts := range all[*appsv1.StatefulSet](out.objs) {
			found[out.name+":"+sts.Name] = sts
		}
	}
	return found
}
