package render

import (
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The Prometheus Operator's ServiceMonitor (monitoring.coreos.com/v1), reduced to the fields
// used here; k8s.io/api has no type for it.
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              serviceMonitorSpec `json:"spec"`
}

type serviceMonitorSpec struct {
	Selector          metav1.LabelSelector `json:"selector"`
	NamespaceSelector *namespaceSelector   `json:"namespaceSelector,omitempty"`
	Endpoints         []scrapeEndpoint     `json:"endpoints"`
}

type namespaceSelector struct {
	MatchNames []string `json:"matchNames"`
}

type scrapeEndpoint struct {
	Port        string              `json:"port"`
	Path        string              `json:"path"`
	Params      map[string][]string `json:"params,omitempty"`
	Interval    string              `json:"interval"`
	Relabelings []relabeling        `json:"relabelings,omitempty"`
}

type relabeling struct {
	Action      string `json:"action"`
	TargetLabel string `json:"targetLabel"`
	Replacement string `json:"replacement"`
}

// serviceMonitor scrapes every node through the headless Service (the client Service
// balances, so it would show a random node's metrics on each scrape).
func (k *cluster) serviceMonitor() Object {
	sm := k.Spec.ServiceMonitor
	meta := k.meta(k.names.ServiceMonitor())
	meta.Labels = maps.Clone(meta.Labels)
	maps.Copy(meta.Labels, sm.Labels)
	obj := serviceMonitor{
		TypeMeta:   typeMeta("monitoring.coreos.com/v1", "ServiceMonitor"),
		ObjectMeta: meta,
		Spec: serviceMonitorSpec{
			Selector:  metav1.LabelSelector{MatchLabels: k.headlessServiceSelector()},
			Endpoints: []scrapeEndpoint{{Port: prometheusListener.name, Path: "/metrics", Interval: sm.Interval}},
		},
	}
	if k.Namespace != "" {
		obj.Spec.NamespaceSelector = &namespaceSelector{MatchNames: []string{k.Namespace}}
	}
	if k.Spec.Monitoring.PrometheusRule != nil && k.hasDetailedQueueMetrics() {
		obj.Spec.Endpoints = append(obj.Spec.Endpoints, k.detailedQueueEndpoint())
	}
	return toUnstructured(&obj)
}

// detailedQueueEndpoint scrapes the per-queue metrics the queue alert reads, and only those
// families (each queue adds a series per metric). Its endpoint label differs from the
// /metrics scrape's, so that the two targets' up and scrape_* series stay apart.
func (k *cluster) detailedQueueEndpoint() scrapeEndpoint {
	return scrapeEndpoint{
		Port:        prometheusListener.name,
		Path:        "/metrics/detailed",
		Params:      map[string][]string{"family": detailedQueueFamilies},
		Interval:    k.Spec.ServiceMonitor.Interval,
		Relabelings: []relabeling{{Action: "replace", TargetLabel: "endpoint", Replacement: prometheusListener.name + "-detailed"}},
	}
}
