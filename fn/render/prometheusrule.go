package render

import (
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// The Prometheus Operator's PrometheusRule (monitoring.coreos.com/v1), reduced to the
// fields used here; k8s.io/api has no type for it.
type prometheusRule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              prometheusRuleSpec `json:"spec"`
}

type prometheusRuleSpec struct {
	Groups []ruleGroup `json:"groups"`
}

type ruleGroup struct {
	Name  string      `json:"name"`
	Rules []alertRule `json:"rules"`
}

type alertRule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// prometheusRule holds one group with this cluster's alerts (alerts.go builds them).
func (k *cluster) prometheusRule() Object {
	spec := k.Spec.Monitoring.PrometheusRule
	meta := k.meta(k.names.PrometheusRule())
	meta.Labels = maps.Clone(meta.Labels)
	maps.Copy(meta.Labels, spec.Labels)
	rules := k.alerts()
	for i := range rules {
		rules[i].For = spec.For
		rules[i].Labels = k.alertLabels(rules[i].Alert, rules[i].Labels)
	}
	return toUnstructured(&prometheusRule{
		TypeMeta:   typeMeta("monitoring.coreos.com/v1", "PrometheusRule"),
		ObjectMeta: meta,
		Spec: prometheusRuleSpec{Groups: []ruleGroup{{
			Name:  "rabbitmq-krm." + k.Namespace + "." + k.Name,
			Rules: rules,
		}}},
	})
}

// alertLabels are the alert's own labels, the user's alertLabels and the alert's severity.
func (k *cluster) alertLabels(alert string, own map[string]string) map[string]string {
	spec := k.Spec.Monitoring.PrometheusRule
	l := map[string]string{}
	maps.Copy(l, own)
	maps.Copy(l, spec.AlertLabels)
	l["severity"] = v1alpha1.AlertSeverities[alert]
	if s, ok := spec.Severities[alert]; ok {
		l["severity"] = s
	}
	return l
}

// toUnstructured converts the reduced Prometheus Operator types (a conversion failure is a
// programming error: the types are fixed).
func toUnstructured(obj any) Object {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		panic("a fixed object type does not convert: " + err.Error())
	}
	return &unstructured.Unstructured{Object: m}
}
