package render

import (
	"fmt"
	"strings"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// Alerts on the brokers' own metrics (rabbitmq_prometheus).

func brokerAlert(name, expr, summary, description string) alertRule {
	return alertRule{Alert: name, Expr: expr,
		Annotations: map[string]string{"summary": summary, "description": description}}
}

// clusterSum sums per-node terms over the cluster, keeping rabbitmq_cluster. Each term is
// summed by instance first and the terms are added: one selector over several metric names
// (a {__name__=~...} regex) would fail once rate() drops the names ("vector cannot contain
// metrics with the same labelset"). Every term's metric exists on every node (counters start
// at 0), so the addition finds a partner for each node.
func (k *cluster) clusterSum(terms ...string) string {
	perNode := make([]string, len(terms))
	for i, t := range terms {
		perNode[i] = fmt.Sprintf("sum by(namespace, job, instance) (%s)", t)
	}
	return fmt.Sprintf("sum by(namespace, job, rabbitmq_cluster) (\n  %s\n)",
		k.withCluster("(\n    "+strings.Join(perNode, "\n    + ")+"\n  )"))
}

// alarmAlert fires on a node's alarm metric (3.8.25 / 3.9.4 and newer) or, where a node has
// none, on the comparison the alarm is raised on.
func (k *cluster) alarmAlert(name, alarm, comparison, summary, doc string) alertRule {
	return brokerAlert(name,
		k.withCluster(fmt.Sprintf("(\n  %s > 0\n  or %s\n)", k.perNode(alarm), comparison)),
		summary, "Node {{ $labels.pod }} in {{ $labels.namespace }} blocks every publishing connection until the alarm clears. See "+doc)
}

func (k *cluster) memoryAlarmAlert() alertRule {
	return k.alarmAlert(v1alpha1.AlertMemoryAlarm, "rabbitmq_alarms_memory_used_watermark",
		k.perNode("rabbitmq_process_resident_memory_bytes")+" >= "+k.perNode("rabbitmq_resident_memory_limit_bytes"),
		"A RabbitMQ node's memory alarm is on: publishers are blocked.", "https://www.rabbitmq.com/docs/memory")
}

func (k *cluster) diskAlarmAlert() alertRule {
	return k.alarmAlert(v1alpha1.AlertDiskAlarm, "rabbitmq_alarms_free_disk_space_watermark",
		k.perNode("rabbitmq_disk_space_available_bytes")+" < "+k.perNode("rabbitmq_disk_space_available_limit_bytes"),
		"A RabbitMQ node's free disk space alarm is on: publishers are blocked.", "https://www.rabbitmq.com/docs/disk-alarms")
}

// nearLimitAlert fires when used/limit (per node) is above percent.
func (k *cluster) nearLimitAlert(name, used, limit, what string, percent int32) alertRule {
	return brokerAlert(name,
		k.withCluster(fmt.Sprintf("(\n  %s\n  / %s\n  * 100 > %d\n)", k.perNode(used), k.perNode(limit), percent)),
		fmt.Sprintf("A RabbitMQ node uses more than %d%% of its %s.", percent, what),
		fmt.Sprintf("Node {{ $labels.pod }} in {{ $labels.namespace }} uses {{ $value | printf \"%%.0f\" }}%% of its %s: at the limit it refuses new connections. See https://www.rabbitmq.com/docs/production-checklist#resource-limits-file-handle-limit", what))
}

func (k *cluster) fileDescriptorsAlert() alertRule {
	return k.nearLimitAlert(v1alpha1.AlertFileDescriptorsNearLimit, "rabbitmq_process_open_fds", "rabbitmq_process_max_fds",
		"file descriptors", *k.Spec.Monitoring.PrometheusRule.Thresholds.FileDescriptorsPercent)
}

func (k *cluster) socketsAlert() alertRule {
	return k.nearLimitAlert(v1alpha1.AlertTCPSocketsNearLimit, "rabbitmq_process_open_tcp_sockets", "rabbitmq_process_max_tcp_sockets",
		"TCP sockets", *k.Spec.Monitoring.PrometheusRule.Thresholds.TCPSocketsPercent)
}

// unroutableAlert counts every protocol's unroutable messages (the global counters, 3.9 and
// newer); 3.8 has only the AMQP 0-9-1 channels' totals.
func (k *cluster) unroutableAlert() alertRule {
	r := k.Spec.Monitoring.PrometheusRule
	prefix := "rabbitmq_global_messages_unroutable_"
	if !k.series.AtLeast(3, 9) {
		prefix = "rabbitmq_channel_messages_unroutable_"
	}
	increase := func(metric string) string {
		return fmt.Sprintf("increase(%s%s{%s}[%s])", prefix, metric, k.brokerSelector(), r.Window)
	}
	return brokerAlert(v1alpha1.AlertUnroutableMessages,
		fmt.Sprintf("%s >= %d", k.clusterSum(increase("dropped_total"), increase("returned_total")), *r.Thresholds.UnroutableMessages),
		"Messages published to RabbitMQ could not be routed to any queue.",
		fmt.Sprintf("{{ $value | printf \"%%.0f\" }} messages were dropped or returned as unroutable in %s in the last %s: check the bindings and the routing keys. See https://www.rabbitmq.com/docs/publishers#unroutable", k.Name, r.Window))
}

func (k *cluster) connectionChurnAlert() alertRule {
	r := k.Spec.Monitoring.PrometheusRule
	rate := func(metric string) string {
		return fmt.Sprintf("rate(%s{%s}[%s])", metric, k.brokerSelector(), r.Window)
	}
	churn := k.clusterSum(rate("rabbitmq_connections_opened_total"), rate("rabbitmq_connections_closed_total"))
	open := k.clusterSum(fmt.Sprintf("rabbitmq_connections{%s}", k.brokerSelector()))
	return brokerAlert(v1alpha1.AlertHighConnectionChurn,
		fmt.Sprintf("%s\n/ %s\n* 100 > %d\nand %s >= %d", churn, open, *r.Thresholds.ConnectionChurnPercent, open, *r.Thresholds.ConnectionChurnMinConnections),
		"Clients of RabbitMQ open and close connections at a high rate instead of keeping them.",
		fmt.Sprintf("Connections opened and closed per second in %s are {{ $value | printf \"%%.0f\" }}%% of the connections open. See https://www.rabbitmq.com/docs/connections#high-connection-churn", k.Name))
}

// queueGrowingAlert reads the per-queue metrics the ServiceMonitor scrapes from
// /metrics/detailed (a queue's replicas may each report it: max takes one).
func (k *cluster) queueGrowingAlert() alertRule {
	r := k.Spec.Monitoring.PrometheusRule
	sel := k.brokerSelector()
	byQueue := "by(namespace, job, vhost, queue)"
	messages := fmt.Sprintf("max by(namespace, job, rabbitmq_cluster, vhost, queue) (\n  %s\n)",
		k.withCluster(fmt.Sprintf("rabbitmq_detailed_queue_messages{%s}", sel)))
	return brokerAlert(v1alpha1.AlertQueueGrowingWithoutConsumers,
		fmt.Sprintf("%s >= %d\nand on(namespace, job, vhost, queue) max %s (delta(rabbitmq_detailed_queue_messages{%s}[%s])) > 0\nand on(namespace, job, vhost, queue) max %s (rabbitmq_detailed_queue_consumers{%s}) == 0",
			messages, *r.Thresholds.QueueMessages, byQueue, sel, r.Window, byQueue, sel),
		"A RabbitMQ queue grows and nothing consumes from it.",
		"Queue {{ $labels.queue }} in virtual host {{ $labels.vhost }} holds {{ $value }} messages, grew over the last "+r.Window+" and has no consumer.")
}
