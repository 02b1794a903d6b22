package render_test

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/diff"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// Scaling up must start new pods and restart none: the pod template (and so the config
// checksum on it) and the feature flag Job are the same for 3 and 5 replicas, in every
// discovery mode, while the ConfigMap does change (the cluster size hint, the seed list).
func TestScalingUpChangesNoPodTemplate(t *testing.T) {
	for _, mode := range []string{"k8s", "classic", "dns", "etcd"} {
		for _, version := range []string{"3.10", "4.0", "4.3"} {
			if mode == "dns" && version == "3.10" {
				continue // refused: the dns backend races on 3.8.18-3.12
			}
			name := mode + "/" + version
			spec := func(replicas int) string {
				s := fmt.Sprintf("  replicas: %d\n  image: rabbitmq:%s-management\n  discovery: {mode: %s}\n", replicas, version, mode)
				if mode == "etcd" {
					s = fmt.Sprintf("  replicas: %d\n  image: rabbitmq:%s-management\n  discovery: {mode: etcd, etcd: {deploy: true}}\n", replicas, version)
				}
				return s
			}
			three, five := renderSpec(t, spec(3)), renderSpec(t, spec(5))
			if a, b := find[*appsv1.StatefulSet](three.Objects, "rabbitmq").Spec.Template, find[*appsv1.StatefulSet](five.Objects, "rabbitmq").Spec.Template; !equality.Semantic.DeepEqual(a, b) {
				t.Errorf("%s: the pod template changes with replicas 3 -> 5, so every pod restarts:\n%s", name, diff.Diff(a, b))
			}
			if a, b := featureFlagJob(t, three), featureFlagJob(t, five); !equality.Semantic.DeepEqual(a, b) {
				t.Errorf("%s: the feature flag Job changes with replicas 3 -> 5 (its template is immutable):\n%s", name, diff.Diff(a, b))
			}
			if equality.Semantic.DeepEqual(find[*corev1.ConfigMap](three.Objects, "rabbitmq-config").Data, find[*corev1.ConfigMap](five.Objects, "rabbitmq-config").Data) {
				t.Errorf("%s: the ConfigMap does not tell new nodes the new size", name)
			}
		}
	}
}

// The checksum still follows what a running node reads: a changed setting restarts the pods.
func TestConfigChangeChangesTheChecksum(t *testing.T) {
	a := find[*appsv1.StatefulSet](renderSpec(t, "  replicas: 3\n").Objects, "rabbitmq")
	b := find[*appsv1.StatefulSet](renderSpec(t, "  replicas: 3\n  plugins: [rabbitmq_shovel]\n").Objects, "rabbitmq")
	c := find[*appsv1.StatefulSet](renderSpec(t, "  replicas: 3\n  resources: {requests: {memory: 4Gi}, limits: {memory: 4Gi}}\n").Objects, "rabbitmq")
	sum := func(s *appsv1.StatefulSet) string {
		return s.Spec.Template.Annotations["rabbitmq-krm.dev/config-checksum"]
	}
	if sum(a) == sum(b) || sum(a) == sum(c) {
		t.Errorf("a plugin or memory change leaves the config checksum at %s: the pods would keep the old config", sum(a))
	}
}

func featureFlagJob(t *testing.T, out render.Output) *batchv1.Job {
	t.Helper()
	var jobs []*batchv1.Job
	for _, o := range out.Objects {
		if j, ok := o.(*batchv1.Job); ok {
			jobs = append(jobs, j)
		}
	}
	if len(jobs) != 1 {
		t.Fatalf("%d feature flag Jobs, want 1", len(jobs))
	}
	return jobs[0]
}
