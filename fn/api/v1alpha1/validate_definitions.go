package v1alpha1

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// What RabbitMQ accepts in definitions, per series (sources: docs/definitions.md).
var (
	// builtinExchanges exist in every vhost; bindings may use them without declaring them.
	builtinExchanges = []string{"amq.direct", "amq.fanout", "amq.headers", "amq.match", "amq.topic", "amq.rabbitmq.trace"}
	exchangeTypes    = []string{"direct", "fanout", "topic", "headers"}
	// applyToSince3_12 are the apply-to values rabbit_policy accepts from 3.12 on.
	applyToSince3_12 = []string{"classic_queues", "quorum_queues", "streams"}
	// integerArguments must be non-negative integers (queue arguments and policy keys).
	integerArguments = []string{"x-message-ttl", "x-expires", "x-max-length", "x-max-length-bytes", "x-max-priority",
		"x-delivery-limit", "x-quorum-initial-group-size", "x-initial-cluster-size", "x-stream-max-segment-size-bytes"}
	integerPolicyKeys = []string{"message-ttl", "expires", "max-length", "max-length-bytes", "delivery-limit"}
	overflowByType    = map[string][]string{
		QueueClassic: {"drop-head", "reject-publish", "reject-publish-dlx"},
		QueueQuorum:  {"drop-head", "reject-publish"},
	}
)

// maxNameBytes is AMQP 0-9-1's short string: the longest queue, exchange or vhost name.
const maxNameBytes = 255

type vhostName struct{ vhost, name string }

type bindingKey struct{ vhost, source, destination, destinationType, routingKey string }

// definitionsCheck validates spec.definitions, remembering what is declared so that later
// entries can refer to it.
type definitionsCheck struct {
	errs      *field.ErrorList
	series    Series
	vhosts    map[string]bool
	exchanges map[vhostName]bool
	queues    map[vhostName]bool
}

func (c *RabbitMQCluster) validateDefinitions(errs *field.ErrorList) {
	d := c.Spec.Definitions
	series, err := ParseSeries(c.Spec.Version)
	if d == nil || err != nil {
		return
	}
	v := &definitionsCheck{errs: errs, series: series, vhosts: map[string]bool{DefaultVhost: true},
		exchanges: map[vhostName]bool{}, queues: map[vhostName]bool{}}
	for i, h := range d.Vhosts {
		v.vhost(fmt.Sprintf("spec.definitions.vhosts[%d]", i), h)
	}
	for i, x := range d.Exchanges {
		v.exchange(fmt.Sprintf("spec.definitions.exchanges[%d]", i), x)
	}
	for i, q := range d.Queues {
		v.queue(fmt.Sprintf("spec.definitions.queues[%d]", i), q)
	}
	seen := map[bindingKey]bool{}
	for i, b := range d.Bindings {
		v.binding(fmt.Sprintf("spec.definitions.bindings[%d]", i), b, seen)
	}
	policies := map[vhostName]bool{}
	for i, p := range d.Policies {
		v.policy(fmt.Sprintf("spec.definitions.policies[%d]", i), p, policies)
	}
	for _, msg := range validation.IsDNS1123Subdomain(d.ConfigMapName) {
		if d.ConfigMapName != "" {
			add(errs, "spec.definitions.configMapName", "%q is not a valid ConfigMap name: %s", d.ConfigMapName, msg)
		}
	}
}

// name checks a vhost, exchange or queue name; reserved tells whether amq.* is refused.
func (v *definitionsCheck) name(path, kind, name string, reserved bool) bool {
	switch {
	case name == "":
		add(v.errs, path, "is required: the %s's name", kind)
	case len(name) > maxNameBytes || !utf8.ValidString(name):
		add(v.errs, path, "%q is not a %s name RabbitMQ accepts: use at most %d bytes of UTF-8", name, kind, maxNameBytes)
	case reserved && strings.HasPrefix(name, "amq."):
		add(v.errs, path, "%q: names starting with amq. are reserved for RabbitMQ's own %ss; choose another name", name, kind)
	default:
		return true
	}
	return false
}

func (v *definitionsCheck) vhost(path string, h VhostDefinition) {
	if !v.name(path+".name", "virtual host", h.Name, false) {
		return
	}
	if h.Name != DefaultVhost && v.vhosts[h.Name] {
		add(v.errs, path+".name", "%q is listed twice: remove one", h.Name)
	}
	v.vhosts[h.Name] = true
}

// knownVhost checks a reference to a vhost.
func (v *definitionsCheck) knownVhost(path, vhost string) bool {
	if v.vhosts[vhost] {
		return true
	}
	add(v.errs, path, "virtual host %q is not declared: add it to spec.definitions.vhosts or use %q", vhost, DefaultVhost)
	return false
}

// declare checks the name and vhost of an exchange or queue and records it in declared.
func (v *definitionsCheck) declare(path, kind, vhost, name string, declared map[vhostName]bool) {
	okName := v.name(path+".name", kind, name, true)
	if okVhost := v.knownVhost(path+".vhost", vhost); !okName || !okVhost {
		return
	}
	k := vhostName{vhost, name}
	if declared[k] {
		add(v.errs, path+".name", "%s %q in vhost %q is declared twice: remove one", kind, name, vhost)
	}
	declared[k] = true
}

func (v *definitionsCheck) exchange(path string, x ExchangeDefinition) {
	v.declare(path, "exchange", x.Vhost, x.Name, v.exchanges)
	if !slices.Contains(exchangeTypes, x.Type) && !strings.HasPrefix(x.Type, "x-") {
		add(v.errs, path+".type", "%q is not an exchange type: use direct, fanout, topic, headers, or a plugin's x-... type", x.Type)
	}
}

func (v *definitionsCheck) queue(path string, q QueueDefinition) {
	v.declare(path, "queue", q.Vhost, q.Name, v.queues)
	switch q.Type {
	case QueueClassic, QueueQuorum:
	case QueueStream:
		if !v.series.AtLeast(3, 9) {
			add(v.errs, path+".type", "streams arrived in RabbitMQ 3.9, this config targets %s: use quorum, or RabbitMQ 3.9 or newer", v.series)
		}
	default:
		add(v.errs, path+".type", "%q is not a queue type: use classic, quorum or stream", q.Type)
	}
	if q.Type == QueueQuorum || q.Type == QueueStream {
		if !*q.Durable {
			add(v.errs, path+".durable", "a %s queue is always durable: remove durable: false", q.Type)
		}
		if q.AutoDelete {
			add(v.errs, path+".autoDelete", "a %s queue cannot be auto-delete: remove autoDelete or use type classic", q.Type)
		}
	}
	v.queueArguments(path+".arguments", q)
}

func (v *definitionsCheck) queueArguments(path string, q QueueDefinition) {
	for _, key := range slices.Sorted(maps.Keys(q.Arguments)) {
		value, at := q.Arguments[key], fmt.Sprintf("%s[%s]", path, key)
		switch {
		case key == "x-queue-type" && value != q.Type:
			add(v.errs, at, "%v contradicts type %s: set the type field and remove this argument", value, q.Type)
		case slices.Contains(integerArguments, key) && !nonNegativeInteger(value):
			add(v.errs, at, "%v must be a non-negative integer", value)
		case key == "x-max-priority" && q.Type != QueueClassic:
			add(v.errs, at, "only classic queues have priorities: remove it or use type classic")
		case key == "x-max-priority" && value.(int64) > 255:
			add(v.errs, at, "%v is too high: RabbitMQ allows 0 to 255 (10 or less is recommended)", value)
		case key == "x-overflow" && !slices.Contains(overflowByType[q.Type], fmt.Sprint(value)):
			add(v.errs, at, "%v is not an overflow behaviour of %s queues: use one of %s", value, q.Type, overflowChoices(overflowByType[q.Type]))
		}
	}
}

func (v *definitionsCheck) binding(path string, b BindingDefinition, seen map[bindingKey]bool) {
	if !v.knownVhost(path+".vhost", b.Vhost) {
		return
	}
	switch {
	case b.Source == "":
		add(v.errs, path+".source", "is required: the exchange to bind from (the default exchange \"\" already routes to every queue by its name and takes no bindings)")
	case !v.exchangeExists(b.Vhost, b.Source):
		add(v.errs, path+".source", "exchange %q is not declared in vhost %q: add it to spec.definitions.exchanges or use a built-in amq.* exchange", b.Source, b.Vhost)
	}
	switch b.DestinationType {
	case DestinationQueue:
		if !v.queues[vhostName{b.Vhost, b.Destination}] {
			add(v.errs, path+".destination", "queue %q is not declared in vhost %q: add it to spec.definitions.queues", b.Destination, b.Vhost)
		}
	case DestinationExchange:
		if b.Destination == "" || !v.exchangeExists(b.Vhost, b.Destination) {
			add(v.errs, path+".destination", "exchange %q is not declared in vhost %q: add it to spec.definitions.exchanges", b.Destination, b.Vhost)
		}
	default:
		add(v.errs, path+".destinationType", "%q is not a destination type: use queue or exchange", b.DestinationType)
	}
	key := bindingKey{b.Vhost, b.Source, b.Destination, b.DestinationType, b.RoutingKey}
	if seen[key] && len(b.Arguments) == 0 { // arguments may tell headers bindings apart
		add(v.errs, path, "binds %s to %s %q with routing key %q a second time: remove one", b.Source, b.DestinationType, b.Destination, b.RoutingKey)
	}
	seen[key] = true
}

func (v *definitionsCheck) exchangeExists(vhost, name string) bool {
	return v.exchanges[vhostName{vhost, name}] || slices.Contains(builtinExchanges, name)
}

func (v *definitionsCheck) policy(path string, p PolicyDefinition, seen map[vhostName]bool) {
	if p.Name == "" {
		add(v.errs, path+".name", "is required: the policy's name")
	} else if k := (vhostName{p.Vhost, p.Name}); seen[k] {
		add(v.errs, path+".name", "policy %q in vhost %q is set twice: remove one", p.Name, p.Vhost)
	} else {
		seen[k] = true
	}
	v.knownVhost(path+".vhost", p.Vhost)
	if p.Pattern == "" {
		add(v.errs, path+".pattern", "is required: a regular expression for the names, e.g. ^orders\\. or .* for all")
	} else if _, err := regexp.Compile(p.Pattern); err != nil {
		add(v.errs, path+".pattern", "%q is not a regular expression rabbitmq-krm can check (%v): RabbitMQ uses PCRE, and the function accepts the common subset with Go's RE2, without lookarounds or backreferences", p.Pattern, err)
	}
	switch {
	case p.ApplyTo == "all" || p.ApplyTo == "queues" || p.ApplyTo == "exchanges":
	case slices.Contains(applyToSince3_12, p.ApplyTo) && !v.series.AtLeast(3, 12):
		add(v.errs, path+".applyTo", "%s arrived in RabbitMQ 3.12, this config targets %s: use queues, or RabbitMQ 3.12 or newer", p.ApplyTo, v.series)
	case !slices.Contains(applyToSince3_12, p.ApplyTo):
		add(v.errs, path+".applyTo", "%q is not an apply-to value: use all, queues, exchanges, classic_queues, quorum_queues or streams (the last three from 3.12)", p.ApplyTo)
	}
	if p.Priority < 0 {
		add(v.errs, path+".priority", "%d is negative: use 0 (default) or more; the highest priority wins", p.Priority)
	}
	v.policyDefinition(path+".definition", p.Definition)
}

func (v *definitionsCheck) policyDefinition(path string, def map[string]any) {
	if len(def) == 0 {
		add(v.errs, path, "is required: the settings the policy applies, e.g. max-length: 10000")
	}
	for _, key := range slices.Sorted(maps.Keys(def)) {
		at := fmt.Sprintf("%s[%s]", path, key)
		switch {
		case strings.HasPrefix(key, "ha-") && v.series.AtLeast(4, 0):
			add(v.errs, at, "classic queue mirroring was removed in RabbitMQ 4.0, this config targets %s: use quorum queues (type: quorum) instead", v.series)
		case slices.Contains(integerPolicyKeys, key) && !nonNegativeInteger(def[key]):
			add(v.errs, at, "%v must be a non-negative integer", def[key])
		}
	}
}

// nonNegativeInteger: the strict decoder gives int64 for a JSON integer, float64 otherwise.
func nonNegativeInteger(v any) bool {
	i, ok := v.(int64)
	return ok && i >= 0
}

func overflowChoices(values []string) string {
	if len(values) == 0 {
		return "none (remove the argument)"
	}
	return strings.Join(values, ", ")
}
