package render

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// place puts spec.pod's nodeSelector, tolerations and imagePullSecrets on a pod: every pod
// the function renders (brokers, the feature flag Job, the deployed etcd) runs where the
// brokers may run and can pull from the same registry. Copies: objects never share the
// config's slices and maps.
func (k *cluster) place(spec *corev1.PodSpec) {
	p := k.Spec.Pod
	if len(p.NodeSelector) > 0 {
		spec.NodeSelector = maps.Clone(p.NodeSelector)
	}
	for _, t := range p.Tolerations {
		spec.Tolerations = append(spec.Tolerations, *t.DeepCopy())
	}
	spec.ImagePullSecrets = append([]corev1.LocalObjectReference(nil), p.ImagePullSecrets...)
}

// merged is own over extra: Validate refuses extra keys that own sets. nil when both are empty.
func merged(extra, own map[string]string) map[string]string {
	if len(extra) == 0 && len(own) == 0 {
		return nil
	}
	m := maps.Clone(extra)
	if m == nil {
		m = map[string]string{}
	}
	maps.Copy(m, own)
	return m
}

// ownPodAnnotations are the annotations the function sets on the RabbitMQ pods.
func (k *cluster) ownPodAnnotations() map[string]string {
	return map[string]string{ConfigChecksumAnnotation: k.configChecksum()}
}

// affinity is spec.pod.affinity, its anti-affinity terms without a labelSelector given the
// brokers' selector, or by default a preference for one RabbitMQ pod per Kubernetes node, so
// losing a machine loses one replica.
func (k *cluster) affinity() *corev1.Affinity {
	if a := k.Spec.Pod.Affinity; a != nil {
		a = a.DeepCopy()
		if anti := a.PodAntiAffinity; anti != nil {
			for i := range anti.RequiredDuringSchedulingIgnoredDuringExecution {
				k.selectBrokers(&anti.RequiredDuringSchedulingIgnoredDuringExecution[i].LabelSelector)
			}
			for i := range anti.PreferredDuringSchedulingIgnoredDuringExecution {
				k.selectBrokers(&anti.PreferredDuringSchedulingIgnoredDuringExecution[i].PodAffinityTerm.LabelSelector)
			}
		}
		return a
	}
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				LabelSelector: &metav1.LabelSelector{MatchLabels: k.selector()},
				TopologyKey:   "kubernetes.io/hostname",
			},
		}},
	}}
}

// topologySpread is spec.pod.topologySpreadConstraints, those without a labelSelector given
// the brokers' selector (without one a constraint counts no pod and spreads nothing), or by
// default a spread over zones where the cluster has them, without ever blocking scheduling
// in a single-zone cluster.
func (k *cluster) topologySpread() []corev1.TopologySpreadConstraint {
	if user := k.Spec.Pod.TopologySpreadConstraints; len(user) > 0 {
		out := make([]corev1.TopologySpreadConstraint, len(user))
		for i, c := range user {
			out[i] = *c.DeepCopy()
			k.selectBrokers(&out[i].LabelSelector)
		}
		return out
	}
	return []corev1.TopologySpreadConstraint{{
		MaxSkew:           1,
		TopologyKey:       "topology.kubernetes.io/zone",
		WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector:     &metav1.LabelSelector{MatchLabels: k.selector()},
	}}
}

// selectBrokers gives an unset label selector the RabbitMQ pods' selector.
func (k *cluster) selectBrokers(sel **metav1.LabelSelector) {
	if *sel == nil {
		*sel = &metav1.LabelSelector{MatchLabels: k.selector()}
	}
}
