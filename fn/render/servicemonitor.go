package render

import (
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
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
	Port     string `json:"port"`
	Path     string `json:"path"`
	Interval string `json:"interval"`
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
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&obj)
	if err != nil {
		panic("serviceMonitor does not convert: " + err.Error()) // a programming error: the type is fixed
	}
	return &unstructured.Unstructured{Object: m}
}
