package render

import (
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

func (k *cluster) serviceAccount() Object {
	return &corev1.ServiceAccount{
		TypeMeta:   typeMeta("v1", "ServiceAccount"),
		ObjectMeta: k.meta(k.names.ServiceAccount()),
		// The token is mounted by the pod spec only where discovery needs the API.
		AutomountServiceAccountToken: ptr(false),
	}
}

// role allows exactly what rabbitmq_peer_discovery_k8s before 4.1 does: read the Endpoints
// of the headless Service and record an event when a node registers.
func (k *cluster) role() Object {
	return &rbacv1.Role{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "Role"),
		ObjectMeta: k.meta(k.names.Role()),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"endpoints"}, Verbs: []string{"get"}},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create"}},
		},
	}
}

func (k *cluster) roleBinding() Object {
	return &rbacv1.RoleBinding{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "RoleBinding"),
		ObjectMeta: k.meta(k.names.RoleBinding()),
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: k.names.Role()},
		Subjects: []rbacv1.Subject{{
			Kind: rbacv1.ServiceAccountKind, Name: k.names.ServiceAccount(), Namespace: k.Namespace,
		}},
	}
}

func ptr[T any](v T) *T { return &v }
