// Package names is the one place that names generated objects, so every builder and the
// config files agree (the cluster-operator's internal/resource does the same).
package names

import (
	"fmt"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// EtcdClientPort is the client port of the deployed etcd.
const EtcdClientPort = 2379

// Names derives every object name from the cluster's name, namespace and domain.
type Names struct {
	name, namespace, domain string
}

// For returns the names of a defaulted config.
func For(c *v1alpha1.RabbitMQCluster) Names {
	return Names{name: c.Name, namespace: c.Namespace, domain: c.Spec.ClusterDomain}
}

func (n Names) StatefulSet() string     { return n.name }
func (n Names) ClientService() string   { return n.name }
func (n Names) HeadlessService() string { return n.name + "-nodes" }
func (n Names) ConfigMap() string       { return n.name + "-config" }
func (n Names) ServiceAccount() string  { return n.name }
func (n Names) Role() string            { return n.name + "-peer-discovery" }
func (n Names) RoleBinding() string     { return n.name + "-peer-discovery" }
func (n Names) PodDisruptionBudget() string {
	return n.name
}

// DataClaim is the shared claim of the NFS mode; DataVolume is the pod volume and the
// volumeClaimTemplate name (per-pod claims are data-<name>-<ordinal>).
func (n Names) DataClaim() string  { return n.name + "-data" }
func (n Names) DataVolume() string { return "data" }

// PerPodClaim is the claim the StatefulSet controller creates for pod i.
func (n Names) PerPodClaim(i int) string {
	return fmt.Sprintf("%s-%s-%d", n.DataVolume(), n.StatefulSet(), i)
}

// PersistentVolume names are cluster-wide, so they carry the namespace.
func (n Names) PersistentVolume() string { return n.scoped(n.name + "-data") }

// PerPodPersistentVolume is the NFS volume of pod i.
func (n Names) PerPodPersistentVolume(i int) string {
	return fmt.Sprintf("%s-%d", n.PersistentVolume(), i)
}

func (n Names) scoped(s string) string {
	if n.namespace == "" {
		return s
	}
	return n.namespace + "-" + s
}

// Pod is the name of pod i.
func (n Names) Pod(i int) string { return fmt.Sprintf("%s-%d", n.StatefulSet(), i) }

// HeadlessFQDN is the headless Service's DNS name (needs the namespace).
func (n Names) HeadlessFQDN() string {
	return fmt.Sprintf("%s.%s.svc.%s", n.HeadlessService(), n.namespace, n.domain)
}

// NodeName is the Erlang node name of pod i (needs the namespace); it matches what
// RABBITMQ_NODENAME expands to in that pod.
func (n Names) NodeName(i int) string {
	return fmt.Sprintf("rabbit@%s.%s", n.Pod(i), n.HeadlessFQDN())
}

// FeatureFlagsJob enables the feature flags after a rollout; hash identifies its pod
// template (7 hex digits: with a 52-character cluster name the Job name is 63, the limit
// of the job-name label on its pods).
func (n Names) FeatureFlagsJob(hash string) string { return n.name + "-ff-" + hash }

// ManagementIngress publishes the management UI.
func (n Names) ManagementIngress() string { return n.name + "-management" }

// EtcdService and EtcdStatefulSet name the deployed etcd.
func (n Names) EtcdService() string     { return n.name + "-etcd" }
func (n Names) EtcdStatefulSet() string { return n.name + "-etcd" }

// NetworkPolicy guards the RabbitMQ pods; EtcdNetworkPolicy the deployed etcd.
func (n Names) NetworkPolicy() string     { return n.name }
func (n Names) EtcdNetworkPolicy() string { return n.name + "-etcd" }

// ServiceMonitor is named like the cluster.
func (n Names) ServiceMonitor() string { return n.name }

// DefinitionsJob imports spec.definitions on a running cluster; hash identifies its pod
// template (6 hex digits: with a 52-character cluster name the name is 63 characters).
func (n Names) DefinitionsJob(hash string) string { return n.name + "-def-" + hash[:6] }

// PrometheusRule holds the cluster's alerts.
func (n Names) PrometheusRule() string { return n.name }
