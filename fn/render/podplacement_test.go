package render_test

import (
	"maps"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

const podSpec = `  discovery: {mode: etcd, etcd: {deploy: true}}
  exposure:
    type: LoadBalancer
    loadBalancer: {annotations: {lb.example.com/internal: "true"}}
    annotations: {dns.example.com/name: mq.example.com}
    labels: {team: messaging}
  pod:
    labels: {team: messaging}
    annotations: {logs.example.com/parser: json}
    nodeSelector: {pool: rabbitmq}
    tolerations: [{key: dedicated, value: rabbitmq, effect: NoSchedule}]
    affinity:
      podAntiAffinity:
        requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname}]
    topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway}
    priorityClassName: rabbitmq-critical
    imagePullSecrets: [{name: registry}]
`

var brokers = &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "rabbitmq", "app.kubernetes.io/instance": "rabbitmq"}}

// Which pod gets what (documented on v1alpha1.Pod): placement everywhere, priority where the
// cluster runs, metadata and spreading on the brokers only.
func TestPodSettingsReachTheRightPods(t *testing.T) {
	out := renderSpec(t, podSpec)
	sts, _ := rabbitmqPod(t, out)
	broker := sts.Spec.Template
	etcd := find[*appsv1.StatefulSet](out.Objects, "rabbitmq-etcd").Spec.Template.Spec
	job := jobOf(t, out).Spec.Template.Spec
	for name, spec := range map[string]corev1.PodSpec{"broker": broker.Spec, "etcd": etcd, "feature flag Job": job} {
		if !reflect.DeepEqual(spec.NodeSelector, map[string]string{"pool": "rabbitmq"}) ||
			len(spec.Tolerations) != 1 || spec.Tolerations[0].Key != "dedicated" ||
			!reflect.DeepEqual(spec.ImagePullSecrets, []corev1.LocalObjectReference{{Name: "registry"}}) {
			t.Errorf("%s pod: nodeSelector %v, tolerations %v, imagePullSecrets %v", name, spec.NodeSelector, spec.Tolerations, spec.ImagePullSecrets)
		}
	}
	if broker.Spec.PriorityClassName != "rabbitmq-critical" || etcd.PriorityClassName != "rabbitmq-critical" || job.PriorityClassName != "" {
		t.Errorf("priorityClassName: broker %q, etcd %q, Job %q (want the class, the class, none)", broker.Spec.PriorityClassName, etcd.PriorityClassName, job.PriorityClassName)
	}
	if broker.Labels["team"] != "messaging" || broker.Labels["app.kubernetes.io/component"] != "broker" ||
		broker.Annotations["logs.example.com/parser"] != "json" || broker.Annotations[render.ConfigChecksumAnnotation] == "" {
		t.Errorf("broker pod metadata: labels %v, annotations %v", broker.Labels, broker.Annotations)
	}
	if sts.Labels["team"] != "" || sts.Spec.Selector.MatchLabels["team"] != "" {
		t.Errorf("pod labels must stay off the StatefulSet and its selector: %v, %v", sts.Labels, sts.Spec.Selector)
	}
	for _, spec := range []corev1.PodSpec{etcd, job} {
		if spec.Affinity != nil || spec.TopologySpreadConstraints != nil {
			t.Errorf("broker affinity or spreading on another pod: %v %v", spec.Affinity, spec.TopologySpreadConstraints)
		}
	}
	svc := find[*corev1.Service](out.Objects, "rabbitmq")
	wantAnn := map[string]string{"lb.example.com/internal": "true", "dns.example.com/name": "mq.example.com"}
	if !maps.Equal(svc.Annotations, wantAnn) || svc.Labels["team"] != "messaging" || svc.Labels["app.kubernetes.io/name"] != "rabbitmq" {
		t.Errorf("client Service: annotations %v (want %v), labels %v", svc.Annotations, wantAnn, svc.Labels)
	}
	if headless := find[*corev1.Service](out.Objects, "rabbitmq-nodes"); headless.Labels["team"] != "" || len(headless.Annotations) != 0 {
		t.Errorf("spec.exposure metadata reached the headless Service: %v %v", headless.Labels, headless.Annotations)
	}
}

// A term without a labelSelector would count or repel no pod: it gets the brokers' selector.
// The user's terms replace the defaults, and the config is not changed by rendering.
func TestPodTermsWithoutSelectorSelectBrokers(t *testing.T) {
	out := renderSpec(t, podSpec)
	sts, _ := rabbitmqPod(t, out)
	spec := sts.Spec.Template.Spec
	anti := spec.Affinity.PodAntiAffinity
	if len(anti.PreferredDuringSchedulingIgnoredDuringExecution) != 0 || len(anti.RequiredDuringSchedulingIgnoredDuringExecution) != 1 ||
		!reflect.DeepEqual(anti.RequiredDuringSchedulingIgnoredDuringExecution[0].LabelSelector, brokers) {
		t.Errorf("anti-affinity: %+v, want only the user's required term selecting %v", anti, brokers)
	}
	tsc := spec.TopologySpreadConstraints
	if len(tsc) != 1 || tsc[0].TopologyKey != "kubernetes.io/hostname" || !reflect.DeepEqual(tsc[0].LabelSelector, brokers) {
		t.Errorf("topologySpreadConstraints: %+v, want only the user's, selecting %v", tsc, brokers)
	}
	c, err := v1alpha1.Load([]byte("apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata: {name: rabbitmq, namespace: mq}\nspec:\n" + podSpec))
	if err != nil {
		t.Fatal(err)
	}
	render.Render(c)
	if c.Spec.Pod.TopologySpreadConstraints[0].LabelSelector != nil || c.Spec.Pod.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].LabelSelector != nil {
		t.Error("rendering changed the config's terms")
	}
	if none := renderSpec(t, "  pod: {affinity: {}}\n"); find[*appsv1.StatefulSet](none.Objects, "rabbitmq").Spec.Template.Spec.Affinity.PodAntiAffinity != nil {
		t.Error("affinity: {} must remove the default anti-affinity")
	}
	def, _ := rabbitmqPod(t, renderSpec(t, ""))
	if d := def.Spec.Template.Spec; d.Affinity.PodAntiAffinity == nil || len(d.TopologySpreadConstraints) != 1 || d.TopologySpreadConstraints[0].TopologyKey != "topology.kubernetes.io/zone" {
		t.Errorf("defaults changed: %+v %+v", d.Affinity, d.TopologySpreadConstraints)
	}
}

// The Job's name hashes its template: the same spec.pod gives the same name, another
// nodeSelector another Job.
func TestFeatureFlagJobNameFollowsPlacement(t *testing.T) {
	a, b := jobOf(t, renderSpec(t, podSpec)).Name, jobOf(t, renderSpec(t, podSpec)).Name
	c := jobOf(t, renderSpec(t, strings.Replace(podSpec, "pool: rabbitmq", "pool: other", 1))).Name
	if a != b || a == c {
		t.Errorf("Job names %s, %s (same config), %s (other nodeSelector)", a, b, c)
	}
}

func jobOf(t *testing.T, out render.Output) *batchv1.Job {
	t.Helper()
	for _, o := range out.Objects {
		if j, ok := o.(*batchv1.Job); ok {
			return j
		}
	}
	t.Fatal("no feature flag Job")
	return nil
}
