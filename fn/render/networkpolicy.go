package render

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/names"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf"
)

// CLI tools reach a node on the distribution port + 10000 .. + 10010.
const (
	cliPortFirst = rabbitconf.PortDist + 10000
	cliPortLast  = cliPortFirst + 10
)

// networkPolicies admit only cluster pods to the inter-node ports, and the configured
// clients (or anyone) to the client ports. Egress stays open: nodes must reach DNS, the
// Kubernetes API or etcd, and plugin downloads.
func (k *cluster) networkPolicies() []Object {
	own := networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: k.selector()}}
	var clientPorts []networkingv1.NetworkPolicyPort
	for _, l := range k.clientListeners() {
		clientPorts = append(clientPorts, policyPort(l.port))
	}
	policies := []Object{k.networkPolicy(k.meta(k.names.NetworkPolicy()), k.selector(),
		networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{own}, Ports: k.interNodePorts()},
		// The CLI Jobs (feature flags, definitions) reach every node through epmd and distribution.
		networkingv1.NetworkPolicyIngressRule{From: k.cliJobPeers(), Ports: []networkingv1.NetworkPolicyPort{policyPort(rabbitconf.PortEPMD), policyPort(rabbitconf.PortDist)}},
		networkingv1.NetworkPolicyIngressRule{From: k.clientPeers(), Ports: clientPorts},
	)}
	if e := k.Spec.Discovery.Etcd; e != nil && e.Deploy {
		etcd := networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: k.etcdSelector()}}
		policies = append(policies, k.networkPolicy(k.etcdMeta(k.names.EtcdNetworkPolicy()), k.etcdSelector(),
			networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{own, etcd}, Ports: []networkingv1.NetworkPolicyPort{policyPort(names.EtcdClientPort)}},
			networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{etcd}, Ports: []networkingv1.NetworkPolicyPort{policyPort(etcdPeerPort)}},
		))
	}
	return policies
}

// interNodePorts are what nodes open to each other: epmd, distribution, the CLI range and,
// for stream replicas (core since 3.9), the stream replication range.
func (k *cluster) interNodePorts() []networkingv1.NetworkPolicyPort {
	ports := []networkingv1.NetworkPolicyPort{policyPort(rabbitconf.PortEPMD), policyPort(rabbitconf.PortDist), policyPortRange(cliPortFirst, cliPortLast)}
	if k.series.AtLeast(3, 9) {
		ports = append(ports, policyPortRange(rabbitconf.PortStreamReplicationFirst, rabbitconf.PortStreamReplicationLast))
	}
	return ports
}

func (k *cluster) networkPolicy(meta metav1.ObjectMeta, selector map[string]string, rules ...networkingv1.NetworkPolicyIngressRule) Object {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   typeMeta("networking.k8s.io/v1", "NetworkPolicy"),
		ObjectMeta: meta,
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: selector},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     rules,
		},
	}
}

// clientPeers are the allowed clients; nil admits every source.
func (k *cluster) clientPeers() []networkingv1.NetworkPolicyPeer {
	np := k.Spec.NetworkPolicy
	var peers []networkingv1.NetworkPolicyPeer
	if len(np.ClientNamespaces) > 0 {
		peers = append(peers, networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpIn, Values: np.ClientNamespaces}},
		}})
	}
	for _, cidr := range np.ClientCIDRs {
		peers = append(peers, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr}})
	}
	return peers
}

func policyPortRange(first, last int32) networkingv1.NetworkPolicyPort {
	p := policyPort(first)
	p.EndPort = ptr(last)
	return p
}

func policyPort(port int32) networkingv1.NetworkPolicyPort {
	p := intstr.FromInt32(port)
	return networkingv1.NetworkPolicyPort{Protocol: ptr(corev1.ProtocolTCP), Port: &p}
}
