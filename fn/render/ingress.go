package render

import (
	networkingv1 "k8s.io/api/networking/v1"
)

// ingress publishes only the management UI: AMQP is a TCP protocol that an HTTP Ingress
// cannot carry (use NodePort or LoadBalancer for it).
func (k *cluster) ingress() Object {
	in := k.Spec.Exposure.Ingress
	pathType := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{
		TypeMeta:   typeMeta("networking.k8s.io/v1", "Ingress"),
		ObjectMeta: k.meta(k.names.ManagementIngress()),
		Spec: networkingv1.IngressSpec{
			Rules: []networkingv1.IngressRule{{
				Host: in.Host,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path:     "/",
						PathType: &pathType,
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
							Name: k.names.ClientService(),
							Port: networkingv1.ServiceBackendPort{Name: k.managementListeners()[0].name},
						}},
					}},
				}},
			}},
		},
	}
	if in.ClassName != "" {
		ing.Spec.IngressClassName = ptr(in.ClassName)
	}
	if in.TLSSecretName != "" {
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{in.Host}, SecretName: in.TLSSecretName}}
	}
	return ing
}
