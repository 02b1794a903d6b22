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
	meta := k.meta(k.names.HeadlessService())
	meta.Labels = k.headlessServiceLabels()
	return headless(meta, k.selector(),
		servicePort("epmd", rabbitconf.PortEPMD),
		servicePort("cluster-rpc", rabbitconf.PortDist),
		servicePort("prometheus", rabbitconf.PortPrometheus),
	)
}

// headlessServiceLabels tell the headless Service from the client Service, which has the
// same app labels (the ServiceMonitor selects it).
func (k *cluster) headlessServiceLabels() map[string]string {
	l := k.labels()
	l[serviceRoleLabel] = "nodes"
	return l
}

func (k *cluster) headlessServiceSelector() map[string]string {
	l := k.selector()
	l[serviceRoleLabel] = "nodes"
	return l
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
// for ClusterIP, so an exposed Service never publishes it. Node ports go to the listener of
// record of AMQP and management (plain, or TLS when plain listeners are off).
func (k *cluster) clientService() Object {
	x := k.Spec.Exposure
	var amqpNodePort, managementNodePort int32
	if x.NodePorts != nil {
		amqpNodePort, managementNodePort = x.NodePorts.AMQP, x.NodePorts.Management
	}
	ports := append(servicePorts(k.amqpListeners(), amqpNodePort), servicePorts(k.managementListeners(), managementNodePort)...)
	for _, l := range k.protocolListeners() { // node ports, where exposed, are allocated
		ports = append(ports, l.servicePort())
	}
	meta := k.meta(k.names.ClientService())
	meta.Labels = merged(x.Labels, meta.Labels)
	meta.Annotations = merged(x.Annotations, nil)
	svc := &corev1.Service{
		TypeMeta:   typeMeta("v1", "Service"),
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceType(x.Type),
			Selector: k.selector(),
			Ports:    ports,
		},
	}
	switch x.Type {
	case v1alpha1.ExposureClusterIP:
		for _, l := range k.prometheusListeners() {
			svc.Spec.Ports = append(svc.Spec.Ports, l.servicePort())
		}
	case v1alpha1.ExposureLoadBalancer:
		if lb := x.LoadBalancer; lb != nil {
			svc.Spec.LoadBalancerSourceRanges = lb.SourceRanges
			// Validate refuses a key in both maps.
			svc.Annotations = merged(svc.Annotations, lb.Annotations)
			if lb.Class != "" {
				svc.Spec.LoadBalancerClass = ptr(lb.Class)
			}
		}
	}
	return svc
}

// servicePorts publishes listeners; the node port (0: allocated) goes to the first one.
func servicePorts(listeners []listener, nodePort int32) []corev1.ServicePort {
	ports := make([]corev1.ServicePort, len(listeners))
	for i, l := range listeners {
		ports[i] = l.servicePort()
	}
	ports[0].NodePort = nodePort
	return ports
}
