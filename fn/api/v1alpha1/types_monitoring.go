package v1alpha1

// Monitoring adds what Prometheus needs beyond scraping (spec.serviceMonitor scrapes).
type Monitoring struct {
	// PrometheusRule, when set, emits a Prometheus Operator PrometheusRule
	// (monitoring.coreos.com/v1) named like the cluster with the alerts RabbitMQ operators
	// rely on, each scoped to this cluster's namespace and Service so that two clusters never
	// alert for each other:
	//   RabbitmqNoMajorityOfNodesReady     at most half of the StatefulSet's replicas ready (critical)
	//   RabbitmqPersistentVolumeMissing    a data PersistentVolumeClaim is not Bound (critical;
	//                                      not with persistence.emptyDir)
	//   RabbitmqMemoryAlarm                a node's memory alarm blocks publishers (critical)
	//   RabbitmqDiskAlarm                  a node's disk alarm blocks publishers (critical)
	//   RabbitmqFileDescriptorsNearLimit   open file descriptors above a share of the limit
	//   RabbitmqTCPSocketsNearLimit        open TCP sockets above a share of the limit (RabbitMQ
	//                                      3.8-3.13: 4.0 dropped the socket limit and its metric)
	//   RabbitmqUnroutableMessages         published messages dropped or returned as unroutable
	//   RabbitmqHighConnectionChurn        connections opened and closed per second, relative
	//                                      to the connections open
	//   RabbitmqQueueGrowingWithoutConsumers  a queue with no consumer kept growing (needs the
	//                                      per-queue metrics of /metrics/detailed: RabbitMQ
	//                                      3.9.7 or newer; left out with a warning before)
	// Needs metadata.namespace and spec.serviceMonitor: the expressions select the series of
	// that ServiceMonitor's scrape (namespace, job <name>-nodes), which then also scrapes
	// /metrics/detailed for the two per-queue metric families the queue alert reads. The
	// first two alerts read kube-state-metrics (kube_statefulset_*,
	// kube_persistentvolumeclaim_status_phase): the Prometheus must scrape it too, keeping
	// its namespace label (honorLabels, as kube-prometheus and its Helm chart do).
	PrometheusRule *PrometheusRule `json:"prometheusRule,omitempty"`
}

// PrometheusRule configures the alerts.
type PrometheusRule struct {
	// Labels on the PrometheusRule object, e.g. release: prometheus, for the ruleSelector of
	// the Prometheus that should load it.
	Labels map[string]string `json:"labels,omitempty"`
	// AlertLabels are added to every alert, e.g. team: messaging, for Alertmanager's routes.
	// Names follow Prometheus' label names ([a-zA-Z_][a-zA-Z0-9_]*). severity belongs in
	// severities; namespace, job, alertname and rabbitmq_cluster come from the expressions.
	AlertLabels map[string]string `json:"alertLabels,omitempty"`
	// Severities replaces the severity label of single alerts, by alert name, e.g.
	//   severities: {RabbitmqUnroutableMessages: info}
	// Defaults: critical for no majority, volume missing, memory and disk alarms; warning
	// for the others.
	Severities map[string]string `json:"severities,omitempty"`
	// For is how long a condition must hold before its alert fires (a Prometheus duration,
	// default 5m).
	For string `json:"for,omitempty"`
	// Window is the range the rates, increases and queue growth are measured over (a
	// Prometheus duration, default 5m): at least two scrape intervals of spec.serviceMonitor,
	// so that every rate has two samples; four or more give steadier rates.
	Window string `json:"window,omitempty"`
	// Thresholds of the alerts that have one.
	Thresholds AlertThresholds `json:"thresholds,omitempty"`
}

// AlertThresholds are the levels at which the alerts fire.
type AlertThresholds struct {
	// FileDescriptorsPercent of the node's file descriptor limit in use (1-100, default 80).
	FileDescriptorsPercent *int32 `json:"fileDescriptorsPercent,omitempty"`
	// TCPSocketsPercent of the node's TCP socket limit in use (1-100, default 80).
	TCPSocketsPercent *int32 `json:"tcpSocketsPercent,omitempty"`
	// UnroutableMessages dropped or returned within the window, cluster-wide (at least 1,
	// default 1).
	UnroutableMessages *int32 `json:"unroutableMessages,omitempty"`
	// ConnectionChurnPercent: connections opened plus closed per second, as a percentage of
	// the connections open (1-1000, default 10).
	ConnectionChurnPercent *int32 `json:"connectionChurnPercent,omitempty"`
	// ConnectionChurnMinConnections: with fewer connections open, churn does not alert
	// (default 100; 0 always alerts).
	ConnectionChurnMinConnections *int32 `json:"connectionChurnMinConnections,omitempty"`
	// QueueMessages: a queue without consumers alerts once it holds at least this many
	// messages and grew over the window (at least 1, default 1).
	QueueMessages *int32 `json:"queueMessages,omitempty"`
}

// Alert names of the PrometheusRule; Severities is keyed by them.
const (
	AlertNoMajorityOfNodesReady       = "RabbitmqNoMajorityOfNodesReady"
	AlertPersistentVolumeMissing      = "RabbitmqPersistentVolumeMissing"
	AlertMemoryAlarm                  = "RabbitmqMemoryAlarm"
	AlertDiskAlarm                    = "RabbitmqDiskAlarm"
	AlertFileDescriptorsNearLimit     = "RabbitmqFileDescriptorsNearLimit"
	AlertTCPSocketsNearLimit          = "RabbitmqTCPSocketsNearLimit"
	AlertUnroutableMessages           = "RabbitmqUnroutableMessages"
	AlertHighConnectionChurn          = "RabbitmqHighConnectionChurn"
	AlertQueueGrowingWithoutConsumers = "RabbitmqQueueGrowingWithoutConsumers"
)

// AlertSeverities are the default severities, by alert name (every alert is listed).
var AlertSeverities = map[string]string{
	AlertNoMajorityOfNodesReady:       "critical",
	AlertPersistentVolumeMissing:      "critical",
	AlertMemoryAlarm:                  "critical",
	AlertDiskAlarm:                    "critical",
	AlertFileDescriptorsNearLimit:     "warning",
	AlertTCPSocketsNearLimit:          "warning",
	AlertUnroutableMessages:           "warning",
	AlertHighConnectionChurn:          "warning",
	AlertQueueGrowingWithoutConsumers: "warning",
}

// Defaults of spec.monitoring.prometheusRule.
const (
	DefaultAlertFor                      = "5m"
	DefaultAlertWindow                   = "5m"
	DefaultFileDescriptorsPercent  int32 = 80
	DefaultTCPSocketsPercent       int32 = 80
	DefaultUnroutableMessages      int32 = 1
	DefaultConnectionChurnPercent  int32 = 10
	DefaultConnectionChurnMinConns int32 = 100
	DefaultQueueMessages           int32 = 1
	MaxConnectionChurnPercent      int32 = 1000
)

func (r *PrometheusRule) defaults() {
	if r.For == "" {
		r.For = DefaultAlertFor
	}
	if r.Window == "" {
		r.Window = DefaultAlertWindow
	}
	t := &r.Thresholds
	defaultInt(&t.FileDescriptorsPercent, DefaultFileDescriptorsPercent)
	defaultInt(&t.TCPSocketsPercent, DefaultTCPSocketsPercent)
	defaultInt(&t.UnroutableMessages, DefaultUnroutableMessages)
	defaultInt(&t.ConnectionChurnPercent, DefaultConnectionChurnPercent)
	defaultInt(&t.ConnectionChurnMinConnections, DefaultConnectionChurnMinConns)
	defaultInt(&t.QueueMessages, DefaultQueueMessages)
}

func defaultInt(p **int32, v int32) {
	if *p == nil {
		*p = ptr(v)
	}
}
