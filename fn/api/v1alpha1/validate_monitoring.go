package v1alpha1

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const prometheusRuleField = "spec.monitoring.prometheusRule"

// PrometheusLabelNamePattern is a Prometheus label name (the legacy, non-UTF-8 scheme that
// every Prometheus and Alertmanager version accepts).
var PrometheusLabelNamePattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// PrometheusDurationPattern is what model.ParseDuration accepts, for the JSON schema (which
// cannot call it): units from the largest to the smallest, or 0.
var PrometheusDurationPattern = regexp.MustCompile(`^(0|([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)$`)

// reservedAlertLabels come from the expressions or Prometheus itself; severity has its own
// field.
var reservedAlertLabels = map[string]string{
	"alertname":        "Prometheus sets it to the alert's name",
	"namespace":        "the expressions keep the cluster's namespace",
	"job":              "the expressions keep the scrape job",
	"rabbitmq_cluster": "the alerts carry the RabbitMQ cluster name",
	"severity":         "set it per alert in " + prometheusRuleField + ".severities",
}

func (c *RabbitMQCluster) validateMonitoring(errs *field.ErrorList) {
	r := c.Spec.Monitoring.PrometheusRule
	if r == nil {
		return
	}
	if c.Namespace == "" {
		add(errs, prometheusRuleField, "needs metadata.namespace: the alert expressions select this cluster's series by namespace, so that clusters of the same name in other namespaces do not trigger them")
	}
	if c.Spec.ServiceMonitor == nil {
		add(errs, prometheusRuleField, "needs spec.serviceMonitor (e.g. serviceMonitor: {}): the alerts read the series its scrape produces (job %s-nodes); without it they would never fire", c.Name)
	}
	validateLabelMap(errs, prometheusRuleField+".labels", r.Labels)
	validateAlertLabels(errs, r.AlertLabels)
	validateSeverities(errs, r.Severities)
	validatePromDuration(errs, prometheusRuleField+".for", r.For, 0)
	validatePromDuration(errs, prometheusRuleField+".window", r.Window, c.minAlertWindow())
	r.Thresholds.validate(errs)
}

// minAlertWindow is two scrape intervals: rate() and increase() need two samples in range.
// (A missing ServiceMonitor or a bad interval is reported on its own.)
func (c *RabbitMQCluster) minAlertWindow() time.Duration {
	if sm := c.Spec.ServiceMonitor; sm != nil {
		if d, err := time.ParseDuration(sm.Interval); err == nil && d > 0 {
			return 2 * d
		}
	}
	return 0
}

// validateLabelMap checks Kubernetes labels: qualified names and label values.
func validateLabelMap(errs *field.ErrorList, path string, labels map[string]string) {
	for _, key := range sortedKeys(labels) {
		for _, msg := range validation.IsQualifiedName(key) {
			add(errs, path, "%q is not a valid label key: %s", key, msg)
		}
		for _, msg := range validation.IsValidLabelValue(labels[key]) {
			add(errs, path, "%q is not a valid value for label %s: %s", labels[key], key, msg)
		}
	}
}

func validateAlertLabels(errs *field.ErrorList, labels map[string]string) {
	path := prometheusRuleField + ".alertLabels"
	for _, key := range sortedKeys(labels) {
		switch why, reserved := reservedAlertLabels[key]; {
		case reserved:
			add(errs, path, "%s cannot be set here: %s", key, why)
		case !PrometheusLabelNamePattern.MatchString(key) || strings.HasPrefix(key, "__"):
			add(errs, path, "%q is not a Prometheus label name: use letters, digits and underscores, not starting with a digit or __ (e.g. team)", key)
		default:
			validateAlertLabelValue(errs, path+"."+key, labels[key])
		}
	}
}

func validateSeverities(errs *field.ErrorList, severities map[string]string) {
	path := prometheusRuleField + ".severities"
	for _, name := range sortedKeys(severities) {
		if _, known := AlertSeverities[name]; !known {
			add(errs, path, "%q is not an alert of the rule: use one of %s", name, strings.Join(sortedKeys(AlertSeverities), ", "))
			continue
		}
		validateAlertLabelValue(errs, path+"."+name, severities[name])
	}
}

// validateAlertLabelValue refuses what Alertmanager cannot route on: empty values, invalid
// UTF-8, and {{ (Prometheus would expand it as a template).
func validateAlertLabelValue(errs *field.ErrorList, path, value string) {
	if value == "" || !utf8.ValidString(value) || strings.Contains(value, "{{") {
		add(errs, path, "%q is not a usable label value: write non-empty text without {{ (e.g. critical, warning, info)", value)
	}
}

// validatePromDuration checks a Prometheus duration (1m, 90s, 1h30m) of at least min.
func validatePromDuration(errs *field.ErrorList, path, value string, min time.Duration) {
	d, err := model.ParseDuration(value)
	if err != nil {
		add(errs, path, "%q is not a Prometheus duration: write a number with a unit, e.g. 30s, 5m or 1h", value)
		return
	}
	if time.Duration(d) < min {
		add(errs, path, "%s is too short: use at least %s (two scrape intervals of spec.serviceMonitor, so that rates have two samples)", value, model.Duration(min))
	}
}

func (t AlertThresholds) validate(errs *field.ErrorList) {
	path := prometheusRuleField + ".thresholds."
	inRange(errs, path+"fileDescriptorsPercent", *t.FileDescriptorsPercent, 1, 100)
	inRange(errs, path+"tcpSocketsPercent", *t.TCPSocketsPercent, 1, 100)
	inRange(errs, path+"unroutableMessages", *t.UnroutableMessages, 1, 1<<30)
	inRange(errs, path+"connectionChurnPercent", *t.ConnectionChurnPercent, 1, MaxConnectionChurnPercent)
	inRange(errs, path+"connectionChurnMinConnections", *t.ConnectionChurnMinConnections, 0, 1<<30)
	inRange(errs, path+"queueMessages", *t.QueueMessages, 1, 1<<30)
}

func inRange(errs *field.ErrorList, path string, v, min, max int32) {
	if v < min || v > max {
		add(errs, path, "%d is out of range: use %d to %d", v, min, max)
	}
}
