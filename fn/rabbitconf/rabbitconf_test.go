package rabbitconf

import (
	"strings"
	"testing"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf/confschema"
)

func build(t *testing.T, version string, mode v1alpha1.DiscoveryMode) Files {
	t.Helper()
	c := &v1alpha1.RabbitMQCluster{}
	c.Name, c.Namespace = "mq", "ns"
	c.Spec.Version = version
	c.Spec.Image = "rabbitmq:" + version
	c.Spec.Discovery.Mode = mode
	if mode == v1alpha1.DiscoveryEtcd {
		c.Spec.Discovery.Etcd = &v1alpha1.EtcdDiscovery{Endpoints: []string{"etcd:2379"}}
	}
	c.Default()
	if errs := c.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	return Build(c)
}

// Each row: a version and discovery mode, keys that must be present and keys that a node
// of that series would reject or ignore (so they must be absent).
func TestVersionGates(t *testing.T) {
	for _, tc := range []struct {
		version string
		mode    v1alpha1.DiscoveryMode
		present []string
		absent  []string
	}{
		{"3.8", v1alpha1.DiscoveryK8s,
			[]string{"cluster_formation.k8s.address_type = hostname", "cluster_formation.k8s.service_name = mq-nodes", "queue_master_locator = min-masters", "cluster_partition_handling = pause_minority"},
			[]string{"queue_leader_locator", "target_cluster_size_hint", "randomized_startup_delay"}},
		{"3.10", v1alpha1.DiscoveryClassic,
			[]string{"cluster_formation.classic_config.nodes.3 = rabbit@mq-2.mq-nodes.ns.svc.cluster.local", "queue_leader_locator = balanced", "target_cluster_size_hint = 3"},
			[]string{"node_cleanup", "queue_master_locator", "cluster_formation.k8s"}},
		{"4.1", v1alpha1.DiscoveryK8s,
			[]string{"peer_discovery_backend = rabbit_peer_discovery_k8s", "node_cleanup.only_log_warning = true"},
			[]string{"cluster_formation.k8s.", "token_path", "queue_master_locator"}},
		{"4.2", v1alpha1.DiscoveryEtcd,
			[]string{"cluster_formation.etcd.endpoints.1 = etcd:2379", "key_prefix = rabbitmq-discovery", "node_ttl = 30", "lock_timeout = 300", "cluster_name = mq"},
			[]string{"cluster_formation.k8s"}},
		{"4.3", v1alpha1.DiscoveryDNS,
			[]string{"cluster_formation.dns.hostname = mq-nodes.ns.svc.cluster.local"},
			[]string{"cluster_partition_handling", "queue_master_locator", "node_cleanup", "randomized_startup_delay"}},
	} {
		f := build(t, tc.version, tc.mode)
		for _, p := range tc.present {
			if !strings.Contains(f.RabbitmqConf, p) {
				t.Errorf("%s/%s: missing %q in\n%s", tc.version, tc.mode, p, f.RabbitmqConf)
			}
		}
		for _, a := range tc.absent {
			if strings.Contains(f.RabbitmqConf, a) {
				t.Errorf("%s/%s: must not contain %q", tc.version, tc.mode, a)
			}
		}
	}
}

func TestEnabledPlugins(t *testing.T) {
	if got := build(t, "4.2", v1alpha1.DiscoveryK8s).EnabledPlugins; got != "[rabbitmq_management,rabbitmq_peer_discovery_k8s,rabbitmq_prometheus].\n" {
		t.Errorf("k8s plugins: %q", got)
	}
	if got := build(t, "4.2", v1alpha1.DiscoveryClassic).EnabledPlugins; got != "[rabbitmq_management,rabbitmq_prometheus].\n" {
		t.Errorf("classic plugins: %q", got)
	}
}

// Every line the function writes is a key and value its series' own schema accepts (a node
// refuses to boot otherwise), for every series and discovery mode, with TLS and the protocol
// plugins on.
func TestWrittenKeysAreInTheSchema(t *testing.T) {
	for _, series := range confschema.Series() {
		for _, mode := range v1alpha1.DiscoveryModes {
			c := &v1alpha1.RabbitMQCluster{}
			c.Name, c.Namespace = "mq", "ns"
			c.Spec.Version = series
			c.Spec.Discovery.Mode = mode
			c.Spec.Discovery.Etcd = &v1alpha1.EtcdDiscovery{Deploy: true}
			c.Spec.TLS = &v1alpha1.TLS{SecretName: "tls", CASecretName: "ca"}
			c.Spec.Plugins = []string{"rabbitmq_web_mqtt", "rabbitmq_web_stomp", "rabbitmq_stream"}
			if series == "3.8" {
				// Streams arrived in 3.9: Validate refuses rabbitmq_stream on 3.8.
				c.Spec.Plugins = c.Spec.Plugins[:2]
			}
			c.Default()
			schema, _ := confschema.For(series)
			for _, l := range v1alpha1.AdditionalConfig(Build(c).RabbitmqConf).Lines() {
				m, ok := schema.Lookup(l.Key)
				if l.Problem != "" {
					t.Errorf("%s %s: line %d: %s", series, mode, l.Number, l.Problem)
				} else if !ok {
					t.Errorf("%s %s: %s is not a key of the series", series, mode, l.Key)
				} else if want := m.Check(l.Value); want != "" {
					t.Errorf("%s %s: %s = %s: want %s", series, mode, l.Key, l.Value, want)
				}
			}
		}
	}
}
