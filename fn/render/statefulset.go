package render

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statefulSet runs the nodes. Parallel pod management (the default) matters: with
// OrderedReady a full restart deadlocks, because pod 0 waits for peers that are not started
// until it is ready.
func (k *cluster) statefulSet() Object {
	meta := k.meta(k.names.StatefulSet())
	// The version a kpt package's next render compares with (fn/day2): the image alone may
	// not name it (spec.version with an unversioned tag).
	meta.Annotations = map[string]string{RabbitMQVersionAnnotation: k.TargetVersion()}
	sts := &appsv1.StatefulSet{
		TypeMeta:   typeMeta("apps/v1", "StatefulSet"),
		ObjectMeta: meta,
		Spec: appsv1.StatefulSetSpec{
			ServiceName:          k.names.HeadlessService(),
			Replicas:             ptr(k.Replicas()),
			PodManagementPolicy:  appsv1.PodManagementPolicyType(k.Spec.PodManagementPolicy),
			Selector:             &metav1.LabelSelector{MatchLabels: k.selector()},
			UpdateStrategy:       appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
			Template:             k.podTemplate(),
			VolumeClaimTemplates: k.volumeClaimTemplates(),
		},
	}
	if len(sts.Spec.VolumeClaimTemplates) > 0 {
		// Scaling down or deleting the StatefulSet never deletes a node's data.
		sts.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
			WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
		}
	}
	return sts
}
