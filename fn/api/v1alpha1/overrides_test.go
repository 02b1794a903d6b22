package v1alpha1_test

import (
	"strings"
	"testing"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	_ "github.com/rabbitmq-krm/rabbitmq-krm/fn/render" // sets v1alpha1.OwnedBy, as in the binary
)

func load(spec string) (*v1alpha1.RabbitMQCluster, string) {
	c, errs := v1alpha1.Load([]byte("apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata: {name: mq, namespace: ns}\nspec:\n" + spec))
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Field+": "+e.Detail)
	}
	return c, strings.Join(msgs, "\n")
}

// refusal is a spec (indented under spec:) and a part of the errors it must give.
type refusal struct{ spec, want string }

// expectRefused checks that each spec is refused with its message.
func expectRefused(t *testing.T, cases []refusal) {
	t.Helper()
	for _, tc := range cases {
		if _, got := load(tc.spec); !strings.Contains(got, tc.want) {
			t.Errorf("%s\ngot:  %s\nwant: %s", tc.spec, got, tc.want)
		}
	}
}

// expectAccepted checks that each spec is valid.
func expectAccepted(t *testing.T, specs []string) {
	t.Helper()
	for _, spec := range specs {
		if _, got := load(spec); got != "" {
			t.Errorf("%s\nrefused: %s", spec, got)
		}
	}
}

func TestOverridesRefused(t *testing.T) {
	expectRefused(t, []refusal{
		{"  additionalConfig: 'listners.tcp.default = 5672'", `spec.additionalConfig: line 1: listners.tcp.default is not a rabbitmq.conf key of RabbitMQ 4.2; did you mean "listeners.tcp.default"?`},
		{"  version: \"3.8\"\n  image: rabbitmq:3.8.34-management\n  additionalConfig: 'max_channels_per_connection = 5'", "max_channels_per_connection is not a rabbitmq.conf key of RabbitMQ 3.8"},
		{"  additionalConfig: {channel_max: lots}", "line 1: channel_max = lots is refused by RabbitMQ 4.2: want an integer"},
		{"  additionalConfig: {log.console.formatter.single_line: 'true'}", "want one of on, off"},
		{"  additionalConfig: |\n    channel_max = 1\n    channel_max = 2", "line 2 sets channel_max again (first on line 1)"},
		{"  additionalConfig: 'just words'", `line 1: "just words" is not key = value`},
		{"  additionalConfig: {log: {console: {level: debug}}}", "spec.additionalConfig: is a map: want rabbitmq.conf lines"},
		{"  additionalConfig: 'listeners.tcp.other = 5673'", "line 1: listeners.tcp.other is set by rabbitmq-krm (listeners.tcp.default): spec.tls decides the listeners"},
		{"  additionalConfig: 'cluster_formation.k8s.port = 443'", "(cluster_formation.*): spec.discovery decides peer discovery"},
		{"  additionalConfig: 'total_memory_available_override_value = 1GB'", "spec.resources.limits.memory"},
		{"  advancedConfig: '[{rabbit, [{default_pass, <<\"x\">>}]}].'", "spec.advancedConfig: sets rabbit's default_pass: credentials do not belong in the ConfigMap"},
		{"  advancedConfig: '[{rabbit, [{tcp_listeners, [5672]}]}]'", "spec.advancedConfig: is not valid advanced.config"},
		{"  advancedConfig: '[{rabbit, [{tcp_listeners, [5672]}]}].'", "{rabbit, [{tcp_listeners, ...}]} overrides listeners.tcp.default"},
		{"  env: [{name: RABBITMQ_MNESIA_BASE, value: /x}]", "spec.env[0].name: RABBITMQ_MNESIA_BASE is set by rabbitmq-krm"},
		{"  env: [{name: A, value: x}, {name: A, value: z}]", "spec.env[1].name: A is listed twice"},
	})
}

func TestOverridesAccepted(t *testing.T) {
	expectAccepted(t, []string{
		"  additionalConfig: |\n    # comment\n\n    channel_max = 1024\n",
		"  additionalConfig: {queue_leader_locator: client-local, disk_free_limit.relative: 1.5, log.console.level: debug}",
		"  additionalConfig: {vm_memory_high_watermark.relative: 0.6, consumer_timeout: 3600000, heartbeat: 30}",
		"  additionalConfig: 'channel_max = $(CHANNEL_MAX)'\n  env: [{name: CHANNEL_MAX, value: \"64\"}]",
		"  advancedConfig: |\n    [{rabbit, [{credit_flow_default_credit, {400, 200}}]}].\n  defaultUser: {secretName: admin}",
		"  env: [{name: ERL_MAX_PORTS, value: \"65536\"}, {name: X, valueFrom: {secretKeyRef: {name: s, key: k}}}]",
		"  discovery: {mode: etcd, etcd: {deploy: true}}\n  env: [{name: K8S_HOSTNAME_SUFFIX, value: x}]", // not set for etcd discovery
	})
}

// Streams arrived in 3.9: the stream plugins are refused on 3.8 (the node cannot enable them,
// and with TLS rabbitmq.conf would get a key 3.8 does not know), accepted from 3.9.
func TestStreamPluginsNeed39(t *testing.T) {
	_, msg := load("  image: rabbitmq:3.8.34-management\n  plugins: [rabbitmq_shovel, rabbitmq_stream]\n")
	if want := "spec.plugins[1]: rabbitmq_stream does not exist in RabbitMQ 3.8: streams arrived in 3.9"; !strings.Contains(msg, want) {
		t.Errorf("3.8 with rabbitmq_stream: got %q, want %q", msg, want)
	}
	if _, msg := load("  image: rabbitmq:3.9.29-management\n  plugins: [rabbitmq_stream]\n"); msg != "" {
		t.Errorf("3.9 with rabbitmq_stream refused: %s", msg)
	}
}
