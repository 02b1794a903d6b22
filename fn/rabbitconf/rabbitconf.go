// Package rabbitconf models the two files RabbitMQ reads from the generated ConfigMap,
// rabbitmq.conf and enabled_plugins, with the version gates that decide which keys a node
// of a given series accepts.
package rabbitconf

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/names"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf/confschema"
)

// Ports every node listens on.
const (
	PortAMQP       = 5672
	PortManagement = 15672
	PortPrometheus = 15692
	PortEPMD       = 4369
	PortDist       = 25672
	// Stream replicas copy data between nodes over ports from this range (streams are in the
	// core since 3.9: any queue can be a stream, with or without the stream plugin).
	PortStreamReplicationFirst = 6000
	PortStreamReplicationLast  = 6500

	PortAMQPS         = 5671
	PortManagementTLS = 15671
	PortPrometheusTLS = 15691
)

// Where the pod mounts the TLS Secrets (spec.tls).
const (
	TLSDir   = "/etc/rabbitmq-tls"
	TLSCADir = "/etc/rabbitmq-tls-ca"
)

// Files are the contents of the ConfigMap.
type Files struct {
	RabbitmqConf   string
	EnabledPlugins string
	// AdvancedConfig is the template of advanced.config: spec.advancedConfig, with a
	// DefaultUserMarker line where the setup init container puts spec.defaultUser's
	// credentials ("" when neither is set).
	AdvancedConfig string
	// RunningNodeConf is rabbitmq.conf without the lines a node reads only while it first
	// joins the cluster (the cluster size hint, the classic seed list): what a running node
	// depends on, so what a restart must follow. Changing replicas changes only those lines,
	// which is why scaling up restarts no existing pod.
	RunningNodeConf string
}

// Build renders both files for a validated config.
func Build(c *v1alpha1.RabbitMQCluster) Files {
	d := conf(c)
	return Files{
		RabbitmqConf:    d.String(),
		EnabledPlugins:  enabledPlugins(Plugins(c)),
		AdvancedConfig:  advancedConfig(c),
		RunningNodeConf: d.running.String(),
	}
}

// Plugins is the sorted, de-duplicated list of plugins a node enables.
func Plugins(c *v1alpha1.RabbitMQCluster) []string {
	set := map[string]bool{"rabbitmq_management": true, "rabbitmq_prometheus": true}
	if p := DiscoveryPlugin(c.Spec.Discovery.Mode); p != "" {
		set[p] = true
	}
	for _, p := range c.Spec.Plugins {
		set[p] = true
	}
	for _, p := range c.Spec.CommunityPlugins {
		set[p.Name] = true
	}
	list := make([]string, 0, len(set))
	for p := range set {
		list = append(list, p)
	}
	sort.Strings(list)
	return list
}

// DiscoveryPlugin is the plugin a discovery mode needs ("" for the backends built into the core).
func DiscoveryPlugin(mode v1alpha1.DiscoveryMode) string {
	switch mode {
	case v1alpha1.DiscoveryK8s:
		return "rabbitmq_peer_discovery_k8s"
	case v1alpha1.DiscoveryEtcd:
		return "rabbitmq_peer_discovery_etcd"
	}
	return ""
}

func enabledPlugins(plugins []string) string {
	return "[" + strings.Join(plugins, ",") + "].\n"
}

// document is rabbitmq.conf as ordered sections of comments and key = value lines; running
// is the same text without the lines set by setAtFormation.
type document struct {
	b, running strings.Builder
	// owner says why the function decides the keys being written, naming the field that
	// does; written records it for every key, "" for defaults (setDefault).
	owner   string
	written []v1alpha1.OwnedKey
	// schema and userTargets find the defaults that spec.additionalConfig replaces: the
	// settings (mapping targets) its lines set.
	schema      *confschema.Schema
	userTargets map[string]bool
}

// WrittenKeys lists the keys rabbitmq.conf gets for a config (before
// spec.additionalConfig), each with why the function owns it.
func WrittenKeys(c *v1alpha1.RabbitMQCluster) []v1alpha1.OwnedKey { return conf(c).written }

// section starts a group of lines owned for the reason given (see document.owner).
func (d *document) section(title, owner string) {
	if d.b.Len() > 0 {
		d.write("\n")
	}
	d.write("## " + title + "\n")
	d.owner = owner
}

func (d *document) comment(format string, args ...any) {
	d.write("# " + fmt.Sprintf(format, args...) + "\n")
}

func (d *document) set(key string, value any) {
	d.written = append(d.written, v1alpha1.OwnedKey{Key: key, Owner: d.owner})
	d.write(fmt.Sprintf("%s = %v\n", key, value))
}

// ownAll claims every key under prefix, also those not written for this config: peer
// discovery settings of another backend would only confuse.
func (d *document) ownAll(prefix string) {
	d.written = append(d.written, v1alpha1.OwnedKey{Key: prefix + ".*", Owner: d.owner})
}

// setDefault sets a key the function chooses a value for but does not depend on: a line of
// spec.additionalConfig that sets the same setting replaces it.
func (d *document) setDefault(key string, value any) {
	if m, ok := d.schema.Lookup(key); ok && d.userTargets[m.Target] {
		d.comment("%s: set in spec.additionalConfig.", key)
		return
	}
	d.written = append(d.written, v1alpha1.OwnedKey{Key: key, Owner: ""})
	d.write(fmt.Sprintf("%s = %v\n", key, value))
}

// setAtFormation sets a key that RabbitMQ reads only while a node first joins the cluster:
// a node that is already a member ignores it, so a change needs no restart.
func (d *document) setAtFormation(key string, value any) {
	d.written = append(d.written, v1alpha1.OwnedKey{Key: key, Owner: d.owner})
	fmt.Fprintf(&d.b, "%s = %v\n", key, value)
}

func (d *document) write(s string) {
	d.b.WriteString(s)
	d.running.WriteString(s)
}

func (d *document) String() string { return d.b.String() }

func conf(c *v1alpha1.RabbitMQCluster) *document {
	series := c.Series()
	lines := c.Spec.AdditionalConfig.Lines() // Validate accepted every one
	d := newDocument(series, lines)
	d.comment("Generated by rabbitmq-krm for RabbitMQ %s. Change the RabbitMQCluster config, not this file.", series)
	clusterFormation(d, c, series)
	queues(d, series)
	resources(d, c)
	listeners(d, c.Spec.TLS)
	for _, p := range EnabledProtocols(c) {
		p.listeners(d, c.Spec.TLS)
	}
	definitions(d, c)
	d.section("Security", "spec.defaultUser is how users log in remotely")
	d.comment("guest/guest only ever works from localhost.")
	d.set("loopback_users.guest", true)
	d.section("Logging", "the logs go to the console, for kubectl logs")
	d.set("log.console", true)
	d.setDefault("log.console.level", "info")
	d.set("log.file", false)
	additional(d, lines)
	return d
}

// newDocument reads the series' schema only for spec.additionalConfig's lines: without them,
// nothing the function sets can be replaced (most renders; reading it costs a tenth of one).
func newDocument(series v1alpha1.Series, lines []v1alpha1.ConfLine) *document {
	d := &document{userTargets: map[string]bool{}}
	if len(lines) > 0 {
		d.schema, _ = confschema.For(series.String())
	}
	for _, l := range lines {
		if m, ok := d.schema.Lookup(l.Key); ok {
			d.userTargets[m.Target] = true
		}
	}
	return d
}

// additional appends spec.additionalConfig last, in its own order; they are ordinary lines
// (part of what a running node reads, so a change restarts the pods).
func additional(d *document, lines []v1alpha1.ConfLine) {
	if len(lines) == 0 {
		return
	}
	d.section("Additional configuration (spec.additionalConfig)", "")
	for _, l := range lines {
		d.write(fmt.Sprintf("%s = %s\n", l.Key, l.Value))
	}
}

func clusterFormation(d *document, c *v1alpha1.RabbitMQCluster, series v1alpha1.Series) {
	n := names.For(c)
	d.section("Cluster formation", "metadata.name names the cluster")
	d.set("cluster_name", c.Name)
	d.owner = "spec.discovery decides peer discovery"
	d.ownAll("cluster_formation")
	switch c.Spec.Discovery.Mode {
	case v1alpha1.DiscoveryK8s:
		d.set("cluster_formation.peer_discovery_backend", "rabbit_peer_discovery_k8s")
		if series.AtLeast(4, 1) {
			d.comment("From 4.1 on the plugin does not call the Kubernetes API: %s-0 seeds the cluster and the others join it.", n.StatefulSet())
		} else {
			d.comment("Lists the Endpoints of the headless Service; the hostname suffix comes from K8S_HOSTNAME_SUFFIX (it needs the pod's namespace).")
			d.set("cluster_formation.k8s.host", "kubernetes.default.svc."+c.Spec.ClusterDomain)
			d.set("cluster_formation.k8s.address_type", "hostname")
			d.set("cluster_formation.k8s.service_name", n.HeadlessService())
		}
	case v1alpha1.DiscoveryEtcd:
		e := c.Spec.Discovery.Etcd
		d.set("cluster_formation.peer_discovery_backend", "rabbit_peer_discovery_etcd")
		for i, ep := range EtcdEndpoints(c) {
			d.set(fmt.Sprintf("cluster_formation.etcd.endpoints.%d", i+1), ep)
		}
		d.set("cluster_formation.etcd.key_prefix", e.KeyPrefix)
		d.set("cluster_formation.etcd.cluster_name", c.Name)
		d.set("cluster_formation.etcd.node_ttl", *e.NodeTTL)
		d.set("cluster_formation.etcd.lock_timeout", *e.LockTimeout)
	case v1alpha1.DiscoveryClassic:
		d.set("cluster_formation.peer_discovery_backend", "rabbit_peer_discovery_classic_config")
		for i := range int(c.Replicas()) {
			d.setAtFormation(fmt.Sprintf("cluster_formation.classic_config.nodes.%d", i+1), n.NodeName(i))
		}
	case v1alpha1.DiscoveryDNS:
		d.set("cluster_formation.peer_discovery_backend", "rabbit_peer_discovery_dns")
		d.set("cluster_formation.dns.hostname", n.HeadlessFQDN())
		// Validate refuses 3.8.18 to 3.12: there the dns backend neither locks nor waits.
		if series.AtLeast(3, 13) {
			d.comment("The dns backend takes no lock: from 3.13 booting nodes sort what they discover and agree on one seed to join (4.0 rejects the delay settings).")
		} else {
			d.comment("The dns backend takes no lock: a random delay keeps parallel first boots from forming separate clusters (3.8.8-3.8.17; from 3.8.18 to 3.12 dns discovery is refused).")
			d.set("cluster_formation.randomized_startup_delay_range.min", 0)
			d.set("cluster_formation.randomized_startup_delay_range.max", 30)
		}
	}
	if series.AtLeast(3, 10) {
		d.comment("Lets quorum queues and streams wait for the whole cluster before choosing replicas.")
		d.owner = "spec.replicas sizes the cluster"
		d.setAtFormation("cluster_formation.target_cluster_size_hint", c.Replicas())
	}
	nodeCleanup(d, c)
	if !series.AtLeast(4, 3) {
		d.setDefault("cluster_partition_handling", "pause_minority")
	}
}

func nodeCleanup(d *document, c *v1alpha1.RabbitMQCluster) {
	d.owner = "spec.discovery.forceNodeCleanup decides node cleanup"
	switch {
	case c.Spec.Discovery.ForceNodeCleanup:
		d.comment("Forced cleanup (spec.discovery.forceNodeCleanup): members that discovery no longer lists are removed.")
		d.set("cluster_formation.node_cleanup.interval", 60)
		d.set("cluster_formation.node_cleanup.only_log_warning", false)
	case DiscoveryPlugin(c.Spec.Discovery.Mode) != "":
		d.comment("Never remove nodes that are only restarting (forced cleanup would kick them out).")
		d.set("cluster_formation.node_cleanup.only_log_warning", true)
	}
}

func queues(d *document, series v1alpha1.Series) {
	d.section("Queues", "")
	if series.AtLeast(3, 10) {
		d.setDefault("queue_leader_locator", "balanced")
	} else {
		d.setDefault("queue_master_locator", "min-masters")
	}
}

// resources tells RabbitMQ its container's memory limit, keeping headroom for what the
// Erlang VM allocates outside RabbitMQ's accounting (20%, at most 2GiB, as the
// cluster-operator does), and keeps a disk alarm margin that fits the volume.
func resources(d *document, c *v1alpha1.RabbitMQCluster) {
	d.section("Resources", "spec.resources.limits.memory is the node's memory")
	limit := bytes(c.Spec.Resources.Limits.Memory)
	d.set("total_memory_available_override_value", limit-min(limit/5, 2*gibibyte))
	size := bytes(c.Spec.Persistence.Size)
	d.setDefault("disk_free_limit.absolute", min(size/10, 2*gibibyte))
}

const gibibyte int64 = 1 << 30

// bytes reads a quantity that Validate has accepted.
func bytes(quantity v1alpha1.Quantity) int64 {
	q := resource.MustParse(string(quantity))
	return q.Value()
}

func listeners(d *document, tls *v1alpha1.TLS) {
	d.section("Listeners", "spec.tls decides the listeners (their ports are fixed)")
	if tls == nil || !tls.DisableNonTLSListeners {
		d.set("listeners.tcp.default", PortAMQP)
		d.set("management.tcp.port", PortManagement)
	} else {
		d.comment("Plain AMQP and management listeners are off (spec.tls.disableNonTLSListeners); metrics")
		d.comment("carry no credentials or messages, so the plain metrics port stays open for scrapers.")
		d.set("listeners.tcp", "none")
	}
	d.set("prometheus.tcp.port", PortPrometheus)
	if tls == nil {
		return
	}
	d.set("listeners.ssl.default", PortAMQPS)
	certs := func(prefix string) {
		d.set(prefix+"certfile", TLSDir+"/tls.crt")
		d.set(prefix+"keyfile", TLSDir+"/tls.key")
		if tls.CASecretName != "" {
			d.set(prefix+"cacertfile", TLSCADir+"/ca.crt")
			d.set(prefix+"verify", "verify_peer")
			d.set(prefix+"fail_if_no_peer_cert", false)
		}
	}
	certs("ssl_options.")
	d.set("management.ssl.port", PortManagementTLS)
	certs("management.ssl.")
	d.set("prometheus.ssl.port", PortPrometheusTLS)
	certs("prometheus.ssl.")
}

// EtcdEndpoints are the etcd client endpoints the nodes use: the configured ones, or the
// in-cluster etcd's Service when it is deployed.
func EtcdEndpoints(c *v1alpha1.RabbitMQCluster) []string {
	e := c.Spec.Discovery.Etcd
	if e.Deploy {
		return []string{fmt.Sprintf("%s:%d", names.For(c).EtcdService(), names.EtcdClientPort)}
	}
	return e.Endpoints
}
