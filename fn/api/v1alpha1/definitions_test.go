package v1alpha1_test

import (
	"strings"
	"testing"
)

// A valid set used by every refused case, which changes one thing.
const validDefinitions = `  definitions:
    vhosts: [{name: orders}]
    exchanges: [{name: events, vhost: orders, type: topic}]
    queues:
      - {name: created, vhost: orders, type: quorum, arguments: {x-delivery-limit: 5}}
      - {name: audit, vhost: orders, type: stream, arguments: {x-max-age: 7D}}
      - {name: work, arguments: {x-max-priority: 10, x-overflow: reject-publish-dlx}}
    bindings:
      - {vhost: orders, source: events, destination: created, routingKey: "order.#"}
      - {vhost: orders, source: amq.topic, destination: events, destinationType: exchange}
    policies:
      - {name: limits, vhost: orders, pattern: '^created$', applyTo: quorum_queues, priority: 2, definition: {max-length: 1000}}
`

func TestDefinitionsAccepted(t *testing.T) {
	for _, spec := range []string{
		validDefinitions,
		"  definitions: {configMapName: my-definitions}",
		"  definitions: {vhosts: [{name: /, description: the default}]}",
		"  image: rabbitmq:3.8.34-management\n  definitions: {queues: [{name: q, type: quorum}], policies: [{name: p, pattern: ., applyTo: queues, definition: {ha-mode: all}}]}",
		"  definitions: {queues: [{name: q, arguments: {x-queue-type: classic}}]}",
		// bindings that differ only in their arguments (headers exchanges)
		"  definitions: {queues: [{name: q}], bindings: [{source: amq.match, destination: q, arguments: {x-match: all, a: 1}}, {source: amq.match, destination: q, arguments: {x-match: any, b: 2}}]}",
	} {
		if _, got := load(spec); got != "" {
			t.Errorf("%s\nrefused: %s", spec, got)
		}
	}
}

func TestDefinitionsRefused(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"  definitions: {queues: [{name: q, vhost: nope}]}", `spec.definitions.queues[0].vhost: virtual host "nope" is not declared: add it to spec.definitions.vhosts or use "/"`},
		{"  definitions: {exchanges: [{name: x, vhost: nope}]}", `spec.definitions.exchanges[0].vhost: virtual host "nope" is not declared`},
		{"  definitions: {policies: [{name: p, vhost: nope, pattern: ., definition: {max-length: 1}}]}", `spec.definitions.policies[0].vhost: virtual host "nope" is not declared`},
		{"  definitions: {vhosts: [{name: a}, {name: a}]}", `spec.definitions.vhosts[1].name: "a" is listed twice`},
		{"  definitions: {vhosts: [{}]}", "spec.definitions.vhosts[0].name: is required"},
		{"  definitions: {queues: [{name: q}, {name: q}]}", `spec.definitions.queues[1].name: queue "q" in vhost "/" is declared twice`},
		{"  definitions: {exchanges: [{name: x}, {name: x}]}", `spec.definitions.exchanges[1].name: exchange "x" in vhost "/" is declared twice`},
		{"  definitions: {queues: [{name: amq.q}]}", "spec.definitions.queues[0].name: \"amq.q\": names starting with amq. are reserved"},
		{"  definitions: {queues: [{name: '" + strings.Repeat("q", 256) + "'}]}", "use at most 255 bytes of UTF-8"},
		{"  definitions: {exchanges: [{name: x, type: fast}]}", `spec.definitions.exchanges[0].type: "fast" is not an exchange type`},
		{"  definitions: {queues: [{name: q, type: lazy}]}", `spec.definitions.queues[0].type: "lazy" is not a queue type: use classic, quorum or stream`},
		{"  image: rabbitmq:3.8.34-management\n  definitions: {queues: [{name: q, type: stream}]}", "spec.definitions.queues[0].type: streams arrived in RabbitMQ 3.9, this config targets 3.8"},
		{"  definitions: {queues: [{name: q, type: quorum, durable: false}]}", "spec.definitions.queues[0].durable: a quorum queue is always durable"},
		{"  definitions: {queues: [{name: q, type: stream, autoDelete: true}]}", "spec.definitions.queues[0].autoDelete: a stream queue cannot be auto-delete"},
		{"  definitions: {queues: [{name: q, type: quorum, arguments: {x-queue-type: classic}}]}", "spec.definitions.queues[0].arguments[x-queue-type]: classic contradicts type quorum: set the type field"},
		{"  definitions: {queues: [{name: q, arguments: {x-max-length: -1}}]}", "spec.definitions.queues[0].arguments[x-max-length]: -1 must be a non-negative integer"},
		{"  definitions: {queues: [{name: q, arguments: {x-message-ttl: '60s'}}]}", "arguments[x-message-ttl]: 60s must be a non-negative integer"},
		{"  definitions: {queues: [{name: q, type: quorum, arguments: {x-max-priority: 5}}]}", "arguments[x-max-priority]: only classic queues have priorities"},
		{"  definitions: {queues: [{name: q, arguments: {x-max-priority: 256}}]}", "arguments[x-max-priority]: 256 is too high"},
		{"  definitions: {queues: [{name: q, type: quorum, arguments: {x-overflow: reject-publish-dlx}}]}", "arguments[x-overflow]: reject-publish-dlx is not an overflow behaviour of quorum queues: use one of drop-head, reject-publish"},
		{"  definitions: {queues: [{name: q, type: stream, arguments: {x-overflow: drop-head}}]}", "use one of none (remove the argument)"},
		{"  definitions: {queues: [{name: q}], bindings: [{source: nope, destination: q}]}", `spec.definitions.bindings[0].source: exchange "nope" is not declared in vhost "/"`},
		{"  definitions: {queues: [{name: q}], bindings: [{destination: q}]}", `spec.definitions.bindings[0].source: is required: the exchange to bind from (the default exchange "" already routes`},
		{"  definitions: {bindings: [{source: amq.direct, destination: q}]}", `spec.definitions.bindings[0].destination: queue "q" is not declared in vhost "/": add it to spec.definitions.queues`},
		{"  definitions: {vhosts: [{name: v}], queues: [{name: q, vhost: v}], bindings: [{source: amq.direct, destination: q}]}", `bindings[0].destination: queue "q" is not declared in vhost "/"`},
		{"  definitions: {bindings: [{source: amq.direct, destination: x, destinationType: exchange}]}", `spec.definitions.bindings[0].destination: exchange "x" is not declared`},
		{"  definitions: {queues: [{name: q}], bindings: [{source: amq.direct, destination: q, destinationType: topic}]}", `spec.definitions.bindings[0].destinationType: "topic" is not a destination type`},
		{"  definitions: {queues: [{name: q}], bindings: [{source: amq.direct, destination: q, routingKey: k}, {source: amq.direct, destination: q, routingKey: k}]}", `spec.definitions.bindings[1]: binds amq.direct to queue "q" with routing key "k" a second time`},
		{"  definitions: {policies: [{name: p, pattern: '(?=x)', definition: {max-length: 1}}]}", `spec.definitions.policies[0].pattern: "(?=x)" is not a regular expression rabbitmq-krm can check`},
		{"  definitions: {policies: [{name: p, pattern: '[', definition: {max-length: 1}}]}", `spec.definitions.policies[0].pattern: "[" is not a regular expression`},
		{"  definitions: {policies: [{name: p, definition: {max-length: 1}}]}", "spec.definitions.policies[0].pattern: is required"},
		{"  definitions: {policies: [{pattern: ., definition: {max-length: 1}}]}", "spec.definitions.policies[0].name: is required"},
		{"  definitions: {policies: [{name: p, pattern: .}]}", "spec.definitions.policies[0].definition: is required"},
		{"  definitions: {policies: [{name: p, pattern: ., definition: {a: 1}}, {name: p, pattern: x, definition: {a: 1}}]}", `spec.definitions.policies[1].name: policy "p" in vhost "/" is set twice`},
		{"  definitions: {policies: [{name: p, pattern: ., applyTo: everything, definition: {a: 1}}]}", `spec.definitions.policies[0].applyTo: "everything" is not an apply-to value`},
		{"  image: rabbitmq:3.11.28-management\n  definitions: {policies: [{name: p, pattern: ., applyTo: quorum_queues, definition: {a: 1}}]}", "spec.definitions.policies[0].applyTo: quorum_queues arrived in RabbitMQ 3.12, this config targets 3.11"},
		{"  definitions: {policies: [{name: p, pattern: ., priority: -1, definition: {a: 1}}]}", "spec.definitions.policies[0].priority: -1 is negative"},
		{"  definitions: {policies: [{name: p, pattern: ., definition: {ha-mode: all}}]}", "spec.definitions.policies[0].definition[ha-mode]: classic queue mirroring was removed in RabbitMQ 4.0, this config targets 4.2"},
		{"  definitions: {policies: [{name: p, pattern: ., definition: {max-length: 1.5}}]}", "spec.definitions.policies[0].definition[max-length]: 1.5 must be a non-negative integer"},
		{"  definitions: {configMapName: My_Defs}", `spec.definitions.configMapName: "My_Defs" is not a valid ConfigMap name`},
		{"  definitions: {queues: [{name: q, durabel: true}]}", "durabel"},
		{"  definitions: {additionalConfig: x}\n", "additionalConfig"},
		{"  additionalConfig: 'definitions.local.path = /x'\n  definitions: {}", "spec.additionalConfig: line 1: definitions.local.path is set by rabbitmq-krm (definitions.*): spec.definitions loads them at boot"},
		{"  additionalConfig: 'load_definitions = /x'\n  definitions: {}", "load_definitions is set by rabbitmq-krm"},
	} {
		if _, got := load(tc.spec); !strings.Contains(got, tc.want) {
			t.Errorf("%s\ngot:  %s\nwant: %s", tc.spec, got, tc.want)
		}
	}
}
