package render

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf"
)

// listener is a client-facing port a node opens.
type listener struct {
	name string
	port int32
}

var (
	amqpListener          = listener{"amqp", rabbitconf.PortAMQP}
	amqpsListener         = listener{"amqps", rabbitconf.PortAMQPS}
	managementListener    = listener{"management", rabbitconf.PortManagement}
	managementTLSListener = listener{"management-tls", rabbitconf.PortManagementTLS}
	prometheusListener    = listener{"prometheus", rabbitconf.PortPrometheus}
	prometheusTLSListener = listener{"prometheus-tls", rabbitconf.PortPrometheusTLS}
)

func (k *cluster) plainListeners() bool {
	return k.Spec.TLS == nil || !k.Spec.TLS.DisableNonTLSListeners
}

// pick returns the plain listener when it is open, then the TLS one when TLS is on. The
// first one is the listener of record: probes, node ports and the Ingress use it.
func (k *cluster) pick(plain, tls listener) []listener {
	var l []listener
	if k.plainListeners() {
		l = append(l, plain)
	}
	if k.Spec.TLS != nil {
		l = append(l, tls)
	}
	return l
}

func (k *cluster) amqpListeners() []listener { return k.pick(amqpListener, amqpsListener) }

func (k *cluster) managementListeners() []listener {
	return k.pick(managementListener, managementTLSListener)
}

// prometheusListeners always include the plain port (see rabbitconf's listeners).
func (k *cluster) prometheusListeners() []listener {
	l := []listener{prometheusListener}
	if k.Spec.TLS != nil {
		l = append(l, prometheusTLSListener)
	}
	return l
}

// protocolListeners are the listeners of the protocol plugins that spec.plugins enables.
func (k *cluster) protocolListeners() []listener {
	var l []listener
	for _, p := range rabbitconf.EnabledProtocols(k.RabbitMQCluster) {
		l = append(l, k.pick(listener{p.Name, p.Port}, listener{p.TLSName, p.TLSPort})...)
	}
	return l
}

func (k *cluster) clientListeners() []listener {
	l := append(append(k.amqpListeners(), k.managementListeners()...), k.prometheusListeners()...)
	return append(l, k.protocolListeners()...)
}

func (l listener) servicePort() corev1.ServicePort { return servicePort(l.name, l.port) }

func (l listener) containerPort() corev1.ContainerPort { return containerPort(l.name, l.port) }
