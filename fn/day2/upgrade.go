package day2

import (
	"fmt"
	"strings"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// upgradesFrom lists, for each series, the series a running cluster can be upgraded from in
// place, as the release notes state it (release-notes/<series>.0.md, "Upgrading to"): 4.3
// only from 4.2 ("Upgrades from earlier series are not supported"), 4.2 from 4.1, 4.0 and
// 3.13, 4.1 from 4.0 and 3.13, 4.0 only from 3.13, 3.13 from 3.12 ("no upgrade path from
// 3.11 straight to 3.13"), 3.10 from 3.9 and the latest 3.8. Where the notes name no wider
// source, only the series before.
var upgradesFrom = map[v1alpha1.Series][]v1alpha1.Series{
	{Major: 3, Minor: 9}:  {{Major: 3, Minor: 8}},
	{Major: 3, Minor: 10}: {{Major: 3, Minor: 9}, {Major: 3, Minor: 8}},
	{Major: 3, Minor: 11}: {{Major: 3, Minor: 10}},
	{Major: 3, Minor: 12}: {{Major: 3, Minor: 11}},
	{Major: 3, Minor: 13}: {{Major: 3, Minor: 12}},
	{Major: 4, Minor: 0}:  {{Major: 3, Minor: 13}},
	{Major: 4, Minor: 1}:  {{Major: 4, Minor: 0}, {Major: 3, Minor: 13}},
	{Major: 4, Minor: 2}:  {{Major: 4, Minor: 1}, {Major: 4, Minor: 0}, {Major: 3, Minor: 13}},
	{Major: 4, Minor: 3}:  {{Major: 4, Minor: 2}},
}

// canUpgrade reports whether a cluster on from can be upgraded in place to to.
func canUpgrade(from, to v1alpha1.Series) bool {
	for _, s := range upgradesFrom[to] {
		if s == from {
			return true
		}
	}
	return false
}

// upgradePath is the shortest chain of in-place upgrades from one series to a newer one
// ("3.10 -> 3.11 -> 3.12 -> 3.13 -> 4.0"), or "" when there is none.
func upgradePath(from, to v1alpha1.Series) string {
	prev := map[v1alpha1.Series]v1alpha1.Series{}
	queue := []v1alpha1.Series{from}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if s == to {
			return chain(prev, from, to)
		}
		for next := range upgradesFrom {
			if _, seen := prev[next]; !seen && next != from && canUpgrade(s, next) {
				prev[next] = s
				queue = append(queue, next)
			}
		}
	}
	return ""
}

func chain(prev map[v1alpha1.Series]v1alpha1.Series, from, to v1alpha1.Series) string {
	steps := []string{to.String()}
	for s := to; s != from; s = prev[s] {
		steps = append([]string{prev[s].String()}, steps...)
	}
	return strings.Join(steps, " -> ")
}

// checkUpgrade refuses a series change a running cluster cannot take: a downgrade (feature
// flags cannot be disabled) or a skipped series.
func checkUpgrade(path string, from, to v1alpha1.Series) string {
	switch {
	case from == to || canUpgrade(from, to):
		return ""
	case !to.AtLeast(from.Major, from.Minor):
		return fmt.Sprintf("the cluster runs RabbitMQ %s: a downgrade to %s is impossible (enabled feature flags cannot be disabled, and an older node refuses the newer data). "+
			"Keep %s, or build a new %s cluster and move the messages to it (a blue-green deployment)", from, to, from, to)
	}
	steps := upgradePath(from, to)
	if steps == "" {
		return fmt.Sprintf("RabbitMQ %s cannot be upgraded in place to %s: build a new cluster and move the messages to it (a blue-green deployment)", from, to)
	}
	return fmt.Sprintf("the cluster runs RabbitMQ %s, and %s does not support upgrading from it: upgrade one step at a time, %s, "+
		"each step to the series' latest patch release, rendering, applying and waiting for the feature flag Job to complete before the next (change %s once per step)", from, to, steps, path)
}
