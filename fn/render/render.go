// Package render turns a validated RabbitMQCluster into typed Kubernetes objects. It is a
// pure function: no I/O, no clock, no randomness, so the same config always gives the same
// objects in the same order.
package render

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/names"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf"
)

// Object is a generated Kubernetes object.
type Object interface {
	runtime.Object
	metav1.Object
}

// Warning is a risky but valid choice, reported to the user without failing the render.
type Warning struct {
	Field   string
	Message string
}

// Output is everything one config renders to.
type Output struct {
	Objects  []Object
	Warnings []Warning
}

// cluster bundles what every builder needs.
type cluster struct {
	*v1alpha1.RabbitMQCluster
	names  names.Names
	series v1alpha1.Series
	files  rabbitconf.Files
}

func newCluster(c *v1alpha1.RabbitMQCluster) *cluster {
	return &cluster{RabbitMQCluster: c, names: names.For(c), series: c.Series(), files: rabbitconf.Build(c)}
}

// Render builds the manifest set of a defaulted, validated config.
func Render(c *v1alpha1.RabbitMQCluster) Output {
	k := newCluster(c)
	var objs []Object
	add := func(o ...Object) { objs = append(objs, o...) }
	if c.Spec.CreateNamespace {
		add(k.namespace())
	}
	add(k.serviceAccount())
	if k.needsKubernetesAPI() {
		add(k.role(), k.roleBinding())
	}
	add(k.configMap())
	add(k.storage()...)
	add(k.headlessService(), k.clientService())
	if k.Spec.Exposure.Ingress != nil {
		add(k.ingress())
	}
	if e := k.Spec.Discovery.Etcd; e != nil && e.Deploy {
		add(k.etcdService(), k.etcdStatefulSet())
	}
	if k.Spec.NetworkPolicy != nil {
		add(k.networkPolicies()...)
	}
	add(k.statefulSet(), k.podDisruptionBudget(), k.featureFlagsJob())
	if k.Spec.Definitions != nil {
		add(k.definitionsJob())
	}
	if k.Spec.ServiceMonitor != nil {
		add(k.serviceMonitor())
	}
	if k.Spec.Monitoring.PrometheusRule != nil {
		add(k.prometheusRule())
	}
	return Output{Objects: objs, Warnings: k.warnings()}
}

// needsKubernetesAPI is true for the k8s discovery of RabbitMQ before 4.1, which lists the
// Endpoints of the headless Service; nothing else in the pod talks to the API.
func (k *cluster) needsKubernetesAPI() bool {
	return k.Spec.Discovery.Mode == v1alpha1.DiscoveryK8s && !k.series.AtLeast(4, 1)
}

// communityPlugins are plugins that the official rabbitmq images do not ship, with the
// newest RabbitMQ series each has a release for (the zero Series: unknown).
var communityPlugins = map[string]v1alpha1.Series{
	"rabbitmq_delayed_message_exchange": {Major: 4, Minor: 2},
	"rabbitmq_message_timestamp":        {},
	"rabbitmq_routing_node_stamp":       {},
	"rabbitmq_rtopic_exchange":          {},
}
