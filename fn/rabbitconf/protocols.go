package rabbitconf

import (
	"slices"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// ProtocolPlugin is a plugin that opens client listeners of its own. Their ports and port
// names are the cluster-operator's, so clients and dashboards written for it work here.
type ProtocolPlugin struct {
	key           string // rabbitmq.conf prefix
	Name, TLSName string // container and Service port names (at most 15 characters)
	Port, TLSPort int32
	enabledBy     []string // enabling any of them starts the plugin (web_mqtt depends on mqtt)
	web           bool     // a Cowboy listener: its TLS settings are its own, not ssl_options
}

// ProtocolPlugins are the protocol plugins RabbitMQ ships, in a fixed order.
var ProtocolPlugins = []ProtocolPlugin{
	{key: "mqtt", Name: "mqtt", TLSName: "mqtts", Port: 1883, TLSPort: 8883, enabledBy: []string{"rabbitmq_mqtt", "rabbitmq_web_mqtt"}},
	{key: "stomp", Name: "stomp", TLSName: "stomps", Port: 61613, TLSPort: 61614, enabledBy: []string{"rabbitmq_stomp", "rabbitmq_web_stomp"}},
	{key: "stream", Name: "stream", TLSName: "streams", Port: 5552, TLSPort: 5551, enabledBy: []string{"rabbitmq_stream", "rabbitmq_stream_management"}},
	{key: "web_mqtt", Name: "web-mqtt", TLSName: "web-mqtt-tls", Port: 15675, TLSPort: 15676, enabledBy: []string{"rabbitmq_web_mqtt"}, web: true},
	{key: "web_stomp", Name: "web-stomp", TLSName: "web-stomp-tls", Port: 15674, TLSPort: 15673, enabledBy: []string{"rabbitmq_web_stomp"}, web: true},
}

// EnabledProtocols are the protocol plugins that spec.plugins starts.
func EnabledProtocols(c *v1alpha1.RabbitMQCluster) []ProtocolPlugin {
	var on []ProtocolPlugin
	for _, p := range ProtocolPlugins {
		if slices.ContainsFunc(p.enabledBy, func(name string) bool { return slices.Contains(c.Spec.Plugins, name) }) {
			on = append(on, p)
		}
	}
	return on
}

// listeners writes a protocol's TLS listener and closes the plain one when asked; without
// TLS the plugin listens on its default port and needs no line.
func (p ProtocolPlugin) listeners(d *document, tls *v1alpha1.TLS) {
	if tls == nil {
		return
	}
	switch {
	case p.web:
		d.set(p.key+".ssl.port", p.TLSPort)
		d.set(p.key+".ssl.certfile", TLSDir+"/tls.crt")
		d.set(p.key+".ssl.keyfile", TLSDir+"/tls.key")
		if tls.CASecretName != "" {
			d.set(p.key+".ssl.cacertfile", TLSCADir+"/ca.crt")
		}
	case p.key == "stomp":
		d.set("stomp.listeners.ssl.1", p.TLSPort)
	default:
		d.set(p.key+".listeners.ssl.default", p.TLSPort)
	}
	if !tls.DisableNonTLSListeners {
		return
	}
	if p.web {
		d.set(p.key+".tcp.listener", "none")
	} else {
		d.set(p.key+".listeners.tcp", "none")
	}
}
