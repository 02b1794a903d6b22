package day2

import (
	"fmt"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/names"
)

// checkScaleDown refuses fewer replicas unless spec.scaleDownFrom acknowledges exactly this
// decrease: a StatefulSet scale-down stops the highest pods, but the cluster still counts
// their nodes as members, quorum queues and streams keep replicas on them, and a later
// scale-up would start those pods on data of a cluster that has moved on.
func checkScaleDown(c *v1alpha1.RabbitMQCluster, was, now int32) string {
	if now >= was {
		return ""
	}
	if f := c.Spec.ScaleDownFrom; f != nil && *f == was {
		return ""
	}
	n := names.For(c)
	return fmt.Sprintf("the cluster runs %d nodes: lowering replicas to %d does not remove RabbitMQ nodes safely. "+
		"First move the queue replicas off the nodes that go (for each, e.g. `rabbitmq-queues shrink %s` and, for streams, `rabbitmq-streams delete_replica`), "+
		"then set spec.scaleDownFrom: %d, render and apply; once the pods are gone, run `rabbitmqctl forget_cluster_node` for each removed node, "+
		"delete their PersistentVolumeClaims (%s and up), and remove scaleDownFrom (README, \"Scale down\")",
		was, now, n.NodeName(int(was-1)), was, n.PerPodClaim(int(now)))
}
