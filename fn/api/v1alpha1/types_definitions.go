package v1alpha1

// Definitions are RabbitMQ objects the cluster starts with: virtual hosts, exchanges,
// queues, bindings and policies. Every node imports the vhosts, exchanges, bindings between
// exchanges and policies at boot (load_definitions), so they exist before clients log in.
// The queues and everything else are imported by a Job (<name>-def-<hash>) once every node
// is running, through node 0: a quorum queue or stream gets its replicas on the nodes that
// are members when it is declared, and a new cluster's first node boots alone. The Job runs
// again on every change, which restarts no pod. Importing creates and updates; it never
// deletes: remove an object you took out of the config with rabbitmqctl.
// A node that imports definitions on its first boot does not create the default user and
// vhost, so the definitions init container adds "/" and spec.defaultUser (its password
// hashed from the Secret, never in the ConfigMap) with full permissions on "/" and every
// vhost listed here. Only the default user: other users' passwords would have to be in Git
// or a ConfigMap, so add them with rabbitmqctl, or hashed in the configMapName file.
// Sources and per-series facts: docs/definitions.md.
type Definitions struct {
	// Vhosts are the virtual hosts to create besides the default "/".
	Vhosts []VhostDefinition `json:"vhosts,omitempty"`
	// Exchanges to declare.
	Exchanges []ExchangeDefinition `json:"exchanges,omitempty"`
	// Queues to declare.
	Queues []QueueDefinition `json:"queues,omitempty"`
	// Bindings between the exchanges and queues, declared here or built in (amq.direct,
	// amq.fanout, amq.topic, amq.headers, amq.match).
	Bindings []BindingDefinition `json:"bindings,omitempty"`
	// Policies to set.
	Policies []PolicyDefinition `json:"policies,omitempty"`
	// ConfigMapName names an existing ConfigMap, in the cluster's namespace, whose key
	// definitions.json is a definitions file you maintain (e.g. exported with rabbitmqctl
	// export_definitions; users in it need a password_hash, never a password). The Job
	// imports it after the typed definitions. The function cannot see its content: after
	// editing it, delete the last <name>-def-* Job and apply again. A missing ConfigMap keeps
	// the Job waiting.
	ConfigMapName string `json:"configMapName,omitempty"`
}

// VhostDefinition is a virtual host.
type VhostDefinition struct {
	// Name of the virtual host (required).
	Name string `json:"name,omitempty"`
	// Description shown in the management UI.
	Description string `json:"description,omitempty"`
}

// ExchangeDefinition is an exchange.
type ExchangeDefinition struct {
	// Name of the exchange (required; amq.* names are reserved).
	Name string `json:"name,omitempty"`
	// Vhost is "/" (default) or one of spec.definitions.vhosts.
	Vhost string `json:"vhost,omitempty"`
	// Type is direct (default), fanout, topic, headers, or a plugin's type starting with x-
	// (e.g. x-delayed-message: enable its plugin too).
	Type string `json:"type,omitempty"`
	// Durable exchanges survive a restart (default true).
	Durable *bool `json:"durable,omitempty"`
	// AutoDelete removes the exchange when its last binding goes.
	AutoDelete bool `json:"autoDelete,omitempty"`
	// Internal exchanges take messages only from other exchanges.
	Internal bool `json:"internal,omitempty"`
	// Arguments of the exchange, e.g. alternate-exchange: unrouted.
	Arguments map[string]any `json:"arguments,omitempty"`
}

// QueueDefinition is a queue.
type QueueDefinition struct {
	// Name of the queue (required; amq.* names are reserved).
	Name string `json:"name,omitempty"`
	// Vhost is "/" (default) or one of spec.definitions.vhosts.
	Vhost string `json:"vhost,omitempty"`
	// Type is classic (default), quorum (replicated; 3.8+) or stream (3.9+). It is written as
	// the x-queue-type argument. Quorum queues and streams are always durable.
	Type string `json:"type,omitempty"`
	// Durable queues survive a restart (default true; quorum queues and streams must be).
	Durable *bool `json:"durable,omitempty"`
	// AutoDelete removes a classic queue when its last consumer goes.
	AutoDelete bool `json:"autoDelete,omitempty"`
	// Arguments of the queue, e.g. x-max-length: 10000, x-dead-letter-exchange: dlx,
	// x-max-age: 7D (streams). Integer arguments (x-message-ttl, x-max-length, ...) must be
	// non-negative integers.
	Arguments map[string]any `json:"arguments,omitempty"`
}

// BindingDefinition routes messages from an exchange to a queue or another exchange.
type BindingDefinition struct {
	// Vhost is "/" (default) or one of spec.definitions.vhosts.
	Vhost string `json:"vhost,omitempty"`
	// Source is the exchange (required; declared here or built in).
	Source string `json:"source,omitempty"`
	// Destination is the queue or exchange (required).
	Destination string `json:"destination,omitempty"`
	// DestinationType is queue (default) or exchange.
	DestinationType string `json:"destinationType,omitempty"`
	// RoutingKey of the binding (default empty).
	RoutingKey string `json:"routingKey,omitempty"`
	// Arguments of the binding (e.g. x-match for headers exchanges).
	Arguments map[string]any `json:"arguments,omitempty"`
}

// PolicyDefinition is a policy: settings applied to the queues or exchanges whose names
// match a pattern.
type PolicyDefinition struct {
	// Name of the policy (required).
	Name string `json:"name,omitempty"`
	// Vhost is "/" (default) or one of spec.definitions.vhosts.
	Vhost string `json:"vhost,omitempty"`
	// Pattern is the regular expression the names must match, e.g. ^orders\.  RabbitMQ
	// uses PCRE; the function checks patterns with Go's RE2, so lookarounds and
	// backreferences are refused (required).
	Pattern string `json:"pattern,omitempty"`
	// ApplyTo is all (default), queues or exchanges; from 3.12 also classic_queues,
	// quorum_queues or streams.
	ApplyTo string `json:"applyTo,omitempty"`
	// Priority decides between policies matching the same name: the highest wins (default 0).
	Priority int32 `json:"priority,omitempty"`
	// Definition holds the policy's settings (required), e.g. max-length: 10000,
	// dead-letter-exchange: dlx, queue-version: 2.
	Definition map[string]any `json:"definition,omitempty"`
}
