package v1alpha1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Rules that depend on the RabbitMQ release the config targets. Each one refuses a
// combination that renders fine but fails or loses data on the running broker.

// Minimum38Patch is the oldest 3.8 patch the rendered pods work with: conf.d and
// `rabbitmq-upgrade await_online_quorum_plus_one` (preStop) exist from 3.8.4,
// `rabbitmq-upgrade drain` (preStop) from 3.8.8.
const Minimum38Patch = 8

// First38PatchWithoutStartupDelay is where 3.8 dropped the randomized startup delay
// (rabbitmq-server#3075): from it on, the dns backend neither locks nor waits.
const First38PatchWithoutStartupDelay = 18

// Newest38Image is the newest official 3.8 image (docker-library stopped at 3.8.34).
const Newest38Image = "rabbitmq:3.8.34-management"

// validateSeriesRules runs after validateVersion accepted spec.version.
func (c *RabbitMQCluster) validateSeriesRules(errs *field.ErrorList) {
	series, err := ParseSeries(c.Spec.Version)
	if err != nil {
		return
	}
	patch, known := c.Patch()
	if series == (Series{3, 8}) && known && patch < Minimum38Patch {
		add(errs, VersionField(c), "RabbitMQ 3.8.%d is too old for the rendered pods: the preStop hook needs `rabbitmq-upgrade drain` (3.8.8) and `await_online_quorum_plus_one` (3.8.4); use 3.8.%d or newer, e.g. %s", patch, Minimum38Patch, Newest38Image)
	}
	d := &c.Spec.Discovery
	if d.ForceNodeCleanup && d.Mode == DiscoveryK8s && series.AtLeast(4, 1) {
		add(errs, "spec.discovery.forceNodeCleanup", "cannot be used with k8s discovery on RabbitMQ %s: from 4.1 the k8s backend lists only the seed pod (<name>-0), so every tick would forget each other member that is down, even for an ordinary rolling restart, and shrink its quorum queues; remove forceNodeCleanup and forget departed nodes by hand (rabbitmqctl forget_cluster_node)", series)
	}
	if !series.AtLeast(3, 9) {
		for i, p := range c.Spec.Plugins {
			if p == "rabbitmq_stream" || p == "rabbitmq_stream_management" {
				add(errs, fmt.Sprintf("spec.plugins[%d]", i), "%s does not exist in RabbitMQ %s: streams arrived in 3.9; remove it, or use 3.9 or newer", p, series)
			}
		}
	}
	if d.Mode == DiscoveryDNS && dnsRaces(series, patch, known) {
		add(errs, "spec.discovery.mode", "dns discovery can form separate clusters on RabbitMQ %s: from 3.8.18 to 3.12 the dns backend takes no lock and has no startup delay, so pods booting in parallel may each start a cluster of their own; use mode classic (it locks) or k8s, or RabbitMQ 3.13 or newer (nodes agree on one seed)", seriesOrPatch(series, patch, known))
	}
}

// dnsRaces reports whether parallel first boots with the dns backend may form separate
// clusters. An unknown 3.8 patch counts as racing: the floating 3.8 tags are 3.8.34.
func dnsRaces(series Series, patch int, known bool) bool {
	if series == (Series{3, 8}) {
		return !known || patch >= First38PatchWithoutStartupDelay
	}
	return !series.AtLeast(3, 13)
}

func seriesOrPatch(series Series, patch int, known bool) string {
	switch {
	case known:
		return fmt.Sprintf("%s.%d", series, patch)
	case series == Series{3, 8}:
		return "3.8 (no patch release given: the 3.8 tags are 3.8.34)"
	}
	return series.String()
}

// VersionField names the field that set the version: spec.version when it names a patch
// release, else spec.image (defaulting copies the series from the image tag).
func VersionField(c *RabbitMQCluster) string {
	if _, ok := patchOf(c.Spec.Version); ok {
		return "spec.version"
	}
	return "spec.image"
}
