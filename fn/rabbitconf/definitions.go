package rabbitconf

import "github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"

// DefinitionsDir is where the definitions init container writes the files every node
// imports at boot, in name order: the boot part of spec.definitions, then the default user.
const DefinitionsDir = "/etc/rabbitmq/definitions"

// definitions points load_definitions at DefinitionsDir. The classic key, not
// definitions.local.path: it loads a directory of files (sorted by name) in every series
// from 3.8 to 4.3, where the modern keys arrived in 3.9 (docs/definitions.md).
func definitions(d *document, c *v1alpha1.RabbitMQCluster) {
	if c.Spec.Definitions == nil {
		return
	}
	d.section("Definitions", "spec.definitions loads them at boot")
	d.comment("Vhosts, exchanges, policies, at every boot; a blank node that imports definitions creates")
	d.comment("no default user or vhost: the init container adds them. The Job imports the queues.")
	d.set("load_definitions", DefinitionsDir)
	d.ownAll("definitions")
}
