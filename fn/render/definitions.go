package render

import (
	"bytes"
	"encoding/json"
	"maps"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// Definitions (spec.definitions) reach the broker in two steps. The facts behind this
// design, with their sources, are in docs/definitions.md.
//
// At boot every node imports, from the files the definitions init container writes into
// rabbitconf.DefinitionsDir, what must exist before clients log in: the vhosts, the
// exchanges, the bindings between exchanges, the policies and the default user. Not the
// queues: a quorum queue or stream gets its replicas on the nodes that are cluster members
// when it is declared, and a new cluster's first node boots alone, so a queue declared at
// its boot would keep a single replica (RabbitMQ does not grow it when the others join).
//
// The definitions Job waits until every node is running, then imports everything (the
// typed file and the user's ConfigMap) through node 0: the queues get a replica on every
// node, and a later change (a new queue, a policy's settings) is imported without restarting
// a pod. Neither file is part of the pods' checksum; the Job's template carries the typed
// file's checksum, so every change is a new Job.
const (
	componentDefinitions = "definitions"
	// keyDefinitions is the typed definitions file in the generated ConfigMap (what the Job
	// imports), and the key read from the user's ConfigMap (spec.definitions.configMapName).
	keyDefinitions = "definitions.json"
	// keyBootDefinitions is the part of it every node imports at boot.
	keyBootDefinitions = "boot-definitions.json"
	// The files RabbitMQ imports from DefinitionsDir, in this (name) order: the default user's
	// permissions refer to the vhosts.
	fileTyped       = "10-definitions.json"
	fileDefaultUser = "30-default-user.json"
	// Where the init container and the Job read the ConfigMaps.
	typedDefinitionsDir = "/etc/rabbitmq-krm/definitions"
	userDefinitionsDir  = "/etc/rabbitmq-krm/user-definitions"
	// DefinitionsChecksumAnnotation on the Job's pod template identifies the typed file.
	DefinitionsChecksumAnnotation = "rabbitmq-krm.dev/definitions-checksum"
	// definitionsDeadline bounds how long the Job waits for the nodes.
	definitionsDeadline = 3600
)

// Volume names of the definitions.
const (
	volDefinitions      = "definitions"
	volTypedDefinitions = "typed-definitions"
	volUserDefinitions  = "user-definitions"
)

// The definitions file format (rabbitmqctl export_definitions writes the same keys). Every
// field is written, also when empty: 3.8's import reads arguments with maps:get/2, which
// fails on a missing key.
type (
	definitionsFile struct {
		Vhosts    []vhostJSON    `json:"vhosts"`
		Exchanges []exchangeJSON `json:"exchanges"`
		Queues    []queueJSON    `json:"queues"`
		Bindings  []bindingJSON  `json:"bindings"`
		Policies  []policyJSON   `json:"policies"`
	}
	vhostJSON struct {
		Name        string `json:"name"`
		Description string `json:"description,omitempty"`
	}
	exchangeJSON struct {
		Name       string         `json:"name"`
		Vhost      string         `json:"vhost"`
		Type       string         `json:"type"`
		Durable    bool           `json:"durable"`
		AutoDelete bool           `json:"auto_delete"`
		Internal   bool           `json:"internal"`
		Arguments  map[string]any `json:"arguments"`
	}
	queueJSON struct {
		Name       string         `json:"name"`
		Vhost      string         `json:"vhost"`
		Durable    bool           `json:"durable"`
		AutoDelete bool           `json:"auto_delete"`
		Arguments  map[string]any `json:"arguments"`
	}
	bindingJSON struct {
		Source          string         `json:"source"`
		Vhost           string         `json:"vhost"`
		Destination     string         `json:"destination"`
		DestinationType string         `json:"destination_type"`
		RoutingKey      string         `json:"routing_key"`
		Arguments       map[string]any `json:"arguments"`
	}
	policyJSON struct {
		Vhost      string         `json:"vhost"`
		Name       string         `json:"name"`
		Pattern    string         `json:"pattern"`
		ApplyTo    string         `json:"apply-to"`
		Priority   int32          `json:"priority"`
		Definition map[string]any `json:"definition"`
	}
)

// definitionsJSON is the typed definitions file: indented, fields in a fixed order, map
// keys sorted (encoding/json), so the same config gives the same bytes. It always declares
// the default vhost "/": a blank node that imports definitions does not create it. For boot,
// it leaves out the queues and the bindings to them (see the top of this file).
func (k *cluster) definitionsJSON(boot bool) string {
	d := k.Spec.Definitions
	f := definitionsFile{Vhosts: []vhostJSON{{Name: v1alpha1.DefaultVhost}}}
	for _, h := range d.Vhosts {
		if h.Name == v1alpha1.DefaultVhost {
			f.Vhosts[0] = vhostJSON(h)
			continue
		}
		f.Vhosts = append(f.Vhosts, vhostJSON(h))
	}
	f.Exchanges = make([]exchangeJSON, 0, len(d.Exchanges))
	for _, x := range d.Exchanges {
		f.Exchanges = append(f.Exchanges, exchangeJSON{x.Name, x.Vhost, x.Type, *x.Durable, x.AutoDelete, x.Internal, orEmpty(x.Arguments)})
	}
	f.Queues = make([]queueJSON, 0, len(d.Queues))
	for _, q := range d.Queues {
		args := map[string]any{"x-queue-type": q.Type}
		maps.Copy(args, q.Arguments)
		if !boot {
			f.Queues = append(f.Queues, queueJSON{q.Name, q.Vhost, *q.Durable, q.AutoDelete, args})
		}
	}
	f.Bindings = make([]bindingJSON, 0, len(d.Bindings))
	for _, b := range d.Bindings {
		if !boot || b.DestinationType == v1alpha1.DestinationExchange {
			f.Bindings = append(f.Bindings, bindingJSON{b.Source, b.Vhost, b.Destination, b.DestinationType, b.RoutingKey, orEmpty(b.Arguments)})
		}
	}
	f.Policies = make([]policyJSON, 0, len(d.Policies))
	for _, p := range d.Policies {
		f.Policies = append(f.Policies, policyJSON{p.Vhost, p.Name, p.Pattern, p.ApplyTo, p.Priority, p.Definition})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep patterns such as ^a<b readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		panic(err) // decoded JSON values always encode
	}
	return b.String()
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// definitionsVhosts are the vhosts the default user gets full permissions on.
func (k *cluster) definitionsVhosts() []string {
	vhosts := []string{v1alpha1.DefaultVhost}
	for _, h := range k.Spec.Definitions.Vhosts {
		if h.Name != v1alpha1.DefaultVhost {
			vhosts = append(vhosts, h.Name)
		}
	}
	return vhosts
}
