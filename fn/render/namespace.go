package render

import corev1 "k8s.io/api/core/v1"

// namespace is labelled for the restricted Pod Security profile: the pods are built to pass it.
func (k *cluster) namespace() Object {
	ns := &corev1.Namespace{TypeMeta: typeMeta("v1", "Namespace"), ObjectMeta: k.clusterMeta(k.Namespace)}
	for _, mode := range []string{"enforce", "audit", "warn"} {
		ns.Labels["pod-security.kubernetes.io/"+mode] = "restricted"
	}
	return ns
}
