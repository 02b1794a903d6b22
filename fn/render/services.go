package render

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf"
)

func servicePort(name string, port int32) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Port: port, TargetPort: intstr.FromString(name), Protocol: corev1.ProtocolTCP}
}

// headlessService gives every pod its stable DNS name (<pod>.<name>-nodes.<ns>.svc.<domain>)
// even before it is ready, which node names and peer discovery depend on. Prometheus scrapes
// each node through it.
func (k *cluster) headlessService() Object {
	return headless(k.meta(k.names.HeadlessService()), k.selector(),
		servicePort("epmd", rabbitconf.PortEPMD),
		servicePort("cluster-rpc", rabbitconf.PortDist),
		servicePort("prometheus", rabbitconf.PortPrometheus),
	)
}

// headless is a Service that resolves to every selected pod, ready or not: StatefulSet pods
// need their DNS names while they boot.
func headless(meta metav1.ObjectMeta, selector map[string]string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   typeMeta("v1", "Service"),
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			PublishNotReadyAddresses: true,
			Selector:                 selector,
			Ports:                    ports,
		},
	}
}

// clientService is what applications use (<name>.<ns>:5672) and what NodePort or
// LoadBalancer exposure opens. Metrics stay in-cluster: prometheus is on this Service only
// for ClusterIP, so an exposed Service never publishes it.
func (k *cluster) clientService() Object {
	x := k.Spec.Exposure
	amqp := servicePort("amqp", rabbitconf.PortAMQP)
	mgmt := servicePort("management", rabbitconf.PortManagement)
	if x.NodePorts != nil {
		amqp.NodePort = x.NodePorts.AMQP
		mgmt.NodePort = x.NodePorts.Management
	}
	svc := &corev1.Service{
		TypeMeta:   typeMeta("v1", "Service"),
		ObjectMeta: k.meta(k.names.ClientService()),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceType(x.Type),
			Selector: k.selector(),
			Ports:    []corev1.ServicePort{amqp, mgmt},
		},
	}
	switch x.Type {
	case v1alpha1.ExposureClusterIP:
		svc.Spec.Ports = append(svc.Spec.Ports, servicePort("prometheus", rabbitconf.PortPrometheus))
	case v1alpha1.ExposureLoadBalancer:
		if lb := x.LoadBalancer; lb != nil {
			svc.Spec.LoadBalancerSourceRanges = lb.SourceRanges
			if len(lb.Annotations) > 0 {
				svc.Annotations = lb.Annotations
			}
			if lb.Class != "" {
				svc.Spec.LoadBalancerClass = ptr(lb.Class)
			}
		}
	}
	return svc
}
