package render_test

import (
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// renderSpec renders a config whose spec is given as YAML lines (indented two spaces).
func renderSpec(t *testing.T, spec string) render.Output {
	t.Helper()
	c, err := v1alpha1.Load([]byte("apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata: {name: rabbitmq, namespace: mq}\nspec:\n" + spec))
	if err != nil {
		t.Fatalf("config refused: %v", err)
	}
	return render.Render(c)
}

func find[T any](objs []render.Object, name string) T {
	var zero T
	for _, o := range objs {
		if typed, ok := o.(T); ok && o.GetName() == name {
			return typed
		}
	}
	return zero
}

// admits reports whether a NetworkPolicy rule list opens port.
func admits(rules []networkingv1.NetworkPolicyIngressRule, port int32) bool {
	for _, r := range rules {
		for _, p := range r.Ports {
			end := p.Port.IntVal
			if p.EndPort != nil {
				end = *p.EndPort
			}
			if p.Port.IntVal <= port && port <= end {
				return true
			}
		}
	}
	return false
}

// Protocol plugins: each enabled plugin's listener (plain, or TLS when plain listeners are
// off) is a container port, a client Service port and admitted by the NetworkPolicy; a
// plugin that is not enabled opens nothing.
func TestProtocolPluginPorts(t *testing.T) {
	for _, tc := range []struct {
		name, spec   string
		want, absent []string // container port names
	}{
		{"plain", "  plugins: [rabbitmq_mqtt, rabbitmq_stream]\n  networkPolicy: {}\n", []string{"mqtt", "stream"}, []string{"stomp", "mqtts", "web-mqtt"}},
		{"web plugins start their base plugin", "  plugins: [rabbitmq_web_stomp]\n  networkPolicy: {}\n", []string{"stomp", "web-stomp"}, []string{"mqtt"}},
		{"stream management starts stream", "  plugins: [rabbitmq_stream_management]\n  networkPolicy: {}\n", []string{"stream"}, nil},
		{"tls only", "  plugins: [rabbitmq_mqtt, rabbitmq_web_mqtt]\n  tls: {secretName: t, disableNonTLSListeners: true}\n  networkPolicy: {}\n", []string{"mqtts", "web-mqtt-tls"}, []string{"mqtt", "web-mqtt"}},
		{"tls and plain", "  plugins: [rabbitmq_stomp]\n  tls: {secretName: t}\n  networkPolicy: {}\n", []string{"stomp", "stomps"}, nil},
		{"none", "  networkPolicy: {}\n", nil, []string{"mqtt", "stomp", "stream"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := renderSpec(t, tc.spec)
			sts := find[*appsv1.StatefulSet](out.Objects, "rabbitmq")
			svc := find[*corev1.Service](out.Objects, "rabbitmq")
			np := find[*networkingv1.NetworkPolicy](out.Objects, "rabbitmq")
			ports := map[string]int32{}
			for _, p := range sts.Spec.Template.Spec.Containers[0].Ports {
				ports[p.Name] = p.ContainerPort
			}
			inService := map[string]bool{}
			for _, p := range svc.Spec.Ports {
				inService[p.Name] = true
			}
			for _, name := range tc.want {
				port, ok := ports[name]
				switch {
				case !ok:
					t.Errorf("no container port %s in %v", name, ports)
				case !inService[name]:
					t.Errorf("the client Service lacks %s", name)
				case !admits(np.Spec.Ingress, port):
					t.Errorf("the NetworkPolicy does not admit %s (%d)", name, port)
				}
			}
			for _, name := range tc.absent {
				if _, ok := ports[name]; ok || inService[name] {
					t.Errorf("%s is open although its plugin is not enabled (or its plain listener is off)", name)
				}
			}
		})
	}
}

// Stream replicas talk over 6000-6500 between the cluster's pods from 3.9 (streams are core).
func TestNetworkPolicyStreamReplicationRange(t *testing.T) {
	for image, want := range map[string]bool{"rabbitmq:3.8.34-management": false, "rabbitmq:3.10.8": true, "rabbitmq:4.3.6": true} {
		out := renderSpec(t, fmt.Sprintf("  image: %s\n  networkPolicy: {}\n", image))
		np := find[*networkingv1.NetworkPolicy](out.Objects, "rabbitmq")
		internode := np.Spec.Ingress[:1] // the rule whose peers are the cluster's own pods
		if got := admits(internode, 6000) && admits(internode, 6500); got != want {
			t.Errorf("%s: stream replication range between pods = %v, want %v", image, got, want)
		}
		if admits(np.Spec.Ingress[1:], 6000) {
			t.Errorf("%s: clients must not reach the stream replication range", image)
		}
	}
}

// With TLS, each protocol's TLS listener is configured; plain ones are closed only on request.
func TestProtocolPluginTLSConfig(t *testing.T) {
	out := renderSpec(t, "  plugins: [rabbitmq_mqtt, rabbitmq_stomp, rabbitmq_stream, rabbitmq_web_stomp]\n  tls: {secretName: t, disableNonTLSListeners: true}\n")
	conf := find[*corev1.ConfigMap](out.Objects, "rabbitmq-config").Data["rabbitmq.conf"]
	for _, line := range []string{
		"mqtt.listeners.ssl.default = 8883", "mqtt.listeners.tcp = none",
		"stomp.listeners.ssl.1 = 61614", "stomp.listeners.tcp = none",
		"stream.listeners.ssl.default = 5551", "stream.listeners.tcp = none",
		"web_stomp.ssl.port = 15673", "web_stomp.ssl.certfile = /etc/rabbitmq-tls/tls.crt", "web_stomp.tcp.listener = none",
	} {
		if !strings.Contains(conf, line+"\n") {
			t.Errorf("rabbitmq.conf lacks %q:\n%s", line, conf)
		}
	}
	if strings.Contains(conf, "web_mqtt") {
		t.Errorf("web_mqtt is configured although only rabbitmq_mqtt is enabled")
	}
}
