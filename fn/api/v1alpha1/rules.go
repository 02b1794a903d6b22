package v1alpha1

import (
	"regexp"

	"github.com/distribution/reference"
)

// The bounds and patterns of single fields: Validate checks them, and the JSON schema
// (package schema, `make schema`) states these same values. Patterns are written in the
// syntax Go's regexp and ECMA-262 (what editors run) read alike. Kubernetes name formats
// come from k8s.io/apimachinery's validation functions instead.

// MaxNameLength keeps pod names (<name>-<ordinal>) and the StatefulSet's
// controller-revision-hash label (<name>-<10 chars>) within 63 characters.
const MaxNameLength = 52

// MaxReplicas bounds the cluster size: RabbitMQ clusters beyond a few dozen nodes are not a
// supported topology, and the bound keeps the rendered node lists small.
const MaxReplicas = 99

// NodePortMin and NodePortMax are Kubernetes' default service-node-port-range.
const (
	NodePortMin = 30000
	NodePortMax = 32767
)

// MinTerminationGracePeriodSeconds leaves a node the time to drain; MinEtcdSeconds is the
// least etcd key TTL and lock timeout.
const (
	MinTerminationGracePeriodSeconds = 30
	MinEtcdSeconds                   = 1
)

var (
	// VersionPattern is spec.version: a RabbitMQ series, optionally with its patch.
	VersionPattern = regexp.MustCompile(`^(\d+)\.(\d+)(\.\d+)?$`)
	// EtcdKeyPrefixPattern is what etcd discovery can use as a key prefix.
	EtcdKeyPrefixPattern = regexp.MustCompile(`^[A-Za-z0-9_/-]+$`)
	// PluginNamePattern is a RabbitMQ plugin name.
	PluginNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	// SHA256Pattern is a hex SHA-256 digest.
	SHA256Pattern = regexp.MustCompile(`^[a-f0-9]{64}$`)
	// ScrapeIntervalPattern is the duration format of Prometheus and the ServiceMonitor CRD.
	ScrapeIntervalPattern = regexp.MustCompile(`^(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$`)
	// ImageReferencePattern is the grammar of the image reference parser validateImage uses.
	ImageReferencePattern = reference.ReferenceRegexp
)
