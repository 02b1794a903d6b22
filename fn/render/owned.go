package render

import (
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf"
)

// Validate refuses spec.additionalConfig keys, spec.advancedConfig entries and spec.env
// variables that the rendered output already sets; it learns them from the code that sets
// them (v1alpha1 cannot import this package).
func init() { v1alpha1.OwnedBy = owned }

func owned(c *v1alpha1.RabbitMQCluster) v1alpha1.Owned {
	o := v1alpha1.Owned{ConfKeys: rabbitconf.WrittenKeys(c)}
	for _, e := range newCluster(c).ownEnv() {
		o.Env = append(o.Env, e.Name)
	}
	return o
}
