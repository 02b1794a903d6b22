package v1alpha1

import (
	"fmt"
	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"net"
	"path"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Validate reports every problem of a defaulted config, each naming its field.
func (c *RabbitMQCluster) Validate() field.ErrorList {
	var errs field.ErrorList
	c.validateMetadata(&errs)
	s := &c.Spec
	if *s.Replicas < 1 || *s.Replicas > MaxReplicas {
		add(&errs, "spec.replicas", "%d is not allowed: use 1 to %d replicas (3 or 5 for production)", *s.Replicas, MaxReplicas)
	}
	if f := s.ScaleDownFrom; f != nil && (*f <= *s.Replicas || *f > MaxReplicas) {
		add(&errs, "spec.scaleDownFrom", "%d must be the replicas being scaled down from: more than spec.replicas (%d), at most %d", *f, *s.Replicas, MaxReplicas)
	}
	validateImage(&errs, "spec.image", s.Image, DefaultImage)
	c.validateVersion(&errs)
	c.validateSeriesRules(&errs)
	for _, msg := range validation.IsDNS1123Subdomain(s.ClusterDomain) {
		add(&errs, "spec.clusterDomain", "%q is not a DNS domain (%s); the usual value is cluster.local", s.ClusterDomain, msg)
	}
	c.validateDiscovery(&errs)
	c.validateExposure(&errs)
	c.validatePersistence(&errs)
	validatePlugins(&errs, s.Plugins)
	validateCommunityPlugins(&errs, s.CommunityPlugins)
	// A defaulted Secret name derives from metadata.name, whose problems are reported already.
	for _, msg := range validation.IsDNS1123Subdomain(s.ErlangCookie.SecretName) {
		if s.ErlangCookie.SecretName == c.Name+defaultCookieSuffix {
			break
		}
		add(&errs, "spec.erlangCookie.secretName", "%q is not a valid Secret name: %s", s.ErlangCookie.SecretName, msg)
	}
	for _, msg := range validation.IsConfigMapKey(s.ErlangCookie.SecretKey) {
		add(&errs, "spec.erlangCookie.secretKey", "%q is not a valid Secret key: %s", s.ErlangCookie.SecretKey, msg)
	}
	validateResources(&errs, s.Resources)
	validateSecurity(&errs, s)
	validateServiceMonitor(&errs, s.ServiceMonitor)
	c.validateMonitoring(&errs)
	switch s.PodManagementPolicy {
	case PodManagementParallel, PodManagementOrderedReady:
	default:
		add(&errs, "spec.podManagementPolicy", "%q is not a pod management policy: use Parallel (recommended) or OrderedReady", s.PodManagementPolicy)
	}
	if g := *s.TerminationGracePeriodSeconds; g < MinTerminationGracePeriodSeconds {
		add(&errs, "spec.terminationGracePeriodSeconds", "%d is too short to drain a node: use at least %d (default %d)", g, MinTerminationGracePeriodSeconds, DefaultTerminationGracePeriodSeconds)
	}
	c.validateAdditionalConfig(&errs)
	validateAdvancedConfig(&errs, s.AdvancedConfig)
	validateEnv(&errs, s.Env)
	validatePod(&errs, &s.Pod)
	c.validateDefinitions(&errs)
	if len(errs) == 0 {
		c.validateOwnership(&errs)
	}
	return errs
}

func (c *RabbitMQCluster) validateMetadata(errs *field.ErrorList) {
	if c.Name == "" {
		add(errs, "metadata.name", "is required: it names the StatefulSet and prefixes every generated object")
	} else {
		for _, msg := range validation.IsDNS1035Label(c.Name) {
			add(errs, "metadata.name", "%q is not a valid name: %s", c.Name, msg)
		}
		if len(c.Name) > MaxNameLength {
			add(errs, "metadata.name", "%q is %d characters long: at most %d, so that pod names and revision labels fit in 63", c.Name, len(c.Name), MaxNameLength)
		}
	}
	if c.Namespace != "" {
		for _, msg := range validation.IsDNS1123Label(c.Namespace) {
			add(errs, "metadata.namespace", "%q is not a valid namespace: %s", c.Namespace, msg)
		}
	}
	if c.Spec.CreateNamespace && c.Namespace == "" {
		add(errs, "spec.createNamespace", "needs metadata.namespace: set the namespace to create, or remove createNamespace")
	}
}

// validateImage checks an image reference with the parser container runtimes use.
func validateImage(errs *field.ErrorList, field, image, example string) {
	if _, err := reference.ParseNormalizedNamed(image); err != nil {
		add(errs, field, "%q is not an image reference; write [registry/]repository[:tag][@sha256:digest], e.g. %s", image, example)
	}
}

func (c *RabbitMQCluster) validateVersion(errs *field.ErrorList) {
	s := &c.Spec
	if s.Version == "" {
		add(errs, "spec.version", "is required because the tag of image %q carries no version: set spec.version to the RabbitMQ series in the image, e.g. \"4.2\"", s.Image)
		return
	}
	series, err := ParseSeries(s.Version)
	if err != nil {
		add(errs, "spec.version", "%v", err)
		return
	}
	if !series.AtLeast(OldestSeries.Major, OldestSeries.Minor) {
		add(errs, "spec.version", "RabbitMQ %s is not supported: rabbitmq-krm configures %s to %s (older series lack the peer discovery and health-check commands the pods rely on)", series, OldestSeries, NewestSeries)
	} else if series != NewestSeries && series.AtLeast(NewestSeries.Major, NewestSeries.Minor) {
		add(errs, "spec.version", "RabbitMQ %s is newer than the newest series rabbitmq-krm knows (%s): its configuration keys are unverified; use a %s image or upgrade rabbitmq-krm", series, NewestSeries, NewestSeries)
	}
	if fromImage, ok := SeriesFromImage(s.Image); ok && fromImage != series {
		add(errs, "spec.version", "%q contradicts the image tag of %q (%s): remove spec.version or make them agree", s.Version, s.Image, fromImage)
	}
}

func (c *RabbitMQCluster) validateDiscovery(errs *field.ErrorList) {
	d := &c.Spec.Discovery
	switch d.Mode {
	case DiscoveryK8s, DiscoveryEtcd:
	case DiscoveryClassic, DiscoveryDNS:
		if c.Namespace == "" {
			add(errs, "spec.discovery.mode", "%s discovery writes the namespace into node names in rabbitmq.conf: set metadata.namespace, or use mode k8s", d.Mode)
		}
	default:
		add(errs, "spec.discovery.mode", "%q is not a discovery mode: use one of %s", d.Mode, joinModes())
		return
	}
	if d.Etcd != nil && d.Mode != DiscoveryEtcd {
		add(errs, "spec.discovery.etcd", "is only used with mode etcd (mode is %s): remove it or set spec.discovery.mode: etcd", d.Mode)
	}
	if d.Mode == DiscoveryEtcd {
		validateEtcd(errs, d.Etcd)
	}
	if d.ForceNodeCleanup && d.Mode != DiscoveryK8s && d.Mode != DiscoveryEtcd {
		add(errs, "spec.discovery.forceNodeCleanup", "only applies to modes k8s and etcd (mode is %s): %s membership is fixed by its node list; remove forceNodeCleanup", d.Mode, d.Mode)
	}
}

func joinModes() string {
	names := make([]string, len(DiscoveryModes))
	for i, m := range DiscoveryModes {
		names[i] = string(m)
	}
	return strings.Join(names, ", ")
}

func validateEtcd(errs *field.ErrorList, e *EtcdDiscovery) {
	const p = "spec.discovery.etcd"
	switch {
	case len(e.Endpoints) == 0 && !e.Deploy:
		add(errs, p+".endpoints", "etcd discovery needs etcd: list its client endpoints (host:port), or set %s.deploy: true to run one in the cluster", p)
	case len(e.Endpoints) > 0 && e.Deploy:
		add(errs, p+".endpoints", "must be empty when %s.deploy is true: the deployed etcd is used", p)
	}
	for i, ep := range e.Endpoints {
		if msg := checkHostPort(ep); msg != "" {
			add(errs, fmt.Sprintf("%s.endpoints[%d]", p, i), "%q %s", ep, msg)
		}
	}
	if !EtcdKeyPrefixPattern.MatchString(e.KeyPrefix) {
		add(errs, p+".keyPrefix", "%q is not a usable key prefix: use letters, digits, '-', '_' and '/'", e.KeyPrefix)
	}
	if *e.NodeTTL < MinEtcdSeconds {
		add(errs, p+".nodeTTL", "%d is not allowed: the key TTL is in seconds and must be at least 1 (default %d)", *e.NodeTTL, DefaultEtcdNodeTTL)
	}
	if e.Image != "" {
		if !e.Deploy {
			add(errs, p+".image", "is only used with %s.deploy: true: remove it or set deploy", p)
		} else {
			validateImage(errs, p+".image", e.Image, DefaultEtcdImage)
		}
	}
	if *e.LockTimeout < MinEtcdSeconds {
		add(errs, p+".lockTimeout", "%d is not allowed: the lock timeout is in seconds and must be at least 1 (default %d)", *e.LockTimeout, DefaultEtcdLockTimeout)
	}
}

// checkHostPort returns "" when hp is host:port with a valid host and port.
func checkHostPort(hp string) string {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		return "is not host:port (e.g. etcd.infra.svc:2379)"
	}
	if msg := checkHost(host); msg != "" {
		return msg
	}
	var n int
	if _, err := fmt.Sscanf(port, "%d", &n); err != nil || fmt.Sprint(n) != port || validation.IsValidPortNum(n) != nil {
		return "has no valid port (1-65535)"
	}
	return ""
}

// checkHost returns "" when host is an IP address or a DNS name.
func checkHost(host string) string {
	if net.ParseIP(host) != nil {
		return ""
	}
	if msgs := validation.IsDNS1123Subdomain(host); len(msgs) > 0 {
		return "is not a host name or IP address: " + msgs[0]
	}
	return ""
}

func (c *RabbitMQCluster) validateExposure(errs *field.ErrorList) {
	x := &c.Spec.Exposure
	switch x.Type {
	case ExposureClusterIP, ExposureNodePort, ExposureLoadBalancer:
	default:
		add(errs, "spec.exposure.type", "%q is not an exposure type: use ClusterIP, NodePort or LoadBalancer", x.Type)
		return
	}
	if x.LoadBalancer != nil {
		validateLoadBalancer(errs, x)
	}
	validateExposureMetadata(errs, x)
	if x.Ingress != nil {
		validateIngress(errs, x.Ingress)
	}
	if x.NodePorts == nil {
		return
	}
	if x.Type == ExposureClusterIP {
		add(errs, "spec.exposure.nodePorts", "only applies to type NodePort or LoadBalancer (type is ClusterIP): set spec.exposure.type: NodePort or remove nodePorts")
		return
	}
	ports := map[string]int32{"amqp": x.NodePorts.AMQP, "management": x.NodePorts.Management}
	for _, name := range []string{"amqp", "management"} {
		if p := ports[name]; p != 0 && (p < NodePortMin || p > NodePortMax) {
			add(errs, "spec.exposure.nodePorts."+name, "%d is outside %d-%d, the node port range; omit it to have one allocated", p, NodePortMin, NodePortMax)
		}
	}
	if x.NodePorts.AMQP != 0 && x.NodePorts.AMQP == x.NodePorts.Management {
		add(errs, "spec.exposure.nodePorts.management", "%d is also the amqp node port: each port needs its own node port", x.NodePorts.Management)
	}
}

func (c *RabbitMQCluster) validatePersistence(errs *field.ErrorList) {
	p := &c.Spec.Persistence
	const base = "spec.persistence"
	size, err := resource.ParseQuantity(string(p.Size))
	if err != nil {
		add(errs, base+".size", "%q is not a quantity: write a size such as 10Gi or 500Mi", p.Size)
	} else if size.Sign() <= 0 {
		add(errs, base+".size", "%q must be larger than zero", p.Size)
	}
	var modes []string
	if p.NFS != nil {
		modes = append(modes, "nfs")
	}
	if p.EmptyDir {
		modes = append(modes, "emptyDir")
	}
	if p.StorageClassName != "" {
		modes = append(modes, "storageClassName")
		for _, msg := range validation.IsDNS1123Subdomain(p.StorageClassName) {
			add(errs, base+".storageClassName", "%q is not a valid StorageClass name: %s", p.StorageClassName, msg)
		}
	}
	if len(modes) > 1 {
		add(errs, base, "%s select different storage modes: choose one of storageClassName (dynamic per-pod volumes), nfs (static NFS) or emptyDir (no persistence)", strings.Join(modes, " and "))
	}
	if p.NFS != nil {
		c.validateNFS(errs, p.NFS)
	}
}

func (c *RabbitMQCluster) validateNFS(errs *field.ErrorList, n *NFS) {
	const base = "spec.persistence.nfs"
	if n.Server == "" {
		add(errs, base+".server", "is required: the NFS server's host name or IP address, e.g. 192.168.1.100")
	} else if msg := checkHost(n.Server); msg != "" {
		add(errs, base+".server", "%q %s", n.Server, msg)
	}
	switch {
	case n.Path == "":
		add(errs, base+".path", "is required: the absolute exported path, e.g. /nfs/data/mqdata")
	case !path.IsAbs(n.Path):
		add(errs, base+".path", "%q must be an absolute path, e.g. /nfs/data/mqdata", n.Path)
	case path.Clean(n.Path) != n.Path:
		add(errs, base+".path", "%q is not a clean path: write %q", n.Path, path.Clean(n.Path))
	}
	if n.PerPod && c.Namespace == "" {
		add(errs, base+".perPod", "needs metadata.namespace: each PersistentVolume is pre-bound to its pod's claim by namespace")
	}
}

func validatePlugins(errs *field.ErrorList, plugins []string) {
	seen := map[string]bool{}
	for i, name := range plugins {
		field := fmt.Sprintf("spec.plugins[%d]", i)
		switch {
		case !PluginNamePattern.MatchString(name):
			add(errs, field, "%q is not a plugin name: plugin names are lowercase letters, digits and '_', e.g. rabbitmq_shovel", name)
		case strings.HasPrefix(name, "rabbitmq_peer_discovery_"):
			add(errs, field, "%q is chosen by spec.discovery.mode: remove it from plugins", name)
		case seen[name]:
			add(errs, field, "%q is listed twice", name)
		}
		seen[name] = true
	}
}

// MinMemory is the least memory a RabbitMQ node can boot and serve with.
const MinMemory = "256Mi"

func validateResources(errs *field.ErrorList, r Resources) {
	const base = "spec.resources"
	parse := func(field string, value Quantity, example string) *resource.Quantity {
		if value == "" {
			return nil
		}
		q, err := resource.ParseQuantity(string(value))
		if err != nil {
			add(errs, field, "%q is not a quantity: write e.g. %s", value, example)
			return nil
		}
		if q.Sign() <= 0 {
			add(errs, field, "%q must be larger than zero", value)
			return nil
		}
		return &q
	}
	parse(base+".requests.cpu", r.Requests.CPU, "500m or 2")
	cpuLimit := parse(base+".limits.cpu", r.Limits.CPU, "500m or 2")
	memRequest := parse(base+".requests.memory", r.Requests.Memory, "2Gi")
	memLimit := parse(base+".limits.memory", r.Limits.Memory, "2Gi")
	if memLimit != nil && memLimit.Cmp(resource.MustParse(MinMemory)) < 0 {
		add(errs, base+".limits.memory", "%q is too little for a RabbitMQ node: use at least %s (2Gi or more for production)", r.Limits.Memory, MinMemory)
	}
	if memRequest != nil && memLimit != nil && memRequest.Cmp(*memLimit) > 0 {
		add(errs, base+".requests.memory", "%q is more than the limit %q: the request must not exceed the limit", r.Requests.Memory, r.Limits.Memory)
	}
	if cpuLimit != nil && r.Requests.CPU != "" {
		if req, err := resource.ParseQuantity(string(r.Requests.CPU)); err == nil && req.Cmp(*cpuLimit) > 0 {
			add(errs, base+".requests.cpu", "%q is more than the limit %q: the request must not exceed the limit", r.Requests.CPU, r.Limits.CPU)
		}
	}
}

func validateLoadBalancer(errs *field.ErrorList, x *Exposure) {
	const base = "spec.exposure.loadBalancer"
	if x.Type != ExposureLoadBalancer {
		add(errs, base, "only applies to type LoadBalancer (type is %s): set spec.exposure.type: LoadBalancer or remove loadBalancer", x.Type)
		return
	}
	lb := x.LoadBalancer
	for i, r := range lb.SourceRanges {
		if _, _, err := net.ParseCIDR(r); err != nil {
			add(errs, fmt.Sprintf("%s.sourceRanges[%d]", base, i), "%q is not a CIDR: write e.g. 10.0.0.0/8 or 203.0.113.7/32", r)
		}
	}
	for _, key := range sortedKeys(lb.Annotations) {
		for _, msg := range validation.IsQualifiedName(key) {
			add(errs, base+".annotations", "%q is not a valid annotation key: %s", key, msg)
		}
	}
	if lb.Class != "" {
		for _, msg := range validation.IsQualifiedName(lb.Class) {
			add(errs, base+".class", "%q is not a valid loadBalancerClass (e.g. service.k8s.aws/nlb): %s", lb.Class, msg)
		}
	}
}

func validateIngress(errs *field.ErrorList, in *Ingress) {
	const base = "spec.exposure.ingress"
	if in.Host == "" {
		add(errs, base+".host", "is required: the management UI's host name, e.g. rabbitmq.example.com")
	} else {
		for _, msg := range validation.IsFullyQualifiedDomainName(nil, in.Host) {
			add(errs, base+".host", "%q is not a fully qualified host name: %s", in.Host, msg.Detail)
		}
	}
	for _, f := range []struct{ field, name string }{{"className", in.ClassName}, {"tlsSecretName", in.TLSSecretName}} {
		if f.name == "" {
			continue
		}
		for _, msg := range validation.IsDNS1123Subdomain(f.name) {
			add(errs, base+"."+f.field, "%q is not a valid name: %s", f.name, msg)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
