package render_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// monitoredConfig is a cluster with the PrometheusRule on image, plus extra spec lines.
func monitoredConfig(image, extra string) string {
	return fmt.Sprintf(`apiVersion: rabbitmq-krm.dev/v1alpha1
kind: RabbitMQCluster
metadata: {name: mq, namespace: ns}
spec:
  image: %s
  serviceMonitor: {}
  monitoring: {prometheusRule: {}}
%s`, image, extra)
}

// renderMonitored returns the alert names, the ServiceMonitor's endpoint paths and the warnings.
func renderMonitored(t *testing.T, config string) (alerts, paths []string, warnings []render.Warning) {
	t.Helper()
	c, errs := v1alpha1.Load([]byte(config))
	if len(errs) > 0 {
		t.Fatalf("%v", errs)
	}
	out := render.Render(c)
	for _, o := range out.Objects {
		u, ok := o.(*unstructured.Unstructured)
		if !ok {
			continue
		}
		switch u.GetKind() {
		case "PrometheusRule":
			groups, _, _ := unstructured.NestedSlice(u.Object, "spec", "groups")
			for _, r := range groups[0].(map[string]any)["rules"].([]any) {
				alerts = append(alerts, r.(map[string]any)["alert"].(string))
			}
		case "ServiceMonitor":
			eps, _, _ := unstructured.NestedSlice(u.Object, "spec", "endpoints")
			for _, e := range eps {
				paths = append(paths, e.(map[string]any)["path"].(string))
			}
		}
	}
	return alerts, paths, out.Warnings
}

// The alerts follow what each series exposes: the TCP socket metrics ended with 3.13, the
// per-queue metrics of /metrics/detailed (and the ServiceMonitor endpoint for them) began
// with 3.9.7, and an emptyDir cluster has no claim to miss.
func TestAlertsFollowTheSeries(t *testing.T) {
	for _, tc := range []struct {
		image, extra        string
		sockets, queue, pvc bool
	}{
		{image: "rabbitmq:3.8.35-management", sockets: true, pvc: true},
		{image: "rabbitmq:3.9.6-management", sockets: true, pvc: true},
		{image: "rabbitmq:3.9.7-management", sockets: true, queue: true, pvc: true},
		{image: "rabbitmq:3.9-management", sockets: true, queue: true, pvc: true},
		{image: "rabbitmq:3.13.7-management", sockets: true, queue: true, pvc: true},
		{image: "rabbitmq:4.0.5-management", queue: true, pvc: true},
		{image: "rabbitmq:4.3.0-management", queue: true, extra: "  persistence: {emptyDir: true}\n"},
	} {
		t.Run(tc.image, func(t *testing.T) {
			alerts, paths, warnings := renderMonitored(t, monitoredConfig(tc.image, tc.extra))
			has := func(a string) bool { return slices.Contains(alerts, a) }
			if has(v1alpha1.AlertTCPSocketsNearLimit) != tc.sockets || has(v1alpha1.AlertQueueGrowingWithoutConsumers) != tc.queue ||
				has(v1alpha1.AlertPersistentVolumeMissing) != tc.pvc {
				t.Errorf("alerts %v: want sockets %v, queue %v, pvc %v", alerts, tc.sockets, tc.queue, tc.pvc)
			}
			if detailed := slices.Contains(paths, "/metrics/detailed"); detailed != tc.queue {
				t.Errorf("ServiceMonitor paths %v: want /metrics/detailed %v", paths, tc.queue)
			}
			warned := slices.ContainsFunc(warnings, func(w render.Warning) bool {
				return strings.Contains(w.Message, v1alpha1.AlertQueueGrowingWithoutConsumers)
			})
			if warned && !slices.ContainsFunc(warnings, func(w render.Warning) bool {
				return strings.Contains(w.Message, "RabbitMQ "+strings.TrimSuffix(strings.TrimPrefix(tc.image, "rabbitmq:"), "-management")+" has")
			}) {
				t.Errorf("warnings %v: want the release of %s named", warnings, tc.image)
			}
			if warned == tc.queue {
				t.Errorf("warnings %v: a warning about the left-out queue alert is wanted exactly when it is left out", warnings)
			}
		})
	}
}

// Without the rule, the ServiceMonitor scrapes /metrics only (no per-queue series).
func TestServiceMonitorWithoutRuleScrapesMetricsOnly(t *testing.T) {
	config := strings.Replace(monitoredConfig("rabbitmq:4.2.3-management", ""), "  monitoring: {prometheusRule: {}}\n", "", 1)
	alerts, paths, _ := renderMonitored(t, config)
	if len(alerts) != 0 || !slices.Equal(paths, []string{"/metrics"}) {
		t.Errorf("alerts %v, paths %v: want none and [/metrics]", alerts, paths)
	}
}
