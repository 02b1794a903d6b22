package v1alpha1

// DefaultImage is the image used when spec.image is empty: an official image pinned to a
// patch release, so that the same config renders the same pods.
const DefaultImage = "rabbitmq:4.2.3-management"

const (
	DefaultReplicas                      int32 = 3
	DefaultClusterDomain                       = "cluster.local"
	DefaultPersistenceSize                     = "10Gi"
	DefaultErlangCookieKey                     = ".erlang.cookie"
	defaultCookieSuffix                        = "-erlang-cookie"
	DefaultTerminationGracePeriodSeconds int64 = 1800
	DefaultEtcdKeyPrefix                       = "rabbitmq-discovery"
	DefaultEtcdNodeTTL                   int32 = 30
	DefaultEtcdLockTimeout               int32 = 300
	DefaultEtcdImage                           = "registry.k8s.io/etcd:3.5.21-0"
	DefaultCPURequest                          = "1"
	DefaultMemory                              = "2Gi"
	DefaultScrapeInterval                      = "30s"
)

// Pod management policies of the StatefulSet.
const (
	PodManagementParallel     = "Parallel"
	PodManagementOrderedReady = "OrderedReady"
)

// Default fills every unset field. It never overrides what the user wrote, and it leaves
// invalid values alone for Validate to report.
func (c *RabbitMQCluster) Default() {
	s := &c.Spec
	if s.Replicas == nil {
		s.Replicas = ptr(DefaultReplicas)
	}
	if s.Image == "" {
		s.Image = DefaultImage
	}
	if s.Version == "" {
		if series, ok := SeriesFromImage(s.Image); ok {
			s.Version = series.String()
		}
	}
	if s.ClusterDomain == "" {
		s.ClusterDomain = DefaultClusterDomain
	}
	if s.Discovery.Mode == "" {
		s.Discovery.Mode = DiscoveryK8s
	}
	if s.Discovery.Mode == DiscoveryEtcd {
		if s.Discovery.Etcd == nil {
			s.Discovery.Etcd = &EtcdDiscovery{}
		}
		s.Discovery.Etcd.defaults()
	}
	if s.Exposure.Type == "" {
		s.Exposure.Type = ExposureClusterIP
	}
	if s.Persistence.Size == "" {
		s.Persistence.Size = DefaultPersistenceSize
	}
	if s.Definitions != nil {
		s.Definitions.defaults()
	}
	if s.ErlangCookie.SecretName == "" {
		s.ErlangCookie.SecretName = c.Name + defaultCookieSuffix
	}
	if s.ErlangCookie.SecretKey == "" {
		s.ErlangCookie.SecretKey = DefaultErlangCookieKey
	}
	s.Resources.defaults()
	if s.ServiceMonitor != nil && s.ServiceMonitor.Interval == "" {
		s.ServiceMonitor.Interval = DefaultScrapeInterval
	}
	if r := s.Monitoring.PrometheusRule; r != nil {
		r.defaults()
	}
	if s.PodManagementPolicy == "" {
		s.PodManagementPolicy = PodManagementParallel
	}
	if s.TerminationGracePeriodSeconds == nil {
		s.TerminationGracePeriodSeconds = ptr(DefaultTerminationGracePeriodSeconds)
	}
}

// defaults: the memory limit equals the request (RabbitMQ is told the limit: total_memory_available_override_value).
func (r *Resources) defaults() {
	if r.Requests.CPU == "" {
		r.Requests.CPU = DefaultCPURequest
	}
	if r.Requests.Memory == "" {
		r.Requests.Memory = DefaultMemory
	}
	if r.Limits.Memory == "" {
		r.Limits.Memory = r.Requests.Memory
	}
}

func (e *EtcdDiscovery) defaults() {
	if e.KeyPrefix == "" {
		e.KeyPrefix = DefaultEtcdKeyPrefix
	}
	if e.NodeTTL == nil {
		e.NodeTTL = ptr(DefaultEtcdNodeTTL)
	}
	if e.LockTimeout == nil {
		e.LockTimeout = ptr(DefaultEtcdLockTimeout)
	}
	if e.Deploy && e.Image == "" {
		e.Image = DefaultEtcdImage
	}
}

// Series is the validated RabbitMQ series. Call it only after Validate succeeded.
func (c *RabbitMQCluster) Series() Series {
	s, err := ParseSeries(c.Spec.Version)
	if err != nil {
		panic("Series called on an unvalidated config: " + err.Error())
	}
	return s
}

// Replicas is the defaulted replica count.
func (c *RabbitMQCluster) Replicas() int32 { return *c.Spec.Replicas }

// PersistenceMode names the storage mode the config selects.
type PersistenceMode string

const (
	PersistenceVolumeClaims PersistenceMode = "volumeClaimTemplates"
	PersistenceNFSShared    PersistenceMode = "nfs"
	PersistenceNFSPerPod    PersistenceMode = "nfs-per-pod"
	PersistenceEmptyDir     PersistenceMode = "emptyDir"
)

// PersistenceMode is the storage mode; Validate guarantees at most one was asked for.
func (p Persistence) Mode() PersistenceMode {
	switch {
	case p.NFS != nil && p.NFS.PerPod:
		return PersistenceNFSPerPod
	case p.NFS != nil:
		return PersistenceNFSShared
	case p.EmptyDir:
		return PersistenceEmptyDir
	default:
		return PersistenceVolumeClaims
	}
}

// Exposure types.
const (
	ExposureClusterIP    = "ClusterIP"
	ExposureNodePort     = "NodePort"
	ExposureLoadBalancer = "LoadBalancer"
)

func ptr[T any](v T) *T { return &v }
