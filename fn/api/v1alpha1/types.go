// Package v1alpha1 is the public config API of rabbitmq-krm: one RabbitMQCluster object
// (apiVersion rabbitmq-krm.dev/v1alpha1) describes a clustered, persistent RabbitMQ.
//
// The comments on the fields are the config reference: `rabbitmq-krm --help` and the
// README are written from them. Decode, then Default, then Validate.
package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	Group      = "rabbitmq-krm.dev"
	Version    = "v1alpha1"
	APIVersion = Group + "/" + Version
	Kind       = "RabbitMQCluster"
)

// RabbitMQCluster is the function config. metadata.name prefixes every generated object;
// metadata.namespace, when set, is the namespace of every namespaced object (when absent,
// generated objects carry no namespace, so a kustomize `namespace:` can set it).
type RabbitMQCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              Spec `json:"spec,omitempty"`
}

// Spec is what the user asks for. Every field is optional; Default fills the gaps.
type Spec struct {
	// Replicas is the number of RabbitMQ nodes (default 3). Use an odd number: quorum
	// queues and pause_minority need a majority.
	Replicas *int32 `json:"replicas,omitempty"`
	// ScaleDownFrom acknowledges a lower replicas count in a kpt package. There the function
	// sees the StatefulSet it rendered before and refuses to shrink it: RabbitMQ does not
	// remove nodes when pods go away (README, "Scale down"). After moving queue replicas off
	// the nodes that go, set it to the current replicas (5 when going to 3), render and
	// apply, finish the procedure, then remove it. kustomize and Argo CD cannot see the
	// previous output: there the README's procedure is all that protects the cluster.
	ScaleDownFrom *int32 `json:"scaleDownFrom,omitempty"`
	// Image is the RabbitMQ container image (default: a pinned official image).
	Image string `json:"image,omitempty"`
	// Version is the RabbitMQ series ("3.8" .. "4.3") that selects version-specific
	// configuration. Inferred from the image tag; required when the tag has no version.
	Version string `json:"version,omitempty"`
	// CreateNamespace also emits the Namespace object, labelled for the restricted
	// Pod Security profile. Needs metadata.namespace.
	CreateNamespace bool `json:"createNamespace,omitempty"`
	// ClusterDomain is the cluster's DNS domain used in node names (default cluster.local).
	ClusterDomain string `json:"clusterDomain,omitempty"`
	// Discovery selects how nodes find each other when they first form the cluster.
	Discovery Discovery `json:"discovery,omitempty"`
	// Exposure selects how clients reach AMQP and the management UI.
	Exposure Exposure `json:"exposure,omitempty"`
	// Persistence selects where each node keeps its data.
	Persistence Persistence `json:"persistence,omitempty"`
	// Plugins are enabled in addition to rabbitmq_management, rabbitmq_prometheus and the
	// discovery plugin, e.g. rabbitmq_shovel or rabbitmq_delayed_message_exchange.
	Plugins []string `json:"plugins,omitempty"`
	// CommunityPlugins are downloaded by an init container, checked against their sha256
	// before the node starts, and enabled. Use them for plugins the image does not ship,
	// e.g. rabbitmq_delayed_message_exchange.
	CommunityPlugins []CommunityPlugin `json:"communityPlugins,omitempty"`
	// ErlangCookie names the Secret holding the shared Erlang cookie. The function never
	// randomizes the cookie on a render: a new value on every build would split a running
	// cluster. Create it once, e.g.
	//   rabbitmq-krm cookie rabbitmq > cookie-secret.yaml
	// or set generate (kpt packages only).
	ErlangCookie ErlangCookie `json:"erlangCookie,omitempty"`
	// DefaultUser names a Secret with the administrator's credentials. Without it no user
	// can log in remotely: guest/guest only ever works from localhost.
	DefaultUser *DefaultUser `json:"defaultUser,omitempty"`
	// TLS adds TLS listeners for AMQP (5671), the management UI (15671) and Prometheus (15691).
	TLS *TLS `json:"tls,omitempty"`
	// NetworkPolicy, when set, lets only cluster pods reach the inter-node ports (epmd 4369,
	// distribution 25672, CLI 35672-35682) and chosen clients reach the client ports.
	NetworkPolicy *NetworkPolicy `json:"networkPolicy,omitempty"`
	// ServiceMonitor, when set, emits a Prometheus Operator ServiceMonitor
	// (monitoring.coreos.com/v1) that scrapes every node's metrics.
	ServiceMonitor *ServiceMonitor `json:"serviceMonitor,omitempty"`
	// Monitoring adds alerting: monitoring.prometheusRule emits a PrometheusRule.
	Monitoring Monitoring `json:"monitoring,omitempty"`
	// PodManagementPolicy is Parallel (default) or OrderedReady. OrderedReady deadlocks a
	// full-cluster restart: pod 0 waits for peers that only start once it is ready.
	PodManagementPolicy string `json:"podManagementPolicy,omitempty"`
	// Resources of the rabbitmq container. Defaults: requests cpu 1 and memory 2Gi, memory
	// limit equal to the memory request, no CPU limit (CPU limits throttle Erlang's schedulers).
	// RabbitMQ is told the memory limit (total_memory_available_override_value), so its own
	// memory alarm blocks publishers before the kernel's OOM killer ends the node.
	Resources Resources `json:"resources,omitempty"`
	// TerminationGracePeriodSeconds bounds the graceful shutdown (default 1800): the preStop
	// hook waits up to this long for quorum queues to keep a majority, then drains the node.
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
	// AdditionalConfig adds rabbitmq.conf lines, either as the file's own text (a multi-line
	// string, in the user's order; # comments allowed) or as a map of key: value (sorted by
	// key; easy to patch with kustomize), e.g.
	//   additionalConfig: |
	//     channel_max = 1024
	//     log.console.formatter = json
	// Every key and value is checked against the schema of the series in spec.version (the
	// broker refuses to boot on an unknown key or a value of the wrong type): an unknown key
	// is an error naming the nearest valid one. Keys the function sets (listeners, peer
	// discovery, memory and logging to the console) are refused with the field that controls
	// them; the defaults it chooses (queue_leader_locator, cluster_partition_handling,
	// disk_free_limit, log.console.level) give way to a line here. A change restarts the
	// pods. A value cannot contain '#' (rabbitmq.conf starts a comment there): put such
	// values in advancedConfig. Keys of community plugins are not in the schema: configure
	// those plugins in advancedConfig.
	AdditionalConfig AdditionalConfig `json:"additionalConfig,omitempty"`
	// AdvancedConfig is advanced.config: Erlang terms for what rabbitmq.conf cannot express,
	// a list of {Application, [{Key, Value}, ...]} ending with a dot, e.g.
	//   advancedConfig: |
	//     [{rabbit, [{credit_flow_default_credit, {400, 200}}]}].
	// RabbitMQ reads a single advanced.config, so the function writes one: these terms, with
	// spec.defaultUser's credentials added to the rabbit entry by the setup init container.
	// The text is checked for balanced brackets, strings and the final dot; default_user and
	// default_pass are refused (use spec.defaultUser: the ConfigMap is no place for a
	// password). Settings here override rabbitmq.conf. A change restarts the pods.
	AdvancedConfig string `json:"advancedConfig,omitempty"`
	// Env adds environment variables to the rabbitmq container, after the function's own, so
	// a value may refer to $(MY_POD_NAME) and $(MY_POD_NAMESPACE). A variable the function
	// sets (RABBITMQ_NODENAME, RABBITMQ_MNESIA_BASE, ...) is refused. Never put a secret in
	// value (it lands in Git and in the StatefulSet): use valueFrom.secretKeyRef. Example:
	//   env:
	//     - {name: ERL_MAX_PORTS, value: "65536"}
	//     - name: LDAP_PASSWORD
	//       valueFrom: {secretKeyRef: {name: ldap, key: password}}
	Env []corev1.EnvVar `json:"env,omitempty"`
	// Pod adds labels, annotations and scheduling settings (nodeSelector, tolerations,
	// affinity, topologySpreadConstraints, priorityClassName, imagePullSecrets) to the pods.
	Pod Pod `json:"pod,omitempty"`
	// Definitions are vhosts, exchanges, queues, bindings and policies imported at boot and
	// re-imported by a Job when they change (details: Definitions).
	Definitions *Definitions `json:"definitions,omitempty"`
}

// DiscoveryMode is the peer discovery backend.
type DiscoveryMode string

const (
	DiscoveryK8s     DiscoveryMode = "k8s"
	DiscoveryEtcd    DiscoveryMode = "etcd"
	DiscoveryClassic DiscoveryMode = "classic"
	DiscoveryDNS     DiscoveryMode = "dns"
)

// DiscoveryModes lists the valid modes, in the order error messages show them.
var DiscoveryModes = []DiscoveryMode{DiscoveryK8s, DiscoveryEtcd, DiscoveryClassic, DiscoveryDNS}

// Discovery configures peer discovery.
type Discovery struct {
	// Mode is k8s (default), etcd, classic or dns.
	//   k8s:     rabbitmq_peer_discovery_k8s. Before 4.1 it lists the headless Service's
	//            Endpoints (a Role allows exactly that); from 4.1 on, pod 0 seeds the cluster.
	//   etcd:    rabbitmq_peer_discovery_etcd with locking (etcd >= 3.4, v3 API).
	//   classic: the node list in rabbitmq.conf (needs metadata.namespace).
	//   dns:     A records of the headless Service (needs metadata.namespace).
	Mode DiscoveryMode `json:"mode,omitempty"`
	// Etcd configures mode etcd.
	Etcd *EtcdDiscovery `json:"etcd,omitempty"`
	// ForceNodeCleanup makes the k8s and etcd backends remove cluster members that
	// discovery no longer lists (checked every 60 seconds). Off by default: a node that is
	// only restarting or partitioned would be removed and lose its data.
	ForceNodeCleanup bool `json:"forceNodeCleanup,omitempty"`
}

// EtcdDiscovery configures the etcd backend.
type EtcdDiscovery struct {
	// Endpoints are host:port of etcd's client API. Required unless Deploy is true.
	Endpoints []string `json:"endpoints,omitempty"`
	// KeyPrefix is the etcd key prefix (default rabbitmq-discovery).
	KeyPrefix string `json:"keyPrefix,omitempty"`
	// NodeTTL is how long, in seconds, a node's key outlives the node (default 30).
	NodeTTL *int32 `json:"nodeTTL,omitempty"`
	// LockTimeout is how long, in seconds, a booting node waits for the startup lock (default 300).
	LockTimeout *int32 `json:"lockTimeout,omitempty"`
	// Deploy also emits an in-cluster etcd (a one-member StatefulSet with a 1Gi volume and a
	// headless Service <name>-etcd, non-root, no TLS: keep it inside the namespace) and uses it.
	Deploy bool `json:"deploy,omitempty"`
	// Image of the deployed etcd (default: a pinned registry.k8s.io/etcd, v3 API).
	Image string `json:"image,omitempty"`
}

// Exposure configures the client Service.
type Exposure struct {
	// Type is ClusterIP (default), NodePort or LoadBalancer.
	Type string `json:"type,omitempty"`
	// NodePorts fixes the node ports for type NodePort or LoadBalancer (30000-32767); unset
	// ports are allocated.
	NodePorts *NodePorts `json:"nodePorts,omitempty"`
	// LoadBalancer configures type LoadBalancer.
	LoadBalancer *LoadBalancer `json:"loadBalancer,omitempty"`
	// Ingress publishes the management UI over HTTP(S). AMQP is not HTTP and is never routed
	// through an Ingress.
	Ingress *Ingress `json:"ingress,omitempty"`
	// Annotations on the client Service <name>, e.g. for external-dns. They are merged with
	// loadBalancer.annotations; a key in both is refused (keep it in one place), and so are
	// keys under rabbitmq-krm.dev/, config.kubernetes.io/ and internal.config.kubernetes.io/
	// (kpt and kustomize read those: local-config would drop the Service from the output).
	Annotations map[string]string `json:"annotations,omitempty"`
	// Labels on the client Service <name>. The labels rabbitmq-krm sets on it and every key
	// under rabbitmq-krm.dev/ (the ServiceMonitor tells the Services apart by one) are refused.
	Labels map[string]string `json:"labels,omitempty"`
}

// LoadBalancer configures the cloud load balancer of the client Service.
type LoadBalancer struct {
	// SourceRanges restricts clients to these CIDRs, e.g. ["10.0.0.0/8"].
	SourceRanges []string `json:"sourceRanges,omitempty"`
	// Annotations for the cloud provider, e.g. service.beta.kubernetes.io/aws-load-balancer-internal: "true".
	Annotations map[string]string `json:"annotations,omitempty"`
	// Class is the Service's loadBalancerClass; empty uses the cluster's default implementation.
	Class string `json:"class,omitempty"`
}

// Ingress publishes the management UI.
type Ingress struct {
	// Host is the UI's host name, e.g. rabbitmq.example.com (required).
	Host string `json:"host,omitempty"`
	// ClassName is the IngressClass; empty uses the cluster's default class.
	ClassName string `json:"className,omitempty"`
	// TLSSecretName names a kubernetes.io/tls Secret for Host; empty serves plain HTTP.
	TLSSecretName string `json:"tlsSecretName,omitempty"`
}

// NodePorts are the fixed node ports of the client Service.
type NodePorts struct {
	// AMQP is the node port for AMQP 5672, e.g. 30672.
	AMQP int32 `json:"amqp,omitempty"`
	// Management is the node port for the management UI 15672, e.g. 31672.
	Management int32 `json:"management,omitempty"`
}

// Persistence selects one of three storage modes: dynamic per-pod volumes (the default),
// static NFS, or emptyDir.
type Persistence struct {
	// Size of each volume (default 10Gi).
	Size Quantity `json:"size,omitempty"`
	// StorageClassName for the dynamic per-pod volumes; empty uses the cluster's default class.
	StorageClassName string `json:"storageClassName,omitempty"`
	// NFS uses a static NFS PersistentVolume (reclaim policy Retain) instead.
	NFS *NFS `json:"nfs,omitempty"`
	// EmptyDir keeps data only as long as the pod: for development only (a warning result).
	EmptyDir bool `json:"emptyDir,omitempty"`
}

// NFS describes a static NFS export.
type NFS struct {
	// Server is the NFS server's host name or IP address.
	Server string `json:"server,omitempty"`
	// Path is the absolute exported path, e.g. /nfs/data/mqdata.
	Path string `json:"path,omitempty"`
	// PermissionsPrepared states that the export is writable by the rabbitmq user (uid 999,
	// or 100 for alpine images), e.g. `chown -R 999:999` on the server or an export with
	// all_squash,anonuid=999,anongid=999. Kubernetes cannot change NFS ownership (fsGroup
	// does not apply), so without it the render warns.
	PermissionsPrepared bool `json:"permissionsPrepared,omitempty"`
	// PerPod false (default): one ReadWriteMany volume shared by all pods, each pod in its own
	// directory (RABBITMQ_MNESIA_BASE=/var/lib/rabbitmq/mnesia/$(MY_POD_NAME)).
	// PerPod true: one PersistentVolume per pod at <path>/<name>-<ordinal>, pre-bound to
	// that pod's claim (needs metadata.namespace; the directories must exist on the server).
	PerPod bool `json:"perPod,omitempty"`
}

// ErlangCookie names the cookie Secret.
type ErlangCookie struct {
	// SecretName defaults to <name>-erlang-cookie.
	SecretName string `json:"secretName,omitempty"`
	// SecretKey is the key holding the cookie (default .erlang.cookie).
	SecretKey string `json:"secretKey,omitempty"`
	// Generate makes the function create the Secret with a random cookie, once: in a kpt
	// package the Secret is written into the package and kept on every later render. It is
	// refused where the output is not kept (kustomize, Argo CD, the render command), as a new
	// cookie on every build would split the cluster.
	Generate bool `json:"generate,omitempty"`
}

// CommunityPlugin is a plugin downloaded at pod start.
type CommunityPlugin struct {
	// Name is the plugin (the OTP application), e.g. rabbitmq_delayed_message_exchange.
	Name string `json:"name,omitempty"`
	// URL of the plugin's .ez archive (https, or http inside a trusted network).
	URL string `json:"url,omitempty"`
	// SHA256 is the archive's lowercase hex sha256 (sha256sum FILE.ez); a mismatch stops the pod.
	SHA256 string `json:"sha256,omitempty"`
}

// DefaultUser is the Secret with the administrator's credentials.
type DefaultUser struct {
	// SecretName names a Secret with keys username and password (the kubernetes.io/basic-auth
	// layout). The init container writes them to a 0600 file in conf.d; they are never in
	// env, args or the ConfigMap. The user is created on the cluster's first boot only.
	SecretName string `json:"secretName,omitempty"`
}

// TLS configures the TLS listeners.
type TLS struct {
	// SecretName names a kubernetes.io/tls Secret (tls.crt, tls.key), e.g. from cert-manager.
	// Its certificate should cover <name>.<namespace>.svc and *.<name>-nodes.<namespace>.svc.
	SecretName string `json:"secretName,omitempty"`
	// CASecretName names a Secret with key ca.crt: clients presenting a certificate are
	// verified against it (peer verification; a client certificate stays optional).
	CASecretName string `json:"caSecretName,omitempty"`
	// DisableNonTLSListeners closes AMQP 5672 and the management UI 15672: clients must use
	// 5671 and 15671, and node ports apply to those. The metrics port 15692 stays open (it
	// carries no credentials or messages; restrict it with networkPolicy).
	DisableNonTLSListeners bool `json:"disableNonTLSListeners,omitempty"`
}

// NetworkPolicy restricts who may connect to the nodes.
type NetworkPolicy struct {
	// ClientNamespaces may reach the client ports (AMQP, management, Prometheus); together with
	// ClientCIDRs. Both empty: every source may (the ports are what spec.exposure exposes).
	ClientNamespaces []string `json:"clientNamespaces,omitempty"`
	// ClientCIDRs may reach the client ports, e.g. ["10.0.0.0/8"].
	ClientCIDRs []string `json:"clientCIDRs,omitempty"`
}

// ServiceMonitor configures the Prometheus Operator ServiceMonitor.
type ServiceMonitor struct {
	// Interval between scrapes (default 30s).
	Interval string `json:"interval,omitempty"`
	// Labels on the ServiceMonitor, e.g. release: prometheus for the Prometheus that selects it.
	Labels map[string]string `json:"labels,omitempty"`
}

// Resources are the container's compute requests and limits.
type Resources struct {
	Requests ComputeResources `json:"requests,omitempty"`
	Limits   ComputeResources `json:"limits,omitempty"`
}

// ComputeResources are quantities such as cpu: 500m and memory: 2Gi.
type ComputeResources struct {
	CPU    Quantity `json:"cpu,omitempty"`
	Memory Quantity `json:"memory,omitempty"`
}
