package main

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// kptConfig is a package's RabbitMQCluster file with spec lines (indented two spaces).
func kptConfig(name, spec string) string {
	return "apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata:\n  name: " + name +
		"\n  namespace: mq\n  annotations:\n    internal.config.kubernetes.io/path: rabbitmq.yaml\nspec:\n" + spec
}

// rerender renders a kpt package holding first, then renders it again with the config
// replaced by second, as `kpt fn render` does after the user edits the config file. It
// returns the second ResourceList (results included: under kpt they are not on stderr).
func rerender(t *testing.T, first, second string) (out string, code int) {
	t.Helper()
	items, _, stderr, code := runFunction(t, resourceList(t, "", first))
	if code != 0 {
		t.Fatalf("first render: exit %d\n%s", code, stderr)
	}
	docs := []string{second}
	for _, item := range items {
		if item.GetKind() != "RabbitMQCluster" {
			docs = append(docs, item.MustString())
		}
	}
	_, raw, _, code := runFunction(t, resourceList(t, "", docs...))
	return resultLines(t, raw), code
}

// resultLines are a ResourceList's results, one line each as kpt prints them
// ("[error] apps/v1/StatefulSet/mq/rabbitmq ...", kyaml's Result.String).
func resultLines(t *testing.T, raw string) string {
	t.Helper()
	var rl struct{ Results framework.Results }
	if err := yaml.Unmarshal([]byte(raw), &rl); err != nil {
		t.Fatalf("output is not a ResourceList: %v", err)
	}
	var b strings.Builder
	for _, r := range rl.Results {
		b.WriteString(r.String() + "\n")
	}
	return b.String()
}

// In a kpt package the previous render is visible: what a running cluster cannot take is
// refused with the procedure that works; safe changes pass.
func TestDay2ChangesInAPackage(t *testing.T) {
	const base = "  replicas: 5\n  image: rabbitmq:4.0.5-management\n"
	for _, tc := range []struct {
		name, first, second string
		want                []string // in the results; none: the render succeeds
	}{
		{"scale up", base, "  replicas: 7\n  image: rabbitmq:4.0.5-management\n", nil},
		{"scale down", base, "  replicas: 3\n  image: rabbitmq:4.0.5-management\n",
			[]string{"spec.replicas: the cluster runs 5 nodes", "rabbitmq-queues shrink rabbit@rabbitmq-4.rabbitmq-nodes.mq.svc.cluster.local", "spec.scaleDownFrom: 5", "forget_cluster_node", "data-rabbitmq-3"}},
		{"scale down acknowledged", base, "  replicas: 3\n  scaleDownFrom: 5\n  image: rabbitmq:4.0.5-management\n", nil},
		{"scale down acknowledged from another size", base, "  replicas: 3\n  scaleDownFrom: 7\n  image: rabbitmq:4.0.5-management\n", []string{"spec.replicas: the cluster runs 5 nodes"}},
		{"patch within the series", base, "  replicas: 5\n  image: rabbitmq:4.0.9-management\n", nil},
		{"next series", base, "  replicas: 5\n  image: rabbitmq:4.1.4-management\n", nil},
		{"4.0 to 4.3 skips 4.2", base, "  replicas: 5\n  image: rabbitmq:4.3.6-management\n", []string{"spec.image: the cluster runs RabbitMQ 4.0, and 4.3 does not support upgrading from it", "4.0 -> 4.2 -> 4.3"}},
		{"3.10 to 4.0", "  image: rabbitmq:3.10.8-management\n", "  image: rabbitmq:4.0.5-management\n", []string{"3.10 -> 3.11 -> 3.12 -> 3.13 -> 4.0"}},
		{"3.13 to 4.2 warns about Khepri", "  image: rabbitmq:3.13.7-management\n", "  image: rabbitmq:4.2.3-management\n", []string{"[warning]", "khepri_db"}},
		{"downgrade", "  image: rabbitmq:4.2.3-management\n", "  image: rabbitmq:4.1.4-management\n", []string{"spec.image: the cluster runs RabbitMQ 4.2: a downgrade to 4.1 is impossible"}},
		{"cluster domain", base, base + "  clusterDomain: corp.example\n", []string{"spec.clusterDomain: every node would get a new name", "svc.cluster.local -> ", "svc.corp.example"}},
		{"pod management policy", base, base + "  podManagementPolicy: OrderedReady\n", []string{"spec.podManagementPolicy: changes the StatefulSet's podManagementPolicy", "--cascade=orphan"}},
		{"volume size", base, base + "  persistence: {size: 20Gi}\n", []string{"spec.persistence: changes the StatefulSet's volumeClaimTemplates", "--cascade=orphan"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stderr, code := rerender(t, kptConfig("rabbitmq", tc.first), kptConfig("rabbitmq", tc.second))
			if tc.want == nil && code != 0 || tc.want != nil && code == 0 && !strings.Contains(tc.want[0], "warning") {
				t.Fatalf("exit %d, want refused %v:\n%s", code, tc.want != nil, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// Renaming a cluster in a package leaves its old StatefulSet behind: refused, naming the
// StatefulSet and both ways out.
func TestRenamedClusterIsRefusedInAPackage(t *testing.T) {
	stderr, code := rerender(t, kptConfig("rabbitmq", "  replicas: 3\n"), kptConfig("broker", "  replicas: 3\n"))
	if code == 0 {
		t.Fatal("a renamed cluster was rendered")
	}
	for _, w := range []string{"[error] apps/v1/StatefulSet/mq/rabbitmq: was rendered", `RabbitMQCluster "rabbitmq", which the package no longer holds`, "restore metadata.name", "delete its generated files"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
}

// The acknowledgement is reported once the scale-down is in the package, so that it does not
// silently allow the next one.
func TestScaleDownFromIsReportedOnceApplied(t *testing.T) {
	cfg := kptConfig("rabbitmq", "  replicas: 3\n  scaleDownFrom: 5\n")
	stderr, code := rerender(t, cfg, cfg)
	if code != 0 || !strings.Contains(stderr, "[warning]") || !strings.Contains(stderr, "remove scaleDownFrom") {
		t.Errorf("exit %d, want a warning to remove scaleDownFrom:\n%s", code, stderr)
	}
}

// Day-2 warnings are results only: in the StatefulSet's warnings annotation they would make the
// next render change the package.
func TestDay2WarningsStayOutOfTheAnnotation(t *testing.T) {
	cfg := kptConfig("rabbitmq", "  replicas: 3\n  scaleDownFrom: 5\n")
	items, _, _, _ := runFunction(t, resourceList(t, "", cfg))
	var docs []string
	for _, item := range items {
		docs = append(docs, item.MustString())
	}
	again, _, _, code := runFunction(t, resourceList(t, "", docs...))
	for _, item := range again {
		if item.GetKind() == "StatefulSet" && strings.Contains(item.GetAnnotations()[render.WarningsAnnotation], "scaleDownFrom") {
			t.Errorf("exit %d: the day-2 warning is in the StatefulSet's annotation: %q", code, item.GetAnnotations()[render.WarningsAnnotation])
		}
	}
}

// kustomize and Argo CD never show the previous output: nothing to compare, nothing refused.
func TestNoDay2ChecksWithoutAPackage(t *testing.T) {
	cfg := "apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata: {name: rabbitmq, namespace: mq}\nspec:\n  replicas: 3\n"
	prev := "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: rabbitmq\n  namespace: mq\n  labels: {app.kubernetes.io/managed-by: rabbitmq-krm, app.kubernetes.io/component: broker, app.kubernetes.io/instance: rabbitmq}\nspec: {replicas: 5}\n"
	if _, _, stderr, code := runFunction(t, resourceList(t, cfg, prev)); code != 0 {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
}
