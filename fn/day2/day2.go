// Package day2 refuses, in a kpt package, the changes a running RabbitMQ cluster cannot take
// by a plain re-apply. A kpt package keeps the previous output next to the config, so the
// StatefulSet rendered last time shows what runs: fewer replicas, a skipped or reversed
// series, renamed nodes, and fields Kubernetes will not update in place are errors that name
// the procedure that works. kustomize and Argo CD never show the previous output; the README's
// day-2 runbook covers them.
package day2

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// Check compares the StatefulSet rendered last time (prev, nil when there is none) with the
// one about to replace it, rendered from c.
func Check(c *v1alpha1.RabbitMQCluster, prev, next *appsv1.StatefulSet) (field.ErrorList, []render.Warning) {
	if prev == nil || next == nil {
		return nil, nil
	}
	var errs field.ErrorList
	var warnings []render.Warning
	if msg := checkScaleDown(c, replicas(prev), replicas(next)); msg != "" {
		errs = append(errs, field.Invalid(field.NewPath("spec", "replicas"), c.Replicas(), msg))
	}
	if c.Spec.ScaleDownFrom != nil && replicas(prev) == replicas(next) {
		warnings = append(warnings, render.Warning{Field: "spec.scaleDownFrom", Message: "the scale-down is applied: remove scaleDownFrom, so that a later accidental decrease is refused again"})
	}
	if from, ok := seriesOf(prev); ok {
		path := v1alpha1.VersionField(c)
		if msg := checkUpgrade(path, from, c.Series()); msg != "" {
			errs = append(errs, field.Invalid(field.NewPath(path), c.TargetVersion(), msg))
		} else if from == (v1alpha1.Series{Major: 3, Minor: 13}) && c.Series().Major == 4 {
			warnings = append(warnings, render.Warning{Field: path, Message: "a 3.13 cluster that enabled khepri_db (experimental in 3.13) cannot be upgraded to 4.x in place: check `rabbitmqctl list_feature_flags` first; without Khepri the upgrade is supported"})
		}
	}
	errs = append(errs, checkIdentity(prev, next)...)
	return errs, warnings
}

func replicas(s *appsv1.StatefulSet) int32 {
	if s.Spec.Replicas == nil {
		return 1 // the API default
	}
	return *s.Spec.Replicas
}

// seriesOf is the series prev was rendered for: its annotation, or else its image's tag.
func seriesOf(prev *appsv1.StatefulSet) (v1alpha1.Series, bool) {
	if v, ok := prev.Annotations[render.RabbitMQVersionAnnotation]; ok {
		s, err := v1alpha1.ParseSeries(v)
		return s, err == nil
	}
	for _, c := range prev.Spec.Template.Spec.Containers {
		if c.Name == "rabbitmq" {
			return v1alpha1.SeriesFromImage(c.Image)
		}
	}
	return v1alpha1.Series{}, false
}
