package render_test

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/names"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// statefulSets renders config and returns its StatefulSets by name, annotated as generate does.
func annotatedStatefulSets(t *testing.T, config string) (map[string]*appsv1.StatefulSet, []render.Warning) {
	t.Helper()
	c, errs := v1alpha1.Load([]byte(config))
	if len(errs) > 0 {
		t.Fatalf("config: %v", errs)
	}
	out := render.Render(c)
	render.AnnotateWarnings(out.Objects, names.For(c).StatefulSet(), out.Warnings)
	sets := map[string]*appsv1.StatefulSet{}
	for _, o := range out.Objects {
		if s, ok := o.(*appsv1.StatefulSet); ok {
			sets[s.Name] = s
		}
	}
	return sets, out.Warnings
}

// The cluster's StatefulSet carries every warning; its pod template (a change would roll the
// pods) and the deployed etcd's StatefulSet do not.
func TestWarningsAnnotateTheClusterStatefulSetOnly(t *testing.T) {
	sets, warnings := annotatedStatefulSets(t, `apiVersion: rabbitmq-krm.dev/v1alpha1
kind: RabbitMQCluster
metadata: {name: mq, namespace: ns}
spec:
  replicas: 4
  image: rabbitmq:4.2-management
  discovery: {mode: etcd, etcd: {deploy: true}}
  persistence: {emptyDir: true}
`)
	if len(warnings) != 2 {
		t.Fatalf("want 2 warnings (even replicas, emptyDir), got %v", warnings)
	}
	got := sets["mq"].Annotations[render.WarningsAnnotation]
	want := "spec.replicas: " + warnings[0].Message + "\nspec.persistence.emptyDir: " + warnings[1].Message
	if got != want {
		t.Errorf("annotation:\n%s\nwant:\n%s", got, want)
	}
	if _, ok := sets["mq"].Spec.Template.Annotations[render.WarningsAnnotation]; ok {
		t.Error("the pod template carries the warnings: a changed warning would restart the pods")
	}
	if e, ok := sets["mq-etcd"]; !ok || strings.Contains(e.Annotations[render.WarningsAnnotation], "spec.") {
		t.Errorf("the etcd StatefulSet is missing or carries the warnings: %v", e)
	}
}

func TestNoWarningsNoAnnotation(t *testing.T) {
	sets, warnings := annotatedStatefulSets(t, "apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata: {name: mq}\n")
	if len(warnings) != 0 {
		t.Fatalf("the default config warns: %v", warnings)
	}
	if _, ok := sets["mq"].Annotations[render.WarningsAnnotation]; ok {
		t.Error("annotation without warnings")
	}
}
