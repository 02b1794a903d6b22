package render

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// The alert expressions read the rabbitmq_prometheus plugin's metrics as spec.serviceMonitor
// scrapes them (the Prometheus Operator labels every series with namespace, job = the
// headless Service, pod and instance = pod IP:port) and kube-state-metrics' series (labelled
// with the object's namespace and name). The metric names were checked in the plugin's
// sources of every series 3.8.10 .. 4.3.5 (test/monitoring/README.md lists them).

// brokerSelector matches this cluster's broker series and no other cluster's.
func (k *cluster) brokerSelector() string {
	return fmt.Sprintf(`namespace=%q, job=%q`, k.Namespace, k.names.HeadlessService())
}

// withCluster adds the rabbitmq_cluster label from rabbitmq_identity_info, which every node
// exposes on each endpoint (4.3 once per endpoint: max collapses them).
func (k *cluster) withCluster(expr string) string {
	return fmt.Sprintf("%s\n  * on(instance) group_left(rabbitmq_cluster) max by(instance, rabbitmq_cluster) (rabbitmq_identity_info{%s})",
		expr, k.brokerSelector())
}

// perNode is one series per node of a broker metric (the detailed endpoint's duplicates and
// the endpoint/service/container labels collapsed).
func (k *cluster) perNode(metric string) string {
	return fmt.Sprintf("max by(namespace, job, pod, instance) (%s{%s})", metric, k.brokerSelector())
}

// alerts are the rules of this cluster, in a fixed order.
func (k *cluster) alerts() []alertRule {
	rules := []alertRule{k.noMajorityAlert()}
	if k.Spec.Persistence.Mode() != v1alpha1.PersistenceEmptyDir {
		rules = append(rules, k.volumeMissingAlert())
	}
	rules = append(rules, k.memoryAlarmAlert(), k.diskAlarmAlert(), k.fileDescriptorsAlert())
	if !k.series.AtLeast(4, 0) {
		rules = append(rules, k.socketsAlert())
	}
	rules = append(rules, k.unroutableAlert(), k.connectionChurnAlert())
	if k.hasDetailedQueueMetrics() {
		rules = append(rules, k.queueGrowingAlert())
	}
	return rules
}

// hasDetailedQueueMetrics: /metrics/detailed and its queue families arrived in 3.9.7 (a 3.9
// image without a patch is the newest 3.9, 3.9.29).
func (k *cluster) hasDetailedQueueMetrics() bool {
	if k.series.AtLeast(3, 10) {
		return true
	}
	patch, known := k.Patch()
	return k.series == v1alpha1.Series{Major: 3, Minor: 9} && (!known || patch >= 7)
}

// release is the series, with the patch when the image or spec.version names one.
func (k *cluster) release() string {
	if patch, known := k.Patch(); known {
		return fmt.Sprintf("%s.%d", k.series, patch)
	}
	return k.series.String()
}

// detailedQueueFamilies are the metric families the ServiceMonitor asks /metrics/detailed
// for: rabbitmq_detailed_queue_messages{,_ready,_unacked} and rabbitmq_detailed_queue_consumers.
var detailedQueueFamilies = []string{"queue_coarse_metrics", "queue_consumer_count"}

func (k *cluster) kubeStateMetricsAlert(name, expr, summary, description string) alertRule {
	return alertRule{Alert: name, Expr: expr, Labels: map[string]string{"rabbitmq_cluster": k.Name},
		Annotations: map[string]string{"summary": summary, "description": description}}
}

func (k *cluster) noMajorityAlert() alertRule {
	sel := fmt.Sprintf(`namespace=%q, statefulset=%q`, k.Namespace, k.names.StatefulSet())
	ready := fmt.Sprintf("max by(namespace, statefulset) (kube_statefulset_status_replicas_ready{%s})", sel)
	replicas := fmt.Sprintf("max by(namespace, statefulset) (kube_statefulset_replicas{%s})", sel)
	return k.kubeStateMetricsAlert(v1alpha1.AlertNoMajorityOfNodesReady,
		fmt.Sprintf("%s\n  <= %s / 2\nunless %s == 0", ready, replicas, replicas),
		"No majority of RabbitMQ nodes is ready: quorum queues and streams are unavailable.",
		"{{ $value }} pod(s) of StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} are ready, not a majority. Check them: kubectl -n {{ $labels.namespace }} describe pods -l "+LabelInstance+"="+k.Name)
}

func (k *cluster) volumeMissingAlert() alertRule {
	claims := k.dataClaims()
	for i, c := range claims {
		claims[i] = regexp.QuoteMeta(c)
	}
	sel := fmt.Sprintf(`namespace=%q, persistentvolumeclaim=~%q, phase="Bound"`, k.Namespace, strings.Join(claims, "|"))
	return k.kubeStateMetricsAlert(v1alpha1.AlertPersistentVolumeMissing,
		fmt.Sprintf("max by(namespace, persistentvolumeclaim) (\n  kube_persistentvolumeclaim_status_phase{%s}\n) == 0", sel),
		"A RabbitMQ data volume is not bound: its node cannot start.",
		"PersistentVolumeClaim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is not Bound. Check it: kubectl -n {{ $labels.namespace }} describe pvc {{ $labels.persistentvolumeclaim }}")
}

// dataClaims are the claims the data volumes of the pods use.
func (k *cluster) dataClaims() []string {
	if k.Spec.Persistence.Mode() == v1alpha1.PersistenceNFSShared {
		return []string{k.names.DataClaim()}
	}
	claims := make([]string, k.Replicas())
	for i := range claims {
		claims[i] = k.names.PerPodClaim(i)
	}
	return claims
}
